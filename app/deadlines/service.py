"""Deadlines of a case: create, change status, compute from the court rules, schedule reminders,
mark missed ones, and publish them as iCalendar feeds.

The reminder schedule is data: one ReminderDelivery row per (recipient, offset, channel), written
whenever a deadline becomes PENDING or its date or offsets change (`schedule_reminders`). The
rows are sent by app/cases/notifications.py. Callers commit.
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Deadline, Document, Membership, ReminderDelivery, User
from app.models.base import utcnow
from app.accounts import audit
from app.platform import runtime
from app.deadlines.calendar import deadlines_ics
from app.deadlines.zones import court_zone, due_instant
from app.deadlines import engine
from app.deadlines.reminders import DEFAULT_OFFSETS, get_zone, reminder_times
from app.platform.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.accounts.tenancy import WRITE_ROLES, Principal, get_visible, principal_for, scoped

# Who may move a deadline where. MISSED is set only by `mark_missed`; a person may reopen.
TRANSITIONS = {
    "SUGGESTED": {"PENDING", "DISMISSED"},
    "PENDING": {"COMPLETED", "DISMISSED"},
    "COMPLETED": {"PENDING"},
    "DISMISSED": {"PENDING"},
    "MISSED": {"PENDING", "COMPLETED", "DISMISSED"},
}
EDITABLE = ("title", "due_date", "due_time", "rule", "citation", "reminders")
SCHEDULE_FIELDS = {"due_date", "due_time", "reminders", "status"}  # what the reminder rows depend on
SKIP_AFTER = timedelta(days=1)  # a reminder this late when scheduled is skipped, not sent
IN_FLIGHT = ("SENT", "CLAIMED")  # rows that are (being) delivered: never rewritten
FALLBACK_ZONE = "America/New_York"
DISCLAIMER = ("Computed from the court rules CaseOS knows. Check the date against the court's local rules, "
              "any order in your case, and with the clerk; this is not legal advice.")


class DeadlineNotComputable(DomainError):
    """The rules cannot compute this trigger: the problem carries guidance, never a guess."""

    status, title, code = 422, "Deadline cannot be computed", "deadline_not_computable"


# --- computation ------------------------------------------------------------------------------

def compute(jurisdiction: str, trigger: str, trigger_date: date, service_method: str | None = None,
            state: str | None = None, court: str | None = None):
    """Deadlines the rules derive from a trigger, each with its counting steps. ``state`` or ``court`` (a courts-db
    id) name the district's state for a federal computation (Fed. R. Civ. P. 6(a)(6)(C))."""
    with _not_computable():
        return engine.compute(jurisdiction, trigger, trigger_date, service_method, state=state, court=court)


def rules(jurisdiction: str, case_type: str | None = None) -> dict:
    """Triggers, rules and service methods known for a jurisdiction, optionally for one case type."""
    with _not_computable():
        info = engine.jurisdiction_info(jurisdiction)
        info["triggers"] = engine.list_triggers(jurisdiction, case_type)
        return {**info, "rules": engine.list_rules(jurisdiction, case_type),
                "known_jurisdictions": engine.list_jurisdictions()}


def triggers(jurisdiction: str, case_type: str | None = None, document_type: str | None = None) -> list[dict]:
    """Plain-language triggers a person would recognise; with ``document_type`` (as the analyzer names document
    types) only those such a document usually starts. The analysis of a document can call this to suggest one."""
    with _not_computable():
        return engine.suggest_triggers(jurisdiction, case_type, document_type)


@contextmanager
def _not_computable():
    try:
        yield
    except engine.DeadlineRuleUnknown as exc:
        errors = {exc.field: [exc.message]} if exc.field else None
        raise DeadlineNotComputable(exc.message, errors=errors, guidance=exc.guidance,
                                    known_triggers=exc.known_triggers,
                                    known_jurisdictions=exc.known_jurisdictions or None) from None


# --- the deadlines of a case ------------------------------------------------------------------

