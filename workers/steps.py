"""How a pipeline step runs: claim the job's lease, do the work, record it, hand on.

Shared by every step task so none can forget to report progress, release its lease or
end a deterministic failure as FAILED. Transient failures (storage, database, broker,
model provider) are retried with backoff and jitter, wherever they happen (claiming the
job included), so a dependency blip never drops a message.

Every delivery of a step message is safe to run: it claims the job only when the step is
the job's next one and nobody holds the lease; the lease is renewed while the step runs
(LeaseKeeper) and the step's results are committed only if this attempt still owns it, so a
redelivered, duplicated or resurrected message never runs a step twice or out of order.
"""
from __future__ import annotations

import logging
import os
import random
import signal
import threading

from celery.exceptions import Retry
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Document, Job
from app.platform import jobs
from app.documents import processing
from app.documents.extraction import ProcessingError
from app.platform.storage import StorageUnavailable

log = logging.getLogger("caseos.pipeline")
TRANSIENT = (StorageUnavailable, OperationalError, ConnectionError, TimeoutError)
# Transient failures of one step (counted on the job row) before it ends FAILED.
MAX_RETRIES = 6
# How often a message that arrives before its job row is visible looks again (about a minute).
MISSING_ROW_RETRIES = 8
try:  # the longest countdown any retry uses; celeryconfig checks the visibility timeout covers it
    from celeryconfig import MAX_ETA_SECONDS as MAX_COUNTDOWN
except ImportError:  # pragma: no cover
    MAX_COUNTDOWN = 600


def transient_errors():
    errs = list(TRANSIENT)
    try:
        import redis
        errs += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:
        pass
    try:
        from app.understanding.providers import ProviderTransientError
        errs.append(ProviderTransientError)
    except ImportError:
        pass
    return tuple(errs)


def _is_transient(exc) -> bool:
    from sqlalchemy.exc import DBAPIError, InterfaceError
    if isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError):
        # "connection already closed" after a database restart; not a bad statement.
        return bool(exc.connection_invalidated) or isinstance(exc, InterfaceError)
    return isinstance(exc, transient_errors())


def run_document_step(task, step: str, document_id: str, job_id: str):
    """Run one step of a document's pipeline exactly once, then enqueue the next."""
    lease = processing.lease_seconds()
    try:
        claimed = jobs.claim_step(job_id, step, lease)
    except Exception as exc:
        _rollback()
        if not _is_transient(exc):
            raise
        # The database is unreachable: nothing was claimed; look again later, never drop the message.
        log.warning("claim failed; retrying", extra={"step": step, "job_id": job_id, "error": type(exc).__name__})
        raise task.retry(exc=exc, countdown=_backoff(task.request.retries), max_retries=None) from None
    if claimed.job is None:
        return _not_claimed(task, claimed, step, job_id)
    keeper = jobs.LeaseKeeper(job_id, step, claimed.attempt, lease).start()
    try:
        return _run_claimed(task, step, claimed.job, claimed.attempt, document_id, job_id)
    finally:
        keeper.stop()


def _not_claimed(task, claimed: jobs.ClaimResult, step: str, job_id: str):
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


class _SigtermHold:
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

    def release(self):
        if not self._active:
            return
        self._active = False
        # None: a handler installed outside Python; the default action is the closest equivalent.
        signal.signal(signal.SIGTERM, self._old if self._old is not None else signal.SIG_DFL)
        if self._pending:
            os.kill(os.getpid(), signal.SIGTERM)


def _run_claimed(task, step: str, job: Job, attempt: int, document_id: str, job_id: str):
    hold = _SigtermHold()
    try:
        return _run_claimed_held(task, step, job, attempt, document_id, job_id, hold)
    finally:
        hold.release()


