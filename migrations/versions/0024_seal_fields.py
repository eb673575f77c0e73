"""Sealed text fields, contract: every plaintext value of 0023's fields is sealed, then cleared.

Revision ID: 0024
Revises: 0023

Run once no process of the release before 0023 is left (it writes plaintext; see 0023). Each value
becomes a crypto.seal_bytes blob with its own data key, bound to the row's organization, its id
and the field (``deadline.title``...), exactly as app/platform/crypto_fields.py seals it; needs
ENCRYPTION_KEY. The plaintext columns stay, empty (a later release drops them). Idempotent: a value
written in plaintext afterwards is sealed by the next ``flask keys rotate`` too.

Downgrade opens every sealed value back into its plaintext column.
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

FIELDS = {  # table -> {column: purpose}
    "cases": {"description": "case.description"},
    "parties": {"contact": "party.contact"},
    "deadlines": {"title": "deadline.title", "rule": "deadline.rule", "quote": "deadline.quote"},
    "notifications": {"title": "notification.title", "body": "notification.body"},
    "documents": {"title": "document.title", "filename": "document.filename"},
}
BATCH = 500


def _table(name, columns):
    return sa.table(name, sa.column("id", sa.Uuid()), sa.column("organization_id", sa.Uuid()),
                    *[sa.column(c, sa.Text()) for c in columns],
                    *[sa.column(f"{c}_sealed", sa.LargeBinary()) for c in columns])


def _convert(bind, table_name, fields, *, seal: bool) -> None:
    from app.platform import crypto, runtime
    keyring = runtime.current().keyring
    t = _table(table_name, fields)
    source = [t.c[c] if seal else t.c[f"{c}_sealed"] for c in fields]
    last = None
    while True:
        q = sa.select(t.c.id, t.c.organization_id, *source).where(sa.or_(*[s.is_not(None) for s in source]))
        if last is not None:
            q = q.where(t.c.id > last)
        rows = bind.execute(q.order_by(t.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            values = {}
            for column, purpose in fields.items():
                value = row._mapping[t.c[column] if seal else t.c[f"{column}_sealed"]]
                if value is None:
                    continue
                aad = crypto.make_aad(row.organization_id, row.id, purpose)
                if seal:
                    values.update({column: None, f"{column}_sealed": crypto.seal_bytes(keyring, value.encode(), aad)})
                else:
                    values.update({column: crypto.open_bytes(keyring, bytes(value), aad).decode(),
                                   f"{column}_sealed": None})
            bind.execute(sa.update(t).where(t.c.id == row.id).values(**values))
        last = rows[-1].id


def upgrade():
    bind = op.get_bind()
    for table_name, fields in FIELDS.items():
        _convert(bind, table_name, fields, seal=True)


def downgrade():
    bind = op.get_bind()
    for table_name, fields in FIELDS.items():
        _convert(bind, table_name, fields, seal=False)
