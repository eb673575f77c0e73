"""Filling a court form into a document of a case (the job kind "form.fill").

The request is validated synchronously (form, values, case context) and recorded as a FORM
document in QUEUED state plus its job; the worker fills the PDF again from what the job keeps
(the form id, the caller's own values and the request date: ids and user-supplied values, no
document text), encrypts it with a fresh data key into a private temporary file, stores the
ciphertext at the document's deterministic key (a retry overwrites it) and completes the row.

The filled PDF does not go through the document pipeline (extract/ocr/analyse/index): the form
is ours, its values are known, and analysing it would only suggest back to the case the
parties and dates the case already gave it. The document is PROCESSED as soon as it is stored.
Its text is known too: the store step records, per page, the form's title and each filled
value with its field label (sealed exactly like extracted page text) and indexes it for
full-text search with the pipeline's own index function, all in the store step's transaction.
"""
from __future__ import annotations

import io
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pypdf import PdfReader, PdfWriter

from app.extensions import db
from app.models import Case, Document, DocumentPage, Job, Party, User
from app.models.base import utcnow
from app.accounts import audit
from app.platform import crypto, jobs, runtime
from app.platform.engine import StepRun, step_names
from app.documents import documents, filetypes
from app.forms import library, render, field_values
from app.search import search
from app.platform.errors import JobFailed, NotFound, ValidationFailed
from app.platform.storage import document_key
from app.accounts.tenancy import Principal, get_visible

JOB_KIND = "form.fill"
CASE_CONTEXT_FIELDS = ("title", "description", "case_type", "court_type", "jurisdiction", "county", "case_number",
                       "filing_deadline", "dispute_amount", "status")
MAX_VALUE_CHARS = 20_000
MAX_TOTAL_CHARS = 100_000


class FormFillFailed(JobFailed):
    """A fill that cannot succeed by retrying: the job ends FAILED with this code."""


# --- the library -------------------------------------------------------------------------------

def list_forms(jurisdiction: str | None = None, page: int = 1, per_page: int = 20, *, case_type: str | None = None,
               language: str | None = None, court_type: str | None = None) -> tuple[list[dict], int]:
    """A page of form summaries (with their fields), filtered by jurisdiction (or a prefix of it), case type,
    language and court type."""
    items = library.list_forms(jurisdiction, case_type=case_type, language=language, court_type=court_type)
    return items[(page - 1) * per_page: page * per_page], len(items)


def get_form(form_id: str) -> dict:
    """One form's full spec; NotFound for an unknown id."""
    try:
        return library.get_form(form_id)
    except library.FormNotFound:
        raise NotFound("No form with that id; GET /api/v1/forms lists them.") from None


# --- the request -------------------------------------------------------------------------------

@dataclass
class FillAccepted:
    document: Document
    job: Job
    missing_required: list[str] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)


