"""Rate limits of the sign-in endpoints, and the device cookie that spares an account's owner.

Three limits guard POST /auth/login:

* per address and account (RATELIMIT_AUTH): a flood against one account from elsewhere does
  not hold its owner back;
* per address over all accounts (ten times that): credential stuffing from one host;
* per account over all addresses, counting failures only (RATELIMIT_LOGIN_ACCOUNT): guessing
  from many addresses is slowed. A browser that signed in to the account before carries a
  device cookie for it and is exempt, so the owner is never locked out by strangers.

The client address is the real client's behind a trusted proxy (app/api/security.py, ProxyFix).
E-mail addresses appear in limit keys (Redis, limiter log lines) only as a keyed hash.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import parse_many

from app.accounts import users as accounts

DEVICE_COOKIE = "caseos_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600


def auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def per_address_limit() -> str:
    items = parse_many(current_app.config["RATELIMIT_AUTH"])
    return ";".join(str(type(i)(i.amount * 10, i.multiples)) for i in items)


def account_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT"]


def _email() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    email = body.get("email") if isinstance(body, dict) else ""  # any JSON may arrive here, not only objects
    return str(email or "")


def _email_key(email: str) -> str:
    return accounts.email_key(current_app.config["SECRET_KEY"], email)


def login_key() -> str:
    return f"{get_remote_address()}|{_email_key(_email())}"


def account_key() -> str:
    return f"account|{_email_key(_email())}"


def failed(response) -> bool:
    """Only wrong credentials count against the account-wide limit."""
    return response.status_code == 401


def _device_value(email: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"caseos.device:" + _email_key(email).encode(), hashlib.sha256).hexdigest()[:40]


def known_device() -> bool:
    """The request carries the device cookie of a browser that signed in to this account before."""
    given = request.cookies.get(DEVICE_COOKIE, "")
    return bool(given) and hmac.compare_digest(given, _device_value(_email()))


def remember_device(response, email: str):
    response.set_cookie(DEVICE_COOKIE, _device_value(email), max_age=DEVICE_COOKIE_MAX_AGE, httponly=True,
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), samesite="Lax",
                        path="/api/v1/auth/login")
    return response
