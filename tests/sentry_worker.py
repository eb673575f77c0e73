"""The real Celery app (workers/, Sentry initialized as in production) plus one task that fails on
purpose with a secret in its arguments, for tests/platform/test_monitoring.py."""
from app.extensions import celery
from workers import app  # noqa: F401  (the Celery app `celery -A` finds)


@celery.task(name="tests.explode")
def explode(secret: str, email: str):
    raise RuntimeError(f"task failed for {email} with Bearer {secret}")
