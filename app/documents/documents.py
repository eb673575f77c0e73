"""Documents: streamed encrypted intake, reading back, deletion, reprocessing.

Upload bytes never touch disk or storage in plaintext: the multipart parser writes straight
into an `UploadSink`, which sniffs the type, counts the raw bytes and encrypts them
(AES-256-GCM, a fresh data key per document) into a private temporary file; the SHA-256 of
the raw bytes (the dedupe key) is the one the `SealingWriter` computes as it encrypts, so the
plaintext is hashed once. Only the ciphertext is stored; the row is written after the blob, so
a failed store leaves no row (and the sweeper removes a blob whose row never committed).
"""
from __future__ import annotations

import logging
import os
import tempfile
import uuid
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Case, Deadline, Document, DocumentAnalysis, DocumentPage, Job, Party, User
from app.models.base import utcnow
from app.models.deadline import untouched_suggestions
from app.accounts import audit
from app.platform import crypto, crypto_fields, jobs, keys, runtime
from app.platform.engine import DELETED_MESSAGE, step_names
from app.documents import filetypes
from app.platform.errors import Conflict, NotFound, PayloadTooLarge, UnsupportedFileType, ValidationFailed
from app.accounts.tenancy import Principal, get_visible, scoped
from app.platform.storage import document_key
from app.platform.storage import document_prefix

log = logging.getLogger(__name__)
SNIFF_BYTES = 8192


