"""Court-form templates and the request to fill one into a case document."""
from marshmallow import fields, validate

from app.models.case import CASE_TYPES, COURT_TYPES
from app.schemas.common import JsonBoolean, OutSchema, PageArgs, StrictSchema, page_of
from app.schemas.document import DocumentOut, JobOut

FIELD_TYPES = ("text", "multiline", "date", "checkbox", "radio", "choice")


class FormListArgs(PageArgs):
    jurisdiction = fields.String(validate=validate.Length(min=1, max=16), metadata={
        "description": "A code such as US-MA; a prefix (US) matches US-MA, US-UT ..."})
    case_type = fields.String(validate=validate.OneOf(CASE_TYPES), metadata={
        "description": "Only forms for this kind of case (a case's case_type, e.g. LANDLORD_TENANT)"})
    court_type = fields.String(validate=validate.OneOf(COURT_TYPES), metadata={
        "description": "Only forms filed in this kind of court (a case's court_type, e.g. MAGISTRATE)"})
    language = fields.String(validate=validate.Regexp(r"^[a-z]{2}$"), metadata={
        "description": "Only forms in this language (two-letter code: en, es)"})


class FormFieldOut(OutSchema):
    name = fields.String(required=True, metadata={"description": "The key to use in `values`"})
    label = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(required=True)
    options = fields.List(fields.String(), metadata={"description": "radio/choice: the allowed values"})


class FormFieldDetailOut(FormFieldOut):
    format = fields.String(metadata={"description": "date fields: how the date is written (strftime)"})
    export_value = fields.String(metadata={"description": "checkbox: the on-state (true also works)"})
    option_labels = fields.Dict(keys=fields.String(), values=fields.String())
    max_chars = fields.Integer(metadata={"description": "Advisory capacity; longer text goes to an addendum page"})
    source = fields.Function(lambda f: [f["source"]] if isinstance(f.get("source"), str) else f.get("source") or [],
                             metadata={"type": "array", "items": {"type": "string"},
                                       "description": "Where the value is prefilled from (case.*, user.*, "
                                                      "party.<ROLE>.name, today), first with a value wins"})
    template = fields.String(metadata={"description": "Prefilled by joining these {source} values line by line"})
    map = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "The source value -> what the form takes (e.g. MAGISTRATE -> Magistrate)"})


class FormSummaryOut(OutSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    jurisdiction = fields.String(required=True)
    court_type = fields.String(metadata={"description": "The court(s) the form is for, in words"})
    court_types = fields.List(fields.String(validate=validate.OneOf(COURT_TYPES)),
                              metadata={"description": "The case court types the form fits"})
    case_types = fields.List(fields.String(validate=validate.OneOf(CASE_TYPES)),
                             metadata={"description": "The case types the form fits"})
    language = fields.String(metadata={"description": "Language of the form (two-letter code)"})
    description = fields.String()
    form_fields = fields.List(fields.Nested(FormFieldOut), required=True, data_key="fields", attribute="fields")


class FormOriginOut(OutSchema):
    repository = fields.String()
    commit = fields.String()
    package = fields.String()
    path = fields.String()
    sha256 = fields.String(metadata={"description": "Of the blank PDF, identical to the source's file"})
    publisher = fields.String(metadata={"description": "The court or agency that publishes the form"})


class FormOut(FormSummaryOut):
    licence = fields.String()
    origin = fields.Nested(FormOriginOut, metadata={"description": "Where the blank PDF comes from"})
    addendum_field = fields.String(metadata={"description": "Checkbox ticked when an addendum page is added"})
    form_fields = fields.List(fields.Nested(FormFieldDetailOut), required=True, data_key="fields",
                              attribute="fields")


FormList = page_of(FormSummaryOut, "FormList")


class FormFillIn(StrictSchema):
    form_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    values = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                         values=fields.Raw(allow_none=True), load_default=dict, validate=validate.Length(max=500),
                         metadata={"description": "Field name -> value; these win over what the case, its parties "
                                                  "and your profile prefill. null clears a prefilled value. Dates: "
                                                  "YYYY-MM-DD; checkboxes: true/false."})
    flatten = JsonBoolean(load_default=False,
                             metadata={"description": "Paint the values into the pages and remove the form fields"})
    title = fields.String(validate=validate.Length(min=1, max=300),
                          metadata={"description": "Document title; defaults to the form's title"})
    allow_incomplete = JsonBoolean(load_default=False, metadata={
        "description": "Fill even if required fields stay empty (they are listed in missing_required). Without "
                       "it, a required field that neither the case nor values fills is a 422 naming the field."})


class FormFillAccepted(OutSchema):
    document = fields.Nested(DocumentOut, required=True)
    job = fields.Nested(JobOut, required=True)
    missing_required = fields.List(fields.String(), metadata={
        "description": "Required fields that will be empty (only with allow_incomplete; as of the request, the "
                       "job result has the final list)"})
    unfilled = fields.List(fields.String(), metadata={
        "description": "Every field of the form that will be empty: neither the case, your profile nor values "
                       "fills it (as of the request; the job result has the final list)"})
