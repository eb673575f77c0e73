"""Sign-in through an OpenID Connect provider: the identities linked to a user, and sign-ins in flight."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, UUIDPk


class OAuthIdentity(UUIDPk, db.Model):
    """A provider's account (issuer + subject) that signs in as this user."""

    __tablename__ = "oauth_identities"
    __table_args__ = (sa.UniqueConstraint("provider", "subject", name="uq_oauth_identity"),)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    provider: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    issuer: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OAuthState(db.Model):
    """One sign-in started and not finished: single use (deleted when the provider sends the person back)."""

    __tablename__ = "oauth_states"
    state_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    nonce: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    code_verifier: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    link_user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    client_redirect: Mapped[str | None] = mapped_column(sa.String(500))
    next_path: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
