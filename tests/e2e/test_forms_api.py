"""Court forms end to end: the library through the API, and filling a form into a case document
with a real Celery worker, PostgreSQL, Redis and moto's S3 server; the filled PDF is downloaded
and read back with pypdf."""
import hashlib
import io
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from app.forms import library
from app.platform.storage import S3Storage, StorageUnavailable
from app.platform import engine
from workers.tasks.pipelines import TASKS
from tests.factories import join

FILL_TASK = TASKS["forms.fill"]

pytestmark = pytest.mark.e2e

INDIGENCY = "ma_affidavit_of_indigency"
COMPLAINT = "ma_209a_complaint"
AFFIDAVIT = "ma_209a_affidavit"


# ------------------------------------------------------------------------------------ helpers

def wait_job(user, job_id, worker=None, timeout=45):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = user.get(f"/api/v1/jobs/{job_id}").get_json()
        if job.get("status") in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return job
        time.sleep(0.2)
    log = worker.log()[-4000:] if worker is not None else ""
    raise AssertionError(f"job {job_id} not final after {timeout}s: {job}\nworker log:\n{log}")


def fill(user, case_id, form_id, values=None, org=None, **extra):
    body = {"form_id": form_id, **extra}
    if values is not None:
        body["values"] = values
    return user.post(f"/api/v1/cases/{case_id}/forms", json=body, org=org)


def download(user, doc_id) -> bytes:
    r = user.get(f"/api/v1/documents/{doc_id}/content")
    assert r.status_code == 200, r.get_json()
    assert r.headers["Content-Type"].startswith("application/pdf")
    return r.data


def field_values(pdf: bytes) -> dict:
    """Field /T name -> /V as written in the PDF (names, not the XFA mapping names pypdf keys by)."""
    reader = PdfReader(io.BytesIO(pdf))
    return {str(f["/T"]): f.get("/V") for f in (reader.get_fields() or {}).values() if f.get("/T")}


def today_in(tz="America/New_York"):
    return datetime.now(ZoneInfo(tz)).date()


def counts(user, case_id):
    docs = user.get(f"/api/v1/cases/{case_id}/documents").get_json()["total"]
    form_jobs = user.get("/api/v1/jobs?kind=form.fill").get_json()["total"]
    return docs, form_jobs


@pytest.fixture()
def ma_case(alice):
    case = alice.create_case(title="Doe v. Roe", case_type="FAMILY_LAW", court_type="STATE_TRIAL",
                             jurisdiction="US-MA", county="Suffolk", case_number="2407RO000123")
    for name, role in (("Jane Q. Doe", "PLAINTIFF"), ("Richard Roe", "DEFENDANT")):
        r = alice.post(f"/api/v1/cases/{case['id']}/parties", json={"name": name, "role": role})
        assert r.status_code == 201, r.get_json()
    return case


# ------------------------------------------------------------------------------------ the library

def test_list_forms_with_fields_and_filter_by_jurisdiction(alice):
    body = alice.get("/api/v1/forms?per_page=100").get_json()
    ids = [f["id"] for f in body["items"]]
    assert set(ids) == {f["id"] for f in library.list_forms()} and INDIGENCY in ids
    assert body["total"] == len(ids) and body["page"] == 1
    assert alice.get("/api/v1/forms").get_json()["total"] == len(ids)  # 20 to a page by default
    indigency = next(f for f in body["items"] if f["id"] == INDIGENCY)
    assert indigency["jurisdiction"] == "US-MA" and indigency["title"]
    court = next(f for f in indigency["fields"] if f["name"] == "court")
    assert court == {"name": "court", "label": "Court", "type": "text", "required": True}

    ma = alice.get("/api/v1/forms?jurisdiction=US-MA").get_json()["items"]
    assert ma and {f["jurisdiction"] for f in ma} == {"US-MA"}
    ut = alice.get("/api/v1/forms?jurisdiction=us-ut").get_json()["items"]
    assert ut and {f["jurisdiction"] for f in ut} == {"US-UT"}
    assert alice.get("/api/v1/forms?jurisdiction=US").get_json()["total"] == len(ids)
    assert alice.get("/api/v1/forms?jurisdiction=US-ZZ").get_json() == {"items": [], "page": 1, "per_page": 20,
                                                                          "total": 0}
    assert alice.get("/api/v1/forms?per_page=2&page=2").get_json()["items"][0]["id"] == ids[2]


