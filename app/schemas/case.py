import decimal

from marshmallow import ValidationError, fields, validate

from app.models.case import CASE_STATUSES, CASE_TYPES, COURT_TYPES, PARTY_ROLES, PARTY_STATUSES
from app.schemas.common import ONE_LINE, SINGLE_LINE, OutSchema, PageArgs, StrictSchema, page_of

AMOUNT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


def _amount_in_range(value):
    # Not validate.Range: apispec would publish its bounds as strings ("999999999999.00") on a
    # string-typed field, which is not valid OpenAPI (found by Schemathesis).
    if value is not None and not (0 <= value <= 999999999999.99):
        raise ValidationError("Must be between 0 and 999999999999.99.")


JURISDICTION = validate.Regexp(r"^[A-Z]{2}(-[A-Z0-9]{2,6})?$", error="Use a code such as US-FED, US-WV or US-MA.")


class CaseIn(StrictSchema):
    title = fields.String(required=True, validate=[validate.Length(min=1, max=300), SINGLE_LINE], metadata=ONE_LINE)
    description = fields.String(allow_none=True, validate=validate.Length(max=20000))
    case_type = fields.String(required=True, validate=validate.OneOf(CASE_TYPES))
    court_type = fields.String(required=True, validate=validate.OneOf(COURT_TYPES))
    jurisdiction = fields.String(required=True, validate=JURISDICTION)
    county = fields.String(allow_none=True, validate=[validate.Length(max=120), SINGLE_LINE], metadata=ONE_LINE)
    case_number = fields.String(allow_none=True, validate=[validate.Length(max=120), SINGLE_LINE], metadata=ONE_LINE)
    filing_deadline = fields.Date(allow_none=True)
    dispute_amount = fields.Decimal(allow_none=True, places=2, as_string=True, validate=_amount_in_range,
                                    metadata={"type": "string", "pattern": AMOUNT_PATTERN,
                                              "description": "Amount in dollars, 0 to 999999999999.99, "
                                                             "as a string: \"1250.00\"."})
    status = fields.String(validate=validate.OneOf(CASE_STATUSES))


class CasePatch(CaseIn):
    """Any subset of the case fields (instantiate with partial=True)."""


class DeadlineBrief(OutSchema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    due_date = fields.Date(required=True)
    due_time = fields.Time(allow_none=True)
    status = fields.String(required=True)


class CaseOut(OutSchema):
    id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    title = fields.String(required=True)
    description = fields.String(allow_none=True)
    case_type = fields.String(required=True, validate=validate.OneOf(CASE_TYPES))
    court_type = fields.String(required=True, validate=validate.OneOf(COURT_TYPES))
    jurisdiction = fields.String(required=True)
    county = fields.String(allow_none=True)
    case_number = fields.String(allow_none=True)
    filing_deadline = fields.Date(allow_none=True)
    dispute_amount = fields.Decimal(allow_none=True, places=2, as_string=True,
                                    metadata={"type": "string", "pattern": AMOUNT_PATTERN})
    status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    document_count = fields.Integer()
    next_deadlines = fields.List(fields.Nested(DeadlineBrief))
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class CaseEnvelope(OutSchema):
    case = fields.Nested(CaseOut, required=True)


CaseList = page_of(CaseOut, "CaseList")

_CENTS = decimal.Decimal("0.01")


def _iso(value):
    return None if value is None else value.isoformat()


def _str(value):
    return None if value is None else str(value)


def _amount(value):
    # as fields.Decimal(places=2, as_string=True) does it
    if value is None:
        return None
    num = decimal.Decimal(str(value))
    if num.is_finite():
        num = num.quantize(_CENTS)
    return format(num, "f")


def case_out(case) -> dict:
    """CaseOut().dump(case) without marshmallow's per-field machinery: the same keys, order and
    values (tests/api/test_cases_list.py compares the two); the case list dumps 20 of these per
    request. Keep it in step with CaseOut."""
    return {
        "id": str(case.id),
        "organization_id": str(case.organization_id),
        "title": _str(case.title),
        "description": _str(case.description),
        "case_type": _str(case.case_type),
        "court_type": _str(case.court_type),
        "jurisdiction": _str(case.jurisdiction),
        "county": _str(case.county),
        "case_number": _str(case.case_number),
        "filing_deadline": _iso(case.filing_deadline),
        "dispute_amount": _amount(case.dispute_amount),
        "status": _str(case.status),
        "document_count": int(case.document_count),
        "next_deadlines": [{"id": str(d.id), "title": _str(d.title), "due_date": _iso(d.due_date),
                            "due_time": _iso(d.due_time), "status": _str(d.status)}
                           for d in case.next_deadlines],
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
    }


def case_list_out(items, page: int, per_page: int, total: int) -> dict:
    """CaseList().dump(...) for a page of cases (see case_out)."""
    return {"page": page, "per_page": per_page, "total": total, "items": [case_out(c) for c in items]}


class CaseListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(CASE_STATUSES))
    case_type = fields.String(validate=validate.OneOf(CASE_TYPES))
    q = fields.String(validate=validate.Length(max=200))


class TimelineItem(OutSchema):
    date = fields.DateTime(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    resource_id = fields.String()


class Timeline(OutSchema):
    items = fields.List(fields.Nested(TimelineItem), required=True)


class PartyIn(StrictSchema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=300), SINGLE_LINE], metadata=ONE_LINE)
    role = fields.String(required=True, validate=validate.OneOf(PARTY_ROLES))
    contact = fields.String(allow_none=True, validate=validate.Length(max=2000))


class PartyPatch(PartyIn):
    """Any subset of the party fields (instantiate with partial=True); ``status: CONFIRMED`` confirms a party
    suggested from a document."""
    status = fields.String(validate=validate.OneOf(PARTY_STATUSES))


class PartyOut(OutSchema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(PARTY_ROLES))
    contact = fields.String(allow_none=True)
    source_document_id = fields.UUID(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(PARTY_STATUSES),
                           metadata={"description": "SUGGESTED: read from a document; a person confirms it "
                                                    "(PATCH status CONFIRMED) before it counts in the conflict check."})
    created_at = fields.DateTime(required=True)


class PartyList(OutSchema):
    items = fields.List(fields.Nested(PartyOut), required=True)


class PartyEnvelope(OutSchema):
    party = fields.Nested(PartyOut, required=True)


class ConflictArgs(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))


class ConflictOut(OutSchema):
    case_id = fields.UUID(required=True)
    case_title = fields.String(required=True)
    case_number = fields.String(allow_none=True)
    party_id = fields.UUID(required=True)
    party_name = fields.String(required=True)
    role = fields.String(required=True)
    score = fields.Float(required=True)


class ConflictList(OutSchema):
    items = fields.List(fields.Nested(ConflictOut), required=True)
