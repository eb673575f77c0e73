"""The job engine: one runner for every job kind, driven by the table in app/pipelines.py.

A job kind is a `Pipeline` of `Step`s (name, function, queue, share of the progress bar). For
every delivery of a step's message the runner does the same thing, whatever the kind:

    claim the step's lease -> run the step -> check the lease is still ours -> commit -> hand on

and on failure: a deterministic one (`JobFailed`: a corrupt file, a deleted case) ends the job
FAILED with its code; a transient one (storage, database, broker, model provider) releases the
step and retries it with one backoff formula, until MAX_RETRIES; anything else is a bug: the
job ends FAILED with internal_error and the exception reaches Celery and the logs.

Every delivery is safe to run: a step is claimed only when it is the job's next one and nobody
holds the lease; the lease is renewed while the step runs (jobs.LeaseKeeper) and its results are
committed only if this attempt still owns it (fencing), so a redelivered, duplicated or
resurrected message never runs a step twice or out of order. Messages carry ids only.

Hand-on: after the commit, the next step runs in the same delivery when it is served by the same
task or the same queue as the message being run (a form's fill -> store; a document's index ->
notify), or when this job does not need the next step's own queue (`Step.needs_queue`: no page to
OCR, no external model to call); it may reuse what the steps before it left in `StepRun.scratch`
and `StepRun.carry`. Each such step is still claimed, leased, fenced and committed on its own, and
publishes its own progress. Otherwise the next step's message is sent after the commit. A message
whose step is already done resumes the job from its next step (a delivery redelivered after its
process died half-way through), and the sweeper (`requeue_stale`) re-sends any job whose message was lost.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import random
import re
import signal
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

import psycopg2
import redis
import sqlalchemy as sa
from celery.exceptions import Retry
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from app.extensions import celery, db
from app.models import Document, Job
from app.models.base import utcnow
from app.platform import fairness, jobs, runtime
from app.platform.breaker import is_timeout
from app.platform.errors import JobFailed, TransientError

log = logging.getLogger("caseos.pipeline")

# psycopg2's own errors too: a connection that dies inside SQLAlchemy's begin hook (row-level
# security's settings, see rls.py) reaches the caller unwrapped.
TRANSIENT = (TransientError, OperationalError, ConnectionError, TimeoutError,
             redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
             psycopg2.OperationalError, psycopg2.InterfaceError)
# Transient failures of one step (counted on the job row) before the job ends FAILED.
MAX_RETRIES = 6
DELETED_MESSAGE = "The document was deleted before processing finished."
# How long a step's commit waits for the document row before reading it unlocked (see document_still_live).
DOCUMENT_LOCK_WAIT = "3s"
# How often a message that arrives before its job row is visible looks again (about a minute).
MISSING_ROW_RETRIES = 8
# The longest countdown any retry uses; celeryconfig checks the visibility timeout covers it.
MAX_COUNTDOWN = 600
# A short retry rides out a broker blip without holding an HTTP request for long.
SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}


@dataclass(frozen=True)
class Step:
    """One step of a job kind: its name (as the API shows it), what it runs, where and its weight."""
    name: str
    fn: Callable[["StepRun"], dict | None]
    queue: str = "default"
    weight: float = 1.0
    task: str = ""          # the Celery task name; Pipeline fills it in from its pattern
    # Whether this job needs the step's own queue (asked after the step before it committed, with
    # that step's StepRun); when it does not, the step runs in the same delivery. None: always.
    needs_queue: Callable[["StepRun"], bool] | None = None


@dataclass(frozen=True)
class Failures:
    """What a job of this kind tells its owner when it gives up."""
    crashed_code: str = "processing_crashed"
    crashed: str = "Processing stopped this file repeatedly; it may be damaged. Try another copy."
    unavailable: str = "A service CaseOS depends on stayed unavailable; use reprocess to try again."
    internal: str = ("CaseOS could not process this file because of an internal error; it has been logged. "
                     "Try reprocess later.")


@dataclass(frozen=True)
class Pipeline:
    """A job kind: its steps in order, the task name pattern, and what its messages carry."""
    kind: str
    task: str                             # "documents.{step}" (one task per step) or "forms.fill"
    steps: tuple[Step, ...]
    with_document: bool = False           # messages carry (document_id, job_id); the document must live
    lease_seconds: int | None = None      # None: the configured JOB_LEASE_SECONDS
    failures: Failures = Failures()

    def __post_init__(self):
        named = tuple(dataclasses.replace(s, task=self.task.format(step=s.name)) for s in self.steps)
        object.__setattr__(self, "steps", named)

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def has_step(self, name: str | None) -> bool:
        return any(s.name == name for s in self.steps)

    def progress_before(self, name: str) -> float:
        total = 0.0
        for s in self.steps:
            if s.name == name:
                break
            total += s.weight
        return total

    def message_args(self, job_id, document_id=None) -> tuple:
        return (document_id, job_id) if self.with_document else (job_id,)


@dataclass
class StepRun:
    """What a step function gets: the claimed job, its document (if any) and this delivery's scratch.

    job_id and document_id are plain values: after a rollback the job row object would reload
    from the database, which may be the dependency that just failed."""
    job: Job
    job_id: uuid.UUID
    step: str
    attempt: int
    lease_seconds: int
    progress: tuple[float, float] = (0.0, 1.0)  # the job's progress before this step, and the step's share
    document_id: uuid.UUID | None = None
    doc: Document | None = None
    transient_failures: int = 0           # earlier transient failures of this step
    scratch: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    carry: dict = field(default_factory=dict)  # handed to the next step when it runs in this delivery


# --- the table, registered by create_app() -----------------------------------------------------

_PIPELINES: dict[str, Pipeline] = {}


def register(pipelines: dict[str, Pipeline]):
    _PIPELINES.update(pipelines)


def pipeline(kind: str) -> Pipeline:
    return _PIPELINES[kind]


def step_names(kind: str) -> list[str]:
    """The steps a new job of this kind starts with (jobs.create)."""
    return [s.name for s in _PIPELINES[kind].steps]


def lease_seconds() -> int:
    return runtime.current().config.JOB_LEASE_SECONDS


# --- sending -------------------------------------------------------------------------------------

def send(task_name: str, *args, job_id=None) -> bool:
    """Send one message (ids only); False (logged) if the broker is unreachable: the sweeper retries.
    While Redis is known to be down (its circuit breaker is open) a Redis broker is not waited for."""
    rt = runtime.current()
    on_redis = str(rt.config.CELERY_BROKER_URL or "").startswith(("redis", "rediss"))
    if on_redis and rt.redis_down:
        log.warning("enqueue skipped: Redis is down; the sweeper will send it",
                    extra={"task": task_name, "job_id": str(job_id) if job_id else None})
        return False
    try:
        celery.send_task(task_name, args=[str(a) for a in args], retry=True, retry_policy=SEND_RETRY_POLICY)
        return True
    except Exception as exc:
        if on_redis and is_timeout(exc):
            rt.redis_breaker.trip()
        log.warning("enqueue failed; the sweeper will retry",
                    extra={"task": task_name, "job_id": str(job_id) if job_id else None, "error": type(exc).__name__})
        return False


def send_step(job: Job, step: str) -> bool:
    p = _PIPELINES[job.kind]
    return send(p.step(step).task, *p.message_args(job.id, job.document_id), job_id=job.id)


def _sendable_step(job: Job) -> str | None:
    """The step to send this job to, or None: it has none left, or it is of a kind or at a step this
    release does not have (it waits for a release that knows it, or an operator, and never stops
    the sending of other jobs)."""
    step = jobs.next_step(job)
    if step is not None and (job.kind not in _PIPELINES or not _PIPELINES[job.kind].has_step(step)):
        log.warning("job at a step this release does not have",
                    extra={"job_id": str(job.id), "kind": job.kind, "step": step})
        return None
    return step


def start(job: Job) -> bool:
    """Send a new job's first message (after the commit that created it) and mark it sent; a job
    never marked is re-sent by the sweeper after a short grace period. A job of a fair kind waits
    for its organization's turn (app/platform/fairness.py): False while it waits."""
    job_id = job.id
    if job.kind in fairness.FAIR_KINDS:
        return job_id in admit(job.organization_id, job.kind)
    if not send_step(job, _PIPELINES[job.kind].steps[0].name):
        return False
    jobs.mark_enqueued(job_id)
    db.session.commit()
    return True


