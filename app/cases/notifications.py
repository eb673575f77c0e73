"""In-app notifications, and the delivery of deadline reminders (in-app and e-mail), each exactly once.

The scan works on batches of ReminderDelivery rows (one row per deadline, user, offset and channel):

1. claim    one UPDATE moves up to BATCH_SIZE due PENDING rows (and stale CLAIMED rows, whose claim
            is older than CLAIM_TIMEOUT: their sender crashed between claim and record) to CLAIMED
            and returns them. On PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED,
            so two scans take disjoint rows; SQLite runs one writer at a time.
2. deliver  in the same transaction: the batch's deadlines, cases, users, memberships and
            organizations are read with one IN query each; rows that must not be sent (deadline no
            longer PENDING, case deleted, recipient inactive or no longer a member, more than a day
            late) become SKIPPED; in-app notifications and their live events are inserted with one
            multi-row INSERT each and their rows become SENT with one UPDATE; then one commit. A crash
            before that commit leaves nothing: the rows are PENDING again and the next scan sends them.
            E-mail rows are committed as CLAIMED with the batch, then each is sent with
            message_id_for(deadline, offset) outside any transaction and recorded with its own commit.
            A crash after the SMTP server accepted a message and before SENT is recorded resends the
            same Message-ID after CLAIM_TIMEOUT, recognisably the same message; a crash before sending
            leaves a stale claim that a later scan takes over.
3. record   every transition after the claim is conditional on our claim still standing
            (status CLAIMED with our claimed_at), so a claim taken over after a timeout can
            never be recorded twice.

A run loops over batches until nothing is due or its time budget is spent (e-mails it claimed but
had no time left for are handed back as PENDING). Transient mail errors return the row to PENDING
for the next run; after MAX_ATTEMPTS claims it is FAILED. Permanent errors are FAILED at once.
"""
from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Deadline, Event, Membership, Notification, Organization, ReminderDelivery, User
from app.models.base import utcnow
from app.accounts import audit
from app.platform import crypto_fields, events, runtime
from app.deadlines.reminders import get_zone
from app.deadlines.service import SKIP_AFTER, user_zone
from app.deadlines.zones import court_zone, due_instant
from app.platform.errors import NotFound
from app.platform.mail import MailPermanentError, MailTransientError, message_id_for, send_mail
from app.accounts.tenancy import WRITE_ROLES, Principal

CLAIM_TIMEOUT = timedelta(minutes=10)  # far longer than one send (SMTP timeout 10 s per operation)
MAX_ATTEMPTS = 5
BATCH_SIZE = 500
DEFAULT_BUDGET = 60.0  # seconds; the beat task passes half its period
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

@dataclass
class _Mail:
    """One claimed e-mail reminder, with everything needed to send it after the transaction closed."""
    rid: object
    attempts: int
    to: str
    subject: str
    body: str
    message_id: str


def send_due(*, now: datetime | None = None, limit: int = BATCH_SIZE, budget: float | None = None) -> dict:
    """Deliver every reminder row that is due; safe to run in several processes at once.

    Works in batches of up to `limit` rows (module docstring) and loops until nothing is due or
    `budget` seconds have passed (checked between batches and between e-mails: the beat task passes
    less than its period, so two runs of one beat never overlap). `now` is for tests.
    Returns counts by outcome (sent, skipped, failed, retry, released); empty when nothing was due.
    """
    clock = (lambda: now) if now else utcnow
    mail = bool(runtime.current().config.SMTP_URL)
    stop_at = time.monotonic() + (DEFAULT_BUDGET if budget is None else budget)
    counts: Counter = Counter()
    retry_later: set = set()  # back to PENDING after a transient mail error: not again in this run
    while True:
        claim = clock()
        try:
            batch = _claim_batch(claim, limit, mail, retry_later)
            mails = _deliver_batch(batch, claim, clock(), counts) if batch else []
        except BaseException:
            db.session.rollback()  # nothing of this batch is recorded: its rows are due again at once
            raise
        db.session.commit()  # the claims, in-app notifications and their events, SENT/SKIPPED/FAILED: together
        if not batch:
            break
        for i, m in enumerate(mails):
            if time.monotonic() >= stop_at:
                counts["released"] += _release([x.rid for x in mails[i:]], claim)
                break
            outcome = _send_email(m, claim)
            if outcome == "retry":
                retry_later.add(m.rid)
            counts[outcome] += 1
        # Fewer rows than asked for: nothing else was claimable (rows locked by a concurrent scan are theirs).
        if len(batch) < limit or time.monotonic() >= stop_at:
            break
    return dict(counts)


