"""The signed-in person's dashboard: what is due next across their cases, papers still being read,
recent notifications, and the cases that need them - every organization they belong to, in one answer.

Plain data for the handler to serialize (app/schemas/dashboard.py); nothing here knows HTTP.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.accounts.tenancy import Principal, scope_ids, scoped
from app.cases.notifications import list_notifications
from app.deadlines.reminders import get_zone
from app.deadlines.service import user_zone
from app.deadlines.zones import court_zone, due_instant
from app.extensions import db
from app.models import Case, Deadline, Document, Job
from app.models.base import utcnow
from app.platform.messages import N_, Catalogue

OPEN_DEADLINES = ("PENDING", "SUGGESTED")
DUE_SOON_DAYS = 7
# Most urgent first: what a person must act on today comes before what merely waits for them.
ATTENTION_ORDER = ("deadline_passed", "due_soon", "documents_failed", "deadlines_to_confirm")
ATTENTION = Catalogue({  # why a case needs the person (app/platform/messages.py)
    "attention.deadline_passed": N_("{count} deadline(s) passed without being marked done (the first on {date})."),
    "attention.due_soon": N_("{count} deadline(s) due within {days} days (the first on {date})."),
    "attention.deadlines_to_confirm": N_("{count} deadline(s) found in your papers wait for you to confirm or "
                                         "dismiss them."),
    "attention.documents_failed": N_("{count} document(s) could not be read; open each one to see why."),
})


def today_for(principal: Principal, now: datetime | None = None) -> date:
    """Today in the person's own zone (a deadline due "today" is still ahead until their day ends)."""
    return (now or utcnow()).astimezone(get_zone(user_zone(principal.user))).date()


def dashboard(principal: Principal, *, now: datetime | None = None, limit: int = 10) -> dict:
    """Next deadlines, documents being processed, recent notifications and cases needing attention."""
    today = today_for(principal, now)
    notifications, _ = list_notifications(principal, per_page=limit)
    unread = list_notifications(principal, unread=True, per_page=1)[1]
    return {"today": today, "next_deadlines": next_deadlines(principal, today, limit=limit, now=now),
            "processing": processing_documents(principal, limit=limit * 2),
            "notifications": notifications, "unread_notifications": unread,
            "attention": cases_needing_attention(principal, today, limit=limit)}


def deadline_item(deadline: Deadline, case: Case, today: date, document: Document | None, *,
                  viewer_zone: str | None = None, now: datetime | None = None) -> dict:
    """One deadline as the dashboard and the case insights show it: when, how long, where it came from.

    Days are counted on the court's calendar when ``now`` is given (its last day is 0 until the court's
    day ends); a due time is also given as the moment in the viewer's zone (``due_at``)."""
    court = court_zone(case.jurisdiction)
    clock = court or viewer_zone
    day = now.astimezone(get_zone(clock)).date() if now is not None and clock else today
    item = {"id": deadline.id, "case_id": case.id, "case_title": case.title, "title": deadline.title,
            "due_date": deadline.due_date, "due_time": deadline.due_time,
            "timezone": court or None, "status": deadline.status,
            "days_left": (deadline.due_date - day).days, "rule": deadline.rule, "citation": deadline.citation,
            "quote": deadline.quote,
            "source_document": {"id": document.id, "title": document.title} if document is not None else None}
    if deadline.due_time is not None and clock and viewer_zone:
        item["due_at"] = due_instant(deadline.due_date, deadline.due_time, clock).astimezone(get_zone(viewer_zone))
    return item


def has_passed(deadline: Deadline, case: Case, now: datetime, viewer_zone: str) -> bool:
    """True once the deadline has passed on its court's clock (the viewer's zone for a federal case)."""
    return now >= due_instant(deadline.due_date, deadline.due_time, court_zone(case.jurisdiction) or viewer_zone)


def next_deadlines(principal: Principal, today: date, *, limit: int = 10, case_id=None,
                   now: datetime | None = None) -> list[dict]:
    """Open deadlines not yet passed on their court's clock, nearest first, each with its source."""
    now, zone = now or utcnow(), user_zone(principal.user)
    query = (scoped(principal, Deadline, all_orgs=True)     # a court a day behind may still be on its due day
             .where(Deadline.status.in_(OPEN_DEADLINES), Deadline.due_date >= today - timedelta(days=1))
             .order_by(Deadline.due_date, Deadline.due_time.is_(None), Deadline.due_time, Deadline.id)
             .limit(limit + 20))
    if case_id is not None:
        query = query.where(Deadline.case_id == case_id)
    deadlines = db.session.execute(query).scalars().all()
    cases = _by_id(Case, {d.case_id for d in deadlines})
    ahead = [d for d in deadlines if not has_passed(d, cases[d.case_id], now, zone)][:limit]
    documents = _by_id(Document, {d.source_document_id for d in ahead if d.source_document_id})
    return [deadline_item(d, cases[d.case_id], today, documents.get(d.source_document_id), viewer_zone=zone, now=now)
            for d in ahead]


