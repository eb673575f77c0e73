"""The case list's ``total``, counted once and shared until a case of the organization changes.

An exact ``count(*)`` of an organization's live cases costs tens of milliseconds under
row-level security at 100,000 cases; the list asked for it on every page. Here the count is
kept in Redis per organization and filter combination, behind a per-organization
*generation*:

* a reader fetches the generation and the count stored under it in one round trip (Lua);
  on a miss it counts in the database and stores the result under the generation it read
  *before* counting;
* every commit that inserts, soft-deletes, deletes or re-files a case (or changes a field a
  filter looks at: status, case_type, title) bumps the organization's generation in the
  session's ``after_commit``, i.e. before the writing request answers. Counts stored under
  an older generation are never read again, so a count taken before the commit cannot be
  served after it, even if its writer stores it late.

So the user who creates or deletes a case sees the new total on their next request, and so
does everyone else in the organization once the writer's commit returns. The count depends
only on (organization, filters): membership is checked before, and row-level security gives
every member of an organization the same rows of it.

Writes that bypass the ORM session (raw SQL, bulk loads) are not seen; no stored count is
served more than ``TTL_SECONDS`` after it was taken, which bounds how stale such a write can
leave a total.
Without Redis (the embedded default) or when Redis fails, the list counts exactly every
time.
"""
from __future__ import annotations

import json
import logging
import time

from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from app.platform import runtime
from app.models import Case

log = logging.getLogger(__name__)
TTL_SECONDS = 30
GEN_TTL_SECONDS = 7 * 24 * 3600
GEN_KEY = "caseos:casecount:gen:{org}"
COUNTS_KEY = "caseos:casecount:{org}:{gen}"  # + ":" + time bucket
_PENDING_KEY = "caseos_case_count_orgs"
# Fields whose change can move a case in or out of a filtered count.
_COUNTED_FIELDS = ("organization_id", "deleted_at", "status", "case_type", "title")

# KEYS[1] generation key, KEYS[2] counts key prefix; ARGV[1] field, ARGV[2] time bucket
# -> {generation, count or nothing}
_READ = """
local gen = redis.call('GET', KEYS[1]) or '0'
return {gen, redis.call('HGET', KEYS[2] .. gen .. ':' .. ARGV[2], ARGV[1])}
"""


def _client():
    try:
        return runtime.current().redis
    except RuntimeError:
        return None


def _bucket() -> str:
    return str(int(time.time() // TTL_SECONDS))


def _reader(client):
    script = getattr(client, "_caseos_case_count_read", None)
    if script is None:
        script = client._caseos_case_count_read = client.register_script(_READ)
    return script


def count(org_id, filters: tuple, compute) -> int:
    """The organization's count for these filters: cached, or ``compute()`` (then cached)."""
    client = _client()
    if client is None:
        return compute()
    org = str(org_id)
    field = json.dumps(filters, separators=(",", ":"))
    # Counts live in a hash per (generation, time bucket): whatever else happens, none is
    # served more than TTL_SECONDS after it was taken (EXPIRE only frees the memory).
    bucket = _bucket()
    try:
        found = _reader(client)(keys=[GEN_KEY.format(org=org), COUNTS_KEY.format(org=org, gen="")],
                                args=[field, bucket])
        gen, cached = found[0], (found[1] if len(found) > 1 else None)  # Lua drops a trailing nil
    except Exception as exc:  # Redis down or slow: count exactly
        log.warning("case count cache unavailable", extra={"error": type(exc).__name__})
        return compute()
    if cached is not None:
        return int(cached)
    total = compute()
    key = COUNTS_KEY.format(org=org, gen=gen.decode() if isinstance(gen, bytes) else gen) + ":" + bucket
    try:
        pipe = client.pipeline(transaction=False)
        pipe.hset(key, field, total)
        pipe.expire(key, 2 * TTL_SECONDS)
        pipe.execute()
    except Exception as exc:
        log.warning("case count cache store failed", extra={"error": type(exc).__name__})
    return total


def invalidate(org_ids) -> None:
    """Start a new generation for these organizations: every cached count of theirs is dropped."""
    orgs = {str(o) for o in org_ids if o is not None}
    client = _client() if orgs else None
    if client is None:
        return
    try:
        pipe = client.pipeline(transaction=False)
        for org in orgs:
            pipe.incr(GEN_KEY.format(org=org))
            pipe.expire(GEN_KEY.format(org=org), GEN_TTL_SECONDS)
        pipe.execute()
    except Exception as exc:  # counts then heal within TTL_SECONDS
        log.warning("case count invalidation failed", extra={"error": type(exc).__name__})


def init_app():
    """Install the session hooks that keep the cached counts exact (create_app calls this)."""
    for name, fn in (("after_flush", _note_case_writes), ("after_commit", _invalidate_after_commit)):
        if not sa_event.contains(Session, name, fn):
            sa_event.listen(Session, name, fn)


def _note_case_writes(session, _flush_context):
    """Remember the organizations whose counts this transaction changes (history is still intact here)."""
    touched = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Case):
            touched.add(obj.organization_id)
    for obj in session.dirty:
        if isinstance(obj, Case):
            attrs = sa_inspect(obj).attrs
            changed = [attrs[name].history for name in _COUNTED_FIELDS if attrs[name].history.has_changes()]
            if changed:
                touched.add(obj.organization_id)
                touched.update(attrs["organization_id"].history.deleted or ())
    if touched:
        session.info.setdefault(_PENDING_KEY, set()).update(touched)


def _invalidate_after_commit(session):
    orgs = session.info.pop(_PENDING_KEY, None)
    if orgs:
        invalidate(orgs)

# No after_rollback hook on purpose: a savepoint's rollback must not drop the organizations an
# outer transaction still commits; an organization kept after a real rollback only costs one
# extra recount at the session's next commit.
