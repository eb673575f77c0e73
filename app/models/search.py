"""Search index rows: one per document page (lexemes only; the text itself stays encrypted).

On PostgreSQL `tsv` is a weighted tsvector with a GIN index (added by the migration); on
SQLite the migration creates the FTS5 table `search_fts` instead and this table keeps the
scoping columns.
"""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime


class SearchEntry(db.Model):
    __tablename__ = "search_entries"
    __table_args__ = (sa.Index("ix_search_org_case", "organization_id", "case_id"),)
    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    document_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    page_number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    document_type: Mapped[str | None] = mapped_column(sa.String(32))
    document_date: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
