"""The job engine's runner, on a job kind of its own: claim -> run -> lease check -> commit -> hand on,
and retry/fail, against the real database and the real Celery app (tasks run in-process with apply(),
where a retry runs again at once)."""
import uuid

import pytest
import sqlalchemy as sa

import celeryconfig
from app.extensions import celery, db
from app.models import Job
from app.platform import engine, jobs
from app.platform.errors import JobFailed
from app.platform.storage import StorageUnavailable

KIND = "form.fill"  # a kind the jobs table accepts (results not sealed); its pipeline is replaced per test
TASK = "test-engine.run"


@pytest.fixture()
def kind(app_ctx):
    """Register a two-step pipeline (both steps served by one task) for KIND; restore the real one after."""
    real = engine.pipeline(KIND)
    calls = []
    behaviour = {}

    def step(name):
        def fn(run):
            calls.append((name, run.attempt, run.transient_failures))
            action = behaviour.get(name)
            if action is not None:
                result = action(run)
                if result is not None:
                    return result
            run.carry[name] = True
            return {f"{name}_saw": sorted(run.carry)}
        return fn

    p = engine.Pipeline(KIND, task=TASK, steps=(engine.Step("a", step("a"), weight=0.25),
                                                engine.Step("b", step("b"), weight=0.75)))
    engine.register({KIND: p})
    task = engine.make_tasks(celery, {KIND: p})[TASK]
    yield task, calls, behaviour
    engine.register({KIND: real})


@pytest.fixture()
def job(app_ctx, alice):
    j = jobs.create(organization_id=uuid.UUID(alice.org_id), user_id=uuid.UUID(alice.id), kind=KIND,
                    steps=["a", "b"])
    db.session.commit()
    return j.id


def row(job_id) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def steps_of(job_id) -> dict:
    return {s["name"]: s for s in row(job_id).steps}


def test_a_delivery_runs_each_step_once_commits_and_hands_on(kind, job):
    task, calls, _ = kind
    assert task.apply(args=[str(job)]).get() == "done"
    j = row(job)
    assert j.status == "SUCCEEDED" and j.progress == 1.0
    assert [c[0] for c in calls] == ["a", "b"]
    assert {n: (s["status"], s["attempts"]) for n, s in steps_of(job).items()} == {"a": ("done", 1), "b": ("done", 1)}
    # b ran in the same delivery and saw what a left for it; both results are on the job
    assert j.result == {"a_saw": ["a"], "b_saw": ["a", "b"]}
    assert j.lease_until is None


def test_a_redelivered_message_redoes_nothing(kind, job):
    task, calls, _ = kind
    task.apply(args=[str(job)]).get()
    assert task.apply(args=[str(job)]).get() == "noop"
    assert len(calls) == 2


def test_a_deterministic_failure_ends_the_job_failed_with_its_code(kind, job):
    task, calls, behaviour = kind
    behaviour["b"] = lambda run: (_ for _ in ()).throw(JobFailed("bad_input", "This file cannot be read."))
    assert task.apply(args=[str(job)]).get() == "failed"
    j = row(job)
    assert j.status == "FAILED" and j.error == {"code": "bad_input", "message": "This file cannot be read."}
    assert steps_of(job)["a"]["status"] == "done" and steps_of(job)["b"]["status"] == "failed"
    assert [c[0] for c in calls] == ["a", "b"]  # never retried


def test_a_transient_failure_is_retried_with_backoff_and_the_step_then_succeeds(kind, job, monkeypatch):
    task, calls, behaviour = kind
    failures, waits = [], []
    monkeypatch.setattr(engine, "backoff", lambda n: waits.append(n) or 0)

    def flaky(run):
        if len(failures) < 2:
            failures.append(run.attempt)
            raise StorageUnavailable("S3 SlowDown")
    behaviour["b"] = flaky
    assert task.apply(args=[str(job)]).get() == "done"
    assert row(job).status == "SUCCEEDED"
    assert waits == [0, 1]  # one formula: earlier transient failures of the step
    b = steps_of(job)["b"]
    assert b["transient"] == 2 and b["attempts"] == 3
    assert [c for c in calls if c[0] == "b"] == [("b", 1, 0), ("b", 2, 1), ("b", 3, 2)]


