"""Accounts: registration, login, logout, tokens, CSRF, rate limits."""
import uuid

from tests.factories import VALID_PASSWORD


def test_register_creates_user_and_personal_org(client):
    email = f"new-{uuid.uuid4().hex[:8]}@example.test"
    r = client.post("/api/v1/auth/register", json={"email": email, "password": VALID_PASSWORD, "name": "New"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["user"]["email"] == email and body["user"]["user_type"] == "SELF_REPRESENTED"
    assert "password" not in body["user"] and "password_hash" not in body["user"]
    token = client.post("/api/v1/auth/login", json={"email": email, "password": VALID_PASSWORD}).get_json()["token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [o["role"] for o in me["organizations"] if o["personal"]] == ["OWNER"]


def test_duplicate_email_is_409(client, alice):
    r = client.post("/api/v1/auth/register", json={"email": alice.email.upper(), "password": VALID_PASSWORD,
                                                   "name": "Dup"})
    assert r.status_code == 409
    assert r.mimetype == "application/problem+json"


def test_short_password_is_422_naming_the_field(client):
    r = client.post("/api/v1/auth/register", json={"email": "x@example.test", "password": "short", "name": "X"})
    assert r.status_code == 422
    assert "password" in r.get_json()["errors"]


def test_wrong_password_and_unknown_email_get_the_same_401(client, alice):
    a = client.post("/api/v1/auth/login", json={"email": alice.email, "password": "wrong password 123"})
    b = client.post("/api/v1/auth/login", json={"email": "nobody@example.test", "password": "wrong password 123"})
    assert a.status_code == b.status_code == 401
    assert a.get_json()["detail"] == b.get_json()["detail"]


def test_logout_revokes_the_bearer_token(alice):
    assert alice.get("/api/v1/auth/me").status_code == 200
    assert alice.post("/api/v1/auth/logout").status_code == 204
    assert alice.get("/api/v1/auth/me").status_code == 401


def test_unauthenticated_requests_are_401(client):
    for path in ("/api/v1/auth/me", "/api/v1/cases", "/api/v1/organizations"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert r.mimetype == "application/problem+json"


def test_login_sets_httponly_samesite_cookie_and_cookie_auth_works(app, alice):
    c = app.test_client()
    r = c.post("/api/v1/auth/login", json={"email": alice.email, "password": alice.password})
    cookie = next(v for v in r.headers.getlist("Set-Cookie") if v.startswith("caseos_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert c.get("/api/v1/auth/me").status_code == 200


def test_csrf_required_for_cookie_writes_not_for_bearer(app, alice):
    c = app.test_client()
    c.post("/api/v1/auth/login", json={"email": alice.email, "password": alice.password})
    payload = {"title": "T", "case_type": "OTHER", "court_type": "STATE_TRIAL", "jurisdiction": "US-MA"}
    r = c.post("/api/v1/cases", json=payload)
    assert r.status_code == 403 and r.get_json()["code"] == "csrf_failed"
    r = c.post("/api/v1/cases", json=payload, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    token = c.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    assert c.post("/api/v1/cases", json=payload, headers={"X-CSRF-Token": token}).status_code == 201
    # Bearer requests carry no ambient credential, so no CSRF token is needed.
    assert alice.post("/api/v1/cases", json=payload).status_code == 201


def test_cookie_logout_revokes_session_server_side(app, alice):
    c = app.test_client()
    c.post("/api/v1/auth/login", json={"email": alice.email, "password": alice.password})
    stolen = c.get_cookie("caseos_session").value
    token = c.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    assert c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    replay = app.test_client()
    replay.set_cookie("caseos_session", stolen)
    assert replay.get("/api/v1/auth/me").status_code == 401


def test_new_session_id_at_each_login(app, alice):
    c = app.test_client()
    c.post("/api/v1/auth/login", json={"email": alice.email, "password": alice.password})
    first = c.get_cookie("caseos_session").value
    c.post("/api/v1/auth/login", json={"email": alice.email, "password": alice.password})
    assert c.get_cookie("caseos_session").value != first


def test_password_change_revokes_every_session_and_token(app, make_user):
    u = make_user()
    other = app.test_client()
    other_token = other.post("/api/v1/auth/login", json={"email": u.email, "password": u.password}).get_json()["token"]
    r = u.post("/api/v1/auth/password", json={"current_password": u.password, "new_password": "a brand new passphrase"})
    assert r.status_code == 204
    assert u.get("/api/v1/auth/me").status_code == 401
    assert other.get("/api/v1/auth/me").status_code == 401
    assert other.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other_token}"}).status_code == 401
    assert other.post("/api/v1/auth/login", json={"email": u.email, "password": "a brand new passphrase"}).status_code == 200


def test_rate_limit_answers_429_with_retry_after(other_app):
    app = other_app(RATELIMIT_AUTH="3 per minute", RATELIMIT_KEY_PREFIX=f"rl-{uuid.uuid4().hex}")
    c = app.test_client()
    victim = f"victim-{uuid.uuid4().hex[:8]}@example.test"
    codes = [c.post("/api/v1/auth/login", json={"email": victim, "password": "x" * 12}).status_code
             for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3] == 429
    r = c.post("/api/v1/auth/login", json={"email": victim, "password": "x" * 12})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.mimetype == "application/problem+json"
    # The owner, from another address, is not locked out.
    r = c.post("/api/v1/auth/login", json={"email": victim, "password": "x" * 12},
               environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert r.status_code == 401


def test_profile_address_and_phone_are_set_read_and_cleared(alice):
    contact = {"phone": "304-555-0142", "address_line1": "45 Oak Ave", "address_line2": "Apt 2",
               "city": "Charleston", "state": "WV", "postal_code": "25302"}
    r = alice.patch("/api/v1/auth/me", json=contact)
    assert r.status_code == 200, r.get_json()
    assert {k: r.get_json()["user"][k] for k in contact} == contact
    me = alice.get("/api/v1/auth/me").get_json()["user"]
    assert {k: me[k] for k in contact} == contact
    # a partial update leaves the rest; null or "" clears one field
    r = alice.patch("/api/v1/auth/me", json={"address_line2": None, "phone": "  "})
    me = r.get_json()["user"]
    assert me["address_line2"] is None and me["phone"] is None and me["city"] == "Charleston"
    # one line each, bounded
    assert alice.patch("/api/v1/auth/me", json={"city": "Charleston\nWV"}).status_code == 422
    assert alice.patch("/api/v1/auth/me", json={"postal_code": "9" * 21}).status_code == 422
    assert alice.get("/api/v1/auth/me").get_json()["user"]["postal_code"] == "25302"
