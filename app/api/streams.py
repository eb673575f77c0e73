"""Server-sent event streams that hold no database connection between reads.

The database is the source of truth: a stream re-reads it after every Redis wake-up and at
least every second, so a lost pub/sub message only delays an event. Under gunicorn's gevent
workers an open stream costs a greenlet, not a worker.

Waiting for a wake-up never takes longer than the re-read interval, whatever Redis does: the
stream's subscriber has its own short timeouts and no retries, and after a failure it stays
away from Redis for a few seconds (the re-reads carry on meanwhile). A dead, restarting or
partitioned Redis therefore never delays the final state by more than about a second.
"""
from __future__ import annotations

import threading
import time

from flask import Response, stream_with_context

from app.extensions import db
from app.models import Job
from app.models.job import FINAL_JOB_STATUSES
from app.services import events, jobs

MAX_STREAM_SECONDS = 15 * 60   # clients reconnect with Last-Event-ID after this
KEEPALIVE_SECONDS = 15
REREAD_SECONDS = 1.0
RESUBSCRIBE_SECONDS = 5.0   # after a Redis failure, re-read the database only for this long


def _response(gen):
    resp = Response(stream_with_context(gen), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp


def job_stream(job: Job, last_event_id):
    job_id, org_ids = job.id, [job.organization_id]
    last = events.parse_last_event_id(last_event_id)
    first = None
    if last == 0:
        first = (events.last_event_id(org_ids, job_id=job_id), jobs.snapshot(job))
    db.session.remove()

    def gen():
        nonlocal last
        yield "retry: 1000\n\n"
        if first is not None:
            last = first[0]
            yield events.sse(first[0], "job", first[1])
            if first[1]["status"] in FINAL_JOB_STATUSES:
                return
        wait = Waker(org_ids, REREAD_SECONDS)
        started = idle = time.monotonic()
        try:
            while time.monotonic() - started < MAX_STREAM_SECONDS:
                rows = events.events_after(org_ids, last, job_id=job_id)
                final = False
                out = []
                for ev in rows:
                    last = ev.id
                    out.append(events.sse(ev.id, ev.type, ev.data))
                    final = final or ev.data.get("status") in FINAL_JOB_STATUSES
                if not rows:
                    current = db.session.get(Job, job_id, populate_existing=True)
                    if current is not None and current.status in FINAL_JOB_STATUSES:
                        # Its final event was read before (or lost); say the final state once more.
                        out.append(events.sse(last, "job", jobs.snapshot(current)))
                        final = True
                db.session.remove()
                for chunk in out:
                    yield chunk
                if final:
                    return
                if out:
                    idle = time.monotonic()
                elif time.monotonic() - idle > KEEPALIVE_SECONDS:
                    idle = time.monotonic()
                    yield ": keepalive\n\n"
                wait()
        finally:
            wait.close()
    return _response(gen())


def user_stream(principal, last_event_id):
    org_ids = list(principal.roles)
    user_id = principal.user.id
    privileged = jobs.privileged_orgs(principal)
    last = events.parse_last_event_id(last_event_id)
    hello = None
    if last == 0:
        cursor = events.last_event_id(org_ids)
        active = [jobs.snapshot(j) for j in jobs.list_visible_all_orgs(principal, active_only=True)]
        hello = (cursor, {"active_jobs": active})
    db.session.remove()

    def gen():
        nonlocal last
        yield "retry: 1000\n\n"
        if hello is not None:
            last = hello[0]
            yield events.sse(hello[0], "snapshot", hello[1])
        wait = Waker(org_ids, REREAD_SECONDS)
        started = idle = time.monotonic()
        try:
            while time.monotonic() - started < MAX_STREAM_SECONDS:
                rows = events.events_after(org_ids, last, user_id=user_id, privileged_orgs=privileged)
                out = []
                for ev in rows:
                    last = ev.id
                    out.append(events.sse(ev.id, ev.type, ev.data))
                db.session.remove()
                for chunk in out:
                    yield chunk
                if out:
                    idle = time.monotonic()
                elif time.monotonic() - idle > KEEPALIVE_SECONDS:
                    idle = time.monotonic()
                    yield ": keepalive\n\n"
                wait()
        finally:
            wait.close()
    return _response(gen())


_clients: dict = {}
_clients_lock = threading.Lock()


def _stream_redis():
    """A Redis client for stream subscribers: bounded connect and read, no retries."""
    from app.services import runtime
    url = runtime.current().config.REDIS_URL
    if not url:
        return None
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
            client = redis.Redis.from_url(url, socket_timeout=REREAD_SECONDS + 1, socket_connect_timeout=1,
                                          retry_on_timeout=False, retry=Retry(NoBackoff(), 0),
                                          health_check_interval=0)
            _clients[url] = client
    return client


class Waker:
    """Blocks until a pub/sub message for the organizations arrives, or `timeout` seconds pass."""

    def __init__(self, org_ids, timeout: float):
        self.channels = [events.CHANNEL.format(org=o) for o in org_ids]
        self.timeout = timeout
        self.pubsub = None
        self.retry_at = 0.0
        try:
            self.client = _stream_redis()
        except Exception:
            self.client = None

    def __call__(self):
        started = time.monotonic()
        if self.client is not None and self.pubsub is None and started >= self.retry_at:
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                self.pubsub = pubsub
                pubsub.subscribe(*self.channels)
            except Exception:
                self._broken()
        if self.pubsub is not None:
            try:
                self.pubsub.get_message(timeout=self.timeout)
                while self.pubsub.get_message(timeout=0):  # one wake-up reads a whole burst
                    pass
                return
            except Exception:
                self._broken()
        left = self.timeout - (time.monotonic() - started)
        if left > 0:
            time.sleep(left)

    def _broken(self):
        pubsub, self.pubsub = self.pubsub, None
        self.retry_at = time.monotonic() + RESUBSCRIBE_SECONDS
        if pubsub is not None:
            try:
                pubsub.reset()
            except Exception:
                pass

    def close(self):
        if self.pubsub is not None:
            try:
                self.pubsub.close()
            except Exception:
                pass
            self.pubsub = None
