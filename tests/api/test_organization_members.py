"""An organization's OWNER sees who is in it and with which role; nobody else does."""
from tests.factories import join


def _team(owner, *people):
    org = owner.post("/api/v1/organizations", json={"name": "Legal Aid North"}).get_json()
    for person, role in people:
        join(owner, person, org["id"], role)  # invited, then accepted by the person
    return org["id"]


def test_the_owner_lists_members_with_names_and_roles_owners_first(make_user):
    owner, staff, viewer = make_user(name="Olga Owner"), make_user(name="Sam Staff"), make_user(name="Vic Viewer")
    org = _team(owner, (viewer, "VIEWER"), (staff, "MEMBER"))
    r = owner.get(f"/api/v1/organizations/{org}/members", org=org)
    assert r.status_code == 200, r.get_json()
    got = [(m["name"], m["email"], m["role"]) for m in r.get_json()["items"]]
    assert got[0] == ("Olga Owner", owner.email, "OWNER")
    assert set(got[1:]) == {("Sam Staff", staff.email, "MEMBER"), ("Vic Viewer", viewer.email, "VIEWER")}


def test_a_role_change_shows_in_the_list(make_user):
    owner, staff = make_user(), make_user()
    org = _team(owner, (staff, "MEMBER"))
    r = owner.patch(f"/api/v1/organizations/{org}/members/{staff.id}", json={"role": "VIEWER"}, org=org)
    assert r.status_code == 200, r.get_json()
    roles = {m["user_id"]: m["role"] for m in owner.get(f"/api/v1/organizations/{org}/members", org=org)
             .get_json()["items"]}
    assert roles[staff.id] == "VIEWER"


def test_members_who_are_not_owners_and_strangers_cannot_list(make_user):
    owner, staff, stranger = make_user(), make_user(), make_user()
    org = _team(owner, (staff, "MEMBER"))
    assert staff.get(f"/api/v1/organizations/{org}/members", org=org).status_code == 403
    assert stranger.get(f"/api/v1/organizations/{org}/members").status_code == 404
