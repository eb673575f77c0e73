"""Each organization's search key: 32 random bytes, sealed under the master key in its own row.

The key turns words into index tokens (app/search/blind.py). It is made with the organization
(app/accounts), so indexing never writes the organization's row: a worker frozen half-way through
indexing would otherwise hold that row locked and stall every other index of the organization. An
organization made before search keys existed gets its key the first time one of its documents is
indexed, with a compare-and-set so two workers indexing at once agree on one key. Master key rotation re-wraps it (the key itself, and so every token, stays the same:
search keeps working without re-indexing). Deleting the organization deletes the key, and with it
any way to relate a leftover token to a word.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Organization
from app.platform import crypto, keys, runtime

KEY_BYTES = keys.SEARCH_KEY_BYTES
key_aad = keys.search_key_aad


def search_key(org_id, *, create: bool = True) -> bytes | None:
    """The organization's search key (made and stored on first use when create is set)."""
    keyring = runtime.current().keyring
    sealed = db.session.execute(sa.select(Organization.search_key).where(Organization.id == org_id)).scalar()
    if sealed is None:
        if not create:
            return None
        fresh = keys.new_sealed_search_key(org_id)
        # Compare-and-set: whoever sets it first wins; everyone reads the winner's key afterwards.
        db.session.execute(sa.update(Organization).where(Organization.id == org_id, Organization.search_key.is_(None))
                           .values(search_key=fresh).execution_options(synchronize_session=False))
        sealed = db.session.execute(sa.select(Organization.search_key).where(Organization.id == org_id)).scalar()
        if sealed is None:
            raise LookupError("no such organization")
    return crypto.open_bytes(keyring, sealed, key_aad(org_id))


def rewrap_search_keys(keyring: crypto.Keyring) -> dict:
    """Key rotation: re-wrap every organization's search key still under an old master key."""
    n = 0
    for org in db.session.execute(sa.select(Organization).where(Organization.search_key.is_not(None))).scalars():
        if crypto.blob_key_id(org.search_key) != keyring.current_key_id:
            org.search_key = crypto.rewrap_blob(keyring, org.search_key, key_aad(org.id))
            n += 1
    return {"search_keys": n}


def search_keys_under_old_key(keyring: crypto.Keyring) -> int:
    return keys.old_blobs(keyring, db.session.execute(sa.select(Organization.search_key)).scalars())
