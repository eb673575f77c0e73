"""The event log clients stream (SSE), with Redis pub/sub as the wake-up signal.

Every job change or notification is a row in `events` (its id is the SSE id, so a client
reconnecting with Last-Event-ID misses nothing) and, after the transaction commits, a
message on the organization's Redis channel (its payload: the highest new event id) so the
web processes' event hubs (event_hub.py) wake at once; commits in a web process also wake its
own hub directly, which is how the embedded default (no Redis) learns of them. A lost pub/sub
message only delays a stream until its hub's next database re-read (about a second).

Who sees what is one rule with two forms: `events_after` in SQL (a stream's backlog) and
`visible` in Python (the hub's fan-out of events it read once for every stream).
"""
from __future__ import annotations

import base64
import json
import logging
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Event
from app.models.base import utcnow
from app.platform import crypto, runtime

log = logging.getLogger(__name__)
CHANNEL = "caseos:events:{org}"
_PENDING_KEY = "caseos_pending_publish"


# Fields of an event that quote what people wrote (a notification's title names a deadline and a
# case): sealed in the stored log under the organization and the event's subject id (data["id"]),
# opened when the event's frame is rendered.
SEALED_FIELDS = {"notification": ("title",)}


def _field_aad(organization_id, type_: str, data: dict, name: str) -> bytes:
    return crypto.make_aad(organization_id, data["id"], f"event.{type_}.{name}")


def seal_data(organization_id, type_: str, data: dict) -> dict:
    """The event's data as stored: its SEALED_FIELDS sealed into ``<name>_sealed``."""
    names = [n for n in SEALED_FIELDS.get(type_, ()) if data.get(n) is not None]
    if not names:
        return data
    out = dict(data)
    for name in names:
        blob = crypto.seal_bytes(runtime.current().keyring, str(out.pop(name)).encode(),
                                 _field_aad(organization_id, type_, data, name))
        out[f"{name}_sealed"] = base64.b64encode(blob).decode()
    return out


def open_data(organization_id, type_: str, data: dict) -> dict:
    """The event's data as clients receive it (seal_data undone)."""
    names = [n for n in SEALED_FIELDS.get(type_, ()) if f"{n}_sealed" in data]
    if not names:
        return data
    out = dict(data)
    for name in names:
        blob = base64.b64decode(out.pop(f"{name}_sealed"))
        out[name] = crypto.open_bytes(runtime.current().keyring, blob,
                                      _field_aad(organization_id, type_, data, name)).decode()
    return out


def emit(organization_id, type_: str, data: dict, *, user_id=None, job_id=None) -> Event:
    """Record an event in the caller's transaction; it is published when that transaction commits."""
    ev = Event(organization_id=organization_id, user_id=user_id, job_id=job_id, type=type_,
               data=seal_data(organization_id, type_, data), created_at=utcnow())
    db.session.add(ev)
    db.session.flush()
    publish_on_commit(organization_id, ev.id or 0)
    return ev


def publish_on_commit(organization_id, event_id: int) -> None:
    """Wake the organization's streams when the current transaction commits (for events inserted in
    bulk rather than through emit)."""
    pending = db.session.info.setdefault(_PENDING_KEY, {})
    org = _uuid(organization_id)
    pending[org] = max(pending.get(org, 0), event_id)


# Told of every commit's new events in this process, before Redis carries them to the others (the
# web process's event hub: its streams wake at once, the only wake-up without Redis). init_app sets it.
_local_subscribers: list = []


def init_app(local_subscriber=None):
    """Install the session hooks that publish events on commit (create_app calls this once per app)."""
    if local_subscriber is not None and local_subscriber not in _local_subscribers:
        _local_subscribers.append(local_subscriber)
    for name, fn in (("after_commit", _publish_after_commit), ("after_rollback", _drop_pending)):
        if not sa_event.contains(Session, name, fn):
            sa_event.listen(Session, name, fn)


def _publish_after_commit(session):
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    for subscriber in _local_subscribers:
        subscriber(pending)
    try:
        client = runtime.current().redis
    except RuntimeError:
        return
    if client is None:
        return
    for org, last_id in pending.items():
        try:
            client.publish(CHANNEL.format(org=org), str(last_id))
        except Exception as exc:  # the database already holds the event; hubs will re-read it
            log.warning("event publish failed", extra={"error": type(exc).__name__})


