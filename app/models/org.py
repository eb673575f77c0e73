"""Organizations (tenants) and memberships with roles."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from datetime import datetime

from app.models.base import Timestamps, UTCDateTime, UUIDPk, enum_column

# STAFF: writes like a MEMBER and sees every member's chats and jobs (research answers); only an
# OWNER grants it. (users.user_type "STAFF" is a self-description and grants nothing.)
ROLES = ("OWNER", "STAFF", "MEMBER", "VIEWER")


class Organization(UUIDPk, Timestamps, db.Model):
    __tablename__ = "organizations"
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    personal: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    # Whether documents may be sent to an external AI provider at all (off by default).
    allow_external_ai: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    # The search index's token key, sealed under the master key (app/search/keys.py); made on first use.
    search_key: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)


class Membership(UUIDPk, Timestamps, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "organization_id", name="uq_membership_user_org"),)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"),
                                                       nullable=False, index=True)
    role: Mapped[str] = enum_column(ROLES, "membership_role", nullable=False)

    user = relationship("User", back_populates="memberships")
    organization = relationship("Organization", lazy="joined")


class Invitation(UUIDPk, db.Model):
    """An OWNER's offer of a role; it becomes a Membership only when the invitee accepts it.

    The invitee is named by a keyed hash of the e-mail (no address is stored): the invitation is
    shown to whoever signs in with that address, now or after registering later."""

    __tablename__ = "organization_invitations"
    __table_args__ = (sa.UniqueConstraint("organization_id", "email_key", name="uq_invitation_org_email"),)
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"),
                                                       nullable=False)
    email_key: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    role: Mapped[str] = enum_column(ROLES, "invitation_role", nullable=False)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    organization = relationship("Organization", lazy="joined")
