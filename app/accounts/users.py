"""Accounts: registration, passwords, bearer tokens and server-side sessions."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import orm
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

from app.extensions import db
from app.models import ApiToken, Membership, Organization, User
from app.models.base import utcnow
from app.accounts import audit
from app.platform import keys, runtime
from app.platform.errors import Conflict, Unauthorized, ValidationFailed

# argon2id with m=64 MiB, t=3 (above OWASP's floor of m=19 MiB, t=2); no 72-byte limit as bcrypt has.
_hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=2)
# Verified for unknown e-mails so both failures cost the same time: a hash of a random password that
# was thrown away, made with the parameters above (written out, so no process pays a hash at import).
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=2$NRLwCG8VuOUIXXvZDE6dgA$f5FkKNYltutqDg7ZzvwoF+dWm1HX9Xs3wKluX3lYX+8"
MIN_PASSWORD = 12
MIN_STRENGTH = 3  # zxcvbn's score: 3 = "safely unguessable" (about 10^10 guesses or more)
ZXCVBN_MAX = 72   # zxcvbn's own limit; what follows does not make a password weaker
MAX_PASSWORD = 1024
BAD_LOGIN = "Wrong e-mail or password."


def _hash(password: str) -> str:
    """argon2id off the event loop, within the process's cap on concurrent checks (503 beyond it)."""
    return runtime.current().password_gate.run(_hasher.hash, password)


def _verify(stored: str, password: str) -> bool:
    return runtime.current().password_gate.run(_hasher.verify, stored, password)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_key(secret_key: str, email: str) -> str:
    """A keyed hash of an e-mail address, for rate-limit keys and logs: stable per address, and
    useless without SECRET_KEY to someone who reads Redis or the logs."""
    digest = hmac.new(secret_key.encode(), b"caseos.email:" + normalize_email(email)[:254].encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_password(password: str, known: tuple[str, ...] = (), field: str = "password"):
    """Long enough, not too long, and not guessable: zxcvbn (offline, nothing leaves the server)
    scores it against common passwords, names, keyboard patterns, repeats, and what the account
    already says about its owner (e-mail, name). Below MIN_STRENGTH is refused, with its advice."""
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(errors={field: [f"Use at least {MIN_PASSWORD} characters."]})
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed(errors={field: [f"Use at most {MAX_PASSWORD} characters."]})
    inputs = [part for value in known if value for part in (value, *re.split(r"[@.\s_+-]+", value)) if len(part) > 2]
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=inputs)
    if result["score"] < MIN_STRENGTH:
        feedback = result.get("feedback") or {}
        advice = " ".join([feedback.get("warning") or "", *(feedback.get("suggestions") or [])]).strip()
        raise ValidationFailed(errors={field: [
            "This password is too easy to guess. " + (advice or "Try a few uncommon words together.")]})


def new_organization(name: str, personal: bool) -> Organization:
    """An organization with its search key made now (see app/search/keys.py for why)."""
    org_id = uuid.uuid4()
    return Organization(id=org_id, name=name, personal=personal, search_key=keys.new_sealed_search_key(org_id))


def register(email: str, password: str, name: str, user_type: str = "SELF_REPRESENTED") -> User:
    """Create a user and its personal organization (the caller commits)."""
    email = normalize_email(email)
    _check_password(password, (email, name))
    if db.session.execute(sa.select(User.id).where(User.email == email)).first():
        raise Conflict("An account with this e-mail already exists.")
    user = User(email=email, name=name.strip(), user_type=user_type, password_hash=_hash(password),
                calendar_key=secrets.token_urlsafe(24))
    org = new_organization(f"{user.name} (personal)", personal=True)
    db.session.add_all([user, org])
    db.session.flush()
    db.session.add(Membership(user_id=user.id, organization_id=org.id, role="OWNER"))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("An account with this e-mail already exists.") from None
    audit.record("user.register", "user", user.id, user=user, organization_id=org.id)
    return user


