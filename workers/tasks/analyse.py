"""Pipeline step: understand the document and bring parties and deadlines into the case."""
import uuid

from workers import celery
from workers.steps import run_document_step


@celery.task(name="documents.analyse", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def analyse(self, document_id: str, job_id: str):
    """Pipeline step: understand the document and bring parties and deadlines into the case."""
    return run_document_step(self, "analyse", uuid.UUID(str(document_id)), uuid.UUID(str(job_id)))
