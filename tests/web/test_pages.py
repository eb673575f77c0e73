"""The web client's pages as served: who gets which page, the security headers, no inline script."""
import re
from pathlib import Path

import pytest

from app.models.case import CASE_TYPES, COURT_TYPES, PARTY_ROLES
from app.web import strings

PAGES = ("/app/dashboard", "/app/account", "/app/organization",
         "/app/cases/00000000-0000-4000-8000-000000000000")


@pytest.mark.parametrize("path", PAGES)
def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(client, path):
    r = client.get(path)
    assert r.status_code == 302
    assert r.headers["Location"] == f"/app/signin?next={path}"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f'data-next="{path}"' in page


@pytest.mark.parametrize("bad", ["//evil.example/app/", "https://evil.example/", "/api/v1/auth/logout", "/app/\\evil"])
def test_sign_in_never_sends_people_to_another_site(client, bad):
    page = client.get("/app/signin", query_string={"next": bad}).get_data(as_text=True)
    assert 'data-next="/app/dashboard"' in page


def test_pages_have_a_strict_content_security_policy_and_no_inline_script(client, alice):
    for path in ("/app/signin", "/app/signup", *PAGES[:3]):
        r = alice.client.get(path) if path not in ("/app/signin", "/app/signup") else client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["Cache-Control"] == "no-store"
        html = r.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"
        assert not re.search(r"\sstyle=", html), "inline style"


def test_the_case_page_is_a_shell_filled_through_the_api(alice):
    case = alice.create_case(title="Shell test")
    html = alice.client.get(f"/app/cases/{case['id']}").get_data(as_text=True)
    assert f'data-case-id="{case["id"]}"' in html
    assert "Shell test" not in html  # the title comes from GET /api/v1/cases/<id>, like any client
    assert 'accept="image/*"' in html and "multiple" in html


def test_the_signed_in_header_offers_sign_out(alice, client):
    assert 'id="signout"' in alice.client.get("/app/dashboard").get_data(as_text=True)
    assert 'id="signout"' not in client.get("/app/signin").get_data(as_text=True)


def test_every_code_the_api_uses_has_a_plain_name():
    assert set(strings.CASE_TYPES) == set(CASE_TYPES)
    assert set(strings.COURT_TYPES) == set(COURT_TYPES)
    assert set(strings.PARTY_ROLES) == set(PARTY_ROLES)


def test_the_audit_trail_names_every_action_the_code_records():
    """The team page says "Changed someone's role", not "organization.member_role"."""
    root = Path(__file__).resolve().parents[2]
    recorded = set()
    for path in [*(root / "app").rglob("*.py"), *(root / "workers").rglob("*.py")]:
        recorded |= set(re.findall(r'audit\.record\(\s*"([a-z_]+\.[a-z_.]+)"', path.read_text()))
        recorded |= set(re.findall(r'"(party\.confirm)" if', path.read_text()))
    assert len(recorded) > 30  # the scan found the calls
    assert not recorded - set(strings.AUDIT_ACTIONS), sorted(recorded - set(strings.AUDIT_ACTIONS))


def test_scripts_and_styles_are_served_with_the_same_policy(client):
    for name in ("api.js", "case.js", "case-tools.js", "dashboard.js", "signin.js", "app.css"):
        r = client.get(f"/app/static/{name}")
        assert r.status_code == 200, name
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
