from marshmallow import fields, validate

from app.models.org import ROLES
from app.models.user import USER_TYPES
from app.schemas.common import ONE_LINE, SINGLE_LINE, OutSchema, StrictSchema, TimeZone


class RegisterIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=12, max=1024), load_only=True)
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), SINGLE_LINE], metadata=ONE_LINE)
    user_type = fields.String(load_default="SELF_REPRESENTED", validate=validate.OneOf(USER_TYPES), metadata={
        "description": "How you describe yourself; kept for compatibility and grants no power (an organization's "
                       "STAFF role, given by its OWNER, does)."})
    timezone = TimeZone()


class LoginIn(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=1024), load_only=True)


class PasswordChangeIn(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(max=1024))
    new_password = fields.String(required=True, validate=validate.Length(min=12, max=1024))


class UserOut(OutSchema):
    id = fields.UUID(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    user_type = fields.String(required=True, validate=validate.OneOf(USER_TYPES))
    timezone = fields.String()
    phone = fields.String(allow_none=True)
    address_line1 = fields.String(allow_none=True)
    address_line2 = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class UserEnvelope(OutSchema):
    user = fields.Nested(UserOut, required=True)


class LoginOut(OutSchema):
    user = fields.Nested(UserOut, required=True)
    token = fields.String(required=True)


class OrganizationOut(OutSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    personal = fields.Boolean()
    role = fields.String(validate=validate.OneOf(ROLES))
    allow_external_ai = fields.Boolean()
    created_at = fields.DateTime()


class MeOut(OutSchema):
    user = fields.Nested(UserOut, required=True)
    organizations = fields.List(fields.Nested(OrganizationOut), required=True)


class CsrfOut(OutSchema):
    csrf_token = fields.String(required=True)


def _contact(max_len: int, description: str):
    return fields.String(allow_none=True, validate=[validate.Length(max=max_len), SINGLE_LINE],
                         metadata={**ONE_LINE, "description": description + "; null or \"\" clears it"})


class MeUpdateIn(StrictSchema):
    name = fields.String(validate=[validate.Length(min=1, max=200), SINGLE_LINE], metadata=ONE_LINE)
    timezone = TimeZone()
    # Court forms are prefilled with these (PROFILE_FIELDS in app/services/accounts.py).
    phone = _contact(40, "Phone number, as it should appear on court forms")
    address_line1 = _contact(200, "Street address")
    address_line2 = _contact(200, "Apartment, suite or unit")
    city = _contact(100, "City or town")
    state = _contact(50, "State (two-letter code, e.g. WV)")
    postal_code = _contact(20, "ZIP code")