def request_fill(principal: Principal, case_id, form_id: str, values: dict | None, *, flatten: bool = False,
                 title: str | None = None, allow_incomplete: bool = False) -> FillAccepted:
    """Validate a fill against the case's data and record its document and job (the caller commits, then enqueues).

    A required field that neither the case nor ``values`` fills is a ValidationFailed naming it, unless
    ``allow_incomplete``: then the form is filled with those fields empty and reported."""
    case = get_visible(principal, Case, case_id, write=True)
    try:
        spec = library.get_form(form_id)
    except library.FormNotFound:
        raise ValidationFailed(f"There is no form {form_id!r}.", errors={
            "form_id": [f"Unknown form {form_id!r}; GET /api/v1/forms lists the available forms."]}) from None
    overrides = dict(values or {})
    _check_sizes(overrides)
    today = today_for(principal.user)
    try:
        resolved = field_values.build_values(form_id, context_for(case, principal.user, today), overrides)
    except library.FormValueInvalid as exc:
        raise ValidationFailed("Some form values are not valid.",
                               errors={f"values.{name}": msgs for name, msgs in exc.errors.items()}) from None

    missing = _missing_required(spec, resolved)
    if missing and not allow_incomplete:
        raise ValidationFailed(
            f"Required fields are empty: {', '.join(missing)}. Give them in values, or send allow_incomplete: true "
            "to fill the form without them.",
            errors={f"values.{name}": ["Required; the case does not fill it, so give a value."] for name in missing})

    doc_id = uuid.uuid4()
    doc = Document(id=doc_id, organization_id=case.organization_id, case_id=case.id,
                   uploaded_by_id=principal.user.id, title=(title or spec["title"])[:300],
                   filename=filetypes.safe_filename(f"{form_id}.pdf"), document_type="FORM",
                   document_type_source="user", status="QUEUED", content_type="application/pdf",
                   # Unknown until the worker has filled it; unique, so it never collides with real bytes.
                   sha256=f"pending:{doc_id}", size_bytes=0, is_confidential=True,
                   storage_key=document_key(case.organization_id, doc_id), wrapped_key="")
    db.session.add(doc)
    db.session.flush()
    job = jobs.create(organization_id=case.organization_id, user_id=principal.user.id, kind=JOB_KIND,
                      steps=step_names(JOB_KIND), document_id=doc.id, case_id=case.id,
                      params={"form_id": form_id, "values": overrides, "flatten": bool(flatten),
                              "today": today.isoformat(), "allow_incomplete": bool(allow_incomplete)},
                      idempotency_key=f"{JOB_KIND}:{doc.id}")
    case.updated_at = utcnow()
    audit.record("form.fill", "document", doc.id, user=principal.user, organization_id=case.organization_id,
                 case_id=case.id, details={"form_id": form_id, "fields": sorted(overrides), "flatten": bool(flatten)})
    unfilled = [f["name"] for f in spec["fields"] if _empty(resolved.get(f["name"]))]
    return FillAccepted(doc, job, missing, unfilled)


def _check_sizes(overrides: dict):
    errors, total = {}, 0
    for name, value in overrides.items():
        if isinstance(value, str):
            total += len(value)
            if len(value) > MAX_VALUE_CHARS:
                errors[f"values.{name}"] = [f"Use at most {MAX_VALUE_CHARS} characters."]
    if total > MAX_TOTAL_CHARS and not errors:
        errors["values"] = [f"All values together may hold at most {MAX_TOTAL_CHARS} characters."]
    if errors:
        raise ValidationFailed("Some form values are too long.", errors=errors)


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _missing_required(spec: dict, values: dict) -> list[str]:
    return [f["name"] for f in spec["fields"] if f.get("required") and _empty(values.get(f["name"]))]


def today_for(user: User | None) -> date:
    """The calendar date where the user is (their time zone), which a form's signature date means."""
    try:
        tz = ZoneInfo(user.timezone) if user is not None and user.timezone else timezone.utc
    except (KeyError, ValueError):
        tz = timezone.utc
    return datetime.now(tz).date()


def context_for(case: Case, user: User | None, today: date) -> dict:
    """What form fields are prefilled from: the case, its parties, the signed-in user and today."""
    parties = db.session.execute(sa.select(Party).where(Party.case_id == case.id,
                                                        Party.organization_id == case.organization_id)
                                 .order_by(Party.created_at, Party.id)).scalars().all()
    return {
        "case": {k: getattr(case, k) for k in CASE_CONTEXT_FIELDS},
        "parties": [{"name": p.name, "role": p.role, "contact": p.contact} for p in parties],
        "user": user_context(user),
        "today": today,
    }


def user_context(user: User | None) -> dict:
    """The user's profile as form sources name it: user.name, user.email, user.phone, user.street and user.unit
    (the two address lines), user.address_line_one (street and unit), user.address_line_two and
    user.city_state_zip ("City, ST 12345"), user.city, user.state, user.zip, and user.address (all on one line)."""
    if user is None:
        return {}
    street = ", ".join(p for p in (user.address_line1, user.address_line2) if p)
    state_zip = " ".join(p for p in (user.state, user.postal_code) if p)
    city_state_zip = ", ".join(p for p in (user.city, state_zip) if p)
    one_line = ", ".join(p for p in (street, city_state_zip) if p) or None
    return {
        "name": user.name, "email": user.email, "phone": user.phone, "user_type": user.user_type,
        "street": user.address_line1, "unit": user.address_line2, "address_line_one": street or None,
        "address_line_two": city_state_zip or None, "city_state_zip": city_state_zip or None,
        "city": user.city, "state": user.state, "zip": user.postal_code,
        "address": one_line, "address_on_one_line": one_line,
    }


