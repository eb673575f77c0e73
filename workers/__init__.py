"""The Celery app: `celery -A workers worker` / `celery -A workers beat`.

The app itself is created unbound in app/extensions.py and configured here from the process's one
Config (read once; celeryconfig.from_config); a worker builds its Flask app from the same Config
lazily on its first task (never pushed globally at import time). Files (./var, development secrets)
are created when the worker or beat starts, not when this module is imported.
"""
from __future__ import annotations

import gc
import logging

from celery.signals import import_modules, worker_init, worker_process_init, worker_ready

import celeryconfig
from app import create_app
from app.extensions import celery
from app.documents import extraction
from app.platform import celery_app, monitoring
from app.understanding import local
from config import Config

CONFIG = Config()
celery.conf.update(celeryconfig.from_config(CONFIG))
celery_app.tune_embedded_broker(CONFIG.CELERY_BROKER_URL or "")
monitoring.init(CONFIG, process="worker")  # Sentry's Celery integration must hook in before any task runs
celery_app.set_factory(lambda: create_app(CONFIG))
app = celery  # the name Celery's -A looks for first


@import_modules.connect
def _prepare(**_kwargs):
    """Worker and beat start-up (before beat opens its schedule file under ./var)."""
    CONFIG.prepare()


@worker_init.connect
def _quiet_normal_stop(**_kwargs):
    """A normal stop is not an error: honcho, systemd's control-group mode and container runtimes send
    SIGTERM to every process of the worker at once, so the pool processes end by that signal while
    the main process runs Celery's warm shutdown. billiard would log an ERROR line per pool process;
    that one case is logged at INFO (any other exit of a pool process stays an ERROR)."""
    logging.getLogger("multiprocessing").addFilter(_pool_stopped_by_sigterm)


def _pool_stopped_by_sigterm(record: logging.LogRecord) -> bool:
    if (record.levelno == logging.ERROR and str(record.msg).startswith("Process %r pid:%r exited with")
            and isinstance(record.args, tuple) and record.args[-1:] == ("signal 15 (SIGTERM)",)):
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg = "Pool process %r pid:%r stopped by %r (a normal stop)"
    return True


@worker_init.connect
@worker_process_init.connect
def _warm_up(**_kwargs):
    """Load the analyzer's court and citation data before the first document: once in the main
    process (prefork children then share it copy-on-write and start warm), and again in each child,
    where it is only a cache hit unless the pool does not fork.

    The loaded data then lives as long as the process: gc.freeze() takes it out of every later
    collection, so the pool processes' copies are never written to by the collector (they stay
    shared) and a stop does not spend seconds collecting it at exit."""
    try:
        local.warm_up()
    except ImportError as exc:  # the analyzer's data is optional at start-up; the step reports its own errors
        logging.getLogger(__name__).warning("analyzer warm-up skipped", extra={"error": type(exc).__name__})
    gc.freeze()


@worker_process_init.connect
def _warm_sandbox(**_kwargs):
    """Start the pool process's warm document sandbox (app/documents/sandbox.py) before its first
    document, so no upload waits for it; if it cannot start, the first document starts it (or a
    cold sandbox) itself."""
    try:
        extraction.warm_up()
    except Exception as exc:  # never stop a pool process from starting
        logging.getLogger(__name__).warning("sandbox warm-up skipped", extra={"error": type(exc).__name__})


@worker_ready.connect
def _check_consumer_timeout(**_kwargs):
    """On RabbitMQ older than 3.12 the queues' consumer timeout is not honoured: say what to set."""
    if not celeryconfig.is_rabbitmq(str(CONFIG.CELERY_BROKER_URL or "")):
        return
    try:
        with celery.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1)
            version = conn.connection.server_properties.get("version", "")
    except Exception:  # the worker reconnects by itself; this check is advice, not a condition
        return
    advice = celeryconfig.consumer_timeout_warning(version.decode() if isinstance(version, bytes) else str(version))
    if advice:
        logging.getLogger("caseos.worker").warning(advice)
