"""Staff powers come from a role an OWNER grants, never from a field the user sets (issue 16, finding 4).

`user_type: STAFF` was chosen at registration and let even a VIEWER read every member's chats
and research jobs. It is still accepted (older clients send it) but grants nothing; the
organization's STAFF role, which only an OWNER can give, does.
"""
from __future__ import annotations

from tests.factories import join


def _chat(user, case_id, org):
    r = user.post(f"/api/v1/cases/{case_id}/chat", json={"message": "What happens next?"}, org=org)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    body = r.get_data(as_text=True)
    return body.split('"chat_id": "', 1)[1].split('"', 1)[0] if '"chat_id": "' in body else \
        body.split('"chat_id":"', 1)[1].split('"', 1)[0]


def _world(make_user):
    owner = make_user(name="Olivia Owner")
    self_declared = make_user(name="Sam Selfdeclared", user_type="STAFF")
    org = owner.post("/api/v1/organizations", json={"name": "Clinic"}).get_json()["id"]
    join(owner, self_declared, org, "VIEWER")
    case = owner.create_case(org=org)
    chat_id = _chat(owner, case["id"], org)
    r = owner.post("/api/v1/research", json={"topic": "Time to answer an eviction complaint", "jurisdiction": "US-WV"},
                   org=org)
    assert r.status_code == 202, r.get_json()
    return owner, self_declared, org, case, chat_id


def test_a_self_declared_staff_user_sees_only_its_own_chats_and_jobs(make_user):
    owner, sam, org, case, chat_id = _world(make_user)
    assert sam.get(f"/api/v1/cases/{case['id']}/chats/{chat_id}", org=org).status_code == 404
    assert sam.get(f"/api/v1/cases/{case['id']}/chats", org=org).get_json()["total"] == 0
    assert owner.get("/api/v1/jobs", org=org).get_json()["total"] >= 1
    assert sam.get("/api/v1/jobs", org=org).get_json()["total"] == 0  # not the owner's research


def test_the_staff_role_an_owner_grants_gives_the_organization_wide_view(make_user):
    owner, sam, org, case, chat_id = _world(make_user)
    staff = make_user(name="Stella Staff")
    join(owner, staff, org, "STAFF")
    assert staff.get(f"/api/v1/cases/{case['id']}/chats/{chat_id}", org=org).status_code == 200
    assert staff.get(f"/api/v1/cases/{case['id']}/chats", org=org).get_json()["total"] == 1
    assert staff.get("/api/v1/jobs", org=org).get_json()["total"] >= 1
    me = staff.get("/api/v1/auth/me").get_json()
    assert {o["id"]: o["role"] for o in me["organizations"]}[org] == "STAFF"
    # STAFF may work on cases, but not manage the organization
    assert staff.patch(f"/api/v1/cases/{case['id']}", json={"title": "Renamed"}, org=org).status_code == 200
    r = staff.post(f"/api/v1/organizations/{org}/members", json={"email": sam.email, "role": "STAFF"})
    assert r.status_code == 403
    assert staff.patch(f"/api/v1/organizations/{org}", json={"allow_external_ai": True}).status_code == 403
    # and it reads, not writes, another member's chat
    r = staff.post(f"/api/v1/cases/{case['id']}/chat", json={"message": "More?", "chat_id": chat_id}, org=org)
    assert r.status_code == 403


def test_user_type_is_still_accepted_but_documented_as_granting_nothing(app, make_user):
    u = make_user(user_type="STAFF")
    assert u.user["user_type"] == "STAFF"
    spec = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "no power" in spec["RegisterIn"]["properties"]["user_type"]["description"].lower()
    assert "STAFF" in spec["MemberIn"]["properties"]["role"]["enum"]
