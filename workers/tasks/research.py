"""Research job: answer a procedural question from the rule sets, the organization's documents
and (when the organization allows it) the model provider.

The message carries the job id only. The job's lease makes a redelivered message a no-op; the
maintenance sweeper re-sends "assistant.research" for a job whose message was lost.
"""
from __future__ import annotations

import logging
import random
import uuid

from celery.exceptions import Retry

from app.extensions import db
from app.models import Job
from app.assistant import assistant
from app.platform import jobs
from app.understanding.providers import ProviderTransientError
from workers import celery
from workers.enqueue import send_job
from workers.steps import transient_errors

log = logging.getLogger("caseos.research")
TASK_NAME = "assistant.research"
STEP = assistant.RESEARCH_STEP
LEASE_SECONDS = 300
MODEL_RETRIES = 3   # then answer from the rule sets alone
MAX_RETRIES = 6


def enqueue(job_id) -> bool:
    """Send the job's message (after the commit that created it); False leaves it to the sweeper."""
    return send_job(TASK_NAME, job_id)


@celery.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def research(self, job_id: str):
    """Answer one research job and store the answer as its result."""
    job_id = uuid.UUID(str(job_id))  # messages carry strings; SQLite's UUID type needs UUIDs
    job = jobs.claim(job_id, STEP, LEASE_SECONDS)
    if job is None:
        remaining = jobs.lease_remaining(job_id)
        if remaining:
            raise self.retry(countdown=min(remaining + 1, 600), max_retries=None)
        return "noop"
    if jobs.step_attempts(job, STEP) > jobs.MAX_STEP_ATTEMPTS:
        jobs.fail(job, "research_crashed", "Answering this question failed repeatedly; try asking it differently.",
                  STEP)
        db.session.commit()
        return "gave_up"
    try:
        inp = assistant.gather_research(job.params or {})
        db.session.commit()  # no transaction held open while the model answers
        result = assistant.answer_research(inp, allow_model=self.request.retries < MODEL_RETRIES)
    except Retry:
        raise
    except transient_errors() as exc:
        db.session.rollback()
        _release(job_id)
        if self.request.retries >= MAX_RETRIES:
            _fail(job_id, "temporarily_unavailable", "A service CaseOS depends on stayed unavailable; ask again later.")
            raise
        delay = getattr(exc, "retry_after", None) if isinstance(exc, ProviderTransientError) else None
        raise self.retry(exc=exc, countdown=delay or min(300, 2 ** self.request.retries) * (0.5 + random.random()))
    except Exception:
        db.session.rollback()
        _fail(job_id, "internal_error", "CaseOS could not answer because of an internal error; it has been logged.")
        raise  # the queue and the logs must see a bug
    job = db.session.get(Job, job_id, populate_existing=True)
    jobs.finish_step(job, STEP, 1.0)
    jobs.succeed(job, jobs.seal_result(job, result))  # the answer may quote documents: sealed at rest
    db.session.commit()
    return "done"


def _release(job_id):
    job = db.session.get(Job, job_id)
    if job is not None:
        jobs.release(job)
        db.session.commit()


def _fail(job_id, code, message):
    job = db.session.get(Job, job_id)
    if job is not None:
        jobs.fail(job, code, message, STEP)
        db.session.commit()
