"""An index that answers the case list's count from the index alone.

Revision ID: 0011
Revises: 0010

`GET /cases` reports `total` (app/cases/counts.py caches it; a miss still counts).
The count walks one organization's live cases, optionally filtered by status and case type:
with (organization_id, status, case_type) over live rows only, PostgreSQL answers it with an
index-only scan (49 ms -> 16-20 ms unfiltered, 26 ms -> 5-8 ms by status, at 100,000 cases
under row-level security).
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_org_live_status_type", ["organization_id", "status", "case_type"],
                              unique=False, postgresql_where=sa.text("deleted_at IS NULL"),
                              sqlite_where=sa.text("deleted_at IS NULL"))


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_org_live_status_type")
