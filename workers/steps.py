"""How a pipeline step runs: claim the job's lease, do the work, record it, hand on.

Shared by every step task so none can forget to report progress, release its lease or
end a deterministic failure as FAILED. Transient failures (storage, database, broker,
model provider) propagate to Celery, which retries with backoff and jitter.
"""
from __future__ import annotations

import logging
import uuid

from celery.exceptions import Retry
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Document, Job
from app.services import jobs, processing
from app.services.extraction import ProcessingError
from app.services.storage import StorageUnavailable

log = logging.getLogger("caseos.pipeline")
TRANSIENT = (StorageUnavailable, OperationalError, ConnectionError, TimeoutError)
MAX_RETRIES = 6


def transient_errors():
    errs = list(TRANSIENT)
    try:
        import redis
        errs += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:
        pass
    try:
        from app.services.analysis.providers import ProviderTransientError
        errs.append(ProviderTransientError)
    except ImportError:
        pass
    return tuple(errs)


def run_document_step(task, step: str, document_id: str, job_id: str):
    """Run one step of a document's pipeline exactly once, then enqueue the next."""
    from workers import pipeline
    # Messages carry ids as strings; SQLite's UUID type needs real UUIDs.
    document_id, job_id = uuid.UUID(str(document_id)), uuid.UUID(str(job_id))
    job = jobs.claim(job_id, step, processing.lease_seconds())
    if job is None:
        remaining = jobs.lease_remaining(job_id)
        if remaining is not None and remaining > 0:
            # Another delivery holds the lease (or a killed worker did): look again when it lapses.
            raise task.retry(countdown=min(remaining + 1, 600), max_retries=None)
        return "noop"
    doc = db.session.get(Document, job.document_id)
    if doc is None or doc.deleted_at is not None:
        jobs.fail(job, "document_deleted", "The document was deleted before processing finished.", step)
        db.session.commit()
        return "deleted"
    if jobs.step_attempts(job, step) > jobs.MAX_STEP_ATTEMPTS:
        processing.fail_document(job, doc, "processing_crashed",
                                 "Processing stopped this file repeatedly; it may be damaged. Try another copy.", step)
        db.session.commit()
        return "gave_up"
    log.info("step start", extra={"step": step, "job_id": job_id, "document_id": document_id})
    try:
        result = processing.STEP_FUNCS[step](job, doc)
    except ProcessingError as exc:
        db.session.rollback()
        job, doc = db.session.get(Job, job_id), db.session.get(Document, document_id)
        processing.fail_document(job, doc, exc.code, exc.message, step)
        db.session.commit()
        return "failed"
    except Retry:
        raise
    except transient_errors() as exc:
        db.session.rollback()
        _release(job_id)
        if task.request.retries >= MAX_RETRIES:
            _fail(job_id, document_id, "temporarily_unavailable",
                  "A service CaseOS depends on stayed unavailable; use reprocess to try again.", step)
            raise
        log.warning("step transient failure", extra={"step": step, "job_id": job_id, "error": type(exc).__name__})
        raise task.retry(exc=exc, countdown=_backoff(task.request.retries))
    except Exception:
        db.session.rollback()
        _fail(job_id, document_id, "internal_error", "CaseOS could not process this file because of an internal "
              "error; it has been logged. Try reprocess later.", step)
        raise  # the queue and the logs must see a bug
    jobs.finish_step(job, step, processing.progress_before(step) + processing.WEIGHTS[step], result)
    nxt = jobs.next_step(job)
    if nxt is None:
        jobs.succeed(job)
    db.session.commit()
    log.info("step done", extra={"step": step, "job_id": job_id})
    if nxt is not None:
        pipeline.enqueue_step(nxt, document_id, job_id)
    return "done"


def _backoff(retries: int) -> float:
    import random
    return min(300, 2 ** retries) * (0.5 + random.random())


def _release(job_id):
    try:
        job = db.session.get(Job, job_id)
        if job is not None:
            jobs.release(job)
            db.session.commit()
    except Exception:
        db.session.rollback()


def _fail(job_id, document_id, code, message, step):
    try:
        job, doc = db.session.get(Job, job_id), db.session.get(Document, document_id)
        if job is not None:
            processing.fail_document(job, doc, code, message, step)
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not record failure", extra={"job_id": job_id})
