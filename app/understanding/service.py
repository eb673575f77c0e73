"""The analysis step: choose a provider, analyse, seal the analysis and bring what was found into the case."""
from __future__ import annotations

import json
import logging
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.cases.cases import normalize_name
from app.documents import documents, extraction
from app.models import AICache, Case, Deadline, Document, DocumentAnalysis, Organization, Party
from app.models.base import utcnow
from app.models.deadline import untouched_suggestions
from app.platform import crypto, keys, runtime
from app.platform.engine import StepRun
from app.understanding import local, providers

log = logging.getLogger(__name__)

TYPE_MAP = {"complaint": "PLEADING", "summons": "NOTICE", "notice": "NOTICE", "order": "ORDER",
            "motion": "MOTION", "judgment": "ORDER", "form": "FORM", "instructions": "OTHER",
            "correspondence": "CORRESPONDENCE", "other": "OTHER", "brief": "BRIEF",
            "opinion": "ORDER", "docket": "OTHER", "notice_of_electronic_filing": "NOTICE", "email": "CORRESPONDENCE"}
ROLE_MAP = {"PLAINTIFF", "DEFENDANT", "PETITIONER", "RESPONDENT", "LANDLORD", "TENANT", "ATTORNEY", "WITNESS", "OTHER"}


def provider_config(org: Organization):
    """The model provider to use for this organization, or None for the local analyzer."""
    c = runtime.current().config
    if c.AI_PROVIDER == "local" or not org.allow_external_ai:
        return None
    if c.AI_PROVIDER == "openai" and c.OPENAI_API_KEY:
        return providers.ProviderConfig("openai", c.OPENAI_MODEL, c.OPENAI_API_KEY, c.OPENAI_BASE_URL, c.AI_TIMEOUT)
    if c.AI_PROVIDER == "anthropic" and c.ANTHROPIC_API_KEY:
        return providers.ProviderConfig("anthropic", c.ANTHROPIC_MODEL, c.ANTHROPIC_API_KEY, c.ANTHROPIC_BASE_URL, c.AI_TIMEOUT)
    return None


def local_analyze(text: str, pages=None, jurisdiction=None) -> dict:
    # today: what is already past is said to be past, never offered as a next step
    return local.analyze(text, pages=pages, jurisdiction=jurisdiction, reference_date=date.today())


def analyse_document(doc: Document, text: str, pages: list[str]) -> dict:
    """Analyse with the organization's provider (cached by content hash), else the local analyzer.

    Transient provider errors propagate so the Celery task retries with backoff.
    """
    case = db.session.get(Case, doc.case_id)
    org = db.session.get(Organization, doc.organization_id)
    cfg = provider_config(org)
    if cfg is None:
        result = local_analyze(text, pages, case.jurisdiction if case else None)
    else:
        result = _cached_model_analysis(doc, cfg, text)
    if doc.document_type_source == "auto" or not doc.document_type:
        doc.document_type = TYPE_MAP.get(result.get("document_type") or "other", "OTHER")
        doc.document_type_source = "auto"
    return result


def _cached_model_analysis(doc: Document, cfg, text: str) -> dict:
    key = providers.cache_key(doc.sha256, cfg)
    rt = runtime.current()
    aad = crypto.make_aad(doc.organization_id, "aicache", "analysis")
    row = db.session.execute(sa.select(AICache).where(AICache.key == key,
                                                      AICache.organization_id == doc.organization_id)).scalar_one_or_none()
    if row is not None:
        return json.loads(crypto.open_bytes(rt.keyring, row.sealed, aad))
    result = providers.analyze_with_model(cfg, text, fallback=lambda t: local_analyze(t))
    if result.get("provider") == cfg.provider:
        db.session.merge(AICache(key=key, organization_id=doc.organization_id, created_at=utcnow(),
                                 sealed=crypto.seal_bytes(rt.keyring, json.dumps(result).encode(), aad)))
    return result


