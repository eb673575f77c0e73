"""The Celery app: `celery -A workers worker` / `celery -A workers beat`.

Tasks run inside a Flask app context created lazily in the worker process (never pushed
globally at import time). Configuration comes from celeryconfig.py.
"""
from __future__ import annotations

from celery import Celery, Task
from celery.signals import worker_init, worker_process_init

_flask_app = None


def flask_app():
    global _flask_app
    if _flask_app is None:
        from app import create_app
        _flask_app = create_app()
    return _flask_app


class AppContextTask(Task):
    """Every task body runs in the app context (database session, runtime resources)."""

    def __call__(self, *args, **kwargs):
        app = flask_app()
        with app.app_context():
            try:
                return super().__call__(*args, **kwargs)
            finally:
                from app.extensions import db
                db.session.remove()


celery = Celery("caseos", task_cls=AppContextTask)
celery.config_from_object("celeryconfig")
app = celery  # the name Celery's -A looks for first


def init_celery(flask_application):
    """Bind the Flask app (the API process enqueues through the same Celery app)."""
    global _flask_app
    _flask_app = flask_application
    import celeryconfig
    celery.conf.update(celeryconfig.from_config(flask_application.config["CASEOS_CONFIG"]))
    flask_application.extensions["celery"] = celery
    return celery


@worker_init.connect
@worker_process_init.connect
def _warm_up(**_kwargs):
    """Load the analyzer's court and citation data before the first document: once in the main
    process (prefork children then share it copy-on-write and start warm), and again in each child,
    where it is only a cache hit unless the pool does not fork."""
    import logging
    try:
        from app.understanding.local import warm_up
        warm_up()
    except ImportError as exc:  # the analyzer is optional at start-up; the step reports its own errors
        logging.getLogger(__name__).warning("analyzer warm-up skipped", extra={"error": type(exc).__name__})
