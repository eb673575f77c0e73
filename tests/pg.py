"""The test PostgreSQL database: a superuser connection, and the application connected as a role
that is a member of caseos_app (row-level security applies, as in production)."""
from __future__ import annotations

import contextlib
import os
import uuid


def db_url() -> str:
    return os.environ["TEST_DATABASE_URL"].replace("postgresql+psycopg2://", "postgresql://")


@contextlib.contextmanager
def pg(autocommit=True):
    """A psycopg2 connection to the test database as the superuser (closed afterwards)."""
    import psycopg2
    conn = psycopg2.connect(db_url())
    conn.autocommit = autocommit
    try:
        yield conn
    finally:
        if not autocommit:
            conn.rollback()
        conn.close()


@contextlib.contextmanager
def app_as_app_role(prefix="caseos_role"):
    """A second app connected as a fresh login role in caseos_app; the role is dropped afterwards.
    The shared app's Celery binding and runtime stay as they were."""
    from app.platform import celery_app
    from app import create_app
    from app.extensions import db
    from app.platform import runtime
    from config import Config
    role = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with pg() as conn, conn.cursor() as cur:
        cur.execute(f'CREATE ROLE "{role}" LOGIN; GRANT caseos_app TO "{role}"')
    url = db_url().replace("postgresql://postgres@", f"postgresql://{role}@", 1)
    assert role in url, "TEST_DATABASE_URL is expected to connect as postgres@"
    saved = (celery_app._flask_app, runtime._fallback)
    rls_app = create_app(Config(SQLALCHEMY_DATABASE_URI=url))
    rls_app.config["TESTING"] = True
    celery_app._flask_app, runtime._fallback = saved
    try:
        yield rls_app
    finally:
        with rls_app.app_context():
            db.engine.dispose()
        with pg() as conn, conn.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
            cur.execute(f'REVOKE caseos_app FROM "{role}"; DROP ROLE "{role}"')