def admit(org_id, kind: str) -> list:
    """Send the organization's oldest jobs of this kind that wait for a turn, while it has room; their ids."""
    sent = []
    try:
        for job in fairness.waiting(org_id, kind, fairness.room(org_id, kind)):
            step = _sendable_step(job)
            if step is None:
                continue
            if not send_step(job, step):
                break  # the broker is unreachable: the sweeper admits them later
            jobs.mark_enqueued(job.id)
            sent.append(job.id)
        db.session.commit()
    except Exception as exc:  # the job row stays (the outbox): never fail the upload that was accepted
        _rollback()
        log.log(logging.WARNING if is_transient(exc) else logging.ERROR, "admission failed; the sweeper will admit",
                extra={"error": type(exc).__name__})  # the type only: a database error may quote a value
    return sent


def admit_after(job_id):
    """After a delivery: if it ended its job, the organization's next waiting job takes the turn."""
    try:
        _rollback()
        row = db.session.execute(sa.select(Job.organization_id, Job.kind, Job.status)
                                 .where(Job.id == uuid.UUID(str(job_id)))).first()
        _rollback()
        if row is not None and row.status in ("SUCCEEDED", "FAILED", "CANCELLED") and row.kind in fairness.FAIR_KINDS:
            admit(row.organization_id, row.kind)
    except Exception as exc:  # never mask the delivery's own outcome; the sweeper admits later
        _rollback()
        log.warning("admission after a job failed", extra={"job_id": str(job_id), "error": type(exc).__name__})