def test_a_step_that_stays_unavailable_ends_the_job_failed(kind, job, monkeypatch):
    task, calls, behaviour = kind
    monkeypatch.setattr(engine, "backoff", lambda n: 0)
    behaviour["a"] = lambda run: (_ for _ in ()).throw(StorageUnavailable("down"))
    assert task.apply(args=[str(job)]).get() == "failed"
    j = row(job)
    assert j.status == "FAILED" and j.error["code"] == "temporarily_unavailable"
    assert len(calls) == engine.MAX_RETRIES and steps_of(job)["a"]["transient"] == engine.MAX_RETRIES


def test_a_bug_fails_the_job_and_reaches_celery(kind, job):
    task, _, behaviour = kind
    behaviour["a"] = lambda run: (_ for _ in ()).throw(KeyError("oops"))
    result = task.apply(args=[str(job)])
    assert isinstance(result.result, KeyError)
    j = row(job)
    assert j.status == "FAILED" and j.error["code"] == "internal_error"


def test_a_step_whose_lease_was_taken_over_does_not_commit(kind, job):
    task, calls, behaviour = kind

    def taken_over(run):
        # Another attempt claims the step meanwhile (this one froze longer than its lease).
        with db.engine.begin() as conn:
            steps = conn.execute(sa.select(Job.steps).where(Job.id == run.job_id)).scalar_one()
            for s in steps:
                if s["name"] == run.step:
                    s["attempts"] += 1
            conn.execute(sa.update(Job).where(Job.id == run.job_id).values(steps=steps))
        return {"late": "write"}
    behaviour["a"] = taken_over
    db.session.close()
    assert task.apply(args=[str(job)]).get() == "superseded"
    j = row(job)
    assert j.status == "RUNNING" and not (j.result or {}).get("late")
    assert steps_of(job)["a"]["status"] == "running" and steps_of(job)["a"]["attempts"] == 2


def test_a_message_for_a_job_that_never_appears_is_dropped_after_its_retries(kind):
    task, calls, _ = kind
    assert task.apply(args=[str(uuid.uuid4())]).get() == "missing"
    assert calls == []


def test_claim_takes_steps_in_order_and_one_holder_at_a_time(kind, job):
    assert jobs.claim_step(job, "b", 60).outcome == "not_next"
    first = jobs.claim_step(job, "a", 60)
    assert first.outcome == "claimed" and first.attempt == 1
    busy = jobs.claim_step(job, "a", 60)
    assert busy.outcome == "busy" and 0 < busy.remaining <= 60
    assert jobs.holds_lease(job, "a", 1) and not jobs.holds_lease(job, "a", 2)
    db.session.rollback()
    assert jobs.claim_step(uuid.uuid4(), "a", 60).outcome == "missing"


def test_queues_and_routes_come_from_the_job_table():
    routes = celeryconfig.STEP_ROUTES
    assert routes["documents.ocr"] == {"queue": "ocr"} and routes["assistant.research"] == {"queue": "ai"}
    assert "documents.extract" not in routes  # default queue
    assert set(celeryconfig.QUEUES) == {"default", "ocr", "ai"}
    p = engine.pipeline("document.process")
    assert [s.task for s in p.steps] == [f"documents.{n}" for n in ("extract", "ocr", "analyse", "index", "notify")]
    assert abs(sum(s.weight for s in p.steps) - 1.0) < 1e-9 and p.progress_before("ocr") == pytest.approx(0.1)


def test_backoff_doubles_and_is_jittered_within_half_either_side():
    for n in range(8):
        for _ in range(20):
            assert 0.5 * min(300, 2 ** n) <= engine.backoff(n) < 1.5 * min(300, 2 ** n)


def test_a_connection_lost_inside_the_transaction_hook_is_transient():
    """psycopg2's error raised in SQLAlchemy's begin hook (not wrapped) is retried, not a bug."""
    import psycopg2
    assert engine.is_transient(psycopg2.OperationalError("server closed the connection unexpectedly"))
    assert engine.is_transient(psycopg2.InterfaceError("connection already closed"))
    assert not engine.is_transient(psycopg2.ProgrammingError("syntax error"))
    assert not engine.is_transient(KeyError("a bug"))


# --- where the next step runs: same queue or not needed -> this delivery; else its queue's message ---

