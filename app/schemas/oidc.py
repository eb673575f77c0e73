"""Sign-in with OpenID Connect providers: the providers offered, the start of a sign-in, linked identities."""
from marshmallow import fields, validate

from app.schemas.common import OutSchema, StrictSchema


class ProviderOut(OutSchema):
    name = fields.String(required=True, metadata={"description": "google, linkedin or oidc (in the URLs)."})
    label = fields.String(required=True)
    start_url = fields.String(required=True)


class ProviderList(OutSchema):
    items = fields.List(fields.Nested(ProviderOut), required=True)


class StartArgs(StrictSchema):
    next = fields.String(validate=validate.Length(max=300), metadata={
        "description": "Browser sign-in: the path of this site to go to afterwards (default /app/dashboard)."})
    redirect_uri = fields.String(validate=validate.Length(max=300), metadata={
        "description": "API clients: a registered redirect URI (OAUTH_CLIENT_REDIRECTS) that receives "
                       "`#token=...&token_type=Bearer&expires_in=...` after sign-in."})
    link = fields.Boolean(load_default=False, metadata={
        "description": "Signed in already: link this provider to your account instead of signing in."})


class CallbackArgs(OutSchema):
    """What the provider sends back (unknown parameters are ignored)."""

    state = fields.String()
    code = fields.String()
    error = fields.String()
    error_description = fields.String()


class IdentityOut(OutSchema):
    id = fields.UUID(required=True)
    provider = fields.String(required=True)
    email = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True)


class IdentityList(OutSchema):
    items = fields.List(fields.Nested(IdentityOut), required=True)
    has_password = fields.Boolean(required=True, metadata={
        "description": "False for an account made by a sign-in provider (POST /auth/password sets one)."})
