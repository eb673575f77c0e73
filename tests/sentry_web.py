"""The real app (as gunicorn serves it) plus one route that fails on purpose with secrets in hand, for
tests/platform/test_monitoring.py (started with SENTRY_DSN pointing at a local envelope receiver)."""
from flask import request

from app import create_app
from app.api import security

app = create_app()


def _boom():
    body = request.get_json(silent=True) or {}
    raise RuntimeError(f"failed for {body.get('email')} holding {request.headers.get('Authorization')} "
                       f"after {request.url}")


app.add_url_rule("/api/v1/test-boom", "test_boom", _boom, methods=["POST"])
security.PUBLIC_ENDPOINTS.add("test_boom")  # this process only
