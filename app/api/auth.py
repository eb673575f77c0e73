"""Accounts: register, login, logout, me, CSRF token."""
from flask import after_this_request, current_app, g, session
from flask_login import current_user
from flask_smorest import Blueprint

from app.extensions import db, limiter
from app.schemas.auth import (CsrfOut, LoginIn, LoginOut, MeOut, MeUpdateIn, PasswordChangeIn, RegisterIn,
                              UserEnvelope)
from app.accounts import users as accounts, audit, organizations
from app.api import login_limits as limits
from app.deadlines import service as deadline_service
from app.platform.errors import ValidationFailed
from app.models import ApiToken
from app.models.base import utcnow

BUSY = "Too many password checks are running on this server (a flood): retry after Retry-After seconds."
bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and sessions")


@bp.post("/register")
@limiter.limit(limits.auth_limit)
@bp.alt_response(503, response="SERVICE_UNAVAILABLE", description=BUSY)
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
@limiter.limit(limits.auth_limit, key_func=limits.login_key)
@limiter.limit(limits.per_address_limit, scope="login-per-address")
@limiter.limit(limits.account_limit, key_func=limits.account_key, scope="login-per-account",
               deduct_when=limits.failed, exempt_when=limits.known_device)
@bp.alt_response(503, response="SERVICE_UNAVAILABLE", description=BUSY)
@bp.arguments(LoginIn)
@bp.response(200, LoginOut)
def login(data):
    """Sign in: returns a bearer token and sets a session cookie."""
    user = accounts.authenticate(data["email"], data["password"])
    after_this_request(lambda response: limits.remember_device(response, data["email"]))
    token = start_session(user)
    db.session.commit()
    return {"user": user, "token": token}


def start_session(user, method: str = "password") -> str:
    """Sign the user in: a new bearer token and a fresh session cookie; returns the token (the caller commits)."""
    token = accounts.issue_token(user, "bearer", current_app.config["TOKEN_TTL_DAYS"])
    session.clear()  # a fresh session id at every login (no fixation)
    session["sid"] = accounts.issue_token(user, "session", 1)
    # The bearer token issued with this session (its hash only): signing out of the session revokes it too.
    session["tid"] = accounts.hash_token(token)
    session.permanent = True
    audit.record("user.login", "user", user.id, user=user, details={"method": method} if method != "password" else None)
    return token


@bp.post("/logout")
@bp.response(204)
def logout():
    """Sign out: revokes the token or session used for this request, and the credential issued with it
    by the same sign-in (the bearer token of a cookie session, the session cookie sent along a token)."""
    accounts.revoke(g.token)
    _revoke_login_sibling()
    session.clear()
    db.session.commit()


def _revoke_login_sibling():
    import sqlalchemy as sa

    hashes = []
    if g.get("auth_method") == "cookie" and isinstance(session.get("tid"), str):
        hashes.append(session["tid"])
    if g.get("auth_method") == "bearer" and isinstance(session.get("sid"), str):
        hashes.append(accounts.hash_token(session["sid"]))
    if hashes:
        db.session.execute(sa.update(ApiToken)
                           .where(ApiToken.token_hash.in_(hashes), ApiToken.user_id == current_user.id,
                                  ApiToken.revoked_at.is_(None))
                           .values(revoked_at=utcnow()))


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
    """Change your name, time zone (reminders follow it), address or phone (court forms are prefilled with them)."""
    if "name" in data:
        current_user.name = data["name"]
    accounts.update_contact(current_user, data)
    if "timezone" in data:
        _set_timezone(current_user, data["timezone"])
        # Reminders are due at 8:00 in the user's zone: move the unsent ones.
        deadline_service.reschedule_for_organizations([m.organization_id for m in current_user.memberships])
    db.session.commit()
    return {"user": current_user}


@bp.post("/password")
@limiter.limit(limits.auth_limit)
@bp.alt_response(503, response="SERVICE_UNAVAILABLE", description=BUSY)
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
