"""Reminders end to end: real `celery beat` and `celery worker` processes, PostgreSQL, Redis and a
local SMTP server. A deadline created through the API for tomorrow reaches its user in-app and by
e-mail within seconds of the next scan."""
import os
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.platform.mail import message_id_for
from tests.procs import start_beat, start_worker
from tests.workers.test_reminders import SmtpSink, zone_in_daytime

pytestmark = pytest.mark.e2e
SCAN_SECONDS = 3


def wait_for(check, timeout=30, every=0.5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    return check()


def test_deadline_for_tomorrow_is_reminded_in_app_and_by_email(app, make_user, monkeypatch):
    with SmtpSink() as smtp:
        # Our own queues: the session's worker (no SMTP_URL) would leave the e-mail to some later scan.
        prefix = f"{os.environ.get('CELERY_KEY_PREFIX', '')}reminders-{uuid.uuid4().hex[:8]}:"
        env = {"REMINDER_SCAN_SECONDS": str(SCAN_SECONDS), "SMTP_URL": smtp.url, "CELERY_KEY_PREFIX": prefix}
        monkeypatch.setattr(app.extensions["caseos"].config, "SMTP_URL", smtp.url)  # the API schedules e-mail
        worker = start_worker(name="reminders", concurrency=1, queues="default", env=env)
        beat = start_beat(env=env)
        try:
            user = make_user(name="Rita Reminded")
            zone = zone_in_daytime()  # so that 08:00 today, the reminder one day before, has passed
            assert user.patch("/api/v1/auth/me", json={"timezone": zone}).status_code == 200
            case = user.create_case(title="Reminder case")
            tomorrow = datetime.now(ZoneInfo(zone)).date() + timedelta(days=1)
            r = user.post(f"/api/v1/cases/{case['id']}/deadlines",
                          json={"title": "File the answer", "due_date": tomorrow.isoformat()})
            assert r.status_code == 201, r.get_json()
            deadline_id = r.get_json()["deadline"]["id"]

            def delivered():
                items = user.get("/api/v1/notifications?unread=true").get_json()["items"]
                return items and smtp.about(deadline_id) and (items, smtp.about(deadline_id))

            found = wait_for(delivered, timeout=30)
            assert found, f"nothing delivered in 30 s\nbeat:\n{beat.log()[-2000:]}\nworker:\n{worker.log()[-3000:]}"
            items, mails = found
            assert [n["title"] for n in items] == ["Deadline tomorrow: File the answer"]
            assert items[0]["deadline_id"] == deadline_id and items[0]["case_id"] == case["id"]
            [mail] = mails
            assert mail["To"] == user.email and mail["Message-ID"] == message_id_for(deadline_id, 1)
            assert "Reminder case" in mail.get_payload(decode=True).decode()
            time.sleep(4)  # another scan runs: still one of each
            assert len(smtp.about(deadline_id)) == 1
            assert user.get("/api/v1/notifications").get_json()["total"] == 1
        finally:
            beat.stop()
            worker.stop()
