"""Invitations: an OWNER offers a role; the invitee accepts or declines it.

Revision ID: 0018
Revises: 0017

Additive: one table. Like ``memberships`` it is read before any organization is known (by the
invitee), so it is not under row-level security; the application scopes it by the keyed hash
of the signed-in user's e-mail.
"""
import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organization_invitations",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("role", sa.Enum("OWNER", "STAFF", "MEMBER", "VIEWER", name="invitation_role", native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column("invited_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["invited_by_id"], ["users.id"],
                                name=op.f("fk_organization_invitations_invited_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_organization_invitations_organization_id_organizations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_invitations")),
        sa.UniqueConstraint("organization_id", "email_key", name="uq_invitation_org_email"),
    )
    with op.batch_alter_table("organization_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_invitations_email_key"), ["email_key"], unique=False)


def downgrade():
    with op.batch_alter_table("organization_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_invitations_email_key"))
    op.drop_table("organization_invitations")
