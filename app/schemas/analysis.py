"""The analysis object of the contract (GET /documents/{id}/analysis)."""
from marshmallow import fields

from app.schemas.common import OutSchema
from app.schemas.messages import MessageOut


class _Quoted(OutSchema):
    quote = fields.String(required=True)


class PartyFound(_Quoted):
    name = fields.String(required=True)
    role = fields.String(required=True)


class ValueFound(_Quoted):
    value = fields.String(required=True)
    label = fields.String(allow_none=True)


class CourtFound(_Quoted):
    name = fields.String(required=True)
    primary = fields.Boolean(metadata={"description": "True on the court of the paper's own case (at most one per "
                                                      "analysis); the others are named by the paper (the court below, "
                                                      "a form's approving court, courts in its text)."})


class DateFound(_Quoted):
    date = fields.String(required=True)
    label = fields.String(required=True)


class DeadlineFound(_Quoted):
    due_date = fields.String(allow_none=True)
    label = fields.String(required=True)
    basis = fields.String(allow_none=True)
    rule = fields.Dict(allow_none=True)


class CaseNumberFound(ValueFound):
    primary = fields.Boolean(metadata={"description": "True on the paper's own case number (one per analysis); "
                                                      "the others are references (the court below, related cases)."})


class JudgeFound(_Quoted):
    name = fields.String(required=True, metadata={"description": "A judge or justice who wrote, signed, sat on or "
                                                                 "was assigned to the paper (judges are never parties)."})


class CitationFound(_Quoted):
    text = fields.String(required=True)
    kind = fields.String()


class TriggerSuggested(OutSchema):
    id = fields.String(required=True)
    label = fields.String(required=True)
    plain = fields.List(fields.String(), required=True)
    rule_ids = fields.List(fields.String(), required=True)
    input = fields.String()
    matched_words = fields.List(fields.String())
    why = fields.String(required=True)


class FormSuggested(OutSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    jurisdiction = fields.String(required=True)
    language = fields.String(required=True)
    why = fields.String(required=True)


class Suggestions(OutSchema):
    """Deadline triggers and court forms that fit the document in its case's jurisdiction, each with why."""
    jurisdiction = fields.String(allow_none=True)
    document_type = fields.String()
    triggers = fields.List(fields.Nested(TriggerSuggested), required=True)
    forms = fields.List(fields.Nested(FormSuggested), required=True)
    notes = fields.List(fields.String(), required=True)


class AnalysisOut(OutSchema):
    document_type = fields.String(required=True)
    document_type_confidence = fields.Float(allow_none=True)
    summary = fields.String(required=True)
    parties = fields.List(fields.Nested(PartyFound), required=True)
    case_numbers = fields.List(fields.Nested(CaseNumberFound), required=True)
    courts = fields.List(fields.Nested(CourtFound), required=True)
    judges = fields.List(fields.Nested(JudgeFound), metadata={"description": "Judges named by the paper (local analyzer)."})
    dates = fields.List(fields.Nested(DateFound), required=True)
    deadlines = fields.List(fields.Nested(DeadlineFound), required=True)
    amounts = fields.List(fields.Nested(ValueFound), required=True)
    citations = fields.List(fields.Nested(CitationFound), required=True)
    key_concepts = fields.List(fields.String(), required=True)
    issues = fields.List(fields.String(), required=True)
    next_steps = fields.List(fields.String(), required=True)
    summary_messages = fields.List(fields.Nested(MessageOut), metadata={
        "description": "The summary's sentences as messages (local analyzer; absent for a model's analysis)."})
    issue_messages = fields.List(fields.Nested(MessageOut), metadata={
        "description": "`issues` as messages, in the same order (local analyzer)."})
    next_step_messages = fields.List(fields.Nested(MessageOut), metadata={
        "description": "`next_steps` as messages, in the same order (local analyzer)."})
    language = fields.String(allow_none=True)
    provider = fields.String(required=True)
    model = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    disclaimer = fields.String(required=True)
    suggestions = fields.Nested(Suggestions)