# --- the worker --------------------------------------------------------------------------------

@dataclass
class FilledDocument:
    """A filled form, sealed into a private temporary file that only holds ciphertext."""

    document: Document
    ciphertext: Any
    sealed: crypto.SealResult
    page_count: int
    result: dict
    # The text of each page (index 0 is page 1): the title and the filled values with their labels.
    page_texts: list[str] = field(default_factory=list)

    def close(self):
        self.ciphertext.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def fill_step(run: StepRun) -> None:
    """Job step: fill the form and seal it into a private temporary file, kept for the store step."""
    run.carry["filled"] = run.scratch.enter_context(prepare(run.job))


def store_step(run: StepRun) -> dict:
    """Job step: store the sealed form (filled again when the fill ran in an earlier delivery)."""
    filled = run.carry.get("filled") or run.scratch.enter_context(prepare(run.job))
    store(run.job, filled)
    return filled.result


def prepare(job: Job) -> FilledDocument:
    """Fill the job's form from the case's current data and the stored values, and seal it (no storage yet)."""
    doc = db.session.get(Document, job.document_id) if job.document_id else None
    if doc is None or doc.deleted_at is not None:
        raise FormFillFailed("document_deleted", "The document was deleted before the form was filled.")
    case = db.session.get(Case, doc.case_id)
    if case is None or case.deleted_at is not None:
        raise FormFillFailed("case_deleted", "The case was deleted before the form was filled.")
    params = jobs.params_of(job)
    form_id = params.get("form_id", "")
    user = db.session.get(User, job.user_id) if job.user_id else None
    today = date.fromisoformat(params["today"]) if params.get("today") else today_for(user)
    try:
        values = field_values.build_values(form_id, context_for(case, user, today), params.get("values") or {})
        filled = render.fill(form_id, values, flatten=bool(params.get("flatten")))
        spec = library.get_form(form_id)
    except library.FormNotFound:
        raise FormFillFailed("form_unavailable", f"The form {form_id!r} is no longer in the library.") from None
    except library.FormValueInvalid as exc:
        names = ", ".join(sorted(exc.errors))
        raise FormFillFailed("form_values_invalid", f"These fields no longer have valid values: {names}. "
                                                    "Fill the form again.") from None
    pdf, pages = _stamp(filled.pdf_bytes, doc.id, spec["title"])
    texts = page_texts_for(form_id, spec, values, filled, pages)
    doc.status = "PROCESSING"
    tmp = tempfile.TemporaryFile(dir=documents.private_tmp_dir(), prefix="form-")
    try:
        sealed = crypto.seal_stream(runtime.current().keyring, pdf, tmp,
                                    crypto.make_aad(doc.organization_id, doc.id))
    except BaseException:
        tmp.close()
        raise
    result = {"document_id": str(doc.id), "form_id": form_id, "missing_required": list(filled.missing_required),
              "unfilled": list(filled.unfilled),
              "overflow": list(filled.overflow), "filled_fields": list(filled.filled), "page_count": pages}
    return FilledDocument(doc, tmp, sealed, pages, result, texts)


