"""Full-text search over document text and titles, scoped to what the caller may read.

The index is blind (app/search/blind.py): words become per-organization keyed tokens before they
reach the database, and the query gets the same transformation, so the index holds neither words
nor their order. Rows: one per document (``page_number`` 0: title tokens weighted 'A', every
page's tokens 'B') that is matched and ranked, and one per page (its own tokens) that says which
pages to show a snippet from. PostgreSQL keeps the tokens in a tsvector with a GIN index on the
document rows; SQLite (embedded) in a contentless FTS5 table ranked by bm25. Snippets are cut from
the decrypted text of the pages shown.

Under row-level security (migration 0009) PostgreSQL may not use the GIN index for a plain
query on search_entries (``@@`` is not LEAKPROOF), so the match runs in the SECURITY DEFINER
function of migration 0019, which applies the policies' organization rule itself.
"""
from __future__ import annotations

import html
import re
import shlex
import uuid
from collections import Counter
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
from app.search import blind, keys

DOCUMENT_ROW = 0       # the row that stands for the whole document (title and every page)
TOTAL_CAP = 1000       # more matching documents than this read "1,000+"
RANK_WINDOW = 250      # PostgreSQL ranks at most the newest 250 title matches and the newest 250 matches
MAX_DOCUMENT_TOKENS = 40_000  # a tsvector holds at most 1 MB; past this a document row keeps its words, not all pairs


def _is_pg() -> bool:
    return db.engine.dialect.name == "postgresql"


def _bags(doc: Document, key: bytes, pages: list[dict]) -> list[tuple[int, blind.Bag]]:
    """(page number, tokens) of each index row of a document: the document row first."""
    rows = [(p["number"], blind.Bag(body=blind.tokens(key, p["text"]))) for p in pages if p["text"].strip()]
    body: Counter = Counter()
    for _n, bag in rows:
        body.update(bag.body)
    if len(body) > MAX_DOCUMENT_TOKENS:
        words = Counter({t: c for t, c in body.items() if c > 1})  # a pair seen once is the first to go
        body = Counter(dict(body.most_common(MAX_DOCUMENT_TOKENS))) if len(words) > MAX_DOCUMENT_TOKENS else words
    return [(DOCUMENT_ROW, blind.Bag(title=blind.tokens(key, doc.title or ""), body=body))] + rows


def index_document(doc: Document) -> int:
    """(Re)write the index rows of one document; returns the number of pages indexed."""
    remove_document(doc)
    key = keys.search_key(doc.organization_id)
    rows = _bags(doc, key, documents.page_texts(doc))
    common = {"org": doc.organization_id, "case": doc.case_id, "doc": doc.id, "type": doc.document_type,
              "date": doc.created_at}
    if _is_pg():
        db.session.execute(sa.text(
            "INSERT INTO search_entries (organization_id, case_id, document_id, page_number, document_type, "
            "document_date, tsv, title_tsv) VALUES (:org, :case, :doc, :n, :type, :date, CAST(:tsv AS tsvector), "
            "CAST(:title AS tsvector))"),
            [dict(common, n=n, tsv=bag.tsvector(), title=title_tsvector(bag) if n == DOCUMENT_ROW else None)
             for n, bag in rows])
        return len(rows) - 1
    for number, bag in rows:
        entry = SearchEntry(organization_id=doc.organization_id, case_id=doc.case_id, document_id=doc.id,
                            page_number=number, document_type=doc.document_type, document_date=doc.created_at)
        db.session.add(entry)
        db.session.flush()
        title, body = bag.fts5()
        db.session.execute(sa.text("INSERT INTO search_fts(rowid, title, body) VALUES (:id, :t, :b)"),
                           {"id": entry.id, "t": title, "b": body})
    return len(rows) - 1


def title_tsvector(bag: blind.Bag) -> str:
    """The title tokens of a document row alone (migration 0020's title_tsv)."""
    return blind.Bag(title=bag.title).tsvector()


def shown_total(total: int) -> tuple[int, bool]:
    """(the count to show, whether more documents match than that): 1,000 and True read "1,000+"."""
    return min(total, TOTAL_CAP), total > TOTAL_CAP


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
        key = keys.search_key(doc.organization_id, create=False)
        bags = dict(_bags(doc, key, documents.page_texts(doc))) if key else {}
        for entry_id, number in entries:
            title, body = bags.get(number, blind.Bag()).fts5()
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


SEARCH_FUNCTION = "caseos_search_window"  # migration 0020


