"""Deadline reminders: the beat-driven scan that sends due reminders, and marking missed deadlines."""
from app.cases import notifications
from app.deadlines import service
from app.extensions import db
from app.platform import runtime
from workers import celery


def scan_budget() -> float:
    """Seconds one scan may run: half the beat period, so a scan ends before the next one starts."""
    return max(1.0, runtime.current().config.REMINDER_SCAN_SECONDS / 2)


@celery.task(name="reminders.send_due", acks_late=True)
def send_due_reminders():
    """Claim and deliver every reminder that is due, batch by batch (each exactly once, even with
    concurrent scans or a redelivered task), for at most half the beat period."""
    return notifications.send_due(budget=scan_budget())


@celery.task(name="reminders.mark_missed", acks_late=True)
def mark_missed_deadlines():
    """PENDING deadlines whose due date has passed in the owner's time zone become MISSED."""
    n = service.mark_missed()
    db.session.commit()
    return n
