"""Reminder delivery against real PostgreSQL and a local SMTP server (aiosmtpd): every reminder is
delivered exactly once, whatever runs concurrently or is retried; missed deadlines are marked."""
from __future__ import annotations

import asyncio
import email
import threading
import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.platform import celery_app

from app.extensions import db
from app.models import Deadline, Event, Notification, ReminderDelivery
from app.cases import notifications
from app.deadlines import service
from app.platform.mail import message_id_for
from workers.tasks.reminders import mark_missed_deadlines, send_due_reminders
from devkit.net import free_port




class SmtpSink:
    """A local SMTP server that keeps every message it accepts (and refuses reject-* recipients)."""

    def __init__(self, delay: float = 0.0):
        self.port, self.delay = free_port(), delay
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.messages: list = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject-"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def about(self, *deadline_ids) -> list:
        """Messages about these deadlines (the test database is shared with other tests)."""
        ids = [str(i) for i in deadline_ids]
        with self._lock:
            return [m for m in self.messages if any(i in m["Message-ID"] for i in ids)]

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def zone_in_daytime(lo: int = 9, hi: int = 21) -> str:
    """A fixed-offset zone where it is now between lo:00 and hi:59 (so 08:00 today has passed)."""
    now = datetime.now(timezone.utc)
    for hours in range(-11, 15):
        name = f"Etc/GMT{-hours:+d}" if hours else "Etc/UTC"  # Etc/GMT-9 is UTC+9
        if lo <= now.astimezone(ZoneInfo(name)).hour <= hi:
            return name
    raise AssertionError("no zone in daytime")


@pytest.fixture()
def smtp(app, monkeypatch):
    with SmtpSink() as sink:
        monkeypatch.setattr(app.extensions["caseos"].config, "SMTP_URL", sink.url)
        yield sink


FEDERAL = {"jurisdiction": "US-FED", "court_type": "FEDERAL_DISTRICT", "case_type": "CIVIL_LITIGATION"}


def new_deadline(user, due: date, reminders, case_kw=None, **kw) -> uuid.UUID:
    case = user.create_case(**(case_kw or {}))
    r = user.post(f"/api/v1/cases/{case['id']}/deadlines",
                  json={"title": "File the answer", "due_date": due.isoformat(), "reminders": reminders, **kw})
    assert r.status_code == 201, r.get_json()
    return uuid.UUID(r.get_json()["deadline"]["id"])


def rows(deadline_id) -> dict:
    db.session.expire_all()
    found = db.session.execute(sa.select(ReminderDelivery).where(ReminderDelivery.deadline_id == deadline_id)).scalars()
    return {(r.offset_days, r.channel): r for r in found}


def notes(deadline_id) -> list:
    return db.session.execute(sa.select(Notification).where(Notification.deadline_id == deadline_id)).scalars().all()


DUE = date.today() + timedelta(days=75)


def test_two_scans_at_once_deliver_each_reminder_exactly_once(app, alice, monkeypatch):
    with SmtpSink(delay=0.02) as sink:
        monkeypatch.setattr(app.extensions["caseos"].config, "SMTP_URL", sink.url)
        ids = [new_deadline(alice, DUE, [0]) for _ in range(8)]
        with app.app_context():
            now = max(r.due_at for r in rows(ids[0]).values()) + timedelta(minutes=1)
        start, results, errors = threading.Barrier(2), [], []

        def scan():
            try:
                with app.app_context():
                    start.wait()
                    results.append(notifications.send_due(now=now))
            except Exception as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=scan) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert sum(r.get("sent", 0) for r in results) >= 2 * len(ids)  # in-app and e-mail, once each
        mails = sink.about(*ids)
        assert sorted(m["Message-ID"] for m in mails) == sorted(message_id_for(i, 0) for i in ids)
        assert all(m["To"] == alice.email and "Deadline today: File the answer" == m["Subject"] for m in mails)
        with app.app_context():
            for i in ids:
                assert {k: r.status for k, r in rows(i).items()} == {(0, "inapp"): "SENT", (0, "email"): "SENT"}
                assert rows(i)[(0, "email")].message_id == message_id_for(i, 0)
                assert len(notes(i)) == 1
            events = db.session.execute(sa.select(Event).where(
                Event.type == "notification", Event.user_id == uuid.UUID(alice.id))).scalars().all()
            assert {e.data["deadline_id"] for e in events} >= {str(i) for i in ids}


def test_a_claim_left_by_a_crashed_scan_is_retried_once_after_the_timeout(app, alice, smtp):
    d = new_deadline(alice, DUE + timedelta(days=1), [0])
    with app.app_context():
        row = rows(d)[(0, "email")]
        now = row.due_at + timedelta(minutes=1)
        assert notifications._claim(row.id, now, True) == now  # a scan claimed it, then its process died
        notifications.send_due(now=now + timedelta(minutes=1))
        assert smtp.about(d) == [] and rows(d)[(0, "email")].status == "CLAIMED"  # a fresh claim is respected
        assert rows(d)[(0, "inapp")].status == "SENT"
        notifications.send_due(now=now + notifications.CLAIM_TIMEOUT + timedelta(minutes=1))
        notifications.send_due(now=now + notifications.CLAIM_TIMEOUT + timedelta(minutes=2))
        assert len(smtp.about(d)) == 1
        row = rows(d)[(0, "email")]
        assert row.status == "SENT" and row.attempts == 2 and len(notes(d)) == 1


