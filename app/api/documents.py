"""Documents: upload (streamed, encrypted), read back, download, delete, reprocess."""
import uuid
from datetime import datetime, timedelta, timezone

from flask import Response, current_app, g, request, stream_with_context, url_for
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.security import current_principal
from app.extensions import db, limiter
from app.models import Case
from app.schemas.common import PageArgs
from app.schemas.analysis import AnalysisOut
from app.schemas.document import (DocumentList, DocumentOut, DownloadArgs, DownloadUrlOut, TextOut, UploadAccepted,
                                  UploadIn)
from app.documents import documents, filetypes
from app.forms import suggestions
from app.platform import runtime
from app.platform.errors import ValidationFailed
from app.accounts.tenancy import get_visible
from app.platform import engine
from app.platform import rls



class _MultipartParser(FlaskParser):
    """Form fields and file parts of one multipart body, validated (and documented) by one schema.

    flask-smorest documents only one request body per operation: separate `form` and `files`
    arguments left the form fields as invalid OpenAPI 3 `in: formData` parameters.
    """
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "multipart": None}  # schema's RAISE

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}


bp = _Blueprint("documents", __name__, url_prefix="/api/v1", description="Documents")


@bp.before_request
def _prepare_upload_sink():
    """Before the multipart body is parsed, route file parts into an encrypting sink."""
    if request.endpoint != "documents.upload" or request.method != "POST":
        return
    case = get_visible(current_principal(), Case, request.view_args["case_id"], write=True)
    g.upload_case = case
    g.upload_sinks = []
    limit = runtime.current().config.MAX_UPLOAD_BYTES

    def factory():
        sink = documents.UploadSink(case.organization_id, limit)
        g.upload_sinks.append(sink)
        return sink
    g.upload_sink_factory = factory


@bp.teardown_request
def _discard_sinks(exc):
    for sink in g.pop("upload_sinks", []):
        sink.discard()


ORG_UPLOAD_LIMIT = ("Your organization has uploaded many files in a short time; wait Retry-After seconds, "
                    "then send the rest (nothing of this upload was kept).")


def _org_upload_limit():
    return current_app.config.get("RATELIMIT_ORG_UPLOADS", "120 per minute;2000 per hour")


def _org_upload_key():
    """Uploads are counted per organization (the case's), all its members together, before the body is read."""
    return f"org-uploads:{g.upload_case.organization_id}"


@bp.post("/cases/<uuid:case_id>/documents")
@limiter.limit(_org_upload_limit, key_func=_org_upload_key, error_message=ORG_UPLOAD_LIMIT)
@bp.arguments(UploadIn, location="multipart")
@bp.response(202, UploadAccepted)
@bp.alt_response(200, schema=UploadAccepted, description="The same bytes were already uploaded to this case "
                 "(including a deleted document, then marked deleted): the existing document, no new job.")
@bp.alt_response(429, response="TOO_MANY_REQUESTS", description="The organization's upload limit "
                 "(RATELIMIT_ORG_UPLOADS) is reached: retry after Retry-After seconds.")
def upload(form, case_id):
    """Upload a PDF, image (PNG, JPEG, TIFF, HEIC, WebP), Word, HTML, e-mail or text file; it is encrypted
    as it streams in, then processed (an e-mail's attachments become documents of their own)."""
    upload_file = form.get("file")
    if not isinstance(getattr(upload_file, "stream", None), documents.UploadSink):
        raise ValidationFailed(errors={"file": ["Send the document as a multipart file part named 'file'."]})
    outcome = documents.accept_upload(current_principal(), g.upload_case, upload_file.stream,
                                      filename=upload_file.filename, title=form.get("title"),
                                      document_type=form.get("document_type"),
                                      is_confidential=form.get("is_confidential", True))
    db.session.commit()
    if outcome.duplicate:
        return {"document": outcome.document, "job": outcome.job, "duplicate": True}, 200
    engine.start(outcome.job)
    return {"document": outcome.document, "job": outcome.job, "duplicate": False}