def list_deadlines(principal: Principal, case_id, *, status=None, page=1, per_page=20):
    """A page of a case's deadlines, soonest first."""
    case = get_visible(principal, Case, case_id)
    query = scoped(principal, Deadline, all_orgs=True).where(Deadline.case_id == case.id)
    if status:
        query = query.where(Deadline.status == status)
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
    items = db.session.execute(query.order_by(Deadline.due_date, Deadline.due_time, Deadline.id)
                               .limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return items, total


def get_deadline(principal: Principal, deadline_id) -> Deadline:
    return get_visible(principal, Deadline, deadline_id)


def create_deadline(principal: Principal, case_id, data: dict, *, now: datetime | None = None) -> Deadline:
    """Add a deadline (PENDING unless SUGGESTED) and schedule its reminders."""
    case = get_visible(principal, Case, case_id, write=True)
    source = _source_document(principal, case, data.get("source_document_id"))
    deadline = Deadline(
        organization_id=case.organization_id, case_id=case.id, created_by_id=principal.user.id,
        title=data["title"], due_date=data["due_date"], due_time=data.get("due_time"),
        status=data.get("status") or "PENDING", rule=data.get("rule"), citation=data.get("citation"),
        source_document_id=source, reminders=_offsets(data.get("reminders")))
    db.session.add(deadline)
    db.session.flush()
    audit.record("deadline.create", "deadline", deadline.id, user=principal.user,
                 organization_id=deadline.organization_id, case_id=deadline.case_id,
                 details={"status": deadline.status, "due_date": deadline.due_date.isoformat()})
    schedule_reminders(deadline, now=now)
    return deadline


def update_deadline(principal: Principal, deadline_id, data: dict, *, now: datetime | None = None) -> Deadline:
    """Change fields and/or status (confirm, complete, dismiss, reopen); reschedule reminders."""
    deadline = get_visible(principal, Deadline, deadline_id, write=True)
    db.session.refresh(deadline, with_for_update=True)  # concurrent edits apply one after the other
    changes = {}
    for key in EDITABLE:
        if key not in data:
            continue
        value = _offsets(data[key]) if key == "reminders" else data[key]
        if getattr(deadline, key) != value:
            changes[key] = value
            setattr(deadline, key, value)
    new_status = data.get("status")
    if new_status and new_status != deadline.status:
        if new_status not in TRANSITIONS[deadline.status]:
            raise Conflict(f"A {deadline.status} deadline cannot become {new_status}.",
                           code="invalid_transition", allowed=sorted(TRANSITIONS[deadline.status]))
        changes["status"] = [deadline.status, new_status]
        deadline.status = new_status
        deadline.completed_at = (now or utcnow()) if new_status == "COMPLETED" else None
    if changes:
        deadline.updated_at = utcnow()
        audit.record("deadline.update", "deadline", deadline.id, user=principal.user,
                     organization_id=deadline.organization_id, case_id=deadline.case_id,
                     details={"fields": sorted(changes), "status": changes.get("status")})
    if changes.keys() & SCHEDULE_FIELDS:
        schedule_reminders(deadline, now=now)
    db.session.flush()
    return deadline


def delete_deadline(principal: Principal, deadline_id):
    """Delete a deadline; its reminder rows go with it (ON DELETE CASCADE)."""
    deadline = get_visible(principal, Deadline, deadline_id, write=True)
    audit.record("deadline.delete", "deadline", deadline.id, user=principal.user,
                 organization_id=deadline.organization_id, case_id=deadline.case_id)
    db.session.delete(deadline)
    db.session.flush()


def suggest_from_rules(principal: Principal, case_id, data: dict) -> tuple[list[Deadline], int]:
    """Compute deadlines for a case and add them as SUGGESTED; a repeat computation adds nothing new."""
    case = get_visible(principal, Case, case_id, write=True)
    source = _source_document(principal, case, data.get("source_document_id"))
    computed = compute(data.get("jurisdiction") or case.jurisdiction, data["trigger"], data["trigger_date"],
                       data.get("service_method"), state=data.get("state"), court=data.get("court"))
    existing = {(d.title, d.rule, d.due_date): d for d in db.session.execute(
        sa.select(Deadline).where(Deadline.case_id == case.id, Deadline.status != "DISMISSED")).scalars()}
    items, created = [], 0
    for c in computed:
        found = existing.get((c.title, c.rule, c.due_date))
        if found is None:
            found = Deadline(organization_id=case.organization_id, case_id=case.id, created_by_id=principal.user.id,
                             title=c.title, due_date=c.due_date, due_time=c.due_time, status="SUGGESTED",
                             rule=c.rule, citation=c.citation, explanation=c.explanation,
                             source_document_id=source, reminders=list(DEFAULT_OFFSETS))
            db.session.add(found)
            existing[(c.title, c.rule, c.due_date)] = found
            created += 1
        items.append(found)
    db.session.flush()
    if created:
        audit.record("deadline.suggest", "case", case.id, user=principal.user, organization_id=case.organization_id,
                     case_id=case.id, details={"trigger": data["trigger"], "created": created})
    return items, created


def _offsets(values) -> list[int]:
    if values is None:
        return list(DEFAULT_OFFSETS)
    return sorted(set(values), reverse=True)


def _source_document(principal: Principal, case: Case, document_id):
    if document_id is None:
        return None
    try:
        doc = get_visible(principal, Document, document_id)
    except NotFound:
        doc = None
    if doc is None or doc.case_id != case.id:
        raise ValidationFailed(errors={"source_document_id": ["No such document in this case."]})
    return doc.id


# --- the reminder schedule --------------------------------------------------------------------

def reminder_recipients(deadline: Deadline) -> list[User]:
    """Active OWNERs and MEMBERs of the deadline's organization, the creator first."""
    rows = db.session.execute(
        sa.select(User, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == deadline.organization_id, Membership.role.in_(WRITE_ROLES),
               User.is_active.is_(True))).all()
    rows.sort(key=lambda r: (r[0].id != deadline.created_by_id, r[1] != "OWNER", r[0].created_at, str(r[0].id)))
    return [user for user, _ in rows]


def channels() -> tuple[str, ...]:
    return ("inapp", "email") if runtime.current().config.SMTP_URL else ("inapp",)


def user_zone(user: User | None) -> str:
    name = getattr(user, "timezone", None) or FALLBACK_ZONE
    try:
        get_zone(name)
        return name
    except ValueError:
        return FALLBACK_ZONE


def schedule_reminders(deadline: Deadline, *, now: datetime | None = None):
    """Make the deadline's unsent reminder rows match its status, date, offsets and members.

    PENDING: one row per recipient x offset x channel, due at reminder_times() in the recipient's
    zone; a row more than a day past due is SKIPPED, one due within the last day goes out at the
    next scan. Any other status: unsent rows are removed. Rows SENT or CLAIMED are never touched,
    so an offset is delivered at most once even if the date changes.
    """
    now = now or utcnow()
    # Locking the rows makes a concurrent claim wait for this rewrite (and see its result).
    rows = db.session.execute(
        sa.select(ReminderDelivery).where(ReminderDelivery.deadline_id == deadline.id)
        .with_for_update().execution_options(populate_existing=True)).scalars().all()
    wanted = {}
    if deadline.status == "PENDING":
        case = db.session.get(Case, deadline.case_id)
        court = court_zone(case.jurisdiction) if case is not None else None
        for user in reminder_recipients(deadline):
            offsets = list(deadline.reminders or [])
            for offset, due_at in reminder_times(deadline.due_date, deadline.due_time, user_zone(user), offsets,
                                                 court_tz=court):
                for channel in channels():
                    wanted[(user.id, offset, channel)] = (user.id, offset, channel, due_at)
    taken = {(r.user_id, r.offset_days, r.channel) for r in rows if r.status in IN_FLIGHT}
    for row in rows:
        if row.status in IN_FLIGHT:
            continue
        spec = wanted.pop((row.user_id, row.offset_days, row.channel), None)
        if spec is None:
            db.session.delete(row)
            continue
        row.due_at, row.attempts, row.claimed_at = spec[3], 0, None
        row.status, row.last_error = _initial_state(spec[3], now)
    for key, (user_id, offset, channel, due_at) in wanted.items():
        if key not in taken:
            status, note = _initial_state(due_at, now)
            db.session.add(ReminderDelivery(
                deadline_id=deadline.id, user_id=user_id, organization_id=deadline.organization_id,
                offset_days=offset, channel=channel, due_at=due_at, status=status, last_error=note, attempts=0))
    db.session.flush()


def _initial_state(due_at: datetime, now: datetime) -> tuple[str, str | None]:
    if due_at < now - SKIP_AFTER:
        return "SKIPPED", "more than a day late when scheduled"
    return "PENDING", None


def mark_missed(*, now: datetime | None = None) -> int:
    """PENDING deadlines whose due date (and time) has passed on the court's clock become MISSED.

    The court's clock is its jurisdiction's zone (a federal case has none: its owner's zone). Never earlier:
    a person in New York is not told a Los Angeles court's deadline was missed while that court's day runs."""
    now = now or utcnow()
    # No zone is more than a day ahead of UTC, so nothing later than tomorrow (UTC) can have passed.
    candidates = db.session.execute(
        sa.select(Deadline, Case.jurisdiction).join(Case, Case.id == Deadline.case_id)
        .where(Deadline.status == "PENDING", Deadline.due_date <= now.date() + timedelta(days=1),
               Case.deleted_at.is_(None))).all()
    missed = 0
    for deadline, jurisdiction in candidates:
        zone = court_zone(jurisdiction) or user_zone(_owner(deadline))
        if now <= due_instant(deadline.due_date, deadline.due_time, zone):
            continue
        changed = db.session.execute(
            sa.update(Deadline).where(Deadline.id == deadline.id, Deadline.status == "PENDING")
            .values(status="MISSED", updated_at=now)).rowcount
        if changed:
            db.session.execute(sa.delete(ReminderDelivery).where(
                ReminderDelivery.deadline_id == deadline.id, ReminderDelivery.status.not_in(IN_FLIGHT)))
            audit.record("deadline.missed", "deadline", deadline.id, organization_id=deadline.organization_id,
                         case_id=deadline.case_id, details={"due_date": deadline.due_date.isoformat()})
            missed += 1
    return missed


def _owner(deadline: Deadline) -> User | None:
    creator = db.session.get(User, deadline.created_by_id) if deadline.created_by_id else None
    if creator is not None:
        return creator
    return db.session.execute(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == deadline.organization_id, Membership.role == "OWNER")
        .order_by(Membership.created_at).limit(1)).scalar()


