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

from app.documents.documents import PIPELINE_STEPS
from workers.enqueue import send, send_job

STEPS = PIPELINE_STEPS
TASK_NAMES = {step: f"documents.{step}" for step in STEPS}


def enqueue_step(step: str, document_id, job_id) -> bool:
    """Send one step's message (ids only); False if the broker is unreachable (the sweeper retries)."""
    return send(TASK_NAMES[step], document_id, job_id, job_id=job_id)


def start(document_id, job_id) -> bool:
    """Start a document's pipeline (call after the commit that created the job)."""
    return send_job(TASK_NAMES[STEPS[0]], job_id, document_id, job_id)
