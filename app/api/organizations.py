"""Organizations (tenants) and their members."""
from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.auth import _org
from app.api.security import current_principal
from app.extensions import db, limiter
from app.schemas.auth import OrganizationOut
from app.schemas.organization import (InvitationSent, MemberIn, MemberList, MemberOut, MemberRoleIn, OrganizationIn,
                                      OrganizationList, OrganizationUpdateIn)
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


def _invite_limit():
    return current_app.config["RATELIMIT_INVITE"]


def _per_user():
    return f"user|{current_user.id}"


@bp.post("/<uuid:org_id>/members")
@limiter.limit(_invite_limit, key_func=_per_user, scope="invite")
@bp.arguments(MemberIn)
@bp.response(202, InvitationSent)
def invite(data, org_id):
    """Invite someone by e-mail as OWNER, STAFF, MEMBER or VIEWER (OWNER only).

    Nothing changes until the invitee accepts (GET /invitations, POST /invitations/{id}/accept); the
    answer is the same whether or not the address has an account. Limited per inviter (RATELIMIT_INVITE)."""
    sent = organizations.invite(current_principal(), org_id, data["email"], data["role"])
    db.session.commit()
    return sent


@bp.get("/<uuid:org_id>/members")
@bp.response(200, MemberList)
def members(org_id):
    """Members of the organization with their roles (OWNER only)."""
    return {"items": organizations.list_members(current_principal(), org_id)}


@bp.patch("/<uuid:org_id>/members/<uuid:user_id>")
@bp.arguments(MemberRoleIn)
@bp.response(200, MemberOut)
def set_role(data, org_id, user_id):
    """Change a member's role (OWNER only; an organization keeps at least one OWNER)."""
    m = organizations.set_role(current_principal(), org_id, user_id, data["role"])
    db.session.commit()
    return _member(m, m.user)


@bp.delete("/<uuid:org_id>/members/<uuid:user_id>")
@bp.response(204)
def remove(org_id, user_id):
    """Leave the organization (your own user id) or remove a member (OWNER). Not the last OWNER, and not
    from a personal organization."""
    organizations.remove_member(current_principal(), org_id, user_id)
    deadline_service.reschedule_for_organizations([org_id])  # a member who left is reminded no more
    db.session.commit()


def _member(m, user):
    return {"id": m.id, "user_id": m.user_id, "organization_id": m.organization_id, "role": m.role,
            "name": user.name if user is not None else None}
