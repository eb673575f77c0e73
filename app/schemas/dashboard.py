"""The dashboard and a case's insights: read-only views over cases, deadlines, documents and notifications."""
from marshmallow import fields, validate

from app.models.deadline import DEADLINE_STATUSES
from app.schemas.common import OutSchema
from app.schemas.deadline import NotificationOut
from app.schemas.messages import I18n


class DocumentRef(OutSchema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)


class UpcomingDeadline(OutSchema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    case_title = fields.String(required=True)
    title = fields.String(required=True)
    due_date = fields.Date(required=True)
    due_time = fields.Time(allow_none=True)
    timezone = fields.String(allow_none=True, metadata={
        "description": "The court's zone the due time is in (the jurisdiction's); null for a federal case."})
    status = fields.String(required=True, validate=validate.OneOf(DEADLINE_STATUSES),
                           metadata={"description": "PENDING (confirmed) or SUGGESTED (waiting for confirmation)."})
    days_left = fields.Integer(required=True, metadata={
        "description": "Days left on the court's calendar (your zone's for a federal case); 0 = its last day."})
    due_at = fields.DateTime(metadata={
        "description": "With a due time: the moment it passes (on the court's clock), written in your time zone."})
    rule = fields.String(allow_none=True)
    citation = fields.String(allow_none=True)
    quote = fields.String(allow_none=True, metadata={"description": "The words of the document it was found in."})
    source_document = fields.Nested(DocumentRef, allow_none=True,
                                    metadata={"description": "The document the deadline was found in, if any."})
    why = fields.String(metadata={"description": "Why it waits for confirmation (insights only)."})
    i18n = fields.Nested(I18n, metadata={"description": "The sentences as messages, to show them translated."})


class ProcessingDocument(OutSchema):
    document_id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("QUEUED", "PROCESSING")))
    created_at = fields.DateTime(required=True)
    job_id = fields.UUID(allow_none=True, metadata={"description": "Follow it with GET /jobs/{id}/events."})
    progress = fields.Float(required=True, metadata={"description": "0..1"})
    step = fields.String(allow_none=True, metadata={"description": "The step running or next (extract, ocr ...)."})


class AttentionReason(OutSchema):
    code = fields.String(required=True, validate=validate.OneOf(
        ("deadline_passed", "due_soon", "documents_failed", "deadlines_to_confirm")))
    count = fields.Integer(required=True)
    date = fields.Date(allow_none=True, metadata={"description": "The earliest date concerned."})
    message = fields.String(required=True)
    i18n = fields.Nested(I18n, metadata={"description": "The sentences as messages, to show them translated."})


class CaseAttention(OutSchema):
    case_id = fields.UUID(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    reasons = fields.List(fields.Nested(AttentionReason), required=True)


class DashboardOut(OutSchema):
    today = fields.Date(required=True, metadata={"description": "Today in your time zone."})
    next_deadlines = fields.List(fields.Nested(UpcomingDeadline), required=True, metadata={
        "description": "Open deadlines from today on across your cases, nearest first."})
    processing = fields.List(fields.Nested(ProcessingDocument), required=True)
    notifications = fields.List(fields.Nested(NotificationOut), required=True,
                                metadata={"description": "Your most recent notifications."})
    unread_notifications = fields.Integer(required=True)
    attention = fields.List(fields.Nested(CaseAttention), required=True,
                            metadata={"description": "Open cases with something to do, most urgent first."})


class MissingItem(OutSchema):
    code = fields.String(required=True, validate=validate.OneOf(
        ("response_not_filed", "deadline_passed", "no_documents", "documents_failed", "no_deadlines",
         "no_case_number", "no_parties")))
    message = fields.String(required=True)
    why = fields.String(required=True)
    i18n = fields.Nested(I18n, metadata={"description": "The sentences as messages, to show them translated."})
    deadline_id = fields.UUID()
    document_ids = fields.List(fields.UUID())


class SuggestedParty(OutSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    source_document = fields.Nested(DocumentRef, required=True)
    why = fields.String(required=True)
    i18n = fields.Nested(I18n, metadata={"description": "The sentences as messages, to show them translated."})


class ToConfirm(OutSchema):
    deadlines = fields.List(fields.Nested(UpcomingDeadline), required=True)
    parties = fields.List(fields.Nested(SuggestedParty), required=True, metadata={
        "description": "Parties found in the case's documents (edit or delete a wrong one)."})


class FormFit(OutSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    jurisdiction = fields.String(required=True)
    language = fields.String(required=True)
    why = fields.String(required=True)


class InsightsOut(OutSchema):
    case_id = fields.UUID(required=True)
    today = fields.Date(required=True)
    next_due = fields.List(fields.Nested(UpcomingDeadline), required=True)
    missing = fields.List(fields.Nested(MissingItem), required=True)
    to_confirm = fields.Nested(ToConfirm, required=True)
    forms = fields.List(fields.Nested(FormFit), required=True, metadata={
        "description": "Court forms for the case's jurisdiction and type, the most useful first."})
    notes = fields.List(fields.String(), required=True)
    processing = fields.List(fields.Nested(ProcessingDocument), required=True)
