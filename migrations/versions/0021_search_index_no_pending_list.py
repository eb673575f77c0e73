"""Search: the GIN index of document rows takes each new document at once (no pending list).

Revision ID: 0021
Revises: 0020

Why: with GIN's default ``fastupdate = on`` a newly indexed document's tokens wait in the index's
pending list (up to ``gin_pending_list_limit``, 4 MB: ~50 documents) until a vacuum or a full list
merges them. While they wait, every search must read the whole list, and the planner, counting
those pages, prefers a sequential scan that detoasts every document row's token vector. Measured
(bench/RESULTS.md, "GIN pending list"): a 4 MB list made one search 800-870 ms against 0.3 ms
with the list merged, before and after ANALYZE alike. A busy organization is never far from a
full list, and after a bulk import the index stayed skipped until autovacuum came.

What: ``fastupdate = off`` on ``ix_search_entries_tsv`` and the pending list merged now. Indexing
a document writes its tokens into the index directly: ~11% more time per document in the same
measurement (~12 ms for a 10-page document), paid by the worker once, instead of by every search.
"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

INDEX = "ix_search_entries_tsv"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
    op.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER INDEX {INDEX} RESET (fastupdate)")
