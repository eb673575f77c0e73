"""The first-party web client, under /app/: page shells rendered on the server (translated with Flask-Babel),
and scripts that do everything through the public API (/api/v1) with the session cookie and its CSRF token,
exactly as any other client would. The pages hold no case data: a signed-out visitor gets the sign-in page,
and what a page shows is what the API returns for the signed-in user (same tenancy, audit and rate limits)."""
from __future__ import annotations

from flask import Flask
from flask_babel import Babel

from app.web import pages

babel = Babel()


def init_app(app: Flask):
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(pages.HERE / "translations"))
    babel.init_app(app, locale_selector=pages.select_locale)
    app.register_blueprint(pages.bp)
