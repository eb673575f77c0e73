"""Deadline reminders: the beat-driven scan that sends due reminders, and marking missed deadlines."""
from workers import celery


@celery.task(name="reminders.send_due", acks_late=True)
def send_due_reminders():
    """Claim and deliver every reminder that is due (each exactly once, even with concurrent scans)."""
    from app.services import notifications
    return notifications.send_due()


@celery.task(name="reminders.mark_missed", acks_late=True)
def mark_missed_deadlines():
    """PENDING deadlines whose due date has passed in the owner's time zone become MISSED."""
    from app.extensions import db
    from app.services.deadlines import service
    n = service.mark_missed()
    db.session.commit()
    return n