def requeue_stale(idle_seconds: int | None = None, grace_seconds: int | None = None) -> int:
    """The outbox sweep: every accepted job reaches a worker even if its message was lost.

    Sending a job twice is harmless (a step runs only for the delivery that claims its lease);
    each job is sent at most once per idle period."""
    count = 0
    for job in jobs.stale(idle_seconds, grace_seconds):
        step = _sendable_step(job)
        if step is None:
            job.updated_at = utcnow()  # it must not starve the others
            continue
        if not send_step(job, step):
            break  # the broker is unreachable: the rest would wait out the same retries; next sweep
        count += 1
        job.enqueued_at = job.updated_at = utcnow()
    db.session.commit()
    grace = grace_seconds if grace_seconds is not None else jobs.enqueue_grace_seconds()
    for org_id, kind in fairness.backlogs(utcnow() - timedelta(seconds=grace)):
        count += len(admit(org_id, kind))
    if count:
        log.info("requeued stale jobs", extra={"count": count})
    return count


# --- Celery tasks, generated from the table -----------------------------------------------------

def make_tasks(celery_app, pipelines: dict[str, Pipeline]) -> dict:
    """One Celery task per task name in the table (ids in, JSON only, acked after the work)."""
    tasks = {}
    for p in pipelines.values():
        for s in p.steps:
            if s.task not in tasks:
                tasks[s.task] = celery_app.task(name=s.task, bind=True, acks_late=True, reject_on_worker_lost=True,
                                                 max_retries=None)(_entry(p, s.task))
    return tasks


def _entry(p: Pipeline, task_name: str):
    def run(self, *ids):
        try:
            return run_delivery(self, _PIPELINES[p.kind], task_name, ids[-1])
        finally:
            admit_after(ids[-1])
    run.__name__ = re.sub(r"\W", "_", task_name)  # Celery builds a signature from it: an identifier
    run.__doc__ = f"{p.kind}: steps {', '.join(s.name for s in p.steps if s.task == task_name)}"
    return run