def search(principal: Principal, q: str, *, case_id=None, document_type=None, date_from=None, date_to=None,
           page=1, per_page=20) -> tuple[list[dict], int]:
    """Documents of the selected organization matching q, best first, with highlighted snippets.

    The total counts matching documents up to TOTAL_CAP + 1 (shown_total: more than TOTAL_CAP
    reads "1,000+"). One statement matches and ranks the document rows and gives the count and this
    page of documents; a second finds, among those documents' page rows, the pages to show; a third
    reads those pages' text for the snippets. On PostgreSQL, with more matches than RANK_WINDOW,
    what is ranked is the newest RANK_WINDOW documents with a searched word in the title and the
    newest RANK_WINDOW matches (migration 0020): a common word costs what a rare one does.
    """
    q = (q or "").strip()
    if not q:
        raise ValidationFailed(errors={"q": ["Type something to search for."]})
    clauses = parse_websearch(q)
    key = keys.search_key(principal.org_id, create=False)
    if key is None:  # nothing of this organization was ever indexed
        return [], 0
    bq = blind.query(key, clauses)
    dfrom = datetime.combine(date_from, datetime.min.time()) if date_from else None
    dto = datetime.combine(date_to, datetime.max.time()) if date_to else None
    filters = (principal.org_id, case_id, document_type, dfrom, dto)
    matches = _pg_matches(bq, *filters) if _is_pg() else _fts5_matches(bq, *filters)
    if matches is None:
        return [], 0
    total_n, top_rows = _top_documents(matches, page, per_page)
    if not top_rows:
        return [], total_n
    ids = [r.document_id for r in top_rows]
    docs = {d.id: d for d in db.session.execute(sa.select(Document).where(Document.id.in_(ids))).scalars()}
    shown_pages = _pages_hit(bq, ids)
    texts = _page_texts(docs, shown_pages)
    terms = [t for clause in clauses for t, _p, n in clause if not n]
    items = []
    for r in top_rows:
        doc = docs[r.document_id]
        pages = shown_pages.get(doc.id, [])
        items.append({"document_id": doc.id, "case_id": doc.case_id, "title": doc.title,
                      "document_type": doc.document_type, "score": round(float(r.score), 6),
                      "pages": pages, "snippets": _snippets(texts.get(doc.id, {}), pages, terms)})
    return items, total_n


def _pg_matches(bq: blind.Query, org_id, case_id, document_type, dfrom, dto):
    """(document_id, rank, matches) of the ranked window of matching documents, through the search
    function (matches: how many documents match in all).

    Row-level security hides the GIN index from a plain query (ts_match_vq is not LEAKPROOF):
    the SECURITY DEFINER function of migration 0020 applies the policies' rule itself, plus
    the organization, and returns (document_id, rank, matches) with the tsvector left behind."""
    match, rank = bq.tsquery(), bq.rank_tsquery()
    if match is None:
        return None
    hits_fn = getattr(sa.func, SEARCH_FUNCTION)(
        sa.cast(sa.literal(match, sa.Text), _TSQUERY), sa.cast(sa.literal(rank or match, sa.Text), _TSQUERY),
        sa.cast(sa.literal(org_id, sa.Uuid), sa.Uuid),
        sa.cast(sa.literal(_uuid_or_none(case_id), sa.Uuid), sa.Uuid),
        sa.cast(sa.literal(document_type, sa.Text), sa.Text),
        sa.cast(sa.literal(dfrom, UTCDateTime), sa.DateTime(timezone=True)),
        sa.cast(sa.literal(dto, UTCDateTime), sa.DateTime(timezone=True)),
        sa.literal(RANK_WINDOW, sa.Integer),
    ).table_valued(sa.column("document_id", sa.Uuid), sa.column("rank", sa.Float),
                   sa.column("matches", sa.BigInteger)).alias("h")
    return sa.select(hits_fn.c.document_id, hits_fn.c.rank, hits_fn.c.matches)


class _TSQueryType(sa.types.UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **kw):
        return "tsquery"


_TSQUERY = _TSQueryType()


def _fts5_filters(org_id, case_id, document_type, dfrom, dto) -> list:
    filters = [SearchEntry.organization_id == org_id, SearchEntry.page_number == DOCUMENT_ROW]
    if case_id:
        filters.append(SearchEntry.case_id == case_id)
    if document_type:
        filters.append(SearchEntry.document_type == document_type)
    if dfrom:
        filters.append(SearchEntry.document_date >= dfrom)
    if dto:
        filters.append(SearchEntry.document_date < dto)
    return filters


