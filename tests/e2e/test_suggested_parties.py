"""Parties read from a document are SUGGESTED until a person confirms them; only confirmed parties feed
the conflict check (issue 11)."""
import pytest

from tests.e2e.helpers import upload, wait_document
from tests.e2e.test_analysis_pipeline import SUMMONS

pytestmark = pytest.mark.e2e


def test_document_parties_are_suggested_and_count_for_conflicts_once_confirmed(worker, make_user):
    u = make_user()
    case = u.create_case(title="Doe v. ACME", case_type="CIVIL_LITIGATION", court_type="FEDERAL_DISTRICT",
                         jurisdiction="US-FED")
    doc = upload(u, case["id"], SUMMONS, filename="summons.txt").get_json()["document"]
    assert wait_document(u, doc["id"])["status"] == "PROCESSED"
    parties = u.get(f"/api/v1/cases/{case['id']}/parties").get_json()["items"]
    from_doc = [p for p in parties if p["source_document_id"] == doc["id"]]
    assert from_doc and all(p["status"] == "SUGGESTED" for p in from_doc)
    acme = next(p for p in from_doc if p["role"] == "DEFENDANT")

    # a party only suggested by the analyzer neither raises nor hides a conflict
    assert u.get("/api/v1/conflicts?name=Acme Property Management").get_json()["items"] == []

    r = u.patch(f"/api/v1/parties/{acme['id']}", json={"status": "CONFIRMED"})
    assert r.status_code == 200 and r.get_json()["party"]["status"] == "CONFIRMED"
    hits = u.get("/api/v1/conflicts?name=Acme Property Management").get_json()["items"]
    assert [h["party_id"] for h in hits] == [acme["id"]]

    # a party added by hand is confirmed from the start; a status outside the list is refused
    mine = u.post(f"/api/v1/cases/{case['id']}/parties", json={"name": "Rita Moreno", "role": "WITNESS"}).get_json()
    assert mine["party"]["status"] == "CONFIRMED"
    assert u.patch(f"/api/v1/parties/{acme['id']}", json={"status": "MAYBE"}).status_code == 422
