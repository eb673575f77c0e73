"""Deadlines, reminder deliveries (claimed once) and in-app notifications."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPk, enum_column

DEADLINE_STATUSES = ("SUGGESTED", "PENDING", "COMPLETED", "MISSED", "DISMISSED")


class Deadline(UUIDPk, Timestamps, db.Model):
    __tablename__ = "deadlines"
    __table_args__ = (sa.Index("ix_deadlines_case_status_due", "case_id", "status", "due_date"),
                      sa.Index("ix_deadlines_status_due", "status", "due_date"))
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id"), nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    due_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    due_time: Mapped[time | None] = mapped_column(sa.Time)
    status: Mapped[str] = enum_column(DEADLINE_STATUSES, "deadline_status", default="PENDING", nullable=False)
    rule: Mapped[str | None] = mapped_column(sa.String(300))
    citation: Mapped[str | None] = mapped_column(sa.String(300))
    explanation: Mapped[list | None] = mapped_column(sa.JSON)
    source_document_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("documents.id", ondelete="SET NULL"))
    quote: Mapped[str | None] = mapped_column(sa.Text)
    reminders: Mapped[list] = mapped_column(sa.JSON, default=lambda: [7, 3, 1, 0], nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    body: Mapped[str | None] = mapped_column(sa.Text)
    case_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    deadline_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
