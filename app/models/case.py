"""Legal cases and their parties."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import SealedText, Timestamps, UTCDateTime, UUIDPk, enum_column

CASE_TYPES = ("CIVIL_LITIGATION", "FAMILY_LAW", "CRIMINAL_DEFENSE", "PERSONAL_INJURY",
              "BANKRUPTCY", "LANDLORD_TENANT", "SMALL_CLAIMS", "OTHER")
COURT_TYPES = ("FEDERAL_DISTRICT", "STATE_TRIAL", "MUNICIPAL", "FAMILY", "SMALL_CLAIMS",
               "MAGISTRATE", "APPELLATE")
CASE_STATUSES = ("OPEN", "ACTIVE", "CLOSED")
PARTY_STATUSES = ("CONFIRMED", "SUGGESTED")   # SUGGESTED: read from a document, not yet confirmed by a person
PARTY_ROLES = ("PLAINTIFF", "DEFENDANT", "PETITIONER", "RESPONDENT", "LANDLORD", "TENANT",
               "ATTORNEY", "WITNESS", "OTHER")


class Case(UUIDPk, Timestamps, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        # The case list: one organization, live rows, newest first - an index-only walk.
        # (partial: live rows only; scanned backwards for "newest first").
        sa.Index("ix_cases_org_live_updated", "organization_id", "updated_at", "id",
                 postgresql_where=sa.text("deleted_at IS NULL"), sqlite_where=sa.text("deleted_at IS NULL")),
        sa.Index("ix_cases_org_status", "organization_id", "status"),
        # The list's count (status / case type filters) from the index alone (migration 0011).
        sa.Index("ix_cases_org_live_status_type", "organization_id", "status", "case_type",
                 postgresql_where=sa.text("deleted_at IS NULL"), sqlite_where=sa.text("deleted_at IS NULL")),
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id"), nullable=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    # Sealed (migration 0023): never filtered or sorted in SQL. The title stays readable: the list's ?q= filters on it.
    description = SealedText("case.description")
    description_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    description_plain: Mapped[str | None] = mapped_column("description", sa.Text)
    case_type: Mapped[str] = enum_column(CASE_TYPES, "case_type", nullable=False)
    court_type: Mapped[str] = enum_column(COURT_TYPES, "court_type", nullable=False)
    jurisdiction: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    county: Mapped[str | None] = mapped_column(sa.String(120))
    case_number: Mapped[str | None] = mapped_column(sa.String(120))
    filing_deadline: Mapped[date | None] = mapped_column(sa.Date)
    dispute_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    status: Mapped[str] = enum_column(CASE_STATUSES, "case_status", default="OPEN", nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Party(UUIDPk, Timestamps, db.Model):
    __tablename__ = "parties"
    __table_args__ = (sa.Index("ix_parties_org_name", "organization_id", "normalized_name"),)
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id"), nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    normalized_name: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    role: Mapped[str] = enum_column(PARTY_ROLES, "party_role", nullable=False)
    # Sealed (migration 0023). The name stays readable: normalized_name is matched in SQL by the conflict check.
    contact = SealedText("party.contact")
    contact_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    contact_plain: Mapped[str | None] = mapped_column("contact", sa.Text)
    source_document_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("documents.id", ondelete="SET NULL"))
    status: Mapped[str] = enum_column(PARTY_STATUSES, "party_status", default="CONFIRMED", server_default="CONFIRMED",
                                      nullable=False)
