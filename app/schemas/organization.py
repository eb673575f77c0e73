from marshmallow import fields, validate

from app.models.org import ROLES
from app.schemas.auth import OrganizationOut
from app.schemas.common import ONE_LINE, JsonBoolean, SINGLE_LINE, OutSchema, StrictSchema


class OrganizationIn(StrictSchema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), SINGLE_LINE], metadata=ONE_LINE)


class OrganizationUpdateIn(StrictSchema):
    allow_external_ai = JsonBoolean(required=True)


class OrganizationList(OutSchema):
    items = fields.List(fields.Nested(OrganizationOut), required=True)


class MemberIn(StrictSchema):
    email = fields.Email(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class MemberOut(OutSchema):
    id = fields.UUID(required=True)
    user_id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class MemberDetailOut(MemberOut):
    name = fields.String(required=True, metadata={"description": "The member's name, as plain text."})
    email = fields.String(required=True)
    created_at = fields.DateTime()


class MemberList(OutSchema):
    items = fields.List(fields.Nested(MemberDetailOut), required=True)


class MemberRoleIn(StrictSchema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class InvitationSent(OutSchema):
    status = fields.String(required=True, metadata={"description": "Always \"invited\": the same answer whether "
                                                                    "or not the address has an account."})
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    expires_at = fields.DateTime(required=True)


class InvitationOrganization(OutSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True, metadata={"description": "Written by the inviter: show it as plain text."})


class InvitationOut(OutSchema):
    id = fields.UUID(required=True)
    organization = fields.Nested(InvitationOrganization, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)


class InvitationList(OutSchema):
    items = fields.List(fields.Nested(InvitationOut), required=True)
