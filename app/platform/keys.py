"""Master key rotation: re-wrap every data key under the current ENCRYPTION_KEY.

Content is never re-encrypted: only the small wrapped data keys change, so rotation is
fast and safe to interrupt and resume (rows already under the current key are skipped).
During rotation ENCRYPTION_OLD_KEYS keeps the old key able to unwrap.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa

from app.extensions import db
from app.models import AICache, ChatMessage, Chat, Document, DocumentAnalysis, DocumentPage
from app.platform import crypto, runtime

from app.documents import documents
log = logging.getLogger(__name__)

# Extra re-wrappers registered by other modules: fn(keyring) -> dict of counts (rows re-wrapped).
EXTRA_REWRAPPERS = []


def rotate_all(batch_size: int = 500) -> dict:
    """Re-wrap every document key, page text, analysis and cached answer; returns counts."""
    kr = runtime.current().keyring
    counts = {"documents": 0, "pages": 0, "analyses": 0, "ai_cache": 0, "chat_messages": 0, "unreadable": 0}
    for doc in db.session.execute(sa.select(Document)).scalars().yield_per(batch_size):
        try:
            if doc.wrapped_key and kr.needs_rewrap(doc.wrapped_key):
                doc.wrapped_key = kr.rewrap(doc.wrapped_key, crypto.make_aad(doc.organization_id, doc.id))
                counts["documents"] += 1
        except (crypto.CryptoError, ValueError):
            # One damaged row must not stop the rotation of every other; `documents check` reports it.
            counts["unreadable"] += 1
            log.warning("key rotation skipped an unreadable document key", extra={"document_id": str(doc.id)})
            continue
        for page in db.session.execute(sa.select(DocumentPage).where(DocumentPage.document_id == doc.id)).scalars():
            if page.text_sealed and crypto.blob_key_id(page.text_sealed) != kr.current_key_id:
                page.text_sealed = crypto.rewrap_blob(kr, page.text_sealed, documents.page_aad(doc, page.number))
                counts["pages"] += 1
        analysis = db.session.get(DocumentAnalysis, doc.id)
        if analysis and crypto.blob_key_id(analysis.sealed) != kr.current_key_id:
            analysis.sealed = crypto.rewrap_blob(kr, analysis.sealed, documents.analysis_aad(doc))
            counts["analyses"] += 1
        if sum(counts.values()) and sum(counts.values()) % batch_size == 0:
            db.session.commit()
    db.session.commit()
    for row in db.session.execute(sa.select(AICache)).scalars():
        if crypto.blob_key_id(row.sealed) != kr.current_key_id:
            row.sealed = crypto.rewrap_blob(kr, row.sealed, crypto.make_aad(row.organization_id, "aicache", "analysis"))
            counts["ai_cache"] += 1
    db.session.commit()
    for fn in EXTRA_REWRAPPERS:
        counts.update(fn(kr))
        db.session.commit()
    log.info("key rotation done", extra={"counts": counts, "key_id": kr.current_key_id})
    return counts


def remaining_under_old_keys() -> int:
    """How many wrapped keys still name a key other than the current one (0 when rotation is complete)."""
    kr = runtime.current().keyring
    n = 0
    for (wrapped,) in db.session.execute(sa.select(Document.wrapped_key)):
        try:
            if wrapped and kr.needs_rewrap(wrapped):
                n += 1
        except (crypto.CryptoError, ValueError):
            continue  # unreadable, counted by rotate_all, not "still under an old key"
    for (blob,) in db.session.execute(sa.select(DocumentPage.text_sealed).where(DocumentPage.text_sealed.is_not(None))):
        if crypto.blob_key_id(blob) != kr.current_key_id:
            n += 1
    for model in (DocumentAnalysis, ChatMessage, AICache):
        for (blob,) in db.session.execute(sa.select(model.sealed)):
            if crypto.blob_key_id(blob) != kr.current_key_id:
                n += 1
    return n
