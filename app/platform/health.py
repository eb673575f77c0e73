"""Dependency checks for /readyz and the 503 answers."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import celery, db
from app.platform import runtime


def check_database() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
        return "ok"
    except Exception as exc:  # any failure means "not ready"; the kind is enough for operators
        db.session.rollback()
        return f"down: {type(exc).__name__}"


def check_broker() -> str:
    if _broker_on_redis() and runtime.current().redis_down:
        return "down: circuit open"  # the same Redis failed a moment ago: do not wait on it again
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        return f"down: {type(exc).__name__}"


def _broker_on_redis() -> bool:
    return str(runtime.current().config.CELERY_BROKER_URL or "").startswith(("redis", "rediss"))


def check_storage() -> str:
    try:
        runtime.current().storage.ping()
        return "ok"
    except Exception as exc:
        return f"down: {type(exc).__name__}"


def check_redis() -> str | None:
    rt = runtime.current()
    if rt.redis_down:
        return "down: circuit open"
    client = rt.redis
    if client is None:
        return None
    try:
        client.ping()
        return "ok"
    except Exception as exc:
        return f"down: {type(exc).__name__}"


def check_all() -> dict:
    checks = {"database": check_database(), "broker": check_broker(), "storage": check_storage()}
    r = check_redis()
    if r is not None:
        checks["redis"] = r
    return checks