# --- the runner --------------------------------------------------------------------------------

def run_delivery(task, p: Pipeline, task_name: str, job_id) -> str:
    """Run the step this message stands for (or, when it is done, the job's next one: _resume), and
    the following ones that run here (_runs_here)."""
    job_id = uuid.UUID(str(job_id))  # messages carry strings; SQLite's UUID type needs UUIDs
    try:
        step = _step_for(p, task_name, job_id)
    except Exception as exc:
        _rollback()
        if not is_transient(exc):
            raise
        raise task.retry(exc=exc, countdown=backoff(task.request.retries), max_retries=None) from None
    carry: dict = {}
    with contextlib.ExitStack() as scratch:
        outcome, nxt = _run_step(task, p, step, job_id, scratch, carry, origin=step)
        while outcome == "resume":  # each resumption is a later step: this ends
            outcome, nxt = _run_step(task, p, nxt, job_id, scratch, carry, origin=step)
        while outcome == "done" and nxt is not None:
            # runs here (see _runs_here): now, with what the steps before it left in scratch and carry,
            # usually claimed already by the commit of the step before it (Handoff)
            later, nxt = _run_step(task, p, nxt, job_id, scratch, carry, origin=step, first=False)
            if later != "noop":
                outcome = later
        return outcome


@dataclass
class Handoff:
    """The next step, when the commit that finished a step also claimed it for this delivery
    (jobs.claim_next: one commit between two steps instead of three)."""
    step: str | None = None
    attempt: int = 0
    job: Job | None = None


def _step_for(p: Pipeline, task_name: str, job_id) -> str:
    names = [s.name for s in p.steps if s.task == task_name]
    if len(names) == 1:
        return names[0]
    job = db.session.get(Job, job_id, populate_existing=True)
    nxt = jobs.next_step(job) if job is not None else None
    db.session.rollback()
    return nxt if nxt in names else names[0]


def _run_step(task, p: Pipeline, step: str, job_id, scratch, carry, origin: str,
              first: bool = True) -> tuple[str, str | None]:
    """Claim and run one step. origin: the step this delivery's message stands for. first: the
    delivery's own step (not claimable: retried or resumed as the outcome says); a later one that is
    not claimable belongs to another delivery, so this one just stops."""
    lease = p.lease_seconds or lease_seconds()
    handoff = carry.pop(_HANDOFF, None)
    try:
        if handoff is not None and handoff.step == step:
            claimed = jobs.ClaimResult(handoff.job, "claimed", attempt=handoff.attempt)
        else:
            claimed = jobs.claim_step(job_id, step, lease)
    except Exception as exc:
        _rollback()
        if not is_transient(exc):
            raise
        # The database is unreachable: nothing was claimed; look again later, never drop the message.
        log.warning("claim failed; retrying", extra={"step": step, "job_id": job_id, "error": type(exc).__name__})
        raise task.retry(exc=exc, countdown=backoff(task.request.retries), max_retries=None) from None
    if claimed.job is None:
        if not first:
            return "noop", None
        if claimed.outcome == "done":
            return _resume(task, p, step, job_id)
        return _not_claimed(task, claimed, step, job_id), None
    # The claim committed: the job row reloads on first use, inside the runner's error handling.
    run = StepRun(claimed.job, job_id, step, claimed.attempt, lease, (p.progress_before(step), p.step(step).weight),
                  scratch=scratch, carry=carry)
    keeper = jobs.LeaseKeeper(job_id, step, claimed.attempt, lease).start()
    hold = SigtermHold()
    try:
        return _run_claimed(task, p, run, hold, origin)
    finally:
        if hold.pending and _HANDOFF in carry:  # stopping: the next step must not wait out its lease
            _hand_back(job_id, carry.pop(_HANDOFF))
        hold.release()
        keeper.stop()


_HANDOFF = "_engine_handoff"  # carry's key for the Handoff (the step functions never see it set)


