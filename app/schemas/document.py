from marshmallow import fields, validate

from app.models.document import DOCUMENT_STATUSES, DOCUMENT_TYPES
from app.models.job import JOB_STATUSES
from app.schemas.common import ONE_LINE, SINGLE_LINE, OutSchema, PageArgs, StrictSchema, page_of
from app.platform.jobs import result_of


class ErrorOut(OutSchema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class DocumentOut(OutSchema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    title = fields.String(required=True)
    filename = fields.String()
    document_type = fields.String(allow_none=True, validate=validate.OneOf(DOCUMENT_TYPES))
    status = fields.String(required=True, validate=validate.OneOf(DOCUMENT_STATUSES))
    page_count = fields.Integer(allow_none=True)
    sha256 = fields.String(required=True)
    size_bytes = fields.Integer(required=True)
    content_type = fields.String()
    language = fields.String(allow_none=True)
    is_confidential = fields.Boolean()
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime()
    processed_at = fields.DateTime(allow_none=True)
    deleted = fields.Function(lambda d: d.deleted_at is not None, metadata={"type": "boolean"})
    error = fields.Nested(ErrorOut, allow_none=True)
    parent_document_id = fields.UUID(allow_none=True, metadata={
        "description": "The e-mail message (.eml) this document was attached to, if any."})


class StepOut(OutSchema):
    name = fields.String(required=True)
    status = fields.String(required=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    attempts = fields.Integer()


class JobOut(OutSchema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(JOB_STATUSES))
    progress = fields.Float(required=True)
    steps = fields.List(fields.Nested(StepOut), required=True)
    error = fields.Dict(allow_none=True)
    # result_of opens a sealed result (a research answer); see app/platform/jobs.py
    result = fields.Function(lambda job: result_of(job), allow_none=True,
                             metadata={"type": "object", "nullable": True})
    document_id = fields.UUID(allow_none=True)
    case_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class UploadForm(StrictSchema):
    document_type = fields.String(validate=validate.OneOf(DOCUMENT_TYPES))
    title = fields.String(validate=[validate.Length(min=1, max=300), SINGLE_LINE], metadata=ONE_LINE)
    is_confidential = fields.Boolean(load_default=True)


class UploadFile(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class UploadIn(UploadForm):
    """The whole multipart upload body: the file part and the optional form fields."""
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "The document: PDF, PNG, JPEG, TIFF, HEIC/HEIF, "
                                                              "WebP, Word (.docx), HTML, e-mail (.eml) or plain "
                                                              "text."})


class UploadAccepted(OutSchema):
    document = fields.Nested(DocumentOut, required=True)
    job = fields.Nested(JobOut, allow_none=True)
    duplicate = fields.Boolean()


DocumentList = page_of(DocumentOut, "DocumentList")
JobList = page_of(JobOut, "JobList")


class PageTextOut(OutSchema):
    number = fields.Integer(required=True)
    text = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(("text_layer", "ocr", "pending")))
    confidence = fields.Float(allow_none=True)


class TextOut(OutSchema):
    document_id = fields.UUID()
    status = fields.String()
    pages = fields.List(fields.Nested(PageTextOut), required=True)
    text = fields.String(required=True)


class DownloadUrlOut(OutSchema):
    url = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class JobListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(JOB_STATUSES))
    kind = fields.String(validate=validate.Length(max=32))


class DownloadArgs(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(max=500))  # a real one is about 250
