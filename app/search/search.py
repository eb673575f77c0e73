"""Full-text search over document text and titles, scoped to what the caller may read.

PostgreSQL: a weighted tsvector per page (title 'A' above body 'B'), a GIN index and
websearch_to_tsquery. SQLite (embedded): a contentless FTS5 table with the same query
syntax translated (quotes, OR, -word) and bm25 weights favouring the title. Either way the
index holds lexemes only; snippets are cut from the decrypted text of the returned hits.

Under row-level security (migration 0009) PostgreSQL may not use the GIN index for a plain
query on search_entries (``@@`` is not LEAKPROOF), so the match runs in the SECURITY DEFINER
function of migration 0010, which applies the policies' organization rule itself.
"""
from __future__ import annotations

import html
import re
import shlex
import uuid
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Document, DocumentPage, SearchEntry
from app.models.base import UTCDateTime
from app.platform import crypto, runtime
from app.documents import documents
from app.platform.engine import StepRun
from app.platform.errors import ValidationFailed
from app.accounts.tenancy import Principal

TITLE_PAGE = 0  # the row holding a document's title


def _is_pg() -> bool:
    return db.engine.dialect.name == "postgresql"


def index_document(doc: Document) -> int:
    """(Re)write the index rows of one document; returns the number of pages indexed."""
    remove_document(doc)
    pages = [p for p in documents.page_texts(doc) if p["text"].strip()]
    rows = [(TITLE_PAGE, doc.title or "", "")] + [(p["number"], "", p["text"]) for p in pages]
    for number, title, body in rows:
        entry = SearchEntry(organization_id=doc.organization_id, case_id=doc.case_id, document_id=doc.id,
                            page_number=number, document_type=doc.document_type, document_date=doc.created_at)
        db.session.add(entry)
        db.session.flush()
        if _is_pg():
            db.session.execute(sa.text(
                "UPDATE search_entries SET tsv = setweight(to_tsvector('english', :t), 'A') || "
                "setweight(to_tsvector('english', :b), 'B') WHERE id = :id"), {"t": title, "b": body, "id": entry.id})
        else:
            db.session.execute(sa.text("INSERT INTO search_fts(rowid, title, body) VALUES (:id, :t, :b)"),
                               {"id": entry.id, "t": title, "b": body})
    return len(pages)


def index(run: StepRun) -> dict:
    """Pipeline step: the document's pages into the full-text index."""
    return {"indexed_pages": index_document(run.doc)}


def remove_document(doc: Document):
    """Remove a document from the index at once (deleted documents never appear in results)."""
    entries = db.session.execute(sa.select(SearchEntry.id, SearchEntry.page_number)
                                 .where(SearchEntry.document_id == doc.id)).all()
    if not entries:
        return
    if not _is_pg():
        # A contentless FTS5 row is deleted by replaying the exact values it was indexed with.
        texts = {p["number"]: p["text"] for p in documents.page_texts(doc)}
        for entry_id, number in entries:
            title, body = (doc.title or "", "") if number == TITLE_PAGE else ("", texts.get(number, ""))
            db.session.execute(sa.text("INSERT INTO search_fts(search_fts, rowid, title, body) "
                                       "VALUES ('delete', :id, :t, :b)"), {"id": entry_id, "t": title, "b": body})
    db.session.execute(sa.delete(SearchEntry).where(SearchEntry.document_id == doc.id))


def remove_case(case_id):
    for doc in db.session.execute(sa.select(Document).where(Document.case_id == case_id)).scalars():
        remove_document(doc)


def rebuild(organization_id=None) -> int:
    """Rebuild the index from the encrypted page text (operator command)."""
    q = sa.select(Document).where(Document.deleted_at.is_(None), Document.status == "PROCESSED")
    if organization_id:
        q = q.where(Document.organization_id == organization_id)
    n = 0
    if not _is_pg() and organization_id is None:
        db.session.execute(sa.text("DELETE FROM search_entries"))
        db.session.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
    for doc in db.session.execute(q).scalars().all():
        index_document(doc)
        n += 1
        if n % 100 == 0:
            db.session.commit()
    db.session.commit()
    return n


# --- queries ---------------------------------------------------------------------------------

def parse_websearch(q: str) -> list[list[tuple[str, bool, bool]]]:
    """websearch syntax -> OR-ed groups of AND-ed (text, is_phrase, negated) terms.

    Same precedence as PostgreSQL's websearch_to_tsquery: `a b OR c` is (a AND b) OR c.
    """
    try:
        phrases = set(re.findall(r'"([^"]+)"', q))
        parts = shlex.split(q.replace("'", " "), posix=True)
    except ValueError:  # an unbalanced quote: read it as plain words
        parts, phrases = q.replace('"', " ").split(), set()
    groups: list[list[tuple[str, bool, bool]]] = [[]]
    for raw in parts:
        if raw.upper() == "OR" and raw not in phrases:
            if groups[-1]:
                groups.append([])
            continue
        neg = raw.startswith("-") and len(raw) > 1 and raw not in phrases
        text = raw[1:] if neg else raw
        words = re.findall(r"\w+", text)
        if words:
            groups[-1].append((" ".join(words), len(words) > 1 or text in phrases, neg))
    return [g for g in groups if g]


