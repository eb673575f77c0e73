"""Search service on PostgreSQL: what a user sees (which documents, in which order, the count, the
pages shown and their snippets); another organization's documents never show, not even in counts,
also with the application connected as the `caseos_app` role under row-level security; and under
that role the match uses the GIN index (migration 0019's SECURITY DEFINER function). Embedded
SQLite finds the same documents.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa


from tests.pg import pg as _pg  # noqa: E402


ALICE_DOCS = [  # (title, [page texts], document_type, days ago)
    ("Eviction notice", ["Pay the rent within fourteen days or leave the premises.",
                         "The landlord may start an eviction case in court."], "NOTICE", 1),
    ("Repair letter", ["The landlord mentioned eviction once in this long letter about repairs.",
                       "Repairs to the heating system are scheduled.", "Eviction is not planned."],
     "CORRESPONDENCE", 2),
    ("Summons", ["Summons to appear about unpaid rent and late fees.", "File an answer within 21 days."],
     "PLEADING", 3),
    ("Order on motion", ["The motion to dismiss is denied.", "A hearing is set for January 5 in court.",
                         "The court orders the landlord to make repairs."], "ORDER", 4),
    ("Court ledger", ["Rent ledger: court fees paid.", "court court court", "court", "Nothing here."],
     "OTHER", 5),
    ("Hearing transcript", ["The tenant testified about mold.", "The landlord testified about rent.",
                            "The judge took the eviction matter under advisement."], "OTHER", 6),
]
MALLORY_DOCS = [("Eviction notice (other clinic)", ["Eviction of the tenant; landlord and court and rent."], "NOTICE", 1),
                ("Secret settlement", ["Confidential settlement zanzibarite amount."], "OTHER", 1)]
QUERIES = ["eviction", "court", "landlord", "rent OR heating", '"motion to dismiss"', "eviction -landlord",
           "landlord tenant", "hearing january", "nothing-matches-this", "zanzibarite", '"fees late"',
           "court -eviction", "repairs OR mold OR summons"]


def _seed(app, name, docs, extra_case=False):
    from app.extensions import db
    from app.models import Document
    from app.accounts import users as accounts
    from app.cases import cases
    from app.documents import processing
    from app.search import search
    from app.accounts.tenancy import principal_for
    with app.app_context():
        user = accounts.register(f"srch-{uuid.uuid4().hex[:8]}@example.test", "correct horse battery", name)
        db.session.flush()
        p = principal_for(user, None)
        case = cases.create_case(p, {"title": f"{name} case", "case_type": "OTHER", "court_type": "STATE_TRIAL",
                                     "jurisdiction": "US-MA"})
        case2 = cases.create_case(p, {"title": f"{name} second", "case_type": "OTHER", "court_type": "STATE_TRIAL",
                                      "jurisdiction": "US-MA"}) if extra_case else None
        ids = []
        now = datetime.now(timezone.utc)
        for i, (title, pages, dtype, days) in enumerate(docs):
            c = case2 if (case2 is not None and i % 2) else case
            doc = Document(organization_id=case.organization_id, case_id=c.id, title=title, filename="x.txt",
                           status="PROCESSED", content_type="text/plain", sha256=uuid.uuid4().hex, size_bytes=1,
                           storage_key="k", wrapped_key="w", document_type=dtype,
                           created_at=now - timedelta(days=days))
            db.session.add(doc)
            db.session.flush()
            for n, text in enumerate(pages, 1):
                processing._save_page(doc, n, text, "text_layer")
            db.session.flush()
            search.index_document(doc)
            ids.append(doc.id)
        db.session.commit()
        return {"user_id": user.id, "org_id": case.organization_id, "case_id": case.id,
                "case2_id": case2.id if case2 is not None else None, "doc_ids": ids}


@pytest.fixture(scope="module")
def corpus(app):
    alice = _seed(app, "Alice Search", ALICE_DOCS, extra_case=True)
    mallory = _seed(app, "Mallory Search", MALLORY_DOCS)
    # A deleted document, and a document of a deleted case, of Alice's: never shown, never counted.
    from app.extensions import db
    from app.models import Case, Document
    from app.cases import cases
    from app.documents import processing
    from app.search import search
    with app.app_context():
        p = _principal(alice["user_id"])
        gone_case = cases.create_case(p, {"title": "Gone case", "case_type": "OTHER", "court_type": "STATE_TRIAL",
                                          "jurisdiction": "US-MA"})
        for case_id, title in ((alice["case_id"], "Deleted eviction"), (gone_case.id, "Eviction of a gone case")):
            extra = Document(organization_id=alice["org_id"], case_id=case_id, title=title, filename="d.txt",
                             status="PROCESSED", content_type="text/plain", sha256=uuid.uuid4().hex,
                             size_bytes=1, storage_key="k", wrapped_key="w")
            db.session.add(extra)
            db.session.flush()
            processing._save_page(extra, 1, "eviction court landlord rent repairs", "text_layer")
            db.session.flush()
            search.index_document(extra)
            if case_id == alice["case_id"]:
                extra.deleted_at = datetime.now(timezone.utc)
        db.session.get(Case, gone_case.id).deleted_at = datetime.now(timezone.utc)
        db.session.commit()
        db.session.remove()
    return alice, mallory


def _principal(user_id):
    from app.extensions import db
    from app.models import User
    from app.accounts.tenancy import principal_for
    return principal_for(db.session.get(User, user_id), None)


def _ids(result):
    return [i["document_id"] for i in result[0]]


def test_what_a_user_sees_order_counts_pages_and_snippets(app, corpus):
    from app.extensions import db
    from app.search import search
    alice, _ = corpus
    a = alice["doc_ids"]
    with app.app_context():
        p = _principal(alice["user_id"])
        # the title match first, then the documents whose text has the word
        ranked = _ids(search.search(p, "eviction"))
        assert ranked[0] == a[0] and set(ranked) == {a[0], a[1], a[5]}
        assert search.search(p, "eviction")[1] == 3  # the deleted document and the gone case's never count
        court = search.search(p, "court")
        assert court[1] == 3 and _ids(court)[0] == a[4]  # "Court ledger": in the title and four times inside
        ledger = court[0][0]
        assert ledger["pages"] == [2, 1]  # "court court court" first; the title is never listed as a page
        assert "<mark>court</mark>" in ledger["snippets"][0]
        hit = search.search(p, '"motion to dismiss"')[0]
        assert [i["document_id"] for i in hit] == [a[3]] and hit[0]["pages"] == [1]
        assert "<mark>motion</mark>" in hit[0]["snippets"][0]
        assert search.search(p, '"fees late"') == ([], 0)  # the words are there, not in that order
        assert set(_ids(search.search(p, "summons OR mold"))) == {a[2], a[5]}
        assert set(_ids(search.search(p, "repairs OR mold OR summons"))) == {a[1], a[2], a[3], a[5]}
        # every word anywhere in the document (a document is what is found, not a page)
        assert _ids(search.search(p, "hearing january")) == [a[3]]
        assert set(_ids(search.search(p, "landlord tenant"))) == {a[5]}
        # exclusions: documents that never mention the word
        assert set(_ids(search.search(p, "court -eviction"))) == {a[3], a[4]}
        assert search.search(p, "eviction -landlord") == ([], 0)
        # filters and pages of results
        assert set(_ids(search.search(p, "court", case_id=alice["case2_id"]))) == {a[3]}
        assert _ids(search.search(p, "court", document_type="OTHER")) == [a[4]]
        assert set(_ids(search.search(p, "eviction", date_from=date.today() - timedelta(days=3)))) == {a[0], a[1]}
        assert _ids(search.search(p, "eviction", date_to=date.today() - timedelta(days=4))) == [a[5]]
        first, second = search.search(p, "court", per_page=2), search.search(p, "court", per_page=2, page=2)
        assert first[1] == second[1] == 3 and len(first[0]) == 2 and len(second[0]) == 1
        assert set(_ids(first) + _ids(second)) == {a[0], a[3], a[4]}
        assert search.search(p, "court", per_page=2, page=9) == ([], 3)  # past the end: still says how many
        for item in court[0]:
            assert item["title"] and item["case_id"] and item["score"] > 0
        db.session.remove()


def test_a_common_word_shows_1000_plus_and_ranks_title_matches_outside_the_newest(app, corpus, monkeypatch):
    """With more matches than the ranking window, the documents with the word in their title are
    still ranked (first), next to the newest matches; the count stops at the cap ("1,000+")."""
    from app.extensions import db
    from app.search import search
    alice, _ = corpus
    a = alice["doc_ids"]
    monkeypatch.setattr(search, "RANK_WINDOW", 1)
    monkeypatch.setattr(search, "TOTAL_CAP", 1)
    with app.app_context():
        p = _principal(alice["user_id"])
        items, total = search.search(p, "hearing")
        # "Hearing transcript" (6 days old, the word in its title) first, then the newest match (4 days)
        assert _ids((items, total)) == [a[5], a[3]]
        assert search.shown_total(total) == (1, True)
        assert search.shown_total(search.search(p, "summons")[1]) == (1, False)
        db.session.remove()


def test_the_api_says_when_the_total_is_a_lower_bound(app, corpus, monkeypatch):
    from app.extensions import db
    from app.models import User
    from app.search import search
    alice, _ = corpus
    monkeypatch.setattr(search, "TOTAL_CAP", 2)
    with app.app_context():
        email = db.session.get(User, alice["user_id"]).email
        db.session.remove()
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"email": email, "password": "correct horse battery"})
    assert login.status_code == 200, login.get_json()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {login.get_json()['token']}"
    body = client.get("/api/v1/search?q=court").get_json()
    assert (body["total"], body["total_is_lower_bound"], len(body["items"])) == (2, True, 3)
    body = client.get("/api/v1/search?q=summons").get_json()
    assert (body["total"], body["total_is_lower_bound"]) == (1, False)


def test_another_organization_never_sees_documents_not_even_in_counts(app, corpus):
    from app.extensions import db
    from app.search import search
    from app.accounts.tenancy import Principal
    alice, mallory = corpus
    with app.app_context():
        m = _principal(mallory["user_id"])
        assert search.search(m, "zanzibarite")[1] == 1
        for q in ("repairs", "summons", "motion to dismiss", "heating OR mold"):
            assert search.search(m, q) == ([], 0), q
        assert {i["document_id"] for i in search.search(m, "eviction")[0]} == {mallory["doc_ids"][0]}
        assert search.search(m, "eviction", case_id=alice["case_id"]) == ([], 0)
        # A forgotten tenant check (a principal pointing at Alice's organization while the
        # transaction is scoped to Mallory's): the search function's own rule returns nothing.
        forged = Principal(user=m.user, org_id=alice["org_id"], roles={alice["org_id"]: "OWNER"})
        assert search.search(forged, "eviction") == ([], 0)
        assert search.search(forged, "court OR landlord OR rent") == ([], 0)
        db.session.remove()


# --------------------------------------------------------------- the application as caseos_app

@pytest.fixture(scope="module")
def app_as_role(app):
    """The application connected as a login role that is a member of caseos_app (as in production)."""
    from tests.pg import app_as_app_role
    with app_as_app_role("caseos_srch") as rls_app:
        yield rls_app


def test_as_the_application_role_the_same_results_and_nothing_of_another_tenant(app, app_as_role, corpus):
    from app.extensions import db
    from app.platform import rls
    from app.search import search
    from app.accounts.tenancy import Principal
    from app.search import blind, keys
    alice, mallory = corpus
    expected = {}
    with app.app_context():
        p = _principal(alice["user_id"])
        eviction = blind.query(keys.search_key(alice["org_id"]), search.parse_websearch("eviction")).tsquery()
        for q in QUERIES:
            expected[q] = search.search(p, q)
        db.session.remove()
    with app_as_role.app_context():
        assert db.session.execute(sa.text("SELECT current_user")).scalar().startswith("caseos_srch_")
        db.session.rollback()
        p = _principal(alice["user_id"])
        for q in QUERIES:
            assert search.search(p, q) == expected[q], q
        m = _principal(mallory["user_id"])
        assert search.search(m, "repairs") == ([], 0)
        forged = Principal(user=m.user, org_id=alice["org_id"], roles={alice["org_id"]: "OWNER"})
        assert search.search(forged, "eviction") == ([], 0)
        # the function itself, called directly by the application role with no organization set
        rls.scope_to_orgs([])
        n = db.session.execute(sa.text(
            "SELECT count(*) FROM caseos_search_window(CAST(:q AS tsquery), CAST(:q AS tsquery), "
            "CAST(:org AS uuid), NULL, NULL, NULL, NULL, 100)"), {"org": str(alice["org_id"]), "q": eviction}).scalar()
        assert n == 0
        db.session.remove()
    # ... and with Alice's organization set, directly: her documents
    with _pg(autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET LOCAL ROLE caseos_app")
        cur.execute("SELECT set_config('caseos.org_ids', %s, true)", (str(alice["org_id"]),))
        cur.execute("SELECT count(DISTINCT document_id) FROM caseos_search_window("
                    "%s::tsquery, %s::tsquery, %s, NULL, NULL, NULL, NULL, 100)", (eviction, eviction, str(alice["org_id"])))
        assert cur.fetchone()[0] == 5  # three live ones and the two deleted ones: liveness is checked by the caller
        cur.execute("SELECT count(*) FROM search_entries WHERE organization_id <> %s", (str(alice["org_id"]),))
        assert cur.fetchone()[0] == 0  # the table itself stays under row-level security
        conn.rollback()


def test_the_application_role_cannot_use_the_search_definer_role():
    with _pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'caseos_search'")
        assert cur.fetchone() == (False, False, False)
        cur.execute("SELECT pg_has_role('caseos_app', 'caseos_search', 'MEMBER')")
        assert cur.fetchone()[0] is False
        cur.execute("SELECT count(*) FROM pg_auth_members WHERE roleid = 'caseos_search'::regrole")
        assert cur.fetchone()[0] == 0  # nobody inherits the policy that lets the function see every row
        cur.execute("SELECT p.prosecdef, r.rolname, p.proconfig FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner "
                    "WHERE p.proname = 'caseos_search_window'")
        secdef, owner, config = cur.fetchone()
        assert secdef and owner == "caseos_search" and any(c.startswith("search_path=") for c in config)
        cur.execute("SELECT has_function_privilege('caseos_app', 'caseos_search_window(tsquery, tsquery, uuid, "
                    "uuid, text, timestamptz, timestamptz, integer)', 'EXECUTE')")
        assert cur.fetchone()[0] is True
        cur.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'search_entries'")
        assert cur.fetchone()[0] is True


@pytest.fixture()
def many_entries(app):
    """20,000 index rows of one organization: enough that the planner prefers the GIN index."""
    from app.accounts import users as accounts
    from app.extensions import db
    from app.accounts.tenancy import principal_for
    from app.models import Document
    with app.app_context():
        user = accounts.register(f"srch-big-{uuid.uuid4().hex[:8]}@example.test", "correct horse battery", "Big")
        db.session.flush()
        p = principal_for(user, None)
        from app.cases import cases
        case = cases.create_case(p, {"title": "Big case", "case_type": "OTHER", "court_type": "STATE_TRIAL",
                                     "jurisdiction": "US-MA"})
        doc = Document(organization_id=case.organization_id, case_id=case.id, title="Big", filename="b.txt",
                       status="PROCESSED", content_type="text/plain", sha256=uuid.uuid4().hex, size_bytes=1,
                       storage_key="k", wrapped_key="w")
        db.session.add(doc)
        db.session.flush()
        from app.search import blind, keys
        key = keys.search_key(case.organization_id)
        db.session.commit()
        ids = (user.id, case.organization_id, case.id, doc.id)
        db.session.remove()
    user_id, org, case_id, doc_id = ids
    import hashlib
    from psycopg2.extras import execute_values
    rows = [(str(org), str(case_id), str(doc_id), 0, "OTHER", blind.Bag(body=blind.tokens(
             key, "court filing " + " ".join(hashlib.md5(str(g).encode()).hexdigest()[:8] for _ in range(8))
             + f" w{g % 5000}")).tsvector()) for g in range(1, 20001)]
    with _pg() as conn, conn.cursor() as cur:
        # 20,000 document rows (of one document: only the plan matters here)
        execute_values(cur, "INSERT INTO search_entries (organization_id, case_id, document_id, page_number, "
                            "document_type, document_date, tsv) VALUES %s",
                       rows, template="(%s, %s, %s, %s, %s, now(), %s::tsvector)")
        # as after autovacuum: the GIN pending list merged, statistics taken
        cur.execute("VACUUM ANALYZE search_entries")
    yield user_id, org
    with _pg() as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM search_entries WHERE document_id = %s", (str(doc_id),))
        cur.execute("ANALYZE search_entries")


def test_as_the_application_role_the_search_statement_uses_the_gin_index(app, many_entries):
    """EXPLAIN (auto_explain of the nested statements) of the very statement search() sends, run as
    caseos_app with the organization set: the match is an index scan on ix_search_entries_tsv."""
    from app.extensions import db
    from app.search import search
    user_id, org = many_entries
    sent = []

    def capture(_conn, _cur, statement, parameters, _ctx, _many):
        if "caseos_search_window" in statement:
            sent.append((statement, parameters))
    with app.app_context():
        p = _principal(user_id)
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            items, total = search.search(p, "w1234")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
        db.session.remove()
    assert total == 4 and len(sent) == 1  # w1234 is in 4 of the rows
    statement, params = sent[0]
    with _pg(autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("LOAD 'auto_explain'")
        for setting, value in (("log_min_duration", "0"), ("log_nested_statements", "on"), ("log_level", "notice"),
                               ("log_analyze", "on")):
            cur.execute(f"SET auto_explain.{setting} = '{value}'")
        conn.commit()
        cur.execute("SET LOCAL ROLE caseos_app")
        cur.execute("SELECT set_config('caseos.org_ids', %s, true)", (str(org),))
        del conn.notices[:]
        cur.execute(statement, params)
        assert cur.fetchall()[0][0] == 4  # the count
        plans = "\n".join(conn.notices)
        cur.execute("EXPLAIN " + statement, params)
        outer = "\n".join(r[0] for r in cur.fetchall())
        conn.rollback()
    assert "caseos_search_window" in outer and "search_entries" not in outer
    inner = [n for n in conn.notices if "search_entries" in n]
    assert inner, plans
    assert all("ix_search_entries_tsv" in n for n in inner), plans
    assert not any("Seq Scan on search_entries" in n for n in inner), plans


# ------------------------------------------------------------------- embedded mode (SQLite FTS5)

SQLITE_SCRIPT = r'''
import json, sys, uuid
from datetime import date, datetime, timedelta, timezone
import sqlalchemy as sa
from app import create_app
from app.extensions import db
from app.models import Case, Document, SearchEntry
from app.accounts import users as accounts
from app.cases import cases
from app.documents import documents, processing
from app.search import search
from app.accounts.tenancy import principal_for
DOCS, OTHER, QUERIES = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])


def seed(name, docs):
    user = accounts.register(f"s-{uuid.uuid4().hex[:8]}@example.test", "correct horse battery", name)
    db.session.flush()
    p = principal_for(user, None)
    case = cases.create_case(p, {"title": "c", "case_type": "OTHER", "court_type": "STATE_TRIAL", "jurisdiction": "US-MA"})
    now = datetime.now(timezone.utc)
    for title, pages, dtype, days in docs:
        doc = Document(organization_id=case.organization_id, case_id=case.id, title=title, filename="x.txt",
                       status="PROCESSED", content_type="text/plain", sha256=uuid.uuid4().hex, size_bytes=1,
                       storage_key="k", wrapped_key="w", document_type=dtype, created_at=now - timedelta(days=days))
        db.session.add(doc); db.session.flush()
        for n, text in enumerate(pages, 1):
            processing._save_page(doc, n, text, "text_layer")
        db.session.flush()
        search.index_document(doc)
    db.session.commit()
    return p


app = create_app()
with app.app_context():
    alice = seed("A", DOCS)
    seed("M", OTHER)
    alice = principal_for(alice.user, None)
    out = []
    for q in QUERIES:
        for kw in ({}, {"per_page": 2}, {"per_page": 2, "page": 2}, {"document_type": "OTHER"},
                   {"date_from": (date.today() - timedelta(days=3)).isoformat()}):
            kw2 = dict(kw)
            if "date_from" in kw2:
                kw2["date_from"] = date.fromisoformat(kw2["date_from"])
            items, total = search.search(alice, q, **kw2)
            out.append([q, kw, [[db.session.get(Document, i["document_id"]).title, i["pages"], bool(i["snippets"])]
                                for i in items], total])
    # a deleted document leaves the index (the contentless rows are replayed to be removed)
    # (titles are sealed in the database: found by reading them, not by a WHERE on the column)
    ledger = next(d for d in db.session.execute(sa.select(Document)).scalars() if d.title == "Court ledger")
    search.remove_document(ledger)
    db.session.commit()
    out.append(["court after delete", {}, [[db.session.get(Document, i["document_id"]).title, i["pages"], True]
                                           for i in search.search(alice, "court")[0]], search.search(alice, "court")[1]])
    print("RESULT" + json.dumps(out))
'''


def test_embedded_sqlite_finds_what_postgresql_finds(app, corpus, tmp_path):
    """The same documents, counts and pages shown on SQLite FTS5 (bm25 there, ts_rank here)."""
    import json
    import os
    import subprocess
    import sys

    from app.extensions import db
    from app.models import Document
    from app.search import search
    from tests.conftest import ROOT
    alice, _ = corpus
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'e.db'}", STORAGE_BACKEND="local",
               STORAGE_DIR=str(tmp_path / "st"), CELERY_BROKER_URL=f"sqla+sqlite:///{tmp_path / 'b.db'}")
    env.pop("REDIS_URL", None)
    r = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT, json.dumps(ALICE_DOCS), json.dumps(MALLORY_DOCS),
                        json.dumps(QUERIES)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(next(line for line in r.stdout.splitlines() if line.startswith("RESULT"))[6:])
    nonempty = 0
    with app.app_context():
        p = _principal(alice["user_id"])
        for q, kw, got, total in out[:-1]:
            kw2 = dict(kw)
            if "date_from" in kw2:
                kw2["date_from"] = date.fromisoformat(kw2["date_from"])
            if kw2.get("per_page") == 2:
                continue  # which of equal scores comes first differs (bm25, ts_rank): the whole list is compared above
            items, pg_total = search.search(p, q, **kw2)
            # how many pages, not which: bm25 and ts_rank weigh a page's length differently
            pg = sorted([db.session.get(Document, i["document_id"]).title, len(i["pages"]), bool(i["snippets"])]
                        for i in items)
            assert (sorted([t, len(pages), s] for t, pages, s in got), total) == (pg, pg_total), (q, kw)
            nonempty += bool(got)
        db.session.remove()
    assert nonempty > 10
    by_q = {(q, json.dumps(kw)): (got, total) for q, kw, got, total in out}
    assert by_q[("zanzibarite", "{}")] == ([], 0)  # the other organization's word: not even counted
    assert by_q[("eviction", "{}")][0][0][0] == "Eviction notice"  # the title match first there too
    assert by_q[("court", json.dumps({"per_page": 2, "page": 2}))][1] == 3
    assert [t for t, _p, _s in by_q[("court after delete", "{}")][0]] and by_q[("court after delete", "{}")][1] == 2
