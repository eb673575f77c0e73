"""Authentication (bearer token or session cookie), CSRF, tenant principal, security headers.

Authentication is global: every route needs a signed-in user unless it is listed in
PUBLIC_ENDPOINTS, so a new route cannot be left open by forgetting a decorator.
"""
from __future__ import annotations

import ipaddress
import re
import uuid

from flask import current_app, g, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import login_manager
from app.accounts import users as accounts
from app.platform import context
from app.platform.errors import Forbidden, Unauthorized, ValidationFailed
from app.accounts.tenancy import Principal, principal_for

PUBLIC_ENDPOINTS = {
    "auth.register", "auth.login", "ops.healthz", "ops.readyz", "ops.metrics", "ops.docs",
    "api-docs.openapi_json", "static", "documents.download_signed", "deadlines.personal_calendar",
    "ops.docs_asset", "ops.case_link", "oidc.providers", "oidc.start", "oidc.callback",
}
# The web client's pages (app/web) hold no data: each fetches what it shows from the API, which checks every call.
PUBLIC_BLUEPRINTS = {"web"}
CSRF_EXEMPT = {"auth.register", "auth.login"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
NUL_MESSAGE = "A NUL character (\\u0000) is not allowed."
_REQ_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@login_manager.user_loader
def _no_session_user(_user_id):
    # Sessions are resolved server-side by the request loader (revocable), never from the cookie alone.
    return None


@login_manager.request_loader
def _load_from_request(req):
    auth = req.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        found = accounts.resolve_token(auth[7:].strip(), "bearer")
        if found:
            g.auth_method, g.token = "bearer", found[1]
            return found[0]
        return None
    sid = session.get("sid")
    if isinstance(sid, str):
        found = accounts.resolve_token(sid, "session")
        if found:
            g.auth_method, g.token = "cookie", found[1]
            return found[0]
    return None


def _before():
    rid = request.headers.get("X-Request-Id", "")
    g.request_id = rid if _REQ_ID.match(rid) else uuid.uuid4().hex
    context.request_id.set(g.request_id)
    context.client_ip.set(request.remote_addr)
    if request.endpoint is None:
        return None
    if request.endpoint not in PUBLIC_ENDPOINTS and request.blueprint not in PUBLIC_BLUEPRINTS:
        _authenticate()
    _check_input()
    return None


def _authenticate():
    if not current_user.is_authenticated:
        raise Unauthorized("Sign in, or send a bearer token.")
    if request.method in UNSAFE and g.get("auth_method") == "cookie" and request.endpoint not in CSRF_EXEMPT:
        if not accounts.csrf_valid(current_app.config["SECRET_KEY"], session.get("sid", ""),
                                   request.headers.get("X-CSRF-Token")):
            raise Forbidden("Missing or wrong X-CSRF-Token header (get one from GET /api/v1/auth/csrf).",
                            code="csrf_failed")


def _check_input():
    """Input no route can use, refused before any route sees it (a 422 naming the field, never a 500):
    a NUL character (PostgreSQL cannot store one) anywhere in the query string or a JSON body, and a
    missing body where the operation documents a required one (a PATCH without a body did nothing)."""
    errors = {name: [NUL_MESSAGE] for name, value in request.args.items(multi=True) if "\x00" in name + value}
    body = request.get_json(silent=True) if request.is_json else None
    errors.update({path: [NUL_MESSAGE] for path in _nul_paths(body)})
    if errors:
        raise ValidationFailed("Some fields are not valid.", errors=errors)
    no_body = not request.is_json or not request.get_data(cache=True)  # malformed JSON stays a 400
    if request.method in UNSAFE and no_body and _requires_json_body(request.endpoint):
        raise ValidationFailed("This operation needs a JSON body (Content-Type: application/json).",
                               errors={"_body": ["Send a JSON object."]})


def _nul_paths(value, path: str = "") -> list[str]:
    """Where a NUL character is in a parsed JSON value: "field", "field.0", "field.key"."""
    if isinstance(value, str):
        return [path or "_body"] if "\x00" in value else []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    found = []
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        found += [where] if "\x00" in str(key) else _nul_paths(item, where)
    return found


def _requires_json_body(endpoint: str) -> bool:
    doc = getattr(current_app.view_functions.get(endpoint), "_apidoc", None) or {}
    params = (doc.get("arguments") or {}).get("parameters") or []
    return any(isinstance(p, dict) and p.get("in") == "json" and p.get("required") for p in params)


def current_principal() -> Principal:
    """The signed-in user acting in the organization the request selected."""
    if "principal" not in g:
        g.principal = principal_for(current_user._get_current_object(), request.headers.get("X-Organization-Id"))
    return g.principal


def _headers(resp):
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Referrer-Policy", "no-referrer")
    resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    resp.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
    if request.path.startswith("/api/") and "Cache-Control" not in resp.headers:
        resp.headers["Cache-Control"] = "no-store"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if g.get("request_id"):
        resp.headers["X-Request-Id"] = g.request_id
    return resp


class TrustedProxies:
    """X-Forwarded-For (and -Proto) honoured only when the connection comes from a proxy listed in
    FORWARDED_ALLOW_IPS ("*" for any; addresses or networks), PROXY_HOPS proxies deep (Werkzeug's
    ProxyFix). Rate limits, audit and logs then see the real client, not the proxy; anyone else's
    X-Forwarded-For changes nothing."""

    def __init__(self, wsgi_app, allowed: str, hops: int):
        self.plain, self.fixed = wsgi_app, ProxyFix(wsgi_app, x_for=hops, x_proto=hops) if hops > 0 else wsgi_app
        names = [a.strip() for a in (allowed or "").split(",") if a.strip()]
        self.any = "*" in names
        self.networks = [ipaddress.ip_network(a, strict=False) for a in names if a != "*"]

    def trusted(self, remote: str | None) -> bool:
        try:
            address = ipaddress.ip_address(remote or "")
        except ValueError:
            return False
        return self.any or any(address in net for net in self.networks)

    def __call__(self, environ, start_response):
        app = self.fixed if self.trusted(environ.get("REMOTE_ADDR")) else self.plain
        return app(environ, start_response)


def init_app(app):
    config = app.config["CASEOS_CONFIG"]
    app.wsgi_app = TrustedProxies(app.wsgi_app, config.FORWARDED_ALLOW_IPS, config.PROXY_HOPS)
    app.before_request(_before)
    app.after_request(_headers)
