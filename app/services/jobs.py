"""Durable jobs: the database row is the truth about progress; every change is an event.

A step is *claimed* with a conditional UPDATE on the job's lease, so a message delivered
twice (or fifty times at once) runs the step once; a lease that expires (a killed worker)
lets the step be claimed again. Statuses only move forward.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from app.models.job import FINAL_JOB_STATUSES
from app.services import events

MAX_STEP_ATTEMPTS = 3


def snapshot(job: Job) -> dict:
    return {"id": str(job.id), "kind": job.kind, "status": job.status, "progress": round(job.progress or 0, 4),
            "steps": job.steps, "error": job.error, "result": job.result, "document_id": str(job.document_id)
            if job.document_id else None, "created_at": job.created_at.isoformat(),
            "updated_at": (job.updated_at or job.created_at).isoformat()}


def _touch(job: Job):
    job.updated_at = utcnow()
    db.session.flush()
    events.emit(job.organization_id, "job", snapshot(job), job_id=job.id, user_id=job.user_id)


def create(*, organization_id, user_id, kind: str, steps: list[str], document_id=None, case_id=None,
           params=None, idempotency_key=None) -> Job:
    job = Job(id=uuid.uuid4(), organization_id=organization_id, user_id=user_id, kind=kind, status="QUEUED",
              progress=0.0, steps=[{"name": s, "status": "pending", "started_at": None, "finished_at": None,
                                    "attempts": 0} for s in steps],
              document_id=document_id, case_id=case_id, params=params, idempotency_key=idempotency_key,
              created_at=utcnow(), updated_at=utcnow())
    db.session.add(job)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        existing = db.session.execute(sa.select(Job).where(Job.idempotency_key == idempotency_key)).scalar_one()
        return existing
    events.emit(organization_id, "job", snapshot(job), job_id=job.id, user_id=user_id)
    return job


def mark_enqueued(job_id):
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(enqueued_at=utcnow()))


def claim(job_id, step: str, lease_seconds: int) -> Job | None:
    """Take the job's lease for one step; None when another worker holds it or the step is done."""
    now = utcnow()
    res = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status.in_(("QUEUED", "RUNNING")),
                             sa.or_(Job.lease_until.is_(None), Job.lease_until < now))
        .values(lease_until=now + timedelta(seconds=lease_seconds), status="RUNNING",
                started_at=sa.func.coalesce(Job.started_at, now))
        .execution_options(synchronize_session=False))
    db.session.commit()
    if res.rowcount != 1:
        return None
    job = db.session.get(Job, job_id, populate_existing=True)
    st = _step(job, step)
    if st is None or st["status"] == "done":
        release(job)
        db.session.commit()
        return None
    st["attempts"] = st.get("attempts", 0) + 1
    st["status"], st["started_at"], st["finished_at"] = "running", now.isoformat(), None
    job.attempts += 1
    flag_modified(job, "steps")
    _touch(job)
    db.session.commit()
    return job


def lease_remaining(job_id) -> float | None:
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.status in FINAL_JOB_STATUSES or job.lease_until is None:
        return None
    return max(0.0, (job.lease_until - utcnow()).total_seconds())


def heartbeat(job: Job, lease_seconds: int, progress: float | None = None):
    """Extend the lease during long work and report progress (the caller commits)."""
    job.lease_until = utcnow() + timedelta(seconds=lease_seconds)
    if progress is not None and progress > (job.progress or 0):
        job.progress = min(progress, 0.99)
        _touch(job)


def release(job: Job):
    job.lease_until = None


def finish_step(job: Job, step: str, progress: float | None = None, result: dict | None = None):
    st = _step(job, step)
    st["status"], st["finished_at"] = "done", utcnow().isoformat()
    flag_modified(job, "steps")
    if progress is not None:
        job.progress = max(job.progress or 0, progress)
    if result:
        job.result = {**(job.result or {}), **result}
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


def next_step(job: Job) -> str | None:
    for st in job.steps:
        if st["status"] not in ("done", "skipped"):
            return st["name"]
    return None


def step_attempts(job: Job, step: str) -> int:
    st = _step(job, step)
    return st.get("attempts", 0) if st else 0


def _step(job: Job, name: str) -> dict | None:
    return next((s for s in job.steps if s["name"] == name), None)


# --- visibility ------------------------------------------------------------------------------

def privileged_orgs(principal) -> list:
    """Organizations where the caller sees every job (OWNERs, and STAFF users)."""
    staff = principal.user.user_type == "STAFF"
    return [org for org, role in principal.roles.items() if role == "OWNER" or staff]


def _visible_clause(principal):
    return sa.and_(Job.organization_id.in_(list(principal.roles)),
                   sa.or_(Job.user_id == principal.user.id, Job.organization_id.in_(privileged_orgs(principal))))


def get_visible(principal, job_id) -> Job:
    from app.services.errors import NotFound
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
