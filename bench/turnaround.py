"""Turnaround: from pressing upload to the analysis being readable, in both modes.

* full mode: the bench stack (PostgreSQL, Redis broker, S3, gunicorn, the Procfile's worker);
* embedded mode: what ``scripts/run`` starts (SQLite, the serverless SQLite broker, local encrypted
  storage, ``Procfile.embedded``'s web and worker lines), in a folder of its own.

For a 1-page and a 10-page born-digital PDF and a 1-page scan, each upload is timed from just
before the request to the document's ``processed_at`` (set with the analysis by the pipeline's last
step and read from the database, so waiting costs the web server nothing). The baseline is the same
document's bare work - extraction, OCR, language and analysis called directly in one process
(``bench.apptask.bare_work``) - measured side by side, so the overhead of the step design is
``turnaround - bare work``. Goal: overhead <= 0.3 s at p50.

Growth: the 1-page born-digital PDF uploaded by 1, 10 and 100 clients at once; per-document
turnaround p50/p95 and the time until the last one is readable.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import httpx

from bench import corpus
from bench.env import PY, SCRUB, Stack
from bench.report import Figure, not_measurable, percentile

OVERHEAD_GOAL_S = 0.3
# A shorter run (a before/after comparison on a busy machine): uploads per kind and growth levels.
ROUNDS = int(os.environ.get("BENCH_TURNAROUND_ROUNDS", "12"))
GROWTH = tuple(int(n) for n in os.environ.get("BENCH_TURNAROUND_GROWTH", "1,10,100").split(","))
ONLY_MODES = set(filter(None, os.environ.get("BENCH_TURNAROUND_MODES", "").split(",")))  # embedded, full
KINDS = (("bd1", "1-page PDF"), ("bd10", "10-page PDF"), ("scan1", "1-page scan"))
MODES = (("embedded", "embedded"), ("full", "full"))  # SQLite + SQLite broker; PostgreSQL + Redis + S3


def label(mode: str, what: str) -> str:
    """The printed figure name (at most 60 characters: the table's column)."""
    return f"turnaround {mode}: {what}"


def keys() -> list[tuple[str, str, str, str]]:
    """The figure keys this benchmark produces (bench.run reports them as not measured on failure)."""
    out = []
    for mode, _ in MODES:
        for kind, what in KINDS:
            out.append((f"turnaround_{mode}_{kind}", label(mode, f"{what}, upload -> analysis, p50"),
                        "s", f"overhead <= {OVERHEAD_GOAL_S:g} s"))
        out.append((f"turnaround_{mode}_growth", label(mode, "1-page PDF, 100 uploads at once, p50"),
                    "s", "reference (no goal)"))
    return out


class EmbeddedStack(Stack):
    """CaseOS as ``scripts/run`` starts it: no servers, everything under one folder."""

    def start(self):
        import secrets
        from devkit.net import free_port

        port = free_port()
        self.web_url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if k not in SCRUB}
        for k in ("SECRET_KEY", "ENCRYPTION_KEY", "CASEOS_VAR_DIR", "CASEOS_ENV", "BENCH_ADMIN_DATABASE_URL"):
            env.pop(k, None)
        env.update({"CASEOS_VAR_DIR": self.var, "PORT": str(port), "PUBLIC_URL": self.web_url,
                    "RATELIMIT_AUTH": "100000 per minute", "RATELIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
                    "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
        self.env = env
        import subprocess
        res = subprocess.run([PY, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=env["PYTHONPATH"], env=env,
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"migrations failed:\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}")
        self.log(f"  embedded stack: {self.var} (SQLite, sqla+sqlite broker, local storage)")

    def start_web(self):
        def ready(_proc):
            try:
                return httpx.get(self.web_url + "/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False
        # Procfile.embedded's web line
        self.web = self.spawn("web", [PY, "-m", "gunicorn", "wsgi:app", "-c", "gunicorn.conf.py", "--workers", "2",
                                      "--bind", self.web_url.removeprefix("http://")], ready=ready)
        return self.web

    def start_worker(self):
        if self.worker is not None and self.worker.alive():
            return self.worker
        # Procfile.embedded's worker line
        self.worker = self.spawn("worker", [PY, "-m", "celery", "-A", "workers", "worker", "-Q", "default,ocr,ai",
                                            "--loglevel", "INFO", "--concurrency", "2",
                                            "-n", f"bench-embedded-{os.getpid()}@%h"], ready=" ready.", timeout=120)
        return self.worker

    def close(self):
        import shutil
        for proc in reversed(self.procs):
            try:
                proc.stop()
            except Exception:
                pass
        self.procs.clear()
        shutil.rmtree(self.var, ignore_errors=True)


def _epoch(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def finished(stack: Stack, doc_ids: list[str]) -> dict[str, tuple[str, float | None]]:
    """{document id: (status, processed_at as epoch seconds)} of the documents already final."""
    if isinstance(stack, EmbeddedStack):
        conn = sqlite3.connect(f"file:{os.path.join(stack.var, 'caseos.db')}?mode=ro", uri=True, timeout=5)
        try:
            marks = ",".join("?" * len(doc_ids))
            rows = conn.execute(f"SELECT id, status, processed_at, updated_at FROM documents WHERE id IN ({marks}) "
                                "AND status IN ('PROCESSED', 'FAILED')",
                                [uuid.UUID(d).hex for d in doc_ids] + []).fetchall()
            if not rows:  # UUIDs stored as text with dashes
                rows = conn.execute(f"SELECT id, status, processed_at, updated_at FROM documents WHERE id IN "
                                    f"({marks}) AND status IN ('PROCESSED', 'FAILED')", doc_ids).fetchall()
        finally:
            conn.close()
        return {str(uuid.UUID(str(r[0]))): (r[1], _epoch(r[2] or r[3])) for r in rows}
    rows = stack.sql("SELECT id::text, status, extract(epoch FROM coalesce(processed_at, updated_at)) FROM documents "
                     "WHERE id = ANY(%s::uuid[]) AND status IN ('PROCESSED', 'FAILED')", (doc_ids,), fetch=True)
    return {r[0]: (r[1], float(r[2])) for r in rows}


def unique_copy(data: bytes) -> bytes:
    """The same PDF with a distinct trailing comment, so no upload is answered as a duplicate."""
    return data + b"\n%caseos-bench " + uuid.uuid4().hex.encode() + b"\n"


def upload_and_wait(stack: Stack, user, data: bytes, name: str, clients: int, timeout: float = 900) -> list[dict]:
    """Upload `clients` copies at once into a fresh case; per document: seconds from its request to readable."""
    case_id = stack.create_case(user, f"Turnaround {uuid.uuid4().hex[:6]}")
    url = f"/api/v1/cases/{case_id}/documents"
    bodies = [unique_copy(data) for _ in range(clients)]

    def one(client, body):
        t0 = time.time()
        r = client.post(url, headers=user.headers, files={"file": (name, body, "application/pdf")})
        if r.status_code not in (200, 202):
            raise RuntimeError(f"upload answered {r.status_code}: {r.text[:300]}")
        return r.json()["document"]["id"], t0, time.time() - t0

    limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients + 2)
    with httpx.Client(base_url=stack.web_url, timeout=300, limits=limits) as client, \
            ThreadPoolExecutor(clients) as pool:
        sent = list(pool.map(lambda b: one(client, b), bodies))
    ids = [s[0] for s in sent]
    deadline = time.time() + timeout
    done: dict = {}
    while len(done) < len(ids):
        if time.time() > deadline:
            raise RuntimeError(f"only {len(done)}/{len(ids)} documents readable after {timeout}s")
        time.sleep(0.01)
        done = finished(stack, ids)
    out = []
    steps = job_steps(stack, ids)
    for doc_id, t0, accepted in sent:
        status, t_end = done[doc_id]
        if status != "PROCESSED":
            raise RuntimeError(f"a benchmark document ended {status}")
        out.append({"seconds": t_end - t0, "accepted_s": accepted,
                    "phases": phases(t0, accepted, t_end, steps.get(doc_id, []))})
    return out


def job_steps(stack: Stack, doc_ids: list[str]) -> dict[str, list[dict]]:
    """{document id: its processing job's steps (name, started_at, finished_at)}."""
    if isinstance(stack, EmbeddedStack):
        conn = sqlite3.connect(f"file:{os.path.join(stack.var, 'caseos.db')}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute("SELECT document_id, steps FROM jobs WHERE kind = 'document.process'").fetchall()
        finally:
            conn.close()
        wanted = {uuid.UUID(d) for d in doc_ids}
        return {str(uuid.UUID(str(r[0]))): json.loads(r[1]) for r in rows
                if r[0] is not None and uuid.UUID(str(r[0])) in wanted}
    rows = stack.sql("SELECT document_id::text, steps::text FROM jobs WHERE document_id = ANY(%s::uuid[]) "
                     "AND kind = 'document.process'", (doc_ids,), fetch=True)
    return {r[0]: json.loads(r[1]) for r in rows}


def phases(t0: float, accepted: float, t_end: float, steps: list[dict]) -> dict:
    """Where one upload's turnaround went: the request until its 202, from the 202 until the first
    step started (the broker's hand-off), the steps' own time, the time between steps, and after the
    last step. Seconds."""
    ran = [(s["name"], _epoch(s.get("started_at")), _epoch(s.get("finished_at"))) for s in steps
           if s.get("started_at") and s.get("finished_at")]
    if not ran:
        return {}
    first, last = min(r[1] for r in ran), max(r[2] for r in ran)
    inside = sum(r[2] - r[1] for r in ran)
    return {"request": round(accepted, 4), "to_first_step": round(first - (t0 + accepted), 4),
            "steps": round(inside, 4), "between_steps": round(last - first - inside, 4),
            "after_last_step": round(t_end - last, 4), **{f"step_{r[0]}": round(r[2] - r[1], 4) for r in ran}}


def phase_p50(runs: list[dict]) -> dict:
    keys = sorted({k for r in runs for k in r.get("phases", {})})
    return {k: _p([r["phases"][k] for r in runs if k in r.get("phases", {})], 50) for k in keys}


def bare(stack: Stack, files: dict[str, Path], repeat: int) -> dict[str, list[float]]:
    res = stack.app_task("bare_work", files=[str(p) for p in files.values()], repeat=repeat)
    return {kind: res[str(path)]["seconds"] for kind, path in files.items()} | {
        f"{kind}_steps": res[str(path)]["last_steps"] for kind, path in files.items()}


def documents(workdir: Path) -> dict[str, Path]:
    one = corpus.born_digital_corpus(workdir / "ta_bd1", n_docs=1, pages_per_doc=1, with_fixtures=False, seed=21)[0]
    ten = corpus.born_digital_corpus(workdir / "ta_bd10", n_docs=1, pages_per_doc=10, with_fixtures=False, seed=22)[0]
    scan = corpus.scanned_corpus(workdir / "ta_scan1", n_docs=1, pages_per_doc=1, with_fixtures=False, seed=23)[0].pdf
    return {"bd1": one, "bd10": ten, "scan1": scan}


def _p(values, q) -> float:
    return round(percentile(values, q), 3)


def measure_mode(stack: Stack, mode: str, files: dict[str, Path], quick: bool, log) -> list[Figure]:
    """Every figure of one mode: the three documents one at a time (against their bare work), then growth."""
    user = stack.new_user(f"Turnaround {mode}")
    stack.start_worker()
    data = {k: p.read_bytes() for k, p in files.items()}
    # every worker process imports, connects and loads the analyzer
    upload_and_wait(stack, user, data["bd1"], "warm.pdf", 2)
    n = 1 if quick else ROUNDS
    base = bare(stack, files, 1 if quick else 8)
    runs: dict[str, list[dict]] = {k: [] for k in files}
    for i in range(n):  # interleaved kinds: all three see the same machine load
        for kind in files:
            runs[kind] += upload_and_wait(stack, user, data[kind], f"{kind}.pdf", 1)
    base2 = bare(stack, files, 1 if quick else 8)  # and the bare work again afterwards
    figures = []
    for kind, what in KINDS:
        secs = [r["seconds"] for r in runs[kind]]
        bare_s = base[kind] + base2[kind]
        p50, bare50 = _p(secs, 50), _p(bare_s, 50)
        overhead = round(p50 - bare50, 3)
        where = phase_p50(runs[kind])
        log(f"  {mode} {what}: turnaround p50 {p50} s p95 {_p(secs, 95)} s; bare work p50 {bare50} s; "
            f"overhead {overhead} s; p50 by phase {where}")
        figures.append(Figure(
            f"turnaround_{mode}_{kind}", label(mode, f"{what}, upload -> analysis, p50"),
            p50, "s", f"overhead <= {OVERHEAD_GOAL_S:g} s", "bare work, one process, p50",
            bare50, round(p50 / bare50, 2) if bare50 else None, overhead <= OVERHEAD_GOAL_S,
            round(OVERHEAD_GOAL_S / overhead, 2) if overhead > 0 else None,
            f"overhead {overhead} s; p95 {_p(secs, 95)} s (bare p95 {_p(bare_s, 95)} s); {len(secs)} uploads one at a "
            f"time; 202 answered in p50 {_p([r['accepted_s'] for r in runs[kind]], 50)} s",
            {"turnaround_s": [round(s, 3) for s in secs], "bare_s": [round(s, 3) for s in bare_s],
             "p95_s": _p(secs, 95), "bare_p95_s": _p(bare_s, 95), "overhead_p50_s": overhead,
             "bare_last_steps_s": base2[f"{kind}_steps"], "phases_p50_s": where}))
    figures.append(growth(stack, mode, user, data["bd1"], quick, log))
    return figures


def growth(stack: Stack, mode: str, user, data: bytes, quick: bool, log) -> Figure:
    levels = (1, 2) if quick else GROWTH
    table = {}
    for clients in levels:
        t0 = time.time()
        res = upload_and_wait(stack, user, data, "growth.pdf", clients)
        secs = [r["seconds"] for r in res]
        table[clients] = {"p50_s": _p(secs, 50), "p95_s": _p(secs, 95), "last_readable_s": round(time.time() - t0, 2),
                          "accepted_p95_s": _p([r["accepted_s"] for r in res], 95)}
        log(f"  {mode} growth: {clients} uploads at once: {table[clients]}")
    top = levels[-1]
    return Figure(f"turnaround_{mode}_growth",
                  label(mode, f"1-page PDF, {top} uploads at once, p50"), table[top]["p50_s"], "s",
                  "reference (no goal)", "1 upload at a time, p50", table[1]["p50_s"],
                  round(table[top]["p50_s"] / table[1]["p50_s"], 2) if table[1]["p50_s"] else None, None, None,
                  "; ".join(f"{c} at once: p50 {v['p50_s']} s, p95 {v['p95_s']} s, all readable after "
                            f"{v['last_readable_s']} s" for c, v in table.items()),
                  {"by_concurrency": table})


def run(stack, quick: bool, workdir: Path, log=print) -> list[Figure]:
    files = documents(workdir)
    figures: list[Figure] = []
    if ONLY_MODES and "embedded" not in ONLY_MODES:
        return figures + measure_mode(stack, "full", files, quick, log)
    embedded = EmbeddedStack(quick=quick, log=log)
    try:
        embedded.start()
        embedded.start_web()
        figures += measure_mode(embedded, "embedded", files, quick, log)
    except Exception as exc:
        log(f"  embedded mode failed: {type(exc).__name__}: {exc}")
        worker_log = embedded.worker.log(3000) if embedded.worker else ""
        log(f"  its worker's log ends:\n{worker_log}")
        figures += [not_measurable(k, f, u, g, f"embedded mode failed: {type(exc).__name__}: {str(exc)[:300]}")
                    for k, f, u, g in keys() if k.startswith("turnaround_embedded")]
    finally:
        embedded.close()
    if not ONLY_MODES or "full" in ONLY_MODES:
        figures += measure_mode(stack, "full", files, quick, log)
    return figures
