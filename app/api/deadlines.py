"""Deadlines: a case's deadlines, computing them from court rules, and calendar feeds."""
from flask import Response
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.extensions import db
from app.schemas.deadline import (CalendarArgs, CalendarKeyOut, CaseComputeIn, ComputeIn, ComputeOut,
                                  DeadlineEnvelope, DeadlineIn, DeadlineList, DeadlineListArgs, DeadlinePatch,
                                  RulesArgs, RulesOut, SuggestedOut, TriggerList, TriggersArgs)
from app.deadlines import service as deadlines

bp = Blueprint("deadlines", __name__, url_prefix="/api/v1", description="Deadlines and calendars")
ICS = "text/calendar; charset=utf-8"


@bp.get("/cases/<uuid:case_id>/deadlines")
@bp.arguments(DeadlineListArgs, location="query")
@bp.response(200, DeadlineList)
def list_(args, case_id):
    """Deadlines of a case, soonest first."""
    page, per_page = args.pop("page"), args.pop("per_page")
    items, total = deadlines.list_deadlines(current_principal(), case_id, page=page, per_page=per_page, **args)
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@bp.post("/cases/<uuid:case_id>/deadlines")
@bp.arguments(DeadlineIn)
@bp.response(201, DeadlineEnvelope)
def create(data, case_id):
    """Add a deadline to a case; its reminders are scheduled for every member who works on the case."""
    deadline = deadlines.create_deadline(current_principal(), case_id, data)
    db.session.commit()
    return {"deadline": deadline}


@bp.get("/deadlines/<uuid:deadline_id>")
@bp.response(200, DeadlineEnvelope)
def get(deadline_id):
    """One deadline."""
    return {"deadline": deadlines.get_deadline(current_principal(), deadline_id)}


@bp.patch("/deadlines/<uuid:deadline_id>")
@bp.arguments(DeadlinePatch)
@bp.response(200, DeadlineEnvelope)
def update(data, deadline_id):
    """Change a deadline, or confirm (PENDING), complete, dismiss or reopen it."""
    deadline = deadlines.update_deadline(current_principal(), deadline_id, data)
    db.session.commit()
    return {"deadline": deadline}


@bp.delete("/deadlines/<uuid:deadline_id>")
@bp.response(204)
def delete(deadline_id):
    """Delete a deadline and its pending reminders."""
    deadlines.delete_deadline(current_principal(), deadline_id)
    db.session.commit()


@bp.post("/deadlines/compute")
@bp.arguments(ComputeIn)
@bp.response(200, ComputeOut)
def compute(data):
    """Deadlines a triggering event starts under the court rules, each with its counting steps (422 if unknown)."""
    results = deadlines.compute(data["jurisdiction"], data["trigger"], data["trigger_date"],
                                data.get("service_method"), state=data.get("state"), court=data.get("court"))
    return {"deadlines": results, "disclaimer": deadlines.DISCLAIMER}


@bp.get("/deadlines/rules")
@bp.arguments(RulesArgs, location="query")
@bp.response(200, RulesOut)
def rules(args):
    """Triggers and rules known for a jurisdiction (optionally one case type), each rule with its source."""
    return deadlines.rules(args["jurisdiction"], args.get("case_type"))


@bp.get("/deadlines/triggers")
@bp.arguments(TriggersArgs, location="query")
@bp.response(200, TriggerList)
def triggers(args):
    """Events that start a deadline, as a person would say them ("I got a notice to pay rent or quit")."""
    found = deadlines.triggers(args["jurisdiction"], args.get("case_type"), args.get("document_type"))
    return {"jurisdiction": args["jurisdiction"].strip().upper(), "triggers": found}


@bp.post("/cases/<uuid:case_id>/deadlines/compute")
@bp.arguments(CaseComputeIn)
@bp.response(201, SuggestedOut)
def suggest(data, case_id):
    """Compute deadlines for a case and add them as SUGGESTED, for a person to confirm."""
    items, created = deadlines.suggest_from_rules(current_principal(), case_id, data)
    db.session.commit()
    return {"items": items, "created": created, "disclaimer": deadlines.DISCLAIMER}


@bp.get("/cases/<uuid:case_id>/deadlines.ics")
@bp.response(200, description="iCalendar file", content_type="text/calendar")
def case_calendar(case_id):
    """The case's deadlines as an iCalendar file."""
    body, filename = deadlines.case_calendar(current_principal(), case_id)
    return Response(body, content_type=ICS, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/calendar.ics")
@bp.arguments(CalendarArgs, location="query")
@bp.response(200, description="iCalendar feed", content_type="text/calendar")
def personal_calendar(args):
    """Your personal deadline feed for a calendar application (no sign-in: the key is the secret)."""
    return Response(deadlines.personal_calendar(args["key"]), content_type=ICS)


@bp.post("/calendar/key")
@bp.response(200, CalendarKeyOut)
def rotate_calendar_key():
    """Issue a new personal calendar link; the old one stops working."""
    url = deadlines.rotate_calendar_key(current_user._get_current_object())
    db.session.commit()
    return {"url": url}
