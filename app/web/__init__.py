"""The first-party web client, under /app/: page shells rendered on the server (translated with Flask-Babel),
and scripts that do everything through the public API (/api/v1) with the session cookie and its CSRF token,
exactly as any other client would. The pages hold no case data: a signed-out visitor gets the sign-in page,
and what a page shows is what the API returns for the signed-in user (same tenancy, audit and rate limits)."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

from app.web import pages

LANGUAGES = ("en", "es")
LANG_COOKIE = "caseos_lang"

# Scripts, styles, images and API calls from this origin only: no inline script or style, no other host.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; manifest-src 'self'")

babel = Babel()


def select_locale() -> str:
    """?lang= (the language links), then the cookie it sets, then the browser's languages."""
    for choice in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if choice in LANGUAGES:
            return choice
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _web_headers(resp):
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers.setdefault("Cache-Control", "no-store" if resp.mimetype == "text/html" else "public, max-age=300")
    lang = request.args.get("lang")
    if lang in LANGUAGES and request.cookies.get(LANG_COOKIE) != lang:
        resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return resp


def init_app(app: Flask):
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(pages.HERE / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    pages.bp.after_request(_web_headers)
    app.register_blueprint(pages.bp)
