"""Pipeline step: write the full-text search rows."""
import uuid

from workers import celery
from workers.steps import run_document_step


@celery.task(name="documents.index", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def index(self, document_id: str, job_id: str):
    """Pipeline step: write the full-text search rows."""
    return run_document_step(self, "index", uuid.UUID(str(document_id)), uuid.UUID(str(job_id)))
