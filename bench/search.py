"""Search over 100,000 indexed pages: latency of GET /api/v1/search through the HTTP API.

The index is built with the app's own code (blind tokens under the organization's search key: a
row per document, matched and ranked, and a row per page for the snippets), and every page's text
is stored encrypted as the pipeline stores it, so result snippets are cut from decrypted text
exactly as in production. All pages belong to the searching organization (the
worst case: nothing is filtered out before ranking). Queries mix very common and rare words,
phrases, OR and exclusions; one client sends them one after another (keep-alive).
"""
from __future__ import annotations

import time
from urllib.parse import quote

import httpx

from bench.report import Figure, percentile, summary_ms, under

QUERIES = (
    "court",                           # on nearly every page
    "motion to dismiss",
    '"notice to quit"',
    "landlord tenant repairs",
    "protective order -jury",
    "Hernandez",
    "Kanawha OR Cabell",
    "summary judgment material fact",
    "automatic stay",
    "Jacqueline Castillo",
)


def measure(stack, user, reps: int, log=print) -> tuple[dict, dict]:
    """QUERIES x reps through the HTTP API, one client, after a warm-up pass: (latency summary in ms,
    {query: matching documents, p50, p95})."""
    per_query: dict[str, list[float]] = {q: [] for q in QUERIES}
    totals: dict[str, str] = {}
    all_lat = []
    with httpx.Client(base_url=stack.web_url, timeout=60, headers=user.headers) as client:
        for q in QUERIES:  # warm-up pass: plans, caches, connections
            r = client.get(f"/api/v1/search?q={quote(q)}")
            r.raise_for_status()
            totals[q] = f"{r.json()['total']:,}" + ("+" if r.json().get("total_is_lower_bound") else "")
        for _ in range(reps):
            for q in QUERIES:
                t0 = time.perf_counter()
                r = client.get(f"/api/v1/search?q={quote(q)}")
                dt = time.perf_counter() - t0
                if r.status_code != 200:
                    raise RuntimeError(f"search {q!r} answered {r.status_code}: {r.text[:300]}")
                per_query[q].append(dt)
                all_lat.append(dt)
    breakdown = {q: {"matching_documents": totals[q], "p50_ms": round(percentile(v, 50) * 1000, 1),
                     "p95_ms": round(percentile(v, 95) * 1000, 1)} for q, v in per_query.items()}
    for q, b in breakdown.items():
        log(f"    {q!r:36} {b['matching_documents']:>7} docs  p50 {b['p50_ms']:>7} ms  p95 {b['p95_ms']:>7} ms")
    return summary_ms(all_lat), breakdown


def run(stack, quick: bool, workdir, log=print) -> list[Figure]:
    n_docs, pages_per_doc = (200, 10) if quick else (10_000, 10)
    reps = 2 if quick else 20
    user = stack.new_user("Search bench")
    seeded = stack.app_task("seed_search", org_id=user.org_id, user_id=user.user_id, n_docs=n_docs,
                            pages_per_doc=pages_per_doc)
    log(f"  indexed {seeded['pages']:,} pages of {seeded['documents']:,} documents in {seeded['seconds_total']}s")
    s, breakdown = measure(stack, user, reps, log)
    slowest = max(breakdown, key=lambda q: breakdown[q]["p95_ms"])
    profile = stack.app_task("request_profile", path=f"/api/v1/search?q={quote(slowest)}", token=user.token, repeat=3)
    rare = QUERIES[-1]
    in_proc = {label: {q: round(stack.app_task("request_profile", path=f"/api/v1/search?q={quote(q)}",
                                                token=user.token, repeat=3, as_owner=owner)["ms_per_request"], 1)
                       for q in ((rare,) if quick else (QUERIES[0], rare))}
               for label, owner in (("as_app_role", False), ("without_rls", True))}
    log(f"    one request in-process, ms: {in_proc}")
    notes = (f"{seeded['pages']:,} pages; {len(QUERIES)} queries x {reps}, one client; p50 {s['p50']} ms; "
             f"slowest {slowest!r} p95 {breakdown[slowest]['p95_ms']} ms; in-process {rare!r}: "
             f"{in_proc['as_app_role'][rare]} ms, without row-level security {in_proc['without_rls'][rare]} ms")
    return [under("search_p95", f"search over {seeded['pages']:,} indexed pages, p95", s["p95"], "ms", 50, notes=notes,
                  details={"latency_ms": s, "queries": breakdown, "seed": seeded,
                           "slowest_in_process": {k: v for k, v in profile.items() if k != "profile"},
                           "in_process_ms": in_proc})]
