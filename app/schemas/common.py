"""Shapes shared by every resource: pagination, problems."""
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate


class StrictSchema(Schema):
    """Input schema: unknown fields are refused (so `organization_id` can never be smuggled in)."""

    class Meta:
        unknown = RAISE


class OutSchema(Schema):
    class Meta:
        unknown = EXCLUDE
        ordered = True


class PageArgs(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PageMeta(OutSchema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


def page_of(item_schema, name):
    """A list response schema {items, page, per_page, total}."""
    return type(name, (PageMeta,), {"items": fields.List(fields.Nested(item_schema), required=True)})


class Problem(OutSchema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    code = fields.String()
    request_id = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())
