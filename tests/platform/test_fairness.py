"""Fair scheduling across organizations (issue 16, finding 6): one organization's flood of uploads
never queues in front of another organization's first document, and per-organization limits
answer 429 with Retry-After.

The broker is first in, first out, so what decides who waits is the order in which jobs are sent
to it: these tests record that order (the messages themselves are not delivered)."""
import io
import uuid

import pytest

from app.extensions import celery, db
from app.models import Job
from app.platform import engine, jobs, runtime

CAP = 3


@pytest.fixture()
def sent(app, monkeypatch):
    """Record every message sent to the broker (task name, job id) instead of sending it."""
    log = []

    def fake_send(name, args=(), **kw):
        log.append((name, uuid.UUID(args[-1])))
    monkeypatch.setattr(celery, "send_task", fake_send)
    with app.app_context():
        monkeypatch.setattr(runtime.current().config, "ORG_ACTIVE_JOBS", CAP)
    return log


def upload(user, case_id, text: str):
    r = user.post(f"/api/v1/cases/{case_id}/documents", content_type="multipart/form-data",
                  data={"file": (io.BytesIO(text.encode()), "letter.txt")})
    assert r.status_code == 202, r.get_json()
    return uuid.UUID(r.get_json()["job"]["id"])


def row(job_id) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def finish(job_id):
    job = row(job_id)
    jobs.succeed(job)
    db.session.commit()


def test_a_flood_from_one_organization_does_not_queue_in_front_of_another_first_document(app, sent, alice, mallory):
    flood_case, other_case = alice.create_case()["id"], mallory.create_case()["id"]
    flood = [upload(alice, flood_case, f"Notice number {i}: pay the rent within 5 days.") for i in range(10)]
    mine = upload(mallory, other_case, "Summons: answer the complaint within 20 days.")

    order = [job_id for _name, job_id in sent]
    # The flood holds CAP places in the queue; the other organization's document comes next, not 11th.
    assert order == flood[:CAP] + [mine]
    with app.app_context():
        waiting = [row(j) for j in flood[CAP:]]
        assert all(j.status == "QUEUED" and j.enqueued_at is None for j in waiting)

        # As the flood's jobs end, its waiting jobs are sent oldest first, one per freed turn.
        finish(flood[0])
        engine.admit_after(flood[0])
        assert [j for _n, j in sent[len(order):]] == [flood[CAP]]
        # A job that ended without its runner admitting (a killed worker) is covered by the sweeper,
        # which never sends more than the free turns, and never a job twice.
        finish(flood[1])
        finish(flood[2])
        # (The sweep also re-sends whatever other stale jobs the shared database holds: only this
        # test's jobs are looked at.)
        ours = set(flood) | {mine}
        before = len(sent)
        engine.requeue_stale(grace_seconds=0)
        assert [j for _n, j in sent[before:] if j in ours] == flood[CAP + 1:CAP + 3]
        before = len(sent)
        engine.requeue_stale(grace_seconds=0)
        assert [j for _n, j in sent[before:] if j in ours] == []


def test_the_runner_hands_a_finished_job_turn_to_the_next_waiting_job(app, sent, alice):
    """A real delivery (in-process) that ends its job sends the organization's next waiting job."""
    org, user = uuid.UUID(alice.org_id), uuid.UUID(alice.id)
    kind = "form.fill"
    real = engine.pipeline(kind)
    p = engine.Pipeline(kind, task="test-fairness.run", steps=(engine.Step("only", lambda run: {"ok": True}),))
    with app.app_context():
        engine.register({kind: p})
        try:
            task = engine.make_tasks(celery, {kind: p})["test-fairness.run"]
            ids = []
            for _ in range(CAP + 2):
                job = jobs.create(organization_id=org, user_id=user, kind=kind, steps=["only"])
                db.session.commit()
                ids.append(job.id)
                engine.start(job)
            assert [j for _n, j in sent] == ids[:CAP]
            assert task.apply(args=[str(ids[0])]).get() == "done"
            assert row(ids[0]).status == "SUCCEEDED"
            assert [j for _n, j in sent] == ids[:CAP + 1]
            assert row(ids[CAP]).enqueued_at is not None and row(ids[CAP + 1]).enqueued_at is None
        finally:
            engine.register({kind: real})


def test_uploads_beyond_the_organization_limit_get_429_with_retry_after(app, sent, monkeypatch, make_user):
    monkeypatch.setitem(app.config, "RATELIMIT_ORG_UPLOADS", "3 per minute")
    owner = make_user(name="Busy Clinic")
    case_id = owner.create_case()["id"]
    for i in range(3):
        upload(owner, case_id, f"Letter {i}")
    r = owner.post(f"/api/v1/cases/{case_id}/documents", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(b"one too many"), "letter.txt")})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert r.get_json()["code"] == "rate_limited" and "uploaded many files" in r.get_json()["detail"]
    spec = owner.get("/api/v1/openapi.json").get_json()
    assert "429" in spec["paths"]["/api/v1/cases/{case_id}/documents"]["post"]["responses"]
    assert "429" in spec["paths"]["/api/v1/research"]["post"]["responses"]
    # Another organization uploads as usual.
    other = make_user(name="Quiet Clinic")
    upload(other, other.create_case()["id"], "Letter")


def test_research_beyond_the_organization_limit_gets_429(app, sent, monkeypatch, make_user):
    monkeypatch.setitem(app.config, "RATELIMIT_ORG_RESEARCH", "2 per minute")
    user = make_user(name="Curious")
    ask = {"topic": "How long do I have to answer an eviction complaint?", "jurisdiction": "US-WV"}
    assert [user.post("/api/v1/research", json=ask).status_code for _ in range(3)] == [202, 202, 429]
