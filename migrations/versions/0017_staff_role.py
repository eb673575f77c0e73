"""The STAFF membership role: an OWNER grants it; it sees every member's chats and jobs.

Revision ID: 0017
Revises: 0016

The role's CHECK constraint gains one value (the enum is not native, so no type changes);
downgrading turns STAFF members back into MEMBERs first.
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OLD = ("OWNER", "MEMBER", "VIEWER")
NEW = ("OWNER", "STAFF", "MEMBER", "VIEWER")


def _role(values):
    return sa.Enum(*values, name="membership_role", native_enum=False, create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=_role(OLD), type_=_role(NEW), existing_nullable=False)


def downgrade():
    op.execute("UPDATE memberships SET role = 'MEMBER' WHERE role = 'STAFF'")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=_role(NEW), type_=_role(OLD), existing_nullable=False)
