"""Durable jobs (app/platform/jobs.py) on the real database: the lease and its fencing token, the
outbox sweep's choice of jobs, progress that never goes backwards, sealed results and who sees a job."""
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.tenancy import Principal
from app.extensions import db
from app.models import Job, User
from app.models.base import utcnow
from app.platform import jobs
from app.platform.errors import NotFound

KIND = "form.fill"


def new_job(user, kind=KIND, steps=("a", "b"), **kw) -> uuid.UUID:
    j = jobs.create(organization_id=uuid.UUID(user.org_id), user_id=uuid.UUID(user.id), kind=kind, steps=list(steps),
                    **kw)
    db.session.commit()
    return j.id


def row(job_id) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def set_row(job_id, **values):
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def test_a_lapsed_lease_is_taken_over_and_the_first_attempt_may_no_longer_report(app_ctx, alice):
    job_id = new_job(alice)
    first = jobs.claim_step(job_id, "a", 60).job
    set_row(job_id, lease_until=utcnow() - timedelta(seconds=1))  # its worker froze past its lease
    second = jobs.claim_step(job_id, "a", 60)
    assert second.outcome == "claimed" and second.attempt == 2
    assert row(job_id).steps[0]["attempts"] == 2 and row(job_id).status == "RUNNING"
    db.session.rollback()
    first = db.session.get(Job, job_id)
    first._lease_step, first._lease_attempt = "a", 1
    with pytest.raises(jobs.LeaseLost):
        jobs.heartbeat(first, 60, progress=0.5)
    db.session.rollback()
    assert row(job_id).progress == 0  # the superseded attempt moved nothing


def test_progress_only_moves_forward_and_stays_below_done_until_the_job_succeeds(app_ctx, alice):
    job_id = new_job(alice)
    job = jobs.claim_step(job_id, "a", 60).job
    jobs.heartbeat(job, 60, progress=0.4)
    db.session.commit()
    jobs.heartbeat(job, 60, progress=0.2)
    db.session.commit()
    assert row(job_id).progress == pytest.approx(0.4)
    jobs.heartbeat(job, 60, progress=1.0)
    db.session.commit()
    assert row(job_id).progress == pytest.approx(0.99)
    job = db.session.get(Job, job_id)
    jobs.succeed(job)
    db.session.commit()
    assert row(job_id).status == "SUCCEEDED" and row(job_id).progress == 1.0


def test_a_finished_job_never_changes_state_again(app_ctx, alice):
    job_id = new_job(alice)
    job = jobs.claim_step(job_id, "a", 60).job
    jobs.fail(job, "bad_input", "This file cannot be read.", step="a")
    db.session.commit()
    job = db.session.get(Job, job_id)
    jobs.succeed(job, {"late": True})
    jobs.fail(job, "other", "Another reason.")
    db.session.commit()
    j = row(job_id)
    assert j.status == "FAILED" and j.error["code"] == "bad_input" and not (j.result or {}).get("late")
    assert jobs.claim_step(job_id, "b", 60).outcome == "final"


def test_the_lease_keeper_renews_while_it_owns_the_step_and_stops_after_a_takeover(app_ctx, alice):
    job_id = new_job(alice)
    jobs.claim_step(job_id, "a", 5)
    keeper = jobs.LeaseKeeper(job_id, "a", 1, lease_seconds=600)
    assert keeper.renew()
    assert (row(job_id).lease_until - utcnow()).total_seconds() > 500
    set_row(job_id, lease_until=utcnow() - timedelta(seconds=1))
    assert jobs.claim_step(job_id, "a", 60).attempt == 2
    assert not keeper.renew()
    assert (row(job_id).lease_until - utcnow()).total_seconds() <= 60  # the new holder's lease, untouched


def test_the_sweep_picks_lost_jobs_and_leaves_live_and_waiting_ones(app_ctx, alice):
    long_ago = utcnow() - timedelta(hours=1)
    live = new_job(alice)
    jobs.claim_step(live, "a", 600)
    lapsed = new_job(alice)
    jobs.claim_step(lapsed, "a", 60)
    set_row(lapsed, lease_until=utcnow() - timedelta(seconds=1))
    idle_sent = new_job(alice)
    jobs.mark_enqueued(idle_sent)
    set_row(idle_sent, updated_at=long_ago, created_at=long_ago)
    just_sent = new_job(alice)
    jobs.mark_enqueued(just_sent)
    db.session.commit()
    waiting_turn = new_job(alice)  # a fair kind never sent waits for admission, not for the sweeper
    set_row(waiting_turn, updated_at=long_ago, created_at=long_ago)
    done = new_job(alice)
    jobs.succeed(db.session.get(Job, done))
    db.session.commit()
    set_row(done, updated_at=long_ago)

    found = {j.id for j in jobs.stale(idle_seconds=120, grace_seconds=30, limit=10_000)}
    mine = {live, lapsed, idle_sent, just_sent, waiting_turn, done}
    assert found & mine == {lapsed, idle_sent}


def test_the_same_idempotency_key_gives_the_same_job(app_ctx, alice):
    key = f"idem-{uuid.uuid4().hex}"
    first = new_job(alice, idempotency_key=key)
    again = new_job(alice, idempotency_key=key)
    assert again == first
    assert db.session.execute(sa.select(sa.func.count()).select_from(Job)
                              .where(Job.idempotency_key == key)).scalar_one() == 1


def test_a_research_answer_is_sealed_at_rest_and_opened_only_for_its_reader(app_ctx, alice):
    job_id = new_job(alice, kind="research", steps=("research",))
    job = db.session.get(Job, job_id)
    answer = {"answer": "The tenant has 5 days to answer (quote: 'within five days')."}
    job.result = jobs.seal_result(job, answer)
    db.session.commit()
    j = row(job_id)
    assert "five days" not in str(j.result) and set(j.result) == {"sealed"}
    assert jobs.result_of(j) == answer
    assert jobs.snapshot(j)["result"] is None  # events and streams carry the status, not the text
    moved = Job(id=uuid.uuid4(), organization_id=j.organization_id, kind="research", result=j.result)
    with pytest.raises(Exception):
        jobs.result_of(moved)  # bound to its own job: copied onto another row it does not open


def principal(user) -> Principal:
    return Principal(user=db.session.get(User, uuid.UUID(user.id)), org_id=uuid.UUID(user.org_id),
                     roles={uuid.UUID(user.org_id): "OWNER"})


def test_a_job_is_invisible_to_another_organization(alice, mallory, app_ctx):
    # (users registered before the test pushes its app context: requests made inside one share its `g`)
    job_id = new_job(alice)
    assert jobs.get_visible(principal(alice), job_id).id == job_id
    assert job_id in {j.id for j in jobs.list_visible(principal(alice))[0]}
    with pytest.raises(NotFound):
        jobs.get_visible(principal(mallory), job_id)
    with pytest.raises(NotFound):
        jobs.get_visible(principal(mallory), "not-a-uuid")
    assert job_id not in {j.id for j in jobs.list_visible(principal(mallory))[0]}
