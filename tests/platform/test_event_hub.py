"""The event hub on its own (no HTTP): one hub, several streams, each gets exactly the events its
audience may see, once and in order, whether a commit in this process wakes the hub or only its
periodic re-read finds the change. Runs without Redis (the embedded mode) on the real database."""
import json
import time
import uuid

import pytest

from app.extensions import db
from app.platform import event_hub, events


@pytest.fixture()
def hub(app):
    h = event_hub.Hub(app, None)
    yield h
    h.stop()


@pytest.fixture()
def two_orgs(alice, mallory):
    return uuid.UUID(alice.org_id), uuid.UUID(mallory.org_id), uuid.UUID(alice.id)


def emit(app, org, type_, data, **kw) -> int:
    with app.app_context():
        ev = events.emit(org, type_, data, **kw)
        db.session.commit()
        return ev.id


def collect(stream, want: int, timeout: float = 15.0) -> list[dict]:
    """Frames taken from the stream until `want` arrived (or the timeout), as (id, type, data), in the
    app context a stream's request has."""
    out, deadline = [], time.monotonic() + timeout
    while len(out) < want and time.monotonic() < deadline:
        with stream.hub.app.app_context():
            frames = stream.take(0.5)
        for frame in frames:
            lines = dict(line.split(": ", 1) for line in frame.text.strip().splitlines())
            out.append({"id": int(lines["id"]), "type": lines["event"], "data": json.loads(lines["data"])})
    return out


def open_stream(app, hub, audience):
    with app.app_context():
        return hub.register(audience, events.last_event_id(audience.org_ids))


def test_a_stream_gets_its_organizations_events_once_in_order_and_no_one_elses(app, hub, two_orgs):
    mine, other, user = two_orgs
    stream = open_stream(app, hub, events.Audience(frozenset({mine}), user_id=user))
    ids = [emit(app, mine, "notification", {"n": i}, user_id=user) for i in range(3)]
    emit(app, other, "notification", {"n": "other org"})
    emit(app, mine, "notification", {"n": "another member's"}, user_id=uuid.uuid4())
    got = collect(stream, 3)
    assert [e["id"] for e in got] == ids and [e["data"]["n"] for e in got] == [0, 1, 2]
    assert collect(stream, 1, timeout=2) == []  # nothing more, nothing twice
    stream.close()
    assert hub.stream_count() == 0


def test_a_commit_in_this_process_wakes_the_hub(app, hub, two_orgs):
    mine, _other, user = two_orgs
    events.init_app(local_subscriber=event_hub.notify)  # as create_app registers it
    with app.app_context():
        event_hub._live.add(hub)
    stream = open_stream(app, hub, events.Audience(frozenset({mine}), user_id=user))
    collect(stream, 1, timeout=1)  # the stream's own backlog read starts the hub
    wakeups = hub.stats["wakeups"]
    emit(app, mine, "notification", {"n": 1}, user_id=user)
    assert [e["data"]["n"] for e in collect(stream, 1)] == [1]
    assert hub.stats["wakeups"] > wakeups


def test_a_change_no_one_announced_arrives_by_the_periodic_reread(app, hub, two_orgs, monkeypatch):
    mine, _other, user = two_orgs
    monkeypatch.setattr(events, "_local_subscribers", [])  # as if another process committed
    stream = open_stream(app, hub, events.Audience(frozenset({mine}), user_id=user))
    collect(stream, 1, timeout=1)
    reads = hub.stats["safety_reads"]
    emit(app, mine, "notification", {"n": "quiet"}, user_id=user)
    assert [e["data"]["n"] for e in collect(stream, 1)] == ["quiet"]
    assert hub.stats["safety_reads"] > reads


def test_a_job_stream_sees_its_job_only_and_ends_with_its_final_state(app, hub, two_orgs):
    mine, _other, user = two_orgs
    job, other_job = uuid.uuid4(), uuid.uuid4()
    stream = open_stream(app, hub, events.Audience(frozenset({mine}), user_id=user, job_id=job))
    emit(app, mine, "job", {"id": str(other_job), "status": "RUNNING"}, user_id=user, job_id=other_job)
    emit(app, mine, "job", {"id": str(job), "status": "RUNNING"}, user_id=user, job_id=job)
    emit(app, mine, "job", {"id": str(job), "status": "SUCCEEDED"}, user_id=user, job_id=job)
    emit(app, mine, "job", {"id": str(job), "status": "SUCCEEDED", "late": True}, user_id=user, job_id=job)
    got = collect(stream, 3, timeout=5)
    assert [e["data"]["status"] for e in got] == ["RUNNING", "SUCCEEDED"]  # nothing after the final state
    assert stream.finished and stream.final_seen


def test_a_stream_that_stopped_reading_loses_nothing_and_gets_nothing_twice(app, hub, two_orgs, monkeypatch):
    """Past its backlog limit a slow stream's queue is dropped and re-read from the database."""
    mine, _other, user = two_orgs
    monkeypatch.setattr(event_hub, "MAX_BACKLOG", 3)
    events.init_app(local_subscriber=event_hub.notify)
    with app.app_context():
        event_hub._live.add(hub)
    stream = open_stream(app, hub, events.Audience(frozenset({mine}), user_id=user))
    collect(stream, 1, timeout=1)  # starts the hub; the stream then stops reading
    # 3 queued, the 4th overflows (queue dropped), 5-7 queued again: the re-read brings 5-7 a second time
    ids = [emit(app, mine, "notification", {"n": i}, user_id=user) for i in range(7)]
    deadline = time.monotonic() + 15
    while (not stream._resync or len(stream._items) < 3) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stream._resync, "the hub never overflowed the stream's queue"
    got = collect(stream, 7)
    assert [e["id"] for e in got] == ids and [e["data"]["n"] for e in got] == list(range(7))
    assert collect(stream, 1, timeout=1) == []


def test_a_stream_opened_after_reconnecting_gets_what_it_missed_from_its_last_event(app, hub, two_orgs):
    mine, _other, user = two_orgs
    seen = emit(app, mine, "notification", {"n": "seen"}, user_id=user)
    missed = [emit(app, mine, "notification", {"n": i}, user_id=user) for i in range(2)]
    with app.app_context():
        stream = hub.register(events.Audience(frozenset({mine}), user_id=user), seen)  # Last-Event-ID
    got = collect(stream, 2)
    assert [e["id"] for e in got] == missed
    assert collect(stream, 1, timeout=1) == []


def test_a_job_that_finished_before_its_stream_opened_is_told_once_as_final(app, hub, two_orgs, alice):
    from app.models import Job
    from app.platform import jobs
    mine, _other, user = two_orgs
    with app.app_context():
        job = jobs.create(organization_id=mine, user_id=user, kind="form.fill", steps=["a"])
        db.session.commit()
        jobs.succeed(db.session.get(Job, job.id))
        db.session.commit()
        job_id = job.id
    # the client connects later: its cursor is past the job's final event
    stream = open_stream(app, hub, events.Audience(frozenset({mine}), user_id=user, job_id=job_id))
    got = collect(stream, 1)
    assert [(e["type"], e["data"]["id"], e["data"]["status"]) for e in got] == [("job", str(job_id), "SUCCEEDED")]
    assert stream.finished
    assert collect(stream, 1, timeout=1) == []
