"""Search growth (issue 15 part 6): GET /api/v1/search at 10,000, 100,000 and 1,000,000 pages.

Generated fast and the same way at every size: a sample of 1,000 documents x 10 pages is made by
the app's own code (bench.apptask.seed_search: court-filing-like text, blind tokens under the
organization's search key, page text sealed as the pipeline seals it), so token frequencies are
those of real indexing. Larger sizes are copies of the sample made inside PostgreSQL
(``INSERT ... SELECT ... CROSS JOIN generate_series``: new document ids, each copy dated before the
one above it, its index rows in the order indexing writes them), with each copy's page text sealed
again under its own document id (COPY), so snippets decrypt as in production. Indexes are dropped
and rebuilt around each load and the tables ``VACUUM ANALYZE``d, as an operator's bulk import
should be (a GIN index loaded with fastupdate on keeps a pending list every search scans until
vacuum merges it). Everything belongs to one organization (the worst case: nothing is filtered out
before matching); tokens are keyed per organization, so other organizations' rows never share a
posting list with it. The app runs as the application role: row-level security applies.

Each size: bench.search's 10 queries x reps through the HTTP API, one client; the figure is the
p95 with the smallest size's p95 beside it (ratio = growth).
"""
from __future__ import annotations

import os
import time

from bench import search
from bench.report import Figure, reference

PAGES_PER_DOC = 10


def sizes(quick: bool) -> tuple[int, ...]:
    """Pages at each step; BENCH_SEARCH_GROWTH_PAGES (e.g. "10000,100000") stops earlier."""
    full = (200, 400, 800) if quick else (10_000, 100_000, 1_000_000)
    wanted = os.environ.get("BENCH_SEARCH_GROWTH_PAGES")
    return tuple(int(p) for p in wanted.split(",")) if wanted and not quick else full


def label(pages: int) -> str:
    return f"search growth: {pages:,} generated pages, p95"


KEYS = ("search_growth_10k", "search_growth_100k", "search_growth_1m")  # by step (quick mode: smaller sizes)


def keys(quick: bool = False) -> list[tuple[str, str, str, str]]:
    return [(k, label(p), "ms", "reference (no goal)") for k, p in zip(KEYS, sizes(quick))]


def replicate(org_id: str, first_copy: int, copies: int) -> dict:
    """Copies first_copy .. first_copy + copies - 1 of the organization's sample documents (those
    seed_search made: filename ``doc<i>.pdf``), with their index rows and their pages sealed again.
    Runs in an app task (it needs the keyring)."""
    import uuid

    from app import create_app
    from app.platform import crypto, runtime
    from bench import bulk
    from bench.apptask import _copy, _pg

    t0 = time.time()
    app = create_app()
    org = str(uuid.UUID(org_id))
    with app.app_context():
        keyring = runtime.current().keyring
        conn = _pg()
        cur = conn.cursor()
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SELECT count(*), extract(epoch FROM max(created_at) - min(created_at)) / 60 FROM documents "
                    "WHERE organization_id = %s AND filename LIKE 'doc%%'", (org,))
        n_sample, span_min = cur.fetchone()
        span = int(span_min or 0) + 60  # each copy is dated just before the one above it
        cur.execute("""CREATE TEMP TABLE g_map AS
                       SELECT d.id AS src, gen_random_uuid() AS dst, r AS copy,
                              d.created_at - r * %(span)s * interval '1 minute' AS created
                       FROM documents d CROSS JOIN generate_series(%(first)s, %(last)s) AS r
                       WHERE d.organization_id = %(org)s AND d.filename LIKE 'doc%%'""",
                    {"span": span, "first": first_copy, "last": first_copy + copies - 1, "org": org})
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = 'documents' ORDER BY ordinal_position")
        cols = [r[0] for r in cur.fetchall()]
        swap = {"id": "m.dst", "created_at": "m.created", "updated_at": "m.created", "processed_at": "m.created",
                "filename": "'copy' || m.copy || '-' || d.filename",
                "sha256": "encode(sha256(convert_to(m.dst::text, 'UTF8')), 'hex')",
                "storage_key": "'orgs/' || d.organization_id || '/documents/' || m.dst || '/original.bin'"}
        select = ", ".join(swap.get(c, f"d.{c}") for c in cols)
        t_rows = time.time()
        with bulk.without_indexes(cur, ["search_entries", "document_pages"]):
            cur.execute(f"INSERT INTO documents ({', '.join(cols)}) SELECT {select} "
                        "FROM g_map m JOIN documents d ON d.id = m.src")
            cur.execute("""INSERT INTO search_entries (organization_id, case_id, document_id, page_number,
                                                       document_type, document_date, tsv, title_tsv)
                           SELECT e.organization_id, e.case_id, m.dst, e.page_number, e.document_type, m.created,
                                  e.tsv, e.title_tsv
                           FROM g_map m JOIN search_entries e ON e.document_id = m.src
                           ORDER BY m.copy, m.created DESC, m.src, e.page_number""")
            t_pages = time.time()
            cur.execute("""SELECT p.document_id, p.number, p.source, p.text_sealed FROM document_pages p
                           JOIN documents d ON d.id = p.document_id
                           WHERE d.organization_id = %s AND d.filename LIKE 'doc%%'""", (org,))
            plain: dict = {}
            for doc_id, number, source, sealed in cur.fetchall():
                text = crypto.open_bytes(keyring, bytes(sealed), crypto.make_aad(org, doc_id, f"page:{number}"))
                plain.setdefault(str(doc_id), []).append((number, source, text))
            cur.execute("SELECT src, dst FROM g_map ORDER BY copy, src")
            mapping = cur.fetchall()

            def rows(chunk):
                for src, dst in chunk:
                    for number, source, text in plain.get(str(src), ()):
                        yield (dst, number, source, False, None,
                               crypto.seal_bytes(keyring, text, crypto.make_aad(org, dst, f"page:{number}")))
            for start in range(0, len(mapping), 2000):
                _copy(cur, "document_pages", ["document_id", "number", "source", "needs_ocr", "confidence",
                                              "text_sealed"], rows(mapping[start:start + 2000]))
            t_index = time.time()
        conn.commit()
        t_vacuum = time.time()
        conn.autocommit = True
        for table in ("search_entries", "documents", "document_pages"):
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("SELECT count(*) FILTER (WHERE page_number > 0), count(*) FILTER (WHERE page_number = 0) "
                    "FROM search_entries WHERE organization_id = %s", (org,))
        pages, docs = cur.fetchone()
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('search_entries')), "
                    "pg_size_pretty(pg_relation_size('ix_search_entries_tsv'))")
        table_size, gin_size = cur.fetchone()
        conn.close()
    return {"sample_documents": n_sample, "copies": copies, "pages": pages, "documents": docs,
            "seconds_rows": round(t_pages - t_rows, 1), "seconds_pages": round(t_index - t_pages, 1),
            "seconds_indexes": round(t_vacuum - t_index, 1), "seconds_vacuum": round(time.time() - t_vacuum, 1),
            "seconds_total": round(time.time() - t0, 1), "search_entries_size": table_size, "gin_size": gin_size}