def private_tmp_dir() -> str:
    """A temp folder only this service user can read (worker plaintext and upload ciphertext)."""
    path = os.path.join(runtime.current().config.VAR_DIR, "tmp")
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class UploadSink:
    """A writable file for the multipart parser: sniff, hash, count and encrypt as bytes arrive."""

    def __init__(self, organization_id, max_bytes: int):
        self.document_id = uuid.uuid4()
        self.organization_id = organization_id
        self.max_bytes = max_bytes
        self.size = 0
        self.head = b""
        self.tmp = tempfile.NamedTemporaryFile(dir=private_tmp_dir(), prefix="upload-", delete=False)
        self._writer = crypto.SealingWriter(runtime.current().keyring, self.tmp,
                                            crypto.make_aad(organization_id, self.document_id))
        self.result = None

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise PayloadTooLarge(f"The file is larger than the limit of {self.max_bytes} bytes.")
        if len(self.head) < SNIFF_BYTES:
            self.head += bytes(data[: SNIFF_BYTES - len(self.head)])
        self._writer.write(data)  # hashes the plaintext as it encrypts it
        return len(data)

    def seek(self, *a):  # the parser rewinds finished parts; nothing to do for a sink
        return 0

    def tell(self):
        return self.size

    def read(self, *a):
        return b""

    def flush(self):
        pass

    def finish(self):
        if self.result is None:
            self.result = self._writer.close()
            self.tmp.flush()
            self.tmp.seek(0)
        return self.result

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the raw bytes received (computed once, by the sealing writer)."""
        return self.result.sha256 if self.result is not None else self._writer.sha256

    def discard(self):
        try:
            self._writer.abort()
        except Exception:
            pass
        try:
            self.tmp.close()
        finally:
            try:
                os.unlink(self.tmp.name)
            except FileNotFoundError:
                pass

    def close(self):
        pass


@dataclass
class UploadOutcome:
    document: Document
    job: Job | None
    duplicate: bool


def accept_upload(principal: Principal, case: Case, sink: UploadSink, *, filename: str | None,
                  title: str | None, document_type: str | None, is_confidential: bool = True) -> UploadOutcome:
    """Store an encrypted upload and record its document and job (the caller commits, then enqueues)."""
    try:
        if sink.size == 0:
            raise ValidationFailed("The file is empty.", errors={"file": ["The file is empty (0 bytes)."]})
        content_type = filetypes.sniff(sink.head)
        if content_type is None:
            raise UnsupportedFileType("Upload a PDF, a photo or scan (PNG, JPEG, TIFF, HEIC, WebP), a Word "
                                      "(.docx), web page (.html), e-mail (.eml) or plain-text file.")
        existing = find_duplicate(case.id, sink.sha256)
        if existing is not None:
            return UploadOutcome(existing, latest_job(existing.id), True)
        sealed = sink.finish()
        key = _storage_key(case.organization_id, sink.document_id)
        runtime.current().storage.put_file(key, sink.tmp)
    finally:
        sink.discard()
    safe_name = filetypes.safe_filename(filename or "document")
    values = dict(id=sink.document_id, organization_id=case.organization_id, case_id=case.id,
                  uploaded_by_id=principal.user.id, title=(title or safe_name)[:300], filename=safe_name,
                  document_type=document_type, document_type_source="user" if document_type else "auto",
                  status="QUEUED", content_type=content_type, sha256=sealed.sha256, size_bytes=sealed.size,
                  is_confidential=is_confidential, storage_key=key, wrapped_key=sealed.wrapped_key)
    doc = _insert_unless_duplicate(values)
    if doc is None:
        # A concurrent upload of the same bytes won: keep theirs, drop our blob.
        runtime.current().storage.delete(key)
        existing = find_duplicate(case.id, sealed.sha256)
        if existing is None:
            raise Conflict("The upload collided with another; try again.")
        return UploadOutcome(existing, latest_job(existing.id), True)
    job = start_processing(doc, principal.user.id, reason="upload", first=True)
    case.updated_at = utcnow()
    audit.record("document.upload", "document", doc.id, user=principal.user, organization_id=doc.organization_id,
                 case_id=case.id, details={"size": doc.size_bytes, "type": content_type})
    return UploadOutcome(doc, job, False)


def accept_attachment(message: Document, path: str, filename: str) -> tuple[Document, Job] | None:
    """A file attached to an e-mail message, stored as a document of the same case linked to the
    message (sniffed, sealed and deduplicated like an upload) with its own processing job; None
    when its type is not one CaseOS reads, it is too large, or the case already holds these bytes.
    The caller commits, then starts the job."""
    sink = UploadSink(message.organization_id, runtime.current().config.MAX_UPLOAD_BYTES)
    try:
        try:
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    sink.write(chunk)
        except PayloadTooLarge:
            return None
        content_type = filetypes.sniff(sink.head)
        if sink.size == 0 or content_type is None or find_duplicate(message.case_id, sink.sha256) is not None:
            return None
        sealed = sink.finish()
        key = _storage_key(message.organization_id, sink.document_id)
        runtime.current().storage.put_file(key, sink.tmp)
    finally:
        sink.discard()
    safe_name = filetypes.safe_filename(filename or "attachment")
    doc = _insert_unless_duplicate(dict(
        id=sink.document_id, organization_id=message.organization_id, case_id=message.case_id,
        uploaded_by_id=message.uploaded_by_id, title=safe_name[:300], filename=safe_name, document_type=None,
        document_type_source="auto", status="QUEUED", content_type=content_type, sha256=sealed.sha256,
        size_bytes=sealed.size, is_confidential=message.is_confidential, storage_key=key,
        wrapped_key=sealed.wrapped_key, parent_document_id=message.id))
    if doc is None:
        runtime.current().storage.delete(key)
        return None
    job = start_processing(doc, message.uploaded_by_id, reason="attachment", first=True)
    audit.record("document.attachment", "document", doc.id, organization_id=doc.organization_id,
                 case_id=doc.case_id, details={"size": doc.size_bytes, "type": content_type,
                                               "message": str(message.id)})
    return doc, job


def _insert_unless_duplicate(values: dict) -> Document | None:
    """Insert the document row; None if the case already holds these bytes (a concurrent upload).

    PostgreSQL and SQLite: one INSERT .. ON CONFLICT DO NOTHING RETURNING instead of SAVEPOINT +
    INSERT + RELEASE (the transaction stays usable either way)."""
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = (insert(Document).values(**crypto_fields.sealed_values(Document, values))
                .on_conflict_do_nothing(index_elements=["case_id", "sha256"]).returning(Document))
        return db.session.execute(stmt).scalar_one_or_none()
    doc = Document(**values)
    try:
        with db.session.begin_nested():
            db.session.add(doc)
            db.session.flush()
    except IntegrityError:
        return None
    return doc


def _storage_key(org_id, doc_id) -> str:
    return document_key(org_id, doc_id)


def find_duplicate(case_id, sha256: str) -> Document | None:
    # Soft-deleted documents count too: the same bytes come back as the same (deleted) document.
    return db.session.execute(sa.select(Document).where(Document.case_id == case_id, Document.sha256 == sha256)
                              ).scalar_one_or_none()


def latest_job(document_id) -> Job | None:
    return db.session.execute(sa.select(Job).where(Job.document_id == document_id)
                              .order_by(Job.created_at.desc()).limit(1)).scalar_one_or_none()


def start_processing(doc: Document, user_id, reason: str, first: bool = False) -> Job:
    """Create the processing job of a document (first=True: a document just inserted, no job yet)."""
    n = 0 if first else db.session.execute(sa.select(sa.func.count()).where(Job.document_id == doc.id)).scalar() or 0
    return jobs.create(organization_id=doc.organization_id, user_id=user_id, kind="document.process",
                       steps=step_names("document.process"), document_id=doc.id, case_id=doc.case_id,
                       idempotency_key=f"document.process:{doc.id}:{n + 1}", params={"reason": reason})


def reprocess(principal: Principal, document_id) -> tuple[Document, Job]:
    doc = get_visible(principal, Document, document_id, write=True)
    _require_stored(doc)
    running = db.session.execute(sa.select(Job).where(Job.document_id == doc.id,
                                                      Job.status.in_(("QUEUED", "RUNNING")))).first()
    if running:
        raise Conflict("This document is already being processed.")
    doc.status, doc.error_code, doc.error_message = "QUEUED", None, None
    job = start_processing(doc, principal.user.id, reason="reprocess")
    audit.record("document.reprocess", "document", doc.id, user=principal.user,
                 organization_id=doc.organization_id, case_id=doc.case_id)
    return doc, job


def list_for_case(principal: Principal, case_id, page=1, per_page=20):
    case = get_visible(principal, Case, case_id)
    q = scoped(principal, Document, all_orgs=True).where(Document.case_id == case.id)
    total = db.session.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar()
    items = db.session.execute(q.order_by(Document.created_at.desc(), Document.id).limit(per_page)
                               .offset((page - 1) * per_page)).scalars().all()
    return items, total


def get(principal: Principal, document_id, *, write=False) -> Document:
    return get_visible(principal, Document, document_id, write=write)


def page_aad(doc: Document, number: int) -> bytes:
    return crypto.make_aad(doc.organization_id, doc.id, f"page:{number}")


def analysis_aad(doc: Document) -> bytes:
    return crypto.make_aad(doc.organization_id, doc.id, "analysis")


def seal(doc_or_ids, purpose: str, data: bytes) -> bytes:
    org, did = doc_or_ids
    return crypto.seal_bytes(runtime.current().keyring, data, crypto.make_aad(org, did, purpose))


def page_texts(doc: Document) -> list[dict]:
    """Decrypted text of every page, in order."""
    keyring = runtime.current().keyring
    rows = db.session.execute(sa.select(DocumentPage).where(DocumentPage.document_id == doc.id)
                              .order_by(DocumentPage.number)).scalars().all()
    out = []
    for p in rows:
        text = crypto.open_bytes(keyring, p.text_sealed, page_aad(doc, p.number)).decode() if p.text_sealed else ""
        out.append({"number": p.number, "text": text, "source": p.source,
                    "confidence": round(p.confidence, 1) if p.confidence is not None else None})
    return out


def text_of(principal: Principal, document_id) -> dict:
    doc = get(principal, document_id)
    pages = page_texts(doc)
    audit.record("document.read_text", "document", doc.id, user=principal.user,
                 organization_id=doc.organization_id, case_id=doc.case_id)
    return {"document_id": doc.id, "status": doc.status, "pages": pages,
            "text": "\n\f\n".join(p["text"] for p in pages)}


def analysis_of(principal: Principal, document_id) -> dict:
    import json
    doc = get(principal, document_id)
    row = db.session.get(DocumentAnalysis, doc.id)
    if row is None:
        _no_analysis_yet(doc)
    data = json.loads(crypto.open_bytes(runtime.current().keyring, row.sealed, analysis_aad(doc)))
    audit.record("document.read_analysis", "document", doc.id, user=principal.user,
                 organization_id=doc.organization_id, case_id=doc.case_id)
    return data


def _no_analysis_yet(doc: Document):
    """No analysis stored: 409 naming the job to follow while it is being made, else 404."""
    if doc.status in ("QUEUED", "PROCESSING"):
        job = latest_job(doc.id)
        raise Conflict("This document is still being processed; its analysis is ready when the job succeeds. "
                       "Follow the job (GET /api/v1/jobs/{id}/events) and ask again.",
                       code="analysis_not_ready", job_id=str(job.id) if job else None,
                       job_status=job.status if job else None,
                       job_url=f"/api/v1/jobs/{job.id}" if job else None)
    raise NotFound("This document failed processing; there is no analysis." if doc.status == "FAILED"
                   else "This document has no analysis.")


def open_plaintext(doc: Document):
    """Iterator of decrypted chunks of the original bytes."""
    rt = runtime.current()
    src = rt.storage.open(doc.storage_key)
    try:
        yield from crypto.open_stream(rt.keyring, src, doc.wrapped_key, crypto.make_aad(doc.organization_id, doc.id))
    finally:
        src.close()


def _require_stored(doc: Document):
    if not doc.wrapped_key:  # a generated form not filled yet
        raise Conflict("This document is still being generated; try again when its job has finished.")


def content_of(principal: Principal, document_id) -> Document:
    doc = get(principal, document_id)
    _require_stored(doc)
    audit.record("document.download", "document", doc.id, user=principal.user,
                 organization_id=doc.organization_id, case_id=doc.case_id)
    return doc


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime.current().config.SECRET_KEY, salt="caseos.download-url")


def download_token(principal: Principal, document_id) -> tuple[Document, str, int]:
    doc = get(principal, document_id)
    _require_stored(doc)
    ttl = runtime.current().config.DOWNLOAD_URL_TTL
    token = _serializer().dumps({"d": str(doc.id), "o": str(doc.organization_id), "u": str(principal.user.id),
                                 "g": principal.user.credential_generation or 0})
    audit.record("document.download_url", "document", doc.id, user=principal.user,
                 organization_id=doc.organization_id, case_id=doc.case_id)
    return doc, token, ttl


def resolve_download_token(document_id, token: str) -> Document:
    ttl = runtime.current().config.DOWNLOAD_URL_TTL
    try:
        data = _serializer().loads(token, max_age=ttl)
    except SignatureExpired:
        raise NotFound("This download link has expired.") from None
    except BadSignature:
        raise NotFound("This download link is not valid.") from None
    if data.get("d") != str(document_id):
        raise NotFound("This download link is not valid.")
    # Bound to its issuer's credentials: "log out everywhere" or a new password ends the link too.
    issuer = db.session.get(User, uuid.UUID(data["u"]))
    if issuer is None or not issuer.is_active or (issuer.credential_generation or 0) != data.get("g", 0):
        raise NotFound("This download link is no longer valid.")
    doc = db.session.execute(sa.select(Document).where(
        Document.id == uuid.UUID(data["d"]), Document.organization_id == uuid.UUID(data["o"]),
        Document.deleted_at.is_(None),
        sa.exists().where(Case.id == Document.case_id, Case.deleted_at.is_(None)))).scalar_one_or_none()
    if doc is None:
        raise NotFound("Document not found.")
    audit.record("document.download", "document", doc.id, user=uuid.UUID(data["u"]),
                 organization_id=doc.organization_id, case_id=doc.case_id, details={"via": "signed_url"})
    return doc


# What other packages derived from a document's text and must erase with it (its search rows, the
# quotes of it in chat answers): fn(doc), run in the deleting transaction. Registered by create_app.
_ERASERS: list[Callable[[Document], object]] = []


def on_delete(eraser: Callable[[Document], object]):
    """Run eraser(doc) whenever a document is deleted, before its pages are removed (idempotent)."""
    if eraser not in _ERASERS:
        _ERASERS.append(eraser)


def erase_derived(doc: Document):
    """Remove everything derived from a document's content (what the erasers own, pages, analysis)."""
    for eraser in _ERASERS:
        eraser(doc)
    db.session.execute(sa.delete(DocumentPage).where(DocumentPage.document_id == doc.id))
    db.session.execute(sa.delete(DocumentAnalysis).where(DocumentAnalysis.document_id == doc.id))


