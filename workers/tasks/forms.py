"""Fill a court form into a case document: the job kind "form.fill", steps fill -> store.

Each step is claimed on the job's lease, so a redelivered message (or the sweeper's
re-enqueue, see app/documents/maintenance.py ENQUEUERS) runs it once. The filled PDF lives
only in memory and, encrypted, in a private temporary file: a delivery that finds "fill"
done but "store" not (its worker died in between) simply fills again and stores.
"""
from __future__ import annotations

import logging
import random
import uuid

from celery.exceptions import Retry

from app.extensions import db
from app.models import Document, Job
from app.models.job import FINAL_JOB_STATUSES
from app.forms import filling as form_filling
from app.platform import jobs
from app.documents import processing
from workers import celery
from workers.enqueue import send_job
from workers.steps import transient_errors

log = logging.getLogger("caseos.forms")
TASK_NAME = "forms.fill"
MAX_RETRIES = 5
# Attempts of one step before it is given up as crashing (transient retries count too).
MAX_ATTEMPTS = jobs.MAX_STEP_ATTEMPTS + MAX_RETRIES


def start(job_id) -> bool:
    """Send the fill job to a worker (call after the commit that created it); False leaves it to the sweeper."""
    return send_job(TASK_NAME, job_id)


@celery.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def fill(self, job_id: str):
    """Fill the job's form, encrypt it into storage and complete its document."""
    job_id = uuid.UUID(str(job_id))  # messages carry strings; SQLite's UUID type needs UUIDs
    job = db.session.get(Job, job_id)
    if job is None or job.kind != form_filling.JOB_KIND or job.status in FINAL_JOB_STATUSES:
        return "noop"
    step = jobs.next_step(job)
    if step is None:
        return "noop"
    job = _claim(self, job_id, step)
    if job is None:
        return "noop"
    if jobs.step_attempts(job, step) > MAX_ATTEMPTS:
        _fail(job_id, "fill_crashed", "Filling this form stopped repeatedly; try again or contact support.", step)
        return "gave_up"
    try:
        with form_filling.prepare(job) as filled:
            if step == "fill":
                jobs.finish_step(job, "fill", progress=0.5)
                db.session.commit()
                step = "store"
                job = jobs.claim(job_id, step, processing.lease_seconds())
                if job is None:
                    return "noop"  # another delivery took the store step over; it fills again itself
            form_filling.store(job, filled)
            jobs.finish_step(job, "store", progress=1.0)
            jobs.succeed(job, filled.result)
            db.session.commit()
    except form_filling.FormFillFailed as exc:
        db.session.rollback()
        _fail(job_id, exc.code, exc.message, step)
        return "failed"
    except Retry:
        raise
    except transient_errors() as exc:
        db.session.rollback()
        _release(job_id)
        if self.request.retries >= MAX_RETRIES:
            _fail(job_id, "temporarily_unavailable",
                  "Storage stayed unavailable while filling the form; fill it again later.", step)
            raise
        log.warning("form fill transient failure", extra={"job_id": job_id, "step": step,
                                                          "error": type(exc).__name__})
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries))
    except Exception:
        db.session.rollback()
        _fail(job_id, "internal_error", "CaseOS could not fill this form because of an internal error; "
              "it has been logged.", step)
        raise  # the queue and the logs must see a bug
    return "done"


def _claim(task, job_id, step):
    job = jobs.claim(job_id, step, processing.lease_seconds())
    if job is None:
        remaining = jobs.lease_remaining(job_id)
        if remaining is not None and remaining > 0:
            # Another delivery holds the lease (or a killed worker did): look again when it lapses.
            raise task.retry(countdown=min(remaining + 1, 600), max_retries=None)
    return job


def _backoff(retries: int) -> float:
    return min(300, 2 ** retries) * (0.5 + random.random())


def _release(job_id):
    try:
        job = db.session.get(Job, job_id)
        if job is not None:
            jobs.release(job)
            db.session.commit()
    except Exception:
        db.session.rollback()


def _fail(job_id, code, message, step):
    try:
        job = db.session.get(Job, job_id)
        doc = db.session.get(Document, job.document_id) if job is not None and job.document_id else None
        if job is not None:
            processing.fail_document(job, doc, code, message, step)
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not record failure", extra={"job_id": job_id})
