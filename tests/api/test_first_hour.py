"""What a newcomer meets in the first hour: the analysis of a document still being read, the OpenAPI
document's security schemes, and the links that reminder e-mails carry."""
from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from app.cases.notifications import reminder_text

EXAMPLE = b"NOTICE TO QUIT\nJane Landlord v. Tom Tenant. You must leave by January 15, 2027.\n"


def test_analysis_before_processing_ends_is_409_naming_the_job_to_follow(alice):
    case = alice.create_case()
    r = alice.post(f"/api/v1/cases/{case['id']}/documents", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(EXAMPLE + uuid.uuid4().hex.encode()), "notice.txt")})
    assert r.status_code == 202, r.get_json()
    body = r.get_json()  # no worker consumes in this test: the document stays queued
    r = alice.get(f"/api/v1/documents/{body['document']['id']}/analysis")
    assert r.status_code == 409
    problem = r.get_json()
    assert problem["code"] == "analysis_not_ready"
    assert problem["job_id"] == body["job"]["id"] and problem["job_url"] == f"/api/v1/jobs/{body['job']['id']}"
    assert alice.get(problem["job_url"]).status_code == 200


def test_analysis_of_another_tenants_document_is_still_404(alice, mallory):
    case = alice.create_case()
    r = alice.post(f"/api/v1/cases/{case['id']}/documents", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(EXAMPLE + uuid.uuid4().hex.encode()), "notice.txt")})
    assert mallory.get(f"/api/v1/documents/{r.get_json()['document']['id']}/analysis").status_code == 404


def test_openapi_declares_bearer_and_cookie_with_csrf_and_marks_public_operations(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert (schemes["sessionCookie"]["in"], schemes["sessionCookie"]["name"]) == ("cookie", "caseos_session")
    assert (schemes["csrfToken"]["in"], schemes["csrfToken"]["name"]) == ("header", "X-CSRF-Token")
    paths = spec["paths"]
    assert paths["/api/v1/cases"]["get"]["security"] == [{"bearerAuth": []}, {"sessionCookie": []}]
    assert paths["/api/v1/cases"]["post"]["security"] == [{"bearerAuth": []}, {"sessionCookie": [], "csrfToken": []}]
    assert paths["/api/v1/auth/login"]["post"]["security"] == []
    assert paths["/api/v1/calendar.ics"]["get"]["security"] == []
    unsecured = [(p, m) for p, ops in paths.items() for m, op in ops.items()
                 if isinstance(op, dict) and "security" not in op and m != "parameters"]
    assert unsecured == []


def test_the_case_link_in_a_reminder_email_answers(app, alice):
    case = alice.create_case(title="Doe v. Roe")
    with app.app_context():
        deadline = SimpleNamespace(title="File the answer", due_date=date.today() + timedelta(days=3),
                                   due_time=None, rule=None, citation=None)
        _, body = reminder_text(deadline, SimpleNamespace(id=case["id"], title=case["title"], jurisdiction="US-WV",
                                                          organization_id=None),
                                SimpleNamespace(timezone="America/New_York"), datetime.now(timezone.utc),
                                org_name="Personal")
    link = next(line.split(": ", 1)[1] for line in body.splitlines() if line.startswith("Open the case: "))
    assert link.startswith(app.config["PUBLIC_URL"].rstrip("/") + "/")
    r = alice.client.get(link[len(app.config["PUBLIC_URL"].rstrip("/")):])
    assert r.status_code == 302
    # The case's page in the web client (signed in with the session cookie the login set)
    assert r.headers["Location"] == f"/app/cases/{case['id']}"
    page = alice.client.get(r.headers["Location"])
    assert page.status_code == 200 and case["id"] in page.get_data(as_text=True)