def delete(principal: Principal, document_id):
    """Erase a document's stored bytes and derived data; the row stays (soft-deleted) for dedup and audit."""
    doc = get(principal, document_id, write=True)
    # The row lock orders this deletion against a processing step's commit (engine.document_still_live):
    # the step's pages are either committed before (and erased here) or never.
    db.session.execute(sa.select(Document.id).where(Document.id == doc.id).with_for_update())
    db.session.refresh(doc)
    erase_derived(doc)
    if doc.status in ("QUEUED", "PROCESSING"):
        doc.status, doc.error_code, doc.error_message = "FAILED", "document_deleted", DELETED_MESSAGE
    db.session.execute(sa.update(Party).where(Party.source_document_id == doc.id).values(source_document_id=None))
    db.session.execute(sa.delete(Deadline).where(untouched_suggestions(doc.id),
                                                 Deadline.organization_id == doc.organization_id))
    doc.deleted_at = utcnow()
    audit.record("document.delete", "document", doc.id, user=principal.user,
                 organization_id=doc.organization_id, case_id=doc.case_id)
    db.session.flush()
    return doc


def purge_blobs(doc: Document):
    """Delete the stored ciphertext of a deleted document (after the deletion committed)."""
    storage = runtime.current().storage
    storage.delete(doc.storage_key)
    storage.delete_prefix(document_prefix(doc.organization_id, doc.id))