def _hand_back(job_id, handoff: Handoff) -> None:
    try:
        jobs.hand_back(job_id, handoff.step, handoff.attempt)
        db.session.commit()
    except Exception as exc:  # its lease lapses instead, and the sweeper or the redelivery goes on
        _rollback()
        log.warning("could not hand back the next step", extra={"job_id": job_id, "error": type(exc).__name__})


def _not_claimed(task, claimed: jobs.ClaimResult, step: str, job_id) -> str:
    if claimed.outcome == "missing":
        # The message overtook the commit that creates the job (or a replica lags): look again.
        if task.request.retries < MISSING_ROW_RETRIES:
            raise task.retry(countdown=min(0.5 * 2 ** task.request.retries, 30), max_retries=None)
        log.warning("job row never appeared; message dropped", extra={"step": step, "job_id": job_id})
        return "missing"
    if claimed.outcome == "busy":
        # Another delivery holds the lease (or a killed worker did): look again when it lapses.
        # The holder renews it while it lives, so this stays a no-op for a live duplicate.
        raise task.retry(countdown=min(claimed.remaining + 1, MAX_COUNTDOWN), max_retries=None)
    return "noop"  # final, already done, or not this step's turn


def _resume(task, p: Pipeline, step: str, job_id) -> tuple[str, str | None]:
    """This message's step is done: the job goes on from its next step if nobody is running it (the
    delivery that ran the steps after this one in-process died half-way through, and the broker
    delivered its message again). Served here: ("resume", next step). On another queue: its message
    is sent. Held by a lease: this message looks again when the lease lapses (a live holder renews
    it, so a duplicate of a running delivery stays a no-op)."""
    job = db.session.get(Job, job_id, populate_existing=True)
    names = [s.name for s in p.steps]
    nxt = jobs.next_step(job) if job is not None and job.status not in jobs.FINAL_JOB_STATUSES else None
    document_id = job.document_id if job is not None else None
    held = jobs.lease_remaining(job_id) if nxt is not None else None
    _rollback()
    if nxt is None or names.index(nxt) <= names.index(step):
        return "noop", None
    if held:
        raise task.retry(countdown=min(held + 1, MAX_COUNTDOWN), max_retries=None)
    if _shares_delivery(p, step, nxt):
        return "resume", nxt
    there = p.step(nxt)
    send(there.task, *p.message_args(job_id, document_id), job_id=job_id)
    return "noop", None


def _shares_delivery(p: Pipeline, step: str, nxt: str) -> bool:
    """The next step is served by the task or the queue of the message being run."""
    here, there = p.step(step), p.step(nxt)
    return there.task == here.task or there.queue == here.queue


def _runs_here(p: Pipeline, origin: str, nxt: str, run: StepRun) -> bool:
    """Whether the next step runs in this delivery: it is served by the task or the queue of the
    message being run, or this job does not need its queue (asked in the transaction that finishes
    the step before it, in a savepoint; if the question fails, the step goes to its queue)."""
    if _shares_delivery(p, origin, nxt):
        return True
    there = p.step(nxt)
    if there.needs_queue is None:
        return False
    try:
        with db.session.begin_nested():
            return not there.needs_queue(run)
    except Exception as exc:
        log.warning("could not tell where the next step runs; it goes to its queue",
                    extra={"step": nxt, "job_id": run.job_id, "error": type(exc).__name__})
        return False