@pytest.fixture()
def queued(app_ctx, monkeypatch):
    """A three-step kind, one task per step: a and b on the default queue, c on the OCR queue,
    which c needs only when a step before it said so (carry["c_needs_queue"]). Sent messages are
    recorded instead of going to a broker."""
    real = engine.pipeline(KIND)
    calls, sent, needs = [], [], {"c": False}

    def step(name):
        def fn(run):
            calls.append(name)
            run.carry["c_needs_queue"] = needs["c"]
            return {f"{name}_ran": True}
        return fn

    p = engine.Pipeline(KIND, task="test-engine-q.{step}", steps=(
        engine.Step("a", step("a"), weight=0.2), engine.Step("b", step("b"), weight=0.3),
        engine.Step("c", step("c"), queue="ocr", weight=0.5, needs_queue=lambda run: run.carry["c_needs_queue"])))
    engine.register({KIND: p})
    tasks = engine.make_tasks(celery, {KIND: p})
    monkeypatch.setattr(engine, "send", lambda task_name, *args, job_id=None: sent.append(task_name) or True)
    yield tasks, calls, sent, needs
    engine.register({KIND: real})


@pytest.fixture()
def job3(app_ctx, alice):
    j = jobs.create(organization_id=uuid.UUID(alice.org_id), user_id=uuid.UUID(alice.id), kind=KIND,
                    steps=["a", "b", "c"])
    db.session.commit()
    return j.id


def test_steps_on_the_same_queue_and_a_queue_the_job_does_not_need_run_in_one_delivery(queued, job3):
    tasks, calls, sent, _ = queued
    assert tasks["test-engine-q.a"].apply(args=[str(job3)]).get() == "done"
    assert calls == ["a", "b", "c"] and sent == []
    j = row(job3)
    assert j.status == "SUCCEEDED" and j.progress == 1.0 and j.lease_until is None
    # each step was still claimed and committed on its own
    assert {n: (s["status"], s["attempts"]) for n, s in steps_of(job3).items()} == {
        "a": ("done", 1), "b": ("done", 1), "c": ("done", 1)}
    assert j.result == {"a_ran": True, "b_ran": True, "c_ran": True}


def test_the_commit_that_finishes_a_step_claims_the_next_one_run_here(queued, job3):
    """Between two steps of one delivery the job is never unleased: the progress events go from one
    running step to the next (no event shows the job with nothing running), and another delivery of
    the same job (a duplicate, the sweeper's re-send) finds the next step taken and does nothing."""
    from app.models import Event
    tasks, calls, sent, _ = queued
    seen = {}

    def b(run):
        calls.append("b")
        seen["duplicate"] = jobs.claim_step(job3, "b", 60).outcome
        run.carry["c_needs_queue"] = False
        return {}
    p = engine.pipeline(KIND)
    engine.register({KIND: engine.Pipeline(KIND, task=p.task, steps=(
        p.steps[0], engine.Step("b", b, weight=0.3), p.steps[2]))})
    assert tasks["test-engine-q.a"].apply(args=[str(job3)]).get() == "done"
    assert seen == {"duplicate": "busy"}
    assert calls == ["a", "b", "c"] and sent == [] and row(job3).status == "SUCCEEDED"
    shown = [[s["status"] for s in e.data["steps"]] for e in db.session.execute(
        sa.select(Event).where(Event.job_id == job3).order_by(Event.id)).scalars() if e.data["status"] == "RUNNING"]
    assert shown == [["running", "pending", "pending"], ["done", "running", "pending"],
                     ["done", "done", "running"], ["done", "done", "done"]]  # (then SUCCEEDED)


