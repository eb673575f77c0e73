"""Operations: liveness, readiness, Prometheus metrics, the API docs page."""
from __future__ import annotations

import hmac
import os

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, send_from_directory

from app.platform import health, metrics
from app.api.errors import problem
from app.platform import rls

bp = Blueprint("ops", __name__)

DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
DOCS_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CaseOS API</title>
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/assets/init.js"></script></body></html>"""
DOCS_INIT = "window.ui = SwaggerUIBundle({url: '/api/v1/openapi.json', dom_id: '#swagger-ui'});"


@bp.get("/healthz")
def healthz():
    """The process is up."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Database, broker and storage reachable; 503 naming what is down."""
    checks = health.check_all()
    down = sorted(k for k, v in checks.items() if v != "ok")
    body = {"status": "ok" if not down else "unavailable", "checks": checks, "down": down}
    resp = jsonify(body)
    if down:
        resp.status_code = 503
        resp.headers["Retry-After"] = "5"
    return resp


@bp.get("/metrics", endpoint="metrics")  # the name PUBLIC_ENDPOINTS lists
def metrics_():
    """Prometheus text format: queue depths, jobs and task durations, failures by code."""
    config = current_app.config["CASEOS_CONFIG"]
    token = config.METRICS_TOKEN
    if not token and config.production:
        # The web process listens on every interface in production: its metrics are not for everyone.
        return problem(403, "Forbidden", "Metrics are closed in production until METRICS_TOKEN is set "
                       "(then send Authorization: Bearer <token>).", code="metrics_closed")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return problem(401, "Unauthorized", "GET /metrics needs the metrics token (METRICS_TOKEN).",
                           code="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    rls.bypass()  # counts across every organization, on purpose (no tenant data leaves)
    data, content_type = metrics.render()
    return Response(data, content_type=content_type)


@bp.get("/cases/<uuid:case_id>")
def case_link(case_id):
    """Where reminder e-mails link (PUBLIC_URL/cases/{id}): the case's page in the web client when it
    is served, else the case in the API (which asks for sign-in as any API request does)."""
    if "web" in current_app.blueprints:
        return redirect(f"/app/cases/{case_id}", code=302)
    return redirect(f"/api/v1/cases/{case_id}", code=302)


@bp.get("/api/v1/docs")
def docs():
    """Browsable API documentation (Swagger UI served from this server, strict CSP)."""
    resp = Response(DOCS_HTML, content_type="text/html; charset=utf-8")
    resp.headers["Content-Security-Policy"] = DOCS_CSP
    return resp


@bp.get("/api/v1/docs/assets/<path:name>")
def docs_asset(name):
    if name == "init.js":
        return Response(DOCS_INIT, content_type="application/javascript")
    if name not in ("swagger-ui.css", "swagger-ui-bundle.js"):
        abort(404)
    import swagger_ui_bundle
    resp = send_from_directory(os.path.abspath(swagger_ui_bundle.swagger_ui_path), name, max_age=86400)
    return resp