def test_get_one_form_and_unknown_form_is_404(alice, client):
    r = alice.get(f"/api/v1/forms/{INDIGENCY}")
    assert r.status_code == 200
    form = r.get_json()
    by_name = {f["name"]: f for f in form["fields"]}
    assert by_name["date_signed"]["type"] == "date" and by_name["date_signed"]["format"] == "%m/%d/%Y"
    assert by_name["date_signed"]["source"] == ["today"]
    assert by_name["TAFDC"]["export_value"] == "Yes"
    assert "pdf" not in form and "_dir" not in form
    r = alice.get("/api/v1/forms/no_such_form")
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("application/problem+json")
    assert client.get("/api/v1/forms").status_code == 401


# ------------------------------------------------------------------------------------ filling

def test_fill_indigency_with_case_user_and_overrides_round_trips_every_value(worker, alice, ma_case):
    overrides = {"court": "Boston Municipal Court", "user_address_on_one_line": "1 Main St, Boston, MA 02108",
                 "gets_public_benefits": True, "TAFDC": True, "Medicaid": "Yes", "SSI": False,
                 "income_amount": "1200", "monthly": True, "household_size": 3,
                 "fee_filing": True, "fee_filing_amount": "275.00"}
    before = today_in()
    r = fill(alice, ma_case["id"], INDIGENCY, overrides)
    assert r.status_code == 202, r.get_json()
    again = fill(alice, ma_case["id"], INDIGENCY, overrides)   # the same values twice: two documents
    assert again.status_code == 202
    body = r.get_json()
    doc, job = body["document"], body["job"]
    assert doc["status"] == "QUEUED" and doc["document_type"] == "FORM" and doc["case_id"] == ma_case["id"]
    assert job["kind"] == "form.fill" and job["document_id"] == doc["id"]
    assert [s["name"] for s in job["steps"]] == ["fill", "store"]
    assert body["missing_required"] == []

    job = wait_job(alice, job["id"], worker)
    after = today_in()
    assert job["status"] == "SUCCEEDED", job.get("error")
    assert all(s["status"] == "done" for s in job["steps"]) and job["progress"] == 1.0
    result = job["result"]
    assert result["document_id"] == doc["id"]
    assert result["missing_required"] == [] and result["overflow"] == []
    assert set(result["filled_fields"]) == set(overrides) | {"docket_number", "user_name_full", "date_signed"}
    assert "Boston Municipal Court" not in str(result)           # names only, never values

    doc = alice.get(f"/api/v1/documents/{doc['id']}").get_json()
    assert doc["status"] == "PROCESSED" and doc["page_count"] >= 1
    pdf = download(alice, doc["id"])
    assert hashlib.sha256(pdf).hexdigest() == doc["sha256"] and len(pdf) == doc["size_bytes"]
    got = field_values(pdf)
    assert got["docket_number"] == "2407RO000123"                 # case
    assert got["user_name_full"] == "Alice Tenant"                # the signed-in user
    assert got["date_signed"] in {d.strftime("%m/%d/%Y") for d in (before, after)}   # today, the user's zone
    assert got["court"] == "Boston Municipal Court"               # overrides
    assert got["user_address_on_one_line"] == "1 Main St, Boston, MA 02108"
    assert got["income_amount"] == "1200" and got["household_size"] == "3"
    assert got["fee_filing_amount"] == "275.00"
    for box in ("gets_public_benefits", "TAFDC", "Medicaid", "monthly", "fee_filing"):
        assert got[box] == "/Yes", box
    assert got["SSI"] in (None, "/Off")
    assert got["EAEDC"] in (None, "/Off")                          # never touched

    twin = wait_job(alice, again.get_json()["job"]["id"], worker)
    assert twin["status"] == "SUCCEEDED", twin.get("error")
    twin_doc = alice.get(f"/api/v1/documents/{again.get_json()['document']['id']}").get_json()
    assert twin_doc["id"] != doc["id"] and twin_doc["sha256"] != doc["sha256"]
    assert alice.get(f"/api/v1/cases/{ma_case['id']}/documents").get_json()["total"] == 2


