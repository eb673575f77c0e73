"""Membership is an invitation the invitee accepts (issue 16, finding 3).

`POST /organizations/{id}/members` added any registered account without its consent, told
whether an e-mail had an account, was never limited, and the adder could then send the
victim reminders with any text ("URGENT: verify your account at http://evil.example").
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from tests.factories import join


def _org(owner, name="Clinic"):
    return owner.post("/api/v1/organizations", json={"name": name}).get_json()["id"]


def _orgs_of(user):
    return {o["id"]: o["role"] for o in user.get("/api/v1/auth/me").get_json()["organizations"]}


def _invite(owner, org, email, role="MEMBER"):
    return owner.post(f"/api/v1/organizations/{org}/members", json={"email": email, "role": role})


def test_an_invitation_changes_nothing_until_the_invitee_accepts(make_user):
    owner, invitee = make_user(), make_user()
    org = _org(owner)
    r = _invite(owner, org, invitee.email, "VIEWER")
    assert r.status_code == 202, r.get_json()
    assert org not in _orgs_of(invitee)
    assert invitee.get("/api/v1/cases", org=org).status_code == 404
    pending = invitee.get("/api/v1/invitations").get_json()["items"]
    assert [(i["organization"]["id"], i["role"]) for i in pending] == [(org, "VIEWER")]
    assert invitee.post(f"/api/v1/invitations/{pending[0]['id']}/accept").status_code == 200
    assert _orgs_of(invitee)[org] == "VIEWER"
    assert invitee.get("/api/v1/invitations").get_json()["items"] == []


def test_a_declined_invitation_leaves_no_membership(make_user):
    owner, invitee = make_user(), make_user()
    org = _org(owner)
    _invite(owner, org, invitee.email)
    inv = invitee.get("/api/v1/invitations").get_json()["items"][0]
    assert invitee.delete(f"/api/v1/invitations/{inv['id']}").status_code == 204
    assert org not in _orgs_of(invitee)
    assert invitee.post(f"/api/v1/invitations/{inv['id']}/accept").status_code == 404


def test_only_the_invitee_can_accept(make_user):
    owner, invitee, other = make_user(), make_user(), make_user()
    org = _org(owner)
    _invite(owner, org, invitee.email)
    inv = invitee.get("/api/v1/invitations").get_json()["items"][0]
    assert other.post(f"/api/v1/invitations/{inv['id']}/accept").status_code == 404
    assert owner.post(f"/api/v1/invitations/{inv['id']}/accept").status_code == 404
    assert org not in _orgs_of(other)


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(make_user):
    owner, existing = make_user(), make_user()
    org = _org(owner)
    a = _invite(owner, org, existing.email)
    b = _invite(owner, org, f"nobody-{uuid.uuid4().hex[:8]}@example.test")
    assert a.status_code == b.status_code == 202
    strip = lambda body: {k: v for k, v in body.items() if k not in ("email", "expires_at")}  # noqa: E731
    assert strip(a.get_json()) == strip(b.get_json())


def test_someone_who_registers_later_finds_the_invitation(make_user):
    owner = make_user()
    org = _org(owner)
    email = f"later-{uuid.uuid4().hex[:8]}@example.test"
    assert _invite(owner, org, email).status_code == 202
    newcomer = make_user(email=email)
    assert [i["organization"]["id"] for i in newcomer.get("/api/v1/invitations").get_json()["items"]] == [org]


def test_invitations_are_rate_limited(monkeypatch, make_user):
    from tests.attacks.test_passwords import _limited_app
    owner = make_user()
    monkeypatch.setenv("RATELIMIT_INVITE", "5 per hour")
    app = _limited_app(monkeypatch)
    c = app.test_client()
    org = _org(owner)
    codes = [c.post(f"/api/v1/organizations/{org}/members", json={"email": f"probe{i}@example.test", "role": "VIEWER"},
                    headers=owner.headers()).status_code for i in range(8)]
    assert codes[:5] == [202] * 5 and set(codes[5:]) == {429}, codes


def test_members_can_leave_and_owners_can_remove_them(make_user):
    owner, member, other = make_user(), make_user(), make_user()
    org = _org(owner)
    join(owner, member, org, "MEMBER")
    join(owner, other, org, "VIEWER")
    case = owner.create_case(org=org)
    listed = owner.get(f"/api/v1/organizations/{org}/members").get_json()["items"]
    assert {m["user_id"]: m["role"] for m in listed} == {owner.id: "OWNER", member.id: "MEMBER", other.id: "VIEWER"}
    assert member.delete(f"/api/v1/organizations/{org}/members/{member.id}").status_code == 204
    assert member.get(f"/api/v1/cases/{case['id']}", org=org).status_code == 404
    assert org not in _orgs_of(member)
    # A VIEWER cannot remove anyone else; an OWNER can
    assert other.delete(f"/api/v1/organizations/{org}/members/{owner.id}").status_code == 403
    assert owner.delete(f"/api/v1/organizations/{org}/members/{other.id}").status_code == 204
    assert org not in _orgs_of(other)
    # The last OWNER cannot leave (the organization would have nobody to manage it); nor can anyone leave
    # their personal organization.
    assert owner.delete(f"/api/v1/organizations/{org}/members/{owner.id}").status_code == 409
    assert owner.delete(f"/api/v1/organizations/{owner.org_id}/members/{owner.id}").status_code == 409


def test_an_owner_changes_a_members_role(make_user):
    owner, member = make_user(), make_user()
    org = _org(owner)
    join(owner, member, org, "VIEWER")
    r = owner.patch(f"/api/v1/organizations/{org}/members/{member.id}", json={"role": "STAFF"})
    assert r.status_code == 200, r.get_json()
    assert _orgs_of(member)[org] == "STAFF"
    assert member.patch(f"/api/v1/organizations/{org}/members/{owner.id}", json={"role": "VIEWER"}).status_code == 403


def test_links_written_by_others_never_reach_a_reminder_as_links(app_ctx):
    from app.cases.notifications import reminder_text
    deadline = SimpleNamespace(title="URGENT: verify your account at http://evil.example/login or www.evil.example",
                               due_date=date(2031, 1, 10), due_time=None, rule="see https://evil.example/rule",
                               citation="W. Va. Code § 55-3A-1; evil.example")
    case = SimpleNamespace(id=uuid.uuid4(), title="Reset at evil.example now", organization_id=uuid.uuid4())
    user = SimpleNamespace(timezone="America/New_York")
    title, body = reminder_text(deadline, case, user, datetime(2031, 1, 3, 12, tzinfo=timezone.utc) - timedelta(0),
                                org_name="Support at http://evil.example")
    for text in (title, body):
        assert "evil.example" not in text and "http://evil" not in text and "www.evil" not in text, text
    assert "evil[.]example" in body  # still readable, as plain text
    assert "W. Va. Code § 55-3A-1" in body
    assert "/cases/" in body  # the one link CaseOS writes itself stays
