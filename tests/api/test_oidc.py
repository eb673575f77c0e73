"""Sign-in with OpenID Connect, end to end against a real provider running locally (tests/oidc_provider.py):
code + PKCE, state, nonce, the ID token checked against the provider's keys, issuer and audience; a first
sign-in creates the account; linking needs a verified e-mail; API clients get a bearer token."""
from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.factories import ApiUser
from tests.oidc_provider import OIDCProvider

PUBLIC = "http://localhost"
CLIENT_REDIRECT = "http://127.0.0.1:8765/caseos-callback"


@pytest.fixture()
def provider():
    with OIDCProvider() as p:
        p.person = {**p.person, "sub": uuid.uuid4().hex, "email": f"p-{uuid.uuid4().hex[:10]}@example.test"}
        yield p


@pytest.fixture()
def app(other_app, provider):
    application = other_app(PUBLIC_URL=PUBLIC, OAUTH_CLIENT_REDIRECTS=CLIENT_REDIRECT, **provider.env())
    application.config["TESTING"] = True
    return application


def go_to_provider(client, query=""):
    """Start a sign-in and let the provider sign the person in; returns our callback path with its query."""
    r = client.get("/api/v1/auth/oidc/oidc/start" + query)
    assert r.status_code == 302, r.get_json()
    sent = parse_qs(urlsplit(r.headers["Location"]).query)
    assert sent["code_challenge_method"] == ["S256"] and sent["code_challenge"] and sent["nonce"] and sent["state"]
    back = httpx.get(r.headers["Location"], follow_redirects=False)
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith(PUBLIC + "/api/v1/auth/oidc/oidc/callback?")
    return back.headers["location"][len(PUBLIC):]


def test_first_sign_in_creates_the_account_and_its_personal_organization(app, provider):
    client = app.test_client()
    r = client.get(go_to_provider(client, "?next=/app/cases"))
    assert r.status_code == 302 and r.headers["Location"] == "/app/cases"
    me = client.get("/api/v1/auth/me").get_json()  # signed in with the session cookie
    assert me["user"]["email"] == provider.person["email"] and me["user"]["name"] == "Pat Person"
    assert [o["personal"] for o in me["organizations"]] == [True]
    ids = client.get("/api/v1/auth/identities").get_json()
    assert [i["provider"] for i in ids["items"]] == ["oidc"] and ids["has_password"] is False
    [exchange] = provider.token_requests
    assert exchange["code_verifier"] and exchange["client_secret"] == provider.client_secret

    again = app.test_client()  # a second sign-in finds the same account by the provider's subject
    again.get(go_to_provider(again))
    assert again.get("/api/v1/auth/me").get_json()["user"]["id"] == me["user"]["id"]


def test_a_replayed_state_is_refused(app, provider):
    client = app.test_client()
    callback = go_to_provider(client)
    assert client.get(callback).status_code == 302
    replay = client.get(callback)
    assert replay.status_code == 400 and replay.get_json()["code"] == "oidc_state_invalid"


def test_a_refused_sign_in_in_a_browser_ends_on_a_page_that_says_why(app, provider):
    """A browser (it asks for HTML) is sent to the sign-in page with the reason; JSON stays for API clients."""
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    callback = go_to_provider(app.test_client())
    r = app.test_client().get(callback, headers=html)
    assert r.status_code == 303 and r.headers["Location"] == "/app/signin?error=oidc_state_invalid"
    page = app.test_client().get(r.headers["Location"]).get_data(as_text=True)
    assert "started in another browser. Please try again." in page
    forged = app.test_client().get("/app/signin?error=<script>you+won</script>").get_data(as_text=True)
    assert "you won" not in forged and "The sign-in did not work." in forged  # never words from the address


def test_a_callback_in_another_browser_is_refused(app, provider):
    callback = go_to_provider(app.test_client())
    r = app.test_client().get(callback)  # an attacker's code and state sent to someone else's browser
    assert r.status_code == 400 and r.get_json()["code"] == "oidc_state_invalid"


