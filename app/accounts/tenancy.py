"""Tenant scoping: the one place every tenant query goes through.

A request acts as a Principal: a user, the organization it selected (X-Organization-Id or
the personal one) and its roles. `scoped()` builds the base query for a tenant model and
`get_visible()` loads one row by id; both filter by organization, so a resource of another
tenant is simply not found (404), never forbidden.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Membership, Organization, User
from app.platform import rls
from app.platform.errors import Forbidden, NotFound

WRITE_ROLES = ("OWNER", "STAFF", "MEMBER")


@dataclass
class Principal:
    user: User
    org_id: uuid.UUID
    roles: dict = field(default_factory=dict)  # organization id -> role

    @property
    def role(self) -> str:
        return self.roles[self.org_id]

    def can_write(self, org_id=None) -> bool:
        return self.roles.get(org_id or self.org_id) in WRITE_ROLES

    def is_owner(self, org_id=None) -> bool:
        return self.roles.get(org_id or self.org_id) == "OWNER"

    def require_write(self, org_id=None):
        if not self.can_write(org_id):
            raise Forbidden("Your role in this organization may read but not change it.")

    def require_owner(self, org_id=None):
        if not self.is_owner(org_id):
            raise Forbidden("Only an owner of the organization may do this.")


def principal_for(user: User, requested_org: str | None) -> Principal:
    """Resolve the organization a request acts in; an organization the user is not in is 404."""
    roles = {m.organization_id: m.role for m in user.memberships}
    if requested_org:
        try:
            org_id = uuid.UUID(str(requested_org))
        except ValueError:
            raise NotFound("Organization not found.") from None
        if org_id not in roles:
            raise NotFound("Organization not found.")
    else:
        personal = [m.organization_id for m in user.memberships if m.organization.personal]
        org_id = personal[0] if personal else next(iter(roles), None)
        if org_id is None:
            raise NotFound("You belong to no organization.")
    # Second wall: the database itself shows this transaction only the user's organizations.
    rls.scope_to_orgs(roles)
    return Principal(user=user, org_id=org_id, roles=roles)


def _live(model):
    conds = []
    if hasattr(model, "deleted_at"):
        conds.append(model.deleted_at.is_(None))
    if model is not Case and hasattr(model, "case_id"):
        # A soft-deleted case takes its documents, parties and deadlines with it.
        conds.append(sa.exists().where(Case.id == model.case_id, Case.deleted_at.is_(None)))
    return conds


def scoped(principal: Principal, model, *, all_orgs: bool = False):
    """SELECT of a tenant model limited to the selected organization (or all of the caller's)."""
    orgs = list(principal.roles) if all_orgs else [principal.org_id]
    return sa.select(model).where(model.organization_id.in_(orgs), *_live(model))


def scoped_statement(model):
    """scoped() built once for reuse: organizations come from the expanding parameter ``org_ids``.

    Execute with ``{"org_ids": scope_ids(principal)}``. Building a statement costs more CPU than
    running a cached one; hot paths (the case list) keep theirs in a module-level cache.
    """
    return sa.select(model).where(model.organization_id.in_(sa.bindparam("org_ids", expanding=True)),
                                  *_live(model))


def scope_ids(principal: Principal, *, all_orgs: bool = False) -> list:
    return list(principal.roles) if all_orgs else [principal.org_id]


def get_visible(principal: Principal, model, obj_id, *, write: bool = False, include_deleted: bool = False):
    """Load one row the caller may see in any of its organizations; 404 otherwise, 403 for a read-only role."""
    try:
        obj_id = obj_id if isinstance(obj_id, uuid.UUID) else uuid.UUID(str(obj_id))
    except ValueError:
        raise NotFound(f"{model.__name__} not found.") from None
    conds = [] if include_deleted else _live(model)
    obj = db.session.execute(
        sa.select(model).where(model.id == obj_id, model.organization_id.in_(list(principal.roles)), *conds)
    ).scalar_one_or_none()
    if obj is None:
        raise NotFound(f"{model.__name__} not found.")
    if write:
        principal.require_write(obj.organization_id)
    return obj


def organization(principal: Principal) -> Organization:
    return db.session.get(Organization, principal.org_id)


def members_of(org_id) -> list[Membership]:
    return list(db.session.execute(sa.select(Membership).where(Membership.organization_id == org_id)).scalars())
