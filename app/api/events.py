"""Everything the user may see, live: job changes and notifications (server-sent events)."""
from flask import request
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.api.streams import SSE_BODY, user_stream

bp = Blueprint("events", __name__, url_prefix="/api/v1", description="Event stream")


@bp.get("/events")
@bp.response(200, description="Server-sent events for everything you may see; honours Last-Event-ID.",
             content_type="text/event-stream", schema=SSE_BODY)
def stream():
    """Follow your jobs and notifications live (server-sent events)."""
    return user_stream(current_principal(), request.headers.get("Last-Event-ID") or request.args.get("last_event_id"))
