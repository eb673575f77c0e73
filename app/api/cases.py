"""Cases: create, list, read, update, soft delete, timeline, conflict check."""
from flask import jsonify
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.extensions import db
from app.schemas.case import (CaseEnvelope, CaseIn, CaseList, CaseListArgs, CasePatch, ConflictArgs,
                              ConflictList, Timeline, case_list_out)
from app.cases import cases

bp = Blueprint("cases", __name__, url_prefix="/api/v1", description="Cases")


@bp.post("/cases")
@bp.arguments(CaseIn)
@bp.response(201, CaseEnvelope)
def create(data):
    """Open a case in the selected organization."""
    case = cases.create_case(current_principal(), data)
    db.session.commit()
    cases.attach_summaries([case])
    return {"case": case}


@bp.get("/cases")
@bp.arguments(CaseListArgs, location="query")
@bp.response(200, CaseList)
def list_(args):
    """Cases of the selected organization, most recently updated first."""
    page, per_page = args.pop("page"), args.pop("per_page")
    items, total = cases.list_cases(current_principal(), page=page, per_page=per_page, **args)
    # Dumped by case_list_out (the CaseList shape, documented by the decorator above) rather
    # than by marshmallow field by field: a response is returned as is by flask-smorest.
    return jsonify(case_list_out(items, page, per_page, total))


@bp.get("/cases/<uuid:case_id>")
@bp.response(200, CaseEnvelope)
def get(case_id):
    """One case."""
    return {"case": cases.get_case(current_principal(), case_id)}


@bp.patch("/cases/<uuid:case_id>")
@bp.arguments(CasePatch(partial=True))
@bp.response(200, CaseEnvelope)
def update(data, case_id):
    """Change fields of a case."""
    case = cases.update_case(current_principal(), case_id, data)
    db.session.commit()
    return {"case": case}


@bp.delete("/cases/<uuid:case_id>")
@bp.response(204)
def delete(case_id):
    """Soft-delete a case: it and its documents become unreachable."""
    cases.delete_case(current_principal(), case_id)
    db.session.commit()


@bp.get("/cases/<uuid:case_id>/timeline")
@bp.response(200, Timeline)
def timeline(case_id):
    """Events of the case in date order."""
    return {"items": cases.timeline(current_principal(), case_id)}


@bp.get("/conflicts")
@bp.arguments(ConflictArgs, location="query")
@bp.response(200, ConflictList)
def conflicts(args):
    """Cases where a party with a similar name appears (conflict-of-interest check)."""
    return {"items": cases.conflicts(current_principal(), args["name"])}
