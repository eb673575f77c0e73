"""Cases, their parties, the timeline and the conflict check."""
from __future__ import annotations

import difflib
import functools
import re
import types
import unicodedata
import uuid
from datetime import datetime, time, timezone

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Case, Deadline, Document, Party
from app.models.base import utcnow
from app.accounts import audit
from app.cases import counts as case_counts
from app.platform import crypto_fields
from app.platform.errors import ValidationFailed
from app.accounts.tenancy import Principal, get_visible, scope_ids, scoped, scoped_statement
from app.search import search

CASE_FIELDS = ("title", "description", "case_type", "court_type", "jurisdiction", "county", "case_number",
               "filing_deadline", "dispute_amount", "status")
PENDING_DEADLINE = ("PENDING",)


def create_case(principal: Principal, data: dict) -> Case:
    principal.require_write()
    case = Case(organization_id=principal.org_id, created_by_id=principal.user.id,
                **{k: v for k, v in data.items() if k in CASE_FIELDS})
    db.session.add(case)
    db.session.flush()
    audit.record("case.create", "case", case.id, user=principal.user, organization_id=case.organization_id,
                 case_id=case.id)
    return case


def _escape_like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# What a page of the case list shows of a case (app.schemas.case.case_out): read as plain rows,
# not ORM objects, so a page of 20 builds no identity map entries (a third of the web process's
# time per list request went to loading and discarding ORM state).
# The sealed description and deadline title come as their two columns (crypto_fields.read opens them).
LIST_COLUMNS = ("id", "organization_id", "title", "description_sealed", "description_plain", "case_type", "court_type",
                "jurisdiction", "county", "case_number", "filing_deadline", "dispute_amount", "status", "created_at",
                "updated_at")
DEADLINE_COLUMNS = ("id", "organization_id", "case_id", "title_sealed", "title", "due_date", "due_time", "status")


class CaseRow(types.SimpleNamespace):
    """A case of the list: LIST_COLUMNS, document_count and next_deadlines (rows of DEADLINE_COLUMNS)."""


@functools.lru_cache(maxsize=None)
def _list_statements(by_status: bool, by_type: bool, by_title: bool):
    """(count, page) statements of the case list for one combination of filters, built once.

    Values travel as bound parameters (org_ids, status, case_type, like, limit, offset), so a
    request only binds them: building the statement tree cost more CPU than running it.
    """
    query = scoped_statement(Case)
    if by_status:
        query = query.where(Case.status == sa.bindparam("status"))
    if by_type:
        query = query.where(Case.case_type == sa.bindparam("case_type"))
    if by_title:
        query = query.where(Case.title.ilike(sa.bindparam("like", type_=sa.String), escape="\\"))
    count = sa.select(sa.func.count()).select_from(query.subquery())
    # Each case's live document count rides along (an index probe per case of the page), as
    # attach_summaries would count it in a statement of its own.
    doc_count = (sa.select(sa.func.count()).select_from(Document)
                 .where(Document.case_id == Case.id, Document.deleted_at.is_(None))
                 .correlate(Case).scalar_subquery())
    page = (query.with_only_columns(*(getattr(Case, c) for c in LIST_COLUMNS), doc_count.label("document_count"))
            .order_by(Case.updated_at.desc(), Case.id.desc())
            .limit(sa.bindparam("limit", type_=sa.Integer)).offset(sa.bindparam("offset", type_=sa.Integer)))
    return count, page


def list_cases(principal: Principal, *, status=None, case_type=None, q=None, page=1, per_page=20):
    """A page of the organization's live cases, newest first, with counts and next deadlines
    (CaseRow: what the list shows, not ORM objects).

    ``total`` comes from app/cases/counts.py: counted once per organization and filters
    and reused until a case of the organization changes (exact, not an estimate).
    """
    count_stmt, page_stmt = _list_statements(bool(status), bool(case_type), bool(q))
    params = {"org_ids": scope_ids(principal), "limit": per_page, "offset": (page - 1) * per_page}
    if status:
        params["status"] = status
    if case_type:
        params["case_type"] = case_type
    if q:
        params["like"] = _escape_like(q)
    total = case_counts.count(principal.org_id, (status, case_type, q),
                              lambda: db.session.execute(count_stmt, params).scalar())
    items = [CaseRow(**row._asdict(), description=crypto_fields.read(row, Case, "description"), next_deadlines=[])
             for row in db.session.execute(page_stmt, params)]
    if items:
        by_id = {c.id: c for c in items}
        for d in db.session.execute(_summary_statements()[2], {"ids": list(by_id)}):
            by_id[d.case_id].next_deadlines.append(types.SimpleNamespace(
                id=d.id, case_id=d.case_id, due_date=d.due_date, due_time=d.due_time, status=d.status,
                title=d.title if d.title is not None else crypto_fields.open_text(
                    d.organization_id, d.id, Deadline.title.purpose, d.title_sealed)))
    return items, total


