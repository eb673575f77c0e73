"""One search row per document page, enforced.

Revision ID: 0012
Revises: 0011

The index step rewrites a document's rows (delete, then insert) under the job's lease, so
duplicates should never happen; a unique index makes a second writer fail instead of
doubling a page's hits. It also serves every lookup by document, so the plain index on
document_id goes.
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index("uq_search_entries_document_page", ["document_id", "page_number"], unique=True)
        batch_op.drop_index("ix_search_entries_document_id")


def downgrade():
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index("ix_search_entries_document_id", ["document_id"], unique=False)
        batch_op.drop_index("uq_search_entries_document_page")