@bp.get("/cases/<uuid:case_id>/documents")
@bp.arguments(PageArgs, location="query")
@bp.response(200, DocumentList)
def list_(args, case_id):
    """Documents of a case, newest first."""
    items, total = documents.list_for_case(current_principal(), case_id, args["page"], args["per_page"])
    return {"items": items, "total": total, **args}


@bp.get("/documents/<uuid:document_id>")
@bp.response(200, DocumentOut)
def get(document_id):
    """One document and its processing status."""
    return documents.get(current_principal(), document_id)


@bp.get("/documents/<uuid:document_id>/text")
@bp.response(200, TextOut)
def text(document_id):
    """Extracted text per page, with its source (text layer or OCR) and OCR confidence."""
    out = documents.text_of(current_principal(), document_id)
    db.session.commit()
    return out


@bp.get("/documents/<uuid:document_id>/analysis")
@bp.response(200, AnalysisOut)
@bp.alt_response(409, description="Still being processed: the problem document names the job to follow "
                                  "(`code: analysis_not_ready`, `job_id`, `job_status`, `job_url`)")
def analysis(document_id):
    """What the document is, who is involved, dates, deadlines, amounts, citations and next steps."""
    out = documents.analysis_of(current_principal(), document_id)
    out["suggestions"] = suggestions.for_document(current_principal(), document_id, out)
    db.session.commit()
    return out


@bp.get("/documents/<uuid:document_id>/content")
@bp.response(200, description="The original bytes, decrypted", content_type="application/octet-stream")
def content(document_id):
    """The original file, decrypted and streamed."""
    doc = documents.content_of(current_principal(), document_id)
    db.session.commit()
    return _stream(doc)


@bp.post("/documents/<uuid:document_id>/download-url")
@bp.response(200, DownloadUrlOut)
def download_url(document_id):
    """A short-lived link to the original that works without other credentials."""
    doc, token, ttl = documents.download_token(current_principal(), document_id)
    db.session.commit()
    url = url_for("documents.download_signed", document_id=doc.id, token=token, _external=True)
    return {"url": url, "expires_at": datetime.now(timezone.utc) + timedelta(seconds=ttl)}


@bp.get("/documents/<uuid:document_id>/download")
@bp.arguments(DownloadArgs, location="query")
@bp.response(200, description="The original bytes, decrypted", content_type="application/octet-stream")
def download_signed(args, document_id):
    """Download through a signed link (no other credentials; 404 once expired or altered)."""
    _scope_to_signed_org(args["token"])
    doc = documents.resolve_download_token(document_id, args["token"])
    db.session.commit()
    return _stream(doc)


@bp.delete("/documents/<uuid:document_id>")
@bp.response(204)
def delete(document_id):
    """Delete a document: its stored bytes, text, analysis and index entries are erased."""
    doc = documents.delete(current_principal(), document_id)
    db.session.commit()
    documents.purge_blobs(doc)


@bp.post("/documents/<uuid:document_id>/reprocess")
@bp.response(202, UploadAccepted)
def reprocess(document_id):
    """Run the pipeline again (after a failure, or with a newer analyzer)."""
    doc, job = documents.reprocess(current_principal(), document_id)
    db.session.commit()
    engine.start(job)
    return {"document": doc, "job": job}


def _scope_to_signed_org(token):
    """A signed link acts for the organization it was signed for (row-level security); a bad
    or expired link scopes to nothing and the service answers 404 as usual."""
    try:
        data = documents._serializer().loads(token, max_age=runtime.current().config.DOWNLOAD_URL_TTL)
        rls.scope_to_orgs([uuid.UUID(str(data["o"]))])
    except Exception:
        rls.scope_to_orgs([])


def _stream(doc):
    chunks = documents.open_plaintext(doc)
    first = next(chunks, b"")  # fail before the headers go out if the blob is missing or altered
    db.session.remove()  # no database connection held while bytes stream

    def body():
        yield first
        yield from chunks
    resp = Response(stream_with_context(body()), content_type=doc.content_type)
    resp.headers["Content-Disposition"] = filetypes.content_disposition(filetypes.download_name(doc.filename,
                                                                                                 doc.content_type))
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Length"] = str(doc.size_bytes)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp
