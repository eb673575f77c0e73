"""Sealed text fields, expand: a ``*_sealed`` column next to each text that need not be read in SQL.

Revision ID: 0023
Revises: 0022

Why (issue 16, finding 5): party contacts, deadline titles and quoted sentences, notification titles
and bodies, document titles and file names and case descriptions were plaintext in the database.

What: ``<column>_sealed`` (bytea / blob, nullable) for cases.description, parties.contact,
deadlines.title, rule and quote, notifications.title and body, documents.title and filename; the NOT NULL
of the plaintext titles and file names is dropped (the new release writes only the sealed column).
Nothing else changes, so the release before keeps working while this one rolls out. Existing
values are sealed by 0024 (contract), run once no process of the release before is left:

    flask --app wsgi db upgrade 0023   # before replacing processes
    flask --app wsgi db upgrade        # after: 0024 seals every plaintext value and clears it
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

FIELDS = {  # table -> (column, length of a column that was NOT NULL, or None)
    "cases": [("description", None)],
    "parties": [("contact", None)],
    "deadlines": [("title", 300), ("rule", None), ("quote", None)],
    "notifications": [("title", 300), ("body", None)],
    "documents": [("title", 300), ("filename", 200)],
}


def upgrade():
    for table, columns in FIELDS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns:
                batch_op.add_column(sa.Column(f"{column}_sealed", sa.LargeBinary(), nullable=True))
                if length:
                    batch_op.alter_column(column, existing_type=sa.String(length), nullable=True)


def downgrade():
    # Run 0024's downgrade first (it puts the plaintext back); a NULL title cannot be made NOT NULL.
    for table, columns in FIELDS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns:
                if length:
                    batch_op.alter_column(column, existing_type=sa.String(length), nullable=False)
                batch_op.drop_column(f"{column}_sealed")
