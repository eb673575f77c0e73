from marshmallow import fields, validate

from app.models.org import ROLES
from app.models.user import USER_TYPES
from app.schemas.common import ONE_LINE, SINGLE_LINE, OutSchema, StrictSchema


class RegisterIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=12, max=1024), load_only=True)
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), SINGLE_LINE], metadata=ONE_LINE)
    user_type = fields.String(load_default="SELF_REPRESENTED", validate=validate.OneOf(USER_TYPES))
    timezone = fields.String(validate=validate.Length(max=64))


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


class MeUpdateIn(StrictSchema):
    name = fields.String(validate=[validate.Length(min=1, max=200), SINGLE_LINE], metadata=ONE_LINE)
    timezone = fields.String(validate=validate.Length(min=1, max=64))
