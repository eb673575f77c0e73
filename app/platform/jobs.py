"""Durable jobs: the database row is the truth about progress; every change is an event.

A step is *claimed* with a conditional UPDATE on the job's lease, so a message delivered
twice (or fifty times at once) runs the step once; a lease that expires (a killed worker)
lets the step be claimed again. Statuses only move forward.

The step's attempt number is the claim's fencing token: a process that lost its lease (it
was frozen, or cut from the database, for longer than the lease) finds another attempt
number on the row and may neither extend the lease nor commit its results (`LeaseLost`).
"""
from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from app.models.job import FINAL_JOB_STATUSES
from app.platform import crypto, events, fairness, runtime
from app.models import Document
from app.platform.errors import NotFound

log = logging.getLogger(__name__)

# Attempts of one step that ended without finishing or reporting a transient failure (a
# killed process) before the step gives up with processing_crashed.
MAX_STEP_ATTEMPTS = 3
# Hard cap on claims of one step, whatever their outcome (transient failures included).
MAX_TOTAL_ATTEMPTS = 20


class LeaseLost(Exception):
    """This process no longer holds the job's lease for the step: another attempt took it over."""


# Kinds whose result may quote document text (a research answer): stored sealed like page text,
# opened only for GET /jobs; events (a stored log) and streams carry the status without it.
SEALED_RESULT_KINDS = ("research",)


def result_aad(job: Job) -> bytes:
    return crypto.make_aad(job.organization_id, job.id, "job-result")


def seal_result(job: Job, result: dict) -> dict:
    """The result to store for this job: sealed (AES-GCM, own data key) for SEALED_RESULT_KINDS."""
    if job.kind not in SEALED_RESULT_KINDS or not result:
        return result
    blob = crypto.seal_bytes(runtime.current().keyring, json.dumps(result, ensure_ascii=False).encode(),
                             result_aad(job))
    return {"sealed": base64.b64encode(blob).decode()}


# Kinds whose parameters are what a person typed (a research topic, a form's field values): stored
# sealed; the job's steps read them with params_of().
SEALED_PARAMS_KINDS = ("research", "form.fill")


def params_aad(job: Job) -> bytes:
    return crypto.make_aad(job.organization_id, job.id, "job-params")


def _seal_params(job: Job) -> None:
    if job.kind in SEALED_PARAMS_KINDS and job.params:
        blob = crypto.seal_bytes(runtime.current().keyring, json.dumps(job.params, ensure_ascii=False).encode(),
                                 params_aad(job))
        job.params = {"sealed": base64.b64encode(blob).decode()}


def _params_blob(job: Job) -> bytes | None:
    if job.kind in SEALED_PARAMS_KINDS and isinstance(job.params, dict) and set(job.params) == {"sealed"}:
        return base64.b64decode(job.params["sealed"])
    return None


def params_of(job: Job) -> dict:
    """The job's parameters as its step reads them (sealed ones opened; plaintext from an older release)."""
    blob = _params_blob(job)
    if blob is None:
        return job.params or {}
    return json.loads(crypto.open_bytes(runtime.current().keyring, blob, params_aad(job)))


def sealed_blob(job: Job) -> bytes | None:
    if job.kind in SEALED_RESULT_KINDS and isinstance(job.result, dict) and "sealed" in job.result:
        return base64.b64decode(job.result["sealed"])
    return None


def result_of(job: Job) -> dict | None:
    """The job's result as its owner reads it (a sealed result opened)."""
    blob = sealed_blob(job)
    if blob is None:
        return job.result
    return json.loads(crypto.open_bytes(runtime.current().keyring, blob, result_aad(job)))


