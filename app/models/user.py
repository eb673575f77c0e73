"""Users and their credentials (API tokens and server-side sessions)."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPk, enum_column

USER_TYPES = ("SELF_REPRESENTED", "ATTORNEY", "STAFF")


class User(UUIDPk, Timestamps, db.Model):
    __tablename__ = "users"
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    user_type: Mapped[str] = enum_column(USER_TYPES, "user_type", default="SELF_REPRESENTED", nullable=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York", nullable=False)
    # Secret for the personal calendar feed; rotating it revokes old calendar links.
    calendar_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    # Raised by "log out everywhere" and a password change: signed download links carry the value
    # they were issued under and stop working once it moves on.
    credential_generation: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)
    # Contact details that court forms are prefilled with; all optional.
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address_line1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line2: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    state: Mapped[str | None] = mapped_column(sa.String(50))
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))

    memberships = relationship("Membership", back_populates="user", lazy="selectin")

    # flask-login protocol; authentication itself is done by the request loader.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(UUIDPk, db.Model):
    """A bearer token or a cookie session, stored only as a SHA-256 hash."""

    __tablename__ = "api_tokens"
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    kind: Mapped[str] = enum_column(("bearer", "session"), "token_kind", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
