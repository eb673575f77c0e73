"""Parties of a case."""
from flask_smorest import Blueprint

from app.api.security import current_principal
from app.extensions import db
from app.schemas.case import PartyEnvelope, PartyIn, PartyList, PartyPatch
from app.cases import cases

bp = Blueprint("parties", __name__, url_prefix="/api/v1", description="Parties")


@bp.get("/cases/<uuid:case_id>/parties")
@bp.response(200, PartyList)
def list_(case_id):
    """Parties of a case."""
    return {"items": cases.list_parties(current_principal(), case_id)}


@bp.post("/cases/<uuid:case_id>/parties")
@bp.arguments(PartyIn)
@bp.response(201, PartyEnvelope)
def create(data, case_id):
    """Add a party to a case."""
    party = cases.add_party(current_principal(), case_id, data)
    db.session.commit()
    return {"party": party}


@bp.patch("/parties/<uuid:party_id>")
@bp.arguments(PartyPatch(partial=True))
@bp.response(200, PartyEnvelope)
def update(data, party_id):
    """Change a party."""
    party = cases.update_party(current_principal(), party_id, data)
    db.session.commit()
    return {"party": party}


@bp.delete("/parties/<uuid:party_id>")
@bp.response(204)
def delete(party_id):
    """Remove a party from its case."""
    cases.delete_party(current_principal(), party_id)
    db.session.commit()
