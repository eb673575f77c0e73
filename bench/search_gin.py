"""GIN pending list against search plans: why a search skipped the index (migration 0021).

    python -m bench.search_gin [--documents 800]

In a scratch database (``caseos_gin_<random>`` made with BENCH_PG_ADMIN_URL, dropped at the end):
a table shaped like ``search_entries`` (a document row of ~2,500 tokens from a skewed vocabulary
and 10 page rows per document; the partial GIN index on document rows), documents inserted one at
a time as ``search.index_document`` does, once with ``fastupdate = on`` (PostgreSQL's default)
and once off. For each state: the plan, time and buffers of a match on a common and a rare token,
the pending list's size (pageinspect), and the same with ``enable_seqscan = off`` (migration 0022).
"""
from __future__ import annotations

import argparse
import time
import uuid

import psycopg2

from bench.env import PG_ADMIN_URL

SETUP = """
CREATE TABLE vocab AS SELECT i, substr(md5(i::text), 1, 10) AS tok FROM generate_series(1, 50000) i;
CREATE TABLE docs AS
  SELECT d, (SELECT string_agg(v.tok, ' ')::tsvector FROM vocab v
             WHERE v.i IN (SELECT 1 + floor(50000 * power(random(), 3))::int + d * 0
                           FROM generate_series(1, 3000))) AS tsv
  FROM generate_series(1, %(n)s) d;
CREATE EXTENSION IF NOT EXISTS pageinspect;
"""
MATCH = "SELECT count(*) FROM g WHERE page_number = 0 AND tsv @@ %s::tsquery"


def _state(cur, label: str, tokens: dict) -> None:
    out = []
    for name, tok in tokens.items():
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            cur.execute(MATCH, (tok,))
            cur.fetchall()
            times.append(time.perf_counter() - t0)
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + MATCH, (tok,))
        plan = [r[0].strip() for r in cur.fetchall()]
        scan = next(ln for ln in plan if "Scan" in ln).split("(")[0].strip("-> ")
        buffers = next(ln for ln in plan if "Buffers" in ln)
        out.append(f"{name} {min(times) * 1000:.1f} ms ({scan}; {buffers})")
    cur.execute("SELECT n_pending_pages, n_pending_tuples FROM gin_metapage_info(get_raw_page('g_tsv', 0))")
    pages, tuples = cur.fetchone()
    print(f"{label:44s} {' | '.join(out)} | pending list {pages} pages, {tuples} tuples", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=800)
    n = parser.parse_args(argv).documents
    name = f"caseos_gin_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        conn = psycopg2.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute(SETUP, {"n": n})
        cur.execute("SELECT tok FROM vocab WHERE i IN (3, 20000) ORDER BY i")
        tokens = dict(zip(("common", "rare"), (r[0] for r in cur.fetchall())))
        for fastupdate in ("on", "off"):
            cur.execute("DROP TABLE IF EXISTS g")
            cur.execute("CREATE TABLE g (id bigserial PRIMARY KEY, page_number int, doc int, tsv tsvector)")
            cur.execute(f"CREATE INDEX g_tsv ON g USING gin (tsv) WITH (fastupdate = {fastupdate}) "
                        "WHERE page_number = 0")
            cur.execute("ANALYZE g")
            t0 = time.perf_counter()
            for d in range(1, n + 1):  # one document at a time: its document row, then its 10 page rows
                cur.execute("INSERT INTO g (page_number, doc, tsv) SELECT 0, d, tsv FROM docs WHERE d = %s", (d,))
                cur.execute("INSERT INTO g (page_number, doc, tsv) SELECT p, d, tsv FROM docs, "
                            "generate_series(1, 10) p WHERE d = %s", (d,))
            took = time.perf_counter() - t0
            print(f"fastupdate={fastupdate}: {n} documents indexed one at a time in {took:.1f} s "
                  f"({took / n * 1000:.1f} ms each)", flush=True)
            _state(cur, f"  fastupdate={fastupdate}, never analyzed", tokens)
            cur.execute("ANALYZE g")
            _state(cur, f"  fastupdate={fastupdate}, after ANALYZE", tokens)
            cur.execute("SET enable_seqscan = off")  # as the search function of migration 0022 runs
            _state(cur, f"  fastupdate={fastupdate}, enable_seqscan off", tokens)
            cur.execute("RESET enable_seqscan")
            if fastupdate == "on":
                t0 = time.perf_counter()
                cur.execute("SELECT gin_clean_pending_list('g_tsv')")
                _state(cur, f"  after gin_clean_pending_list ({time.perf_counter() - t0:.2f} s)", tokens)
        conn.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


if __name__ == "__main__":
    main()
