from marshmallow import fields

from app.schemas.common import OutSchema, PageArgs, page_of


class AuditArgs(PageArgs):
    case_id = fields.UUID()


class AuditEventOut(OutSchema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    user_id = fields.UUID(allow_none=True)
    action = fields.String(required=True)
    resource_type = fields.String(required=True)
    resource_id = fields.String(allow_none=True)
    case_id = fields.UUID(allow_none=True)
    client_ip = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    hash = fields.String(required=True)


AuditList = page_of(AuditEventOut, "AuditList")
