"""Organizations and their members."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Membership, Organization, User
from app.accounts import audit
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
    audit.record("organization.delete", "organization", org_id, user=user, organization_id=org_id,
                 details={"by": by, "rows": counts})
    db.session.commit()
    blobs = runtime.current().storage.delete_prefix(organization_prefix(org_id))
    return {"rows": counts, "blobs": blobs}