def _fts5_query(groups) -> str | None:
    parts = []
    for group in groups:
        pos = ['"' + t.replace('"', "") + '"' for t, _p, n in group if not n]
        if not pos:
            continue  # a group of exclusions alone cannot be expressed in FTS5
        expr = " AND ".join(pos)
        for t, _p, n in group:
            if n:
                expr = f'({expr}) NOT "{t}"'
        parts.append(f"({expr})")
    return " OR ".join(parts) if parts else None


SEARCH_FUNCTION = "caseos_search_pages"  # migration 0010


def search(principal: Principal, q: str, *, case_id=None, document_type=None, date_from=None, date_to=None,
           page=1, per_page=20) -> tuple[list[dict], int]:
    """Documents of the selected organization matching q, best first, with highlighted snippets.

    One statement finds the matching pages once (a materialized set of (document, page, rank))
    and derives from it the number of matching documents, this page of documents and their
    pages hit; a second loads those documents and a third only the hit pages shown as snippets.
    """
    q = (q or "").strip()
    if not q:
        raise ValidationFailed(errors={"q": ["Type something to search for."]})
    clauses = parse_websearch(q)
    dfrom = datetime.combine(date_from, datetime.min.time()) if date_from else None
    dto = datetime.combine(date_to, datetime.max.time()) if date_to else None
    filters = (principal.org_id, case_id, document_type, dfrom, dto)
    matches = _pg_matches(q, *filters) if _is_pg() else _fts5_matches(clauses, *filters)
    if matches is None:
        return [], 0
    total_n, top_rows, pages_hit = _top_documents(matches, page, per_page)
    if not top_rows:
        return [], total_n
    ids = [r.document_id for r in top_rows]
    docs = {d.id: d for d in db.session.execute(sa.select(Document).where(Document.id.in_(ids))).scalars()}
    shown_pages = {d: [n for n in pages_hit[d] if n != TITLE_PAGE][:2] for d in ids}
    texts = _page_texts(docs, shown_pages)
    terms = [t for clause in clauses for t, _p, n in clause if not n]
    items = []
    for r in top_rows:
        doc = docs[r.document_id]
        pages = shown_pages[doc.id]
        items.append({"document_id": doc.id, "case_id": doc.case_id, "title": doc.title,
                      "document_type": doc.document_type, "score": round(float(r.score), 6),
                      "pages": pages, "snippets": _snippets(texts.get(doc.id, {}), pages, terms)})
    return items, total_n


def _pg_matches(q: str, org_id, case_id, document_type, dfrom, dto):
    """(document_id, page_number, rank) of every matching page, through the search function.

    Row-level security hides the GIN index from a plain query (ts_match_vq is not LEAKPROOF):
    the SECURITY DEFINER function of migration 0010 applies the policies' rule itself, plus
    the organization, and returns (document_id, page_number, rank) with the tsvector left behind."""
    tsq = sa.func.websearch_to_tsquery("english", q)
    hits_fn = getattr(sa.func, SEARCH_FUNCTION)(
        tsq, sa.cast(sa.literal(org_id, sa.Uuid), sa.Uuid),
        sa.cast(sa.literal(_uuid_or_none(case_id), sa.Uuid), sa.Uuid),
        sa.cast(sa.literal(document_type, sa.Text), sa.Text),
        sa.cast(sa.literal(dfrom, UTCDateTime), sa.DateTime(timezone=True)),
        sa.cast(sa.literal(dto, UTCDateTime), sa.DateTime(timezone=True)),
    ).table_valued(sa.column("document_id", sa.Uuid), sa.column("page_number", sa.Integer),
                   sa.column("rank", sa.Float)).alias("h")
    return sa.select(hits_fn.c.document_id, hits_fn.c.page_number, hits_fn.c.rank)


def _fts5_matches(clauses, org_id, case_id, document_type, dfrom, dto):
    """The same on SQLite's FTS5 (None when the query has nothing to look for)."""
    fq = _fts5_query(clauses)
    if fq is None:
        return None
    filters = [SearchEntry.organization_id == org_id]
    if case_id:
        filters.append(SearchEntry.case_id == case_id)
    if document_type:
        filters.append(SearchEntry.document_type == document_type)
    if dfrom:
        filters.append(SearchEntry.document_date >= dfrom)
    if dto:
        filters.append(SearchEntry.document_date < dto)
    # bm25() only works in a plain FTS5 query: rank there (materialized), then join and filter.
    fts = sa.table("search_fts", sa.column("rowid"))
    ranked = (sa.select(fts.c.rowid.label("rid"),
                        (-sa.func.bm25(sa.literal_column("search_fts"), 10.0, 1.0)).label("rank"))
              .where(sa.text("search_fts MATCH :fq").bindparams(fq=fq))
              .cte("fts_ranked").prefix_with("MATERIALIZED"))
    return (sa.select(SearchEntry.document_id, SearchEntry.page_number, ranked.c.rank)
            .select_from(ranked).join(SearchEntry, SearchEntry.id == ranked.c.rid).where(*filters))


