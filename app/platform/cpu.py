"""CPU-heavy calls (password hashing) off the event loop, with a cap on how many run at once.

Under gunicorn's gevent workers every request of a process shares one OS thread: an argon2
check (about 0.1 s of CPU and 64 MiB) run there stops every other request of the process
until it ends, and a login flood starved the whole API. Here such a call runs in a native
thread of a small bounded pool, at a lower OS priority than request handling, while the
calling greenlet waits cooperatively. At most `slots` calls run at once per process; up to
`queue` more may wait; any further call, or one that waited too long, is refused at once
with `Busy` (HTTP 503 with Retry-After), so a flood costs the flooders' requests, not
everyone's. Without gevent (tests, Celery, the CLI) the same gate bounds real threads.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, TypeVar

from gevent import monkey
from gevent.threadpool import ThreadPool

from app.platform.errors import DependencyDown

T = TypeVar("T")
LOW_PRIORITY = 10  # nice value of the hashing threads: request handling (nice 0) goes first


class Busy(DependencyDown):
    """Too many CPU-heavy calls are running or waiting; the caller should retry shortly."""

    title, code = "Too busy", "busy"


def _gevent_patched() -> bool:
    return monkey.is_module_patched("threading")


def _lower_priority():
    try:  # Linux: the nice value is per thread, and argon2's own threads inherit it
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOW_PRIORITY)
    except (AttributeError, OSError):  # pragma: no cover - not Linux, or not permitted
        pass


class CpuGate:
    def __init__(self, slots: int, queue: int, wait_seconds: float):
        self.slots, self.queue, self.wait_seconds = max(1, slots), max(0, queue), wait_seconds
        self._sem = threading.BoundedSemaphore(self.slots)
        self._lock = threading.Lock()
        self._admitted = 0  # running + waiting
        self._pool = None

    @property
    def admitted(self) -> int:
        return self._admitted

    def run(self, fn: Callable[..., T], *args) -> T:
        with self._lock:
            if self._admitted >= self.slots + self.queue:
                raise Busy("Too many sign-ins are being checked right now; try again in a few seconds.",
                           headers={"Retry-After": "2"})
            self._admitted += 1
        try:
            if not self._sem.acquire(timeout=self.wait_seconds):
                raise Busy("Too many sign-ins are being checked right now; try again in a few seconds.",
                           headers={"Retry-After": "2"})
            try:
                return self._call(fn, *args)
            finally:
                self._sem.release()
        finally:
            with self._lock:
                self._admitted -= 1

    def _call(self, fn, *args):
        if not _gevent_patched():
            return fn(*args)
        if self._pool is None:
            self._pool = ThreadPool(self.slots)
        return self._pool.apply(_in_low_priority, (fn, *args))


def _in_low_priority(fn, *args):
    _lower_priority()
    return fn(*args)
