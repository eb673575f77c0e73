"""Background jobs: status, list, and a live event stream per job."""
from flask import request
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.api.streams import SSE_BODY, job_stream
from app.schemas.document import JobList, JobListArgs, JobOut
from app.platform import jobs

bp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="Jobs")


@bp.get("/jobs/<uuid:job_id>")
@bp.response(200, JobOut)
def get(job_id):
    """A job's status, progress, steps, error and result."""
    return jobs.get_visible(current_principal(), job_id)


@bp.get("/jobs")
@bp.arguments(JobListArgs, location="query")
@bp.response(200, JobList)
def list_(args):
    """Your jobs in the selected organization (OWNERs and STAFF members see the organization's)."""
    page, per_page = args.pop("page"), args.pop("per_page")
    items, total = jobs.list_visible(current_principal(), page=page, per_page=per_page, **args)
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@bp.get("/jobs/<uuid:job_id>/events")
@bp.response(200, description="Server-sent events: the job's current state, then each change, ending after a "
             "final state. Honours Last-Event-ID.", content_type="text/event-stream", schema=SSE_BODY)
def events(job_id):
    """Follow a job live (server-sent events)."""
    job = jobs.get_visible(current_principal(), job_id)
    return job_stream(job, request.headers.get("Last-Event-ID") or request.args.get("last_event_id"))
