"""Sign-in with Google, LinkedIn or any OpenID Connect provider; linked providers of the signed-in user."""
import functools

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from app.accounts import oidc
from app.accounts import users as accounts
from app.api.auth import start_session
from app.extensions import db, limiter
from app.platform.errors import DomainError, Unauthorized, ValidationFailed
from app.schemas.oidc import CallbackArgs, IdentityList, ProviderList, StartArgs

bp = Blueprint("oidc", __name__, url_prefix="/api/v1/auth", description="Sign-in with Google, LinkedIn, OpenID Connect")
FLOW_KEY = "oidc_flow"  # the state of the sign-in this browser started (login CSRF: the callback must match)
DEFAULT_NEXT = "/app/dashboard"


def _auth_limit():
    return current_app.config["RATELIMIT_AUTH"]


def _callback_url(provider: str) -> str:
    base = current_app.config["CASEOS_CONFIG"].PUBLIC_URL.rstrip("/")
    return base + url_for("oidc.callback", provider=provider)


def _page_for_browsers(view):
    """A sign-in that fails in a person's browser ends on a page that says why (the web client's sign-in or
    account page, with the error's code); an API client, which asks for JSON, keeps the problem document."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except DomainError as err:
            if request.accept_mimetypes.best_match(("application/json", "text/html")) != "text/html":
                raise
            db.session.rollback()
            page = "web.account" if current_user.is_authenticated else "web.signin"
            return redirect(url_for(page, error=err.extra.get("code") or err.code), code=303)
    return wrapped


@bp.get("/oidc/providers")
@bp.response(200, ProviderList)
def providers():
    """The sign-in providers configured on this server, with the URL that starts each."""
    return {"items": [{"name": p.name, "label": p.label, "start_url": url_for("oidc.start", provider=p.name)}
                      for p in oidc.providers().values()]}


@bp.get("/oidc/<string:provider>/start")
@limiter.limit(_auth_limit)
@bp.arguments(StartArgs, location="query")
@bp.response(302, description="To the provider's sign-in page")
@_page_for_browsers
def start(args, provider):
    """Start signing in (or, with link=true while signed in, linking) with a provider."""
    p = oidc.provider(provider)
    client_redirect = args.get("redirect_uri")
    if client_redirect and not oidc.client_redirect_allowed(client_redirect):
        raise ValidationFailed(errors={"redirect_uri": ["Not a registered redirect URI (OAUTH_CLIENT_REDIRECTS)."]})
    if args["link"] and not current_user.is_authenticated:
        raise Unauthorized("Sign in first to link a provider to your account.")
    url, state = oidc.begin(p, _callback_url(p.name), link_user=current_user if args["link"] else None,
                            client_redirect=client_redirect, next_path=_safe_next(args.get("next")))
    db.session.commit()
    session[FLOW_KEY] = state
    return redirect(url, code=302)


@bp.get("/oidc/<string:provider>/callback")
@limiter.limit(_auth_limit)
@bp.arguments(CallbackArgs, location="query", unknown="exclude")
@bp.response(302, description="Signed in: to the page asked for, or to the API client's redirect URI with a token")
@_page_for_browsers
def callback(args, provider):
    """Where the provider sends the person back: checks everything, signs in, and redirects."""
    p = oidc.provider(provider)
    flow = oidc.take_state(p, args.get("state"))
    db.session.commit()  # the state is spent whatever happens next
    if session.pop(FLOW_KEY, None) != args.get("state"):
        raise oidc.SignInRefused("This sign-in was started in another browser; start again here.",
                                 code="oidc_state_invalid")
    if args.get("error"):
        raise oidc.SignInRefused("The provider did not sign you in: " + args["error"][:100], code="oidc_cancelled")
    claims = oidc.exchange(p, flow, args.get("code"), _callback_url(p.name))
    user, _created = oidc.resolve_user(p, flow, claims)
    token = start_session(user, method=f"oidc:{p.name}")
    db.session.commit()
    if flow.client_redirect:
        ttl = current_app.config["TOKEN_TTL_DAYS"] * 86400
        return redirect(f"{flow.client_redirect}#token={token}&token_type=Bearer&expires_in={ttl}", code=302)
    return redirect(flow.next_path or DEFAULT_NEXT, code=302)


@bp.get("/identities")
@bp.response(200, IdentityList)
def identities():
    """The sign-in providers linked to your account."""
    return {"items": oidc.identities(current_user), "has_password": accounts.has_password(current_user)}


@bp.delete("/identities/<uuid:identity_id>")
@bp.response(204)
def unlink(identity_id):
    """Unlink a provider (refused when it is your only way to sign in)."""
    oidc.unlink(current_user, identity_id)
    db.session.commit()


def _safe_next(value: str | None) -> str | None:
    """Only a path of this site: never another host (open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None