NO_PASSWORD = "!external"  # not an argon2 hash: no password verifies against it


def register_external(email: str, name: str) -> User:
    """Create a user signed in through a provider (no password) and its personal organization."""
    user = User(email=normalize_email(email), name=name.strip(), user_type="SELF_REPRESENTED",
                password_hash=NO_PASSWORD, calendar_key=secrets.token_urlsafe(24))
    org = new_organization(f"{user.name} (personal)", personal=True)
    db.session.add_all([user, org])
    db.session.flush()
    db.session.add(Membership(user_id=user.id, organization_id=org.id, role="OWNER"))
    db.session.flush()
    audit.record("user.register", "user", user.id, user=user, organization_id=org.id, details={"via": "oidc"})
    return user


def has_password(user: User) -> bool:
    return user.password_hash != NO_PASSWORD


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials; the same error and similar time for every failure."""
    user = db.session.execute(sa.select(User).where(User.email == normalize_email(email or ""))).scalar_one_or_none()
    candidate = user.password_hash if user else _DUMMY_HASH
    try:
        ok = _verify(candidate, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.is_active:
        raise Unauthorized(BAD_LOGIN)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hash(password)
    return user


def issue_token(user: User, kind: str, ttl_days: int) -> str:
    """Create a bearer token or a session id; only its hash is stored."""
    raw = ("cos_" if kind == "bearer" else "") + secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(raw), kind=kind, created_at=now,
                            expires_at=now + timedelta(days=ttl_days)))
    return raw


def resolve_token(raw: str | None, kind: str) -> tuple[User, ApiToken] | None:
    """The user and token for a live token, in one statement.

    Token, user and the user's memberships (with their organizations) come back in a single
    round trip: the memberships fill ``user.memberships`` (contains_eager), so resolving the
    request's principal needs no further query. Nothing is cached: a revoked token, a
    deactivated user or a removed membership takes effect on the very next request.
    """
    if not raw or len(raw) > 200:
        return None
    rows = db.session.execute(
        sa.select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(User.memberships).outerjoin(Membership.organization)
        .options(orm.contains_eager(User.memberships).contains_eager(Membership.organization))
        .where(ApiToken.token_hash == hash_token(raw), ApiToken.kind == kind,
               ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow(), User.is_active.is_(True))
        .execution_options(populate_existing=True)
    ).unique().all()
    if not rows:
        return None
    token, user = rows[0]
    return user, token


def revoke(token: ApiToken):
    token.revoked_at = utcnow()


def revoke_all(user: User):
    """Every credential of the user stops working (logout everywhere, password change): sessions and
    tokens, signed download links (they carry the credential generation) and the calendar feed key."""
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    user.credential_generation = (user.credential_generation or 0) + 1
    if user.calendar_key:
        user.calendar_key = secrets.token_urlsafe(24)


def change_password(user: User, current: str, new: str):
    """Change (or, for an account made by a sign-in provider, set a first) password; every credential is revoked."""
    try:
        if has_password(user):
            _verify(user.password_hash, current or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise ValidationFailed(errors={"current_password": ["This is not your current password."]}) from None
    _check_password(new, (user.email, user.name), field="new_password")
    user.password_hash = _hash(new)
    revoke_all(user)
    audit.record("user.password_change", "user", user.id, user=user)


def csrf_token(secret_key: str, session_id: str) -> str:
    """CSRF token bound to the session: a cookie-only attacker cannot compute it."""
    return hmac.new(secret_key.encode(), b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret_key: str, session_id: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(secret_key, session_id), given)


PROFILE_FIELDS = ("phone", "address_line1", "address_line2", "city", "state", "postal_code")


def update_contact(user: User, changes: dict) -> None:
    """Set the contact details court forms are prefilled with; blank or None clears one (the caller commits)."""
    for key in PROFILE_FIELDS:
        if key in changes:
            value = (changes[key] or "").strip()
            setattr(user, key, value or None)