def _stamp(pdf_bytes: bytes, document_id, title: str) -> tuple[bytes, int]:
    """Name the document inside the PDF, so two fills with the same values are still two documents."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes))
    writer.add_metadata({"/Title": title, "/CaseOSDocumentId": str(document_id)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def page_texts_for(form_id: str, spec: dict, values: dict, filled: library.FilledForm, page_count: int) -> list[str]:
    """What each page of the filled form says: the title on page 1, then "Label: value" for every
    filled field on the page its widget is on; text moved to the addendum is on the first addendum page."""
    specs = {f["name"]: f for f in spec["fields"]}
    field_pages, template_pages = _field_pages(form_id)
    pages: list[list[str]] = [[] for _ in range(max(page_count, 1))]
    pages[0].append(spec["title"])
    addendum: list[str] = []
    for name, written in filled.filled.items():
        fs = specs.get(name, {})
        label = fs.get("label") or name
        ftype = fs.get("type", "text")
        if ftype == "checkbox":
            if written == "Off":
                continue  # an unticked box says nothing
            shown = "Yes"
        elif ftype in ("radio", "choice"):
            shown = (fs.get("option_labels") or {}).get(str(written), str(written))
        else:
            shown = str(written)
        if name in filled.overflow:
            n = filled.overflow.index(name) + 1
            addendum.append(f"Item {n}. {label}\n{values.get(name, '')}")
        if not shown.strip():
            continue
        number = field_pages.get(name, 0)
        pages[number if number < len(pages) else 0].append(f"{label}: {shown}")
    if addendum:
        first = template_pages if 0 < template_pages < len(pages) else len(pages) - 1
        pages[first].extend(addendum)
    return ["\n".join(lines) for lines in pages]


def _field_pages(form_id: str) -> tuple[dict[str, int], int]:
    """{field name: index of the template page its first widget is on}, and the template's page count."""
    try:
        reader = PdfReader(str(library.blank_pdf(form_id)))
        out: dict[str, int] = {}
        for index, page in enumerate(reader.pages):
            for annot in page.get("/Annots") or []:
                node = annot.get_object()
                if node.get("/Subtype") != "/Widget":
                    continue
                parts, seen = [], 0
                while node is not None and seen < 32:
                    if "/T" in node:
                        parts.append(str(node["/T"]))
                    parent = node.get("/Parent")
                    node = parent.get_object() if parent is not None else None
                    seen += 1
                if parts:
                    out.setdefault(".".join(reversed(parts)), index)
        return out, len(reader.pages)
    except Exception:  # the text is a convenience: never fail a fill over where a field sits
        return {}, 0


def _save_text(doc: Document, texts: list[str]):
    """Replace the document's page text and search rows (a redelivered store leaves the same rows)."""
    # Out of the index first, while the old pages (what the index was built from) are still there.
    search.remove_document(doc)
    db.session.execute(sa.delete(DocumentPage).where(DocumentPage.document_id == doc.id))
    db.session.flush()
    for number, text in enumerate(texts, start=1):
        # Sealed exactly as the pipeline seals extracted text (processing._save_page): AAD org + document + page.
        sealed = documents.seal((doc.organization_id, doc.id), f"page:{number}", text.encode()) if text else None
        db.session.add(DocumentPage(document_id=doc.id, number=number, source="text_layer", confidence=None,
                                    needs_ocr=False, text_sealed=sealed))
    db.session.flush()
    search.index_document(doc)


def store(job: Job, filled: FilledDocument) -> Document:
    """Store the ciphertext at the document's key (overwriting an earlier attempt) and complete the row."""
    doc = filled.document
    filled.ciphertext.seek(0)
    runtime.current().storage.put_file(doc.storage_key, filled.ciphertext)
    # The document may have been deleted while we filled it: then the blob must not outlive it.
    db.session.refresh(doc, with_for_update=True)
    if doc.deleted_at is not None:
        runtime.current().storage.delete(doc.storage_key)
        raise FormFillFailed("document_deleted", "The document was deleted before the form was filled.")
    doc.sha256, doc.size_bytes = filled.sealed.sha256, filled.sealed.size
    doc.wrapped_key, doc.page_count = filled.sealed.wrapped_key, filled.page_count
    doc.content_type = "application/pdf"
    doc.status, doc.processed_at, doc.error_code, doc.error_message = "PROCESSED", utcnow(), None, None
    _save_text(doc, filled.page_texts)
    audit.record("form.filled", "document", doc.id, user=job.user_id, organization_id=doc.organization_id,
                 case_id=doc.case_id, details={"form_id": filled.result["form_id"], "size": doc.size_bytes,
                                               "pages": doc.page_count})
    return doc
