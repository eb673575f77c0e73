"""One event hub per web process: a single Redis subscriber and a single reader for every open stream.

Streams (`follow()`) register here with their audience (organizations, user, job) and a cursor.
Two background threads (greenlets under gunicorn's gevent workers) serve them all:

* the *subscriber* holds the process's only pub/sub connection (one pattern subscription to every
  organization's channel) and turns each message into "organization X has events up to id N";
* the *reader* waits for those wake-ups, reads the new events of the organizations that have open
  streams in one query per wake-up (``events_since``, one cursor per organization), and hands each
  event to the streams whose audience sees it (``Audience.sees``: the rule of ``events_after``, so a
  stream only ever gets its own organization's and user's events). Once per ``interval`` it
  re-reads every registered organization anyway: a lost pub/sub message, or a Redis that is down,
  delays an event by at most about a second, for one query per process rather than per stream.

Without Redis (the embedded default) there is no subscriber: commits in this process wake the
reader directly (``notify``, called by events.py after a commit) and the periodic re-read, every
half second, brings changes made by other processes (the worker).

The database stays the source of truth: a stream reads its own backlog (Last-Event-ID, or whatever
was committed while it registered) with ``events_after`` in its request's context, and every
stream keeps its own cursor, so an event reaches it once, in id order, whichever path brought it.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
import weakref
from collections import deque
from dataclasses import dataclass

from flask import current_app

from app.extensions import db
from app.models.job import FINAL_JOB_STATUSES
from app.platform import events

from app.platform import rls
from app.platform import runtime
from app.models import Job
from app.platform import jobs
log = logging.getLogger(__name__)

REREAD_SECONDS = 1.0            # the safety re-read with Redis (lost messages, Redis down)
EMBEDDED_REREAD_SECONDS = 0.5   # without Redis the re-read is how other processes' changes arrive
RESUBSCRIBE_SECONDS = 2.0       # after a Redis failure, wait this long before subscribing again
PING_SECONDS = 5.0              # an idle subscription pings Redis this often ...
DEAD_SECONDS = 15.0             # ... and reconnects when it has heard nothing for this long
READ_LIMIT = 500                # events per query; the reader pages on when a page is full
CATCH_UP_LIMIT = 200            # events per query of a stream's own backlog read
MAX_BACKLOG = 5000              # undelivered events per stream before it re-reads from the database
CLIENT_NAME = "caseos-event-hub"
_EXT_KEY = "caseos_event_hub"


@dataclass(slots=True)
class Frame:
    """One server-sent event ready to write, and whether it carries a final job status."""
    text: str
    final: bool


class Stream:
    """One open stream's registration: its audience, its cursor and the events handed to it."""

    def __init__(self, hub: "Hub", audience: events.Audience, cursor: int):
        self.hub, self.audience, self.cursor = hub, audience, cursor
        self.final_seen = False          # set by the hub: a final job event (or snapshot) was handed over
        self.finished = False            # set by the stream: it wrote a final job state
        self._items: deque = deque()
        self._ready = threading.Event()
        self._resync = True              # read the backlog from the database at the next take()

    # -- called by the hub's reader, under the hub's lock ------------------------------------------
    def _push(self, item) -> None:
        if len(self._items) >= MAX_BACKLOG:
            # A client that stopped reading: drop what is queued and re-read from the cursor later.
            self._items.clear()
            self._resync = True
        else:
            self._items.append(item)
        if isinstance(item, events.Record):
            if item.type == "job" and item.data.get("status") in FINAL_JOB_STATUSES:
                self.final_seen = True
        else:
            self.final_seen = True
        self._ready.set()

    # -- called by the stream's own greenlet/thread -------------------------------------------------
    def take(self, timeout: float) -> list[Frame]:
        """The next events for this stream (in id order, each once), or [] after `timeout` seconds."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            with self.hub.lock:
                resync, self._resync = self._resync, False
                items = list(self._items)
                self._items.clear()
                self._ready.clear()
            if resync:
                items = self._read_backlog() + items
            frames = self._accept(items)
            if frames:
                return frames
            left = deadline - time.monotonic()
            if left <= 0 or not self._ready.wait(left):
                return []

    def _accept(self, items) -> list[Frame]:
        out = []
        for item in items:
            if self.finished:
                break
            if isinstance(item, events.Record):
                if item.id <= self.cursor:
                    continue  # already written (backlog and hub both brought it)
                self.cursor = item.id
                final = self.audience.job_id is not None and item.type == "job" and \
                    item.data.get("status") in FINAL_JOB_STATUSES
                out.append(Frame(item.frame, final))
            else:
                # The job's current, final state (its final event was lost or never read): say it once.
                out.append(Frame(events.sse(self.cursor, "job", item), True))
                final = True
            if final:
                self.finished = True
        return out

    def _read_backlog(self) -> list:
        """Everything after the cursor this stream may see, read in its own (request) context."""
        items: list = []
        after = self.cursor
        try:
            while True:
                rows = self.audience.events_after(after, limit=CATCH_UP_LIMIT)
                items += [events.Record.of(ev) for ev in rows]
                if len(rows) < CATCH_UP_LIMIT:
                    break
                after = rows[-1].id
            job_id = self.audience.job_id
            if job_id is not None and not _has_final(items):
                job = db.session.get(Job, job_id, populate_existing=True)
                if job is not None and job.status in FINAL_JOB_STATUSES:
                    # The job ended after the events were read: its final event (committed with it) is
                    # there now; only when it is not (lost) is the job's state said on its own.
                    items += [events.Record.of(ev) for ev in
                              self.audience.events_after(items[-1].id if items else after, limit=CATCH_UP_LIMIT)]
                    if not _has_final(items):
                        items.append(jobs.snapshot(job))
        finally:
            db.session.remove()
        return items

    def close(self) -> None:
        self.hub.unregister(self)


def _has_final(items) -> bool:
    return any(it.type == "job" and it.data.get("status") in FINAL_JOB_STATUSES for it in items)


class Hub:
    """The process's subscriber and reader, shared by every open stream of one app."""

    def __init__(self, app, redis_url: str | None):
        self.app = app
        self.pid = os.getpid()
        self.redis_url = redis_url or None
        self.interval = REREAD_SECONDS if self.redis_url else EMBEDDED_REREAD_SECONDS
        self.lock = threading.Lock()
        self._by_org: dict[uuid.UUID, set[Stream]] = {}
        self._cursor: dict[uuid.UUID, int] = {}   # organization -> highest event id read for it
        self._floor: int | None = None            # the cursor of an organization when its first stream opens
        self._pending: dict[uuid.UUID, int] = {}  # organizations woken since the last read -> highest id
        self._wake = threading.Event()
        self._started = False
        self._stopping = threading.Event()
        self.subscribed = False
        self.stats = {"reads": 0, "queries": 0, "safety_reads": 0, "wakeups": 0, "subscriptions": 0}

    # -- streams -----------------------------------------------------------------------------------
    def register(self, audience: events.Audience, cursor: int) -> Stream:
        """A new stream from `cursor` on. Call it in the stream's own context, before its first take()."""
        self._start()
        floor = self._floor
        if floor is None:
            floor = events.last_event_id(audience.org_ids)
            db.session.remove()
        stream = Stream(self, audience, cursor)
        with self.lock:
            if self._floor is None:
                self._floor = floor
            for org in audience.org_ids:
                self._by_org.setdefault(org, set()).add(stream)
                # Every event of the organization up to the floor was committed before this stream
                # reads its backlog (after registering), so the backlog read covers it.
                self._cursor.setdefault(org, self._floor)
        return stream

    def unregister(self, stream: Stream) -> None:
        with self.lock:
            for org in stream.audience.org_ids:
                streams = self._by_org.get(org)
                if streams is None:
                    continue
                streams.discard(stream)
                if not streams:
                    del self._by_org[org]
                    self._cursor.pop(org, None)

    def stream_count(self) -> int:
        with self.lock:
            return len({s for streams in self._by_org.values() for s in streams})

    # -- wake-ups ----------------------------------------------------------------------------------
    def notify(self, changes: dict) -> None:
        """Organizations with new events (organization -> highest new id, or 0 if unknown)."""
        woke = False
        with self.lock:
            for org, last_id in changes.items():
                cursor = self._cursor.get(org)
                if cursor is None or (last_id and cursor >= last_id):
                    continue  # no stream for it, or already read (a commit here and its Redis message)
                self._pending[org] = max(self._pending.get(org, 0), last_id or 0)
                woke = True
        if woke:
            self.stats["wakeups"] += 1
            self._wake.set()

    def _notify_all(self) -> None:
        with self.lock:
            for org in self._by_org:
                self._pending.setdefault(org, 0)
        self._wake.set()

    # -- background threads ------------------------------------------------------------------------
    def _start(self) -> None:
        if self._started:
            return
        with self.lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._run_reader, name="event-hub-reader", daemon=True).start()
        if self.redis_url:
            threading.Thread(target=self._run_subscriber, name="event-hub-subscriber", daemon=True).start()

    def stop(self) -> None:
        """Stop the background threads (tests; a web process just exits)."""
        self._stopping.set()
        self._wake.set()

    def _run_reader(self) -> None:
        next_safety = time.monotonic() + self.interval
        while not self._stopping.is_set():
            self._wake.wait(max(0.0, next_safety - time.monotonic()))
            self._wake.clear()
            if self._stopping.is_set():
                return
            with self.lock:
                pending, self._pending = self._pending, {}
                tracked = set(self._by_org)
            now = time.monotonic()
            safety = now >= next_safety
            if safety:
                next_safety = now + self.interval
                orgs = tracked
            else:
                orgs = {org for org in pending if org in tracked}
            try:
                if orgs:
                    self._read(orgs)
                if safety and tracked:
                    self.stats["safety_reads"] += 1
                    self._check_final_jobs()
            except Exception as exc:  # the database is down or slow: the next re-read tries again
                log.warning("event hub read failed", extra={"error": type(exc).__name__})
                with self.lock:
                    for org in orgs:
                        self._pending.setdefault(org, 0)
                self._stopping.wait(min(self.interval, 1.0))

    def _read(self, orgs) -> None:
        """Read the organizations' new events (one query per page) and hand them to their streams."""
        self.stats["reads"] += 1
        with self.app.app_context():
            try:
                rls.scope_to_orgs(orgs)  # the hub reads only organizations with an open stream
                while True:
                    with self.lock:
                        cursors = {org: self._cursor[org] for org in orgs if org in self._cursor}
                    if not cursors:
                        return
                    self.stats["queries"] += 1
                    rows = events.events_since(cursors, limit=READ_LIMIT)
                    records = [events.Record.of(ev) for ev in rows]
                    db.session.rollback()
                    if not records:
                        return
                    top = records[-1].id
                    with self.lock:
                        for rec in records:
                            if rec.id <= self._cursor.get(rec.organization_id, rec.id):
                                continue
                            for stream in self._by_org.get(rec.organization_id, ()):
                                if stream.audience.sees(rec):
                                    stream._push(rec)
                        # The page holds every event of these organizations up to `top`.
                        for org in cursors:
                            if org in self._cursor and self._cursor[org] < top:
                                self._cursor[org] = top
                        self._floor = max(self._floor or 0, top)
                    if len(rows) < READ_LIMIT:
                        return
            finally:
                db.session.remove()

    def _check_final_jobs(self) -> None:
        """Job streams whose job is final but that never got its final event (lost, or committed out of
        id order): hand them the job's final state. One query per process per re-read."""
        with self.lock:
            waiting: dict = {}
            for streams in self._by_org.values():
                for s in streams:
                    if s.audience.job_id is not None and not s.final_seen:
                        waiting.setdefault(s.audience.job_id, set()).add(s)
        if not waiting:
            return
        import sqlalchemy as sa
        orgs = {org for streams in waiting.values() for s in streams for org in s.audience.org_ids}
        with self.app.app_context():
            try:
                rls.scope_to_orgs(orgs)
                self.stats["queries"] += 1
                done = db.session.execute(sa.select(Job).where(Job.id.in_(list(waiting)),
                                                               Job.status.in_(FINAL_JOB_STATUSES))).scalars().all()
                snaps = {job.id: jobs.snapshot(job) for job in done}
                db.session.rollback()
            finally:
                db.session.remove()
        if snaps:
            with self.lock:
                for job_id, snap in snaps.items():
                    for s in waiting[job_id]:
                        if not s.final_seen:
                            s._push(snap)

    def _run_subscriber(self) -> None:
        """Hold one pattern subscription to every organization's channel; reconnect after failures."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
        pattern = events.CHANNEL.format(org="*")
        prefix = events.CHANNEL.format(org="")
        while not self._stopping.is_set():
            client = pubsub = None
            try:
                client = redis.Redis.from_url(self.redis_url, socket_timeout=PING_SECONDS,
                                              socket_connect_timeout=2, retry_on_timeout=False,
                                              retry=Retry(NoBackoff(), 0), health_check_interval=0,
                                              client_name=f"{CLIENT_NAME}:{self.pid}")
                pubsub = client.pubsub()
                pubsub.psubscribe(pattern)
                heard = pinged = time.monotonic()
                while not self._stopping.is_set():
                    msg = pubsub.get_message(timeout=1.0)
                    now = time.monotonic()
                    if msg is None:
                        if now - heard > DEAD_SECONDS:
                            raise ConnectionError("no answer from Redis")
                        if now - pinged > PING_SECONDS:
                            pinged = now
                            pubsub.ping()
                        continue
                    heard = now
                    if msg["type"] == "psubscribe":
                        if not self.subscribed:
                            self.subscribed = True
                            self.stats["subscriptions"] += 1
                            self._notify_all()  # messages published while nobody listened are lost
                        continue
                    if msg["type"] != "pmessage":
                        continue
                    changes = {}
                    while msg is not None:  # one wake-up for a whole burst
                        if msg.get("type") == "pmessage":
                            _parse(msg, prefix, changes)
                        msg = pubsub.get_message(timeout=0)
                    heard = time.monotonic()
                    self.notify(changes)
            except Exception as exc:
                if not self._stopping.is_set():
                    log.info("event hub subscription lost", extra={"error": type(exc).__name__})
            finally:
                self.subscribed = False
                for closing in (pubsub, client):
                    try:
                        if closing is not None:
                            closing.close()
                    except Exception:
                        pass
            self._stopping.wait(RESUBSCRIBE_SECONDS)


def _parse(msg, prefix: str, changes: dict) -> None:
    channel = msg["channel"]
    channel = channel.decode() if isinstance(channel, bytes) else str(channel)
    try:
        org = uuid.UUID(channel.removeprefix(prefix))
    except ValueError:
        return
    try:
        last_id = int(msg.get("data"))
    except (TypeError, ValueError):
        last_id = 0
    if last_id <= 1:
        last_id = 0  # "1" was the payload before it carried the event id: a wake-up with no id
    changes[org] = max(changes.get(org, 0), last_id) if last_id else changes.get(org, 0)


_live: "weakref.WeakSet[Hub]" = weakref.WeakSet()
_live_lock = threading.Lock()


def current() -> Hub:
    """This process's hub for the current app (created, and its threads started, on first use)."""
    app = current_app._get_current_object()
    hub = app.extensions.get(_EXT_KEY)
    if hub is None or hub.pid != os.getpid():
        with _live_lock:
            hub = app.extensions.get(_EXT_KEY)
            if hub is None or hub.pid != os.getpid():  # a forked child never inherits the threads
                hub = Hub(app, runtime.current().config.REDIS_URL)
                app.extensions[_EXT_KEY] = hub
                _live.add(hub)
    return hub


def notify(changes: dict) -> None:
    """Wake this process's hubs: events of these organizations were just committed here."""
    pid = os.getpid()
    for hub in list(_live):
        if hub.pid == pid and hub._started:
            hub.notify(changes)


def follow(audience: events.Audience, cursor: int) -> Stream:
    """Register a stream from `cursor` on; the caller must close() it."""
    return current().register(audience, cursor)