def _top_documents(matches, page: int, per_page: int) -> tuple[int, list, dict]:
    """The number of matching documents, this page of them (best first) and the pages each hit."""
    # Every matching page once, rank included (the tsvector stays behind); then one row per
    # document, and only then the check that the document and its case are not deleted (once per
    # document rather than once per page).
    hits = matches.cte("hits").prefix_with("MATERIALIZED")
    grouped = (sa.select(hits.c.document_id, sa.func.max(hits.c.rank).label("score"))
               .group_by(hits.c.document_id).cte("grouped"))
    live = sa.exists().where(Document.id == grouped.c.document_id, Document.deleted_at.is_(None),
                             sa.exists().where(Case.id == Document.case_id, Case.deleted_at.is_(None)))
    per_doc = sa.select(grouped.c.document_id, grouped.c.score).where(live).cte("per_doc").prefix_with("MATERIALIZED")
    top = (sa.select(per_doc.c.document_id, per_doc.c.score)
           .order_by(per_doc.c.score.desc(), per_doc.c.document_id)
           .limit(per_page).offset((page - 1) * per_page).cte("top"))
    total = sa.select(sa.func.count()).select_from(per_doc).scalar_subquery()
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    shown = top.join(hits, hits.c.document_id == top.c.document_id)
    # One row per (document of this page, page hit); a lone row of NULLs when the page is empty.
    rows = db.session.execute(
        sa.select(total.label("total"), top.c.document_id, top.c.score, hits.c.page_number)
        .select_from(one.outerjoin(shown, sa.true()))
        .order_by(top.c.score.desc(), top.c.document_id, hits.c.rank.desc(), hits.c.page_number)).all()
    total_n = (rows[0].total if rows else 0) or 0
    top_rows: list = []
    pages_hit: dict = {}
    for r in rows:
        if r.document_id is None:
            continue
        if r.document_id not in pages_hit:
            pages_hit[r.document_id] = []
            top_rows.append(r)
        pages_hit[r.document_id].append(r.page_number)
    return total_n, top_rows, pages_hit


def _uuid_or_none(value):
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def _page_texts(docs: dict, pages: dict) -> dict:
    """{document_id: {page number: decrypted text}} of just these pages, in one query."""
    wanted = [(d, n) for d, numbers in pages.items() for n in numbers]
    if not wanted:
        return {}
    keyring = runtime.current().keyring
    rows = db.session.execute(
        sa.select(DocumentPage.document_id, DocumentPage.number, DocumentPage.text_sealed)
        .where(DocumentPage.document_id.in_(list(pages)),
               sa.or_(*[sa.and_(DocumentPage.document_id == d, DocumentPage.number.in_(numbers))
                        for d, numbers in pages.items() if numbers]))).all()
    out: dict = {}
    for document_id, number, sealed in rows:
        doc = docs[document_id]
        text = crypto.open_bytes(keyring, sealed, documents.page_aad(doc, number)).decode() if sealed else ""
        out.setdefault(document_id, {})[number] = text
    return out


def _snippets(texts: dict, pages: list[int], terms: list[str], width: int = 80) -> list[str]:
    """Highlighted fragments of these pages' texts ({number: text}) around the first term found."""
    if not pages:
        return []
    words = sorted({w.lower() for t in terms for w in re.findall(r"\w+", t) if len(w) > 1}, key=len, reverse=True)
    if not words:
        return []
    # Match the word or its stem's prefix, so "evicted" highlights for a search on "eviction".
    pattern = re.compile(r"\b(" + "|".join(re.escape(w[:max(4, len(w) - 3)]) + r"\w*" for w in words) + r")",
                         re.IGNORECASE)
    out = []
    for n in pages:
        text = re.sub(r"\s+", " ", texts.get(n, ""))
        m = pattern.search(text)
        if not m:
            continue
        start, end = max(0, m.start() - width), min(len(text), m.end() + width)
        frag = text[start:end]
        escaped = pattern.sub(lambda mm: "\x00" + mm.group(0) + "\x01", frag)
        escaped = html.escape(escaped).replace("\x00", "<mark>").replace("\x01", "</mark>")
        out.append(("... " if start else "") + escaped + (" ..." if end < len(text) else ""))
    return out
