"""Documents of more kinds: longer content types (.docx is 71 characters) and the message a
document came attached to (.eml).

Revision ID: 0013
Revises: 0012

Additive: ``documents.content_type`` widens from 64 to 128 characters; ``documents.parent_document_id``
is a new nullable reference to the e-mail message a document was attached to (SET NULL when the
message row goes); nothing is backfilled.
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.alter_column("content_type", existing_type=sa.String(64), type_=sa.String(128),
                              existing_nullable=False)
        batch_op.add_column(sa.Column("parent_document_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key("fk_documents_parent_document", "documents", ["parent_document_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("ix_documents_parent_document", ["parent_document_id"])


def downgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_parent_document")
        batch_op.drop_constraint("fk_documents_parent_document", type_="foreignkey")
        batch_op.drop_column("parent_document_id")
        batch_op.alter_column("content_type", existing_type=sa.String(128), type_=sa.String(64),
                              existing_nullable=False)
