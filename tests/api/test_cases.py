"""Cases and parties: validation, pagination, soft delete, timeline, conflicts."""


def test_create_and_get_case(alice):
    case = alice.create_case(title="Doe v. Roe", dispute_amount="1250.00", filing_deadline="2027-01-15")
    assert case["dispute_amount"] == "1250.00" and case["status"] == "OPEN"
    assert case["document_count"] == 0 and case["next_deadlines"] == []
    got = alice.get(f"/api/v1/cases/{case['id']}").get_json()["case"]
    assert got["title"] == "Doe v. Roe" and got["filing_deadline"] == "2027-01-15"


def test_validation_errors_name_every_bad_field(alice):
    r = alice.post("/api/v1/cases", json={"title": "", "case_type": "NOPE", "court_type": "STATE_TRIAL",
                                          "jurisdiction": "west virginia"})
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert {"title", "case_type", "jurisdiction"} <= set(errors)


def test_unknown_fields_are_rejected_and_never_change_ownership(alice, mallory):
    r = alice.post("/api/v1/cases", json={"title": "T", "case_type": "OTHER", "court_type": "STATE_TRIAL",
                                          "jurisdiction": "US-MA", "organization_id": mallory.org_id})
    assert r.status_code == 422 and "organization_id" in r.get_json()["errors"]


def test_malformed_json_is_400(alice):
    r = alice.post("/api/v1/cases", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"


def test_list_pagination_totals_and_order(make_user):
    u = make_user()
    ids = [u.create_case(title=f"Case {i}")["id"] for i in range(5)]
    r = u.get("/api/v1/cases?page=1&per_page=2").get_json()
    assert r["total"] == 5 and r["page"] == 1 and r["per_page"] == 2
    assert [c["id"] for c in r["items"]] == ids[::-1][:2]
    r3 = u.get("/api/v1/cases?page=3&per_page=2").get_json()
    assert [c["id"] for c in r3["items"]] == [ids[0]]
    assert u.get("/api/v1/cases?per_page=101").status_code == 422


def test_list_filters_and_q(make_user):
    u = make_user()
    u.create_case(title="Eviction on Main Street", case_type="LANDLORD_TENANT")
    u.create_case(title="Divorce", case_type="FAMILY_LAW")
    assert u.get("/api/v1/cases?q=main street").get_json()["total"] == 1
    assert u.get("/api/v1/cases?case_type=FAMILY_LAW").get_json()["items"][0]["title"] == "Divorce"
    assert u.get("/api/v1/cases?q=100%25").get_json()["total"] == 0


def test_patch_and_timeline_shows_status_change(alice):
    case = alice.create_case()
    r = alice.patch(f"/api/v1/cases/{case['id']}", json={"status": "ACTIVE"})
    assert r.status_code == 200 and r.get_json()["case"]["status"] == "ACTIVE"
    items = alice.get(f"/api/v1/cases/{case['id']}/timeline").get_json()["items"]
    assert [i["kind"] for i in items] == ["case_created", "status_changed"]


def test_soft_deleted_case_vanishes_from_get_and_list(make_user):
    u = make_user()
    case = u.create_case()
    assert u.delete(f"/api/v1/cases/{case['id']}").status_code == 204
    assert u.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert u.get("/api/v1/cases").get_json()["total"] == 0
    assert u.get(f"/api/v1/cases/{case['id']}/parties").status_code == 404


def test_parties_crud_and_conflict_check(make_user):
    u = make_user()
    c1 = u.create_case(title="First")
    c2 = u.create_case(title="Second")
    r = u.post(f"/api/v1/cases/{c1['id']}/parties", json={"name": "ACME Property Management, LLC", "role": "LANDLORD"})
    assert r.status_code == 201
    party = r.get_json()["party"]
    u.post(f"/api/v1/cases/{c2['id']}/parties", json={"name": "John Q. Smith", "role": "DEFENDANT"})
    hits = u.get("/api/v1/conflicts?name=Acme Property Management").get_json()["items"]
    assert [h["case_id"] for h in hits] == [c1["id"]] and hits[0]["role"] == "LANDLORD"
    assert u.get("/api/v1/conflicts?name=Smith John Q").get_json()["items"][0]["case_id"] == c2["id"]
    assert u.get("/api/v1/conflicts?name=Nobody Related").get_json()["items"] == []
    r = u.patch(f"/api/v1/parties/{party['id']}", json={"role": "PLAINTIFF"})
    assert r.get_json()["party"]["role"] == "PLAINTIFF"
    assert u.delete(f"/api/v1/parties/{party['id']}").status_code == 204
    assert u.get(f"/api/v1/cases/{c1['id']}/parties").get_json()["items"] == []