def _run_claimed(task, p: Pipeline, run: StepRun, hold: "SigtermHold", origin: str) -> tuple[str, str | None]:
    job, step, job_id = run.job, run.step, run.job_id
    try:
        run.document_id, run.transient_failures = job.document_id, jobs.transient_failures(job, step)
        run.doc = db.session.get(Document, run.document_id) if run.document_id else None
        refusal = _refusal(p, run)
        if refusal:
            db.session.commit()
            return refusal, None
        log.info("step start", extra={"step": step, "job_id": job_id, "document_id": run.document_id})
        result = p.step(step).fn(run)
        hold.start()  # from here to the hand-on below, a SIGTERM waits (see SigtermHold)
        # Commit the step's results only if this attempt still owns the step (fencing).
        if not jobs.holds_lease(job_id, step, run.attempt):
            raise jobs.LeaseLost(f"job {job_id} step {step} attempt {run.attempt}")
        if p.with_document and not document_still_live(run.document_id):
            raise JobFailed("document_deleted", DELETED_MESSAGE)
        nxt = jobs.next_step(job, after=step)
        here = nxt is not None and _runs_here(p, origin, nxt, run)
        handoff = None
        if here and not hold.pending:  # the next step runs in this delivery: claim it in this commit
            handoff = Handoff(nxt, jobs.claim_next(job, nxt, run.lease_seconds), job)
        jobs.finish_step(job, step, sum(run.progress), jobs.seal_result(job, result))
        if nxt is None:
            jobs.succeed(job)
        db.session.commit()
        if handoff is not None:
            run.carry[_HANDOFF] = handoff
    except jobs.LeaseLost:
        _rollback()
        log.warning("step superseded: another attempt owns it", extra={"step": step, "job_id": job_id})
        return "superseded", None
    except JobFailed as exc:
        _rollback()
        record_failure(job_id, step, run.attempt, exc.code, exc.message)
        return "failed", None
    except Retry:
        raise
    except Exception as exc:
        _rollback()
        if not is_transient(exc):
            record_failure(job_id, step, run.attempt, "internal_error", p.failures.internal)
            raise  # the queue and the logs must see a bug
        return _retry_transient(task, p, run, exc)
    log.info("step done", extra={"step": step, "job_id": job_id})
    if nxt is None or here:
        return "done", nxt
    # Ids captured before the commit: the hand-on needs no database (the sweeper covers a failed send).
    send(p.step(nxt).task, *p.message_args(job_id, run.document_id), job_id=job_id)
    return "done", None


def _refusal(p: Pipeline, run: StepRun) -> str | None:
    """Why this claimed step must not run (the job is ended FAILED), or None."""
    job, step = run.job, run.step
    if p.with_document and (run.doc is None or run.doc.deleted_at is not None):
        fail_job(job, run.doc, "document_deleted", DELETED_MESSAGE, step)
        return "deleted"
    if jobs.crashed_attempts(job, step) >= jobs.MAX_STEP_ATTEMPTS:
        fail_job(job, run.doc, p.failures.crashed_code, p.failures.crashed, step)
        return "gave_up"
    if jobs.step_attempts(job, step) > jobs.MAX_TOTAL_ATTEMPTS:
        fail_job(job, run.doc, "temporarily_unavailable", p.failures.unavailable, step)
        return "gave_up"
    return None


def _retry_transient(task, p: Pipeline, run: StepRun, exc: Exception) -> tuple[str, None]:
    failures = _note_transient(p, run)
    if failures is not None and failures >= MAX_RETRIES:
        return "failed", None  # the job is FAILED (temporarily_unavailable)
    n = failures - 1 if failures is not None else task.request.retries
    countdown = getattr(exc, "retry_after", None) or backoff(n)
    log.warning("step transient failure", extra={"step": run.step, "job_id": run.job_id,
                                                 "error": type(exc).__name__})
    raise task.retry(exc=exc, countdown=min(countdown, MAX_COUNTDOWN), max_retries=None) from None


def backoff(earlier_failures: int) -> float:
    """Seconds before a retry: 1, 2, 4 ... (capped at 5 minutes), jittered by +-50%."""
    return min(300, 2 ** min(earlier_failures, 10)) * (0.5 + random.random())


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError):
        # "connection already closed" after a database restart; not a bad statement.
        return bool(exc.connection_invalidated) or isinstance(exc, InterfaceError)
    return isinstance(exc, TRANSIENT)


def _rollback():
    try:
        db.session.rollback()
    except Exception:
        pass


