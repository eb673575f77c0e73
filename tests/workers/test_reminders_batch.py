"""The batch-oriented reminder scan against real PostgreSQL: a single run delivers everything that is
due (more than one batch), concurrent runs and crashed runs never deliver a reminder twice or lose one,
and the embedded mode (SQLite) delivers the same way."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import Deadline, Event, Notification, ReminderDelivery
from app.models.base import utcnow
from app.cases import notifications
from app.platform.mail import message_id_for
from tests.workers.test_reminders import SmtpSink, new_deadline, rows

ROOT = Path(__file__).resolve().parents[2]
R = ReminderDelivery


def seed_due(app, user, n: int, *, minutes_ago: int = 5) -> list[uuid.UUID]:
    """n deadlines of one case, each with one in-app reminder that became due `minutes_ago` minutes ago."""
    case = user.create_case(title="Batch case")
    org, case_id, uid = uuid.UUID(case["organization_id"]), uuid.UUID(case["id"]), uuid.UUID(user.id)
    now = utcnow()
    ids = [uuid.uuid4() for _ in range(n)]
    with app.app_context():
        db.session.execute(sa.insert(Deadline.__table__), [
            {"id": i, "organization_id": org, "case_id": case_id, "created_by_id": uid, "title": f"Answer due {k}",
             "due_date": date.today() + timedelta(days=2), "status": "PENDING", "reminders": [1],
             "created_at": now, "updated_at": now} for k, i in enumerate(ids)])
        db.session.execute(sa.insert(R.__table__), [
            {"id": uuid.uuid4(), "deadline_id": i, "user_id": uid, "organization_id": org, "offset_days": 1,
             "channel": "inapp", "due_at": now - timedelta(minutes=minutes_ago, seconds=k % 60), "status": "PENDING",
             "attempts": 0} for k, i in enumerate(ids)])
        db.session.commit()
    return ids


def delivered(ids) -> tuple[Counter, Counter, Counter]:
    """(row statuses, notifications per deadline, notification events per deadline) of these deadlines."""
    db.session.expire_all()
    keys = [str(i) for i in ids]
    statuses = Counter(s for (s,) in db.session.execute(sa.select(R.status).where(R.deadline_id.in_(ids))))
    notes = Counter(d for (d,) in db.session.execute(
        sa.select(Notification.deadline_id).where(Notification.deadline_id.in_(ids))))
    events = Counter()
    for (data,) in db.session.execute(sa.select(Event.data).where(Event.type == "notification")):
        if data.get("deadline_id") in keys:
            events[uuid.UUID(data["deadline_id"])] += 1
    return statuses, notes, events


def count_statements(engine):
    n = {"sql": 0, "commits": 0}

    def on_sql(*_a):
        n["sql"] += 1

    def on_commit(*_a):
        n["commits"] += 1
    sa.event.listen(engine, "before_cursor_execute", on_sql)
    sa.event.listen(engine, "commit", on_commit)
    return n, lambda: (sa.event.remove(engine, "before_cursor_execute", on_sql),
                       sa.event.remove(engine, "commit", on_commit))


def test_one_scan_delivers_1200_due_reminders_exactly_once_in_batches(app, alice):
    ids = seed_due(app, alice, 1200)
    with app.app_context():
        counted, stop = count_statements(db.engine)
        try:
            result = notifications.send_due()
        finally:
            stop()
        statuses, notes, events = delivered(ids)
        assert statuses == Counter({"SENT": 1200})
        assert set(notes) == set(ids) and set(notes.values()) == {1}
        assert set(events) == set(ids) and set(events.values()) == {1}
        assert result["sent"] >= 1200
        # Batches, not one reminder at a time (that took 10 statements and 2 commits per reminder).
        assert counted["sql"] < 100 and counted["commits"] < 15, counted
        again = notifications.send_due()  # nothing of ours is left to deliver
        assert delivered(ids) == (statuses, notes, events) and again.get("sent", 0) < 1200
    page = alice.get("/api/v1/notifications?unread=true&per_page=5").get_json()
    assert page["total"] >= 1200 and page["items"][0]["title"].startswith("Deadline in ")


def test_two_concurrent_scans_with_small_batches_deliver_each_reminder_once(app, alice):
    ids = seed_due(app, alice, 1200, minutes_ago=7)
    start, results, errors = threading.Barrier(2), [], []

    def scan():
        try:
            with app.app_context():  # its own session and database connection
                start.wait()
                results.append(notifications.send_due(limit=50))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 2
    assert sum(r.get("sent", 0) for r in results) >= 1200
    with app.app_context():
        statuses, notes, events = delivered(ids)
        assert statuses == Counter({"SENT": 1200})
        assert set(notes) == set(ids) and set(notes.values()) == {1}
        assert set(events) == set(ids) and set(events.values()) == {1}


CRASH_SCRIPT = textwrap.dedent('''
    import os, sys
    from datetime import datetime
    from app import create_app
    from app.cases import notifications
    mode, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])

    def die(*a, **k):
        os._exit(17)  # the worker process is killed: no rollback, no clean-up

    if mode == "inapp":
        notifications.reminder_text = die  # mid-batch, after the claim, before the commit
    else:
        notifications.send_mail = die  # after the claim was committed, before the message went out
    app = create_app()
    with app.app_context():
        notifications.send_due(now=now)
    os._exit(0)
''')


def run_crashing_scan(mode: str, now, **env) -> int:
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, mode, now.isoformat()], cwd=ROOT,
                          env=dict(os.environ, **env), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 17, proc.stderr[-3000:]
    return proc.returncode


def test_a_scan_killed_inside_its_batch_leaves_the_reminders_to_the_next_scan(app, alice):
    ids = seed_due(app, alice, 30, minutes_ago=9)
    with app.app_context():
        now = utcnow()
    run_crashing_scan("inapp", now)
    with app.app_context():
        statuses, notes, _ = delivered(ids)
        assert statuses == Counter({"PENDING": 30}) and not notes  # the claim died with its transaction
        notifications.send_due(now=now + timedelta(minutes=1))  # no need to wait for CLAIM_TIMEOUT
        statuses, notes, events = delivered(ids)
        assert statuses == Counter({"SENT": 30}) and set(notes.values()) == {1} and set(events.values()) == {1}
        assert {r.attempts for r in db.session.execute(sa.select(R).where(R.deadline_id.in_(ids))).scalars()} == {1}


def test_an_email_claimed_by_a_killed_scan_is_sent_later_exactly_once(app, alice, monkeypatch):
    with SmtpSink() as sink:
        monkeypatch.setattr(app.extensions["caseos"].config, "SMTP_URL", sink.url)
        d = new_deadline(alice, date.today() + timedelta(days=120), [0])
        with app.app_context():
            now = rows(d)[(0, "email")].due_at + timedelta(minutes=1)
        run_crashing_scan("email", now, SMTP_URL=sink.url)
        with app.app_context():
            row = rows(d)[(0, "email")]
            assert row.status == "CLAIMED" and row.attempts == 1 and sink.about(d) == []
            notifications.send_due(now=now + timedelta(minutes=1))
            assert rows(d)[(0, "email")].status == "CLAIMED" and sink.about(d) == []  # a fresh claim is respected
            later = now + notifications.CLAIM_TIMEOUT + timedelta(minutes=1)
            notifications.send_due(now=later)
            notifications.send_due(now=later + timedelta(minutes=1))
            assert [m["Message-ID"] for m in sink.about(d)] == [message_id_for(d, 0)]
            row = rows(d)[(0, "email")]
            assert row.status == "SENT" and row.attempts == 2 and row.message_id == message_id_for(d, 0)
            assert rows(d)[(0, "inapp")].status == "SENT"
            assert len(db.session.execute(sa.select(Notification).where(Notification.deadline_id == d)).all()) == 1


def test_emails_left_when_the_time_budget_runs_out_are_handed_back(app, alice, monkeypatch):
    with SmtpSink() as sink:
        monkeypatch.setattr(app.extensions["caseos"].config, "SMTP_URL", sink.url)
        ds = [new_deadline(alice, date.today() + timedelta(days=130), [0]) for _ in range(3)]
        with app.app_context():
            now = max(rows(d)[(0, "email")].due_at for d in ds) + timedelta(minutes=1)
            result = notifications.send_due(now=now, budget=0)  # out of time before the first e-mail
            assert result.get("released", 0) >= 3 and sink.about(*ds) == []
            for d in ds:
                row = rows(d)[(0, "email")]
                assert row.status == "PENDING" and row.attempts == 0 and row.claimed_at is None
                assert rows(d)[(0, "inapp")].status == "SENT"
            notifications.send_due(now=now)
            assert sorted(m["Message-ID"] for m in sink.about(*ds)) == sorted(message_id_for(d, 0) for d in ds)
            assert {rows(d)[(0, "email")].attempts for d in ds} == {1}


SQLITE_SCRIPT = textwrap.dedent('''
    import json, sys, uuid
    from datetime import date, timedelta
    import sqlalchemy as sa
    from app import create_app
    from app.extensions import db
    from app.models import Notification, ReminderDelivery as R
    from app.cases import notifications
    from tests.factories import ApiUser
    app = create_app()
    app.config["TESTING"] = True
    user = ApiUser.register(app, name="Embedded User")
    case = user.create_case()
    ids = []
    for k in range(7):
        r = user.post(f"/api/v1/cases/{case['id']}/deadlines",
                      json={"title": f"File {k}", "due_date": (date.today() + timedelta(days=40)).isoformat(),
                            "reminders": [0]})
        assert r.status_code == 201, r.get_json()
        ids.append(uuid.UUID(r.get_json()["deadline"]["id"]))
    with app.app_context():
        last = db.session.execute(sa.select(sa.func.max(R.due_at))).scalar()
        first = notifications.send_due(now=last + timedelta(minutes=1), limit=3)
        second = notifications.send_due(now=last + timedelta(minutes=2), limit=3)
        statuses = sorted(s for (s,) in db.session.execute(sa.select(R.status).where(R.deadline_id.in_(ids))))
        notes = db.session.execute(sa.select(sa.func.count()).select_from(Notification)
                                   .where(Notification.deadline_id.in_(ids))).scalar()
    print("RESULT" + json.dumps({"first": first, "second": second, "statuses": statuses, "notes": notes}))
''')


def test_embedded_sqlite_scan_delivers_in_batches(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'e.db'}", STORAGE_BACKEND="local",
               STORAGE_DIR=str(tmp_path / "st"), CELERY_BROKER_URL=f"sqla+sqlite:///{tmp_path / 'b.db'}")
    env.pop("REDIS_URL", None)
    env.pop("SMTP_URL", None)
    r = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    r = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(next(line for line in r.stdout.splitlines() if line.startswith("RESULT"))[6:])
    assert out["first"] == {"sent": 7} and out["second"] == {}
    assert out["statuses"] == ["SENT"] * 7 and out["notes"] == 7
