"""Search at scale: the count stops at 1,000 and ranking reads a bounded window of documents.

Revision ID: 0020
Revises: 0019

Why: a word on most documents ("court") made every search read and rank every matching
document's token vector (~25 kB each, out of line): 10,000 documents took ~0.5 s.

What:

* ``search_entries.title_tsv``: a document row's title tokens alone (small, kept in the row), filled
  for existing rows with ``ts_filter(tsv, '{a}')`` (no key needed).
* ``caseos_search_window(match, rank, organization, case, type, from, to, window)``: the SECURITY
  DEFINER function of migrations 0010/0019 (same role, same rule). It finds the matching document
  rows through the GIN index reading only their small columns (date, title tokens), counts them,
  and ranks (``ts_rank`` on the full vector) only the union of the ``window`` newest documents whose
  title has a searched word and the ``window`` newest matching documents. With fewer matches than
  the window the ranking is exact; beyond it, the best of those candidates come first.
  0019's ``caseos_search_documents`` stays (unused) for a downgrade to 0019.
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

ROLE = "caseos_search"
APP_ROLE = "caseos_app"
FUNC = "caseos_search_window"
SIGNATURE = f"{FUNC}(tsquery, tsquery, uuid, uuid, text, timestamptz, timestamptz, integer)"
ORGS = "(SELECT string_to_array(current_setting('caseos.org_ids', true), ',')::uuid[])::uuid[]"
BYPASS = "(SELECT coalesce(current_setting('caseos.bypass', true), '') = 'on')"


def _function_sql(schema: str) -> str:
    return f"""
        CREATE FUNCTION {FUNC}(p_match tsquery, p_rank tsquery, p_org uuid, p_case uuid, p_type text,
                               p_from timestamptz, p_to timestamptz, p_window integer)
        RETURNS TABLE (document_id uuid, rank real, matches bigint)
        LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        SET plan_cache_mode = force_custom_plan
        SET work_mem = '32MB'
        ROWS 200
        AS $fn$
        #variable_conflict use_column
        BEGIN
          RETURN QUERY
          WITH m AS MATERIALIZED (
            SELECT e.id, e.document_date, coalesce(e.title_tsv @@ p_rank, false) AS in_title
            FROM "{schema}".search_entries e
            WHERE e.page_number = 0
              AND e.tsv @@ p_match
              AND e.organization_id = p_org
              AND (e.organization_id = ANY ({ORGS}) OR {BYPASS})
              AND (p_case IS NULL OR e.case_id = p_case)
              AND (p_type IS NULL OR e.document_type = p_type)
              AND (p_from IS NULL OR e.document_date >= p_from)
              AND (p_to IS NULL OR e.document_date < p_to)
          ), n AS (SELECT count(*) AS matches FROM m),
          c AS (
            (SELECT m.id FROM m WHERE m.in_title ORDER BY m.document_date DESC, m.id LIMIT p_window)
            UNION
            (SELECT m.id FROM m ORDER BY m.document_date DESC, m.id LIMIT p_window)
          )
          SELECT e.document_id, ts_rank(e.tsv, p_rank), n.matches
          FROM c JOIN "{schema}".search_entries e ON e.id = c.id CROSS JOIN n;
        END
        $fn$"""


# Hand the function to caseos_search (created by 0010), borrowing membership of it for the moment.
_OWNERSHIP = f"""
    DO $$
    DECLARE
      me text := current_user;
      granted boolean := false;
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE};
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}')
         OR NOT EXISTS (SELECT 1 FROM pg_policies WHERE policyname = 'search_definer') THEN
        RAISE WARNING 'role {ROLE} is missing (see migration 0010): search works but cannot use the GIN index '
                      'under row-level security';
        RETURN;
      END IF;
      IF NOT pg_has_role(me, '{ROLE}', 'USAGE') THEN
        BEGIN
          EXECUTE format('GRANT {ROLE} TO %I', me);
          granted := true;
        EXCEPTION WHEN insufficient_privilege THEN
          RAISE WARNING 'cannot take over role {ROLE}: search works but cannot use the GIN index '
                        'under row-level security; see migration 0010';
          RETURN;
        END;
      END IF;
      IF NOT has_schema_privilege('{ROLE}', current_schema(), 'CREATE') THEN
        EXECUTE 'GRANT CREATE ON SCHEMA ' || quote_ident(current_schema()) || ' TO {ROLE}';
        ALTER FUNCTION {SIGNATURE} OWNER TO {ROLE};
        EXECUTE 'REVOKE CREATE ON SCHEMA ' || quote_ident(current_schema()) || ' FROM {ROLE}';
      ELSE
        ALTER FUNCTION {SIGNATURE} OWNER TO {ROLE};
      END IF;
      IF granted THEN
        EXECUTE format('REVOKE {ROLE} FROM %I', me);
      END IF;
    END $$"""


# Dropping a function owned by caseos_search takes membership of it (superusers have it).
_DROP = f"""
    DO $$
    DECLARE
      me text := current_user;
      granted boolean := false;
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') AND NOT pg_has_role(me, '{ROLE}', 'USAGE')
         AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = '{FUNC}' AND proowner = '{ROLE}'::regrole) THEN
        EXECUTE format('GRANT {ROLE} TO %I', me);
        granted := true;
      END IF;
      DROP FUNCTION IF EXISTS {SIGNATURE};
      IF granted THEN
        EXECUTE format('REVOKE {ROLE} FROM %I', me);
      END IF;
    END $$"""


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("SELECT set_config('caseos.bypass', 'on', true)")
    op.execute("ALTER TABLE search_entries ADD COLUMN title_tsv tsvector")
    op.execute("UPDATE search_entries SET title_tsv = ts_filter(tsv, '{a}') WHERE page_number = 0")
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    op.execute(_function_sql(schema))
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(_OWNERSHIP)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(_DROP)
    op.execute("ALTER TABLE search_entries DROP COLUMN IF EXISTS title_tsv")
