"""Organizations and their members."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Invitation, Membership, Organization, User
from app.models.base import utcnow
from app.accounts import audit, users
from app.platform import runtime
from app.platform.errors import Conflict, NotFound
from app.platform.storage import organization_prefix
from app.accounts.tenancy import Principal


def list_for(user: User) -> list[tuple[Organization, str]]:
    rows = db.session.execute(
        sa.select(Organization, Membership.role).join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user.id).order_by(Organization.created_at)
    ).all()
    return [(org, role) for org, role in rows]


def create(user: User, name: str) -> Organization:
    org = users.new_organization(name.strip(), personal=False)
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
    order = {"OWNER": 0, "STAFF": 1, "MEMBER": 2, "VIEWER": 3}
    return sorted(({"id": m.id, "user_id": u.id, "organization_id": m.organization_id, "role": m.role,
                    "name": u.name, "email": u.email, "created_at": m.created_at} for m, u in rows),
                  key=lambda r: order.get(r["role"], 4))


INVITATION_DAYS = 14


def _email_key(email: str) -> str:
    return users.email_key(runtime.current().config.SECRET_KEY, email)


def _require_member_org(principal: Principal, org_id):
    if org_id not in principal.roles:
        raise NotFound("Organization not found.")


def invite(principal: Principal, org_id, email: str, role: str) -> dict:
    """Offer a role to whoever signs in with this e-mail (OWNER only). Nothing changes until they accept,
    and the answer is the same whether or not the address has an account (no enumeration)."""
    _require_member_org(principal, org_id)
    principal.require_owner(org_id)
    key, now = _email_key(email), utcnow()
    inv = db.session.execute(sa.select(Invitation).where(Invitation.organization_id == org_id,
                                                         Invitation.email_key == key)).scalar_one_or_none()
    if inv is None:
        inv = Invitation(organization_id=org_id, email_key=key, created_at=now)
        db.session.add(inv)
    inv.role, inv.invited_by_id, inv.expires_at = role, principal.user.id, now + timedelta(days=INVITATION_DAYS)
    db.session.flush()
    audit.record("organization.invite", "invitation", inv.id, user=principal.user, organization_id=org_id,
                 details={"role": role})
    return {"status": "invited", "email": email, "role": role, "expires_at": inv.expires_at}


def pending_for(user: User) -> list[Invitation]:
    return list(db.session.execute(
        sa.select(Invitation).where(Invitation.email_key == _email_key(user.email), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at)).scalars())


def _own_invitation(user: User, invitation_id) -> Invitation:
    inv = db.session.execute(sa.select(Invitation).where(
        Invitation.id == invitation_id, Invitation.email_key == _email_key(user.email),
        Invitation.expires_at > utcnow())).scalar_one_or_none()
    if inv is None:
        raise NotFound("Invitation not found.")
    return inv


def accept(user: User, invitation_id) -> tuple[Organization, str]:
    """The invitee joins with the offered role (or takes it, if already a member)."""
    inv = _own_invitation(user, invitation_id)
    existing = db.session.execute(sa.select(Membership).where(
        Membership.organization_id == inv.organization_id, Membership.user_id == user.id)).scalar_one_or_none()
    if existing is not None and existing.role == "OWNER" and inv.role != "OWNER":
        _keep_an_owner(inv.organization_id, user.id)
    m = existing or Membership(user_id=user.id, organization_id=inv.organization_id)
    m.role = inv.role
    db.session.add(m)
    org = inv.organization
    db.session.delete(inv)
    db.session.flush()
    audit.record("organization.member_join", "membership", m.id, user=user, organization_id=org.id,
                 details={"role": m.role})
    return org, m.role


def decline(user: User, invitation_id):
    inv = _own_invitation(user, invitation_id)
    audit.record("organization.invite_decline", "invitation", inv.id, user=user, organization_id=inv.organization_id)
    db.session.delete(inv)


def _membership(org_id, user_id) -> Membership:
    m = db.session.execute(sa.select(Membership).where(Membership.organization_id == org_id,
                                                       Membership.user_id == user_id)).scalar_one_or_none()
    if m is None:
        raise NotFound("Member not found.")
    return m


def _keep_an_owner(org_id, leaving_user_id):
    others = db.session.execute(sa.select(sa.func.count()).where(
        Membership.organization_id == org_id, Membership.role == "OWNER",
        Membership.user_id != leaving_user_id)).scalar()
    if not others:
        raise Conflict("An organization needs an owner: make someone else OWNER first.")


def set_role(principal: Principal, org_id, user_id, role: str) -> Membership:
    """Change a member's role (OWNER only); the last OWNER stays one."""
    _require_member_org(principal, org_id)
    principal.require_owner(org_id)
    m = _membership(org_id, user_id)
    if m.role == "OWNER" and role != "OWNER":
        _keep_an_owner(org_id, user_id)
    m.role = role
    audit.record("organization.member_role", "membership", m.id, user=principal.user, organization_id=org_id,
                 details={"member": str(user_id), "role": role})
    return m


