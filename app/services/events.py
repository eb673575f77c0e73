"""The event log clients stream (SSE), with Redis pub/sub as the wake-up signal.

Every job change or notification is a row in `events` (its id is the SSE id, so a client
reconnecting with Last-Event-ID misses nothing) and, after the transaction commits, a
message on the organization's Redis channel so streams wake at once. A lost pub/sub
message only delays a stream until its next database re-read (about a second).
"""
from __future__ import annotations

import json
import logging
import uuid

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Event
from app.models.base import utcnow
from app.services import runtime

log = logging.getLogger(__name__)
CHANNEL = "caseos:events:{org}"
_PENDING_KEY = "caseos_pending_publish"


def emit(organization_id, type_: str, data: dict, *, user_id=None, job_id=None) -> Event:
    """Record an event in the caller's transaction; it is published when that transaction commits."""
    ev = Event(organization_id=organization_id, user_id=user_id, job_id=job_id, type=type_, data=data,
               created_at=utcnow())
    db.session.add(ev)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, set()).add(str(organization_id))
    return ev


@sa_event.listens_for(Session, "after_commit")
def _publish_after_commit(session):
    orgs = session.info.pop(_PENDING_KEY, None)
    if not orgs:
        return
    try:
        client = runtime.current().redis
    except RuntimeError:
        return
    if client is None:
        return
    for org in orgs:
        try:
            client.publish(CHANNEL.format(org=org), "1")
        except Exception as exc:  # the database already holds the event; streams will re-read it
            log.warning("event publish failed", extra={"error": type(exc).__name__})


@sa_event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_PENDING_KEY, None)


def events_after(org_ids, after_id: int, *, user_id=None, privileged_orgs=(), job_id=None, limit=200) -> list[Event]:
    """Events after a cursor. With user_id: the user's own events, organization-wide ones, and
    (in organizations where the user is privileged) other members' job events."""
    q = sa.select(Event).where(Event.organization_id.in_(list(org_ids)), Event.id > after_id)
    if job_id is not None:
        q = q.where(Event.job_id == job_id)
    if user_id is not None:
        q = q.where(sa.or_(Event.user_id.is_(None), Event.user_id == user_id,
                           sa.and_(Event.type == "job", Event.organization_id.in_(list(privileged_orgs) or [None]))))
    return db.session.execute(q.order_by(Event.id).limit(limit)).scalars().all()


def last_event_id(org_ids, *, job_id=None) -> int:
    q = sa.select(sa.func.max(Event.id)).where(Event.organization_id.in_(list(org_ids)))
    if job_id is not None:
        q = q.where(Event.job_id == job_id)
    return db.session.execute(q).scalar() or 0


def wait_for_wakeup(org_ids, timeout: float) -> "callable":
    """A function that blocks up to `timeout` seconds for a pub/sub message on the organizations' channels."""
    client = runtime.current().redis
    if client is None:
        import time
        return lambda: time.sleep(min(timeout, 0.5))
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(*[CHANNEL.format(org=o) for o in org_ids])
    except Exception:
        import time
        return lambda: time.sleep(min(timeout, 0.5))

    def wait():
        try:
            pubsub.get_message(timeout=timeout)
            # Drain bursts so one wake-up reads many events.
            while pubsub.get_message(timeout=0):
                pass
        except Exception:
            import time
            time.sleep(min(timeout, 0.5))
    wait.close = pubsub.close
    return wait


def sse(event_id, type_: str, data: dict) -> str:
    return f"id: {event_id}\nevent: {type_}\ndata: {json.dumps(data, default=str, separators=(',', ':'))}\n\n"


def parse_last_event_id(value) -> int:
    try:
        v = int(str(value).strip())
        return v if v >= 0 else 0
    except (TypeError, ValueError):
        return 0


def new_id() -> uuid.UUID:
    return uuid.uuid4()