def _for_this_process(now: datetime, mail: bool):
    # A process that cannot send e-mail leaves e-mail rows to one that can (unless they are stale).
    return sa.true() if mail else sa.or_(R.channel != "email", R.due_at < now - SKIP_AFTER)


def _claimable(now: datetime, mail: bool):
    return sa.and_(sa.or_(sa.and_(R.status == "PENDING", R.due_at <= now),
                          sa.and_(R.status == "CLAIMED", R.claimed_at < now - CLAIM_TIMEOUT)),
                   _for_this_process(now, mail))


def _claim_batch(now: datetime, limit: int, mail: bool, exclude=()) -> list:
    """Claim up to `limit` due rows (and up to `limit` stale claims) in one statement; returns them.

    PostgreSQL: the candidates are picked and locked with FOR UPDATE SKIP LOCKED (two index range
    scans on ix_reminders_due), so concurrent scans take disjoint rows without waiting for each other;
    a row another scan delivered meanwhile fails the re-checked condition. SQLite has one writer at a
    time, so the same UPDATE with a plain subquery is atomic. The claim stays uncommitted until the
    batch's in-app deliveries are recorded with it.
    """
    pending = sa.select(R.id, R.due_at).where(R.status == "PENDING", R.due_at <= now, _for_this_process(now, mail))
    if exclude:
        pending = pending.where(R.id.not_in(list(exclude)))
    stuck = sa.select(R.id, R.due_at).where(R.status == "CLAIMED", R.claimed_at < now - CLAIM_TIMEOUT,
                                            _for_this_process(now, mail))
    if db.session.get_bind().dialect.name == "postgresql":
        p = pending.order_by(R.due_at).limit(limit).with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        s = stuck.order_by(R.due_at).limit(limit).with_for_update(skip_locked=True).cte("stuck").prefix_with("MATERIALIZED")
        pick = sa.union_all(sa.select(p.c.id), sa.select(s.c.id))
    else:
        both = sa.union_all(pending, stuck).subquery()
        pick = sa.select(both.c.id).order_by(both.c.due_at).limit(limit)
    stmt = (sa.update(R).where(R.id.in_(pick), _claimable(now, mail))
            .values(status="CLAIMED", claimed_at=now, attempts=R.attempts + 1)
            .returning(R.id, R.deadline_id, R.user_id, R.organization_id, R.offset_days, R.channel, R.due_at,
                       R.attempts)
            .execution_options(synchronize_session=False))
    return db.session.execute(stmt).all()


def _claim(rid, now: datetime, mail: bool) -> datetime | None:
    """Claim one row and commit (what a scan does before it delivers; tests use it to simulate a crash)."""
    res = db.session.execute(sa.update(R).where(R.id == rid, _claimable(now, mail))
                             .values(status="CLAIMED", claimed_at=now, attempts=R.attempts + 1)
                             .execution_options(synchronize_session=False))
    db.session.commit()
    return now if res.rowcount == 1 else None


def _by_id(query) -> dict:
    return {r.id: r for r in db.session.execute(query)}


def _deliver_batch(batch: list, claim: datetime, now: datetime, counts: Counter) -> list[_Mail]:
    """In the claiming transaction: skip what must not be sent, add the in-app notifications and
    their events, record every in-app outcome; return the claimed e-mails to send (not committed)."""
    ctx = _batch_context(batch)
    config = runtime.current().config
    outcomes: dict[tuple, list] = {}  # (status, last_error) -> row ids
    notes, mails = [], []
    created = utcnow()
    for row in batch:
        deadline = ctx["deadlines"].get(row.deadline_id)
        case = ctx["cases"].get(deadline.case_id) if deadline else None
        user = ctx["users"].get(row.user_id)
        reason = ("deadline was deleted" if deadline is None else
                  _skip_reason(row, deadline, case, user, ctx["roles"].get((row.user_id, row.organization_id)), now))
        if reason is None and row.channel == "email" and not config.SMTP_URL:
            reason = "e-mail is not configured"
        if reason:
            outcomes.setdefault(("SKIPPED", reason), []).append(row.id)
            counts["skipped"] += 1
            continue
        if row.attempts > MAX_ATTEMPTS:
            outcomes.setdefault(("FAILED", f"gave up after {MAX_ATTEMPTS} attempts"), []).append(row.id)
            counts["failed"] += 1
            continue
        title, body = reminder_text(deadline, case, user, now, org_name=ctx["org_names"].get(case.organization_id))
        if row.channel == "inapp":
            notes.append({"id": uuid.uuid4(), "user_id": user.id, "organization_id": row.organization_id,
                          "kind": "deadline_reminder", "title": title[:300], "body": body, "case_id": case.id,
                          "deadline_id": deadline.id, "created_at": created})
            outcomes.setdefault(("SENT", None), []).append(row.id)
            counts["sent"] += 1
        else:
            mails.append(_Mail(row.id, row.attempts, user.email, title, body, message_id_for(deadline.id, row.offset_days)))
    _insert_notifications(notes, created)
    _record_outcomes(outcomes, claim)
    return mails