def rewrap_job_results(keyring: crypto.Keyring, batch_size: int = 500) -> dict:
    """Key rotation: re-wrap the data key of every sealed job result (research answers)."""
    n = 0
    rows = db.session.execute(sa.select(Job).where(Job.kind.in_(SEALED_RESULT_KINDS), Job.result.is_not(None))
                              .execution_options(yield_per=batch_size)).scalars()
    for job in rows:
        blob = sealed_blob(job)
        if blob is not None and crypto.blob_key_id(blob) != keyring.current_key_id:
            job.result = {"sealed": base64.b64encode(crypto.rewrap_blob(keyring, blob, result_aad(job))).decode()}
            n += 1
    p = 0
    rows = db.session.execute(sa.select(Job).where(Job.kind.in_(SEALED_PARAMS_KINDS), Job.params.is_not(None))
                              .execution_options(yield_per=batch_size)).scalars()
    for job in rows:
        blob = _params_blob(job)
        if blob is None:  # written in plaintext by an older release
            _seal_params(job)
            p += 1
        elif crypto.blob_key_id(blob) != keyring.current_key_id:
            job.params = {"sealed": base64.b64encode(crypto.rewrap_blob(keyring, blob, params_aad(job))).decode()}
            p += 1
    return {"job_results": n, "job_params": p}


def results_under_old_key(keyring: crypto.Keyring) -> int:
    """Sealed job results still under an old master key."""
    rows = db.session.execute(sa.select(Job).where(Job.kind.in_(SEALED_RESULT_KINDS), Job.result.is_not(None))).scalars()
    n = sum(1 for job in rows if (blob := sealed_blob(job)) is not None
            and crypto.blob_key_id(blob) != keyring.current_key_id)
    rows = db.session.execute(sa.select(Job).where(Job.kind.in_(SEALED_PARAMS_KINDS), Job.params.is_not(None))).scalars()
    return n + sum(1 for job in rows if job.params and ((blob := _params_blob(job)) is None
                                                        or crypto.blob_key_id(blob) != keyring.current_key_id))


def snapshot(job: Job) -> dict:
    result = None if sealed_blob(job) is not None else job.result
    return {"id": str(job.id), "kind": job.kind, "status": job.status, "progress": round(job.progress or 0, 4),
            "steps": job.steps, "error": job.error, "result": result, "document_id": str(job.document_id)
            if job.document_id else None, "created_at": job.created_at.isoformat(),
            "updated_at": (job.updated_at or job.created_at).isoformat()}


def _touch(job: Job):
    job.updated_at = utcnow()
    db.session.flush()
    events.emit(job.organization_id, "job", snapshot(job), job_id=job.id, user_id=job.user_id)


def create(*, organization_id, user_id, kind: str, steps: list[str], document_id=None, case_id=None,
           params=None, idempotency_key=None) -> Job:
    """A new job, or the existing one for the same request: the same idempotency key (a unique
    constraint), or for a document an active job of the same kind (serialized on the document row,
    so fifty concurrent "reprocess" clicks make one job)."""
    if document_id is not None:
        existing = _active_job_for_document(document_id, kind)
        if existing is not None:
            return existing
    job = Job(id=uuid.uuid4(), organization_id=organization_id, user_id=user_id, kind=kind, status="QUEUED",
              progress=0.0, steps=[{"name": s, "status": "pending", "started_at": None, "finished_at": None,
                                    "attempts": 0} for s in steps],
              document_id=document_id, case_id=case_id, params=params, idempotency_key=idempotency_key,
              created_at=utcnow(), updated_at=utcnow())
    _seal_params(job)
    try:
        with db.session.begin_nested():
            db.session.add(job)
            db.session.flush()
    except IntegrityError:
        if job in db.session:  # still pending in the outer transaction: it would be inserted again
            db.session.expunge(job)
        existing = db.session.execute(sa.select(Job).where(Job.idempotency_key == idempotency_key)).scalar_one()
        return existing
    events.emit(organization_id, "job", snapshot(job), job_id=job.id, user_id=user_id)
    return job


def _active_job_for_document(document_id, kind: str) -> Job | None:
    # Lock the document row until the caller commits: a concurrent create for the same document
    # waits here, then sees this transaction's job.
    db.session.execute(sa.select(Document.id).where(Document.id == document_id).with_for_update())
    return db.session.execute(sa.select(Job).where(
        Job.document_id == document_id, Job.kind == kind, Job.status.in_(("QUEUED", "RUNNING")))
        .order_by(Job.created_at.desc()).limit(1)).scalar_one_or_none()


def mark_enqueued(job_id):
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(enqueued_at=utcnow()))