def test_missing_required_fields_are_422_naming_them_and_allow_incomplete_fills_anyway(worker, alice, ma_case):
    values = {"district_court": True, "defendant_gender_male": "Yes", "superior_court": False}
    before = counts(alice, ma_case["id"])
    r = fill(alice, ma_case["id"], COMPLAINT, values, title="209A complaint draft")
    assert r.status_code == 422, r.get_json()
    problem = r.get_json()
    assert set(problem["errors"]) == {"values.court_name_short", "values.abuse_suffered_date"}
    assert "court_name_short" in problem["detail"] and "abuse_suffered_date" in problem["detail"]
    assert counts(alice, ma_case["id"]) == before          # nothing recorded

    r = fill(alice, ma_case["id"], COMPLAINT, values, title="209A complaint draft", allow_incomplete=True)
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["missing_required"] == ["court_name_short", "abuse_suffered_date"]
    assert {"court_name_short", "abuse_suffered_date"} <= set(r.get_json()["unfilled"])
    assert r.get_json()["document"]["title"] == "209A complaint draft"
    job = wait_job(alice, r.get_json()["job"]["id"], worker)
    assert job["status"] == "SUCCEEDED", job.get("error")
    assert job["result"]["missing_required"] == ["court_name_short", "abuse_suffered_date"]
    assert set(job["result"]["unfilled"]) == set(r.get_json()["unfilled"])
    got = field_values(download(alice, job["result"]["document_id"]))
    assert got["user_name_full"] == "Jane Q. Doe"       # party.PLAINTIFF.name wins over the user
    assert got["defendant"] == "Richard Roe"            # party.DEFENDANT.name
    assert got["docket_number"] == "2407RO000123"
    assert got["district_court"] == "/Yes" and got["defendant_gender_male"] == "/Yes"
    assert got["superior_court"] in (None, "/Off")
    assert not got.get("court_name_short") and not got.get("abuse_suffered_date")

    # giving the two values makes the same request complete
    r = fill(alice, ma_case["id"], COMPLAINT, {**values, "court_name_short": "Dorchester",
                                               "abuse_suffered_date": "2024-03-01"})
    assert r.status_code == 202 and r.get_json()["missing_required"] == []


def test_overflowing_text_goes_to_an_addendum_page_and_flatten_removes_fields(worker, alice, ma_case):
    story = " ".join(f"Sentence {i}: on that day the defendant shouted, threw a chair and blocked the door."
                     for i in range(90))
    blank_pages = len(PdfReader(str(library.FORMS_DIR / library.get_form(AFFIDAVIT)["pdf"])).pages)
    r = fill(alice, ma_case["id"], AFFIDAVIT, {"affidavit_body": story, "incident_date": "2024-03-01"})
    flat = fill(alice, ma_case["id"], AFFIDAVIT, {"affidavit_body": "He yelled.", "incident_date": "2024-03-01"},
                flatten=True)
    assert r.status_code == 202 and flat.status_code == 202, (r.get_json(), flat.get_json())
    job = wait_job(alice, r.get_json()["job"]["id"], worker)
    assert job["status"] == "SUCCEEDED", job.get("error")
    assert job["result"]["overflow"] == ["affidavit_body"]
    assert "has_addendum" in job["result"]["filled_fields"]
    pdf = download(alice, job["result"]["document_id"])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > blank_pages
    doc = alice.get(f"/api/v1/documents/{job['result']['document_id']}").get_json()
    assert doc["page_count"] == len(reader.pages)
    got = field_values(pdf)
    assert got["affidavit_body"] == "See addendum, item 1" and got["has_addendum"] == "/Yes"
    assert got["incident_date"] == "03/01/2024"
    addendum = " ".join(" ".join(p.extract_text() for p in reader.pages[blank_pages:]).split())
    assert "ADDENDUM" in addendum and "Sentence 0: on that day" in addendum and "Sentence 89:" in addendum

    job = wait_job(alice, flat.get_json()["job"]["id"], worker)
    assert job["status"] == "SUCCEEDED", job.get("error")
    flat_pdf = PdfReader(io.BytesIO(download(alice, job["result"]["document_id"])))
    assert "/AcroForm" not in flat_pdf.trailer["/Root"] and not flat_pdf.get_fields()


