"""Documents of a case, their pages of text and their analysis (all encrypted at rest)."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import SealedText, Timestamps, UTCDateTime, UUIDPk, enum_column

DOCUMENT_TYPES = ("PLEADING", "MOTION", "ORDER", "BRIEF", "EVIDENCE", "CORRESPONDENCE", "NOTICE", "FORM", "OTHER")
DOCUMENT_STATUSES = ("QUEUED", "PROCESSING", "PROCESSED", "FAILED")


class Document(UUIDPk, Timestamps, db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        # The same bytes on the same case are one document, even under concurrent uploads.
        sa.UniqueConstraint("case_id", "sha256", name="uq_documents_case_sha256"),
        sa.Index("ix_documents_org_case", "organization_id", "case_id", "deleted_at"),
        sa.Index("ix_documents_parent_document", "parent_document_id"),
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id"), nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Sealed (migration 0023): never filtered or sorted in SQL (search matches the title's blind tokens).
    title = SealedText("document.title")
    title_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    title_plain: Mapped[str | None] = mapped_column("title", sa.String(300))
    filename = SealedText("document.filename")
    filename_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    filename_plain: Mapped[str | None] = mapped_column("filename", sa.String(200))
    document_type: Mapped[str | None] = enum_column(DOCUMENT_TYPES, "document_type")
    document_type_source: Mapped[str] = mapped_column(sa.String(16), default="user", nullable=False)
    status: Mapped[str] = enum_column(DOCUMENT_STATUSES, "document_status", default="QUEUED", nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    page_count: Mapped[int | None] = mapped_column(sa.Integer)
    language: Mapped[str | None] = mapped_column(sa.String(8))
    is_confidential: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    storage_key: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    wrapped_key: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    error_code: Mapped[str | None] = mapped_column(sa.String(40))
    error_message: Mapped[str | None] = mapped_column(sa.String(500))
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The e-mail message this document was attached to (each attachment is a document of its own).
    parent_document_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="SET NULL", name="fk_documents_parent_document"), index=False)

    @property
    def error(self):
        return {"code": self.error_code, "message": self.error_message} if self.error_code else None


class DocumentPage(db.Model):
    __tablename__ = "document_pages"
    document_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # text_layer | ocr | pending
    needs_ocr: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    confidence: Mapped[float | None] = mapped_column(sa.Float)
    text_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)  # crypto.seal_bytes, AAD = document + org + page


class DocumentAnalysis(db.Model):
    __tablename__ = "document_analyses"
    document_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    model: Mapped[str | None] = mapped_column(sa.String(64))
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AICache(db.Model):
    """Model answers by (content hash, provider, model, prompt version): never pay twice."""

    __tablename__ = "ai_cache"
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
