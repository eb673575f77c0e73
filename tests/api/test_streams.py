"""Event streams (SSE) served by the process's event hub: what a client of /jobs/{id}/events and
/events sees with many streams open at once, on resume, and when a pub/sub message is lost.

Streams are read through the Flask test client, each in its own thread (the hub's subscriber and
reader are background threads of this process, as in the embedded mode). Every wait is bounded;
nothing asserts on timing."""
from __future__ import annotations

import json
import os
import threading
import time
import uuid

import pytest

ORDER = {"QUEUED": 0, "RUNNING": 1, "SUCCEEDED": 2, "FAILED": 2, "CANCELLED": 2}
FINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


def wait_until(predicate, timeout=20.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


class Reader(threading.Thread):
    """Reads one SSE response until `stop(event)` is true or the stream ends."""

    def __init__(self, user, path, headers=None, stop=None):
        super().__init__(daemon=True)
        self.user, self.path, self.extra = user, path, headers or {}
        self.stop = stop or (lambda ev: False)
        self.events: list[dict] = []
        self.opened = threading.Event()
        self.ended = False
        self.error = None

    def run(self):
        resp = None
        try:
            resp = self.user.client.get(self.path, headers=self.user.headers(extra=self.extra), buffered=False)
            assert resp.status_code == 200, resp.status_code
            assert resp.mimetype == "text/event-stream"
            self.opened.set()
            buf = ""
            for chunk in resp.response:
                buf += chunk.decode() if isinstance(chunk, bytes) else chunk
                while "\n\n" in buf:
                    block, buf = buf.split("\n\n", 1)
                    ev = _parse(block)
                    if ev is None:
                        continue
                    self.events.append(ev)
                    if self.stop(ev):
                        return
            self.ended = True
        except Exception as exc:
            self.error = repr(exc)
        finally:
            self.opened.set()
            if resp is not None:
                resp.close()

    def job_events(self):
        return [e for e in self.events if e["event"] == "job"]

    def finish(self, timeout=30):
        self.join(timeout)
        assert not self.is_alive(), f"stream {self.path} still open; got {self.events[-3:]}"
        assert self.error is None, self.error


def _parse(block):
    ev = {}
    for line in block.splitlines():
        if line.startswith("id: "):
            ev["id"] = int(line[4:])
        elif line.startswith("event: "):
            ev["event"] = line[7:]
        elif line.startswith("data: "):
            ev["data"] = json.loads(line[6:])
    return ev if "data" in ev else None


def _final_of(job_id):
    return lambda ev: ev["event"] == "job" and ev["data"]["id"] == str(job_id) and ev["data"]["status"] in FINAL


@pytest.fixture()
def hub(app):
    from app.platform import event_hub
    with app.app_context():
        return event_hub.current()


class Jobs:
    """Creates and moves jobs with the app's own services, as a worker does (each change committed)."""

    def __init__(self, app):
        self.app = app

    def create(self, user):
        from app.extensions import db
        from app.platform import jobs
        with self.app.app_context():
            job = jobs.create(organization_id=uuid.UUID(user.org_id), user_id=uuid.UUID(user.id),
                              kind="document.process", steps=["extract", "ocr"])
            db.session.commit()
            return job.id

    def progress(self, job_id, value):
        self._change(job_id, lambda job, jobs: jobs.heartbeat(job, 120, progress=value))

    def succeed(self, job_id):
        self._change(job_id, lambda job, jobs: jobs.succeed(job))

    def _change(self, job_id, fn):
        from app.extensions import db
        from app.models import Job
        from app.platform import jobs
        with self.app.app_context():
            job = db.session.get(Job, job_id)
            if job.status == "QUEUED":
                job.status = "RUNNING"
            fn(job, jobs)
            db.session.commit()

    def event_ids(self, job_id):
        import sqlalchemy as sa
        from app.extensions import db
        from app.models import Event
        with self.app.app_context():
            return list(db.session.execute(sa.select(Event.id).where(Event.job_id == job_id)
                                           .order_by(Event.id)).scalars())


@pytest.fixture()
def jobs_(app):
    return Jobs(app)


def _assert_forward(events):
    statuses = [e["data"]["status"] for e in events]
    assert [ORDER[s] for s in statuses] == sorted(ORDER[s] for s in statuses), statuses  # never backwards
    ids = [e["id"] for e in events]
    assert ids == sorted(ids), ids


def test_many_concurrent_streams_each_get_their_own_final_event_and_no_other_tenants(make_user, jobs_, hub):
    users = [make_user(name=f"Stream tenant {i}") for i in range(5)]
    job_of = {u.id: jobs_.create(u) for u in users}
    readers = []
    for u in users:
        job_id = job_of[u.id]
        # Three clients on the job, three on everything the user may see.
        for _ in range(3):
            readers.append((u, "job", Reader(u, f"/api/v1/jobs/{job_id}/events")))
            readers.append((u, "user", Reader(u, "/api/v1/events", stop=_final_of(job_id))))
    for _, _, r in readers:
        r.start()
    wait_until(lambda: hub.stream_count() >= len(readers), message="every stream registered with the hub")

    for step in (0.25, 0.5, 0.75):
        for u in users:
            jobs_.progress(job_of[u.id], step)
    for u in users:
        jobs_.succeed(job_of[u.id])

    for u, kind, r in readers:
        r.finish()
        own = str(job_of[u.id])
        job_events = r.job_events()
        assert job_events and job_events[-1]["data"]["status"] == "SUCCEEDED", (kind, r.events)
        assert {e["data"]["id"] for e in job_events} == {own}, "another tenant's job reached this stream"
        for e in r.events:
            if e["event"] == "snapshot":
                assert {j["id"] for j in e["data"]["active_jobs"]} <= {own}
        live = [e for e in job_events if e["data"]["progress"] > 0]
        assert [e["data"]["progress"] for e in live] == [0.25, 0.5, 0.75, 1.0], (kind, live)  # each change once
        _assert_forward(job_events)
    wait_until(lambda: hub.stream_count() == 0, message="closed streams to leave the hub")


def test_a_stream_resumed_with_last_event_id_gets_only_later_events(alice, jobs_, hub):
    job_id = jobs_.create(alice)
    jobs_.progress(job_id, 0.2)
    jobs_.progress(job_id, 0.4)
    ids = jobs_.event_ids(job_id)
    assert len(ids) == 3
    resume_from = ids[1]

    job_reader = Reader(alice, f"/api/v1/jobs/{job_id}/events", headers={"Last-Event-ID": str(resume_from)})
    user_reader = Reader(alice, "/api/v1/events", headers={"Last-Event-ID": str(resume_from)},
                         stop=_final_of(job_id))
    job_reader.start()
    user_reader.start()
    # The backlog after the cursor arrives first ...
    wait_until(lambda: any(e["id"] == ids[2] for e in job_reader.events), message="the backlog")
    wait_until(lambda: any(e["id"] == ids[2] for e in user_reader.events), message="the user backlog")
    # ... then the live changes, each once.
    jobs_.progress(job_id, 0.6)
    jobs_.succeed(job_id)
    all_ids = jobs_.event_ids(job_id)
    for r in (job_reader, user_reader):
        r.finish()
        got = [e["id"] for e in r.job_events()]
        assert got == [i for i in all_ids if i > resume_from], (got, all_ids)
        assert all(e["event"] != "snapshot" for e in r.events)  # a resumed stream gets no snapshot
        _assert_forward(r.job_events())

    # Resuming after the final event: the final state once more, then the end.
    late = Reader(alice, f"/api/v1/jobs/{job_id}/events", headers={"Last-Event-ID": str(all_ids[-1])})
    late.start()
    late.finish()
    assert [e["data"]["status"] for e in late.events] == ["SUCCEEDED"]


def _pubsub_clients_of_this_process(admin):
    import psutil
    mine = {f"{c.laddr.ip}:{c.laddr.port}" for c in psutil.Process().net_connections(kind="tcp")
            if c.raddr and c.raddr.port == admin.connection_pool.connection_kwargs.get("port", 6379)}
    return [c for c in admin.client_list(_type="pubsub") if c["addr"] in mine]


def test_the_hub_holds_one_redis_subscription_per_process_however_many_streams_are_open(
        app, make_user, jobs_, hub):
    import redis
    admin = redis.Redis.from_url(app.extensions["caseos"].config.REDIS_URL)
    users = [make_user(name=f"Subscriber {i}") for i in range(2)]
    job_of = {u.id: jobs_.create(u) for u in users}
    readers = []
    for u in users:
        for _ in range(12):
            readers.append(Reader(u, "/api/v1/events", stop=_final_of(job_of[u.id])))
    for r in readers:
        r.start()
    wait_until(lambda: hub.stream_count() >= len(readers), message="24 streams open")
    wait_until(lambda: hub.subscribed, message="the hub's subscription")

    subs = _pubsub_clients_of_this_process(admin)
    assert len(subs) == 1, subs  # 24 streams, one pub/sub connection
    assert subs[0]["name"] == f"caseos-event-hub:{os.getpid()}"
    assert (int(subs[0]["sub"]), int(subs[0]["psub"])) == (0, 1)

    for u in users:
        jobs_.succeed(job_of[u.id])
    for r in readers:
        r.finish()
        assert r.job_events()[-1]["data"]["status"] == "SUCCEEDED"
    assert len(_pubsub_clients_of_this_process(admin)) == 1  # streams closing leave the hub subscribed


def test_a_lost_pubsub_message_still_arrives_by_the_safety_reread(app, alice, jobs_, hub, monkeypatch):
    from app.platform import events
    job_id = jobs_.create(alice)
    reader = Reader(alice, f"/api/v1/jobs/{job_id}/events")
    reader.start()
    wait_until(lambda: reader.events, message="the job's first state")
    wait_until(lambda: hub.subscribed, message="the hub's subscription")

    # The next commit wakes nobody: no Redis message, no in-process wake-up.
    monkeypatch.setattr(app.extensions["caseos"].redis, "publish", lambda *a, **k: 0)
    monkeypatch.setattr(events, "_local_subscribers", [])
    safety_reads = hub.stats["safety_reads"]
    jobs_.succeed(job_id)
    reader.finish()
    assert [e["data"]["status"] for e in reader.events][-1] == "SUCCEEDED"
    assert hub.stats["safety_reads"] > safety_reads


def test_a_killed_subscription_comes_back_and_streams_carry_on(app, alice, jobs_, hub):
    import redis
    admin = redis.Redis.from_url(app.extensions["caseos"].config.REDIS_URL)
    job_id = jobs_.create(alice)
    reader = Reader(alice, f"/api/v1/jobs/{job_id}/events")
    reader.start()
    wait_until(lambda: reader.events and hub.subscribed, message="the stream and the hub's subscription")
    subscriptions = hub.stats["subscriptions"]
    (sub,) = _pubsub_clients_of_this_process(admin)
    assert admin.client_kill_filter(_id=sub["id"]) == 1
    jobs_.progress(job_id, 0.5)  # published while the hub is not listening
    wait_until(lambda: hub.stats["subscriptions"] > subscriptions and hub.subscribed, message="a new subscription")
    jobs_.succeed(job_id)
    reader.finish()
    statuses = [(e["data"]["status"], e["data"]["progress"]) for e in reader.events]
    assert statuses[-1] == ("SUCCEEDED", 1.0) and ("RUNNING", 0.5) in statuses, statuses


def test_the_python_visibility_rule_matches_events_after(app):
    """The hub filters in Python what a stream's backlog query filters in SQL: the same rule."""
    import itertools

    from app.extensions import db
    from app.platform import events
    org_a, org_b = uuid.uuid4(), uuid.uuid4()
    u1, u2 = uuid.uuid4(), uuid.uuid4()
    j1, j2 = uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        for org, user, type_, job in itertools.product((org_a, org_b), (None, u1, u2), ("job", "notification"),
                                                       (None, j1, j2)):
            events.emit(org, type_, {"x": 1}, user_id=user, job_id=job)
        db.session.commit()
        start = min(e.id for e in events.events_since({org_a: 0, org_b: 0}, limit=1000))
        every = [events.Record.of(e) for e in events.events_since({org_a: start - 1, org_b: start - 1}, limit=1000)]
        assert len(every) == 2 * 3 * 2 * 3
        audiences = [events.Audience.of_job(org_a, j1), events.Audience.of_job(org_b, j2),
                     events.Audience.of_user([org_a], u1), events.Audience.of_user([org_a, org_b], u2, [org_b]),
                     events.Audience.of_user([org_b], u1, [org_a, org_b])]
        for audience in audiences:
            in_sql = [e.id for e in audience.events_after(start - 1, limit=1000)]
            in_python = [r.id for r in every if audience.sees(r)]
            assert in_sql == in_python and in_sql, audience


def test_without_redis_streams_are_woken_in_process_and_by_the_reread(other_app, make_user, monkeypatch):
    """The embedded default: no Redis. Commits in this process wake the hub directly; changes it is not
    told about (another process's) arrive by the periodic re-read."""
    from app.platform import event_hub, events
    embedded = other_app(REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://",
                         CELERY_BROKER_URL="memory://", CELERY_RESULT_BACKEND="cache+memory://")
    assert embedded.extensions["caseos"].redis is None
    from tests.factories import ApiUser
    user = ApiUser.register(embedded, name="Embedded")
    jobs_ = Jobs(embedded)
    job_id = jobs_.create(user)
    reader = Reader(user, f"/api/v1/jobs/{job_id}/events")
    reader.start()
    wait_until(lambda: reader.events, message="the job's first state")
    with embedded.app_context():
        hub = event_hub.current()
    assert hub.redis_url is None
    wait_until(lambda: hub.stream_count() == 1, message="the stream registered")
    wakeups = hub.stats["wakeups"]
    jobs_.progress(job_id, 0.5)
    wait_until(lambda: any(e["data"]["progress"] == 0.5 for e in reader.events), message="the in-process change")
    assert hub.stats["wakeups"] > wakeups
    monkeypatch.setattr(events, "_local_subscribers", [])  # as if another process committed
    jobs_.succeed(job_id)
    reader.finish()
    assert [e["data"]["status"] for e in reader.events][-1] == "SUCCEEDED"
    _assert_forward(reader.job_events())
    hub.stop()
