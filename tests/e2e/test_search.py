"""Search through the API with the real pipeline, and the same hits on SQLite FTS5 and PostgreSQL."""
import os
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ROOT
from devkit.docgen import make_scanned_pdf
from tests.e2e.helpers import upload, wait_document

pytestmark = pytest.mark.e2e


@pytest.fixture()
def searcher(make_user, worker):
    u = make_user()
    case = u.create_case(title="Search case")
    return u, case


def _hits(user, q, **params):
    r = user.get("/api/v1/search", query_string={"q": q, **params})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_phrase_on_page_three_of_a_scanned_document(searcher, tmp_path):
    u, case = searcher
    pdf = tmp_path / "scan.pdf"
    make_scanned_pdf(pdf, ["Notice to the tenant", "Rent ledger attached", "The hearing is on January fifth"])
    doc = upload(u, case["id"], pdf).get_json()["document"]
    assert wait_document(u, doc["id"])["status"] == "PROCESSED"
    body = _hits(u, '"hearing is on January"')
    assert body["total"] == 1
    hit = body["items"][0]
    assert hit["document_id"] == doc["id"] and hit["pages"][0] == 3
    assert "<mark>" in hit["snippets"][0] and "hearing" in hit["snippets"][0].lower()


def test_title_match_ranks_first_and_websearch_syntax(searcher):
    u, case = searcher
    a = upload(u, case["id"], b"A letter about the parking lot and the laundry room.\n", filename="a.txt",
               title="Eviction notice").get_json()["document"]["id"]
    b = upload(u, case["id"], b"The landlord mentioned eviction once in this long letter about repairs.\n",
               filename="b.txt", title="Repair letter").get_json()["document"]["id"]
    c = upload(u, case["id"], b"Summons to appear about unpaid rent and late fees.\n", filename="c.txt",
               title="Summons").get_json()["document"]["id"]
    for d in (a, b, c):
        wait_document(u, d)
    ranked = [h["document_id"] for h in _hits(u, "eviction")["items"]]
    assert ranked == [a, b]
    assert {h["document_id"] for h in _hits(u, "eviction OR summons")["items"]} == {a, b, c}
    assert [h["document_id"] for h in _hits(u, "eviction -landlord")["items"]] == [a]
    assert _hits(u, '"late fees"')["items"][0]["document_id"] == c
    assert _hits(u, '"fees late"')["total"] == 0
    assert _hits(u, "eviction", document_type="OTHER", case_id=str(uuid.uuid4()))["total"] == 0
    assert u.get("/api/v1/search").status_code == 422


def test_other_tenant_never_sees_documents_not_even_in_counts(searcher, make_user):
    u, case = searcher
    d = upload(u, case["id"], b"Confidential settlement amount for the plaintiff.\n", filename="s.txt").get_json()
    wait_document(u, d["document"]["id"])
    other = make_user()
    body = _hits(other, "settlement")
    assert body["total"] == 0 and body["items"] == []
    assert other.get("/api/v1/search", query_string={"q": "settlement", "case_id": case["id"]}).get_json()["total"] == 0


def test_deleting_a_document_or_case_removes_it_from_results(searcher):
    u, case = searcher
    d = upload(u, case["id"], b"Garnishment order for wages.\n", filename="g.txt").get_json()["document"]["id"]
    wait_document(u, d)
    assert _hits(u, "garnishment")["total"] == 1
    assert u.delete(f"/api/v1/documents/{d}").status_code == 204
    assert _hits(u, "garnishment")["total"] == 0
    case2 = u.create_case(title="Second")
    d2 = upload(u, case2["id"], b"Replevin of the car.\n", filename="r.txt").get_json()["document"]["id"]
    wait_document(u, d2)
    assert _hits(u, "replevin")["total"] == 1
    u.delete(f"/api/v1/cases/{case2['id']}")
    assert _hits(u, "replevin")["total"] == 0


SEED_SCRIPT = r'''
import json, sys, uuid
from app import create_app
from app.extensions import db
from app.accounts import users as accounts
from app.cases import cases
from app.search import search
from app.documents import processing
from app.accounts.tenancy import principal_for
from app.models import Document
app = create_app()
DOCS = json.loads(sys.argv[1]); QUERIES = json.loads(sys.argv[2])
with app.app_context():
    user = accounts.register(f"s-{uuid.uuid4().hex[:8]}@example.test", "correct horse battery", "S")
    db.session.flush()
    p = principal_for(user, None)
    case = cases.create_case(p, {"title": "c", "case_type": "OTHER", "court_type": "STATE_TRIAL", "jurisdiction": "US-MA"})
    names = {}
    for i, (title, pages) in enumerate(DOCS):
        doc = Document(organization_id=case.organization_id, case_id=case.id, title=title, filename="x.txt",
                       status="PROCESSED", content_type="text/plain", sha256=uuid.uuid4().hex, size_bytes=1,
                       storage_key="k", wrapped_key="w")
        db.session.add(doc); db.session.flush()
        for n, text in enumerate(pages, 1):
            processing._save_page(doc, n, text, "text_layer")
        db.session.flush()
        search.index_document(doc)
        names[str(doc.id)] = i
    db.session.commit()
    out = {}
    for q in QUERIES:
        items, total = search.search(p, q)
        out[q] = [names[str(h["document_id"])] for h in items]
    print("RESULT" + json.dumps(out))
'''


def test_embedded_sqlite_and_postgresql_give_the_same_hits(tmp_path):
    import json
    docs = [["Eviction notice", ["Pay the rent within fourteen days or leave the premises."]],
            ["Summons", ["You are being sued. File an answer within 21 days after service."]],
            ["Letter", ["The landlord will repair the heating system. Eviction is not planned.", "Signed, the owner."]],
            ["Order", ["The motion to dismiss is denied. A hearing is set for January 5."]]]
    queries = ["eviction", "rent OR heating", '"motion to dismiss"', "eviction -landlord", "answer service",
               "hearing january", "nothing-matches-this"]
    results = {}
    for name, env in (("sqlite", {"DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}", "STORAGE_BACKEND": "local",
                                  "REDIS_URL": "", "STORAGE_DIR": str(tmp_path / "st")}),
                      ("postgresql", {})):
        full = dict(os.environ, **env)
        if name == "sqlite":
            full.pop("REDIS_URL", None)
            full["CELERY_BROKER_URL"] = f"sqla+sqlite:///{tmp_path / 'b.db'}"
            r = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                               env=full, capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
        r = subprocess.run([sys.executable, "-c", SEED_SCRIPT, json.dumps(docs), json.dumps(queries)], cwd=ROOT,
                           env=full, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-3000:]
        line = next(l for l in r.stdout.splitlines() if l.startswith("RESULT"))
        results[name] = json.loads(line[6:])
    for q in queries:
        assert sorted(results["sqlite"][q]) == sorted(results["postgresql"][q]), (q, results)
    assert results["postgresql"]["eviction"][0] == 0  # the title match first, on both
    assert results["sqlite"]["eviction"][0] == 0
    assert results["sqlite"]["eviction -landlord"] == [0]
