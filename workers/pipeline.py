"""The document pipeline, in order. Each step is a task in workers/tasks/ named after it;
a job's `steps` in the API carry the same names.

    extract  -> text layer per page; pages without one are marked for OCR   (queue: default)
    ocr      -> tesseract on those pages, in parallel                        (queue: ocr)
    analyse  -> type, parties, dates, deadlines, citations, next steps       (queue: ai)
    index    -> full-text search rows                                        (queue: default)
    notify   -> document PROCESSED, job SUCCEEDED, event to the user         (queue: default)

A step enqueues the next one when it commits; the maintenance sweeper re-enqueues any job
whose enqueue was lost (API died after its commit, broker down) or whose worker died.
"""
from __future__ import annotations

import logging

from app.services.documents import PIPELINE_STEPS

log = logging.getLogger("caseos.pipeline")
STEPS = PIPELINE_STEPS
TASK_NAMES = {step: f"documents.{step}" for step in STEPS}


def enqueue_step(step: str, document_id, job_id) -> bool:
    """Send one step's message (ids only); False if the broker is unreachable (the sweeper retries)."""
    from workers import celery
    try:
        celery.send_task(TASK_NAMES[step], args=[str(document_id), str(job_id)],
                         queue=celery.conf.task_routes.get(TASK_NAMES[step], {}).get("queue", "default"),
                         retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5})
        return True
    except Exception as exc:
        log.warning("enqueue failed; the sweeper will retry", extra={"step": step, "job_id": str(job_id),
                                                                     "error": type(exc).__name__})
        return False


def start(document_id, job_id) -> bool:
    """Start a document's pipeline (call after the commit that created the job)."""
    from app.extensions import db
    from app.services import jobs
    ok = enqueue_step(STEPS[0], document_id, job_id)
    if ok:
        jobs.mark_enqueued(job_id)
        db.session.commit()
    return ok
