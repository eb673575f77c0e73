"""Organizations and their members."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Membership, Organization, User
from app.accounts import audit
from app.platform.errors import Conflict, NotFound
from app.accounts.tenancy import Principal


def list_for(user: User) -> list[tuple[Organization, str]]:
    rows = db.session.execute(
        sa.select(Organization, Membership.role).join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user.id).order_by(Organization.created_at)
    ).all()
    return [(org, role) for org, role in rows]


def create(user: User, name: str) -> Organization:
    org = Organization(name=name.strip(), personal=False)
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, organization_id=org.id, role="OWNER"))
    audit.record("organization.create", "organization", org.id, user=user, organization_id=org.id)
    return org


def list_members(principal: Principal, org_id) -> list[dict]:
    """The members of an organization with their names, e-mails and roles (OWNER only), owners first."""
    if org_id not in principal.roles:
        raise NotFound("Organization not found.")
    principal.require_owner(org_id)
    rows = db.session.execute(
        sa.select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == org_id).order_by(Membership.created_at)).all()
    order = {"OWNER": 0, "MEMBER": 1, "VIEWER": 2}
    return sorted(({"id": m.id, "user_id": u.id, "organization_id": m.organization_id, "role": m.role,
                    "name": u.name, "email": u.email, "created_at": m.created_at} for m, u in rows),
                  key=lambda r: order.get(r["role"], 3))


def add_member(principal: Principal, org_id, email: str, role: str) -> Membership:
    """Add (or change the role of) a member; only an OWNER may; the target user must exist."""
    if org_id not in principal.roles:
        raise NotFound("Organization not found.")
    principal.require_owner(org_id)
    user = db.session.execute(sa.select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise NotFound("No user with this e-mail; ask them to register first.")
    existing = db.session.execute(sa.select(Membership).where(
        Membership.organization_id == org_id, Membership.user_id == user.id)).scalar_one_or_none()
    if existing:
        if existing.role == role:
            raise Conflict("This user is already a member with this role.")
        existing.role = role
        m = existing
    else:
        m = Membership(user_id=user.id, organization_id=org_id, role=role)
        db.session.add(m)
    db.session.flush()
    audit.record("organization.member_add", "membership", m.id, user=principal.user, organization_id=org_id,
                 details={"member": str(user.id), "role": role})
    return m


def set_external_ai(principal: Principal, org_id, allowed: bool) -> Organization:
    if org_id not in principal.roles:
        raise NotFound("Organization not found.")
    principal.require_owner(org_id)
    org = db.session.get(Organization, org_id)
    org.allow_external_ai = bool(allowed)
    audit.record("organization.update", "organization", org.id, user=principal.user, organization_id=org_id,
                 details={"allow_external_ai": bool(allowed)})
    return org
