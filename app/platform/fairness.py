"""A fair share of the workers for every organization: admission when a job is sent.

The broker's queues are first in, first out: an organization that uploads 500 files would put
500 messages in front of everyone else's first document. So a job of a fair kind is *sent* (its
first message reaches the broker) only while its organization has fewer than ORG_ACTIVE_JOBS jobs
of that kind sent and not finished. The others wait in the job table, QUEUED and never sent
(`enqueued_at` empty), and are sent oldest first as the organization's earlier jobs end (the
runner admits after every delivery that ends a job, and the sweeper every minute as a backstop).

Another organization's first document therefore waits behind at most ORG_ACTIVE_JOBS messages
of each busy organization, never behind a whole backlog. The cap is per organization and kind
and a little soft: two uploads at the same instant may both find room.
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from app.extensions import db
from app.models import Job
from app.platform import runtime

# Job kinds admitted by turn (key rotation is an operator's, one at a time anyway).
FAIR_KINDS = ("document.process", "form.fill", "research")


def cap() -> int:
    return max(1, runtime.current().config.ORG_ACTIVE_JOBS)


def _active(org_id, kind: str):
    """Jobs of the organization and kind that hold a turn: sent (or running) and not final."""
    return sa.and_(Job.organization_id == org_id, Job.kind == kind,
                   sa.or_(Job.status == "RUNNING", sa.and_(Job.status == "QUEUED", Job.enqueued_at.is_not(None))))


def never_sent():
    """Jobs waiting for their turn (or whose first send was lost): the admission's, not the sweeper's."""
    return sa.and_(Job.kind.in_(FAIR_KINDS), Job.status == "QUEUED", Job.enqueued_at.is_(None))


def room(org_id, kind: str) -> int:
    """How many more jobs of this organization and kind may be sent now."""
    if kind not in FAIR_KINDS:
        return 1
    n = db.session.execute(sa.select(sa.func.count()).select_from(Job).where(_active(org_id, kind))).scalar_one()
    return max(0, cap() - n)


def waiting(org_id, kind: str, limit: int) -> list[Job]:
    """The organization's oldest jobs of this kind still waiting for a turn, locked against another admitter."""
    if limit <= 0:
        return []
    query = (sa.select(Job).where(never_sent(), Job.organization_id == org_id, Job.kind == kind)
             .order_by(Job.created_at, Job.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.execute(query).scalars())


def backlogs(created_before) -> list[tuple[uuid.UUID, str]]:
    """Every (organization, kind) with a job created before this time still waiting for a turn (the
    sweeper's backstop leaves a job just created to the request that is sending it)."""
    rows = db.session.execute(sa.select(Job.organization_id, Job.kind)
                              .where(never_sent(), Job.created_at < created_before).distinct())
    return [(r[0], r[1]) for r in rows]

