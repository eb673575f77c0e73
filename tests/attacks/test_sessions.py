"""Sessions and tokens (guarantee 11): revocation is server-side, login rotates the session,
cookies carry the right flags, and every cookie-authenticated write needs the CSRF token.

tests/api/test_auth.py covers single logout, a fresh session id per login and the password
change for bearer tokens; this file covers the rest, and CSRF on every unsafe operation of
the OpenAPI document rather than one.
"""
from __future__ import annotations

import hashlib
import uuid

import pytest

from tests.attacks.conftest import pg, tenant_snapshot, snapshot_diff
from tests.attacks.openapi_ops import request_kwargs
from tests.factories import ApiUser, case_payload

COOKIE = "caseos_session"


def _session_cookie(response) -> str:
    """The session cookie's Set-Cookie line (a sign-in also sets the device cookie)."""
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith(COOKIE + "="))


def _cookie_login(app, user):
    c = app.test_client()
    r = c.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert r.status_code == 200
    return c, r


def _replay(app, cookie_value):
    c = app.test_client()
    c.set_cookie(COOKIE, cookie_value)
    return c.get("/api/v1/auth/me").status_code


def _bearer(app, token):
    return app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_logout_all_revokes_every_session_and_token_server_side(app, make_user):
    u, other = make_user(), make_user()
    tokens = [app.test_client().post("/api/v1/auth/login", json={"email": u.email, "password": u.password})
              .get_json()["token"] for _ in range(3)]
    cookies = []
    for _ in range(2):
        c, _ = _cookie_login(app, u)
        cookies.append(c.get_cookie(COOKIE).value)
    assert all(_bearer(app, t) == 200 for t in tokens) and all(_replay(app, v) == 200 for v in cookies)
    assert u.post("/api/v1/auth/logout-all").status_code == 204
    assert [_bearer(app, t) for t in tokens + [u.token]] == [401] * 4
    assert [_replay(app, v) for v in cookies] == [401, 401]
    assert other.get("/api/v1/auth/me").status_code == 200  # nobody else is signed out


def test_password_change_revokes_cookie_sessions_too(app, make_user):
    u = make_user()
    c, _ = _cookie_login(app, u)
    stolen = c.get_cookie(COOKIE).value
    csrf = c.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    r = c.post("/api/v1/auth/password", json={"current_password": u.password, "new_password": "another long passphrase"},
               headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204
    assert _replay(app, stolen) == 401
    assert c.get("/api/v1/auth/me").status_code == 401


def test_cookie_logout_also_revokes_the_token_issued_by_the_same_sign_in(app, make_user):
    u = make_user()
    c, r = _cookie_login(app, u)
    token = r.get_json()["token"]  # a browser's script may have kept it
    csrf = c.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    assert c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert _bearer(app, token) == 401
    assert u.get("/api/v1/auth/me").status_code == 200  # another sign-in of the same user is untouched


def test_bearer_logout_also_revokes_the_session_cookie_sent_along(app, make_user):
    u = make_user()
    c, r = _cookie_login(app, u)
    cookie, token = c.get_cookie(COOKIE).value, r.get_json()["token"]
    assert c.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert _replay(app, cookie) == 401 and _bearer(app, token) == 401


def test_a_planted_session_cookie_is_replaced_at_login_and_never_upgraded(app, make_user):
    victim, attacker = make_user(), make_user()
    ac, _ = _cookie_login(app, attacker)
    planted = ac.get_cookie(COOKIE).value
    c = app.test_client()
    c.set_cookie(COOKIE, planted)  # fixation: the attacker's session in the victim's browser
    assert c.post("/api/v1/auth/login", json={"email": victim.email, "password": victim.password}).status_code == 200
    assert c.get_cookie(COOKIE).value != planted
    assert c.get("/api/v1/auth/me").get_json()["user"]["email"] == victim.email
    replay = app.test_client()
    replay.set_cookie(COOKIE, planted)
    assert replay.get("/api/v1/auth/me").get_json()["user"]["email"] == attacker.email  # never the victim


def test_forged_expired_and_disabled_credentials_are_refused(app, make_user):
    u = make_user()
    c = app.test_client()
    c.set_cookie(COOKIE, "eyJzaWQiOiJmb3JnZWQifQ.forged.signature")
    assert c.get("/api/v1/auth/me").status_code == 401
    assert _bearer(app, "cos_" + "A" * 43) == 401
    assert _bearer(app, u.token + "x") == 401
    with pg() as conn, conn.cursor() as cur:
        cur.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = %s",
                    (hashlib.sha256(u.token.encode()).hexdigest(),))
    assert u.get("/api/v1/auth/me").status_code == 401
    v = make_user()
    with pg() as conn, conn.cursor() as cur:
        cur.execute("UPDATE users SET is_active = false WHERE id = %s", (v.id,))
    assert v.get("/api/v1/auth/me").status_code == 401


