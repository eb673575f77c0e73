"""Search: the search function always matches through the GIN index, never by reading every row.

Revision ID: 0022
Revises: 0021

Why: the planner costs ``tsv @@ query`` on a heap row as cheap, but a document row's token
vector is stored out of line (TOAST): a sequential scan detoasts every document's vector. So on
a small table, or whenever the index's estimate was high (a GIN pending list, see 0021), the
match read every document row: 40 documents cost 24-66 ms by sequential scan against well under
a millisecond through the index (``python -m bench.search_gin``).

What: ``caseos_search_window`` (0020) runs with ``enable_seqscan = off``, so its match uses the
GIN index and its join back to the candidates uses the primary key whatever the estimates say.
The function's body, owner and grants are unchanged (ALTER FUNCTION ... SET, with the same
borrowed membership of ``caseos_search`` as 0020 when the migrating user is not a member).
"""
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

ROLE = "caseos_search"
SIGNATURE = "caseos_search_window(tsquery, tsquery, uuid, uuid, text, timestamptz, timestamptz, integer)"


def _alter(action: str) -> str:
    return f"""
    DO $$
    DECLARE
      me text := current_user;
      granted boolean := false;
    BEGIN
      IF to_regprocedure('{SIGNATURE}') IS NULL THEN
        RETURN;
      END IF;
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') AND NOT pg_has_role(me, '{ROLE}', 'USAGE')
         AND (SELECT proowner FROM pg_proc WHERE oid = to_regprocedure('{SIGNATURE}')) = '{ROLE}'::regrole THEN
        BEGIN
          EXECUTE format('GRANT {ROLE} TO %I', me);
          granted := true;
        EXCEPTION WHEN insufficient_privilege THEN
          RAISE WARNING 'cannot take over role {ROLE}: the search function keeps its planner settings';
          RETURN;
        END;
      END IF;
      ALTER FUNCTION {SIGNATURE} {action};
      IF granted THEN
        EXECUTE format('REVOKE {ROLE} FROM %I', me);
      END IF;
    END $$"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_alter("SET enable_seqscan = off"))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_alter("RESET enable_seqscan"))