@functools.lru_cache(maxsize=None)
def _summary_statements():
    """(document counts, next three pending deadlines as Deadline objects, the same as rows of
    DEADLINE_COLUMNS) for a set of case ids (expanding ``ids``)."""
    ids = sa.bindparam("ids", expanding=True)
    counts = (sa.select(Document.case_id, sa.func.count())
              .where(Document.case_id.in_(ids), Document.deleted_at.is_(None)).group_by(Document.case_id))
    ranked = sa.select(
        Deadline, sa.func.row_number().over(partition_by=Deadline.case_id,
                                            order_by=(Deadline.due_date, Deadline.due_time, Deadline.id)).label("rn")
    ).where(Deadline.case_id.in_(ids), Deadline.status.in_(PENDING_DEADLINE)).subquery()
    dl = sa.orm.aliased(Deadline, ranked)
    rows = (sa.select(*(ranked.c[c] for c in DEADLINE_COLUMNS))
            .where(ranked.c.rn <= 3).order_by(ranked.c.due_date, ranked.c.due_time, ranked.c.id))
    return counts, sa.select(dl).where(ranked.c.rn <= 3).order_by(ranked.c.due_date), rows


def attach_summaries(cases: list[Case], counts: dict | None = None):
    """document_count and next_deadlines for cases in two queries, not one per case (one when
    the caller already has the document counts)."""
    ids = [c.id for c in cases]
    nexts = {i: [] for i in ids}
    if ids:
        counts_stmt, deadlines_stmt, _rows = _summary_statements()
        if counts is None:
            counts = dict(db.session.execute(counts_stmt, {"ids": ids}).all())
        for d in db.session.execute(deadlines_stmt, {"ids": ids}).scalars():
            nexts[d.case_id].append(d)
    counts = counts or {}
    for c in cases:
        c.document_count = counts.get(c.id, 0)
        c.next_deadlines = nexts.get(c.id, [])


def get_case(principal: Principal, case_id, *, write=False) -> Case:
    case = get_visible(principal, Case, case_id, write=write)
    attach_summaries([case])
    return case


def update_case(principal: Principal, case_id, data: dict) -> Case:
    case = get_visible(principal, Case, case_id, write=True)
    changes = {}
    for key, value in data.items():
        if key in CASE_FIELDS and getattr(case, key) != value:
            changes[key] = [_jsonable(getattr(case, key)), _jsonable(value)]
            setattr(case, key, value)
    if changes:
        case.updated_at = utcnow()
        audit.record("case.update", "case", case.id, user=principal.user, organization_id=case.organization_id,
                     case_id=case.id, details={"changes": {k: v for k, v in changes.items() if k == "status"},
                                               "fields": sorted(changes)})
    db.session.flush()
    attach_summaries([case])
    return case


def delete_case(principal: Principal, case_id):
    case = get_visible(principal, Case, case_id, write=True)
    case.deleted_at = utcnow()
    # The search index holds no rows of an unreachable case.
    search.remove_case(case.id)
    audit.record("case.delete", "case", case.id, user=principal.user, organization_id=case.organization_id,
                 case_id=case.id)