def test_tokens_and_sessions_are_stored_only_as_hashes(app, make_user):
    u = make_user()
    c, r = _cookie_login(app, u)
    from flask.sessions import SecureCookieSessionInterface
    sid = SecureCookieSessionInterface().get_signing_serializer(app).loads(c.get_cookie(COOKIE).value)["sid"]
    raw = [r.get_json()["token"], sid]
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT x::text FROM api_tokens x WHERE user_id = %s", (u.id,))
        rows = " ".join(r[0] for r in cur.fetchall())
    assert all(t not in rows for t in raw)
    assert all(hashlib.sha256(t.encode()).hexdigest() in rows for t in raw)


# ------------------------------------------------------------------------------------ cookie flags

def test_session_cookie_flags_in_development(app, alice):
    _, r = _cookie_login(app, alice)
    cookie = _session_cookie(r)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_session_cookie_is_secure_in_production(monkeypatch, alice):
    from app.platform import celery_app
    from app import create_app
    from app.platform import runtime
    monkeypatch.setenv("CASEOS_ENV", "production")
    saved = (celery_app._flask_app, runtime._fallback)
    try:
        prod = create_app()
    finally:
        celery_app._flask_app, runtime._fallback = saved
    c = prod.test_client()
    r = c.post("/api/v1/auth/login", json={"email": alice.email, "password": alice.password})
    assert r.status_code == 200
    cookie = _session_cookie(r)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age=31536000" in r.headers.get("Strict-Transport-Security", "")
    from email.utils import parsedate_to_datetime
    from datetime import datetime, timezone
    expires = [p.split("=", 1)[1] for p in cookie.split("; ") if p.lower().startswith("expires=")]
    assert expires and (parsedate_to_datetime(expires[0]) - datetime.now(timezone.utc)).total_seconds() <= 12 * 3600 + 60