BAD_VALUES = [
    ({"date_signed": "31/31/2024"}, ["values.date_signed"]),
    ({"TAFDC": "maybe"}, ["values.TAFDC"]),
    ({"no_such_field": "x"}, ["values.no_such_field"]),
    ({"date_signed": "yesterday", "SSI": 3, "nope": 1, "court": "ok"}, ["values.SSI", "values.date_signed",
                                                                         "values.nope"]),
    ({"court": {"nested": "object"}}, ["values.court"]),
    ({"court": "x" * 20_001}, ["values.court"]),
]


def test_bad_values_are_422_naming_every_field_and_create_nothing(alice, ma_case):
    before = counts(alice, ma_case["id"])
    for values, bad in BAD_VALUES:
        r = fill(alice, ma_case["id"], INDIGENCY, values)
        assert r.status_code == 422, (values, r.get_json())
        assert r.headers["Content-Type"].startswith("application/problem+json")
        problem = r.get_json()
        assert sorted(problem["errors"]) == bad, values
        assert all(isinstance(m, list) and m for m in problem["errors"].values())
    assert counts(alice, ma_case["id"]) == before


def test_unknown_form_and_malformed_bodies_are_422(alice, ma_case):
    before = counts(alice, ma_case["id"])
    r = fill(alice, ma_case["id"], "no_such_form", {})
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["form_id"]
    assert alice.post(f"/api/v1/cases/{ma_case['id']}/forms", json={}).get_json()["errors"].keys() == {"form_id"}
    assert fill(alice, ma_case["id"], INDIGENCY, ["not", "a", "dict"]).status_code == 422
    assert fill(alice, ma_case["id"], INDIGENCY, {}, organization_id="x").status_code == 422
    assert fill(alice, ma_case["id"], INDIGENCY, {}, flatten="sometimes").status_code == 422
    assert counts(alice, ma_case["id"]) == before


def test_other_tenant_gets_404_and_viewer_gets_403(worker, alice, mallory, make_user, ma_case):
    r = fill(alice, ma_case["id"], INDIGENCY, {"court": "Boston Municipal Court"}, allow_incomplete=True)
    assert r.status_code == 202
    doc_id, job_id = r.get_json()["document"]["id"], r.get_json()["job"]["id"]
    assert wait_job(alice, job_id, worker)["status"] == "SUCCEEDED"

    mallory_case = mallory.create_case()
    before = counts(mallory, mallory_case["id"])
    assert fill(mallory, ma_case["id"], INDIGENCY, {}).status_code == 404
    assert fill(mallory, "00000000-0000-0000-0000-000000000000", INDIGENCY, {}).status_code == 404
    assert mallory.get(f"/api/v1/documents/{doc_id}").status_code == 404
    assert mallory.get(f"/api/v1/documents/{doc_id}/content").status_code == 404
    assert mallory.post(f"/api/v1/documents/{doc_id}/download-url").status_code == 404
    assert mallory.get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert counts(mallory, mallory_case["id"]) == before

    viewer = make_user(name="Vera Viewer")
    org = alice.post("/api/v1/organizations", json={"name": "Suffolk Legal Aid"}).get_json()
    join(alice, viewer, org['id'], "VIEWER")
    org_case = alice.create_case(org=org["id"], jurisdiction="US-MA")
    r = fill(viewer, org_case["id"], INDIGENCY, {}, org=org["id"], allow_incomplete=True)
    assert r.status_code == 403, r.get_json()
    assert viewer.get("/api/v1/forms", org=org["id"]).status_code == 200   # reading the library is fine
    assert alice.get(f"/api/v1/cases/{org_case['id']}/documents", org=org["id"]).get_json()["total"] == 0


# ------------------------------------------------------------------------------------ the task, in process

@pytest.fixture()
def unsent(monkeypatch):
    """Record fills without sending them to the real worker, so the test runs the task itself."""
    monkeypatch.setattr(engine, "start", lambda job: False)


def test_transient_storage_errors_are_retried_with_backoff(alice, ma_case, unsent, monkeypatch):
    r = fill(alice, ma_case["id"], INDIGENCY, {"court": "Boston Municipal Court"}, allow_incomplete=True)
    assert r.status_code == 202
    job_id, doc_id = r.get_json()["job"]["id"], r.get_json()["document"]["id"]
    assert alice.get(f"/api/v1/jobs/{job_id}").get_json()["status"] == "QUEUED"

    real_put, calls, backoffs = S3Storage.put_file, [], []

    def flaky_put(self, key, fileobj):
        calls.append(key)
        if len(calls) <= 2:
            raise StorageUnavailable("S3 SlowDown")
        return real_put(self, key, fileobj)

    real_backoff = engine.backoff
    monkeypatch.setattr(S3Storage, "put_file", flaky_put)
    monkeypatch.setattr(engine, "backoff", lambda n: backoffs.append(real_backoff(n)) or 0)
    FILL_TASK.apply(args=[job_id])

    job = alice.get(f"/api/v1/jobs/{job_id}").get_json()
    assert job["status"] == "SUCCEEDED", job.get("error")
    assert len(calls) == 3 and len(set(calls)) == 1 and doc_id in calls[0]   # one deterministic key, overwritten
    assert len(backoffs) == 2 and 0.5 <= backoffs[0] < 1.5 and 1 <= backoffs[1] < 3   # 2**n s, jittered
    assert field_values(download(alice, doc_id))["court"] == "Boston Municipal Court"
    assert FILL_TASK.apply(args=[job_id]).get() == "noop"              # a redelivery redoes nothing


def test_deterministic_failure_ends_the_job_failed_with_a_code(alice, ma_case, unsent):
    r = fill(alice, ma_case["id"], INDIGENCY, {}, allow_incomplete=True)
    job_id, doc_id = r.get_json()["job"]["id"], r.get_json()["document"]["id"]
    assert alice.delete(f"/api/v1/documents/{doc_id}").status_code == 204
    assert FILL_TASK.apply(args=[job_id]).get() == "failed"
    job = alice.get(f"/api/v1/jobs/{job_id}").get_json()
    assert job["status"] == "FAILED" and job["error"]["code"] == "document_deleted"
    assert job["steps"][0]["status"] == "failed"


# ------------------------------------------------------------------------------------ the form's text and search

def search(user, q, **params):
    r = user.get("/api/v1/search", query_string={"q": q, **params})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_filled_form_is_found_by_search_and_its_text_holds_the_values(worker, alice, mallory, ma_case):
    r = fill(alice, ma_case["id"], COMPLAINT, {"district_court": True, "defendant": "Zebulon Quackenbush"},
             allow_incomplete=True)
    assert r.status_code == 202, r.get_json()
    doc_id = r.get_json()["document"]["id"]
    job = wait_job(alice, r.get_json()["job"]["id"], worker)
    assert job["status"] == "SUCCEEDED", job.get("error")
    doc = alice.get(f"/api/v1/documents/{doc_id}").get_json()
    assert doc["status"] == "PROCESSED"

    # the party's name finds the form, with the value highlighted in its snippet
    found = search(alice, "Quackenbush")
    assert found["total"] == 1 and [i["document_id"] for i in found["items"]] == [doc_id]
    hit = found["items"][0]
    assert hit["document_type"] == "FORM" and hit["case_id"] == ma_case["id"]
    assert any("<mark>Quackenbush</mark>" in s for s in hit["snippets"]), hit
    assert [i["document_id"] for i in search(alice, "Zebulon Quackenbush", document_type="FORM",
                                            case_id=ma_case["id"])["items"]] == [doc_id]
    assert search(alice, "Quackenbush", document_type="MOTION")["total"] == 0
    assert doc_id in [i["document_id"] for i in search(alice, "2407RO000123")["items"]]   # a prefilled value

    # its text: the form's title and every filled value with its field label, one entry per page
    text = alice.get(f"/api/v1/documents/{doc_id}/text")
    assert text.status_code == 200, text.get_json()
    body = text.get_json()
    assert len(body["pages"]) == doc["page_count"] and [p["number"] for p in body["pages"]] == \
        list(range(1, doc["page_count"] + 1))
    assert {p["source"] for p in body["pages"]} == {"text_layer"}
    spec = library.get_form(COMPLAINT)
    labels = {f["name"]: f.get("label", f["name"]) for f in spec["fields"]}
    assert spec["title"] in body["text"]
    assert f"{labels['defendant']}: Zebulon Quackenbush" in body["text"]
    assert f"{labels['user_name_full']}: Jane Q. Doe" in body["text"]      # prefilled from the parties
    assert f"{labels['docket_number']}: 2407RO000123" in body["text"]       # prefilled from the case
    assert f"{labels['district_court']}: Yes" in body["text"]              # a ticked box
    assert labels["superior_court"] not in body["text"]                     # boxes left unticked say nothing

    # another tenant finds nothing
    assert search(mallory, "Quackenbush")["total"] == 0
    assert mallory.get(f"/api/v1/documents/{doc_id}/text").status_code == 404

    # deleted: gone from search like any document
    assert alice.delete(f"/api/v1/documents/{doc_id}").status_code == 204
    assert search(alice, "Quackenbush")["total"] == 0
    assert search(alice, "2407RO000123")["total"] == 0
    assert alice.get(f"/api/v1/documents/{doc_id}/text").status_code == 404


def test_overflowing_text_is_searchable_on_the_addendum_page(worker, alice, ma_case):
    story = "The landlord Ignatius Featherstonehaugh changed the locks. " + " ".join(
        f"Sentence {i}: on that day the defendant shouted and blocked the door." for i in range(90))
    r = fill(alice, ma_case["id"], AFFIDAVIT, {"affidavit_body": story, "incident_date": "2024-03-01"})
    assert r.status_code == 202, r.get_json()
    doc_id = r.get_json()["document"]["id"]
    job = wait_job(alice, r.get_json()["job"]["id"], worker)
    assert job["status"] == "SUCCEEDED", job.get("error")
    blank_pages = len(PdfReader(str(library.FORMS_DIR / library.get_form(AFFIDAVIT)["pdf"])).pages)
    pages = alice.get(f"/api/v1/documents/{doc_id}/text").get_json()["pages"]
    assert "See addendum, item 1" in pages[0]["text"] and "Featherstonehaugh" not in pages[0]["text"]
    assert "Featherstonehaugh" in pages[blank_pages]["text"] and "Sentence 89:" in pages[blank_pages]["text"]
    found = search(alice, "Featherstonehaugh")
    assert [i["document_id"] for i in found["items"]] == [doc_id] and found["items"][0]["pages"] == [blank_pages + 1]


def test_a_redelivered_store_rewrites_the_text_without_duplicates(alice, ma_case, unsent, app_ctx):
    import sqlalchemy as sa
    from app.extensions import db
    from app.models import DocumentPage, Job, SearchEntry
    from app.forms import filling as form_filling

    r = fill(alice, ma_case["id"], INDIGENCY, {"court": "Quinsigamond Housing Court"}, allow_incomplete=True)
    assert r.status_code == 202
    job_id, doc_id = r.get_json()["job"]["id"], r.get_json()["document"]["id"]
    assert FILL_TASK.apply(args=[job_id]).get() == "done"

    def rows():
        pages = db.session.execute(sa.select(sa.func.count()).select_from(DocumentPage)
                                   .where(DocumentPage.document_id == uuid.UUID(doc_id))).scalar()
        entries = db.session.execute(sa.select(SearchEntry.page_number)
                                     .where(SearchEntry.document_id == uuid.UUID(doc_id))).scalars().all()
        return pages, sorted(entries)

    before = rows()
    page_count = alice.get(f"/api/v1/documents/{doc_id}").get_json()["page_count"]
    assert before[0] == page_count and before[1][0] == 0 and len(before[1]) == len(set(before[1])) >= 2
    # The store step run again on the same document (a redelivery that finds it not yet done).
    job = db.session.get(Job, uuid.UUID(job_id))
    with form_filling.prepare(job) as filled:
        form_filling.store(job, filled)
    db.session.commit()
    assert rows() == before
    found = search(alice, "Quinsigamond")
    assert found["total"] == 1 and found["items"][0]["document_id"] == doc_id
    assert FILL_TASK.apply(args=[job_id]).get() == "noop"
    assert rows() == before


