"""The Celery side of the app: its configuration from the app's Config, and tasks that run in the
Flask app context (the Flask app is bound by create_app(), or built on the first task in a worker
process; never pushed globally at import time)."""
from __future__ import annotations

from typing import Callable

from celery import Task

from app.extensions import celery, db

_flask_app = None
_factory: Callable | None = None


def init_app(flask_app, settings: dict):
    """Bind the Flask app and configure the Celery app (the API process enqueues through it too)."""
    global _flask_app
    _flask_app = flask_app
    celery.conf.update(settings)
    flask_app.extensions["celery"] = celery


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