def _note_transient(p: Pipeline, run: StepRun) -> int | None:
    """Release the step for its retry (only if we own it), or end the job FAILED once the step
    failed transiently MAX_RETRIES times; the count, or None when the database cannot say."""
    try:
        if not jobs.holds_lease(run.job_id, run.step, run.attempt):
            _rollback()
            return None
        job = db.session.get(Job, run.job_id, populate_existing=True)
        n = jobs.note_transient_failure(job, run.step)
        if n >= MAX_RETRIES:
            doc = db.session.get(Document, job.document_id, populate_existing=True) if job.document_id else None
            fail_job(job, doc, "temporarily_unavailable", p.failures.unavailable, run.step)
        db.session.commit()
        return n
    except Exception:
        _rollback()
        return None


def document_still_live(document_id) -> bool:
    """Lock the document row until this transaction ends, and say whether it is still there.

    A deletion locks the same row before it erases pages (documents.delete), so a step's results
    commit either before the deletion (which then erases them) or not at all.
    A frozen worker whose step is being taken over may hold that row in its open transaction: the wait
    is bounded (DOCUMENT_LOCK_WAIT), then the row is read without the lock, so recovery never stalls
    behind a process that will be refused at its own commit."""
    query = sa.select(Document.deleted_at).where(Document.id == document_id)
    if db.session.get_bind().dialect.name == "postgresql":
        try:
            with db.session.begin_nested():
                db.session.execute(sa.text(f"SET LOCAL lock_timeout = '{DOCUMENT_LOCK_WAIT}'"))
                deleted = db.session.execute(query.with_for_update()).first()
                db.session.execute(sa.text("SET LOCAL lock_timeout = DEFAULT"))
            return deleted is not None and deleted[0] is None
        except OperationalError as exc:
            if getattr(exc.orig, "pgcode", None) != "55P03":    # lock_not_available
                raise
            db.session.execute(sa.text("SET LOCAL lock_timeout = DEFAULT"))
    deleted = db.session.execute(query).first()
    return deleted is not None and deleted[0] is None


def fail_job(job: Job, doc: Document | None, code: str, message: str, step: str | None):
    """End the job FAILED, and its document with it unless the document was already processed."""
    if doc is not None and doc.status != "PROCESSED":
        doc.status, doc.error_code, doc.error_message = "FAILED", code, message[:500]
    jobs.fail(job, code, message, step)


def record_failure(job_id, step: str, attempt: int, code: str, message: str):
    """End the job FAILED, unless another attempt took the step over meanwhile."""
    try:
        job = db.session.get(Job, job_id, populate_existing=True)
        if job is None:
            return
        if not jobs.holds_lease(job_id, step, attempt):
            _rollback()
            return
        doc = db.session.get(Document, job.document_id, populate_existing=True) if job.document_id else None
        fail_job(job, doc, code, message, step)
        db.session.commit()
    except Exception:
        _rollback()
        log.exception("could not record failure", extra={"job_id": job_id})


class SigtermHold:
    """Holds SIGTERM back from start() to release(), then lets it act.

    A step commits its results and then enqueues the next step; a process killed between the two
    leaves the job waiting for the sweeper. When SIGTERM reaches every process of a worker at once
    (systemd's control-group kill, a container stop), the pool process finishes that short window
    first and dies right after. Only the main thread can install handlers; elsewhere a no-op."""

    def __init__(self):
        self._active, self._old, self._pending = False, None, False

    def start(self):
        if not self._active and threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._note)
            self._active = True

    def _note(self, _signum, _frame):
        self._pending = True

    @property
    def pending(self) -> bool:
        """A SIGTERM arrived while held: the process stops as soon as the hold ends."""
        return self._pending

    def release(self):
        if not self._active:
            return
        self._active = False
        # None: a handler installed outside Python; the default action is the closest equivalent.
        signal.signal(signal.SIGTERM, self._old if self._old is not None else signal.SIG_DFL)
        if self._pending:
            os.kill(os.getpid(), signal.SIGTERM)
