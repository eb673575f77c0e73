"""Celery settings, derived from the app's configuration object (config.py) by from_config()."""
from __future__ import annotations

from datetime import timedelta

from kombu import Exchange, Queue

from app.pipelines import PIPELINES
from app.platform.engine import MAX_COUNTDOWN
from config import Config

# Longest hard time limit of any task (seconds); the broker's visibility timeout must exceed
# twice this so a long task is never redelivered while it still runs (tests check it).
TASK_TIME_LIMIT = 30 * 60
# Longest countdown/ETA any retry may use: such a message also waits unacked in a worker, so the
# visibility timeout must cover it too (the job engine caps its countdowns at this).
MAX_ETA_SECONDS = MAX_COUNTDOWN
VISIBILITY_TIMEOUT = 3 * TASK_TIME_LIMIT
# RabbitMQ closes the channel of a consumer that holds a message unacknowledged longer than its
# consumer timeout (server default 30 min = TASK_TIME_LIMIT): a long OCR task would be redelivered
# while it runs. Every queue is declared with the same margin as Redis's visibility timeout
# (RabbitMQ 3.12+ honours it per queue; older servers need it in rabbitmq.conf: the worker says so).
CONSUMER_TIMEOUT_MS = VISIBILITY_TIMEOUT * 1000
PER_QUEUE_CONSUMER_TIMEOUT_SINCE = (3, 12)
PROC_ALIVE_TIMEOUT = 60

if VISIBILITY_TIMEOUT < 2 * max(TASK_TIME_LIMIT, MAX_ETA_SECONDS):  # fail at import, not in production
    raise ValueError("celeryconfig: VISIBILITY_TIMEOUT must be at least twice TASK_TIME_LIMIT and MAX_ETA_SECONDS")

# Slow OCR and model calls never block quick steps: each step's queue comes from the job table.
STEP_ROUTES = {s.task: {"queue": s.queue} for p in PIPELINES.values() for s in p.steps if s.queue != "default"}
QUEUES = tuple(dict.fromkeys(["default", *(r["queue"] for r in STEP_ROUTES.values())]))


def is_rabbitmq(broker_url: str) -> bool:
    return broker_url.startswith(("amqp://", "amqps://", "pyamqp://"))


def task_queues(broker_url: str) -> list[Queue]:
    """RabbitMQ: durable quorum queues (replicated, and never lose a message a node accepted), each on
    a topic exchange so countdowns go through the broker's native delayed delivery instead of
    waiting unacknowledged in a worker. Redis and the embedded transport: plain queues."""
    if is_rabbitmq(broker_url):
        return [Queue(q, Exchange(q, type="topic", durable=True), routing_key=q, durable=True,
                      queue_arguments={"x-queue-type": "quorum", "x-consumer-timeout": CONSUMER_TIMEOUT_MS})
                for q in QUEUES]
    return [Queue(q) for q in QUEUES]


def consumer_timeout_warning(server_version: str) -> str | None:
    """What an operator must change when this RabbitMQ server ignores the queues' own consumer timeout."""
    try:
        version = tuple(int(p) for p in server_version.split(".")[:2])
    except ValueError:
        return None
    if version >= PER_QUEUE_CONSUMER_TIMEOUT_SINCE:
        return None
    return (f"RabbitMQ {server_version} ignores per-queue consumer timeouts (3.12+ honours them): set "
            f"consumer_timeout = {CONSUMER_TIMEOUT_MS} in rabbitmq.conf, or a task running longer than the "
            f"server's timeout (default 30 min) is delivered again while it still runs")


def _transport_options(broker_url: str, key_prefix: str | None = None) -> dict:
    if broker_url.startswith(("redis", "rediss", "sentinel")):
        opts = {"visibility_timeout": VISIBILITY_TIMEOUT, "socket_timeout": 10, "socket_connect_timeout": 5}
        if key_prefix:
            # Several deployments (or test runs) can share one Redis without taking each other's tasks.
            opts["global_keyprefix"] = key_prefix
        return opts
    if is_rabbitmq(broker_url):
        # Publisher confirms: a publish returns only once RabbitMQ has the message (and a quorum queue
        # has it on a majority of nodes); a refused or lost publish raises instead of vanishing.
        return {"confirm_publish": True}
    # kombu's SQLAlchemy transport (embedded default) has no visibility timeout; options go to create_engine.
    return {}


def from_config(cfg: Config) -> dict:
    return {
        "broker_url": cfg.CELERY_BROKER_URL,
        "result_backend": cfg.CELERY_RESULT_BACKEND,
        "task_ignore_result": True,  # the job table is the truth, not Celery results
        "task_serializer": "json", "result_serializer": "json", "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_pool": "workers.prefork:TaskPool",  # prefork whose stop cannot hang (workers/prefork.py)
        "task_time_limit": TASK_TIME_LIMIT,
        # A new pool process must report "up" within this or it is killed and forked again. Each one
        # loads the analyzer data at start (worker_process_init), which takes seconds on a busy host:
        # with Celery's default of 4 s, replacing a crashed process could loop forever.
        "worker_proc_alive_timeout": PROC_ALIVE_TIMEOUT,
        "task_soft_time_limit": TASK_TIME_LIMIT - 60,
        "broker_transport_options": _transport_options(cfg.CELERY_BROKER_URL, cfg.CELERY_KEY_PREFIX),
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 5,
        "task_default_queue": "default",
        "task_queues": task_queues(cfg.CELERY_BROKER_URL),
        "task_routes": STEP_ROUTES,
        "task_always_eager": cfg.CELERY_TASK_ALWAYS_EAGER,
        "task_eager_propagates": False,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "include": ["workers.tasks.pipelines", "workers.tasks.reminders", "workers.tasks.maintenance"],
        "beat_schedule": {
            "reminders.scan": {"task": "reminders.send_due", "schedule": timedelta(seconds=cfg.REMINDER_SCAN_SECONDS),
                               "options": {"expires": max(1, int(cfg.REMINDER_SCAN_SECONDS * 0.8))}},
            "deadlines.mark_missed": {"task": "reminders.mark_missed", "schedule": timedelta(minutes=30),
                                      "options": {"expires": 600}},
            "jobs.sweep": {"task": "maintenance.sweep", "schedule": timedelta(seconds=60),
                           "options": {"expires": 50}},
            "blobs.sweep_orphans": {"task": "maintenance.sweep_orphans", "schedule": timedelta(hours=1),
                                    "options": {"expires": 1800}},
            "audit.anchor": {"task": "maintenance.audit_anchor", "schedule": timedelta(hours=1),
                             "options": {"expires": 1800}},
        },
        "beat_schedule_filename": f"{cfg.VAR_DIR}/celerybeat-schedule",
        "timezone": "UTC",
    }