def _batch_context(batch: list) -> dict:
    """Everything a batch of reminders needs, in one query per table."""
    deadlines = {r.id: SimpleNamespace(**r._asdict(), title=crypto_fields.read(r, Deadline, "title"),
                                       rule=crypto_fields.read(r, Deadline, "rule")) for r in
                 db.session.execute(sa.select(Deadline.id, Deadline.organization_id, Deadline.case_id, Deadline.due_date,
                                              Deadline.due_time, Deadline.status, Deadline.citation,
                                              *crypto_fields.columns(Deadline, "title"),
                                              *crypto_fields.columns(Deadline, "rule"))
                                    .where(Deadline.id.in_({r.deadline_id for r in batch})))}
    cases = _by_id(sa.select(Case.id, Case.organization_id, Case.title, Case.jurisdiction, Case.deleted_at)
                   .where(Case.id.in_({d.case_id for d in deadlines.values()}))) if deadlines else {}
    user_ids = {r.user_id for r in batch}
    users = _by_id(sa.select(User.id, User.email, User.timezone, User.is_active).where(User.id.in_(user_ids)))
    org_ids = {r.organization_id for r in batch} | {c.organization_id for c in cases.values()}
    roles = {(m.user_id, m.organization_id): m.role for m in db.session.execute(
        sa.select(Membership.user_id, Membership.organization_id, Membership.role)
        .where(Membership.user_id.in_(user_ids), Membership.organization_id.in_(org_ids)))}
    org_names = {o.id: o.name for o in db.session.execute(
        sa.select(Organization.id, Organization.name).where(Organization.id.in_(org_ids)))}
    return {"deadlines": deadlines, "cases": cases, "users": users, "roles": roles, "org_names": org_names}


def _insert_notifications(notes: list[dict], created: datetime) -> None:
    if not notes:
        return
    db.session.execute(sa.insert(Notification.__table__), [crypto_fields.sealed_values(Notification, n) for n in notes])
    inserted = db.session.execute(sa.insert(Event.__table__).returning(Event.id, Event.organization_id), [
        {"organization_id": n["organization_id"], "user_id": n["user_id"], "job_id": None, "type": "notification",
         "created_at": created,
         "data": events.seal_data(n["organization_id"], "notification", {
             "id": str(n["id"]), "kind": n["kind"], "title": n["title"], "case_id": str(n["case_id"]),
             "deadline_id": str(n["deadline_id"])})} for n in notes]).all()
    _publish_on_commit(inserted)


def _record_outcomes(outcomes: dict[tuple, list], claim: datetime) -> None:
    for (status, error), ids in outcomes.items():
        values = {"status": status, "last_error": error}
        if status == "SENT":
            values["sent_at"] = utcnow()
        if _record_many(ids, claim, **values) != len(ids):
            # Cannot happen while this transaction holds the claim's row locks; never record half a batch.
            raise RuntimeError("reminder claim lost inside its own transaction")


def _publish_on_commit(inserted) -> None:
    """Wake the organizations' streams when this transaction commits, as events.emit does for one event
    (this batch's events were inserted with one multi-row statement, not through emit)."""
    for event_id, org in inserted:
        events.publish_on_commit(org, event_id)


def _record_many(ids, claim: datetime, /, **values) -> int:
    res = db.session.execute(sa.update(R).where(R.id.in_(ids), R.status == "CLAIMED", R.claimed_at == claim)
                             .values(**values).execution_options(synchronize_session=False))
    return res.rowcount


def _record(rid, claim: datetime, /, **values) -> bool:
    """Move our claimed row on; False if the claim was taken over meanwhile."""
    return _record_many([rid], claim, **values) == 1


def _finish(rid, claim: datetime, outcome: str, /, **values) -> str:
    ok = _record(rid, claim, **values)
    db.session.commit()
    return outcome if ok else "taken"


def _release(ids, claim: datetime) -> int:
    """Hand claimed, unsent e-mails back (out of time): due again at once, the claim not counted."""
    if not ids:
        return 0
    n = _record_many(ids, claim, status="PENDING", claimed_at=None, attempts=R.attempts - 1)
    db.session.commit()
    return n


