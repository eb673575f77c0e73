"""The production WSGI app with test-only fault injection (see inject.py): `gunicorn tests.faults.faultwsgi:app`."""
from tests.faults import inject
from wsgi import app  # noqa: F401

inject.install_api()
