"""Accounts: register, login, logout, me, CSRF token."""
from flask import current_app, g, session
from flask_login import current_user
from flask_smorest import Blueprint

from app.extensions import db, limiter
from app.schemas.auth import (CsrfOut, LoginIn, LoginOut, MeOut, MeUpdateIn, PasswordChangeIn, RegisterIn,
                              UserEnvelope)
from app.services import accounts, audit, organizations
from app.services.errors import ValidationFailed

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and sessions")


def _auth_limit():
    return current_app.config["RATELIMIT_AUTH"]


def _login_key():
    # Per address *and* e-mail: a flood against one account from elsewhere does not lock its owner out.
    from flask import request
    from flask_limiter.util import get_remote_address
    email = ((request.get_json(silent=True) or {}).get("email") or "") if request.is_json else ""
    return f"{get_remote_address()}|{str(email).strip().lower()[:254]}"


@bp.post("/register")
@limiter.limit(_auth_limit)
@bp.arguments(RegisterIn)
@bp.response(201, UserEnvelope)
def register(data):
    """Create an account and its personal organization."""
    tz = data.pop("timezone", None)
    user = accounts.register(data["email"], data["password"], data["name"], data["user_type"])
    if tz:
        _set_timezone(user, tz)
    db.session.commit()
    return {"user": user}


@bp.post("/login")
@limiter.limit(_auth_limit, key_func=_login_key)
@bp.arguments(LoginIn)
@bp.response(200, LoginOut)
def login(data):
    """Sign in: returns a bearer token and sets a session cookie."""
    user = accounts.authenticate(data["email"], data["password"])
    ttl = current_app.config["TOKEN_TTL_DAYS"]
    token = accounts.issue_token(user, "bearer", ttl)
    session.clear()  # a fresh session id at every login (no fixation)
    session["sid"] = accounts.issue_token(user, "session", 1)
    session.permanent = True
    audit.record("user.login", "user", user.id, user=user)
    db.session.commit()
    return {"user": user, "token": token}


@bp.post("/logout")
@bp.response(204)
def logout():
    """Sign out: revokes the token or session used for this request."""
    accounts.revoke(g.token)
    session.clear()
    db.session.commit()


@bp.post("/logout-all")
@bp.response(204)
def logout_all():
    """Revoke every session and token of the signed-in user."""
    accounts.revoke_all(current_user)
    session.clear()
    db.session.commit()


@bp.get("/me")
@bp.response(200, MeOut)
def me():
    """The signed-in user and the organizations they belong to."""
    orgs = organizations.list_for(current_user)
    return {"user": current_user, "organizations": [_org(o, r) for o, r in orgs]}


@bp.patch("/me")
@bp.arguments(MeUpdateIn)
@bp.response(200, UserEnvelope)
def update_me(data):
    """Change your name or time zone (reminders follow it)."""
    if "name" in data:
        current_user.name = data["name"]
    if "timezone" in data:
        _set_timezone(current_user, data["timezone"])
    db.session.commit()
    return {"user": current_user}


@bp.post("/password")
@limiter.limit(_auth_limit)
@bp.arguments(PasswordChangeIn)
@bp.response(204)
def change_password(data):
    """Change your password; every session and token is revoked."""
    accounts.change_password(current_user, data["current_password"], data["new_password"])
    session.clear()
    db.session.commit()


@bp.get("/csrf")
@bp.response(200, CsrfOut)
def csrf():
    """The CSRF token to send as X-CSRF-Token on unsafe requests made with the session cookie."""
    return {"csrf_token": accounts.csrf_token(current_app.config["SECRET_KEY"], session.get("sid", ""))}


def _org(org, role):
    return {"id": org.id, "name": org.name, "personal": org.personal, "role": role,
            "allow_external_ai": org.allow_external_ai, "created_at": org.created_at}


def _set_timezone(user, tz):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(errors={"timezone": ["Unknown time zone; use an IANA name like America/New_York."]}) from None
    user.timezone = tz
