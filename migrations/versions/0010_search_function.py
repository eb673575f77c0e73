"""Full-text search through a SECURITY DEFINER function, so the GIN index works under row-level security.

Revision ID: 0010
Revises: 0009

Why: ``tsvector @@ tsquery`` (``ts_match_vq``) is not LEAKPROOF, so under the policies of
migration 0009 PostgreSQL must evaluate the policy before the match and may not use
``ix_search_entries_tsv``: every search scanned (and detoasted) every index row of the table.

What: ``caseos_search_pages(query, organization, case, type, from, to)`` returns the matching
``(document_id, page_number, rank)`` of ``search_entries``. It

* applies, itself, exactly the rule of the ``tenant_isolation`` / ``trusted_bypass`` policies
  (the transaction's ``caseos.org_ids``, or ``caseos.bypass = 'on'``), and the caller's
  organization besides: it returns nothing another tenant could not already read directly;
* runs (SECURITY DEFINER, fixed ``search_path``) as the role ``caseos_search``: NOLOGIN, a
  member of nothing, no member (the migrating user's temporary membership is revoked), SELECT on
  ``search_entries`` only. The extra permissive policy ``search_definer`` (``FOR SELECT TO
  caseos_search USING (true)``) makes the policy expression constant-true for that role alone, so
  the planner drops it and the index is used inside the function. Every other role, the
  application role and the tables' owner included, keeps FORCEd row-level security unchanged
  (no BYPASSRLS, no superuser, no LEAKPROOF declaration needed: works when migrations run as a
  non-superuser owner with CREATEROLE).

Where ``caseos_search`` cannot be created or taken over (no CREATEROLE), a warning is raised
and the function stays owned by the migrating user: results are the same, but the index is
only used if that user bypasses row-level security. An administrator can then run::

    CREATE ROLE caseos_search NOLOGIN;  GRANT caseos_search TO <migrating user>;

and run this migration again (downgrade to 0009, upgrade).

EXECUTE is granted to ``caseos_app`` (and revoked from PUBLIC). SQLite: nothing to do (FTS5).
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ROLE = "caseos_search"
APP_ROLE = "caseos_app"
FUNC = "caseos_search_pages"
SIGNATURE = f"{FUNC}(tsquery, uuid, uuid, text, timestamptz, timestamptz)"
# The rule of migration 0009's policies, with the setting parsed once per statement.
ORGS = "(SELECT string_to_array(current_setting('caseos.org_ids', true), ',')::uuid[])::uuid[]"
BYPASS = "(SELECT coalesce(current_setting('caseos.bypass', true), '') = 'on')"


def _function_sql(schema: str) -> str:
    # PL/pgSQL rather than SQL: a SQL function's statement is planned with its parameters unknown
    # (0.5% of the rows assumed to match any query), which picks a sequential scan on a table of
    # short rows; with force_custom_plan each call is planned for its actual query and filters.
    # work_mem: RETURN QUERY keeps a common word's ~100,000 rows in memory, not in a temp file.
    return f"""
        CREATE FUNCTION {FUNC}(p_query tsquery, p_org uuid, p_case uuid, p_type text,
                               p_from timestamptz, p_to timestamptz)
        RETURNS TABLE (document_id uuid, page_number integer, rank real)
        LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        SET plan_cache_mode = force_custom_plan
        SET work_mem = '32MB'
        ROWS 500
        AS $fn$
        #variable_conflict use_column
        BEGIN
          RETURN QUERY
          SELECT e.document_id, e.page_number, ts_rank(e.tsv, p_query)
          FROM "{schema}".search_entries e
          WHERE e.tsv @@ p_query
            AND e.organization_id = p_org
            AND (e.organization_id = ANY ({ORGS}) OR {BYPASS})
            AND (p_case IS NULL OR e.case_id = p_case)
            AND (p_type IS NULL OR e.document_type = p_type)
            AND (p_from IS NULL OR e.document_date >= p_from)
            AND (p_to IS NULL OR e.document_date < p_to);
        END
        $fn$"""


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    op.execute(_function_sql(schema))
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"""
        DO $$
        DECLARE
          me text := current_user;
          granted boolean := false;
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE};
          END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
            BEGIN
              CREATE ROLE {ROLE} NOLOGIN;
            EXCEPTION WHEN insufficient_privilege THEN
              RAISE WARNING 'cannot create role {ROLE} (no CREATEROLE): search works but cannot use the GIN '
                            'index under row-level security; see migration 0010';
              RETURN;
            END;
          END IF;
          IF (SELECT rolsuper OR rolbypassrls OR rolcanlogin FROM pg_roles WHERE rolname = '{ROLE}') THEN
            RAISE EXCEPTION 'role {ROLE} must be NOLOGIN and may not bypass row-level security';
          END IF;
          -- Handing the function to {ROLE} takes membership of it: borrowed for the moment if needed.
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
          EXECUTE 'GRANT USAGE ON SCHEMA ' || quote_ident(current_schema()) || ' TO {ROLE}';
          GRANT SELECT ON search_entries TO {ROLE};
          CREATE POLICY search_definer ON search_entries FOR SELECT TO {ROLE} USING (true);
          -- A new owner needs CREATE on the schema at the moment of the change (not afterwards).
          IF NOT has_schema_privilege('{ROLE}', current_schema(), 'CREATE') THEN
            EXECUTE 'GRANT CREATE ON SCHEMA ' || quote_ident(current_schema()) || ' TO {ROLE}';
            ALTER FUNCTION {SIGNATURE} OWNER TO {ROLE};
            EXECUTE 'REVOKE CREATE ON SCHEMA ' || quote_ident(current_schema()) || ' FROM {ROLE}';
          ELSE
            ALTER FUNCTION {SIGNATURE} OWNER TO {ROLE};
          END IF;
          IF granted THEN
            EXECUTE format('REVOKE {ROLE} FROM %I', me);
          ELSIF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = me) THEN
            RAISE WARNING '% is a member of {ROLE}: its own queries on search_entries are not filtered by '
                          'row-level security; revoke that membership', me;
          END IF;
        END $$""")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"""
        DO $$
        DECLARE
          me text := current_user;
          granted boolean := false;
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
            -- Dropping a function owned by {ROLE} takes membership of {ROLE} (superusers have it).
            IF NOT pg_has_role(me, '{ROLE}', 'USAGE')
               AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = '{FUNC}'
                           AND pronamespace = current_schema()::regnamespace
                           AND proowner = '{ROLE}'::regrole) THEN
              EXECUTE format('GRANT {ROLE} TO %I', me);
              granted := true;
            END IF;
          END IF;
          DROP FUNCTION IF EXISTS {SIGNATURE};
          DROP POLICY IF EXISTS search_definer ON search_entries;
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
            -- The role is cluster-wide (other databases may use it): only this database's grants go.
            REVOKE ALL ON search_entries FROM {ROLE};
            EXECUTE 'REVOKE USAGE ON SCHEMA ' || quote_ident(current_schema()) || ' FROM {ROLE}';
          END IF;
          IF granted THEN
            EXECUTE format('REVOKE {ROLE} FROM %I', me);
          END IF;
        END $$""")