@dataclass
class ClaimResult:
    """What a delivery of a step found: the job claimed (with its fencing attempt) or why not."""
    job: Job | None
    outcome: str              # claimed | missing | final | done | not_next | busy
    attempt: int = 0
    remaining: float = 0.0    # busy: seconds until the holder's lease lapses


def claim_step(job_id, step: str, lease_seconds: int) -> ClaimResult:
    """Take the job's lease for one step if this step is the job's next one and nobody holds it."""
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None:
        db.session.rollback()
        return ClaimResult(None, "missing")
    outcome = _unclaimable(job, step)
    if outcome:
        db.session.rollback()
        return ClaimResult(None, outcome)
    now = utcnow()
    res = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status.in_(("QUEUED", "RUNNING")),
                             sa.or_(Job.lease_until.is_(None), Job.lease_until < now))
        .values(lease_until=now + timedelta(seconds=lease_seconds), status="RUNNING",
                started_at=sa.func.coalesce(Job.started_at, now))
        .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        db.session.commit()
        job = db.session.get(Job, job_id, populate_existing=True)
        if job is None or job.status in FINAL_JOB_STATUSES:
            return ClaimResult(None, "final")
        remaining = 0.0 if job.lease_until is None else max(0.0, (job.lease_until - utcnow()).total_seconds())
        return ClaimResult(None, "busy", remaining=remaining)
    # The lease is ours and the row stays locked until the commit below (one commit per claim).
    job = db.session.get(Job, job_id, populate_existing=True)
    outcome = _unclaimable(job, step)
    if outcome:  # the step finished between our look and our claim
        release(job)
        db.session.commit()
        return ClaimResult(None, outcome)
    attempt = _start_step(job, step, now)
    _touch(job)
    db.session.commit()
    return ClaimResult(job, "claimed", attempt=attempt)


def claim_next(job: Job, step: str, lease_seconds: int) -> int:
    """Claim the job's next step in the transaction that finishes the step before it, for the
    delivery that runs it next (the caller holds the row locked: holds_lease); the fencing attempt.
    Call before finish_step, whose event then shows both."""
    now = utcnow()
    attempt = _start_step(job, step, now)
    job.lease_until = now + timedelta(seconds=lease_seconds)
    return attempt


def hand_back(job_id, step: str, attempt: int) -> None:
    """Undo claim_next for a step that never started (its process is stopping): the step is pending
    and unleased again, and the claim does not count as an attempt. The caller commits."""
    if not holds_lease(job_id, step, attempt):
        return
    job = db.session.get(Job, job_id, populate_existing=True)
    st = _step(job, step)
    st["attempts"], st["status"], st["started_at"] = attempt - 1, "pending", None
    flag_modified(job, "steps")
    job.attempts = max(0, job.attempts - 1)
    release(job)
    _touch(job)


def _start_step(job: Job, step: str, now) -> int:
    st = _step(job, step)
    st["attempts"] = st.get("attempts", 0) + 1
    st["status"], st["started_at"], st["finished_at"] = "running", now.isoformat(), None
    job.attempts += 1
    flag_modified(job, "steps")
    job._lease_step, job._lease_attempt = step, st["attempts"]
    return st["attempts"]


def job_idle_seconds() -> int:
    """A job with no lease and no change for this long lost its message (worker killed with the
    message reserved, broker restarted without persistence): the sweeper sends it again."""
    return runtime.current().config.JOB_IDLE_SECONDS


def enqueue_grace_seconds() -> int:
    """A job never marked enqueued this long after its creation lost its enqueue (the API died
    between its commit and the enqueue, or the broker was down): it is sent at once, without
    waiting the whole idle time."""
    return runtime.current().config.JOB_ENQUEUE_GRACE_SECONDS


def stale(idle_seconds: int | None = None, grace_seconds: int | None = None, limit: int = 500) -> list[Job]:
    """Jobs not final whose message was never sent, whose worker died, or that sit between steps.
    (A job of a fair kind never sent waits for its organization's turn: fairness.py and engine.admit.)"""
    now = utcnow()
    idle = now - timedelta(seconds=idle_seconds if idle_seconds is not None else job_idle_seconds())
    grace = now - timedelta(seconds=grace_seconds if grace_seconds is not None else enqueue_grace_seconds())
    return db.session.execute(sa.select(Job).where(
        Job.status.in_(("QUEUED", "RUNNING")), sa.not_(fairness.never_sent()),
        sa.or_(
            sa.and_(Job.lease_until.is_not(None), Job.lease_until < now),
            sa.and_(Job.lease_until.is_(None), Job.updated_at < idle),
            sa.and_(Job.lease_until.is_(None), Job.enqueued_at.is_(None), Job.created_at < grace),
        )).order_by(Job.updated_at).limit(limit)).scalars().all()