def _fts5_ranked(fq: str, name: str):
    # bm25() only works in a plain FTS5 query: rank there (materialized), then join and filter.
    fts = sa.table("search_fts", sa.column("rowid"))
    return (sa.select(fts.c.rowid.label("rid"), (-sa.func.bm25(sa.literal_column("search_fts"), 10.0, 1.0)).label("rank"))
            .where(sa.text(f"search_fts MATCH :{name}").bindparams(**{name: fq}))
            .cte(f"fts_{name}").prefix_with("MATERIALIZED"))


def _fts5_matches(bq: blind.Query, *filters):
    """The same on SQLite's FTS5 (None when the query has nothing to look for)."""
    fq = bq.fts5()
    if fq is None:
        return None
    ranked = _fts5_ranked(fq, "fq")
    return (sa.select(SearchEntry.document_id, ranked.c.rank, sa.null().label("matches"))
            .select_from(ranked).join(SearchEntry, SearchEntry.id == ranked.c.rid).where(*_fts5_filters(*filters)))


def _top_documents(matches, page: int, per_page: int) -> tuple[int, list]:
    """The number of matching documents (up to TOTAL_CAP + 1) and this page of them, best first."""
    # The check that the document and its case are not deleted runs once per matching document.
    hits = matches.cte("hits").prefix_with("MATERIALIZED")
    live = sa.exists().where(Document.id == hits.c.document_id, Document.deleted_at.is_(None),
                             sa.exists().where(Case.id == Document.case_id, Case.deleted_at.is_(None)))
    per_doc = (sa.select(hits.c.document_id, hits.c.rank.label("score")).where(live)
               .cte("per_doc").prefix_with("MATERIALIZED"))
    top = (sa.select(per_doc.c.document_id, per_doc.c.score)
           .order_by(per_doc.c.score.desc(), per_doc.c.document_id)
           .limit(per_page).offset((page - 1) * per_page).cte("top"))
    # Live documents are counted whenever every match is at hand (SQLite; PostgreSQL up to the
    # window); past the window PostgreSQL's function counts the index rows (a deleted document
    # leaves the index at once). Either way no more than TOTAL_CAP + 1.
    capped = sa.select(per_doc.c.document_id).limit(TOTAL_CAP + 1).subquery("capped")
    live_n = sa.select(sa.func.count()).select_from(capped).scalar_subquery()
    all_n = sa.select(sa.func.max(hits.c.matches)).scalar_subquery()
    counted = sa.case((all_n > RANK_WINDOW, all_n), else_=live_n)
    total = sa.case((counted > TOTAL_CAP + 1, TOTAL_CAP + 1), else_=counted)
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    # One row per document of this page; a lone row of NULLs when the page is empty.
    rows = db.session.execute(
        sa.select(total.label("total"), top.c.document_id, top.c.score)
        .select_from(one.outerjoin(top, sa.true()))
        .order_by(top.c.score.desc(), top.c.document_id)).all()
    total_n = (rows[0].total if rows else 0) or 0
    return total_n, [r for r in rows if r.document_id is not None]


def _pages_hit(bq: blind.Query, ids: list) -> dict:
    """{document_id: up to two page numbers}: the pages of these documents where the searched words
    occur most, for the snippets."""
    rank = bq.rank_tsquery()
    if not rank:
        return {}
    if _is_pg():
        tsq = sa.cast(sa.literal(rank, sa.Text), _TSQUERY)
        tsv = sa.literal_column("search_entries.tsv")
        score = sa.func.ts_rank(tsv, tsq)
        q = (sa.select(SearchEntry.document_id, SearchEntry.page_number, score.label("rank"))
             .where(SearchEntry.document_id.in_(ids), SearchEntry.page_number != DOCUMENT_ROW, tsv.op("@@")(tsq)))
    else:
        ranked = _fts5_ranked(" OR ".join(rank.split(" | ")), "rq")
        q = (sa.select(SearchEntry.document_id, SearchEntry.page_number, ranked.c.rank)
             .select_from(ranked).join(SearchEntry, SearchEntry.id == ranked.c.rid)
             .where(SearchEntry.document_id.in_(ids), SearchEntry.page_number != DOCUMENT_ROW))
    out: dict = {}
    for r in db.session.execute(q.order_by(sa.desc("rank"), SearchEntry.page_number)):
        pages = out.setdefault(r.document_id, [])
        if len(pages) < 2:
            pages.append(r.page_number)
    return out


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
