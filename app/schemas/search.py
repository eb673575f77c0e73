from marshmallow import fields, validate

from app.models.document import DOCUMENT_TYPES
from app.schemas.common import OutSchema, PageArgs


class SearchArgs(PageArgs):
    q = fields.String(required=True, validate=validate.Length(min=1, max=500))
    case_id = fields.UUID()
    document_type = fields.String(validate=validate.OneOf(DOCUMENT_TYPES))
    date_from = fields.Date()
    date_to = fields.Date()


class SearchHit(OutSchema):
    document_id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    title = fields.String(required=True)
    document_type = fields.String(allow_none=True)
    score = fields.Float(required=True)
    pages = fields.List(fields.Integer())
    snippets = fields.List(fields.String(), required=True)


class SearchResults(OutSchema):
    items = fields.List(fields.Nested(SearchHit), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Matching documents, at most 1,000"})
    total_is_lower_bound = fields.Boolean(required=True, metadata={
        "description": "True when more than 1,000 documents match: show the total as \"1,000+\""})
