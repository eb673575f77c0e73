"""Pipeline step: mark the document processed and tell the user."""
import uuid

from workers import celery
from workers.steps import run_document_step


@celery.task(name="documents.notify", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def notify(self, document_id: str, job_id: str):
    """Pipeline step: mark the document processed and tell the user."""
    return run_document_step(self, "notify", uuid.UUID(str(document_id)), uuid.UUID(str(job_id)))