def _unclaimable(job: Job, step: str) -> str | None:
    if job.status in FINAL_JOB_STATUSES:
        return "final"
    st = _step(job, step)
    if st is None or st["status"] in ("done", "skipped"):
        return "done"
    if next_step(job) != step:
        return "not_next"  # an early or stale message: steps run in order, each when its turn comes
    return None


def claim(job_id, step: str, lease_seconds: int) -> Job | None:
    """Take the job's lease for one step; None when another worker holds it or the step is done."""
    return claim_step(job_id, step, lease_seconds).job


def lease_remaining(job_id) -> float | None:
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.status in FINAL_JOB_STATUSES or job.lease_until is None:
        return None
    return max(0.0, (job.lease_until - utcnow()).total_seconds())


def _owner_clause(job_id):
    return sa.select(Job.status, Job.steps).where(Job.id == job_id).with_for_update()


def _owns(status, steps, step: str, attempt: int) -> bool:
    if status != "RUNNING":
        return False
    st = next((s for s in (steps or []) if s["name"] == step), None)
    return st is not None and st["status"] == "running" and st.get("attempts", 0) == attempt


def holds_lease(job_id, step: str, attempt: int) -> bool:
    """Lock the job row (until the caller's commit) and say whether this attempt still owns the step.

    Called right before a step commits its results: only the current owner may commit them."""
    row = db.session.execute(_owner_clause(job_id)).first()
    return row is not None and _owns(row.status, row.steps, step, attempt)


def heartbeat(job: Job, lease_seconds: int, progress: float | None = None):
    """Extend the lease during long work and report progress (the caller commits).

    Raises LeaseLost when another attempt took the step over: the caller must stop, and must not
    commit (its late writes would move progress or status backwards)."""
    step, attempt = getattr(job, "_lease_step", None), getattr(job, "_lease_attempt", None)
    if step is not None and not holds_lease(job.id, step, attempt):
        raise LeaseLost(f"job {job.id} step {step} attempt {attempt}")
    job.lease_until = utcnow() + timedelta(seconds=lease_seconds)
    if progress is not None and progress > (job.progress or 0):
        job.progress = min(progress, 0.99)
        _touch(job)


class LeaseKeeper:
    """Keeps a claimed step's lease alive from a background thread while the step runs.

    The lease is short so a dead worker's job is taken over quickly; a live worker renews it
    every lease/3 seconds, on its own connection, so a step may run far longer than the lease
    (up to the task time limit) without a second delivery or the sweeper running it again.
    It stops by itself when the attempt no longer owns the step."""

    def __init__(self, job_id, step: str, attempt: int, lease_seconds: int):
        self.job_id, self.step, self.attempt, self.lease_seconds = job_id, step, attempt, lease_seconds
        self.engine = db.engine
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def start(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self):
        interval = max(0.2, self.lease_seconds / 3.0)
        while not self._stop.wait(interval):
            try:
                if not self.renew():
                    self.lost = True
                    return
            except Exception as exc:  # the database may be down for a moment; try again next time
                log.warning("lease renewal failed", extra={"job_id": str(self.job_id), "error": type(exc).__name__})

    def renew(self) -> bool:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
            row = conn.execute(_owner_clause(self.job_id)).first()
            if row is None or not _owns(row.status, row.steps, self.step, self.attempt):
                return False
            conn.execute(sa.update(Job).where(Job.id == self.job_id)
                         .values(lease_until=utcnow() + timedelta(seconds=self.lease_seconds)))
        return True


def release(job: Job):
    job.lease_until = None


