"""Migrations 0010, 0019 and 0020 run by a table owner that is not a superuser (a hosted database's owner with
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
                    "WHERE p.proname IN ('caseos_search_pages', 'caseos_search_documents', 'caseos_search_window')")
        assert [r[0] for r in cur.fetchall()] == ["caseos_search"] * 3
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
                              gen_random_uuid(), 0, 'OTHER', now(),
                              to_tsvector('simple', 'court ' || repeat(md5(g::text) || ' ', 8) || ' w' || (g %% 3000)::text)
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
        sql = ("SELECT count(*) FROM caseos_search_window('w1234'::tsquery, 'w1234'::tsquery, "
               "%s::uuid, NULL, NULL, NULL, NULL, 1000)")
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
        cur.execute("SELECT count(*) FROM pg_proc WHERE proname LIKE 'caseos_search%%'")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT pg_has_role(current_user, 'caseos_search', 'USAGE')")
        assert cur.fetchone()[0] is False
    conn.close()


def test_upgrading_replaces_an_index_of_words_with_tokens_that_still_find(owner_db):
    """A database of the former release (an index of plaintext lexemes): migration 0019 empties it
    and rebuilds it from the encrypted pages, with no word left in it, and search finds the page."""
    from app.platform import crypto
    url, _owner = owner_db
    assert _flask(url, "upgrade", "0018").returncode == 0
    keyring = crypto.Keyring.from_env_values(os.environ["ENCRYPTION_KEY"], os.environ.get("ENCRYPTION_OLD_KEYS"))
    org, case, doc = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    text = "The magistrate ordered the tenant to answer within twenty days about unpaid rent."
    sealed = crypto.seal_bytes(keyring, text.encode(), crypto.make_aad(org, doc, "page:1"))
    conn = _connect(url)
    with conn.cursor() as cur:
        cur.execute("BEGIN; SET LOCAL caseos.bypass = 'on'")
        cur.execute("INSERT INTO organizations (id, name, personal, allow_external_ai, created_at, updated_at) "
                    "VALUES (%s, 'Old clinic', false, false, now(), now())", (str(org),))
        cur.execute("INSERT INTO cases (id, organization_id, title, case_type, court_type, jurisdiction, status, "
                    "created_at, updated_at) VALUES (%s, %s, 'Old case', 'OTHER', 'STATE_TRIAL', 'US-WV', 'OPEN', "
                    "now(), now())", (str(case), str(org)))
        cur.execute("INSERT INTO documents (id, organization_id, case_id, title, filename, sha256, size_bytes, "
                    "is_confidential, storage_key, wrapped_key, document_type_source, status, content_type, "
                    "created_at, updated_at) VALUES (%s, %s, %s, 'Eviction order', 'o.pdf', 'x', 1, false, 'k', 'w', "
                    "'auto', 'PROCESSED', 'application/pdf', now(), now())", (str(doc), str(org), str(case)))
        cur.execute("INSERT INTO document_pages (document_id, number, source, needs_ocr, text_sealed) "
                    "VALUES (%s, 1, 'text_layer', false, %s)", (str(doc), sealed))
        cur.execute("INSERT INTO search_entries (organization_id, case_id, document_id, page_number, document_date, "
                    "tsv) VALUES (%s, %s, %s, 1, now(), to_tsvector('english', %s))",
                    (str(org), str(case), str(doc), text))
        cur.execute("COMMIT")
    up = _flask(url, "upgrade")
    assert up.returncode == 0, up.stderr
    with conn.cursor() as cur:
        cur.execute("BEGIN; SET LOCAL caseos.bypass = 'on'")
        cur.execute("SELECT page_number, tsv::text FROM search_entries ORDER BY page_number")
        rows = cur.fetchall()
        cur.execute("SELECT search_key FROM organizations WHERE id = %s", (str(org),))
        key = crypto.open_bytes(keyring, bytes(cur.fetchone()[0]), crypto.make_aad(org, org, "search-key"))
        cur.execute("ROLLBACK")
    assert [n for n, _ in rows] == [0, 1]
    with conn.cursor() as cur:
        cur.execute("BEGIN; SET LOCAL caseos.bypass = 'on'")
        cur.execute("SELECT title_tsv::text FROM search_entries WHERE page_number = 0")
        title_tokens = cur.fetchone()[0]
        cur.execute("ROLLBACK")
    dump = " ".join(t for _, t in rows)
    for word in ("magistr", "tenant", "unpaid", "rent", "eviction", "evict", "answer"):
        assert word not in dump
    from app.search import blind
    assert blind.word_token(key, "rent") in rows[1][1] and blind.word_token(key, "evict") in rows[0][1]
    assert blind.word_token(key, "evict") in title_tokens and blind.word_token(key, "rent") not in title_tokens
    conn.close()
