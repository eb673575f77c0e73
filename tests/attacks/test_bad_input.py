"""Bad input is a 422 naming the field, never a 500 (issue 16, finding 7).

A NUL character cannot be stored by PostgreSQL and used to reach the database as an error;
a time with an offset PostgreSQL cannot represent did the same. The error log printed SQL
parameters (a deadline's title). Some requests the OpenAPI document calls invalid were
accepted, and some it calls valid were refused.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import case_payload


def _field_named(r, field):
    body = r.get_json()
    assert r.status_code == 422, (r.status_code, body)
    assert field in (body.get("errors") or {}), body
    return body


@pytest.mark.parametrize("path,field", [
    ("/api/v1/jobs?kind=ocr%00x", "kind"),
    ("/api/v1/search?q=rent%00x", "q"),
    ("/api/v1/cases?q=smith%00", "q"),
])
def test_a_nul_in_a_query_parameter_is_refused_naming_it(alice, path, field):
    _field_named(alice.get(path), field)


def test_a_nul_in_a_party_contact_is_refused_naming_it(alice):
    case = alice.create_case()
    party = alice.post(f"/api/v1/cases/{case['id']}/parties", json={"name": "Landlord LLC", "role": "LANDLORD"})
    assert party.status_code == 201, party.get_json()
    pid = party.get_json()["party"]["id"]
    _field_named(alice.patch(f"/api/v1/parties/{pid}", json={"contact": "PO Box 1\x00"}), "contact")
    assert alice.patch(f"/api/v1/parties/{pid}", json={"contact": "PO Box 1"}).status_code == 200


def test_a_nul_in_the_login_email_is_refused_without_signing_in(client):
    r = client.post("/api/v1/auth/login", json={"email": "a\x00@example.test", "password": "x" * 12})
    _field_named(r, "email")


def test_a_nul_deep_in_a_body_names_the_path(alice):
    case = alice.create_case()
    r = alice.post(f"/api/v1/cases/{case['id']}/deadlines",
                   json={"title": "Answer", "due_date": "2030-01-10", "reminders": [1], "rule": "x\x00"})
    _field_named(r, "rule")


@pytest.mark.parametrize("due_time", ["10:00:00+16:00", "10:00-23:30"])
def test_a_time_offset_postgresql_cannot_store_is_refused(alice, due_time):
    case = alice.create_case()
    r = alice.post(f"/api/v1/cases/{case['id']}/deadlines",
                   json={"title": "Answer", "due_date": "2030-01-10", "due_time": due_time})
    _field_named(r, "due_time")


def test_a_time_within_the_offset_range_is_still_accepted(alice):
    case = alice.create_case()
    r = alice.post(f"/api/v1/cases/{case['id']}/deadlines",
                   json={"title": "Answer", "due_date": "2030-01-10", "due_time": "10:30:00"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["deadline"]["due_time"].startswith("10:30")


def test_database_errors_never_carry_their_values_into_logs(app_ctx):
    """PostgreSQL quotes the offending value and SQLAlchemy appends the parameters: the log line of an
    unexpected error keeps the traceback and the error's type, not its message."""
    import logging
    import sys
    from app.extensions import db
    from app.platform.logging_setup import CaseOSFormatter
    title = "Eviction of " + "Smith SECRET".lower()  # the traceback quotes source lines, not this value
    try:
        db.session.execute(sa.text("SELECT CAST(:title AS integer)"), {"title": title})
    except sa.exc.DBAPIError:
        record = logging.LogRecord("caseos.errors", logging.ERROR, __file__, 1, "unhandled error", (), sys.exc_info())
    db.session.rollback()
    line = CaseOSFormatter("%(message)s").format(record)
    assert "DataError" in line and "unhandled error" in line
    assert "smith secret" not in line


def test_a_patch_without_a_body_is_refused(alice):
    case = alice.create_case()
    r = alice.client.patch(f"/api/v1/cases/{case['id']}", headers=alice.headers())
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["code"] == "validation_failed"


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_booleans_are_json_booleans(alice, value):
    org = alice.post("/api/v1/organizations", json={"name": "Clinic"}).get_json()
    r = alice.patch(f"/api/v1/organizations/{org['id']}", json={"allow_external_ai": value})
    _field_named(r, "allow_external_ai")
    assert alice.patch(f"/api/v1/organizations/{org['id']}", json={"allow_external_ai": True}).status_code == 200


def test_form_flags_are_json_booleans_too(alice):
    case = alice.create_case()
    r = alice.post(f"/api/v1/cases/{case['id']}/forms", json={"form_id": "x", "allow_incomplete": 1, "flatten": "yes"})
    body = _field_named(r, "allow_incomplete")
    assert "flatten" in body["errors"]


def test_schema_and_code_agree_on_time_zones_and_trigger_dates(app, alice):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    zones = spec["MeUpdateIn"]["properties"]["timezone"]["enum"]
    assert "America/New_York" in zones and "Mars/Olympus" not in zones
    for zone in ("America/Argentina/Buenos_Aires", "Pacific/Chatham", "UTC"):
        assert alice.patch("/api/v1/auth/me", json={"timezone": zone}).status_code == 200, zone
    _field_named(alice.patch("/api/v1/auth/me", json={"timezone": "Mars/Olympus"}), "timezone")
    trigger = spec["CaseComputeIn"]["properties"]["trigger_date"]
    assert trigger.get("minLength", 0) >= 10 and "pattern" in trigger
    case = alice.create_case()
    r = alice.post(f"/api/v1/cases/{case['id']}/deadlines/compute", json={"trigger": "served", "trigger_date": ""})
    _field_named(r, "trigger_date")


def test_no_case_field_sneaks_a_nul_past_creation(alice):
    r = alice.post("/api/v1/cases", json=case_payload(description="two\x00"))
    _field_named(r, "description")


def _widest(schema: dict) -> str:
    """The longest value the document allows, percent-encoded."""
    from urllib.parse import quote
    if "enum" in schema:
        return max((quote(str(v)) for v in schema["enum"]), key=len)
    if schema.get("type") in ("integer", "number", "boolean"):
        return "9" * 12
    if schema.get("format") in ("uuid", "date", "date-time"):
        return "x" * 36
    return quote("\U0001F600" * schema.get("maxLength", 100))  # 4 bytes of UTF-8: 12 once percent-encoded


def test_every_documented_query_fits_the_request_line_and_a_longer_one_is_documented(app):
    """Schemathesis met 414s the document did not mention: gunicorn refused request lines over 4 KB,
    which 500 characters of search text reach once percent-encoded."""
    import runpy
    from pathlib import Path
    limit = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))["limit_request_line"]
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if not isinstance(op, dict):
                continue
            query = [p for p in op.get("parameters", []) if p.get("in") == "query"]
            if not query:
                continue
            assert "414" in op["responses"], (method, path)
            parts = [f"{p['name']}={_widest(p['schema'])}" for p in query]
            line = f"{method.upper()} {path}?{'&'.join(parts)} HTTP/1.1"
            assert len(line.encode()) <= limit, (method, path, len(line))
