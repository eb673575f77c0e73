"""The Celery side of the app: its configuration from the app's Config, and tasks that run in the
Flask app context (the Flask app is bound by create_app(), or built on the first task in a worker
process; never pushed globally at import time)."""
from __future__ import annotations

from typing import Callable

from celery import Task

from app.extensions import celery, db

_flask_app = None
_factory: Callable | None = None
# How often a worker on the embedded broker (kombu's SQLAlchemy transport over SQLite) looks for a
# message when its queues were empty. kombu's default, 1 s, was paid at every hand-off between two
# steps of a document (4-5 s before a 1-page PDF was readable). Each look is one SELECT per queue on
# a local file; an idle worker used 0.7% of a core at 1 look a second, 3.6% at 10 and 5.6% at 20
# (measured on a busy 2-core machine). Since a document's steps mostly run in one delivery, only
# the first message of an upload and a scan's OCR hand-offs wait for a look: 10 a second is enough.
EMBEDDED_BROKER_POLL_SECONDS = 0.1


def init_app(flask_app, settings: dict):
    """Bind the Flask app and configure the Celery app (the API process enqueues through it too)."""
    global _flask_app
    _flask_app = flask_app
    celery.conf.update(settings)
    flask_app.extensions["celery"] = celery


def tune_embedded_broker(broker_url: str):
    """The polling interval of the embedded broker. kombu passes every transport option of this
    transport to SQLAlchemy's create_engine(), which refuses unknown ones, so the interval is set on
    the transport class (the only one of this process) instead of in broker_transport_options.
    Called by the worker's start-up (workers/__init__.py): only a consumer polls."""
    if broker_url.startswith("sqla+"):
        from kombu.transport import sqlalchemy as sqla_transport
        sqla_transport.Transport.polling_interval = EMBEDDED_BROKER_POLL_SECONDS


def set_factory(factory: Callable):
    """How a worker process builds its Flask app on its first task (create_app)."""
    global _factory
    _factory = factory


def flask_app():
    if _flask_app is None:
        _factory()  # create_app() binds itself through init_app
    return _flask_app


class AppContextTask(Task):
    """Every task body runs in the app context (database session, runtime resources)."""

    def __call__(self, *args, **kwargs):
        with flask_app().app_context():
            try:
                return super().__call__(*args, **kwargs)
            finally:
                db.session.remove()
