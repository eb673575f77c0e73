"""Shapes shared by every resource: pagination, problems."""
import re
from zoneinfo import available_timezones

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate


# Names and titles are one line: a CR/LF or other control character in them breaks e-mail
# headers, iCalendar files and logs downstream (a case title with a line break made every
# calendar of its case a 500). Multi-line fields (descriptions, contacts) do not use this.
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f\u2028\u2029]*$"  # as documented (ECMA-262, for clients)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
ONE_LINE = {"pattern": SINGLE_LINE_PATTERN}  # field metadata that documents the rule


def SINGLE_LINE(value):  # noqa: N802 - used like the validate.* constants
    # Not validate.Regexp: Python's "$" also matches before a final line break.
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValidationError("Use a single line, without line breaks or control characters.")


class JsonBoolean(fields.Boolean):
    """true or false as JSON booleans: 0, 1, "yes" are refused, as the OpenAPI document (boolean) says.
    Query-string flags keep fields.Boolean (a query string has no booleans)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class LocalTime(fields.Time):
    """A time of day; an offset, if given, must be one PostgreSQL can store (within +-15:59)."""

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        offset = result.utcoffset()
        if offset is not None and abs(offset.total_seconds()) >= 16 * 3600:
            raise ValidationError("Use a time like 14:30, with an offset (if any) between -15:59 and +15:59.")
        return result


TIME_ZONES = tuple(sorted(available_timezones()))


def TimeZone(**kwargs):  # noqa: N802 - a field factory, used like a field class
    """An IANA time zone name; the document lists exactly the names the server knows."""
    return fields.String(validate=validate.OneOf(TIME_ZONES, error="Unknown time zone; use an IANA name like "
                                                                     "America/New_York."), **kwargs)


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
