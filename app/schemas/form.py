"""Court-form templates and the request to fill one into a case document."""
from marshmallow import fields, validate

from app.schemas.common import OutSchema, PageArgs, StrictSchema, page_of
from app.schemas.document import DocumentOut, JobOut

FIELD_TYPES = ("text", "multiline", "date", "checkbox", "radio", "choice")


class FormListArgs(PageArgs):
    jurisdiction = fields.String(validate=validate.Length(min=1, max=16), metadata={
        "description": "A code such as US-MA; a prefix (US) matches US-MA, US-UT ..."})


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


class FormSummaryOut(OutSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    jurisdiction = fields.String(required=True)
    court_type = fields.String()
    description = fields.String()
    form_fields = fields.List(fields.Nested(FormFieldOut), required=True, data_key="fields", attribute="fields")


class FormOut(FormSummaryOut):
    licence = fields.String()
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
    flatten = fields.Boolean(load_default=False,
                             metadata={"description": "Paint the values into the pages and remove the form fields"})
    title = fields.String(validate=validate.Length(min=1, max=300),
                          metadata={"description": "Document title; defaults to the form's title"})


class FormFillAccepted(OutSchema):
    document = fields.Nested(DocumentOut, required=True)
    job = fields.Nested(JobOut, required=True)
    missing_required = fields.List(fields.String(), metadata={
        "description": "Required fields that will be empty (as of the request; the job result has the final list)"})