class Stopped(BaseException):
    """What SigtermHold.release does to a process with a SIGTERM pending (here without the signal)."""


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_worker_stopping_after_a_step_leaves_the_next_one_unleased(queued, job3, monkeypatch, when):
    """A SIGTERM held while a step commits (before: seen before the commit; after: it arrives
    between the commit and the end of the hold): the process stops after the step, and the next step
    is not left leased to it, so the redelivered message goes on at once instead of after the lease."""
    tasks, calls, sent, _ = queued
    real = engine.SigtermHold.pending, engine.SigtermHold.release

    def pending(hold):
        hold.asked = getattr(hold, "asked", 0) + 1
        return when == "before" or hold.asked > 1

    def release(hold):
        if hold.pending:
            raise Stopped()
    monkeypatch.setattr(engine.SigtermHold, "pending", property(pending))
    monkeypatch.setattr(engine.SigtermHold, "release", release)
    with pytest.raises(Stopped):
        tasks["test-engine-q.a"].apply(args=[str(job3)])
    j = row(job3)
    assert calls == ["a"] and j.lease_until is None and j.status == "RUNNING"
    assert {n: (s["status"], s["attempts"]) for n, s in steps_of(job3).items()} == {
        "a": ("done", 1), "b": ("pending", 0), "c": ("pending", 0)}
    monkeypatch.setattr(engine.SigtermHold, "pending", real[0])
    monkeypatch.setattr(engine.SigtermHold, "release", real[1])
    assert tasks["test-engine-q.a"].apply(args=[str(job3)]).get() == "done"
    assert calls == ["a", "b", "c"] and row(job3).status == "SUCCEEDED"
    assert {n: s["attempts"] for n, s in steps_of(job3).items()} == {"a": 1, "b": 1, "c": 1}


def test_a_step_whose_queue_the_job_needs_is_sent_to_that_queue(queued, job3):
    tasks, calls, sent, needs = queued
    needs["c"] = True
    assert tasks["test-engine-q.a"].apply(args=[str(job3)]).get() == "done"
    assert calls == ["a", "b"] and sent == ["test-engine-q.c"]
    assert row(job3).status == "RUNNING" and jobs.next_step(row(job3)) == "c"
    assert tasks["test-engine-q.c"].apply(args=[str(job3)]).get() == "done"
    assert calls == ["a", "b", "c"] and row(job3).status == "SUCCEEDED"


def test_a_message_redelivered_after_its_process_died_half_way_resumes_the_job(queued, job3):
    """The delivery of a ran a and died before b (no lease held): the broker delivers a's message
    again; a is not run twice and the job goes on from b."""
    tasks, calls, sent, _ = queued
    claimed = jobs.claim_step(job3, "a", 60)
    jobs.finish_step(claimed.job, "a", 0.2, {"a_ran": True})
    db.session.commit()
    assert tasks["test-engine-q.a"].apply(args=[str(job3)]).get() == "done"
    assert calls == ["b", "c"] and sent == []
    assert row(job3).status == "SUCCEEDED"
    assert {n: s["attempts"] for n, s in steps_of(job3).items()} == {"a": 1, "b": 1, "c": 1}
    # and once the job is finished, another copy changes nothing
    assert tasks["test-engine-q.a"].apply(args=[str(job3)]).get() == "noop"
    assert calls == ["b", "c"]


def test_a_redelivered_message_sends_the_next_step_to_its_own_queue_when_it_needs_it(queued, job3):
    tasks, calls, sent, _ = queued
    for name in ("a", "b"):
        claimed = jobs.claim_step(job3, name, 60)
        jobs.finish_step(claimed.job, name, None, None)
        db.session.commit()
    assert tasks["test-engine-q.a"].apply(args=[str(job3)]).get() == "noop"
    assert calls == [] and sent == ["test-engine-q.c"]


def test_a_stale_job_at_a_step_its_pipeline_no_longer_has_does_not_stop_the_sweep(app_ctx, alice, monkeypatch):
    # A release that renamed or removed a step (or a job left by another version) must not stop the
    # sweeper from re-sending every other stale job: it crashed on the first such job, every minute.
    from datetime import timedelta

    from app.models.base import utcnow
    sent = []
    monkeypatch.setattr(engine, "send", lambda task, *args, job_id=None: sent.append((task, job_id)) or True)
    org, user = uuid.UUID(alice.org_id), uuid.UUID(alice.id)
    orphan = jobs.create(organization_id=org, user_id=user, kind=KIND, steps=["gone"])
    live = jobs.create(organization_id=org, user_id=user, kind=KIND, steps=["fill"])
    for j in (orphan, live):  # both were running when their worker died
        j.status, j.lease_until, j.enqueued_at = "RUNNING", utcnow() - timedelta(minutes=5), utcnow()
    db.session.commit()
    orphan_id, live_id = orphan.id, live.id
    engine.requeue_stale(grace_seconds=0)
    sent_ids = {job_id for _task, job_id in sent}
    assert live_id in sent_ids and orphan_id not in sent_ids
    assert row(orphan_id).status == "RUNNING"  # left for a release that knows its step, not failed
