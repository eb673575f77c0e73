"""The user's address and phone number, which court forms are prefilled with.

Revision ID: 0012
Revises: 0011

Additive: six nullable columns on ``users``; nothing is backfilled.
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = (("phone", 40), ("address_line1", 200), ("address_line2", 200), ("city", 100), ("state", 50),
           ("postal_code", 20))


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