def _run_claimed_held(task, step: str, job: Job, attempt: int, document_id: str, job_id: str, hold):
    from workers import pipeline
    try:
        doc = db.session.get(Document, job.document_id)
        if doc is None or doc.deleted_at is not None:
            jobs.fail(job, "document_deleted", "The document was deleted before processing finished.", step)
            db.session.commit()
            return "deleted"
        if jobs.crashed_attempts(job, step) >= jobs.MAX_STEP_ATTEMPTS:
            processing.fail_document(job, doc, "processing_crashed",
                                     "Processing stopped this file repeatedly; it may be damaged. Try another copy.",
                                     step)
            db.session.commit()
            return "gave_up"
        if jobs.step_attempts(job, step) > jobs.MAX_TOTAL_ATTEMPTS:
            processing.fail_document(job, doc, "temporarily_unavailable",
                                     "A service CaseOS depends on stayed unavailable; use reprocess to try again.",
                                     step)
            db.session.commit()
            return "gave_up"
        log.info("step start", extra={"step": step, "job_id": job_id, "document_id": document_id})
        result = processing.STEP_FUNCS[step](job, doc)
        hold.start()  # from here to the hand-on below, a SIGTERM waits (see _SigtermHold)
        # Commit the step's results only if this attempt still owns the step (fencing).
        if not jobs.holds_lease(job_id, step, attempt):
            raise jobs.LeaseLost(f"job {job_id} step {step} attempt {attempt}")
        jobs.finish_step(job, step, processing.progress_before(step) + processing.WEIGHTS[step], result)
        nxt = jobs.next_step(job)
        if nxt is None:
            jobs.succeed(job)
        db.session.commit()
    except jobs.LeaseLost:
        _rollback()
        log.warning("step superseded: another attempt owns it", extra={"step": step, "job_id": job_id})
        return "superseded"
    except ProcessingError as exc:
        _rollback()
        _record_failure(job_id, document_id, step, attempt, exc.code, exc.message)
        return "failed"
    except Retry:
        raise
    except Exception as exc:
        _rollback()
        if not _is_transient(exc):
            _record_failure(job_id, document_id, step, attempt, "internal_error",
                            "CaseOS could not process this file because of an internal error; it has been logged. "
                            "Try reprocess later.")
            raise  # the queue and the logs must see a bug
        failures = _note_transient(job_id, document_id, step, attempt)
        if failures is not None and failures >= MAX_RETRIES:
            return "failed"
        n = failures if failures is not None else task.request.retries
        log.warning("step transient failure", extra={"step": step, "job_id": job_id, "error": type(exc).__name__})
        raise task.retry(exc=exc, countdown=_backoff(n), max_retries=None) from None
    log.info("step done", extra={"step": step, "job_id": job_id})
    if nxt is not None:
        pipeline.enqueue_step(nxt, document_id, job_id)  # if the broker is down, the sweeper sends it
    return "done"


def _backoff(retries: int) -> float:
    return min(300, 2 ** min(retries, 10)) * (0.5 + random.random())


def _rollback():
    try:
        db.session.rollback()
    except Exception:
        pass


def _note_transient(job_id, document_id, step: str, attempt: int) -> int | None:
    """Release the step for its retry (only if we own it), or end the job FAILED once the step
    failed transiently MAX_RETRIES times; the count, or None when the database cannot say."""
    try:
        if not jobs.holds_lease(job_id, step, attempt):
            _rollback()
            return None
        job = db.session.get(Job, job_id, populate_existing=True)
        n = jobs.note_transient_failure(job, step)
        if n >= MAX_RETRIES:
            doc = db.session.get(Document, document_id, populate_existing=True)
            processing.fail_document(job, doc, "temporarily_unavailable",
                                     "A service CaseOS depends on stayed unavailable; use reprocess to try again.",
                                     step)
        db.session.commit()
        return n
    except Exception:
        _rollback()
        return None


def _record_failure(job_id, document_id, step, attempt, code, message):
    """End the job FAILED, unless another attempt took the step over meanwhile."""
    try:
        job = db.session.get(Job, job_id, populate_existing=True)
        if job is None:
            return
        if not jobs.holds_lease(job_id, step, attempt):
            _rollback()
            return
        doc = db.session.get(Document, document_id, populate_existing=True)
        processing.fail_document(job, doc, code, message, step)
        db.session.commit()
    except Exception:
        _rollback()
        log.exception("could not record failure", extra={"job_id": job_id})