def remove_member(principal: Principal, org_id, user_id):
    """Leave (yourself) or remove a member (OWNER); never the last OWNER, never a personal organization."""
    _require_member_org(principal, org_id)
    if user_id != principal.user.id:
        principal.require_owner(org_id)
    m = _membership(org_id, user_id)
    if db.session.get(Organization, org_id).personal:
        raise Conflict("This is a personal organization; it cannot be left.")
    if m.role == "OWNER":
        _keep_an_owner(org_id, user_id)
    audit.record("organization.member_remove", "membership", m.id, user=principal.user, organization_id=org_id,
                 details={"member": str(user_id)})
    db.session.delete(m)


def set_external_ai(principal: Principal, org_id, allowed: bool) -> Organization:
    if org_id not in principal.roles:
        raise NotFound("Organization not found.")
    principal.require_owner(org_id)
    org = db.session.get(Organization, org_id)
    org.allow_external_ai = bool(allowed)
    audit.record("organization.update", "organization", org.id, user=principal.user, organization_id=org_id,
                 details={"allow_external_ai": bool(allowed)})
    return org


# --- deletion: every row and blob goes, the data keys with them; the audit trail stays -------------

# Kept on purpose: the append-only audit trail (it names the organization by id only).
_KEEP_TABLES = ("audit_events", "organizations")


def _owned_rows(table: sa.Table, org_id, org_tables: dict):
    """A WHERE clause selecting the rows of table that belong to the organization, or None."""
    if "organization_id" in table.c:
        return table.c.organization_id == org_id
    for fk in table.foreign_keys:  # a child row reaches its organization through its parent
        parent = org_tables.get(fk.column.table.name)
        if parent is not None:
            return fk.parent.in_(sa.select(fk.column).where(parent.c.organization_id == org_id))
    return None


def delete_organization(org_id, *, by: str = "operator", user=None) -> dict:
    """Delete a (non-personal) organization: every row that carries or reaches its id, in one
    transaction, and then its stored blobs. The rows hold the only wrapped copies of the data keys
    of its documents, pages, analyses and chats, so their ciphertext is unreadable from then on
    (crypto-shredding), wherever a copy of it lingers. Returns the rows deleted per table."""
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("Organization not found.")
    if org.personal:
        raise Conflict("A personal organization goes with its account; delete the account instead.")
    for attempt in range(DELETE_ATTEMPTS):
        try:
            counts = _delete_rows(org_id)
            break
        except OperationalError as exc:
            # A worker still finishing a step of the organization's documents locks those rows in
            # another order; PostgreSQL ends one of the two transactions: ours is simply run again.
            db.session.rollback()
            if getattr(exc.orig, "pgcode", None) != "40P01" or attempt == DELETE_ATTEMPTS - 1:
                raise
    audit.record("organization.delete", "organization", org_id, user=user, organization_id=org_id,
                 details={"by": by, "rows": counts})
    db.session.commit()
    blobs = runtime.current().storage.delete_prefix(organization_prefix(org_id))
    return {"rows": counts, "blobs": blobs}


DELETE_ATTEMPTS = 5


def _delete_rows(org_id) -> dict:
    """Delete every row that carries or reaches the organization's id, children first (not committed)."""
    tables = db.metadata.sorted_tables  # parents before children
    org_tables = {t.name: t for t in tables if "organization_id" in t.c and t.name not in _KEEP_TABLES}
    counts: dict = {}
    for table in reversed(tables):
        where = None if table.name in _KEEP_TABLES else _owned_rows(table, org_id, org_tables)
        if where is not None:
            n = db.session.execute(sa.delete(table).where(where)).rowcount
            if n:
                counts[table.name] = n
    db.session.execute(sa.delete(Organization.__table__).where(Organization.id == org_id))
    return counts