def apply_to_case(doc: Document, result: dict):
    """Parties found become SUGGESTED case parties and deadlines found SUGGESTED deadlines (idempotent):
    a person confirms them; until then a suggested party does not count in the conflict check."""
    existing = {p.normalized_name for p in db.session.execute(
        sa.select(Party).where(Party.case_id == doc.case_id)).scalars()}
    for item in result.get("parties") or []:
        name = (item.get("name") or "").strip()
        norm = normalize_name(name)
        if not name or not norm or norm in existing:
            continue
        role = item.get("role") if item.get("role") in ROLE_MAP else "OTHER"
        db.session.add(Party(organization_id=doc.organization_id, case_id=doc.case_id, name=name[:300],
                             normalized_name=norm[:300], role=role, source_document_id=doc.id, status="SUGGESTED"))
        existing.add(norm)
    _replace_suggested_deadlines(doc, result.get("deadlines") or [])


def _replace_suggested_deadlines(doc: Document, items: list[dict]):
    """Re-analysis replaces only the analyzer's own suggestions of this document that nobody touched (no
    author, still SUGGESTED, never edited: ``updated_at == created_at``, both set once here). A deadline a
    person added, confirmed, edited or dismissed stays, and the analyzer does not suggest it again."""
    db.session.execute(sa.delete(Deadline).where(untouched_suggestions(doc.id), Deadline.case_id == doc.case_id,
                                                 Deadline.organization_id == doc.organization_id))
    kept = db.session.execute(sa.select(Deadline).where(Deadline.case_id == doc.case_id,
                                                        Deadline.organization_id == doc.organization_id)).scalars().all()
    confirmed = {(d.due_date, d.title) for d in kept}
    touched = {" ".join(d.quote.split()) for d in kept if d.quote and d.source_document_id == doc.id}
    now = utcnow()
    for item in items:
        due = item.get("due_date")
        if not due:
            continue
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            continue
        if due_date < date.today():
            continue              # a past date is history, said so in the analysis; never a deadline to remind of
        title = (item.get("label") or "Deadline from document")[:300]
        if (due_date, title) in confirmed or " ".join((item.get("quote") or "").split()) in touched:
            continue              # a person has this one already (confirmed, corrected or dismissed)
        db.session.add(Deadline(organization_id=doc.organization_id, case_id=doc.case_id, title=title,
                                due_date=due_date, status="SUGGESTED", rule=(item.get("basis") or "")[:300] or None,
                                source_document_id=doc.id, quote=item.get("quote"), reminders=[7, 3, 1, 0],
                                created_at=now, updated_at=now))
        confirmed.add((due_date, title))


def uses_model(run: StepRun) -> bool:
    """Whether analysing this document calls a model provider (the AI queue's slow calls); the local
    analyzer runs wherever the step before it ran."""
    return provider_config(db.session.get(Organization, run.doc.organization_id)) is not None


def analyse(run: StepRun):
    """Pipeline step: understand the document (type, parties, dates, deadlines...), seal the analysis,
    apply what it found to the case, and record the document's language and type."""
    doc = run.doc
    pages = documents.page_texts(doc)
    text = "\n\n".join(p["text"] for p in pages)
    doc.language = extraction.guess_language(text) if text.strip() else "und"
    result = analyse_document(doc, text, [p["text"] for p in pages])
    data = json.dumps(result, default=str).encode()
    row = db.session.get(DocumentAnalysis, doc.id)
    if row is None:
        row = DocumentAnalysis(document_id=doc.id, provider="", sealed=b"", created_at=utcnow())
        db.session.add(row)
    row.provider, row.model = result.get("provider", "local"), result.get("model")
    row.sealed = crypto.seal_bytes(runtime.current().keyring, data, documents.analysis_aad(doc))
    row.created_at = utcnow()
    apply_to_case(doc, result)
    return {"document_type": doc.document_type, "language": doc.language}


def rewrap_ai_cache(keyring: crypto.Keyring) -> dict:
    """Key rotation: re-wrap every cached model answer still under an old master key."""
    n = 0
    for row in db.session.execute(sa.select(AICache)).scalars():
        if crypto.blob_key_id(row.sealed) != keyring.current_key_id:
            row.sealed = crypto.rewrap_blob(keyring, row.sealed, crypto.make_aad(row.organization_id, "aicache", "analysis"))
            n += 1
    return {"ai_cache": n}


def ai_cache_under_old_key(keyring: crypto.Keyring) -> int:
    return keys.old_blobs(keyring, db.session.execute(sa.select(AICache.sealed)).scalars())