def test_no_cross_origin_reads_with_credentials(app, alice):
    r = alice.client.get("/api/v1/auth/me", headers={**alice.headers(), "Origin": "https://evil.example"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers
    r = alice.client.options("/api/v1/cases", headers={"Origin": "https://evil.example",
                                                       "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in r.headers and "Access-Control-Allow-Credentials" not in r.headers


# --------------------------------------------------------------------------------------------- CSRF

def _csrf_targets(operations):
    from app.api.security import CSRF_EXEMPT, PUBLIC_ENDPOINTS
    return [op for op in operations if op.unsafe and op.endpoint not in PUBLIC_ENDPOINTS
            and op.endpoint not in CSRF_EXEMPT]


@pytest.fixture(scope="module")
def csrf_world(app):
    owner = ApiUser.register(app, name="Csrf Owner")
    case = owner.create_case(title="CSRF case")
    party = owner.post(f"/api/v1/cases/{case['id']}/parties", json={"name": "Csrf Party", "role": "OTHER"}).get_json()
    ids = {"org_id": owner.org_id, "case_id": case["id"], "party_id": party["party"]["id"]}
    for name in ("document_id", "job_id", "deadline_id", "notification_id", "chat_id", "identity_id", "user_id",
                 "invitation_id"):
        ids.setdefault(name, str(uuid.uuid4()))
    return owner, ids


def test_every_cookie_authenticated_unsafe_operation_needs_the_csrf_token(app, operations, csrf_world):
    owner, ids = csrf_world
    victim, _ = _cookie_login(app, owner)      # the victim's browser, signed in
    other, _ = _cookie_login(app, owner)       # a second session: its token must not work for the first
    wrong = other.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    known = {"email": owner.email, "jurisdiction": "US-WV", "trigger_date": "2031-03-17", "form_id": "x",
             "current_password": owner.password, "new_password": "a brand new passphrase 2"}
    targets = _csrf_targets(operations)
    assert len(targets) >= 15, [str(o) for o in targets]
    failures = []
    before = tenant_snapshot([owner.org_id], [owner.id])
    for op in sorted(targets, key=lambda o: o.endpoint in ("auth.logout", "auth.logout_all", "auth.change_password")):
        for label, headers in (("no token", {}), ("forged token", {"X-CSRF-Token": "0" * 64}),
                               ("another session's token", {"X-CSRF-Token": wrong}),
                               ("token in a query string", None)):
            kw = request_kwargs(op, ids, known)
            url = kw.pop("url")
            if headers is None:
                kw["query_string"] = {**kw.get("query_string", {}), "csrf_token": wrong}
                headers = {}
            r = victim.open(url, method=op.method, headers=headers, **kw)
            body = r.get_json(silent=True) or {}
            r.close()
            if r.status_code != 403 or body.get("code") != "csrf_failed":
                failures.append(f"{op} ({label}): {r.status_code} {body.get('code')}")
    after = tenant_snapshot([owner.org_id], [owner.id])
    assert not failures, "\n".join(failures)
    assert not snapshot_diff(before, after), snapshot_diff(before, after)
    assert victim.get("/api/v1/auth/me").status_code == 200  # still signed in: nothing went through


def test_the_right_csrf_token_works_and_bearer_requests_need_none(app, alice):
    c, _ = _cookie_login(app, alice)
    token = c.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    assert c.post("/api/v1/cases", json=case_payload(), headers={"X-CSRF-Token": token}).status_code == 201
    assert alice.post("/api/v1/cases", json=case_payload()).status_code == 201


def test_a_bad_bearer_header_never_falls_back_to_the_cookie(app, alice):
    c, _ = _cookie_login(app, alice)
    r = c.post("/api/v1/cases", json=case_payload(), headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401


def _signed_link_and_feed(user):
    import io
    case = user.create_case()
    r = user.post(f"/api/v1/cases/{case['id']}/documents", content_type="multipart/form-data",
                  data={"file": (io.BytesIO(b"Notice to quit: pay rent within 14 days.\n"), "n.txt")})
    assert r.status_code == 202, r.get_json()
    link = user.post(f"/api/v1/documents/{r.get_json()['document']['id']}/download-url").get_json()["url"]
    feed = user.post("/api/v1/calendar/key").get_json()["url"]
    return link.replace("http://localhost", ""), feed.replace("http://localhost", "")


@pytest.mark.parametrize("how", ["logout-all", "password"])
def test_signed_links_and_the_calendar_feed_end_with_logout_everywhere(app, make_user, how):
    """Finding 10: "log out everywhere" and a password change end every credential the user holds,
    including a download link handed out minutes ago and the calendar feed's secret key."""
    u = make_user()
    link, feed = _signed_link_and_feed(u)
    anonymous = app.test_client()
    assert anonymous.get(link).status_code == 200 and anonymous.get(feed).status_code == 200
    if how == "logout-all":
        assert u.post("/api/v1/auth/logout-all").status_code == 204
    else:
        r = u.post("/api/v1/auth/password", json={"current_password": u.password,
                                                  "new_password": "a brand new passphrase 3"})
        assert r.status_code == 204
    assert anonymous.get(link).status_code == 404
    assert anonymous.get(feed).status_code == 404


def test_a_plain_logout_keeps_other_links_working(app, make_user):
    u = make_user()
    link, feed = _signed_link_and_feed(u)
    assert u.post("/api/v1/auth/logout").status_code == 204
    anonymous = app.test_client()
    assert anonymous.get(link).status_code == 200 and anonymous.get(feed).status_code == 200
