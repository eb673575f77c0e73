"""In-app notifications, and the delivery of deadline reminders (in-app and e-mail), each exactly once.

Delivery of one ReminderDelivery row:

1. claim    conditional UPDATE PENDING -> CLAIMED (or a CLAIMED row whose claim is older than
            CLAIM_TIMEOUT: its sender crashed between claim and record); committed at once, so of
            two scans only one wins the row.
2. deliver  in-app: the Notification, its live event and SENT commit together (one transaction);
            e-mail: send_mail with message_id_for(deadline, offset), outside any transaction, then
            SENT. A crash after the SMTP server accepted the message and before SENT is recorded
            resends the same Message-ID after CLAIM_TIMEOUT, recognisably the same message.
3. record   every transition after the claim is conditional on our claim still standing
            (status CLAIMED with our claimed_at), so a claim taken over after a timeout can
            never be recorded twice.

Transient mail errors return the row to PENDING for the next scan; after MAX_ATTEMPTS claims it
is FAILED. Permanent errors are FAILED at once.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Deadline, Membership, Notification, Organization, ReminderDelivery, User
from app.models.base import utcnow
from app.services import audit, events, runtime
from app.services.deadlines.reminders import get_zone
from app.services.deadlines.service import SKIP_AFTER, user_zone
from app.services.errors import NotFound
from app.services.mail import MailPermanentError, MailTransientError, message_id_for, send_mail
from app.services.tenancy import WRITE_ROLES, Principal

CLAIM_TIMEOUT = timedelta(minutes=10)  # far longer than one send (SMTP timeout 10 s per operation)
MAX_ATTEMPTS = 5
R = ReminderDelivery


# --- the caller's notifications ---------------------------------------------------------------

def list_notifications(principal: Principal, *, unread=False, page=1, per_page=20):
    """The caller's notifications in every organization they still belong to, newest first."""
    query = sa.select(Notification).where(Notification.user_id == principal.user.id,
                                          Notification.organization_id.in_(list(principal.roles)))
    if unread:
        query = query.where(Notification.read_at.is_(None))
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
    items = db.session.execute(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return items, total


def mark_read(principal: Principal, notification_id) -> Notification:
    """Mark one of the caller's notifications read (again is harmless); anyone else's is 404."""
    n = db.session.execute(sa.select(Notification).where(
        Notification.id == notification_id, Notification.user_id == principal.user.id,
        Notification.organization_id.in_(list(principal.roles)))).scalar()
    if n is None:
        raise NotFound("Notification not found.")
    if n.read_at is None:
        n.read_at = utcnow()
        audit.record("notification.read", "notification", n.id, user=principal.user,
                     organization_id=n.organization_id, case_id=n.case_id)
    return n


def notify(user_id, organization_id, kind: str, title: str, body: str | None = None, *,
           case_id=None, deadline_id=None) -> Notification:
    """Add an in-app notification and its live event, in the caller's transaction."""
    n = Notification(user_id=user_id, organization_id=organization_id, kind=kind, title=title[:300], body=body,
                     case_id=case_id, deadline_id=deadline_id, created_at=utcnow())
    db.session.add(n)
    db.session.flush()
    events.emit(organization_id, "notification",
                {"id": str(n.id), "kind": kind, "title": n.title, "case_id": str(case_id) if case_id else None,
                 "deadline_id": str(deadline_id) if deadline_id else None}, user_id=user_id)
    return n


# --- reminder delivery ------------------------------------------------------------------------

def send_due(*, now: datetime | None = None, limit: int = 500) -> dict:
    """Deliver every reminder row that is due; safe to run in several processes at once.

    Commits as it goes: one transaction per claim and one per delivery. `now` is for tests.
    """
    clock = (lambda: now) if now else utcnow
    mail = bool(runtime.current().config.SMTP_URL)
    counts: Counter = Counter()
    for rid in _due_ids(clock(), limit, mail):
        claimed_at = _claim(rid, clock(), mail)
        if claimed_at is None:
            counts["taken"] += 1  # another scan got there first
            continue
        counts[_deliver(rid, claimed_at, clock())] += 1
    return dict(counts)


def _for_this_process(now: datetime, mail: bool):
    # A process that cannot send e-mail leaves e-mail rows to one that can (unless they are stale).
    return sa.true() if mail else sa.or_(R.channel != "email", R.due_at < now - SKIP_AFTER)


def _claimable(now: datetime, mail: bool):
    return sa.and_(sa.or_(sa.and_(R.status == "PENDING", R.due_at <= now),
                          sa.and_(R.status == "CLAIMED", R.claimed_at < now - CLAIM_TIMEOUT)),
                   _for_this_process(now, mail))


def _due_ids(now: datetime, limit: int, mail: bool) -> list:
    # Two index range scans on ix_reminders_due (status, due_at), never a walk of the table.
    pending = sa.select(R.id, R.due_at).where(R.status == "PENDING", R.due_at <= now, _for_this_process(now, mail))
    stuck = sa.select(R.id, R.due_at).where(R.status == "CLAIMED", R.claimed_at < now - CLAIM_TIMEOUT,
                                            _for_this_process(now, mail))
    both = sa.union_all(pending, stuck).subquery()
    ids = [r[0] for r in db.session.execute(sa.select(both.c.id).order_by(both.c.due_at).limit(limit))]
    db.session.commit()
    return ids


def _claim(rid, now: datetime, mail: bool) -> datetime | None:
    res = db.session.execute(sa.update(R).where(R.id == rid, _claimable(now, mail))
                             .values(status="CLAIMED", claimed_at=now, attempts=R.attempts + 1))
    db.session.commit()
    return now if res.rowcount == 1 else None


def _record(rid, claim: datetime, /, **values) -> bool:
    """Move our claimed row on; False if the claim was taken over meanwhile."""
    res = db.session.execute(sa.update(R).where(R.id == rid, R.status == "CLAIMED", R.claimed_at == claim)
                             .values(**values))
    return res.rowcount == 1


def _finish(rid, claim: datetime, outcome: str, /, **values) -> str:
    ok = _record(rid, claim, **values)
    db.session.commit()
    return outcome if ok else "taken"


def _deliver(rid, claimed_at: datetime, now: datetime) -> str:
    row = db.session.get(R, rid)
    if row is None:
        return "gone"  # the deadline was deleted meanwhile
    deadline = db.session.get(Deadline, row.deadline_id)
    if deadline is None:
        return "gone"
    case = db.session.get(Case, deadline.case_id)
    user = db.session.get(User, row.user_id)
    reason = _skip_reason(row, deadline, case, user, now)
    if reason:
        return _finish(rid, claimed_at, "skipped", status="SKIPPED", last_error=reason)
    if row.attempts > MAX_ATTEMPTS:
        return _finish(rid, claimed_at, "failed", status="FAILED", last_error=f"gave up after {MAX_ATTEMPTS} attempts")
    title, body = reminder_text(deadline, case, user, now)
    if row.channel == "inapp":
        notify(user.id, row.organization_id, "deadline_reminder", title, body, case_id=case.id,
               deadline_id=deadline.id)
        if not _record(rid, claimed_at, status="SENT", sent_at=utcnow()):
            db.session.rollback()  # someone else owns the row now: no notification from us
            return "taken"
        db.session.commit()
        return "sent"
    return _send_email(row, claimed_at, deadline, user, title, body)


def _send_email(row, claimed_at, deadline, user, title, body) -> str:
    config = runtime.current().config
    rid, attempts, to = row.id, row.attempts, user.email
    if not config.SMTP_URL:
        return _finish(rid, claimed_at, "skipped", status="SKIPPED", last_error="e-mail is not configured")
    message_id = message_id_for(deadline.id, row.offset_days)
    db.session.commit()  # hold no transaction open while talking to the mail server
    try:
        send_mail(config.SMTP_URL, to=to, subject=title, body=body, message_id=message_id, sender=config.MAIL_FROM)
    except MailTransientError as exc:
        if attempts >= MAX_ATTEMPTS:
            return _finish(rid, claimed_at, "failed", status="FAILED", last_error=str(exc)[:300])
        return _finish(rid, claimed_at, "retry", status="PENDING", claimed_at=None, last_error=str(exc)[:300])
    except (MailPermanentError, ValueError) as exc:
        return _finish(rid, claimed_at, "failed", status="FAILED", last_error=str(exc)[:300])
    return _finish(rid, claimed_at, "sent", status="SENT", sent_at=utcnow(), message_id=message_id)


def _skip_reason(row, deadline, case, user, now: datetime) -> str | None:
    if deadline.status != "PENDING":
        return f"deadline is {deadline.status}"
    if case is None or case.deleted_at is not None:
        return "case was deleted"
    if user is None or not user.is_active:
        return "recipient is inactive"
    role = db.session.execute(sa.select(Membership.role).where(
        Membership.user_id == user.id, Membership.organization_id == row.organization_id)).scalar()
    if role not in WRITE_ROLES:
        return "recipient no longer works on this organization's cases"
    if row.due_at < now - SKIP_AFTER:
        return "more than a day late"
    return None


def reminder_text(deadline: Deadline, case: Case, user: User, now: datetime) -> tuple[str, str]:
    """Subject/title and body of a reminder, with the days left counted in the recipient's zone."""
    today = now.astimezone(get_zone(user_zone(user))).date()
    days = (deadline.due_date - today).days
    when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days" if days > 1 else "overdue")
    name = " ".join(deadline.title.split())
    due = deadline.due_date.strftime("%a %Y-%m-%d")
    if deadline.due_time:
        due += deadline.due_time.strftime(" at %H:%M") + f" ({user_zone(user)})"
    org = db.session.get(Organization, case.organization_id)
    lines = [f"Court deadline {when}: {name}", "", f"Case: {case.title}", f"Due: {due}"]
    if deadline.rule:
        lines.append(f"Rule: {deadline.rule}")
    if deadline.citation:
        lines.append(f"Citation: {deadline.citation}")
    lines += ["", f"Open the case: {runtime.current().config.PUBLIC_URL.rstrip('/')}/cases/{case.id}", "",
              "Check the date with the court clerk and any order in your case; this reminder is not legal advice.",
              f"You receive this as a member of {org.name}." if org else ""]
    return f"Deadline {when}: {name}"[:300], "\n".join(lines).rstrip() + "\n"
