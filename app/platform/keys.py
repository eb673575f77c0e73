"""Master key rotation: re-wrap every data key under the current ENCRYPTION_KEY.

Content is never re-encrypted: only the small wrapped data keys change, so rotation is
fast and safe to interrupt and resume (rows already under the current key are skipped).
During rotation ENCRYPTION_OLD_KEYS keeps the old key able to unwrap.

Each kind of sealed data declares, next to its own definition, a re-wrapper (keyring -> counts of
rows re-wrapped) and a counter (keyring -> how many values still name an old key); create_app()
registers them here, so this module knows no table.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Callable

from app.extensions import db
from app.platform import crypto, runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rewrapper:
    """One kind of sealed data: how to re-wrap it, and how many of its values still need it."""
    rewrap: Callable[[crypto.Keyring], dict]
    remaining: Callable[[crypto.Keyring], int]


_REWRAPPERS: list[Rewrapper] = []


def register(rewrap: Callable[[crypto.Keyring], dict], remaining: Callable[[crypto.Keyring], int]):
    """Add a kind of sealed data to rotation (idempotent: create_app may run more than once)."""
    entry = Rewrapper(rewrap, remaining)
    if entry not in _REWRAPPERS:
        _REWRAPPERS.append(entry)


def rewrappers() -> list[Callable[[crypto.Keyring], dict]]:
    return [r.rewrap for r in _REWRAPPERS]


def rotate_all() -> dict:
    """Re-wrap every registered kind of sealed data; returns the counts of rows re-wrapped."""
    kr = runtime.current().keyring
    counts: dict = {}
    for r in _REWRAPPERS:
        counts.update(r.rewrap(kr))
        db.session.commit()
    log.info("key rotation done", extra={"counts": counts, "key_id": kr.current_key_id})
    return counts


def remaining_under_old_keys() -> int:
    """How many wrapped keys still name a key other than the current one (0 when rotation is complete)."""
    kr = runtime.current().keyring
    return sum(r.remaining(kr) for r in _REWRAPPERS)


def old_blobs(keyring: crypto.Keyring, blobs) -> int:
    """How many of these sealed blobs name a key other than the current one."""
    return sum(1 for blob in blobs if blob and crypto.blob_key_id(blob) != keyring.current_key_id)


SEARCH_KEY_BYTES = 32


def search_key_aad(org_id) -> bytes:
    return crypto.make_aad(org_id, org_id, "search-key")


def new_sealed_search_key(org_id) -> bytes:
    """A fresh organization search key (app/search/keys.py), sealed under the current master key."""
    return crypto.seal_bytes(runtime.current().keyring, os.urandom(SEARCH_KEY_BYTES), search_key_aad(org_id))
