"""What the OpenAPI document says about authentication: its security schemes and, per operation,
which of them it takes (so the docs page offers "Authorize" and generated clients send credentials)."""
from __future__ import annotations

import re

BEARER, COOKIE, CSRF = "bearerAuth", "sessionCookie", "csrfToken"
SAFE = {"get", "head", "options"}
_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def schemes(cookie_name: str) -> dict:
    return {
        BEARER: {"type": "http", "scheme": "bearer",
                 "description": "The `token` from POST /auth/login (or the OIDC callback): "
                                "`Authorization: Bearer <token>`."},
        COOKIE: {"type": "apiKey", "in": "cookie", "name": cookie_name,
                 "description": "The session cookie set at sign-in (browsers)."},
        CSRF: {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
               "description": "With the session cookie, unsafe methods (POST, PUT, PATCH, DELETE) also need "
                              "the token from GET /auth/csrf in this header."},
    }


def openapi_path(rule: str) -> str:
    """/api/v1/documents/<uuid:document_id> -> /api/v1/documents/{document_id}."""
    return _RULE_ARG.sub(r"{\1}", rule)


URI_TOO_LONG = {"description": "The request line is longer than the server takes (gunicorn's limit_request_line, "
                               "8190 bytes); every query within the documented lengths fits."}


def declare_uri_limit(api):
    """Operations with query parameters document the 414 the HTTP server gives an overlong request line."""
    for operations in api.spec._paths.values():
        for method, operation in operations.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            if any(p.get("in") == "query" for p in operation.get("parameters", []) if isinstance(p, dict)):
                operation.setdefault("responses", {}).setdefault("414", URI_TOO_LONG)


def declare_security(app, api, public_endpoints: set[str]):
    """Add the security schemes, and each operation's requirement: bearer token, or session cookie
    (plus the CSRF header on unsafe methods); none on the public operations."""
    spec = api.spec
    for name, scheme in schemes(app.config["SESSION_COOKIE_NAME"]).items():
        spec.components.security_scheme(name, scheme)
    public = {openapi_path(r.rule) for r in app.url_map.iter_rules() if r.endpoint in public_endpoints}
    for path, operations in spec._paths.items():  # apispec keeps no public accessor for registered paths
        for method, operation in operations.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            if path in public:
                operation["security"] = []
            elif method in SAFE:
                operation["security"] = [{BEARER: []}, {COOKIE: []}]
            else:
                operation["security"] = [{BEARER: []}, {COOKIE: [], CSRF: []}]
