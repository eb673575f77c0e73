"""The worker's process pool: Celery's prefork pool, with a stop that cannot hang.

With a broker that has no event loop (the embedded default's SQLAlchemy broker), Celery runs
billiard's blocking pool. Its pool processes read tasks from one pipe under a shared lock. A normal
stop sends SIGTERM to every process of the worker at once (systemd's control-group mode, container
runtimes, scripts/supervise), and a pool process ended by it at the wrong instant never releases that
lock; the main process then waited for it forever while finishing the pool at exit, until the service
manager killed it (seen as a stop that hung for 30 s and ended by SIGKILL). Here the main process
waits for the lock a short while only: once the pool processes are stopped, nothing is left to read
the pipe, so there is nothing to drain (tasks are acknowledged late: the broker still holds any task
that was in the pipe).
"""
from __future__ import annotations

import logging
import time

from billiard.pool import Pool as BlockingPool
from celery.concurrency.prefork import TaskPool as PreforkTaskPool

LOCK_WAIT_SECONDS = 2.0
log = logging.getLogger(__name__)


class _BlockingPool(BlockingPool):
    @staticmethod
    def _help_stuff_finish(inqueue, task_handler, _pool):
        if not inqueue._rlock.acquire(True, LOCK_WAIT_SECONDS):
            log.info("pool stop: the task pipe's lock is held by a stopped pool process; nothing to drain")
            return
        while task_handler.is_alive() and inqueue._reader.poll():
            inqueue._reader.recv()
            time.sleep(0)


class TaskPool(PreforkTaskPool):
    """`worker_pool` in celeryconfig: prefork; the event-loop pool unchanged, the blocking pool's stop fixed."""
    BlockingPool = _BlockingPool
