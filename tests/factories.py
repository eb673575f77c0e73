"""Test helpers that act as an API client would."""
from __future__ import annotations

import uuid

VALID_PASSWORD = "correct horse battery staple"


def case_payload(**kw):
    data = {"title": "Smith v. Jones eviction", "case_type": "LANDLORD_TENANT", "court_type": "MAGISTRATE",
            "jurisdiction": "US-WV", "county": "Kanawha"}
    data.update(kw)
    return data


class ApiUser:
    """A signed-in user with a bearer token and its own test client (its own cookie jar)."""

    def __init__(self, app, client, user, token, email, password):
        self.app, self.client, self.user, self.token = app, client, user, token
        self.email, self.password = email, password
        self.org_id = None

    @classmethod
    def register(cls, app, name="Test User", email=None, password=VALID_PASSWORD, user_type="SELF_REPRESENTED"):
        client = app.test_client()
        email = email or f"user-{uuid.uuid4().hex[:12]}@example.test"
        r = client.post("/api/v1/auth/register", json={"email": email, "password": password, "name": name,
                                                       "user_type": user_type})
        assert r.status_code == 201, r.get_json()
        r = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        u = cls(app, client, body["user"], body["token"], email, password)
        me = u.get("/api/v1/auth/me").get_json()
        u.org_id = next(o["id"] for o in me["organizations"] if o["personal"])
        return u

    @property
    def id(self):
        return self.user["id"]

    def headers(self, org=None, extra=None):
        h = {"Authorization": f"Bearer {self.token}"}
        if org:
            h["X-Organization-Id"] = str(org)
        h.update(extra or {})
        return h

    def _call(self, method, path, org=None, headers=None, **kw):
        return getattr(self.client, method)(path, headers=self.headers(org, headers), **kw)

    def get(self, path, **kw):
        return self._call("get", path, **kw)

    def post(self, path, **kw):
        return self._call("post", path, **kw)

    def patch(self, path, **kw):
        return self._call("patch", path, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)

    def create_case(self, org=None, **kw):
        r = self.post("/api/v1/cases", json=case_payload(**kw), org=org)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["case"]


def join(owner: "ApiUser", member: "ApiUser", org_id, role: str = "MEMBER"):
    """Make member a member of owner's organization with this role, the way clients do it: the OWNER
    invites, the invitee accepts."""
    r = owner.post(f"/api/v1/organizations/{org_id}/members", json={"email": member.email, "role": role})
    assert r.status_code == 202, r.get_json()
    pending = [i for i in member.get("/api/v1/invitations").get_json()["items"]
               if i["organization"]["id"] == str(org_id)]
    assert pending, "the invitation should be waiting for the invitee"
    r = member.post(f"/api/v1/invitations/{pending[0]['id']}/accept")
    assert r.status_code == 200, r.get_json()
    return r.get_json()
