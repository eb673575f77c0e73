"""Sending a job's message: the one place for the broker call, its retry policy and the outbox mark.

Messages carry ids only (never document text). A send that fails is not an error for the
caller: the job row is the outbox, and the maintenance sweeper (app/documents/maintenance.py)
sends it again. Queues come from `task_routes` in celeryconfig.py.
"""
from __future__ import annotations

import logging

log = logging.getLogger("caseos.enqueue")

# A short retry rides out a broker blip without holding an HTTP request for long.
RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}


def send(task_name: str, *args, job_id=None) -> bool:
    """Send one message; False (logged) if the broker is unreachable."""
    from workers import celery
    try:
        celery.send_task(task_name, args=[str(a) for a in args], retry=True, retry_policy=RETRY_POLICY)
        return True
    except Exception as exc:
        log.warning("enqueue failed; the sweeper will retry",
                    extra={"task": task_name, "job_id": str(job_id) if job_id else None, "error": type(exc).__name__})
        return False


def send_job(task_name: str, job_id, *args) -> bool:
    """Send a job's first message after the commit that created it, and record that it was sent
    (a job never marked is re-sent by the sweeper after a short grace period)."""
    from app.extensions import db
    from app.platform import jobs
    if not send(task_name, *(args or (job_id,)), job_id=job_id):
        return False
    jobs.mark_enqueued(job_id)
    db.session.commit()
    return True
