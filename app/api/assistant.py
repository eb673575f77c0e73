"""The assistant: chat about one case (streamed), its conversations, and research jobs.

Any member of the case's organization may chat, VIEWERs included: a chat reads the case and
changes nothing in it. A chat is visible to the member who started it, and to the
organization's OWNERs and members with the STAFF role; only the member who started it may continue it.
Research is open to every member too; its job belongs to the caller (GET /jobs/{id}).
"""
import json

from flask import Response, current_app, request, stream_with_context
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.api.streams import SSE_BODY
from app.extensions import db, limiter
from app.schemas.assistant import ChatIn, ChatList, ChatOut, ResearchAccepted, ResearchIn
from app.schemas.common import PageArgs
from app.assistant import chat as case_chat, research as research_jobs
from app.platform import engine

bp = Blueprint("assistant", __name__, url_prefix="/api/v1", description="Assistant: case chat and research")

CHAT_STREAM_DOC = """Server-sent events, in order:
`meta` {chat_id, user_message_id, provider, sources: [{document_id, title, page, excerpt}], disclaimer};
`delta` {text}, repeated (the answer, in order);
`done` {message_id} once the answer is saved - or instead `error` {code, message, retryable}
(codes: provider_unavailable, provider_error, internal_error, not_saved)."""


def _chat_limit():
    return current_app.config.get("RATELIMIT_ASSISTANT", "30 per minute")


def _user_key():
    return f"assistant:{current_user.id}"


@bp.post("/cases/<uuid:case_id>/chat")
@limiter.limit(_chat_limit, key_func=_user_key)
@bp.arguments(ChatIn)
@bp.response(200, description=CHAT_STREAM_DOC, content_type="text/event-stream", schema=SSE_BODY)
def chat(data, case_id):
    """Ask about a case: an answer grounded in its data and documents, streamed as server-sent events."""
    turn = case_chat.start_turn(current_principal(), case_id, data["message"], data.get("chat_id"))
    db.session.commit()
    db.session.remove()  # no database connection held while the answer streams
    return _event_stream(case_chat.answer_events(turn))


@bp.get("/cases/<uuid:case_id>/chats")
@bp.arguments(PageArgs, location="query")
@bp.response(200, ChatList)
def list_chats(args, case_id):
    """Conversations about a case you may see, newest first."""
    items, total = case_chat.list_chats(current_principal(), case_id, args["page"], args["per_page"])
    return {"items": items, "total": total, **args}


@bp.get("/cases/<uuid:case_id>/chats/<uuid:chat_id>")
@bp.response(200, ChatOut)
def get_chat(case_id, chat_id):
    """One conversation: every question and answer, with the sources each answer quoted."""
    out = case_chat.get_chat(current_principal(), case_id, chat_id)
    db.session.commit()
    return out


def _org_research_limit():
    return current_app.config.get("RATELIMIT_ORG_RESEARCH", "20 per minute;200 per hour")


def _org_research_key():
    return f"org-research:{current_principal().org_id}"


@bp.post("/research")
@limiter.limit(_org_research_limit, key_func=_org_research_key,
               error_message="Your organization has asked many research questions in a short time; "
                             "wait Retry-After seconds, then ask again.")
@bp.arguments(ResearchIn)
@bp.response(202, ResearchAccepted)
@bp.alt_response(429, response="TOO_MANY_REQUESTS", description="The organization's research limit "
                 "(RATELIMIT_ORG_RESEARCH) is reached: retry after Retry-After seconds.")
def research(data):
    """Research a procedural topic for a jurisdiction in the background; the job's result holds the answer.

    Result: {answer, citations, sources, provider, disclaimer, limitations}. An `Idempotency-Key`
    header makes a retried request return the same job.
    """
    job = research_jobs.request_research(current_principal(), data["topic"], data["jurisdiction"],
                                     idempotency_key=request.headers.get("Idempotency-Key"))
    db.session.commit()
    if job.status == "QUEUED":
        engine.start(job)
    return {"job": job}


def _event_stream(events):
    def body():
        for seq, (event, payload) in enumerate(events, 1):
            yield f"id: {seq}\nevent: {event}\ndata: {json.dumps(payload, default=str, separators=(',', ':'))}\n\n"
    resp = Response(stream_with_context(body()), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp
