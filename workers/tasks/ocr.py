"""Pipeline step: OCR the pages that have no usable text layer."""
import uuid

from workers import celery
from workers.steps import run_document_step


@celery.task(name="documents.ocr", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def ocr(self, document_id: str, job_id: str):
    """Pipeline step: OCR the pages that have no usable text layer."""
    return run_document_step(self, "ocr", uuid.UUID(str(document_id)), uuid.UUID(str(job_id)))
