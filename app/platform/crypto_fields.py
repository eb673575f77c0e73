"""Sealed text columns: the small values (titles, contacts, quotes) that need not be read in SQL.

Each value is a crypto.seal_bytes blob: its own data key, wrapped by the master key, with the row's
organization, the row's id and the field as associated data (``case.description``...), so a blob
copied to another row, field or organization fails authentication. Models declare them with
app.models.base.SealedText; install() gives that descriptor its codec and seals, before a row's
INSERT, what was set before the row knew its organization.

Rolling deploy: migration 0023 (expand) adds the ``*_sealed`` columns and lets the plaintext ones be
NULL; the older release keeps writing plaintext, this one writes only blobs. Migration 0024
(contract, once no older process runs) seals every plaintext value and clears it. Key rotation
re-wraps the blobs and seals any plaintext value left too.
"""
from __future__ import annotations

import functools

import sqlalchemy as sa

from app.extensions import db
from app.models.base import SealedText
from app.platform import crypto, keys, runtime


def aad(org_id, row_id, purpose: str) -> bytes:
    return crypto.make_aad(org_id, row_id, purpose)


def seal_text(org_id, row_id, purpose: str, text: str | None) -> bytes | None:
    if text is None:
        return None
    return crypto.seal_bytes(runtime.current().keyring, str(text).encode("utf-8"), aad(org_id, row_id, purpose))


def open_text(org_id, row_id, purpose: str, blob) -> str | None:
    if blob is None:
        return None
    return _open(runtime.current().keyring, str(org_id), str(row_id), purpose, bytes(blob))


# A page of the case list opens up to 80 values (~50 us each: unwrap, then decrypt); the same
# blobs come back page after page. Keyed by the exact blob, its associated data and the keyring
# (its master keys), so a hit is what an authenticated decryption gave (a failure is not kept).
@functools.lru_cache(maxsize=20_000)
def _open(keyring, org_id: str, row_id: str, purpose: str, blob: bytes) -> str:
    return crypto.open_bytes(keyring, blob, aad(org_id, row_id, purpose)).decode("utf-8")


def read(row, model, field: str):
    """The value of a sealed field from a Core row that selected ``id``, ``organization_id``, ``<field>_sealed``
    and ``<field>_plain`` (see columns())."""
    plain, sealed = getattr(row, f"{field}_plain"), getattr(row, f"{field}_sealed")
    if plain is not None:  # written by an older release (see SealedText)
        return plain
    return open_text(row.organization_id, row.id, getattr(model, field).purpose, sealed)


def sealed_values(model, values: dict) -> dict:
    """Values for a Core INSERT of ``model`` (they carry ``id`` and ``organization_id``) with its sealed
    fields sealed: a Core statement bypasses the model's attributes and would store plaintext."""
    out = dict(values)
    for f in getattr(model, "__sealed_fields__", ()):
        if f.name in out:
            out[f.sealed] = seal_text(out["organization_id"], out["id"], f.purpose, out.pop(f.name))
    return out


def columns(model, field: str) -> tuple:
    """What a Core select needs to read one sealed field with read()."""
    return getattr(model, f"{field}_sealed"), getattr(model, f"{field}_plain")


def sealed_models() -> list[type]:
    return sorted({m.class_ for m in db.Model.registry.mappers if getattr(m.class_, "__sealed_fields__", ())},
                  key=lambda c: c.__name__)


def _seal_pending(mapper, connection, target) -> None:
    for field in type(target).__sealed_fields__:
        field.seal_pending(target)


def install() -> None:
    """Give SealedText its codec and seal late values before INSERT (idempotent)."""
    SealedText.codec = (seal_text, open_text)
    for model in sealed_models():
        if not sa.event.contains(model, "before_insert", _seal_pending):
            sa.event.listen(model, "before_insert", _seal_pending)


def _needs_work(model):
    fields = model.__sealed_fields__
    return sa.or_(*[getattr(model, f.sealed).is_not(None) for f in fields],
                  *[getattr(model, f.plain).is_not(None) for f in fields])


def rewrap_sealed_fields(keyring: crypto.Keyring, batch_size: int = 500) -> dict:
    """Key rotation: re-wrap every sealed field's data key, and seal any value still in plaintext."""
    counts = {}
    for model in sealed_models():
        n = 0
        rows = db.session.execute(sa.select(model).where(_needs_work(model))
                                  .execution_options(yield_per=batch_size)).scalars()
        for row in rows:
            for f in model.__sealed_fields__:
                blob, plain = getattr(row, f.sealed), getattr(row, f.plain)
                if plain is not None:  # written by an older release: seal it (or keep the blob) and clear it
                    f.__set__(row, f.__get__(row))
                    n += 1
                elif blob is not None and crypto.blob_key_id(blob) != keyring.current_key_id:
                    setattr(row, f.sealed, crypto.rewrap_blob(keyring, blob, aad(row.organization_id, row.id,
                                                                                 f.purpose)))
                    n += 1
        counts[f"{model.__tablename__}_fields"] = n
    return counts


def fields_under_old_key(keyring: crypto.Keyring) -> int:
    """Sealed field values under an old master key, plus values still in plaintext."""
    n = 0
    for model in sealed_models():
        for f in model.__sealed_fields__:
            n += db.session.execute(sa.select(sa.func.count()).where(getattr(model, f.plain).is_not(None))).scalar()
            n += keys.old_blobs(keyring, db.session.execute(
                sa.select(getattr(model, f.sealed)).where(getattr(model, f.sealed).is_not(None))).scalars())
    return n
