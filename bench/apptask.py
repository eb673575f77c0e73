"""Work that needs the CaseOS app (its keys, its services): run as ``python -m bench.apptask NAME``.

Arguments arrive as JSON on stdin; the result is printed as one ``RESULT {json}`` line. Started by
bench.env.Stack with the bench environment, so this process sees exactly what the web and worker
processes see. Bulk data goes in with COPY / INSERT ... SELECT, never row by row through the ORM.
"""
from __future__ import annotations

import io
import json
import os
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone


def _app():
    from app import create_app
    return create_app()


def _pg():
    import psycopg2
    url = os.environ.get("BENCH_ADMIN_DATABASE_URL") or os.environ["DATABASE_URL"]
    conn = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    conn.autocommit = False
    return conn


def _copy(cur, table: str, columns: list[str], rows):
    """COPY rows (tuples; bytes go in as bytea hex, None as NULL) into table."""
    buf = io.StringIO()
    for row in rows:
        cells = []
        for v in row:
            if v is None:
                cells.append("\\N")
            elif isinstance(v, (bytes, bytearray)):
                cells.append("\\\\x" + bytes(v).hex())
            elif isinstance(v, bool):
                cells.append("t" if v else "f")
            else:
                s = str(v)
                cells.append(s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))
        buf.write("\t".join(cells) + "\n")
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)


# ------------------------------------------------------------------------------------- one request