# --- calendars --------------------------------------------------------------------------------

def case_calendar(principal: Principal, case_id) -> tuple[bytes, str]:
    """The case's deadlines (all but dismissed ones) as an iCalendar file, times in the court's zone."""
    case = get_visible(principal, Case, case_id)
    deadlines = db.session.execute(
        scoped(principal, Deadline, all_orgs=True).where(Deadline.case_id == case.id, Deadline.status != "DISMISSED")
        .order_by(Deadline.due_date, Deadline.id)).scalars().all()
    body = deadlines_ics([_ics_item(d, case, principal.user) for d in deadlines],
                         calendar_name=f"CaseOS: {case.title}")
    return body, f"case-{case.id}-deadlines.ics"


def personal_calendar(key: str) -> bytes:
    """Every open (PENDING or SUGGESTED) deadline in the organizations of the user holding this key."""
    user = None
    if key and len(key) >= 16:
        user = db.session.execute(sa.select(User).where(User.calendar_key == key, User.is_active.is_(True))).scalar()
    if user is None or not user.memberships:
        raise NotFound("No calendar for this link; it may have been replaced by a new one.")
    principal = principal_for(user, None)
    deadlines = db.session.execute(
        scoped(principal, Deadline, all_orgs=True).where(Deadline.status.in_(("PENDING", "SUGGESTED")))
        .order_by(Deadline.due_date, Deadline.id)).scalars().all()
    cases = {c.id: c for c in db.session.execute(
        sa.select(Case).where(Case.id.in_({d.case_id for d in deadlines}))).scalars()}
    return deadlines_ics([_ics_item(d, cases[d.case_id], user) for d in deadlines], calendar_name="CaseOS deadlines")


