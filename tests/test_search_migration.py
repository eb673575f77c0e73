"""Migration 0010 run by a table owner that is not a superuser (a hosted database's owner with
CREATEROLE): the search function still gets the GIN index under row-level security, the owner's own
queries stay under FORCEd row-level security, and the downgrade works."""
import os
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ADMIN_DB_URL, ROOT, _psql_admin


def _connect(url):
    import psycopg2
    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


@pytest.fixture()
def owner_db():
    owner = f"caseos_owner_{uuid.uuid4().hex[:8]}"
    name = f"caseos_mig_{uuid.uuid4().hex[:8]}"
    _psql_admin(f'CREATE ROLE "{owner}" LOGIN CREATEROLE')
    _psql_admin(f'CREATE DATABASE "{name}" OWNER "{owner}"')
    base = ADMIN_DB_URL.rsplit("/", 1)[0]
    url = base.replace("postgres@", f"{owner}@", 1) + "/" + name
    assert owner in url
    admin = _connect(base + "/" + name)
    with admin.cursor() as cur:
        cur.execute(f'ALTER SCHEMA public OWNER TO "{owner}"')
    admin.close()
    try:
        yield url, owner
    finally:
        _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _psql_admin(f'DROP ROLE IF EXISTS "{owner}"')


def _flask(url, *args):
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def test_migration_by_a_non_superuser_owner_keeps_rls_and_gets_the_index(owner_db):
    url, owner = owner_db
    up = _flask(url, "upgrade")
    assert up.returncode == 0, up.stderr
    assert "WARNING" not in up.stderr, up.stderr
    conn = _connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone() == (False, False)
        cur.execute("SELECT r.rolname FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner "
                    "WHERE p.proname = 'caseos_search_pages'")
        assert cur.fetchone()[0] == "caseos_search"
        cur.execute("SELECT pg_has_role(current_user, 'caseos_search', 'USAGE')")
        assert cur.fetchone()[0] is False  # the borrowed membership was given back
        cur.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'search_entries'")
        assert cur.fetchone() == (True, True)
        # Rows of two organizations, written by the owner as trusted code (no foreign keys needed here).
        cur.execute("BEGIN; SET LOCAL caseos.bypass = 'on'")
        cur.execute("ALTER TABLE search_entries DROP CONSTRAINT IF EXISTS fk_search_entries_document_id_documents")
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        cur.execute("""INSERT INTO search_entries (organization_id, case_id, document_id, page_number, document_type,
                                                   document_date, tsv)
                       SELECT CASE WHEN g %% 2 = 0 THEN %s::uuid ELSE %s::uuid END, gen_random_uuid(),
                              gen_random_uuid(), g, 'OTHER', now(),
                              to_tsvector('english', 'court ' || repeat(md5(g::text) || ' ', 8) || ' w' || (g %% 3000)::text)
                       FROM generate_series(1, 20000) g""", (a, b))
        cur.execute("COMMIT")
        cur.execute("VACUUM ANALYZE search_entries")  # as after autovacuum: GIN pending list merged
        # The owner, without settings, sees nothing: FORCE still applies to it.
        cur.execute("BEGIN")
        cur.execute("SELECT count(*) FROM search_entries")
        assert cur.fetchone()[0] == 0
        cur.execute("ROLLBACK")
    conn.close()
    # As the application role (the superuser's SET ROLE), scoped to organization a: a's rows only,
    # through the index (auto_explain shows the plan of the statement inside the function).
    admin = _connect(ADMIN_DB_URL.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1])
    with admin.cursor() as cur:
        cur.execute("LOAD 'auto_explain'")
        for setting, value in (("log_min_duration", "0"), ("log_nested_statements", "on"), ("log_level", "notice")):
            cur.execute(f"SET auto_explain.{setting} = '{value}'")
        cur.execute("BEGIN; SET LOCAL ROLE caseos_app")
        cur.execute("SELECT set_config('caseos.org_ids', %s, true)", (a,))
        sql = ("SELECT count(*) FROM caseos_search_pages(websearch_to_tsquery('english', 'w1234'), "
               "%s::uuid, NULL, NULL, NULL, NULL)")
        del admin.notices[:]
        cur.execute(sql, (a,))
        assert cur.fetchone()[0] == 7  # g = 1234 + 3000k: all even, all of organization a
        cur.execute(sql, (b,))
        assert cur.fetchone()[0] == 0  # organization b is not in the transaction's organizations
        cur.execute("SELECT count(*) FROM search_entries")
        assert cur.fetchone()[0] == 10000
        cur.execute("ROLLBACK")
    admin.close()
    inner = [n for n in admin.notices if "search_entries e" in n]  # the statement inside the function
    assert inner and all("ix_search_entries_tsv" in n for n in inner), admin.notices
    down = _flask(url, "downgrade", "base")
    assert down.returncode == 0, down.stderr
    conn = _connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_proc WHERE proname = 'caseos_search_pages'")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT pg_has_role(current_user, 'caseos_search', 'USAGE')")
        assert cur.fetchone()[0] is False
    conn.close()
