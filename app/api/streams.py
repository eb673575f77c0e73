"""Server-sent event streams: thin HTTP glue around the process's event hub (services/event_hub.py).

A stream holds no database connection and no Redis connection while it waits: the hub's single
subscriber and reader hand it its events in memory. It reads the database itself only for its
backlog (Last-Event-ID, or what was committed while it opened). Under gunicorn's gevent workers an
open stream costs a greenlet, not a worker.
"""
from __future__ import annotations

import time

from flask import Response, stream_with_context

from app.extensions import db
from app.models import Job
from app.models.job import FINAL_JOB_STATUSES
from app.platform import event_hub, events, jobs

# The body as the API document shows it: without a schema the stream's media type was missing from the
# document (flask-smorest drops a schema-less content), and clients and tests could not tell it streams.
SSE_BODY = {"type": "string", "description": "text/event-stream: `id:`, `event:` and `data:` (JSON) lines, "
                                             "a blank line after each event"}
MAX_STREAM_SECONDS = 15 * 60   # clients reconnect with Last-Event-ID after this
KEEPALIVE_SECONDS = 15


def job_stream(job: Job, last_event_id):
    """The job's current state (unless resuming), then each change; ends after a final state."""
    audience = events.Audience.of_job(job.organization_id, job.id)
    last = events.parse_last_event_id(last_event_id)
    intro = []
    if last == 0:
        last = events.last_event_id(audience.org_ids, job_id=job.id)
        intro.append(event_hub.Frame(events.sse(last, "job", jobs.snapshot(job)), job.status in FINAL_JOB_STATUSES))
    db.session.remove()
    return _response(_sse(audience, last, intro))


def user_stream(principal, last_event_id):
    """A snapshot of the user's active jobs (unless resuming), then everything the user may see."""
    audience = events.Audience.of_user(principal.roles, principal.user.id, jobs.privileged_orgs(principal))
    last = events.parse_last_event_id(last_event_id)
    intro = []
    if last == 0:
        last = events.last_event_id(audience.org_ids)
        active = [jobs.snapshot(j) for j in jobs.list_visible_all_orgs(principal, active_only=True)]
        intro.append(event_hub.Frame(events.sse(last, "snapshot", {"active_jobs": active}), False))
    db.session.remove()
    return _response(_sse(audience, last, intro))


def _sse(audience, last: int, intro):
    """The one SSE loop: intro frames, then the hub's frames, keep-alives while idle; a job stream
    ends after its final state, every stream after MAX_STREAM_SECONDS."""
    yield "retry: 1000\n\n"
    for frame in intro:
        yield frame.text
        if frame.final:
            return
    stream = event_hub.follow(audience, last)
    started = idle = time.monotonic()
    try:
        while True:
            now = time.monotonic()
            left = MAX_STREAM_SECONDS - (now - started)
            if left <= 0:
                return
            frames = stream.take(min(left, max(0.0, KEEPALIVE_SECONDS - (now - idle))))
            for frame in frames:
                yield frame.text
            if stream.finished:
                return
            if frames:
                idle = time.monotonic()
            elif time.monotonic() - idle >= KEEPALIVE_SECONDS:
                idle = time.monotonic()
                yield ": keepalive\n\n"
    finally:
        stream.close()


def _response(gen):
    resp = Response(stream_with_context(gen), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp
