"""Analysis as a pipeline step: the contract's analysis object, and what it finds flows into the case."""
import datetime as dt

import pytest

from tests.e2e.helpers import upload, wait_document

pytestmark = pytest.mark.e2e

_ISSUED = dt.date.today() - dt.timedelta(days=6)
# The answer date is in the future whenever the test runs: past deadlines are (rightly) not suggested.
_DUE = dt.date.today() + dt.timedelta(days=44)

SUMMONS = ("""IN THE UNITED STATES DISTRICT COURT
FOR THE SOUTHERN DISTRICT OF WEST VIRGINIA

JANE DOE,
        Plaintiff,
v.                                              Civil Action No. 2:26-cv-00123
ACME PROPERTY MANAGEMENT, LLC,
        Defendant.

SUMMONS IN A CIVIL ACTION

To: ACME Property Management, LLC

A lawsuit has been filed against you. Within 21 days after service of this summons on you
(not counting the day you received it) you must serve on the plaintiff an answer to the
attached complaint or a motion under Rule 12 of the Federal Rules of Civil Procedure.
The answer must be filed no later than {due}.
If you fail to respond, judgment by default will be entered against you for the relief
demanded in the complaint, including $4,500.00 in damages under 28 U.S.C. \u00a7 1332.

Date: {issued}                          CLERK OF COURT
""").format(due=f"{_DUE:%B} {_DUE.day}, {_DUE.year}",
                 issued=f"{_ISSUED:%B} {_ISSUED.day}, {_ISSUED.year}").encode()


def test_analysis_object_and_case_suggestions(worker, make_user):
    u = make_user()
    case = u.create_case(title="Doe v. ACME", case_type="CIVIL_LITIGATION", court_type="FEDERAL_DISTRICT",
                         jurisdiction="US-FED")
    doc = upload(u, case["id"], SUMMONS, filename="summons.txt").get_json()["document"]
    assert wait_document(u, doc["id"])["status"] == "PROCESSED"
    a = u.get(f"/api/v1/documents/{doc['id']}/analysis").get_json()
    for key in ("document_type", "summary", "parties", "case_numbers", "courts", "dates", "deadlines", "amounts",
                "citations", "key_concepts", "issues", "next_steps", "provider", "disclaimer"):
        assert key in a, key
    assert a["provider"] == "local" and "legal advice" in a["disclaimer"].lower()
    # the same sentences as messages a client can translate: English text, stable id, values (an ISO date)
    assert [m["text"] for m in a["next_step_messages"]] == a["next_steps"]
    assert [m["text"] for m in a["issue_messages"]] == a["issues"]
    assert any(m["params"].get("date") == _DUE.isoformat() for m in a["next_step_messages"])
    assert a["document_type"] == "summons"
    # It suggests the federal rules' trigger for a summons, with why (the case is in federal court).
    assert a["suggestions"]["jurisdiction"] == "US-FED"
    assert a["suggestions"]["triggers"][0]["id"] == "service_of_summons_and_complaint"
    assert "summons" in a["suggestions"]["triggers"][0]["why"]
    text = SUMMONS.decode()
    for group in ("parties", "case_numbers", "dates", "deadlines", "amounts", "citations"):
        for item in a[group]:
            assert item["quote"] in text, (group, item)  # every item carries the quote it came from
    assert {p["role"] for p in a["parties"]} >= {"PLAINTIFF", "DEFENDANT"}
    assert any("2:26-cv-00123" in c["value"] for c in a["case_numbers"])
    assert any(d["due_date"] == _DUE.isoformat() for d in a["deadlines"])
    assert any(x["value"] == "4500.00" for x in a["amounts"])
    assert any("1332" in c["text"] for c in a["citations"])
    assert u.get(f"/api/v1/documents/{doc['id']}").get_json()["document_type"] == "NOTICE"
    parties = u.get(f"/api/v1/cases/{case['id']}/parties").get_json()["items"]
    found = {(p["role"], p["source_document_id"]) for p in parties}
    assert ("PLAINTIFF", doc["id"]) in found and ("DEFENDANT", doc["id"]) in found
    deadlines = u.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["items"]
    suggested = [d for d in deadlines if d["status"] == "SUGGESTED"]
    assert any(d["due_date"] == _DUE.isoformat() and d["source_document_id"] == doc["id"] and d["quote"]
               for d in suggested), deadlines
    # Reprocessing does not duplicate parties or suggestions.
    r = u.post(f"/api/v1/documents/{doc['id']}/reprocess")
    assert r.status_code == 202
    wait_document(u, doc["id"])
    import time
    deadline = time.time() + 60
    while time.time() < deadline:
        job = u.get(f"/api/v1/jobs/{r.get_json()['job']['id']}").get_json()
        if job["status"] == "SUCCEEDED":
            break
        time.sleep(0.3)
    assert len(u.get(f"/api/v1/cases/{case['id']}/parties").get_json()["items"]) == len(parties)
    again = [d for d in u.get(f"/api/v1/cases/{case['id']}/deadlines").get_json()["items"] if d["status"] == "SUGGESTED"]
    assert len(again) == len(suggested)