def _drop_pending(session):
    session.info.pop(_PENDING_KEY, None)


def events_after(org_ids, after_id: int, *, user_id=None, privileged_orgs=(), job_id=None, limit=200) -> list[Event]:
    """Events after a cursor. With user_id: the user's own events, organization-wide ones, and
    (in organizations where the user is privileged) other members' job events. (`visible` is the
    same rule in Python: change both together.)"""
    q = sa.select(Event).where(Event.organization_id.in_(list(org_ids)), Event.id > after_id)
    if job_id is not None:
        q = q.where(Event.job_id == job_id)
    if user_id is not None:
        q = q.where(sa.or_(Event.user_id.is_(None), Event.user_id == user_id,
                           sa.and_(Event.type == "job", Event.organization_id.in_(list(privileged_orgs) or [None]))))
    return db.session.execute(q.order_by(Event.id).limit(limit)).scalars().all()


def visible(ev, org_ids, *, user_id=None, privileged_orgs=(), job_id=None) -> bool:
    """`events_after`'s rule for one event already read (an Event or a Record)."""
    if ev.organization_id not in org_ids:
        return False
    if job_id is not None and ev.job_id != job_id:
        return False
    if user_id is not None:
        return ev.user_id is None or ev.user_id == user_id or \
            (ev.type == "job" and ev.organization_id in privileged_orgs)
    return True


def events_since(cursors: dict, *, limit: int = 500) -> list[Event]:
    """Every event of several organizations, each after its own cursor, in id order (the hub's read)."""
    groups: dict[int, list] = {}
    for org, cursor in cursors.items():
        groups.setdefault(cursor, []).append(org)
    cond = sa.or_(*(sa.and_(Event.organization_id.in_(orgs), Event.id > cursor) for cursor, orgs in groups.items()))
    return db.session.execute(sa.select(Event).where(cond).order_by(Event.id).limit(limit)).scalars().all()


def last_event_id(org_ids, *, job_id=None) -> int:
    q = sa.select(sa.func.max(Event.id)).where(Event.organization_id.in_(list(org_ids)))
    if job_id is not None:
        q = q.where(Event.job_id == job_id)
    return db.session.execute(q).scalar() or 0


@dataclass(frozen=True)
class Audience:
    """Whom a stream is for, hence which events it may see: a job's events, or a user's."""
    org_ids: frozenset
    user_id: uuid.UUID | None = None
    privileged_orgs: frozenset = frozenset()
    job_id: uuid.UUID | None = None

    @classmethod
    def of_job(cls, organization_id, job_id) -> "Audience":
        return cls(frozenset({_uuid(organization_id)}), job_id=_uuid(job_id))

    @classmethod
    def of_user(cls, org_ids, user_id, privileged_orgs=()) -> "Audience":
        return cls(frozenset(_uuid(o) for o in org_ids), user_id=_uuid(user_id),
                   privileged_orgs=frozenset(_uuid(o) for o in privileged_orgs))

    def events_after(self, after_id: int, *, limit: int = 200) -> list[Event]:
        return events_after(self.org_ids, after_id, user_id=self.user_id, privileged_orgs=self.privileged_orgs,
                            job_id=self.job_id, limit=limit)

    def sees(self, ev) -> bool:
        return visible(ev, self.org_ids, user_id=self.user_id, privileged_orgs=self.privileged_orgs,
                       job_id=self.job_id)


@dataclass(frozen=True, slots=True)
class Record:
    """An event read once and detached from its session, with its SSE frame rendered once."""
    id: int
    organization_id: uuid.UUID
    user_id: uuid.UUID | None
    job_id: uuid.UUID | None
    type: str
    data: dict
    frame: str

    @classmethod
    def of(cls, ev: Event) -> "Record":
        data = open_data(ev.organization_id, ev.type, ev.data)
        return cls(ev.id, ev.organization_id, ev.user_id, ev.job_id, ev.type, data, sse(ev.id, ev.type, data))


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


def _uuid(value):
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))
