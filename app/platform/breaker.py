"""A circuit breaker in front of Redis, so a hung Redis costs one short timeout, not every request.

Redis serves the web process as a cache (case counts), a notifier (events are published after
commit; the database holds them anyway), the rate limiter's store and usually the Celery broker.
None of those is worth holding a request for: when a command to Redis times out or cannot
connect, the breaker opens for REDIS_BREAKER_SECONDS and every use of Redis is skipped at once
(`runtime.redis` is None, as in the embedded default; a job's first message is left to the
sweeper, since the job row is the outbox; /readyz says "down: circuit open"). A refused connection
(Redis restarting) fails at once and does not open it. The first command
after that period tries again and closes the breaker when it succeeds.
"""
from __future__ import annotations

import threading
import time

import redis

# Only a timeout opens the breaker: a refused or reset connection (a restart) fails at once and costs
# nothing to retry, while a hung server costs every caller the full timeout.
FAILURES = (redis.exceptions.TimeoutError,)


class Breaker:
    def __init__(self, open_seconds: float):
        self.open_seconds = open_seconds
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self):
        with self._lock:
            self._open_until = time.monotonic() + self.open_seconds

    def reset(self):
        with self._lock:
            self._open_until = 0.0

    def call(self, fn, *args, **kwargs):
        if self.is_open:
            raise redis.exceptions.ConnectionError("Redis circuit open")
        try:
            result = fn(*args, **kwargs)
        except FAILURES:
            self.trip()
            raise
        self._open_until = 0.0
        return result


class _Guarded:
    """Calls through the breaker: commands, registered scripts and pipelines alike."""

    def __init__(self, target, breaker: Breaker):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_breaker", breaker)

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr
        breaker = self._breaker

        def guarded(*args, **kwargs):
            result = breaker.call(attr, *args, **kwargs)
            if name in ("register_script", "pipeline", "__enter__"):
                return _Guarded(result, breaker)
            return result
        return guarded

    def __call__(self, *args, **kwargs):  # a registered script
        return self._breaker.call(self._target, *args, **kwargs)

    def __enter__(self):
        return _Guarded(self._target.__enter__(), self._breaker)

    def __exit__(self, *exc):
        return self._target.__exit__(*exc)


def is_timeout(exc: BaseException | None) -> bool:
    """A timeout anywhere in the exception's chain (kombu wraps the socket's)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (TimeoutError, redis.exceptions.TimeoutError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def guarded(client, breaker: Breaker):
    return _Guarded(client, breaker)