def test_a_crash_after_sending_resends_the_same_message_id(app, alice, smtp, monkeypatch):
    d = new_deadline(alice, DUE + timedelta(days=2), [0])
    real_finish = notifications._finish

    def crash_on_sent(rid, claim, outcome, /, **values):
        if outcome == "sent" and values.get("message_id"):
            raise RuntimeError("worker lost between SMTP and the database")
        return real_finish(rid, claim, outcome, **values)

    with app.app_context():
        now = rows(d)[(0, "email")].due_at + timedelta(minutes=1)
        monkeypatch.setattr(notifications, "_finish", crash_on_sent)
        with pytest.raises(RuntimeError):
            notifications.send_due(now=now)
        db.session.rollback()
        monkeypatch.setattr(notifications, "_finish", real_finish)
        notifications.send_due(now=now + notifications.CLAIM_TIMEOUT + timedelta(minutes=1))
        mails = smtp.about(d)
        assert len(mails) == 2 and mails[0]["Message-ID"] == mails[1]["Message-ID"] == message_id_for(d, 0)
        assert rows(d)[(0, "email")].status == "SENT"


def test_a_redelivered_scan_task_sends_nothing_twice(app, make_user, smtp, monkeypatch):
    monkeypatch.setattr(celery_app, "_flask_app", app)  # the task runs in this app (and its SMTP_URL)
    user = make_user()
    zone = zone_in_daytime()
    user.patch("/api/v1/auth/me", json={"timezone": zone})
    today = datetime.now(ZoneInfo(zone)).date()
    d = new_deadline(user, today + timedelta(days=1), [7, 3, 1, 0])
    with app.app_context():
        before = {k: r.status for k, r in rows(d).items()}
    # 7 and 3 days before tomorrow are long past: skipped. 08:00 today has passed: due now.
    assert before[(7, "email")] == before[(3, "inapp")] == "SKIPPED"
    assert before[(1, "email")] == before[(1, "inapp")] == before[(0, "email")] == "PENDING"
    send_due_reminders.apply()
    send_due_reminders.apply()  # acks_late: a worker lost mid-task gets the same message again
    assert [m["Message-ID"] for m in smtp.about(d)] == [message_id_for(d, 1)]
    assert smtp.about(d)[0]["Subject"] == "Deadline tomorrow: File the answer"
    with app.app_context():
        after = {k: r.status for k, r in rows(d).items()}
        assert after[(1, "email")] == after[(1, "inapp")] == "SENT"
        assert after[(0, "email")] == after[(0, "inapp")] == "PENDING"  # tomorrow morning
        [n] = notes(d)
        assert n.title == "Deadline tomorrow: File the answer" and n.user_id == uuid.UUID(user.id)
    assert user.get("/api/v1/notifications?unread=true").get_json()["items"][0]["deadline_id"] == str(d)


