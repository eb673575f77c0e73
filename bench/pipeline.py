"""Pipeline throughput: upload documents through the API, wait until every one is PROCESSED.

The clock starts before the first upload request and stops at the last document's
``processed_at`` (set by the notify step), read from the database so that polling costs the web
server nothing. Per-step times come from the jobs' step records.
"""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx

from bench import cpu
from bench.env import BenchUser, Stack


def upload(client: httpx.Client, user: BenchUser, case_id: str, path: Path) -> dict:
    with open(path, "rb") as fh:
        r = client.post(f"/api/v1/cases/{case_id}/documents", headers=user.headers,
                        files={"file": (path.name, fh, "application/octet-stream")})
    if r.status_code not in (200, 202):
        raise RuntimeError(f"upload of {path.name} answered {r.status_code}: {r.text[:500]}")
    return r.json()


def run_pipeline(stack: Stack, user: BenchUser, files: list[Path], *, upload_concurrency: int = 4,
                 timeout: float = 1800) -> dict:
    """Upload files into a fresh case (so the same bytes are new again) and wait for PROCESSED."""
    case_id = stack.create_case(user, f"Pipeline bench {uuid.uuid4().hex[:6]}")
    cpu0 = cpu.stack_cpu(stack)
    t0 = time.time()
    with httpx.Client(base_url=stack.web_url, timeout=300) as client, \
            ThreadPoolExecutor(upload_concurrency) as pool:
        answers = list(pool.map(lambda p: upload(client, user, case_id, p), files))
    t_uploaded = time.time()
    doc_ids = [a["document"]["id"] for a in answers]
    conn = stack.connect()
    try:
        with conn.cursor() as cur:
            deadline = time.time() + timeout
            while True:
                cur.execute("SELECT count(*) FILTER (WHERE status IN ('PROCESSED','FAILED')), "
                            "count(*) FILTER (WHERE status = 'FAILED') FROM documents WHERE id = ANY(%s::uuid[])",
                            (doc_ids,))
                done, failed = cur.fetchone()
                if done == len(doc_ids):
                    break
                if time.time() > deadline:
                    raise RuntimeError(f"pipeline: only {done}/{len(doc_ids)} documents final after {timeout}s")
                time.sleep(0.1)
            cur.execute("SELECT extract(epoch FROM max(coalesce(processed_at, updated_at))) FROM documents "
                        "WHERE id = ANY(%s::uuid[])", (doc_ids,))
            t_end = float(cur.fetchone()[0])
            cpu_used = cpu.diff(cpu.stack_cpu(stack), cpu0)
            cur.execute("SELECT d.status, d.error_code, d.page_count, j.steps FROM documents d "
                        "JOIN jobs j ON j.document_id = d.id WHERE d.id = ANY(%s::uuid[])", (doc_ids,))
            rows = cur.fetchall()
    finally:
        conn.close()
    steps: dict[str, float] = {}
    for _status, _code, _pages, job_steps in rows:
        for st in job_steps or []:
            if st.get("started_at") and st.get("finished_at"):
                d = (datetime.fromisoformat(st["finished_at"]) - datetime.fromisoformat(st["started_at"])).total_seconds()
                steps[st["name"]] = steps.get(st["name"], 0.0) + d
    errors = sorted({f"{r[1]}" for r in rows if r[0] == "FAILED"})
    return {"case_id": case_id, "document_ids": doc_ids, "seconds": t_end - t0, "upload_seconds": t_uploaded - t0,
            "failed": failed, "errors": errors, "pages": sum(r[2] or 0 for r in rows), "cpu_seconds": cpu_used,
            "step_seconds_total": {k: round(v, 2) for k, v in steps.items()}}


def warm_up(stack: Stack, user: BenchUser, files: list[Path]):
    """Let every worker process import and connect before anything is timed."""
    run_pipeline(stack, user, files, upload_concurrency=len(files), timeout=300)


def document_texts(stack: Stack, user: BenchUser, doc_ids: list[str]) -> list[str]:
    out = []
    with httpx.Client(base_url=stack.web_url, timeout=60) as client:
        for did in doc_ids:
            r = client.get(f"/api/v1/documents/{did}/text", headers=user.headers)
            r.raise_for_status()
            out.append(r.json()["text"])
    return out