def request_profile(path: str, token: str, repeat: int = 20, profile: bool = False) -> dict:
    """Serve one GET in-process (Flask test client, no HTTP server): SQL statements and time per request."""
    import sqlalchemy as sa

    app = _app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        r = client.get(path, headers=headers)
        assert r.status_code == 200, (r.status_code, r.get_data(as_text=True)[:300])
    stmts: list[str] = []
    with app.app_context():
        from app.extensions import db
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda _c, _cur, statement, *_a: stmts.append(statement.split()[0] + " " + statement[:90]))
    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    t0 = time.perf_counter()
    for _ in range(repeat):
        client.get(path, headers=headers)
    elapsed = time.perf_counter() - t0
    out = {"ms_per_request": elapsed / repeat * 1000, "statements": len(stmts) // repeat,
           "statement_heads": [s.replace("\n", " ") for s in stmts[: len(stmts) // repeat]]}
    if prof:
        prof.disable()
        import pstats
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(30)
        out["profile"] = s.getvalue()[-8000:]
    return out


# ------------------------------------------------------------------------------------------ search


def _seed_batch(cur, rng, pool, numbers, org, user_id, case_ids, now, pages_per_doc, keyring, key) -> float:
    """One batch of seed_search's documents, pages and index rows; returns the seconds spent on tokens."""
    from types import SimpleNamespace

    from bench import corpus
    from app.platform import crypto
    from app.search import search
    doc_types = ("PLEADING", "MOTION", "ORDER", "NOTICE", "CORRESPONDENCE", "FORM", "OTHER")
    docs, pages, entries, t_index = [], [], [], 0.0
    for i in numbers:
        did, cid = uuid.uuid4(), case_ids[i // 10 % len(case_ids)]
        dtype = rng.choice(doc_types)
        title = f"{rng.choice(corpus.DOC_TITLES).title()} - {corpus._name(rng)}"
        created = now - timedelta(minutes=i)
        docs.append((did, org, cid, user_id, title, f"doc{i}.pdf", dtype, "auto", "PROCESSED",
                     "application/pdf", uuid.uuid4().hex + uuid.uuid4().hex, 100_000, pages_per_doc, "en",
                     True, f"orgs/{org}/documents/{did}/original.bin", "bench", created, created, created))
        texts = []
        for n in range(1, pages_per_doc + 1):
            text = "\n".join(rng.choices(pool, k=14))
            sealed = crypto.seal_bytes(keyring, text.encode(), crypto.make_aad(org, did, f"page:{n}"))
            pages.append((did, n, "text_layer", False, None, sealed))
            texts.append({"number": n, "text": text})
        t = time.time()
        for n, bag in search._bags(SimpleNamespace(title=title), key, texts):
            entries.append((org, cid, did, n, dtype, created, bag.tsvector(),
                            search.title_tsvector(bag) if n == search.DOCUMENT_ROW else None))
        t_index += time.time() - t
    _copy(cur, "documents", ["id", "organization_id", "case_id", "uploaded_by_id", "title", "filename",
                             "document_type", "document_type_source", "status", "content_type", "sha256",
                             "size_bytes", "page_count", "language", "is_confidential", "storage_key",
                             "wrapped_key", "processed_at", "created_at", "updated_at"], docs)
    _copy(cur, "document_pages", ["document_id", "number", "source", "needs_ocr", "confidence", "text_sealed"], pages)
    _copy(cur, "search_entries", ["organization_id", "case_id", "document_id", "page_number", "document_type",
                                  "document_date", "tsv", "title_tsv"], entries)
    return t_index


def seed_search(org_id: str, user_id: str, n_docs: int, pages_per_doc: int, seed: int = 3) -> dict:
    """n_docs PROCESSED documents of pages_per_doc pages each, in cases of 10 documents, with their
    encrypted page text (document_pages, so snippets work) and their index rows, made by the app's own
    blind-index code (app.search.search._bags) with the organization's search key."""
    from bench import corpus
    app = _app()
    t0 = time.time()
    rng = random.Random(seed)
    pool = [corpus.sentence(rng) for _ in range(40_000)] + \
        [line for _ in range(2_000) for line in corpus.heading(rng)]
    org = uuid.UUID(org_id)
    now = datetime.now(timezone.utc)
    t_index = 0.0
    with app.app_context():
        from app.extensions import db
        from app.platform import rls, runtime
        from app.search import keys
        keyring = runtime.current().keyring
        rls.bypass()
        key = keys.search_key(org)
        db.session.commit()
        conn = _pg()
        cur = conn.cursor()
        n_cases = max(1, n_docs // 10)
        case_ids = [uuid.uuid4() for _ in range(n_cases)]
        _copy(cur, "cases", ["id", "organization_id", "created_by_id", "title", "case_type", "court_type",
                             "jurisdiction", "status", "created_at", "updated_at"],
              ((cid, org, user_id, f"Search bench case {i}", "CIVIL_LITIGATION", "STATE_TRIAL", "US-WV", "OPEN",
                now, now) for i, cid in enumerate(case_ids)))
        batch = 1000
        for start in range(0, n_docs, batch):
            t_index += _seed_batch(cur, rng, pool, range(start, min(n_docs, start + batch)), org, user_id, case_ids,
                                   now, pages_per_doc, keyring, key)
        total_pages = n_docs * pages_per_doc
        conn.commit()
        conn.autocommit = True
        for table in ("search_entries", "documents", "document_pages", "cases"):
            cur.execute(f"VACUUM ANALYZE {table}")
        conn.close()
    return {"pages": total_pages, "documents": n_docs, "cases": n_cases, "seconds_tokens": round(t_index, 1),
            "seconds_total": round(time.time() - t0, 1)}


def search_replicate(**kwargs) -> dict:
    """bench.search_growth.replicate: copies of seed_search's documents, made inside PostgreSQL."""
    from bench import search_growth
    return search_growth.replicate(**kwargs)


def search_explain(org_id: str, queries: list[str]) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the search function's statement for each query, with the
    organization's tokens (auto_explain of nested statements, sent back as notices; run as_owner)."""
    from app.search import blind, keys, search
    app = _app()
    out = {}
    with app.app_context():
        key = keys.search_key(uuid.UUID(org_id), create=False)
        conn = _pg()
        conn.autocommit = True
        cur = conn.cursor()
        for setting in ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                        "SET auto_explain.log_analyze = on", "SET auto_explain.log_buffers = on",
                        "SET auto_explain.log_nested_statements = on", "SET auto_explain.log_level = notice",
                        "SET client_min_messages = notice", "SELECT set_config('caseos.bypass', 'on', false)"):
            cur.execute(setting)
        for q in queries:
            bq = blind.query(key, search.parse_websearch(q))
            del conn.notices[:]
            t0 = time.perf_counter()
            cur.execute(f"SELECT count(*) FROM {search.SEARCH_FUNCTION}(%s::tsquery, %s::tsquery, %s, NULL, NULL, "
                        "NULL, NULL, %s)", (bq.tsquery(), bq.rank_tsquery() or bq.tsquery(), org_id,
                                            search.RANK_WINDOW))
            cur.fetchall()
            out[q] = {"ms": round((time.perf_counter() - t0) * 1000, 1),
                      "plans": list(conn.notices)}
        conn.close()
    return out


def search_quality(background: int) -> dict:
    """bench.search_quality: precision@10 on the labelled query set, before and after."""
    from bench import search_quality as quality
    return quality.main(["--background", str(background)])


# ------------------------------------------------------------------------------------------ events


def events_trigger(org_id: str, user_id: str, changes: int, interval: float, warmup: int = 3) -> dict:
    """Change one job's state `changes` times (progress reports, as a worker does, then success), each
    committed with the app's own services. Returns when each change was committed (time.time())."""
    app = _app()
    sent = {}
    with app.app_context():
        from app.extensions import db
        from app.platform import jobs
        job = jobs.create(organization_id=uuid.UUID(org_id), user_id=uuid.UUID(user_id), kind="document.process",
                          steps=["extract", "ocr"])
        db.session.commit()
        job.status = "RUNNING"
        db.session.commit()
        for i in range(warmup):  # connections and code paths warm, not measured
            jobs.heartbeat(job, 120, progress=(i + 1) / 10_000)
            db.session.commit()
            time.sleep(interval)
        for i in range(changes):
            progress = round(0.01 + 0.98 * (i + 1) / (changes + 1), 4)
            t0 = time.time()
            jobs.heartbeat(job, 120, progress=progress)
            db.session.commit()
            sent[str(progress)] = t0
            time.sleep(interval)
        t0 = time.time()
        jobs.succeed(job)
        db.session.commit()
        sent["final"] = t0
        job_id = str(job.id)
    return {"job_id": job_id, "sent": sent}


# --------------------------------------------------------------------------------------- reminders


def reminder_scan(max_scans: int = 20, profile: bool = False) -> dict:
    """Run the beat task `reminders.send_due` (in-process, as a worker runs it) until nothing is due."""
    import sqlalchemy as sa

    app = _app()
    from workers import celery
    import workers.tasks.reminders  # noqa: F401  (registers the task)
    task = celery.tasks.get("reminders.send_due")
    if task is None:
        return {"missing": "no task named reminders.send_due"}
    statements = {"n": 0}
    by_sql: dict[str, list] = {}

    def before(_conn, _cur, statement, _params, context, _many):
        statements["n"] += 1
        context._bench_t0 = time.perf_counter()

    def after(_conn, _cur, statement, _params, context, _many):
        head = " ".join(statement.split())[:110]
        agg = by_sql.setdefault(head, [0, 0.0])
        agg[0] += 1
        agg[1] += time.perf_counter() - context._bench_t0
    with app.app_context():
        from app.extensions import db
        sa.event.listen(db.engine, "before_cursor_execute", before)
        sa.event.listen(db.engine, "after_cursor_execute", after)
        commit_s = {"n": 0, "s": 0.0}

        @sa.event.listens_for(db.engine, "commit")
        def _commit(_conn):
            commit_s["n"] += 1
    scans = []
    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
    for _ in range(max_scans):
        before = statements["n"]
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        result = task()
        if prof:
            prof.disable()
        scans.append({"seconds": round(time.perf_counter() - t0, 4), "result": result,
                      "statements": statements["n"] - before})
        if not result:
            break
    top = sorted(by_sql.items(), key=lambda kv: -kv[1][1])[:10]
    out = {"scans": scans, "sql_by_time": [{"sql": k, "count": v[0], "ms": round(v[1] * 1000, 1)} for k, v in top],
           "commits": commit_s["n"]}
    if prof:
        import pstats
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(25)
        out["profile"] = s.getvalue()[-6000:]
    return out


# ------------------------------------------------------------------------------------- bare work


def bare_work(files: list[str], repeat: int = 5) -> dict:
    """The work of the document pipeline on each file, called directly in this one process: the text
    layer (in the extraction sandbox, as the extract step runs it), OCR of the pages without one, the
    language guess and the local analysis. Seconds per run for every file (no queue, no database,
    no storage, no encryption): what turnaround would be if handing work between steps cost nothing."""
    from app.documents import extraction
    from app.platform import runtime
    from app.understanding import service

    app = _app()
    out = {}
    with app.app_context():
        c = runtime.current().config
        lim = extraction.Limits(max_pages=c.MAX_PAGES, max_pixels_per_page=c.MAX_PIXELS_PER_PAGE,
                                ocr_timeout_per_page=c.OCR_TIMEOUT_PER_PAGE)
        for path in files:
            runs, steps = [], {}
            for _ in range(repeat + 1):  # the first run warms imports and caches; not counted
                t0 = time.perf_counter()
                pages = extraction.extract_text_layer(path, "application/pdf", lim)
                t1 = time.perf_counter()
                texts = {p.number: p.text for p in pages if not p.needs_ocr}
                todo = [p.number for p in pages if p.needs_ocr]
                if todo:
                    for n, text, _conf in extraction.iter_ocr_pages(path, "application/pdf", todo, lim,
                                                                    workers=max(1, c.OCR_WORKERS)):
                        texts[n] = text
                t2 = time.perf_counter()
                ordered = [texts[n] for n in sorted(texts)]
                text = "\n\n".join(ordered)
                extraction.guess_language(text)
                service.local_analyze(text, ordered, "US-WV")
                t3 = time.perf_counter()
                runs.append(t3 - t0)
                steps = {"extract": t1 - t0, "ocr": t2 - t1, "analysis": t3 - t2}
            out[path] = {"seconds": runs[1:], "last_steps": {k: round(v, 4) for k, v in steps.items()}}
    return out


def main():
    name = sys.argv[1]
    if name == "--serve":
        return serve()
    kwargs = json.loads(sys.stdin.read() or "{}")
    result = globals()[name](**kwargs)
    sys.stdout.write("RESULT " + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


def serve():
    """``python -m bench.apptask --serve``: import the app once, then run each task asked for on stdin
    (one JSON ``{"name", "kwargs"}`` a line) in a child forked for it - a fresh process, as
    ``python -m bench.apptask NAME`` gives, without paying the app's import every time. Answers one
    JSON line per task: the child's exit code, its output (with the ``RESULT`` line) and its errors."""
    import tempfile
    import traceback

    import app  # noqa: F401 - the slow part of a task's start, done once; nothing connects at import
    while line := sys.stdin.readline():
        req = json.loads(line)
        out_fd, out_path = tempfile.mkstemp(prefix="caseos-apptask-")
        err_fd, err_path = tempfile.mkstemp(prefix="caseos-apptask-")
        pid = os.fork()
        if pid == 0:
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(out_fd, 1)
            os.dup2(err_fd, 2)
            try:
                sys.argv[1:] = [req["name"]]
                result = globals()[req["name"]](**req["kwargs"])
                sys.stdout.write("RESULT " + json.dumps(result, default=str) + "\n")
                sys.stdout.flush()
                os._exit(0)
            except BaseException:
                traceback.print_exc()
                sys.stderr.flush()
                os._exit(1)
        os.close(out_fd)
        os.close(err_fd)
        rc = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        with open(out_path, errors="replace") as out, open(err_path, errors="replace") as err:
            reply = {"rc": rc, "stdout": out.read(), "stderr": err.read()[-8000:]}
        os.unlink(out_path)
        os.unlink(err_path)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
