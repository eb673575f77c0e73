"""Test fixtures: a real PostgreSQL database created for the run, a real Redis, moto's S3 server
and (for end-to-end tests) a real Celery worker process.

Environment is set in pytest_configure, before the app is imported, exactly as an operator
would set it. Tests isolate themselves by creating their own users and organizations, so
no table is truncated between tests (tenant isolation is itself under test).
"""
from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from devkit.s3 import start_s3

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DB_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
_state: dict = {}


def _psql_admin(sql: str):
    import psycopg2
    conn = psycopg2.connect(ADMIN_DB_URL.replace("postgresql+psycopg2://", "postgresql://"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def pytest_configure(config):
    if os.environ.get("CASEOS_TEST_CONFIGURED"):
        return
    os.environ["CASEOS_TEST_CONFIGURED"] = "1"
    var = tempfile.mkdtemp(prefix="caseos-test-")
    _state["var"] = var
    os.environ["CASEOS_VAR_DIR"] = var
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ.setdefault("ENCRYPTION_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    os.environ["RATELIMIT_AUTH"] = "10000 per minute"
    os.environ["RATELIMIT_LOGIN_ACCOUNT"] = "10000 per minute"
    os.environ["RATELIMIT_INVITE"] = "10000 per minute"
    os.environ["LOG_LEVEL"] = "WARNING"
    if not os.environ.get("TEST_DATABASE_URL"):
        name = f"caseos_test_{uuid.uuid4().hex[:10]}"
        _psql_admin(f'CREATE DATABASE "{name}"')
        _state["dbname"] = name
        base = ADMIN_DB_URL.rsplit("/", 1)[0]
        os.environ["TEST_DATABASE_URL"] = f"{base}/{name}"
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
    os.environ.setdefault("REDIS_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
    run_id = uuid.uuid4().hex[:8]
    os.environ["RATELIMIT_KEY_PREFIX"] = f"caseos-test-{run_id}"
    # Concurrent test runs on one Redis must not take each other's tasks.
    os.environ["CELERY_KEY_PREFIX"] = f"caseos-test-{run_id}:"
    url, stop = start_s3()
    _state["moto_stop"] = stop
    os.environ.update({"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": url, "S3_BUCKET": "caseos-test",
                       "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"})
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, check=True,
                   capture_output=True)


def pytest_unconfigure(config):
    stop = _state.pop("moto_stop", None)
    if stop:
        stop()
    name = _state.pop("dbname", None)
    if name:
        try:
            _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception:
            pass
    var = _state.pop("var", None)
    if var:
        shutil.rmtree(var, ignore_errors=True)


@pytest.fixture(scope="session")
def app():
    from app import create_app
    application = create_app()
    application.config["TESTING"] = True
    return application


@pytest.fixture()
def other_app(app, monkeypatch):
    """Build a second app with environment overrides; the shared app, Celery binding and runtime are restored after."""
    from app import init_celery
    from app.platform import runtime

    def build(**env):
        for k, v in env.items():
            if v is None:
                monkeypatch.delenv(k, raising=False)
            else:
                monkeypatch.setenv(k, v)
        from app import create_app
        return create_app()
    yield build
    init_celery(app)
    runtime._fallback = app.extensions["caseos"]


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def moto_server():
    """Endpoint URL of the run's S3 server (moto); tests isolate themselves with buckets of their own."""
    return os.environ["S3_ENDPOINT_URL"]


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def make_user(app):
    """Register and sign in a fresh user; returns an ApiUser bound to its own test client."""
    from tests.factories import ApiUser

    def _make(**kw):
        return ApiUser.register(app, **kw)
    return _make


@pytest.fixture()
def alice(make_user):
    return make_user(name="Alice Tenant")


@pytest.fixture()
def mallory(make_user):
    return make_user(name="Mallory Other")


@pytest.fixture(scope="session")
def worker(app):
    """A real Celery worker process consuming every queue, with the test environment."""
    from tests.procs import SHARED, start_worker
    proc = SHARED["worker"] = start_worker()
    yield proc
    SHARED.pop("worker", None)
    proc.stop()
