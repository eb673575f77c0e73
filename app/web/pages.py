"""The web client's pages: shells that the scripts in static/ fill from the API."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from app.web.strings import CASE_TYPES, COURT_TYPES, PARTY_ROLES, SIGNIN_ERRORS, SIGNIN_FAILED, STATES, client_strings

HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "es")
LANG_COOKIE = "caseos_lang"
# Scripts, styles, images and API calls from this origin only: no inline script or style, no other host.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; manifest-src 'self'")

bp = Blueprint("web", __name__, url_prefix="/app", template_folder="templates", static_folder="static",
               static_url_path="/static")

def select_locale() -> str:
    """?lang= (the language links), then the cookie it sets, then the browser's languages."""
    for choice in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if choice in LANGUAGES:
            return choice
    return request.accept_languages.best_match(LANGUAGES) or "en"


@bp.after_request
def _headers(resp):
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers.setdefault("Cache-Control", "no-store" if resp.mimetype == "text/html" else "public, max-age=300")
    lang = request.args.get("lang")
    if lang in LANGUAGES and request.cookies.get(LANG_COOKIE) != lang:
        resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return resp


def _language_url(code: str) -> str:
    """This page in another language, keeping what the address already asks (e.g. where to go after sign-in)."""
    return url_for(request.endpoint, **(request.view_args or {}), **{**request.args.to_dict(), "lang": code})


def _signin_error() -> str | None:
    """?error=<code> from a provider sign-in that failed: what went wrong, in the page's language."""
    code = request.args.get("error")
    return str(SIGNIN_ERRORS.get(code, SIGNIN_FAILED)) if code else None


def _page(template: str, **context):
    return render_template(f"web/{template}", lang=str(get_locale() or "en"), strings=client_strings(),
                           signin_error=_signin_error(),
                           language_url=_language_url,
                           case_types=CASE_TYPES, court_types=COURT_TYPES, party_roles=PARTY_ROLES, states=STATES,
                           **context)


def _signed_in_or_redirect():
    if current_user.is_authenticated:
        return None
    return redirect(url_for("web.signin", next=request.full_path.rstrip("?")))


def _safe_next(value: str | None) -> str:
    """Only a path of this client: never another host (open redirect)."""
    if value and value.startswith("/app/") and not value.startswith("//") and "\\" not in value:
        return value
    return url_for("web.dashboard")


@bp.get("/")
def home():
    return redirect(url_for("web.dashboard" if current_user.is_authenticated else "web.signin"))


@bp.get("/signin")
def signin():
    return _page("signin.html", next_url=_safe_next(request.args.get("next")))


@bp.get("/signup")
def signup():
    return _page("signup.html")


@bp.get("/dashboard")
def dashboard():
    return _signed_in_or_redirect() or _page("dashboard.html")


@bp.get("/cases/<uuid:case_id>")
def case(case_id):
    return _signed_in_or_redirect() or _page("case.html", case_id=str(case_id))


@bp.get("/account")
def account():
    return _signed_in_or_redirect() or _page("account.html")


@bp.get("/organization")
def organization():
    return _signed_in_or_redirect() or _page("organization.html")
