"""Recovery and hygiene: re-enqueue lost work, remove orphan blobs, check stored blobs."""
from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Document, Job
from app.models.base import utcnow
from app.services import crypto, documents, jobs, runtime

log = logging.getLogger(__name__)


def stale_jobs(idle_seconds: int) -> list[Job]:
    """Jobs not final whose message was never sent, whose worker died, or that sit between steps."""
    now = utcnow()
    idle = now - timedelta(seconds=idle_seconds)
    return db.session.execute(sa.select(Job).where(
        Job.status.in_(("QUEUED", "RUNNING")),
        sa.or_(
            sa.and_(Job.lease_until.is_not(None), Job.lease_until < now),
            sa.and_(Job.lease_until.is_(None), Job.updated_at < idle),
        )).limit(500)).scalars().all()


def requeue_stale(idle_seconds: int = 120) -> int:
    """The outbox sweep: every accepted job reaches a worker even if its enqueue was lost."""
    from workers import pipeline
    count = 0
    for job in stale_jobs(idle_seconds):
        step = jobs.next_step(job)
        if job.kind == "document.process" and step:
            if pipeline.enqueue_step(step, job.document_id, job.id):
                job.enqueued_at = utcnow()
                job.updated_at = utcnow()
                count += 1
        elif job.kind in ENQUEUERS:
            if ENQUEUERS[job.kind](job):
                job.enqueued_at = utcnow()
                job.updated_at = utcnow()
                count += 1
    db.session.commit()
    return count


def _enqueue_simple(task_name):
    def enqueue(job):
        from workers import celery
        try:
            celery.send_task(task_name, args=[str(job.id)])
            return True
        except Exception:
            return False
    return enqueue


ENQUEUERS = {"form.fill": _enqueue_simple("forms.fill"), "research": _enqueue_simple("assistant.research"),
             "keys.rotate": _enqueue_simple("maintenance.rotate_keys")}


def sweep_orphan_blobs(min_age_seconds: int = 3600) -> int:
    """Delete stored blobs that no document row owns (a store whose row never committed)."""
    storage = runtime.current().storage
    removed = 0
    known = None
    for key in storage.iter_keys("orgs/"):
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
        if db.session.get(Document, doc_id) is not None and db.session.get(Document, doc_id).deleted_at is None:
            continue
        if _age(storage, key) < min_age_seconds:
            continue  # maybe an upload whose row is about to commit
        storage.delete(key)
        removed += 1
    return removed


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


def check_blobs(limit: int | None = None) -> list[dict]:
    """Decrypt every stored document and compare with its recorded hash; report, never delete."""
    problems = []
    q = sa.select(Document).where(Document.deleted_at.is_(None)).order_by(Document.created_at)
    if limit:
        q = q.limit(limit)
    for doc in db.session.execute(q).scalars():
        sha = hashlib.sha256()
        try:
            for chunk in documents.open_plaintext(doc):
                sha.update(chunk)
        except crypto.CryptoError:
            problems.append({"document_id": str(doc.id), "problem": "corrupted (authentication failed)"})
            continue
        except Exception as exc:
            from app.services.storage import BlobNotFound
            kind = "missing" if isinstance(exc, BlobNotFound) else f"unreadable ({type(exc).__name__})"
            problems.append({"document_id": str(doc.id), "problem": kind})
            continue
        if sha.hexdigest() != doc.sha256:
            problems.append({"document_id": str(doc.id), "problem": "hash mismatch"})
    return problems
