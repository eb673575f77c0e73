"""Parties found in a document are SUGGESTED until a person confirms them.

Revision ID: 0014
Revises: 0013

Additive: ``parties.status`` (CONFIRMED | SUGGESTED). Every existing party stays CONFIRMED (server
default), so the conflict check keeps the parties it had; new parties read from documents arrive
SUGGESTED and only feed the conflict check once a person confirms them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "status", sa.Enum("CONFIRMED", "SUGGESTED", name="party_status", native_enum=False, create_constraint=True,
                              length=32), nullable=False, server_default="CONFIRMED"))


def downgrade():
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_constraint("party_status", type_="check")   # named ck_parties_party_status
        batch_op.drop_column("status")
