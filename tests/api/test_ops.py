"""Errors, headers, OpenAPI, health and readiness."""
import subprocess
import sys

from tests.conftest import ROOT


def test_security_headers_on_every_response(client):
    for path in ("/healthz", "/api/v1/cases", "/api/v1/nowhere"):
        r = client.get(path)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers.get("X-Request-Id")


def test_404_and_405_are_problem_documents(client, alice):
    r = alice.get("/api/v1/nowhere")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    r = alice.client.put("/api/v1/cases", headers=alice.headers())
    assert r.status_code == 405 and r.get_json()["status"] == 405


def test_unexpected_exception_is_500_problem_without_stack_trace(app, alice, monkeypatch):
    from app.cases import cases

    def boom(*a, **k):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(cases, "list_cases", boom)
    r = alice.get("/api/v1/cases")
    assert r.status_code == 500
    body = r.get_json()
    assert "secret internals" not in r.get_data(as_text=True) and "Traceback" not in r.get_data(as_text=True)
    assert body["request_id"] == r.headers["X-Request-Id"]


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/cases" in spec["paths"] and "/api/v1/auth/login" in spec["paths"]
    enum = spec["components"]["schemas"]["CaseIn"]["properties"]["case_type"]["enum"]
    assert "LANDLORD_TENANT" in enum
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["checks"]["database"] == "ok"


def test_readyz_reports_a_stopped_dependency(other_app):
    # Point the broker and storage at closed ports: readiness must name both, with 503.
    app = other_app(REDIS_URL="redis://127.0.0.1:1/0", S3_ENDPOINT_URL="http://127.0.0.1:1")
    r = app.test_client().get("/readyz")
    body = r.get_json()
    assert r.status_code == 503
    assert {"broker", "storage"} <= set(body["down"]) and body["checks"]["database"] == "ok"


def test_production_refuses_to_start_without_secrets(tmp_path):
    env = {"CASEOS_ENV": "production", "PATH": "/usr/bin:/bin", "CASEOS_VAR_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode != 0
    assert "SECRET_KEY" in r.stderr and "ENCRYPTION_KEY" in r.stderr


def test_metrics_need_the_metrics_token_when_one_is_set(app, other_app, alice):
    guarded = other_app(METRICS_TOKEN="m3trics-t0ken")
    c = guarded.test_client()
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/metrics", headers={"Authorization": f"Bearer {alice.token}"}).status_code == 401
    r = c.get("/metrics", headers={"Authorization": "Bearer m3trics-t0ken"})
    assert r.status_code == 200 and "# TYPE caseos_jobs gauge" in r.get_data(as_text=True)


def test_metrics_in_prometheus_format(client, alice):
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    for name in ("caseos_jobs", "caseos_document_failures", "caseos_step_duration_seconds", "caseos_queue_depth"):
        assert f"# TYPE {name} gauge" in text


def test_metrics_are_closed_in_production_without_a_token(app, other_app):
    """Finding 11: the web process binds 0.0.0.0 in production; its metrics are not for everyone."""
    prod = other_app(CASEOS_ENV="production", METRICS_TOKEN=None)
    r = prod.test_client().get("/metrics")
    assert r.status_code == 403, r.status_code
    assert "METRICS_TOKEN" in r.get_json()["detail"]