def test_transient_mail_errors_are_retried_then_failed(app, alice, monkeypatch):
    monkeypatch.setattr(app.extensions["caseos"].config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    d = new_deadline(alice, DUE + timedelta(days=3), [0])
    with app.app_context():
        now = rows(d)[(0, "email")].due_at + timedelta(minutes=1)
        for attempt in range(1, notifications.MAX_ATTEMPTS + 1):
            notifications.send_due(now=now)
            row = rows(d)[(0, "email")]
            assert row.attempts == attempt and "cannot reach" in row.last_error
            assert row.status == ("FAILED" if attempt == notifications.MAX_ATTEMPTS else "PENDING")
        assert rows(d)[(0, "inapp")].status == "SENT"  # the in-app reminder does not wait for mail


def test_a_refused_recipient_fails_at_once(app, make_user, smtp):
    user = make_user(email=f"reject-{uuid.uuid4().hex[:8]}@example.test")
    d = new_deadline(user, DUE + timedelta(days=4), [0])
    with app.app_context():
        notifications.send_due(now=rows(d)[(0, "email")].due_at + timedelta(minutes=1))
        row = rows(d)[(0, "email")]
        assert row.status == "FAILED" and row.attempts == 1 and "550" in row.last_error


def test_reminders_of_a_completed_deadline_or_too_late_are_not_sent(app, alice, smtp):
    done = new_deadline(alice, DUE + timedelta(days=5), [0])
    late = new_deadline(alice, DUE + timedelta(days=5), [3])
    with app.app_context():
        at = rows(done)[(0, "inapp")].due_at
    assert alice.patch(f"/api/v1/deadlines/{done}", json={"status": "COMPLETED"}).status_code == 200
    with app.app_context():
        assert rows(done) == {}  # completing removes unsent reminders
        notifications.send_due(now=at + timedelta(minutes=1))
        row = rows(late)[(3, "email")]  # due three days before `at`: too late to be useful
        assert row.status == "SKIPPED" and row.last_error == "more than a day late"
        assert smtp.about(done, late) == [] and notes(late) == []


def test_mark_missed_uses_the_owners_time_zone_for_a_federal_case(app, make_user):
    """A federal court has no one zone: its deadlines pass on their owner's clock."""
    tokyo = make_user()
    tokyo.patch("/api/v1/auth/me", json={"timezone": "Asia/Tokyo"})
    day = DUE + timedelta(days=10)
    all_day = new_deadline(tokyo, day, [1, 0], case_kw=FEDERAL)
    timed = new_deadline(tokyo, day, [0], case_kw=FEDERAL, due_time="17:00:00")
    jst = ZoneInfo("Asia/Tokyo")
    with app.app_context():
        service.mark_missed(now=datetime.combine(day, time(16, 59), tzinfo=jst))
        assert db.session.get(Deadline, timed).status == "PENDING"
        service.mark_missed(now=datetime.combine(day, time(17, 1), tzinfo=jst))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Deadline, timed).status == "MISSED"
        assert db.session.get(Deadline, all_day).status == "PENDING"
        # 00:30 the next day in Tokyo is still `day` in UTC (15:30): missed all the same.
        after_midnight = datetime.combine(day + timedelta(days=1), time(0, 30), tzinfo=jst)
        assert after_midnight.astimezone(timezone.utc).date() == day
        service.mark_missed(now=after_midnight)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Deadline, all_day).status == "MISSED"
        assert rows(all_day) == {} and rows(timed) == {}  # nothing left to remind of
    got = tokyo.get(f"/api/v1/deadlines/{all_day}").get_json()["deadline"]
    assert got["status"] == "MISSED"
    # A person may reopen a missed deadline (say, with a new date) and its reminders come back.
    later = (day + timedelta(days=30)).isoformat()
    r = tokyo.patch(f"/api/v1/deadlines/{all_day}", json={"status": "PENDING", "due_date": later})
    assert r.status_code == 200
    with app.app_context():
        assert set(rows(all_day)) == {(1, "inapp"), (0, "inapp")}


def test_a_state_courts_deadline_is_missed_on_the_courts_clock_not_its_owners(app, make_user):
    """West Virginia's courts keep Eastern time: a person in Tokyo, 14 hours ahead, is not told the 5 PM
    deadline was missed while the court's day still runs - nor the all-day one before the court's midnight."""
    tokyo = make_user()
    tokyo.patch("/api/v1/auth/me", json={"timezone": "Asia/Tokyo"})
    day = DUE + timedelta(days=10)
    timed = new_deadline(tokyo, day, [0], due_time="17:00:00")   # the factory's case is in US-WV
    all_day = new_deadline(tokyo, day, [0])
    eastern = ZoneInfo("America/New_York")
    with app.app_context():
        service.mark_missed(now=datetime.combine(day, time(17, 1), tzinfo=ZoneInfo("Asia/Tokyo")))
        service.mark_missed(now=datetime.combine(day, time(16, 59), tzinfo=eastern))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Deadline, timed).status == "PENDING"
        service.mark_missed(now=datetime.combine(day, time(17, 1), tzinfo=eastern))
        service.mark_missed(now=datetime.combine(day, time(23, 59), tzinfo=eastern))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Deadline, timed).status == "MISSED"
        assert db.session.get(Deadline, all_day).status == "PENDING"
        service.mark_missed(now=datetime.combine(day + timedelta(days=1), time(0, 1), tzinfo=eastern))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Deadline, all_day).status == "MISSED"


def test_the_last_reminder_comes_before_a_morning_deadline_on_the_courts_clock(app, make_user):
    """9 AM in a West Virginia court is 6 AM in Los Angeles: the due-day reminder cannot wait for 8 AM there."""
    west = make_user()
    west.patch("/api/v1/auth/me", json={"timezone": "America/Los_Angeles"})
    day = DUE + timedelta(days=10)
    d = new_deadline(west, day, [1, 0], due_time="09:00:00")
    with app.app_context():
        due = datetime.combine(day, time(9, 0), tzinfo=ZoneInfo("America/New_York"))
        assert rows(d)[(0, "inapp")].due_at == due - timedelta(hours=1)
        day_before = datetime.combine(day - timedelta(days=1), time(8, 0), tzinfo=ZoneInfo("America/Los_Angeles"))
        assert rows(d)[(1, "inapp")].due_at == day_before  # the other reminders: the reader's morning


def test_mark_missed_task_marks_a_past_deadline(app, alice, monkeypatch):
    monkeypatch.setattr(celery_app, "_flask_app", app)
    d = new_deadline(alice, date.today() - timedelta(days=3), [1])
    mark_missed_deadlines.apply()
    assert alice.get(f"/api/v1/deadlines/{d}").get_json()["deadline"]["status"] == "MISSED"
