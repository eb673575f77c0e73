"""The document pipeline's own steps: extract, ocr and notify (the table is app/pipelines.py).

Each step is idempotent: it rewrites what it produces (pages, analysis, index rows) rather
than appending, so a redelivered or retried step leaves the same result. Plaintext exists
only in a private temporary folder for the duration of a step.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, DocumentPage
from app.models.base import utcnow
from app.platform import crypto, engine, jobs, runtime
from app.platform.engine import DELETED_MESSAGE, StepRun, document_still_live
from app.platform.errors import JobFailed
from app.documents import documents, extraction, filetypes
from app.documents.extraction import ProcessingError
from app.platform.storage import BlobNotFound

log = logging.getLogger(__name__)


def limits() -> extraction.Limits:
    c = runtime.current().config
    return extraction.Limits(max_pages=c.MAX_PAGES, max_pixels_per_page=c.MAX_PIXELS_PER_PAGE,
                             ocr_timeout_per_page=c.OCR_TIMEOUT_PER_PAGE)


@contextlib.contextmanager
def plaintext_file(doc: Document):
    """Decrypt the original into a private temporary file, removed when the step ends (failure included)."""
    tmpdir = tempfile.mkdtemp(prefix="step-", dir=documents.private_tmp_dir())
    try:
        path = os.path.join(tmpdir, "original")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in documents.open_plaintext(doc):
                    fh.write(chunk)
        except BlobNotFound:
            raise ProcessingError("file_missing", "The stored file is missing; upload the document again.") from None
        except crypto.CryptoError:
            raise ProcessingError("file_integrity", "The stored file failed its integrity check; upload it again.") from None
        yield path
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _save_page(doc: Document, number: int, text: str, source: str, confidence=None, needs_ocr=False):
    sealed = documents.seal((doc.organization_id, doc.id), f"page:{number}", text.encode()) if text else None
    row = db.session.get(DocumentPage, (doc.id, number))
    if row is None:
        row = DocumentPage(document_id=doc.id, number=number)
        db.session.add(row)
    row.source, row.confidence, row.needs_ocr, row.text_sealed = source, confidence, needs_ocr, sealed


def extract(run: StepRun):
    """Text layer per page; pages without usable text are marked for OCR."""
    doc = run.doc
    doc.status = "PROCESSING"
    lim = limits()
    attached: list = []
    with plaintext_file(doc) as path:
        pages = extraction.extract_text_layer(path, doc.content_type, lim)
        if doc.content_type == filetypes.EML and doc.parent_document_id is None:
            attached = _split_attachments(run, path, lim)
    # A rerun replaces the pages (a file never changes; only the extractor may have).
    db.session.execute(sa.delete(DocumentPage).where(DocumentPage.document_id == doc.id))
    db.session.flush()
    for p in pages:
        _save_page(doc, p.number, p.text if not p.needs_ocr else "", "pending" if p.needs_ocr else p.source,
                   p.confidence, p.needs_ocr)
    doc.page_count = len(pages)
    out = {"pages": len(pages), "pages_needing_ocr": sum(1 for p in pages if p.needs_ocr)}
    run.carry["pages_needing_ocr"] = out["pages_needing_ocr"]
    if attached:
        out["attachments"] = [str(d.id) for d in attached]
    return out


def _split_attachments(run: StepRun, path: str, lim: extraction.Limits) -> list[Document]:
    """Each file attached to an e-mail message becomes a document of the same case, linked to the
    message, with its own job (sent once this step has committed). A message that was itself an
    attachment is not split again, so nested messages cannot multiply documents."""
    max_bytes = runtime.current().config.MAX_UPLOAD_BYTES
    files = extraction.extract_attachments(path, run.doc.content_type, os.path.dirname(path), max_bytes, lim)
    added, messages = [], []
    p = engine.pipeline("document.process")
    for item in files:
        try:
            accepted = documents.accept_attachment(run.doc, item["file"], item["filename"])
        finally:
            with contextlib.suppress(OSError):
                os.unlink(item["file"])
        if accepted is not None:
            doc, job = accepted
            added.append(doc)
            messages.append((p.steps[0].task, p.message_args(job.id, doc.id), job.id))
    # The jobs exist once this step commits; a lost message is re-sent by the sweeper.
    run.scratch.callback(lambda: [engine.send(task, *args, job_id=job_id) for task, args, job_id in messages])
    return added


def has_pages_to_ocr(run: StepRun) -> bool:
    """Whether the OCR step needs the OCR queue: some page had no text layer (unknown: it does)."""
    return run.carry.get("pages_needing_ocr", 1) > 0


def ocr(run: StepRun):
    """OCR every page still marked for it, in parallel; each page is saved as soon as it is read."""
    job, doc = run.job, run.doc
    todo = db.session.execute(sa.select(DocumentPage.number).where(
        DocumentPage.document_id == doc.id, DocumentPage.needs_ocr.is_(True)).order_by(DocumentPage.number)
    ).scalars().all()
    if not todo:
        return {"ocr_pages": 0}
    lim = limits()
    total = db.session.execute(sa.select(sa.func.count()).where(DocumentPage.document_id == doc.id)).scalar()
    done_before = total - len(todo)
    base, span = run.progress
    workers = max(1, runtime.current().config.OCR_WORKERS)
    # One sandbox per document renders the pages and runs `workers` tesseract processes; page images
    # stay in the step's private folder and are gone when the step ends (failure included).
    with plaintext_file(doc) as path, contextlib.closing(extraction.iter_ocr_pages(
            path, doc.content_type, todo, lim, workers=workers, tmp_dir=os.path.dirname(path))) as results:
        done_count = 0
        for n, text, conf in results:
            _save_page(doc, n, text, "ocr", conf, needs_ocr=False)
            done_count += 1
            jobs.heartbeat(job, run.lease_seconds, base + span * (done_before + done_count) / max(total, 1))
            job.result = {**(job.result or {}), "ocr_pages_done": done_before + done_count, "pages": total}
            if not document_still_live(doc.id):  # deleted meanwhile: its pages must not come back
                raise JobFailed("document_deleted", DELETED_MESSAGE)
            db.session.commit()  # per-page progress, and nothing redone after a crash
    return {"ocr_pages": len(todo)}


def notify(run: StepRun):
    """The document is PROCESSED; the job's last event tells its owner."""
    doc = run.doc
    doc.status, doc.processed_at = "PROCESSED", utcnow()
    doc.error_code = doc.error_message = None
    return {}
