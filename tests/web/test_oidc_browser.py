"""Sign-in through an OpenID Connect provider in a real browser (Chromium) against gunicorn, with the local
provider of tests/oidc_provider.py: the button signs the person in; a sign-in the provider cannot vouch for
ends on the sign-in page saying why (a page, not JSON), while an API client gets its JSON problem."""
from __future__ import annotations

import os
import signal
import uuid

import pytest
import requests

from devkit.net import free_port
from tests.oidc_provider import OIDCProvider
from tests.procs import start_web
from tests.web import browser as b

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def provider():
    with OIDCProvider() as p:
        yield p


@pytest.fixture(scope="module")
def sso_url(provider):
    port = free_port()
    proc = start_web(port, env={"PUBLIC_URL": f"http://127.0.0.1:{port}", "WEB_CONCURRENCY": "1", **provider.env()})
    yield f"http://127.0.0.1:{port}"
    proc.stop(signal.SIGINT)


@pytest.fixture()
def br(sso_url, tmp_path):
    if not b.available():
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are needed (scripts/bootstrap installs them)")
        pytest.skip("chromium and chromium-driver are not installed (scripts/bootstrap installs them)")
    browser = b.Browser(sso_url, b.PHONE, "oidc", tmp_path)
    yield browser
    browser.close()


def a_person(verified: bool) -> dict:
    tag = uuid.uuid4().hex[:10]
    return {"sub": f"sub-{tag}", "email": f"sso-{tag}@example.test", "email_verified": verified, "name": "Robin Sso"}


def test_a_person_signs_in_with_the_provider_and_a_refused_sign_in_says_why_on_a_page(provider, br, sso_url):
    provider.person = a_person(verified=True)
    br.go("/app/signin")
    br.wait_css("#provider-buttons a", "Continue with Single sign-on").click()
    br.wait_path("/app/dashboard")  # the provider vouched for them: a new account, signed in
    br.wait_css("#cases li")
    br.look("dashboard")
    br.go("/app/account")
    br.wait_css("#profile")
    assert br.find("#name").get_attribute("value") == "Robin Sso"
    br.click("#signout")
    br.wait_path("/app/signin")

    provider.person = a_person(verified=False)  # the provider does not vouch for the address
    br.wait_css("#provider-buttons a", "Continue with Single sign-on").click()
    error = br.wait_css("#form-error", "does not say your e-mail address is verified")
    assert error.is_displayed() and br.path.startswith("/app/signin")
    assert br.find("h1").text == "Sign in" and "{" not in br.find("main").text  # a page, not a problem document
    br.look("refused")
    br.go("/app/dashboard")
    br.wait_path("/app/signin")  # and nobody is signed in
    assert not {page: v for page, v in br.violations.items() if v}


def test_an_api_client_that_asks_for_json_keeps_the_problem_document(provider, sso_url):
    provider.person = a_person(verified=False)
    r = requests.get(f"{sso_url}/api/v1/auth/oidc/oidc/start", headers={"Accept": "application/json"}, timeout=30)
    assert r.status_code == 403 and r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["code"] == "oidc_email_unverified"