# ------------------------------------------------------------------------------------ forms for the case at hand

def test_forms_are_listed_by_jurisdiction_case_type_court_type_and_language(alice):
    def ids(**query):
        r = alice.get("/api/v1/forms", query_string={"per_page": 100, **query})
        assert r.status_code == 200, r.get_json()
        return {f["id"]: f for f in r.get_json()["items"]}

    everything = ids()
    assert len(everything) >= 30 and len({f["jurisdiction"] for f in everything.values()}) >= 6
    wv_eviction = ids(jurisdiction="US-WV", case_type="LANDLORD_TENANT")
    assert wv_eviction and all(f["jurisdiction"] == "US-WV" and "LANDLORD_TENANT" in f["case_types"]
                               for f in wv_eviction.values())
    assert "wv_sca_fc_112_motion_temporary_relief" not in wv_eviction   # a family-court form
    magistrate = ids(court_type="MAGISTRATE")
    assert "wv_civil_case_information_statement_any_court" in magistrate
    assert all("MAGISTRATE" in f["court_types"] for f in magistrate.values())
    assert set(ids(language="en")) == {k for k, f in everything.items() if f["language"] == "en"}
    ca = ids(jurisdiction="US-CA", case_type="LANDLORD_TENANT")
    assert "ca_ud105_answer_unlawful_detainer" in ca
    assert alice.get("/api/v1/forms?case_type=EVICTION").status_code == 422
    assert alice.get("/api/v1/forms?court_type=supreme").status_code == 422
    form = alice.get("/api/v1/forms/ca_ud105_answer_unlawful_detainer").get_json()
    assert form["origin"]["publisher"] == "Judicial Council of California" and len(form["origin"]["sha256"]) == 64


def test_wv_eviction_case_fills_from_the_case_and_the_profile_address_and_phone(worker, alice):
    r = alice.patch("/api/v1/auth/me", json={"phone": "304-555-0142", "address_line1": "45 Oak Ave",
                                             "address_line2": "Apt 2", "city": "Charleston", "state": "WV",
                                             "postal_code": "25302"})
    assert r.status_code == 200, r.get_json()
    case = alice.create_case(title="Mountain View Apartments v. Filer", case_type="LANDLORD_TENANT",
                             court_type="MAGISTRATE", jurisdiction="US-WV", county="Kanawha",
                             case_number="26-M20C-00417")
    for name, role, contact in (("Mountain View Apartments LLC", "PLAINTIFF", "12 Main St, Charleston, WV 25301"),
                                ("Alice Tenant", "DEFENDANT", None)):
        body = {"name": name, "role": role, **({"contact": contact} if contact else {})}
        assert alice.post(f"/api/v1/cases/{case['id']}/parties", json=body).status_code == 201

    r = fill(alice, case["id"], "wv_civil_case_information_statement_any_court", {"jury": "jury_no"})
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["missing_required"] == []
    assert "judge" in r.get_json()["unfilled"] and "court" not in r.get_json()["unfilled"]
    job = wait_job(alice, r.get_json()["job"]["id"], worker)
    assert job["status"] == "SUCCEEDED", job.get("error")
    got = field_values(download(alice, job["result"]["document_id"]))
    assert got["court"] == "Magistrate" and got["upper_county"] == "Kanawha"
    assert got["case_number"] == "26-M20C-00417"
    assert got["full_name"] == "Mountain View Apartments LLC"
    assert got["address"] == "12 Main St, Charleston, WV 25301"
    assert got["defendant_name"] == "Alice Tenant"
    assert got["attorney_address"] == "45 Oak Ave, Apt 2, Charleston, WV 25302"
    assert got["attorney_phone"] == "304-555-0142"
    assert got["without_attorney"] == "/Yes" and got["jury"] == "/jury_no"
    assert got["date"] == today_in().strftime("%m/%d/%Y")
