"""Deadlines, reminder deliveries (claimed once) and in-app notifications."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import SealedText, Timestamps, UTCDateTime, UUIDPk, enum_column

DEADLINE_STATUSES = ("SUGGESTED", "PENDING", "COMPLETED", "MISSED", "DISMISSED")


class Deadline(UUIDPk, Timestamps, db.Model):
    __tablename__ = "deadlines"
    __table_args__ = (sa.Index("ix_deadlines_case_status_due", "case_id", "status", "due_date"),
                      sa.Index("ix_deadlines_status_due", "status", "due_date"))
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id"), nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Sealed (migration 0023): the title and the basis (``rule``: both may come from a document) and
    # the sentence quoted from it. Citation and explanation come from the rule sets (public law).
    title = SealedText("deadline.title")
    title_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    title_plain: Mapped[str | None] = mapped_column("title", sa.String(300))
    due_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    due_time: Mapped[time | None] = mapped_column(sa.Time)
    status: Mapped[str] = enum_column(DEADLINE_STATUSES, "deadline_status", default="PENDING", nullable=False)
    rule = SealedText("deadline.rule")
    rule_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    rule_plain: Mapped[str | None] = mapped_column("rule", sa.String(300))
    citation: Mapped[str | None] = mapped_column(sa.String(300))
    explanation: Mapped[list | None] = mapped_column(sa.JSON)
    source_document_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("documents.id", ondelete="SET NULL"))
    quote = SealedText("deadline.quote")
    quote_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    quote_plain: Mapped[str | None] = mapped_column("quote", sa.Text)
    reminders: Mapped[list] = mapped_column(sa.JSON, default=lambda: [7, 3, 1, 0], nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def untouched_suggestions(document_id):
    """The analyzer's own suggestions from a document that nobody touched (no author, still SUGGESTED, never
    edited: ``updated_at == created_at``, both set once when suggested): what re-reading or deleting the
    document may remove. A deadline a person added, confirmed, edited or dismissed is never among them."""
    return sa.and_(Deadline.source_document_id == document_id, Deadline.status == "SUGGESTED",
                   Deadline.created_by_id.is_(None), Deadline.updated_at == Deadline.created_at)


class ReminderDelivery(UUIDPk, db.Model):
    """One row per (deadline, offset, channel): claimed before sending, so it is sent once."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("deadline_id", "user_id", "offset_days", "channel", name="uq_reminder_once"),
        sa.Index("ix_reminders_due", "status", "due_at"),
    )
    deadline_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("deadlines.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    offset_days: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    channel: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # inapp | email
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="PENDING", nullable=False)  # PENDING CLAIMED SENT SKIPPED FAILED
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(sa.String(200))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))


class Notification(UUIDPk, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_read", "user_id", "read_at", "created_at"),)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    # Sealed (migration 0023): a reminder's title and body quote the deadline's and the case's titles.
    title = SealedText("notification.title")
    title_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    title_plain: Mapped[str | None] = mapped_column("title", sa.String(300))
    body = SealedText("notification.body")
    body_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    body_plain: Mapped[str | None] = mapped_column("body", sa.Text)
    case_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    deadline_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