def rotate_calendar_key(user: User) -> str:
    """Replace the user's calendar key (old feed links stop working); returns the new feed URL."""
    user.calendar_key = secrets.token_urlsafe(24)
    audit.record("calendar.rotate_key", "user", user.id, user=user)
    db.session.flush()
    return calendar_url(user)


def calendar_url(user: User) -> str:
    base = runtime.current().config.PUBLIC_URL.rstrip("/")
    return f"{base}/api/v1/calendar.ics?key={user.calendar_key}"


def _ics_item(deadline: Deadline, case: Case, user: User) -> dict:
    # Times are on the court's clock (its jurisdiction's zone); a federal case has none: the person's zone.
    # calendar.ics_status knows "unconfirmed" as TENTATIVE; SUGGESTED means exactly that.
    status = "unconfirmed" if deadline.status == "SUGGESTED" else deadline.status
    return {"id": deadline.id, "title": deadline.title, "due_date": deadline.due_date, "due_time": deadline.due_time,
            "timezone": court_zone(case.jurisdiction) or user_zone(user), "status": status, "rule": deadline.rule, "citation": deadline.citation,
            "case_title": case.title, "reminders": list(deadline.reminders or []),
            "explanation": deadline.explanation or []}


def reschedule_for_organizations(org_ids) -> int:
    """Rewrite unsent reminders of the pending deadlines of these organizations (a member joined, a time zone changed)."""
    n = 0
    for deadline in db.session.execute(sa.select(Deadline).where(
            Deadline.organization_id.in_(list(org_ids)), Deadline.status == "PENDING")).scalars():
        schedule_reminders(deadline)
        n += 1
    return n
