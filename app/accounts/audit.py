"""The audit trail: append-only, each event chained to the previous by SHA-256."""
from __future__ import annotations

import hashlib
import hmac
import json

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models.base import utcnow
from app.platform import context, runtime

GENESIS = "0" * 64


def _chain_key() -> bytes:
    """The HMAC key of the chain: AUDIT_KEY, else derived from SECRET_KEY. It lives outside the
    database, so someone who can write the table cannot forge a consistent chain."""
    cfg = runtime.current().config
    explicit = getattr(cfg, "AUDIT_KEY", None)
    if explicit:
        return explicit.encode()
    return hmac.new(cfg.SECRET_KEY.encode(), b"caseos.audit-chain.v1", hashlib.sha256).digest()


def _digest(prev_hash: str, ev: AuditEvent, key: bytes | None = None) -> str:
    body = json.dumps({
        "prev": prev_hash, "at": ev.created_at.isoformat(), "org": str(ev.organization_id or ""),
        "user": str(ev.user_id or ""), "action": ev.action, "type": ev.resource_type,
        "id": ev.resource_id or "", "case": str(ev.case_id or ""), "ip": ev.client_ip or "",
        "details": ev.details or {},
    }, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key or _chain_key(), body.encode(), hashlib.sha256).hexdigest()


def record(action: str, resource_type: str, resource_id=None, *, user=None, organization_id=None,
           case_id=None, details: dict | None = None) -> AuditEvent:
    """Append an audit event in the caller's transaction (it commits with the change it describes)."""
    if db.engine.dialect.name == "postgresql":
        # Serialize appends so two transactions never chain to the same predecessor.
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(727001)"))
    prev = db.session.execute(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    ev = AuditEvent(
        created_at=utcnow(), organization_id=organization_id, user_id=getattr(user, "id", user),
        action=action, resource_type=resource_type, resource_id=str(resource_id) if resource_id else None,
        case_id=case_id, client_ip=context.client_ip.get(), request_id=context.request_id.get(),
        details=details, prev_hash=prev or GENESIS,
    )
    ev.hash = _digest(ev.prev_hash, ev)
    db.session.add(ev)
    db.session.flush()
    return ev


def verify_chain() -> tuple[bool, int | None, int]:
    """Walk the chain; return (ok, id of the first broken event or None, events checked)."""
    prev, count, key = GENESIS, 0, _chain_key()
    rows = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars()
    for ev in rows:
        count += 1
        if ev.prev_hash != prev or not hmac.compare_digest(_digest(ev.prev_hash, ev, key), ev.hash):
            return False, ev.id, count
        prev = ev.hash
    return True, None, count


def head() -> tuple[int, str] | None:
    """The newest event's id and hash: an anchor to keep outside the database (logs, a ticket).
    The chain proves nothing was changed or removed *before* the newest event; only an anchor
    kept elsewhere shows that the newest events themselves were not cut off."""
    row = db.session.execute(sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc())
                             .limit(1)).first()
    return (row[0], row[1]) if row else None


def check_anchor(event_id: int, expected_hash: str) -> str | None:
    """None if the anchored event is still in the trail with the hash recorded; else what is wrong."""
    found = db.session.execute(sa.select(AuditEvent.hash).where(AuditEvent.id == event_id)).scalar()
    if found is None:
        return f"anchored event {event_id} is missing (the trail was cut back)"
    if not hmac.compare_digest(found, expected_hash):
        return f"anchored event {event_id} has a different hash"
    return None


def list_events(org_id, case_id=None, page=1, per_page=20):
    q = sa.select(AuditEvent).where(AuditEvent.organization_id == org_id)
    if case_id:
        q = q.where(AuditEvent.case_id == case_id)
    total = db.session.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar()
    items = db.session.execute(q.order_by(AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return items, total
