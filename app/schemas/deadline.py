"""Deadlines, their computation from court rules, calendars and notifications."""
import re
from datetime import date, datetime

from marshmallow import ValidationError, fields, validate

from app.models.case import CASE_TYPES
from app.models.deadline import DEADLINE_STATUSES
from app.schemas.common import LocalTime, OutSchema, PageArgs, StrictSchema, page_of

MAX_OFFSET_DAYS = 366
REMINDERS = fields.List(
    fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_OFFSET_DAYS)),
    validate=validate.Length(max=10),
    metadata={"description": "Days before the due date to remind (0 = the morning of the due date)."})
TITLE = validate.Length(min=1, max=300)
DUE_DATE = validate.Range(min=date(1900, 1, 1), max=date(2199, 12, 31), error="Use a date between 1900 and 2199.")


TRIGGER_DATE_PATTERN = (r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
                        r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])?)?$")


class TriggerDate(fields.String):
    """A date (YYYY-MM-DD), or an ISO 8601 date and time for rules counted in hours."""

    def __init__(self, **kwargs):
        # Documented as what the code accepts (an empty string was "valid" by the document, refused by the code).
        super().__init__(metadata={"pattern": TRIGGER_DATE_PATTERN, "minLength": 10, "maxLength": 25,
                                   **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            if not re.fullmatch(TRIGGER_DATE_PATTERN, text):
                raise ValueError(text)
            return datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
        except ValueError:
            raise ValidationError("Use YYYY-MM-DD, or YYYY-MM-DDTHH:MM for a rule counted in hours.") from None


class DeadlineIn(StrictSchema):
    title = fields.String(required=True, validate=TITLE)
    due_date = fields.Date(required=True, validate=DUE_DATE)
    due_time = LocalTime(allow_none=True, metadata={"description": "Local time in your time zone."})
    rule = fields.String(allow_none=True, validate=validate.Length(max=300))
    citation = fields.String(allow_none=True, validate=validate.Length(max=300))
    source_document_id = fields.UUID(allow_none=True)
    reminders = REMINDERS
    status = fields.String(validate=validate.OneOf(("PENDING", "SUGGESTED")),
                           metadata={"description": "PENDING (default) or SUGGESTED (not yet confirmed)."})


class DeadlinePatch(StrictSchema):
    title = fields.String(validate=TITLE)
    due_date = fields.Date(validate=DUE_DATE)
    due_time = LocalTime(allow_none=True)
    rule = fields.String(allow_none=True, validate=validate.Length(max=300))
    citation = fields.String(allow_none=True, validate=validate.Length(max=300))
    reminders = REMINDERS
    status = fields.String(validate=validate.OneOf(("PENDING", "COMPLETED", "DISMISSED")),
                           metadata={"description": "Confirm (PENDING), complete, dismiss, or reopen (PENDING)."})


class DeadlineOut(OutSchema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    title = fields.String(required=True)
    due_date = fields.Date(required=True)
    due_time = fields.Time(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(DEADLINE_STATUSES))
    rule = fields.String(allow_none=True)
    citation = fields.String(allow_none=True)
    explanation = fields.List(fields.String(), allow_none=True)
    source_document_id = fields.UUID(allow_none=True)
    quote = fields.String(allow_none=True)
    reminders = fields.List(fields.Integer(), required=True)
    completed_at = fields.DateTime(allow_none=True)
    created_by_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class DeadlineEnvelope(OutSchema):
    deadline = fields.Nested(DeadlineOut, required=True)


DeadlineList = page_of(DeadlineOut, "DeadlineList")


class DeadlineListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(DEADLINE_STATUSES))


class ComputeIn(StrictSchema):
    jurisdiction = fields.String(required=True, validate=validate.Length(min=2, max=16))
    trigger = fields.String(required=True, validate=validate.Length(min=1, max=100))
    trigger_date = TriggerDate(required=True)
    service_method = fields.String(allow_none=True, validate=validate.Length(max=60))
    state = fields.String(allow_none=True, validate=validate.Length(max=8), metadata={
        "description": "Federal cases: the state where the district court sits (e.g. US-MA); its holidays are legal "
                       "holidays for periods counted forward (Fed. R. Civ. P. 6(a)(6)(C), Fed. R. App. P. 26(a)(6)(C))."})
    court = fields.String(allow_none=True, validate=validate.Length(max=40), metadata={
        "description": "Instead of state: the court's courts-db id (e.g. mad for the District of Massachusetts)."})


class CaseComputeIn(StrictSchema):
    trigger = fields.String(required=True, validate=validate.Length(min=1, max=100))
    trigger_date = TriggerDate(required=True)
    service_method = fields.String(allow_none=True, validate=validate.Length(max=60))
    jurisdiction = fields.String(validate=validate.Length(min=2, max=16),
                                 metadata={"description": "Defaults to the case's jurisdiction."})
    source_document_id = fields.UUID(allow_none=True)
    state = fields.String(allow_none=True, validate=validate.Length(max=8), metadata={
        "description": "Federal cases: the state where the district court sits (e.g. US-MA); its holidays are legal "
                       "holidays for periods counted forward (Fed. R. Civ. P. 6(a)(6)(C), Fed. R. App. P. 26(a)(6)(C))."})
    court = fields.String(allow_none=True, validate=validate.Length(max=40), metadata={
        "description": "Instead of state: the court's courts-db id (e.g. mad for the District of Massachusetts)."})


class RuleVersionOut(OutSchema):
    effective_from = fields.String(metadata={"description": "First day this version is in force (YYYY-MM-DD)."})
    effective_until = fields.String(allow_none=True, metadata={"description": "Last day in force; null while current."})
    period = fields.Integer()
    unit = fields.String()
    citation = fields.String()
    source_url = fields.String(metadata={"description": "The official text (legislature's or court's site)."})
    quote = fields.String(metadata={"description": "The operative sentence, verbatim; empty when not verified."})
    verified = fields.Boolean()
    unverified_reason = fields.String(allow_none=True)
    quote_source = fields.String(allow_none=True, metadata={"description": "Where the quoted text was read."})
    counting_method = fields.String()


class ComputedOut(OutSchema):
    title = fields.String(required=True)
    due_date = fields.Date(required=True)
    due_time = fields.Time(allow_none=True)
    rule = fields.String(required=True)
    citation = fields.String(required=True)
    explanation = fields.List(fields.String(), required=True, metadata={"description": "The counting steps."})
    rule_id = fields.String()
    trigger = fields.String()
    jurisdiction = fields.String()
    service_method = fields.String(allow_none=True)
    service_days_added = fields.Integer()
    notes = fields.String()
    source_url = fields.String()
    quote = fields.String()
    verified = fields.Boolean(metadata={"description": "False: the rule's text was not checked; treat the date as a "
                                                       "warning to verify, not an answer."})
    version = fields.Nested(RuleVersionOut, metadata={"description": "The version of the rule applied (the one in "
                                                                     "force on the trigger date)."})
    state_holidays = fields.String(allow_none=True, metadata={"description": "Whose state holidays were applied "
                                                                             "besides the court's own (federal only)."})
    left_open = fields.List(fields.String(), metadata={"description": "Points the rule's text leaves open."})


class ComputeOut(OutSchema):
    deadlines = fields.List(fields.Nested(ComputedOut), required=True)
    disclaimer = fields.String()


class SuggestedOut(OutSchema):
    items = fields.List(fields.Nested(DeadlineOut), required=True)
    created = fields.Integer(required=True, metadata={"description": "How many were new (repeats are not duplicated)."})
    disclaimer = fields.String()


class CaseTypeField(fields.String):
    """A case type, case-insensitive."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if text not in CASE_TYPES:
            raise ValidationError(f"Use one of: {', '.join(CASE_TYPES)}.")
        return text


class RulesArgs(StrictSchema):
    jurisdiction = fields.String(required=True, validate=validate.Length(min=2, max=16))
    case_type = CaseTypeField(metadata={"description": "Only rules for this case type (e.g. LANDLORD_TENANT)."})


class TriggersArgs(RulesArgs):
    document_type = fields.String(validate=validate.Length(min=1, max=40), metadata={
        "description": "Only triggers a document of this type usually starts (summons, complaint, notice, order, "
                       "motion, judgment, ...)."})


class TriggerOut(OutSchema):
    id = fields.String(required=True)
    label = fields.String(required=True)
    description = fields.String()
    input = fields.String(metadata={"description": "date, or datetime for rules counted in hours"})
    rule_ids = fields.List(fields.String())
    plain = fields.List(fields.String(), metadata={"description": "How a person would say it."})
    documents = fields.List(fields.String(), metadata={"description": "Document types that usually start it."})
    case_types = fields.List(fields.String())


class TriggerList(OutSchema):
    jurisdiction = fields.String(required=True)
    triggers = fields.List(fields.Nested(TriggerOut), required=True)


class RuleOut(OutSchema):
    id = fields.String(required=True)
    trigger = fields.String(required=True)
    trigger_label = fields.String()
    title = fields.String(required=True)
    rule = fields.String(required=True)
    period = fields.Integer()
    unit = fields.String()
    weekday = fields.String(allow_none=True)
    direction = fields.String()
    service_adjustments = fields.Dict(keys=fields.String(), values=fields.Integer())
    roll = fields.String()
    citation = fields.String(required=True)
    notes = fields.String()
    court = fields.String(allow_none=True)
    case_types = fields.List(fields.String())
    source_url = fields.String()
    quote = fields.String()
    verified = fields.Boolean()
    unverified_reason = fields.String(allow_none=True)
    effective_from = fields.String()
    effective_until = fields.String(allow_none=True)
    counting_method = fields.String()
    left_open = fields.List(fields.String())
    versions = fields.List(fields.Nested(RuleVersionOut))
    examples = fields.List(fields.Dict(), metadata={"description": "Worked examples: trigger, expected date, why."})


class RulesOut(OutSchema):
    jurisdiction = fields.String(required=True)
    name = fields.String()
    notes = fields.String()
    service_methods = fields.Dict(keys=fields.String(), values=fields.String())
    triggers = fields.List(fields.Nested(TriggerOut), required=True)
    rules = fields.List(fields.Nested(RuleOut), required=True)
    known_jurisdictions = fields.List(fields.String())


class CalendarArgs(StrictSchema):
    key = fields.String(required=True, validate=validate.Length(max=200))


class CalendarKeyOut(OutSchema):
    url = fields.String(required=True, metadata={"description": "Subscribe to this URL; rotating the key revokes it."})


class NotificationOut(OutSchema):
    id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(allow_none=True)
    case_id = fields.UUID(allow_none=True)
    deadline_id = fields.UUID(allow_none=True)
    read_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)


class NotificationEnvelope(OutSchema):
    notification = fields.Nested(NotificationOut, required=True)


NotificationList = page_of(NotificationOut, "NotificationList")


class NotificationListArgs(PageArgs):
    unread = fields.Boolean(load_default=False)
