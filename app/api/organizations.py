"""Organizations (tenants) and their members."""
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.auth import _org
from app.api.security import current_principal
from app.extensions import db
from app.schemas.auth import OrganizationOut
from app.schemas.organization import (MemberIn, MemberList, MemberOut, OrganizationIn, OrganizationList,
                                      OrganizationUpdateIn)
from app.accounts import organizations
from app.deadlines import service as deadline_service

bp = Blueprint("organizations", __name__, url_prefix="/api/v1/organizations", description="Organizations")


@bp.get("")
@bp.response(200, OrganizationList)
def list_():
    """Organizations you belong to, with your role in each."""
    return {"items": [_org(o, r) for o, r in organizations.list_for(current_user)]}


@bp.post("")
@bp.arguments(OrganizationIn)
@bp.response(201, OrganizationOut)
def create(data):
    """Create an organization; you become its OWNER."""
    org = organizations.create(current_user, data["name"])
    db.session.commit()
    return _org(org, "OWNER")


@bp.patch("/<uuid:org_id>")
@bp.arguments(OrganizationUpdateIn)
@bp.response(200, OrganizationOut)
def update(data, org_id):
    """Settings (OWNER only): whether documents may be sent to an external AI provider."""
    principal = current_principal()
    org = organizations.set_external_ai(principal, org_id, data["allow_external_ai"])
    db.session.commit()
    return _org(org, principal.roles[org_id])


@bp.get("/<uuid:org_id>/members")
@bp.response(200, MemberList)
def members(org_id):
    """Members of the organization with their roles (OWNER only)."""
    return {"items": organizations.list_members(current_principal(), org_id)}


@bp.post("/<uuid:org_id>/members")
@bp.arguments(MemberIn)
@bp.response(201, MemberOut)
def add_member(data, org_id):
    """Add a registered user as OWNER, MEMBER or VIEWER (OWNER only)."""
    member = organizations.add_member(current_principal(), org_id, data["email"], data["role"])
    deadline_service.reschedule_for_organizations([org_id])  # the new member is reminded too
    db.session.commit()
    return member
