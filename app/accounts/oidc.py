"""Sign-in with OpenID Connect providers (Google, LinkedIn, or any issuer), through Authlib.

The authorization code flow with PKCE (S256), a random ``state`` and ``nonce`` per sign-in:

* ``begin()`` records the sign-in in ``oauth_states`` (only the state's hash is the key) and returns
  the provider's authorization URL (Authlib builds it, with the code challenge);
* ``complete()`` takes the state back out of the table - a state is used once: a replayed or
  unknown one is refused -, exchanges the code (with the PKCE verifier) at the provider's token
  endpoint, and checks the ID token: signature against the provider's published keys (JWKS, RS/ES
  algorithms only), issuer, audience (our client id), expiry and the nonce of this sign-in;
* the person is then found by (provider, subject), or the account with that e-mail is linked -
  only when the provider says the e-mail is verified -, or a new account and its personal
  organization are created (also only with a verified e-mail, so nobody can take an address).

Provider metadata comes from ``{issuer}/.well-known/openid-configuration`` (kept an hour per process).
Nothing here knows HTTP requests or sessions: app/api/oidc.py does.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
import sqlalchemy as sa
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import JoseError
from authlib.oidc.core import CodeIDToken

from app.accounts import audit
from app.accounts import users as accounts
from app.extensions import db
from app.models import OAuthIdentity, OAuthState, User
from app.models.base import utcnow
from app.platform import runtime
from app.platform.errors import Conflict, DependencyDown, DomainError, Forbidden, NotFound, Unauthorized

STATE_TTL = timedelta(minutes=10)
METADATA_TTL = 3600
_JWT = JsonWebToken(["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"])  # never "none", never HS*
_metadata_cache: dict[str, tuple[float, dict]] = {}
_jwks_cache: dict[str, dict] = {}


class SignInRefused(DomainError):
    status, title, code = 400, "Sign-in refused", "oidc_refused"


@dataclass(frozen=True)
class Provider:
    name: str          # in URLs: google, linkedin, oidc
    label: str
    issuer: str
    client_id: str
    client_secret: str | None


def providers() -> dict[str, Provider]:
    """The providers configured by environment (a provider is offered when its client id is set)."""
    c = runtime.current().config
    table = (("google", "Google", c.OAUTH_GOOGLE_ISSUER, c.OAUTH_GOOGLE_CLIENT_ID, c.OAUTH_GOOGLE_CLIENT_SECRET),
             ("linkedin", "LinkedIn", c.OAUTH_LINKEDIN_ISSUER, c.OAUTH_LINKEDIN_CLIENT_ID,
              c.OAUTH_LINKEDIN_CLIENT_SECRET),
             ("oidc", c.OAUTH_OIDC_NAME, c.OAUTH_OIDC_ISSUER, c.OAUTH_OIDC_CLIENT_ID, c.OAUTH_OIDC_CLIENT_SECRET))
    return {name: Provider(name, label, issuer.rstrip("/"), client_id, secret)
            for name, label, issuer, client_id, secret in table if client_id and issuer}


def provider(name: str) -> Provider:
    found = providers().get(name)
    if found is None:
        raise NotFound("No such sign-in provider is configured here.")
    return found


def client_redirect_allowed(uri: str | None) -> bool:
    allowed = runtime.current().config.OAUTH_CLIENT_REDIRECTS or ""
    return bool(uri) and uri in {u.strip() for u in allowed.split(",") if u.strip()}


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _http_get_json(url: str) -> dict:
    try:
        resp = httpx.get(url, timeout=runtime.current().config.OAUTH_HTTP_TIMEOUT, follow_redirects=False)
        resp.raise_for_status()
        return resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise DependencyDown("The sign-in provider did not answer; try again shortly.") from exc


def metadata(p: Provider) -> dict:
    """The provider's discovery document; its issuer must be the one configured."""
    cached = _metadata_cache.get(p.issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    data = _http_get_json(p.issuer + "/.well-known/openid-configuration")
    if str(data.get("issuer", "")).rstrip("/") != p.issuer:
        raise DependencyDown("The sign-in provider's discovery document names another issuer.")
    _metadata_cache[p.issuer] = (time.monotonic() + METADATA_TTL, data)
    return data


def _keys(p: Provider, refresh: bool = False):
    uri = metadata(p)["jwks_uri"]
    if refresh or uri not in _jwks_cache:
        _jwks_cache[uri] = _http_get_json(uri)
    return JsonWebKey.import_key_set(_jwks_cache[uri])


def _client(p: Provider, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(client_id=p.client_id, client_secret=p.client_secret, scope="openid email profile",
                        redirect_uri=redirect_uri, code_challenge_method="S256",
                        token_endpoint_auth_method="client_secret_post" if p.client_secret else "none",
                        timeout=runtime.current().config.OAUTH_HTTP_TIMEOUT)


def begin(p: Provider, redirect_uri: str, *, link_user: User | None = None, client_redirect: str | None = None,
          next_path: str | None = None) -> tuple[str, str]:
    """Record a sign-in and return (the provider's authorization URL, the state to bind to the browser)."""
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    now = utcnow()
    db.session.execute(sa.delete(OAuthState).where(OAuthState.created_at < now - STATE_TTL))
    db.session.add(OAuthState(state_hash=_hash(state), provider=p.name, nonce=nonce, code_verifier=verifier,
                              link_user_id=link_user.id if link_user else None, client_redirect=client_redirect,
                              next_path=next_path, created_at=now))
    with _client(p, redirect_uri) as client:
        url, _ = client.create_authorization_url(metadata(p)["authorization_endpoint"], state=state, nonce=nonce,
                                                 code_verifier=verifier)
    return url, state


def take_state(p: Provider, state: str | None) -> OAuthState:
    """The sign-in this state started, removed so it can never be used again (refused if unknown or old)."""
    if not state or len(state) > 200:
        raise SignInRefused("The sign-in has no state; start again.", code="oidc_state_invalid")
    row = db.session.get(OAuthState, _hash(state))
    gone = db.session.execute(sa.delete(OAuthState).where(OAuthState.state_hash == _hash(state))).rowcount
    if row is None or not gone or row.provider != p.name or row.created_at < utcnow() - STATE_TTL:
        raise SignInRefused("This sign-in link was already used or has expired; start again.",
                            code="oidc_state_invalid")
    return row


def exchange(p: Provider, flow: OAuthState, code: str | None, redirect_uri: str) -> dict:
    """Trade the code for tokens (with the PKCE verifier) and return the checked ID token's claims."""
    if not code:
        raise SignInRefused("The provider sent no authorization code.", code="oidc_no_code")
    try:
        with _client(p, redirect_uri) as client:
            token = client.fetch_token(metadata(p)["token_endpoint"], code=code, code_verifier=flow.code_verifier)
    except httpx.HTTPError as exc:
        raise DependencyDown("The sign-in provider did not answer; try again shortly.") from exc
    except OAuthError as exc:  # the provider refused: a used or wrong code, a wrong verifier or secret
        raise SignInRefused("The provider refused the sign-in code.", code="oidc_code_refused") from exc
    if not token.get("id_token"):
        raise SignInRefused("The provider sent no ID token.", code="oidc_no_id_token")
    return check_id_token(p, token["id_token"], flow.nonce, token.get("access_token"))


def check_id_token(p: Provider, id_token: str, nonce: str, access_token: str | None = None) -> dict:
    """Signature (the provider's keys), issuer, audience, expiry and nonce of an ID token; its claims."""
    options = {"iss": {"essential": True, "value": metadata(p)["issuer"]},
               "aud": {"essential": True, "value": p.client_id}, "sub": {"essential": True},
               "exp": {"essential": True}, "nonce": {"essential": True, "value": nonce}}
    params = {"nonce": nonce, "client_id": p.client_id}
    if access_token:
        params["access_token"] = access_token
    error: Exception | None = None
    for refresh in (False, True):  # a key rotated since the set was fetched: fetch it once more
        try:
            claims = _JWT.decode(id_token, _keys(p, refresh), claims_cls=CodeIDToken, claims_options=options,
                                 claims_params=params)
            claims.validate(leeway=60)
            return dict(claims)
        except (JoseError, ValueError) as exc:  # a bad signature or claim, a malformed token, an unknown key
            error = exc
    raise Unauthorized("The provider's ID token did not pass its checks.", code="oidc_token_invalid") from error


def resolve_user(p: Provider, flow: OAuthState, claims: dict) -> tuple[User, bool]:
    """The user these claims sign in as, (user, created): a linked identity, a linked account, or a new one."""
    subject = str(claims["sub"])
    identity = db.session.execute(sa.select(OAuthIdentity).where(
        OAuthIdentity.provider == p.name, OAuthIdentity.subject == subject)).scalar_one_or_none()
    if flow.link_user_id is not None:
        return _link_to_signed_in(p, flow, claims, identity), False
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        if user is None or not user.is_active:
            raise Forbidden("This account is disabled.")
        identity.last_used_at = utcnow()
        return user, False
    email = accounts.normalize_email(str(claims.get("email") or ""))
    if not email or claims.get("email_verified") is not True:
        raise Forbidden("The provider does not say this e-mail address is verified, so it cannot sign you in or "
                        "be linked to an account. Verify it with the provider, or sign in with your password.",
                        code="oidc_email_unverified")
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    created = user is None
    if created:
        user = accounts.register_external(email, _name(claims, email))
    elif not user.is_active:
        raise Forbidden("This account is disabled.")
    _add_identity(p, user, subject, email)
    return user, created


def _link_to_signed_in(p: Provider, flow: OAuthState, claims: dict, identity: OAuthIdentity | None) -> User:
    user = db.session.get(User, flow.link_user_id)
    if user is None or not user.is_active:
        raise Forbidden("This account is disabled.")
    if identity is not None and identity.user_id != user.id:
        raise Conflict("This provider account already signs in to another CaseOS account.",
                       code="oidc_identity_taken")
    if identity is None:
        _add_identity(p, user, str(claims["sub"]), claims.get("email"))
    return user


def _add_identity(p: Provider, user: User, subject: str, email) -> OAuthIdentity:
    identity = OAuthIdentity(user_id=user.id, provider=p.name, issuer=p.issuer, subject=subject,
                             email=str(email)[:254] if email else None, created_at=utcnow(), last_used_at=utcnow())
    db.session.add(identity)
    db.session.flush()
    audit.record("user.identity_linked", "user", user.id, user=user, details={"provider": p.name})
    return identity


def _name(claims: dict, email: str) -> str:
    name = " ".join(str(claims.get("name") or "").split())
    return (name or email.split("@")[0])[:200]


def identities(user: User) -> list[OAuthIdentity]:
    return list(db.session.execute(sa.select(OAuthIdentity).where(OAuthIdentity.user_id == user.id)
                                   .order_by(OAuthIdentity.created_at)).scalars())


def unlink(user: User, identity_id) -> None:
    """Remove a linked provider; refused when it is the last way in (no password and no other provider)."""
    identity = db.session.execute(sa.select(OAuthIdentity).where(
        OAuthIdentity.id == identity_id, OAuthIdentity.user_id == user.id)).scalar_one_or_none()
    if identity is None:
        raise NotFound("No such linked sign-in.")
    if not accounts.has_password(user) and len(identities(user)) == 1:
        raise Conflict("This is your only way to sign in: set a password first, or link another provider.",
                       code="last_sign_in_method")
    db.session.delete(identity)
    audit.record("user.identity_unlinked", "user", user.id, user=user, details={"provider": identity.provider})

