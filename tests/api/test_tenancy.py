"""Tenant isolation: another tenant's resource is 404 on every verb and nothing changes; VIEWERs cannot write."""
import pytest

from tests.factories import case_payload, join


@pytest.fixture()
def alice_case(alice):
    case = alice.create_case(title="Alice private case")
    party = alice.post(f"/api/v1/cases/{case['id']}/parties", json={"name": "Alice Party", "role": "TENANT"}).get_json()["party"]
    return case, party


def test_other_tenant_gets_404_for_every_case_and_party_endpoint(alice, mallory, alice_case):
    case, party = alice_case
    cid, pid = case["id"], party["id"]
    calls = [
        ("get", f"/api/v1/cases/{cid}", None), ("patch", f"/api/v1/cases/{cid}", {"title": "pwned"}),
        ("delete", f"/api/v1/cases/{cid}", None), ("get", f"/api/v1/cases/{cid}/timeline", None),
        ("get", f"/api/v1/cases/{cid}/parties", None),
        ("post", f"/api/v1/cases/{cid}/parties", {"name": "X", "role": "OTHER"}),
        ("patch", f"/api/v1/parties/{pid}", {"name": "pwned"}), ("delete", f"/api/v1/parties/{pid}", None),
    ]
    for method, path, body in calls:
        r = getattr(mallory, method)(path, json=body) if body else getattr(mallory, method)(path)
        assert r.status_code == 404, (method, path, r.status_code)
    assert mallory.get("/api/v1/cases").get_json()["total"] == 0
    assert mallory.get("/api/v1/conflicts?name=Alice Party").get_json()["items"] == []
    # Selecting Alice's organization explicitly does not help either.
    assert mallory.get("/api/v1/cases", org=alice.org_id).status_code == 404
    # Nothing changed.
    got = alice.get(f"/api/v1/cases/{cid}").get_json()["case"]
    assert got["title"] == "Alice private case"
    assert alice.get(f"/api/v1/cases/{cid}/parties").get_json()["items"][0]["name"] == "Alice Party"


def test_viewer_can_read_but_not_write(make_user):
    owner, viewer = make_user(), make_user()
    org = owner.post("/api/v1/organizations", json={"name": "Legal Aid of Kanawha"}).get_json()
    join(owner, viewer, org["id"], "VIEWER")
    case = owner.create_case(org=org["id"])
    assert viewer.get(f"/api/v1/cases/{case['id']}", org=org["id"]).status_code == 200
    assert viewer.get("/api/v1/cases", org=org["id"]).get_json()["total"] == 1
    assert viewer.patch(f"/api/v1/cases/{case['id']}", json={"title": "x"}, org=org["id"]).status_code == 403
    assert viewer.delete(f"/api/v1/cases/{case['id']}", org=org["id"]).status_code == 403
    assert viewer.post("/api/v1/cases", json=case_payload(), org=org["id"]).status_code == 403
    assert viewer.post(f"/api/v1/cases/{case['id']}/parties", json={"name": "X", "role": "OTHER"},
                       org=org["id"]).status_code == 403
    # Only an OWNER manages members.
    assert viewer.post(f"/api/v1/organizations/{org['id']}/members",
                       json={"email": viewer.email, "role": "OWNER"}).status_code == 403


def test_member_of_shared_org_sees_its_cases_not_owners_personal_ones(make_user):
    owner, member = make_user(), make_user()
    personal = owner.create_case(title="personal")
    org = owner.post("/api/v1/organizations", json={"name": "Clinic"}).get_json()
    join(owner, member, org['id'], "MEMBER")
    shared = owner.create_case(org=org["id"], title="shared")
    assert member.get(f"/api/v1/cases/{personal['id']}").status_code == 404
    assert member.patch(f"/api/v1/cases/{shared['id']}", json={"title": "edited"}, org=org["id"]).status_code == 200