# --- key rotation (registered with app.platform.keys by create_app) -----------------------------

def rewrap_keys(keyring: crypto.Keyring, batch_size: int = 500) -> dict:
    """Re-wrap every document's data key, and re-wrap its sealed page text and analysis."""
    counts = {"documents": 0, "pages": 0, "analyses": 0, "unreadable": 0}
    for doc in db.session.execute(sa.select(Document)).scalars().yield_per(batch_size):
        try:
            if doc.wrapped_key and keyring.needs_rewrap(doc.wrapped_key):
                doc.wrapped_key = keyring.rewrap(doc.wrapped_key, crypto.make_aad(doc.organization_id, doc.id))
                counts["documents"] += 1
        except (crypto.CryptoError, ValueError):
            # One damaged row must not stop the rotation of every other; `documents check` reports it.
            counts["unreadable"] += 1
            log.warning("key rotation skipped an unreadable document key", extra={"document_id": str(doc.id)})
            continue
        for page in db.session.execute(sa.select(DocumentPage).where(DocumentPage.document_id == doc.id)).scalars():
            if page.text_sealed and crypto.blob_key_id(page.text_sealed) != keyring.current_key_id:
                page.text_sealed = crypto.rewrap_blob(keyring, page.text_sealed, page_aad(doc, page.number))
                counts["pages"] += 1
        analysis = db.session.get(DocumentAnalysis, doc.id)
        if analysis and crypto.blob_key_id(analysis.sealed) != keyring.current_key_id:
            analysis.sealed = crypto.rewrap_blob(keyring, analysis.sealed, analysis_aad(doc))
            counts["analyses"] += 1
        if sum(counts.values()) and sum(counts.values()) % batch_size == 0:
            db.session.commit()
    return counts


def keys_under_old_key(keyring: crypto.Keyring) -> int:
    """Document keys, page texts and analyses still under an old master key."""
    n = 0
    for (wrapped,) in db.session.execute(sa.select(Document.wrapped_key)):
        try:
            if wrapped and keyring.needs_rewrap(wrapped):
                n += 1
        except (crypto.CryptoError, ValueError):
            continue  # unreadable, counted by rewrap_keys, not "still under an old key"
    n += keys.old_blobs(keyring, db.session.execute(
        sa.select(DocumentPage.text_sealed).where(DocumentPage.text_sealed.is_not(None))).scalars())
    return n + keys.old_blobs(keyring, db.session.execute(sa.select(DocumentAnalysis.sealed)).scalars())