def timeline(principal: Principal, case_id) -> list[dict]:
    """Documents filed, deadlines and status changes of a case, in date order."""
    case = get_visible(principal, Case, case_id)
    items = [{"date": case.created_at, "kind": "case_created", "title": f"Case opened: {case.title}",
              "resource_id": str(case.id)}]
    for ev in db.session.execute(sa.select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.action == "case.update")).scalars():
        status = (ev.details or {}).get("changes", {}).get("status")
        if status:
            items.append({"date": ev.created_at, "kind": "status_changed",
                          "title": f"Status changed from {status[0]} to {status[1]}", "resource_id": str(case.id)})
    for doc in db.session.execute(scoped(principal, Document, all_orgs=True).where(Document.case_id == case.id)).scalars():
        items.append({"date": doc.created_at, "kind": "document_filed", "title": f"Document added: {doc.title}",
                      "resource_id": str(doc.id)})
    for d in db.session.execute(scoped(principal, Deadline, all_orgs=True).where(
            Deadline.case_id == case.id, Deadline.status != "DISMISSED")).scalars():
        at = datetime.combine(d.due_date, d.due_time or time(0), tzinfo=timezone.utc)
        items.append({"date": at, "kind": "deadline", "title": f"Deadline: {d.title} ({d.status})",
                      "resource_id": str(d.id)})
    items.sort(key=lambda i: i["date"])
    return items


# --- parties -------------------------------------------------------------------------------

def normalize_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\b(inc|llc|ltd|corp|co|the|et al)\b\.?", " ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def list_parties(principal: Principal, case_id) -> list[Party]:
    case = get_visible(principal, Case, case_id)
    return db.session.execute(scoped(principal, Party, all_orgs=True).where(Party.case_id == case.id)
                              .order_by(Party.created_at)).scalars().all()


def add_party(principal: Principal, case_id, data: dict, source_document_id=None) -> Party:
    case = get_visible(principal, Case, case_id, write=True)
    party = Party(organization_id=case.organization_id, case_id=case.id, name=data["name"].strip(),
                  normalized_name=normalize_name(data["name"]), role=data["role"], contact=data.get("contact"),
                  source_document_id=source_document_id)
    db.session.add(party)
    db.session.flush()
    audit.record("party.create", "party", party.id, user=principal.user, organization_id=case.organization_id,
                 case_id=case.id)
    return party


def update_party(principal: Principal, party_id, data: dict) -> Party:
    party = get_visible(principal, Party, party_id, write=True)
    confirmed = data.get("status") == "CONFIRMED" and party.status != "CONFIRMED"
    for key in ("name", "role", "contact", "status"):
        if key in data:
            setattr(party, key, data[key])
    party.normalized_name = normalize_name(party.name)
    audit.record("party.confirm" if confirmed else "party.update", "party", party.id, user=principal.user,
                 organization_id=party.organization_id, case_id=party.case_id)
    db.session.flush()
    return party


def delete_party(principal: Principal, party_id):
    party = get_visible(principal, Party, party_id, write=True)
    audit.record("party.delete", "party", party.id, user=principal.user, organization_id=party.organization_id,
                 case_id=party.case_id)
    db.session.delete(party)


def conflicts(principal: Principal, name: str, threshold: float = 0.82) -> list[dict]:
    """Cases of the organization where a confirmed party of a similar name appears (conflict of interest).

    Parties only suggested from a document (status SUGGESTED) are left out until a person confirms them:
    a misread name ("Northern California" as a party) must not raise or hide a conflict."""
    target = normalize_name(name)
    if not target:
        raise ValidationFailed(errors={"name": ["Give a name with letters or digits."]})
    tokens = [t for t in target.split() if len(t) > 1] or target.split()
    like_any = sa.or_(*[Party.normalized_name.like(f"%{t}%") for t in tokens[:6]])
    rows = db.session.execute(
        sa.select(Party, Case).join(Case, Case.id == Party.case_id)
        .where(Party.organization_id == principal.org_id, Party.status == "CONFIRMED", Case.deleted_at.is_(None),
               like_any).limit(2000)
    ).all()
    matches = []
    for party, case in rows:
        score = _similarity(target, party.normalized_name)
        if score >= threshold:
            matches.append({"case_id": case.id, "case_title": case.title, "case_number": case.case_number,
                            "party_id": party.id, "party_name": party.name, "role": party.role,
                            "score": round(score, 3)})
    matches.sort(key=lambda m: -m["score"])
    return matches


def _similarity(a: str, b: str) -> float:
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    ta, tb = set(a.split()), set(b.split())
    tokens = len(ta & tb) / len(ta | tb) if ta and tb else 0.0
    # "Smith John" vs "John Smith": token overlap catches reorders the character ratio misses.
    return max(ratio, tokens)


def _jsonable(v):
    if isinstance(v, uuid.UUID):
        return str(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v) if v is not None and not isinstance(v, (str, int, float, bool)) else v
