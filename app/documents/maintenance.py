"""Storage hygiene: remove orphan blobs and abandoned uploads, clean temporary files, check stored blobs.

Lost job messages are the job engine's sweeper (app/platform/engine.py requeue_stale)."""
from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid

import sqlalchemy as sa

from app.extensions import db
from app.models import Document
from app.documents import documents
from app.platform import crypto, runtime
from app.platform.storage import _map_s3_errors
from app.platform.storage import BlobNotFound

log = logging.getLogger(__name__)


def sweep_orphan_blobs(min_age_seconds: int = 3600, prefix: str = "orgs/") -> int:
    """Delete stored blobs that no live document row owns (a store whose row never committed, a
    deleted document whose purge failed) and abort multipart uploads abandoned mid-way (their
    parts are stored ciphertext too). Only older than min_age_seconds: an upload may be storing
    its blob right now and commit its row a moment later."""
    storage = runtime.current().storage
    removed = 0
    known = None
    for key in storage.iter_keys(prefix):
        parts = key.split("/")
        if len(parts) < 4 or parts[2] != "documents":
            continue
        try:
            doc_id = uuid.UUID(parts[3])
        except ValueError:
            continue
        if known is None:
            known = set(db.session.execute(sa.select(Document.id).where(Document.deleted_at.is_(None))).scalars())
        if doc_id in known:
            continue
        if _age(storage, key) < min_age_seconds:
            continue  # maybe an upload whose row is about to commit
        live = db.session.execute(sa.select(Document.id).where(Document.id == doc_id,
                                                              Document.deleted_at.is_(None))).first()
        if live is not None:  # committed after we listed the known rows
            continue
        storage.delete(key)
        removed += 1
        log.info("orphan blob removed", extra={"key": key})
    removed += abort_stale_multipart_uploads(min_age_seconds, prefix)
    db.session.rollback()
    return removed


def abort_stale_multipart_uploads(min_age_seconds: int, prefix: str = "orgs/") -> int:
    """S3 only: multipart uploads started before min_age_seconds and never completed or aborted
    (the client died or lost its connection mid-upload, and its own abort failed)."""
    storage = runtime.current().storage
    client, bucket = getattr(storage, "_client", None), getattr(storage, "bucket", None)
    if client is None or bucket is None:
        return 0
    from datetime import datetime, timezone
    aborted = 0
    with _map_s3_errors(prefix):
        paginator = client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for up in page.get("Uploads", ()) or ():
                initiated = up.get("Initiated")
                age = (datetime.now(timezone.utc) - initiated).total_seconds() if initiated else float("inf")
                if age < min_age_seconds:
                    continue
                try:
                    client.abort_multipart_upload(Bucket=bucket, Key=up["Key"], UploadId=up["UploadId"])
                except client.exceptions.NoSuchUpload:
                    continue  # completed or aborted by its client since the listing
                aborted += 1
                log.info("abandoned multipart upload aborted", extra={"key": up["Key"]})
    return aborted


def _age(storage, key) -> float:
    try:
        return storage.age_seconds(key)
    except Exception:
        return float("inf")


def clean_tmp(max_age_seconds: int = 6 * 3600) -> int:
    root, n, now = documents.private_tmp_dir(), 0, time.time()
    for name in os.listdir(root):
        path = os.path.join(root, name)
        try:
            if now - os.path.getmtime(path) > max_age_seconds:
                if os.path.isdir(path):
                    import shutil
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
                n += 1
        except FileNotFoundError:
            pass
    return n


def check_blobs(limit: int | None = None, organization_id=None) -> list[dict]:
    """Decrypt every stored document and compare with its recorded hash; report, never delete."""
    problems = []
    q = sa.select(Document).where(Document.deleted_at.is_(None)).order_by(Document.created_at, Document.id)
    if organization_id is not None:
        q = q.where(Document.organization_id == organization_id)
    if limit:
        q = q.limit(limit)
    for doc in db.session.execute(q).scalars():
        sha = hashlib.sha256()
        size = 0
        try:
            for chunk in documents.open_plaintext(doc):
                sha.update(chunk)
                size += len(chunk)
        except crypto.CryptoError:
            problems.append(_problem(doc, "corrupted (authentication failed)"))
            continue
        except BlobNotFound:
            problems.append(_problem(doc, "missing"))
            continue
        except Exception as exc:
            problems.append(_problem(doc, f"unreadable ({type(exc).__name__})"))
            continue
        if sha.hexdigest() != doc.sha256 or size != doc.size_bytes:
            problems.append(_problem(doc, "hash mismatch"))
    db.session.rollback()
    return problems


def _problem(doc: Document, problem: str) -> dict:
    return {"document_id": str(doc.id), "organization_id": str(doc.organization_id), "storage_key": doc.storage_key,
            "problem": problem}
