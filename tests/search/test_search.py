"""Search service on PostgreSQL: what a user sees (order, scores, counts, pages, snippets) is what the
former three-statement query gave; another organization's documents never show, not even in counts,
also with the application connected as the `caseos_app` role under row-level security; and under
that role the match uses the GIN index (migration 0010's SECURITY DEFINER function).
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


def _reference(principal, q, *, case_id=None, document_type=None, date_from=None, date_to=None, page=1, per_page=20):
    """The statements search() ran before migration 0010 (count, top, pages hit): run here as the
    superuser, so row-level security does not get in the way. Pages of equal rank are taken in page
    order (the former query left their order unspecified)."""
    from app.extensions import db
    from app.models import Case, Document, SearchEntry
    filters = [SearchEntry.organization_id == principal.org_id]
    if case_id:
        filters.append(SearchEntry.case_id == case_id)
    if document_type:
        filters.append(SearchEntry.document_type == document_type)
    if date_from:
        filters.append(SearchEntry.document_date >= datetime.combine(date_from, datetime.min.time()))
    if date_to:
        filters.append(SearchEntry.document_date < datetime.combine(date_to, datetime.max.time()))
    live = sa.exists().where(Document.id == SearchEntry.document_id, Document.deleted_at.is_(None),
                             sa.exists().where(Case.id == Document.case_id, Case.deleted_at.is_(None)))
    tsq = sa.func.websearch_to_tsquery("english", q)
    rank = sa.func.ts_rank(sa.literal_column("search_entries.tsv"), tsq)
    matches = sa.select(SearchEntry.document_id, SearchEntry.page_number, rank.label("rank")).where(
        sa.literal_column("search_entries.tsv").op("@@")(tsq), *filters, live)
    sub = matches.subquery()
    per_doc = sa.select(sub.c.document_id, sa.func.max(sub.c.rank).label("score")).group_by(sub.c.document_id).subquery()
    total = db.session.execute(sa.select(sa.func.count()).select_from(per_doc)).scalar() or 0
    top = db.session.execute(sa.select(per_doc.c.document_id, per_doc.c.score)
                             .order_by(per_doc.c.score.desc(), per_doc.c.document_id)
                             .limit(per_page).offset((page - 1) * per_page)).all()
    pages_hit: dict = {}
    for r in db.session.execute(sa.select(sub.c.document_id, sub.c.page_number, sub.c.rank)
                                .where(sub.c.document_id.in_([t.document_id for t in top]))
                                .order_by(sub.c.rank.desc(), sub.c.page_number)):
        pages_hit.setdefault(r.document_id, []).append(r.page_number)
    return [(t.document_id, round(float(t.score), 6), [n for n in pages_hit[t.document_id] if n != 0][:2])
            for t in top], total


def _old_snippets(doc, pages, q):
    """Snippets cut the former way: from every decrypted page of the document."""
    from app.documents import documents
    from app.search import search
    terms = [t for clause in search.parse_websearch(q) for t, _p, n in clause if not n]
    return search._snippets({p["number"]: p["text"] for p in documents.page_texts(doc)}, pages, terms)


def _view(items):
    return [(i["document_id"], i["score"], i["pages"]) for i in items]


def test_results_are_those_of_the_former_query_in_content_and_order(app, corpus):
    from app.extensions import db
    from app.models import Document
    from app.search import search
    alice, _ = corpus
    a = alice["doc_ids"]
    with app.app_context():
        p = _principal(alice["user_id"])
        variants = [{}, {"per_page": 2}, {"per_page": 2, "page": 2}, {"per_page": 2, "page": 50},
                    {"case_id": alice["case2_id"]}, {"case_id": str(alice["case_id"])}, {"document_type": "OTHER"},
                    {"date_from": date.today() - timedelta(days=3)}, {"date_to": date.today() - timedelta(days=4)}]
        checked = 0
        for q in QUERIES:
            for kw in variants:
                items, total = search.search(p, q, **kw)
                ref, ref_total = _reference(p, q, **kw)
                assert (_view(items), total) == (ref, ref_total), (q, kw)
                for item in items:
                    doc = db.session.get(Document, item["document_id"])
                    assert item["snippets"] == _old_snippets(doc, item["pages"], q), (q, kw)
                    assert (item["case_id"], item["title"]) == (doc.case_id, doc.title)
                checked += bool(items)
        assert checked > 40  # the comparison is not vacuous
        # What a user notices: the title match first, then the body matches by weight
        ranked = [i["document_id"] for i in search.search(p, "eviction")[0]]
        assert ranked[0] == a[0] and set(ranked) == {a[0], a[1], a[5]}
        assert search.search(p, "court")[1] == 3
        hit = search.search(p, '"motion to dismiss"')[0]
        assert [i["document_id"] for i in hit] == [a[3]] and hit[0]["pages"] == [1]
        assert "<mark>motion</mark>" in hit[0]["snippets"][0]
        # websearch syntax, page by page: "eviction -landlord" matches the pages (or titles) without landlord
        assert {i["document_id"] for i in search.search(p, "eviction -landlord")[0]} == {a[0], a[1], a[5]}
        assert {i["document_id"] for i in search.search(p, "summons OR mold")[0]} == {a[2], a[5]}
        assert search.search(p, '"fees late"') == ([], 0)
        # a page past the end still says how many there are
        assert search.search(p, "court", per_page=2, page=9) == ([], 3)
        # the ledger's best pages first (three "court" beat one), title row never listed as a page
        ledger = next(i for i in search.search(p, "court")[0] if i["document_id"] == a[4])
        assert ledger["pages"] == [2, 1]
        db.session.remove()


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
    alice, mallory = corpus
    expected = {}
    with app.app_context():
        p = _principal(alice["user_id"])
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
            "SELECT count(*) FROM caseos_search_pages(websearch_to_tsquery('english', 'eviction'), "
            "CAST(:org AS uuid), NULL, NULL, NULL, NULL)"), {"org": str(alice["org_id"])}).scalar()
        assert n == 0
        db.session.remove()
    # ... and with Alice's organization set, directly: her rows (title and body rows alike)
    with _pg(autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET LOCAL ROLE caseos_app")
        cur.execute("SELECT set_config('caseos.org_ids', %s, true)", (str(alice["org_id"]),))
        cur.execute("SELECT count(DISTINCT document_id) FROM caseos_search_pages("
                    "websearch_to_tsquery('english', 'eviction'), %s, NULL, NULL, NULL, NULL)", (str(alice["org_id"]),))
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
                    "WHERE p.proname = 'caseos_search_pages'")
        secdef, owner, config = cur.fetchone()
        assert secdef and owner == "caseos_search" and any(c.startswith("search_path=") for c in config)
        cur.execute("SELECT has_function_privilege('caseos_app', 'caseos_search_pages(tsquery, uuid, uuid, text, "
                    "timestamptz, timestamptz)', 'EXECUTE')")
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
        db.session.commit()
        ids = (user.id, case.organization_id, case.id, doc.id)
        db.session.remove()
    user_id, org, case_id, doc_id = ids
    with _pg() as conn, conn.cursor() as cur:
        cur.execute("""INSERT INTO search_entries (organization_id, case_id, document_id, page_number, document_type,
                                                   document_date, tsv)
                       SELECT %s, %s, %s, g, 'OTHER', now(),
                              to_tsvector('english', 'court filing ' || repeat(md5(g::text) || ' ', 8) || ' w' || (g %% 5000)::text)
                       FROM generate_series(1, 20000) g""", (str(org), str(case_id), str(doc_id)))
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
        if "caseos_search_pages" in statement:
            sent.append((statement, parameters))
    with app.app_context():
        p = _principal(user_id)
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            items, total = search.search(p, "w1234")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
        db.session.remove()
    assert total == 1 and len(sent) == 1
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
        assert len(cur.fetchall()) == 4  # one row per page hit of the one document
        plans = "\n".join(conn.notices)
        cur.execute("EXPLAIN " + statement, params)
        outer = "\n".join(r[0] for r in cur.fetchall())
        conn.rollback()
    assert "caseos_search_pages" in outer and "search_entries" not in outer
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


def reference(principal, q, *, document_type=None, date_from=None, page=1, per_page=20):
    """The former SQLite statements (count, top, pages hit; equal ranks in page order)."""
    fq = search._fts5_query(search.parse_websearch(q))
    if fq is None:
        return [], 0
    filters = [SearchEntry.organization_id == principal.org_id]
    if document_type:
        filters.append(SearchEntry.document_type == document_type)
    if date_from:
        filters.append(SearchEntry.document_date >= datetime.combine(date_from, datetime.min.time()))
    live = sa.exists().where(Document.id == SearchEntry.document_id, Document.deleted_at.is_(None),
                             sa.exists().where(Case.id == Document.case_id, Case.deleted_at.is_(None)))
    fts = sa.table("search_fts", sa.column("rowid"))
    ranked = (sa.select(fts.c.rowid.label("rid"), (-sa.func.bm25(sa.literal_column("search_fts"), 10.0, 1.0)).label("rank"))
              .where(sa.text("search_fts MATCH :fq").bindparams(fq=fq)).cte("fts_ranked").prefix_with("MATERIALIZED"))
    matches = (sa.select(SearchEntry.document_id, SearchEntry.page_number, ranked.c.rank)
               .select_from(ranked).join(SearchEntry, SearchEntry.id == ranked.c.rid).where(*filters, live))
    sub = matches.subquery()
    per_doc = sa.select(sub.c.document_id, sa.func.max(sub.c.rank).label("score")).group_by(sub.c.document_id).subquery()
    total = db.session.execute(sa.select(sa.func.count()).select_from(per_doc)).scalar() or 0
    top = db.session.execute(sa.select(per_doc.c.document_id, per_doc.c.score)
                             .order_by(per_doc.c.score.desc(), per_doc.c.document_id)
                             .limit(per_page).offset((page - 1) * per_page)).all()
    hit = {}
    for r in db.session.execute(sa.select(sub.c.document_id, sub.c.page_number, sub.c.rank)
                                .where(sub.c.document_id.in_([t.document_id for t in top]))
                                .order_by(sub.c.rank.desc(), sub.c.page_number)):
        hit.setdefault(r.document_id, []).append(r.page_number)
    return [[str(t.document_id), round(float(t.score), 6), [n for n in hit[t.document_id] if n][:2]] for t in top], total


app = create_app()
with app.app_context():
    alice = seed("A", DOCS)
    seed("M", OTHER)
    alice = principal_for(alice.user, None)
    out = []
    for q in QUERIES:
        for kw in ({}, {"per_page": 2}, {"per_page": 2, "page": 2}, {"per_page": 2, "page": 40},
                   {"document_type": "OTHER"}, {"date_from": (date.today() - timedelta(days=3)).isoformat()}):
            kw2 = dict(kw)
            if "date_from" in kw2:
                kw2["date_from"] = date.fromisoformat(kw2["date_from"])
            items, total = search.search(alice, q, **kw2)
            snippets_ok = all(
                i["snippets"] == search._snippets({p["number"]: p["text"] for p in documents.page_texts(db.session.get(Document, i["document_id"]))},
                                                  i["pages"], [t for c in search.parse_websearch(q) for t, _p, n in c if not n])
                for i in items)
            got = [[str(i["document_id"]), i["score"], i["pages"]] for i in items]
            out.append([q, kw, got, total, list(reference(alice, q, **kw2)), snippets_ok])
    print("RESULT" + json.dumps(out))
'''


def test_embedded_sqlite_results_are_those_of_the_former_queries(tmp_path):
    """The same single pass on SQLite FTS5 (no function there): the former statements' results."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT
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
    for q, kw, got, total, (ref, ref_total), snippets_ok in out:
        assert (got, total) == (ref, ref_total), (q, kw)
        assert snippets_ok, (q, kw)
        nonempty += bool(got)
    assert nonempty > 20
    by_q = {(q, json.dumps(kw)): (got, total) for q, kw, got, total, _ref, _ok in out}
    assert by_q[("zanzibarite", "{}")] == ([], 0)  # the other organization's word: not even counted
    assert by_q[("court", json.dumps({"per_page": 2, "page": 40}))][1] == 3
