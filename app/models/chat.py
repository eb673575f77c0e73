"""Case chats: questions and answers, stored encrypted."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, UUIDPk


class Chat(UUIDPk, db.Model):
    __tablename__ = "chats"
    organization_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id"), nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class ChatMessage(UUIDPk, db.Model):
    __tablename__ = "chat_messages"
    chat_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # user | assistant
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    sources: Mapped[list | None] = mapped_column(sa.JSON)
    provider: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
