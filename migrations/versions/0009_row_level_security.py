"""Row-level security on tenant tables, and an application role that owns nothing (PostgreSQL only).

Revision ID: 0009
Revises: 0002

The second wall behind app/accounts/tenancy.py: even a query that forgets its
organization filter returns only rows of the organizations the request acts for.

* Role ``caseos_app`` (NOLOGIN) is created when missing. Operators run the API and the
  workers as a login role that is a member of it and does not own the tables::

      CREATE ROLE caseos_web LOGIN PASSWORD '...' ;  GRANT caseos_app TO caseos_web;
      -- or: ALTER ROLE caseos_app LOGIN PASSWORD '...';

  Migrations keep running as the owner of the tables. Where the migrating user may not
  create roles (some hosted databases), a warning is raised and the grants are skipped;
  the policies below still apply (FORCE: to the owner too).
* ``caseos_app`` may SELECT/INSERT/UPDATE/DELETE every table, except ``audit_events``
  (SELECT/INSERT only: the trail is append-only for the application) and
  ``alembic_version`` (SELECT only); USAGE/SELECT on every sequence. Default privileges
  extend this to tables and sequences that later migrations create as the same owner.
* RLS is enabled and FORCEd on every table that carries ``organization_id`` (and on the
  child tables that reach one through their parent). A row is visible and writable when

      organization_id = ANY (string_to_array(current_setting('caseos.org_ids', true), ',')::uuid[])

  (the request's organizations, set per transaction by app/accounts/rls.py), or when
  ``caseos.bypass = 'on'`` (trusted code acting across organizations: Celery workers,
  ``flask`` commands, the metrics endpoint). Neither set: nothing is visible.
* Not under RLS, on purpose: ``users``, ``api_tokens``, ``memberships`` and
  ``organizations`` (read to authenticate and to resolve a request's organizations, before
  any organization is known; the application scopes them by user) and ``audit_events``
  (its hash chain needs the globally latest event; it is append-only instead).
* FORCE applies the policies to the tables' owner too. `flask db upgrade` runs outside any
  request, so app/accounts/rls.py opens its transactions with ``caseos.bypass = 'on'`` and data
  migrations see every row; plain SQL run as the owner elsewhere must ``SET LOCAL caseos.bypass = 'on'``.
"""
from alembic import op

revision = "0009"
down_revision = "0002"
branch_labels = None
depends_on = None

ROLE = "caseos_app"
ORG_TABLES = ("cases", "parties", "documents", "jobs", "deadlines", "reminder_deliveries", "notifications",
              "chats", "events", "search_entries", "ai_cache")
# child table -> (parent table, foreign key column)
CHILD_TABLES = {"document_pages": ("documents", "document_id"),
                "document_analyses": ("documents", "document_id"),
                "chat_messages": ("chats", "chat_id")}
# Wrapped in (SELECT ...) so PostgreSQL evaluates the setting once per statement, not per row.
ORGS = "(SELECT string_to_array(current_setting('caseos.org_ids', true), ',')::uuid[])::uuid[]"
BYPASS = "(SELECT coalesce(current_setting('caseos.bypass', true), '') = 'on')"


def _existing(bind, names):
    rows = bind.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(%(n)s)",
        {"n": list(names)}).fetchall()
    present = {r[0] for r in rows}
    return [n for n in names if n in present]


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
            BEGIN
              CREATE ROLE {ROLE} NOLOGIN;
            EXCEPTION WHEN insufficient_privilege THEN
              RAISE WARNING 'cannot create role {ROLE} (no CREATEROLE); create it as an administrator '
                            'and run the grants of migration 0009. Row-level security is enabled regardless.';
            END;
          END IF;
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
            EXECUTE 'GRANT USAGE ON SCHEMA ' || quote_ident(current_schema()) || ' TO {ROLE}';
            EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA '
                    || quote_ident(current_schema()) || ' TO {ROLE}';
            EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ' || quote_ident(current_schema()) || ' TO {ROLE}';
            REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {ROLE};
            REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {ROLE};
            EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
                    || ' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE}';
            EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
                    || ' GRANT USAGE, SELECT ON SEQUENCES TO {ROLE}';
          END IF;
        END $$""")
    for table in _existing(bind, ORG_TABLES):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} FOR ALL "
                   f"USING (organization_id = ANY ({ORGS})) WITH CHECK (organization_id = ANY ({ORGS}))")
        op.execute(f"CREATE POLICY trusted_bypass ON {table} FOR ALL USING ({BYPASS}) WITH CHECK ({BYPASS})")
    for table, (parent, fk) in CHILD_TABLES.items():
        if not _existing(bind, [table]):
            continue
        through_parent = (f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{fk} "
                          f"AND p.organization_id = ANY ({ORGS}))")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} FOR ALL USING ({through_parent}) "
                   f"WITH CHECK ({through_parent})")
        op.execute(f"CREATE POLICY trusted_bypass ON {table} FOR ALL USING ({BYPASS}) WITH CHECK ({BYPASS})")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in _existing(bind, list(ORG_TABLES) + list(CHILD_TABLES)):
        op.execute(f"DROP POLICY IF EXISTS trusted_bypass ON {table}")
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    # The role is cluster-wide (other databases may use it): only this database's grants go.
    op.execute(f"""
        DO $$
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
            EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
                    || ' REVOKE ALL ON TABLES FROM {ROLE}';
            EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
                    || ' REVOKE ALL ON SEQUENCES FROM {ROLE}';
            EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA ' || quote_ident(current_schema()) || ' FROM {ROLE}';
            EXECUTE 'REVOKE ALL ON ALL SEQUENCES IN SCHEMA ' || quote_ident(current_schema()) || ' FROM {ROLE}';
            EXECUTE 'REVOKE USAGE ON SCHEMA ' || quote_ident(current_schema()) || ' FROM {ROLE}';
          END IF;
        END $$""")
