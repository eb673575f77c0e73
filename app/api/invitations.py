"""Invitations to organizations, as the invitee sees them: accept or decline."""
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.auth import _org
from app.extensions import db
from app.schemas.auth import OrganizationOut
from app.schemas.organization import InvitationList
from app.accounts import organizations
from app.deadlines import service as deadline_service

bp = Blueprint("invitations", __name__, url_prefix="/api/v1/invitations", description="Invitations")


@bp.get("")
@bp.response(200, InvitationList)
def list_():
    """Invitations waiting for you (to the e-mail you sign in with). Organization names are written by
    the inviter: show them as plain text."""
    return {"items": organizations.pending_for(current_user)}


@bp.post("/<uuid:invitation_id>/accept")
@bp.response(200, OrganizationOut)
def accept(invitation_id):
    """Join the organization with the offered role."""
    org, role = organizations.accept(current_user, invitation_id)
    deadline_service.reschedule_for_organizations([org.id])  # the new member is reminded too
    db.session.commit()
    return _org(org, role)


@bp.delete("/<uuid:invitation_id>")
@bp.response(204)
def decline(invitation_id):
    """Decline an invitation."""
    organizations.decline(current_user, invitation_id)
    db.session.commit()
