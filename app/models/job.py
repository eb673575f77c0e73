"""Durable background jobs (the truth about progress) and the event log streamed to clients."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPk, enum_column

JOB_STATUSES = ("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED")
FINAL_JOB_STATUSES = ("SUCCEEDED", "FAILED", "CANCELLED")
JOB_KINDS = ("document.process", "form.fill", "research", "keys.rotate")


class Job(UUIDPk, Timestamps, db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index("ix_jobs_org_user_created", "organization_id", "user_id", "created_at"),
        # The sweeper looks for queued work that never reached a worker.
        sa.Index("ix_jobs_status_enqueued", "status", "enqueued_at"),
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id"), nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    status: Mapped[str] = enum_column(JOB_STATUSES, "job_status", default="QUEUED", nullable=False)
    progress: Mapped[float] = mapped_column(sa.Float, default=0.0, nullable=False)
    steps: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    error: Mapped[dict | None] = mapped_column(sa.JSON)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    document_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("documents.id", ondelete="SET NULL"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    # One job per logical request: a redelivered or duplicated message finds this key taken.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while a worker holds the job, so a redelivery of a running job is a no-op.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Event(db.Model):
    """Every state change clients may stream; its id is the SSE event id (Last-Event-ID)."""

    __tablename__ = "events"
    __table_args__ = (sa.Index("ix_events_org_id", "organization_id", "id"),)
    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)  # set: only this user may see it
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    data: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