def run(stack, quick: bool, workdir, log=print) -> list[Figure]:
    steps = sizes(quick)
    reps = 2 if quick else 10
    sample_docs = steps[0] // PAGES_PER_DOC
    user = stack.new_user("Search growth bench")
    seeded = stack.app_task("seed_search", org_id=user.org_id, user_id=user.user_id, n_docs=sample_docs,
                            pages_per_doc=PAGES_PER_DOC)
    log(f"  sample: {seeded['pages']:,} pages of {seeded['documents']:,} documents indexed by the app's code in "
        f"{seeded['seconds_total']}s")
    have, out, first = 1, [], None
    for i, pages in enumerate(steps):
        want = pages // steps[0]
        load = None
        if want > have:
            load = stack.app_task("search_replicate", timeout=7200, org_id=user.org_id, first_copy=have,
                                  copies=want - have)
            have = want
            log(f"  grown to {load['pages']:,} pages ({load['documents']:,} documents): {load}")
        summary, breakdown = search.measure(stack, user, reps, log)
        log(f"  {pages:,} pages: p50 {summary['p50']} ms, p95 {summary['p95']} ms")
        slowest = max(breakdown, key=lambda q: breakdown[q]["p95_ms"])
        explain = stack.app_task("search_explain", as_owner=True, org_id=user.org_id,
                                 queries=[slowest, search.QUERIES[0], search.QUERIES[-1]])
        for q, e in explain.items():
            buffers = [ln.strip() for plan in e["plans"] for ln in plan.splitlines() if "Buffers:" in ln][:1]
            log(f"    search function alone, {q!r}: {e['ms']} ms {buffers}")
        details = {"latency_ms": summary, "queries": breakdown, "load": load or seeded, "explain": explain}
        notes = (f"{len(search.QUERIES)} queries x {reps}, one client; p50 {summary['p50']} ms; slowest {slowest!r} "
                 f"p95 {breakdown[slowest]['p95_ms']} ms")
        if first is None:
            first = summary["p95"]
            out.append(reference(KEYS[i], label(pages), summary["p95"], "ms", "-", None, notes, details))
        else:
            out.append(reference(KEYS[i], label(pages), summary["p95"], "ms",
                                 f"p95 at {steps[0]:,} pages", first, notes, details))
    return out
