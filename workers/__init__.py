"""The Celery app: `celery -A workers worker` / `celery -A workers beat`.

The app itself is created unbound in app/extensions.py and configured from celeryconfig.py; a
worker builds its Flask app lazily on its first task (never pushed globally at import time).
"""
from __future__ import annotations

import logging

from celery.signals import worker_init, worker_process_init

from app import create_app
from app.extensions import celery
from app.platform import celery_app
from app.understanding import local

celery.config_from_object("celeryconfig")
celery_app.set_factory(create_app)
app = celery  # the name Celery's -A looks for first


@worker_init.connect
@worker_process_init.connect
def _warm_up(**_kwargs):
    """Load the analyzer's court and citation data before the first document: once in the main
    process (prefork children then share it copy-on-write and start warm), and again in each child,
    where it is only a cache hit unless the pool does not fork."""
    try:
        local.warm_up()
    except ImportError as exc:  # the analyzer's data is optional at start-up; the step reports its own errors
        logging.getLogger(__name__).warning("analyzer warm-up skipped", extra={"error": type(exc).__name__})
