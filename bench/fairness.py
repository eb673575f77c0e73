"""Fair share across organizations: another organization's one document during an upload flood.

`python -m bench.fairness [--flood N]` starts a production-like stack (gunicorn, one Celery worker
with the Procfile's command line, PostgreSQL, Redis, S3), then organization A uploads N one-line
text files as fast as 8 clients can, and as soon as the flood is accepted organization B uploads
one. Reported: B's turnaround (its upload request to its document's `processed_at`, from the
database) and how many of A's documents finished before B's. Run twice, with the default
`ORG_ACTIVE_JOBS` (admission by turns) and with it set past the flood (every job sent at once:
the behaviour before, one first-in first-out queue).
"""
from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx

from bench.env import Stack


def _upload(client: httpx.Client, headers: dict, case_id: str, text: str) -> tuple[str, float]:
    t0 = time.time()
    r = client.post(f"/api/v1/cases/{case_id}/documents", headers=headers,
                    files={"file": ("letter.txt", text.encode(), "text/plain")})
    if r.status_code != 202:
        raise RuntimeError(f"upload answered {r.status_code}: {r.text[:300]}")
    return r.json()["document"]["id"], t0


def _wait_final(stack: Stack, doc_ids: list[str], timeout: float) -> dict[str, float]:
    conn = stack.connect()
    try:
        with conn.cursor() as cur:
            deadline = time.time() + timeout
            while True:
                cur.execute("SELECT id::text, status, extract(epoch FROM coalesce(processed_at, updated_at)) "
                            "FROM documents WHERE id = ANY(%s::uuid[])", (doc_ids,))
                rows = cur.fetchall()
                if sum(1 for r in rows if r[1] in ("PROCESSED", "FAILED")) == len(doc_ids):
                    return {r[0]: float(r[2]) for r in rows}
                if time.time() > deadline:
                    raise RuntimeError(f"not final after {timeout}s")
                time.sleep(0.2)
    finally:
        conn.close()


def one_run(active_jobs: int, flood: int, log=print) -> dict:
    with Stack(log=log) as stack:
        stack.env["ORG_ACTIVE_JOBS"] = str(active_jobs)
        stack.start_web()
        stack.start_worker()
        a, b = stack.new_user("Flooding clinic"), stack.new_user("Other tenant")
        case_a, case_b = stack.create_case(a), stack.create_case(b)
        with httpx.Client(base_url=stack.web_url, timeout=120) as client:
            # warm every worker process up first (imports, connections)
            warm = [_upload(client, b.headers, case_b, f"Warm-up letter {i}.")[0] for i in range(4)]
            _wait_final(stack, warm, 300)
            t0 = time.time()
            with ThreadPoolExecutor(8) as pool:
                flood_ids = [d for d, _t in pool.map(
                    lambda i: _upload(client, a.headers, case_a, f"Notice {i}: pay the rent of ${i}.00 within 5 days."),
                    range(flood))]
            accepted = time.time() - t0
            mine, t_mine = _upload(client, b.headers, case_b, "Summons: answer the complaint within 20 days.")
        done = _wait_final(stack, flood_ids + [mine], 3600)
        before_mine = sum(1 for d in flood_ids if done[d] < done[mine])
        return {"org_active_jobs": active_jobs, "flood": flood, "flood_accepted_s": round(accepted, 1),
                "other_turnaround_s": round(done[mine] - t_mine, 2), "flood_done_before_other": before_mine,
                "flood_total_s": round(max(done[d] for d in flood_ids) - t0, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.fairness", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=200)
    args = parser.parse_args(argv)
    print(f"bench.fairness {datetime.now():%Y-%m-%d %H:%M}, flood of {args.flood}")
    for active in (4, 100_000):
        print(one_run(active, args.flood), flush=True)


if __name__ == "__main__":
    main()
