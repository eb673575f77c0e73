"""A blind search index: keyed tokens per organization instead of words, ranked per document.

Revision ID: 0019
Revises: 0018

Why: the tsvector of every page held its stemmed words with their positions, so sorting a row's
lexemes by position gave the page back. Now (app/search/blind.py) every word is an HMAC under the
organization's own search key, sealed under the master key in ``organizations.search_key``.

What:

* ``organizations.search_key`` (bytea / blob, nullable: made on first use).
* The old index is emptied (it held words) and rebuilt here, in this transaction, from the
  encrypted page text of every processed document (on a big database this is the slow part of the
  upgrade: about 1 ms per page). A document row (``page_number`` 0: title and every page) is what
  is matched and ranked; its GIN index is partial (page rows are only read by document id).
* ``caseos_search_documents(match, rank, organization, case, type, from, to)``: the SECURITY DEFINER
  function of migration 0010's design (same role, same rule) over the document rows. 0010's
  ``caseos_search_pages`` stays (unused) so a downgrade to 0018 finds it.
* SQLite: the FTS5 table is made again with a plain ASCII tokenizer (tokens are not English).

Downgrade: the tokens mean nothing to the former code: the index is emptied; run ``flask --app wsgi
search rebuild`` with the former release.
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ROLE = "caseos_search"
APP_ROLE = "caseos_app"
FUNC = "caseos_search_documents"
SIGNATURE = f"{FUNC}(tsquery, tsquery, uuid, uuid, text, timestamptz, timestamptz)"
ORGS = "(SELECT string_to_array(current_setting('caseos.org_ids', true), ',')::uuid[])::uuid[]"
BYPASS = "(SELECT coalesce(current_setting('caseos.bypass', true), '') = 'on')"


def _function_sql(schema: str) -> str:
    # As in 0010: PL/pgSQL with force_custom_plan, so each call is planned for its own query.
    return f"""
        CREATE FUNCTION {FUNC}(p_match tsquery, p_rank tsquery, p_org uuid, p_case uuid, p_type text,
                               p_from timestamptz, p_to timestamptz)
        RETURNS TABLE (document_id uuid, rank real)
        LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        SET plan_cache_mode = force_custom_plan
        SET work_mem = '32MB'
        ROWS 200
        AS $fn$
        #variable_conflict use_column
        BEGIN
          RETURN QUERY
          SELECT e.document_id, ts_rank(e.tsv, p_rank)
          FROM "{schema}".search_entries e
          WHERE e.page_number = 0
            AND e.tsv @@ p_match
            AND e.organization_id = p_org
            AND (e.organization_id = ANY ({ORGS}) OR {BYPASS})
            AND (p_case IS NULL OR e.case_id = p_case)
            AND (p_type IS NULL OR e.document_type = p_type)
            AND (p_from IS NULL OR e.document_date >= p_from)
            AND (p_to IS NULL OR e.document_date < p_to);
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


def _reindex(bind, pg: bool) -> int:
    """Every processed document's rows, from its encrypted pages, with its organization's new key."""
    docs = bind.execute(sa.text(
        "SELECT d.id, d.organization_id, d.case_id, d.title, d.document_type, d.created_at FROM documents d "
        "WHERE d.deleted_at IS NULL AND d.status = 'PROCESSED' ORDER BY d.organization_id")).all()
    if not docs:
        return 0
    from types import SimpleNamespace
    from app.platform import crypto, runtime
    from app.search.keys import KEY_BYTES, key_aad
    from app.search.search import _bags
    keyring = runtime.current().keyring
    org_keys: dict = {}
    for d in docs:
        org = d.organization_id
        if org not in org_keys:
            raw = os.urandom(KEY_BYTES)
            bind.execute(sa.text("UPDATE organizations SET search_key = :k WHERE id = :o"),
                         {"k": crypto.seal_bytes(keyring, raw, key_aad(org)), "o": org})
            org_keys[org] = raw
        pages = []
        for number, sealed in bind.execute(sa.text(
                "SELECT number, text_sealed FROM document_pages WHERE document_id = :d ORDER BY number"), {"d": d.id}):
            text = crypto.open_bytes(keyring, sealed, crypto.make_aad(org, d.id, f"page:{number}")).decode() \
                if sealed else ""
            pages.append({"number": number, "text": text})
        for number, bag in _bags(SimpleNamespace(title=d.title), org_keys[org], pages):
            row = {"org": org, "case": d.case_id, "doc": d.id, "n": number, "type": d.document_type,
                   "date": d.created_at}
            if pg:
                bind.execute(sa.text(
                    "INSERT INTO search_entries (organization_id, case_id, document_id, page_number, document_type, "
                    "document_date, tsv) VALUES (:org, :case, :doc, :n, :type, :date, CAST(:tsv AS tsvector))"),
                    dict(row, tsv=bag.tsvector()))
            else:
                rid = bind.execute(sa.text(
                    "INSERT INTO search_entries (organization_id, case_id, document_id, page_number, document_type, "
                    "document_date) VALUES (:org, :case, :doc, :n, :type, :date) RETURNING id"), row).scalar()
                title, body = bag.fts5()
                bind.execute(sa.text("INSERT INTO search_fts(rowid, title, body) VALUES (:id, :t, :b)"),
                             {"id": rid, "t": title, "b": body})
    return len(docs)


def upgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:  # every organization's rows (row-level security is FORCEd on the owner too)
        op.execute("SELECT set_config('caseos.bypass', 'on', true)")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_key", sa.LargeBinary(), nullable=True))
    op.execute("DELETE FROM search_entries")
    if pg:
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING GIN (tsv) WHERE page_number = 0")
        schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
        op.execute(_function_sql(schema))
        op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
        op.execute(_OWNERSHIP)
    else:
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='', tokenize='ascii')")
    _reindex(bind, pg)
    if pg:
        op.execute("ANALYZE search_entries")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('caseos.bypass', 'on', true)")
    op.execute("DELETE FROM search_entries")
    if bind.dialect.name == "postgresql":
        op.execute(_DROP)
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING GIN (tsv)")
    else:
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='', "
                   "tokenize='porter unicode61 remove_diacritics 2')")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("search_key")