def _by_id(model, ids: set) -> dict:
    if not ids:
        return {}
    conds = [model.deleted_at.is_(None)] if hasattr(model, "deleted_at") else []
    return {row.id: row for row in db.session.execute(sa.select(model).where(model.id.in_(ids), *conds)).scalars()}


def processing_documents(principal: Principal, *, limit: int = 20, case_id=None) -> list[dict]:
    """Documents still queued or being read, oldest first, with their job's progress and current step."""
    query = (scoped(principal, Document, all_orgs=True).where(Document.status.in_(("QUEUED", "PROCESSING")))
             .order_by(Document.created_at, Document.id).limit(limit))
    if case_id is not None:
        query = query.where(Document.case_id == case_id)
    documents = db.session.execute(query).scalars().all()
    jobs = _latest_jobs([d.id for d in documents])
    out = []
    for doc in documents:
        job = jobs.get(doc.id)
        out.append({"document_id": doc.id, "case_id": doc.case_id, "title": doc.title, "status": doc.status,
                    "created_at": doc.created_at, "job_id": job.id if job else None,
                    "progress": round(job.progress or 0.0, 3) if job else 0.0,
                    "step": _current_step(job) if job else None})
    return out


def _latest_jobs(document_ids: list) -> dict:
    if not document_ids:
        return {}
    rows = db.session.execute(sa.select(Job).where(Job.document_id.in_(document_ids))
                              .order_by(Job.document_id, Job.created_at)).scalars()
    return {job.document_id: job for job in rows}  # the newest wins


def _current_step(job: Job) -> str | None:
    for step in job.steps or []:
        if isinstance(step, dict) and step.get("status") not in ("done", "skipped"):
            return step.get("name")
    return None


def cases_needing_attention(principal: Principal, today: date, *, limit: int = 10) -> list[dict]:
    """Open cases with something to do, most urgent first: a deadline passed, one due within a week,
    papers that could not be read, deadlines found in papers waiting for confirmation."""
    orgs = scope_ids(principal, all_orgs=True)
    reasons: dict = {}
    for case_id, code, count, first in _attention_rows(orgs, today):
        reasons.setdefault(case_id, []).append(_reason(code, count, first))
    cases = _by_id(Case, set(reasons))
    out = [{"case_id": cid, "title": cases[cid].title, "status": cases[cid].status,
            "reasons": sorted(rs, key=lambda r: ATTENTION_ORDER.index(r["code"]))}
           for cid, rs in reasons.items() if cid in cases and cases[cid].status != "CLOSED"]
    out.sort(key=lambda c: (ATTENTION_ORDER.index(c["reasons"][0]["code"]), c["reasons"][0].get("date") or today,
                            str(c["case_id"])))
    return out[:limit]


def _attention_rows(orgs: list, today: date):
    """(case id, reason code, how many, earliest date) for the caller's organizations."""
    live = sa.exists().where(Case.id == Deadline.case_id, Case.deleted_at.is_(None))
    in_orgs = Deadline.organization_id.in_(orgs)
    queries = {
        # MISSED is set on the court's clock; a PENDING one is surely past only before yesterday (a court
        # behind the person may still be on yesterday), so it is never called passed while its day runs
        "deadline_passed": sa.and_(in_orgs, live, sa.or_(Deadline.status == "MISSED", sa.and_(
            Deadline.status == "PENDING", Deadline.due_date < today - timedelta(days=1)))),
        "due_soon": sa.and_(in_orgs, live, Deadline.status == "PENDING", Deadline.due_date >= today,
                            Deadline.due_date <= today + timedelta(days=DUE_SOON_DAYS)),
        "deadlines_to_confirm": sa.and_(in_orgs, live, Deadline.status == "SUGGESTED", Deadline.due_date >= today),
    }
    for code, where in queries.items():
        yield from ((cid, code, n, first) for cid, n, first in db.session.execute(
            sa.select(Deadline.case_id, sa.func.count(), sa.func.min(Deadline.due_date)).where(where)
            .group_by(Deadline.case_id)).all())
    failed = db.session.execute(
        sa.select(Document.case_id, sa.func.count()).where(
            Document.organization_id.in_(orgs), Document.status == "FAILED", Document.deleted_at.is_(None),
            sa.exists().where(Case.id == Document.case_id, Case.deleted_at.is_(None)))
        .group_by(Document.case_id)).all()
    yield from ((cid, "documents_failed", n, None) for cid, n in failed)


def _reason(code: str, count: int, first: date | None) -> dict:
    params = {"count": count, **({"date": first.isoformat()} if first else {}),
              **({"days": DUE_SOON_DAYS} if code == "due_soon" else {})}
    said = ATTENTION(f"attention.{code}", **params)
    return {"code": code, "count": count, "date": first, "message": said["text"], "i18n": {"message": said}}
