"""Pipeline step: read the text layer of every page."""
import uuid

from workers import celery
from workers.steps import run_document_step


@celery.task(name="documents.extract", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def extract(self, document_id: str, job_id: str):
    """Pipeline step: read the text layer of every page."""
    return run_document_step(self, "extract", uuid.UUID(str(document_id)), uuid.UUID(str(job_id)))