def test_a_forged_id_token_is_refused_and_nobody_is_signed_in(app, provider):
    provider.forge = True
    client = app.test_client()
    r = client.get(go_to_provider(client))
    assert r.status_code == 401 and r.get_json()["code"] == "oidc_token_invalid"
    assert client.get("/api/v1/auth/me").status_code == 401
    provider.forge = False
    fresh = app.test_client()
    fresh.get(go_to_provider(fresh))
    assert fresh.get("/api/v1/auth/me").status_code == 200  # no account was half-made by the forged attempt


def test_an_id_token_for_another_audience_is_refused(app, provider):
    provider.audience = "some-other-client"
    client = app.test_client()
    r = client.get(go_to_provider(client))
    assert r.status_code == 401 and r.get_json()["code"] == "oidc_token_invalid"


def test_an_unverified_email_neither_links_nor_creates_an_account(app, provider):
    owner = ApiUser.register(app, email=provider.person["email"], name="Real Owner")
    provider.person["email_verified"] = False
    client = app.test_client()
    r = client.get(go_to_provider(client))
    assert r.status_code == 403 and r.get_json()["code"] == "oidc_email_unverified"
    assert owner.get("/api/v1/auth/identities").get_json()["items"] == []

    provider.person["email_verified"] = True  # verified: the existing account is linked, not duplicated
    client = app.test_client()
    client.get(go_to_provider(client))
    assert client.get("/api/v1/auth/me").get_json()["user"]["id"] == owner.id
    assert [i["provider"] for i in owner.get("/api/v1/auth/identities").get_json()["items"]] == ["oidc"]


def test_an_api_client_gets_a_bearer_token_at_its_registered_redirect(app, provider):
    client = app.test_client()
    r = client.get(go_to_provider(client, f"?redirect_uri={CLIENT_REDIRECT}"))
    assert r.status_code == 302 and r.headers["Location"].startswith(CLIENT_REDIRECT + "#token=")
    token = parse_qs(urlsplit(r.headers["Location"]).fragment)["token"][0]
    me = app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["user"]["email"] == provider.person["email"]
    bad = app.test_client().get("/api/v1/auth/oidc/oidc/start?redirect_uri=https://evil.example/cb")
    assert bad.status_code == 422


def test_unlinking_the_only_way_in_is_refused_until_a_password_is_set(app, provider):
    client = app.test_client()
    r = client.get(go_to_provider(client, f"?redirect_uri={CLIENT_REDIRECT}"))
    token = parse_qs(urlsplit(r.headers["Location"]).fragment)["token"][0]
    auth = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    [identity] = api.get("/api/v1/auth/identities", headers=auth).get_json()["items"]
    r = api.delete(f"/api/v1/auth/identities/{identity['id']}", headers=auth)
    assert r.status_code == 409 and r.get_json()["code"] == "last_sign_in_method"
    assert api.post("/api/v1/auth/password", headers=auth,
                    json={"current_password": "", "new_password": "a long new passphrase"}).status_code == 204
    token = api.post("/api/v1/auth/login", json={"email": provider.person["email"],
                                                 "password": "a long new passphrase"}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert api.delete(f"/api/v1/auth/identities/{identity['id']}", headers=auth).status_code == 204
    assert api.get("/api/v1/auth/identities", headers=auth).get_json()["items"] == []


def test_a_signed_in_user_links_a_provider_and_the_providers_are_listed(app, provider, ):
    user = ApiUser.register(app, email=f"other-{uuid.uuid4().hex[:8]}@example.test")
    listed = app.test_client().get("/api/v1/auth/oidc/providers").get_json()["items"]
    assert [(p["name"], p["start_url"]) for p in listed] == [("oidc", "/api/v1/auth/oidc/oidc/start")]
    assert user.client.get("/api/v1/auth/oidc/oidc/start?link=true").status_code == 302  # cookie session
    user.client.get(go_to_provider(user.client, "?link=true"))
    linked = user.get("/api/v1/auth/identities").get_json()["items"]
    assert [i["email"] for i in linked] == [provider.person["email"]]  # another e-mail: linked by the signed-in user
    assert app.test_client().get("/api/v1/auth/oidc/oidc/start?link=true").status_code == 401