def _send_email(m: _Mail, claim: datetime) -> str:
    """Send one claimed e-mail outside any transaction, then record the outcome (one commit)."""
    config = runtime.current().config
    try:
        send_mail(config.SMTP_URL, to=m.to, subject=m.subject, body=m.body, message_id=m.message_id,
                  sender=config.MAIL_FROM)
    except MailTransientError as exc:
        if m.attempts >= MAX_ATTEMPTS:
            return _finish(m.rid, claim, "failed", status="FAILED", last_error=str(exc)[:300])
        return _finish(m.rid, claim, "retry", status="PENDING", claimed_at=None, last_error=str(exc)[:300])
    except (MailPermanentError, ValueError) as exc:
        return _finish(m.rid, claim, "failed", status="FAILED", last_error=str(exc)[:300])
    return _finish(m.rid, claim, "sent", status="SENT", sent_at=utcnow(), message_id=m.message_id)


def _skip_reason(row, deadline, case, user, role, now: datetime) -> str | None:
    if deadline.status != "PENDING":
        return f"deadline is {deadline.status}"
    if case is None or case.deleted_at is not None:
        return "case was deleted"
    if case.organization_id != row.organization_id:  # never tell one organization's member about another's case
        return "case belongs to another organization"
    if user is None or not user.is_active:
        return "recipient is inactive"
    if role not in WRITE_ROLES:
        return "recipient no longer works on this organization's cases"
    if row.due_at < now - SKIP_AFTER:
        return "more than a day late"
    return None


_LOOKUP = object()
# Links in text that members write (a deadline's title, a case title, an organization's name) would
# reach other members' reminders and mail clients, which make them clickable ("URGENT: verify your
# account at http://evil.example"). They are shown as plain text: scheme removed, dots bracketed.
_SCHEME = re.compile(r"(?i)\b(?:https?|ftp|file|javascript|data|mailto)\s*:\s*/*")
_HOST = re.compile(r"(?i)\b((?:[a-z0-9-]+\.)+(?:[a-z]{2,24}))\b(?=[/:?#]|\s|$|[.,;)\]])")
_TLDS = frozenset("""com net org info biz io co us uk de fr ru cn me app dev xyz site online top club shop link
live click gov edu mil int example test invalid localhost ly gl gg tk ml ga cf to cc tv ws eu ca au in""".split())


def unlinked(text: str) -> str:
    """The text with every link or host name made inert: "http://evil.example/x" -> "evil[.]example/x"."""
    text = _SCHEME.sub("", text)

    def host(m):
        name = m.group(1)
        if name.lower().startswith("www.") or name.rsplit(".", 1)[-1].lower() in _TLDS:
            return name.replace(".", "[.]")
        return name
    return _HOST.sub(host, text)


def reminder_text(deadline, case, user, now: datetime, *, org_name=_LOOKUP) -> tuple[str, str]:
    """Subject/title and body of a reminder, with the days left counted in the recipient's zone.

    `deadline`, `case` and `user` may be model objects or rows with the same attributes; pass
    `org_name` when it is known (else it is read)."""
    zone_name = user_zone(user)
    today = now.astimezone(get_zone(zone_name)).date()
    days = (deadline.due_date - today).days
    when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days" if days > 1 else "overdue")
    name = unlinked(" ".join(deadline.title.split()))
    due = deadline.due_date.strftime("%a %Y-%m-%d")
    if deadline.due_time:
        # on the court's clock, like the calendar feeds, and on the reader's when that is another zone
        court = court_zone(case.jurisdiction) or zone_name
        due += deadline.due_time.strftime(" at %H:%M") + f" ({court})"
        if court != zone_name:
            yours = due_instant(deadline.due_date, deadline.due_time, court).astimezone(get_zone(zone_name))
            due += yours.strftime(" = %a %Y-%m-%d at %H:%M") + f" your time ({zone_name})"
    if org_name is _LOOKUP:
        org = db.session.get(Organization, case.organization_id)
        org_name = org.name if org else None
    org_name = unlinked(org_name) if org_name else org_name
    lines = [f"Court deadline {when}: {name}", "", f"Case: {unlinked(case.title)}", f"Due: {due}"]
    if deadline.rule:
        lines.append(f"Rule: {unlinked(deadline.rule)}")
    if deadline.citation:
        lines.append(f"Citation: {unlinked(deadline.citation)}")
    lines += ["", f"Open the case: {runtime.current().config.PUBLIC_URL.rstrip('/')}/cases/{case.id}", "",
              "Check the date with the court clerk and any order in your case; this reminder is not legal advice.",
              f"You receive this as a member of {org_name}." if org_name else ""]
    return f"Deadline {when}: {name}"[:300], "\n".join(lines).rstrip() + "\n"
