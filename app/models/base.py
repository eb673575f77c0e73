"""Column types and mixins shared by every model."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both PostgreSQL and SQLite (which drops offsets)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class UUIDPk:
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


def enum_column(values, name, **kw):
    """A string column checked against an enum; native_enum off so adding a value is a plain migration."""
    return mapped_column(sa.Enum(*values, name=name, native_enum=False, length=32,
                                 create_constraint=True, validate_strings=True), **kw)


class SealedText:
    """A text attribute stored sealed (AES-GCM under a data key of its own, wrapped by the master
    key, bound to the row's organization, id and this purpose) in the column ``<name>_sealed``.

    ``<name>_plain`` maps the former plaintext column, cleared whenever a value is set here: only an
    older release still writes it (during a rolling deploy, between migrations 0023 and 0024), so a
    value there is the newest and wins; migration 0024 and key rotation seal it. The codec
    (app/platform/crypto_fields.py) is installed by create_app(); a value set before the row has an
    organization is sealed when the row is inserted. Not usable in SQL: the class attribute is this
    descriptor, so filtering or sorting on it fails loudly instead of comparing ciphertext."""

    codec = None  # (seal(org_id, row_id, purpose, text) -> bytes, open(org_id, row_id, purpose, blob) -> str)

    def __init__(self, purpose: str):
        self.purpose = purpose

    def __set_name__(self, owner, name):
        self.name, self.sealed, self.plain = name, f"{name}_sealed", f"{name}_plain"
        owner.__sealed_fields__ = (*getattr(owner, "__sealed_fields__", ()), self)

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        cached = obj.__dict__.get("_sealed_cache", {}).get(self.name)
        if cached is not None and self.name in obj.__dict__.get("_sealed_pending", ()):
            return cached[1]
        plain = getattr(obj, self.plain)
        if plain is not None:  # only an older release writes it, so it is newer than any blob
            return plain
        blob = getattr(obj, self.sealed)
        if blob is None:
            return None
        if cached is not None and cached[0] == blob:
            return cached[1]
        value = SealedText.codec[1](obj.organization_id, obj.id, self.purpose, blob)
        obj.__dict__.setdefault("_sealed_cache", {})[self.name] = (blob, value)
        return value

    def __set__(self, obj, value):
        if getattr(obj, "id", None) is None:
            obj.id = uuid.uuid4()
        setattr(obj, self.plain, None)
        blob = None
        if value is not None and getattr(obj, "organization_id", None) is None:
            obj.__dict__.setdefault("_sealed_pending", set()).add(self.name)  # sealed on insert (seal_pending)
        else:
            obj.__dict__.get("_sealed_pending", set()).discard(self.name)
            if value is not None:
                blob = SealedText.codec[0](obj.organization_id, obj.id, self.purpose, value)
            setattr(obj, self.sealed, blob)
        obj.__dict__.setdefault("_sealed_cache", {})[self.name] = (blob, value)

    def seal_pending(self, obj) -> None:
        """Seal a value set before the row knew its organization (called before its INSERT)."""
        pending = obj.__dict__.get("_sealed_pending")
        if pending and self.name in pending:
            self.__set__(obj, obj.__dict__["_sealed_cache"][self.name][1])