def finish_step(job: Job, step: str, progress: float | None = None, result: dict | None = None):
    """Mark the step done and release its lease (unless claim_next already leased the next step)."""
    st = _step(job, step)
    st["status"], st["finished_at"] = "done", utcnow().isoformat()
    flag_modified(job, "steps")
    if progress is not None:
        job.progress = max(job.progress or 0, progress)
    if result:
        job.result = {**(job.result or {}), **result}
    if getattr(job, "_lease_step", None) in (None, step):
        release(job)
    _touch(job)


def skip_step(job: Job, step: str):
    st = _step(job, step)
    st["status"], st["finished_at"] = "skipped", utcnow().isoformat()
    flag_modified(job, "steps")


def succeed(job: Job, result: dict | None = None):
    if job.status in FINAL_JOB_STATUSES:
        return
    job.status, job.progress, job.finished_at = "SUCCEEDED", 1.0, utcnow()
    if result:
        job.result = {**(job.result or {}), **result}
    release(job)
    _touch(job)


def fail(job: Job, code: str, message: str, step: str | None = None):
    if job.status in FINAL_JOB_STATUSES:
        return
    if step:
        st = _step(job, step)
        if st:
            st["status"], st["finished_at"] = "failed", utcnow().isoformat()
            flag_modified(job, "steps")
    job.status, job.finished_at, job.error = "FAILED", utcnow(), {"code": code, "message": message}
    release(job)
    _touch(job)


def next_step(job: Job, after: str | None = None) -> str | None:
    """The job's first step not done or skipped (after: counting only the steps after that one)."""
    seen = after is None
    for st in job.steps:
        if not seen:
            seen = st["name"] == after
        elif st["status"] not in ("done", "skipped"):
            return st["name"]
    return None


def step_attempts(job: Job, step: str) -> int:
    st = _step(job, step)
    return st.get("attempts", 0) if st else 0


def transient_failures(job: Job, step: str) -> int:
    st = _step(job, step)
    return st.get("transient", 0) if st else 0


def crashed_attempts(job: Job, step: str) -> int:
    """Earlier attempts of the step (the current one excluded) that neither finished nor reported
    a transient failure: their process died (a poison file killing it, OOM, SIGKILL)."""
    return max(0, step_attempts(job, step) - 1 - transient_failures(job, step))


def note_transient_failure(job: Job, step: str) -> int:
    """Record that the current attempt ended on a transient error (it does not count as a crash),
    release the lease for the retry, and return how many transient failures the step had."""
    st = _step(job, step)
    st["transient"] = st.get("transient", 0) + 1
    st["status"] = "pending"
    flag_modified(job, "steps")
    release(job)
    return st["transient"]


def _step(job: Job, name: str) -> dict | None:
    return next((s for s in job.steps if s["name"] == name), None)


# --- visibility ------------------------------------------------------------------------------

def privileged_orgs(principal) -> list:
    """Organizations where the caller sees every job: its role there is OWNER or STAFF (granted by
    an OWNER). A user's self-declared user_type grants nothing."""
    return [org for org, role in principal.roles.items() if role in ("OWNER", "STAFF")]


def _visible_clause(principal):
    return sa.and_(Job.organization_id.in_(list(principal.roles)),
                   sa.or_(Job.user_id == principal.user.id, Job.organization_id.in_(privileged_orgs(principal))))


def get_visible(principal, job_id) -> Job:
    try:
        job_id = job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound("Job not found.") from None
    job = db.session.execute(sa.select(Job).where(Job.id == job_id, _visible_clause(principal))).scalar_one_or_none()
    if job is None:
        raise NotFound("Job not found.")
    return job


def list_visible(principal, *, status=None, kind=None, page=1, per_page=20):
    q = sa.select(Job).where(_visible_clause(principal), Job.organization_id == principal.org_id)
    if status:
        q = q.where(Job.status == status)
    if kind:
        q = q.where(Job.kind == kind)
    total = db.session.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar()
    items = db.session.execute(q.order_by(Job.created_at.desc(), Job.id).limit(per_page)
                               .offset((page - 1) * per_page)).scalars().all()
    return items, total


def list_visible_all_orgs(principal, *, active_only=False, limit=50):
    q = sa.select(Job).where(_visible_clause(principal))
    if active_only:
        q = q.where(Job.status.in_(("QUEUED", "RUNNING")))
    return db.session.execute(q.order_by(Job.created_at.desc()).limit(limit)).scalars().all()
