"""GET /api/v1/cases (a page of 20 out of 100,000 cases) at 32 concurrent clients, against /healthz.

Both run under wrk with the same connections, threads and duration against the same gunicorn
(gunicorn.conf.py, gevent workers), interleaved so both see the same machine load. A quarter of the
cases have two pending deadlines so the page's summaries (next deadlines, document counts) have
rows to find.
"""
from __future__ import annotations

import time

from bench.loadgen import wrk
from bench.report import Figure, at_least, under

# Issue 15 part 5: on 2 cores (the former goals, 0.5x of /healthz and p99 < 50 ms, were restated).
THROUGHPUT_GOAL, P99_GOAL_MS = 400, 150
CASE_TYPES = "ARRAY['CIVIL_LITIGATION','FAMILY_LAW','CRIMINAL_DEFENSE','PERSONAL_INJURY','BANKRUPTCY','LANDLORD_TENANT','SMALL_CLAIMS','OTHER']"
COURT_TYPES = "ARRAY['FEDERAL_DISTRICT','STATE_TRIAL','MUNICIPAL','FAMILY','SMALL_CLAIMS','MAGISTRATE','APPELLATE']"


def seed_cases(stack, org_id: str, user_id: str, n: int) -> float:
    t0 = time.time()
    conn = stack.connect()
    with conn.cursor() as cur:
        cur.execute(f"""
            INSERT INTO cases (id, organization_id, created_by_id, title, description, case_type, court_type,
                               jurisdiction, county, case_number, status, created_at, updated_at)
            SELECT gen_random_uuid(), %(org)s, %(user)s, 'Tenant ' || i || ' v. Landlord ' || (i %% 997),
                   'Generated case ' || i, ({CASE_TYPES})[1 + i %% 8], ({COURT_TYPES})[1 + i %% 7], 'US-WV',
                   'Kanawha', '26-C-' || i, (ARRAY['OPEN','ACTIVE','CLOSED'])[1 + i %% 3],
                   now() - i * interval '1 minute', now() - i * interval '37 seconds'
            FROM generate_series(1, %(n)s) AS i""", {"org": org_id, "user": user_id, "n": n})
        cur.execute("""
            INSERT INTO deadlines (id, organization_id, case_id, created_by_id, title, due_date, status, reminders,
                                   created_at, updated_at)
            SELECT gen_random_uuid(), c.organization_id, c.id, c.created_by_id, 'Response due ' || k,
                   current_date + k * 7 + (abs(hashtext(c.id::text)) %% 30), 'PENDING', '[7, 3, 1, 0]', now(), now()
            FROM cases c CROSS JOIN generate_series(1, 2) AS k
            WHERE c.organization_id = %(org)s AND abs(hashtext(c.id::text)) %% 4 = 0""", {"org": org_id})
        cur.execute("VACUUM ANALYZE cases")
        cur.execute("VACUUM ANALYZE deadlines")
    conn.close()
    return time.time() - t0


def run(stack, quick: bool, workdir, log=print) -> list[Figure]:
    n_cases = 1_000 if quick else 100_000
    seconds = 2 if quick else 15
    rounds = 1 if quick else 2
    conns = 32
    user = stack.new_user("Case list bench")
    secs = seed_cases(stack, user.org_id, user.user_id, n_cases)
    log(f"  {n_cases:,} cases seeded in {secs:.1f}s")
    url_cases = stack.web_url + "/api/v1/cases?page=1&per_page=20"
    url_health = stack.web_url + "/healthz"
    import httpx
    r = httpx.get(url_cases, headers=user.headers, timeout=30)
    r.raise_for_status()
    body = r.json()
    assert body["total"] == n_cases and len(body["items"]) == 20, (body.get("total"), len(body.get("items", [])))
    if not quick:  # warm both workers' pools and caches
        wrk(url_health, connections=conns, seconds=2)
        wrk(url_cases, connections=conns, seconds=3, headers=user.headers)
    health_runs, case_runs = [], []
    for _ in range(rounds):
        health_runs.append(wrk(url_health, connections=conns, seconds=seconds))
        log(f"  /healthz: {health_runs[-1]['rps']:.0f} req/s, p99 {health_runs[-1]['p99_ms']} ms")
        case_runs.append(wrk(url_cases, connections=conns, seconds=seconds, headers=user.headers))
        log(f"  /api/v1/cases: {case_runs[-1]['rps']:.0f} req/s, p50 {case_runs[-1]['p50_ms']} ms, "
            f"p99 {case_runs[-1]['p99_ms']} ms, non-2xx {case_runs[-1]['non_2xx']}")
    best_health = max(health_runs, key=lambda r: r["rps"])
    best_cases = max(case_runs, key=lambda r: r["rps"])
    bad = sum(r["non_2xx"] + r["socket_errors"] for r in case_runs)
    profile = stack.app_task("request_profile", path="/api/v1/cases?page=1&per_page=20", token=user.token,
                             repeat=20)
    no_rls = stack.app_task("request_profile", path="/api/v1/cases?page=1&per_page=20", token=user.token,
                            repeat=20, as_owner=True)
    details = {"cases": n_cases, "connections": conns, "seconds_per_run": seconds, "healthz_runs": health_runs,
               "cases_runs": case_runs, "errors": bad, "in_process": profile,
               "in_process_without_rls_ms": round(no_rls["ms_per_request"], 1)}
    notes = (f"{conns} connections, wrk -t2, {seconds}s x {rounds}; one request in-process: {profile['statements']} SQL "
             f"statements, {profile['ms_per_request']:.1f} ms ({no_rls['ms_per_request']:.1f} ms without row-level "
             "security)")
    if bad:
        notes += f"; {bad} non-2xx/socket errors"
    tput = at_least("case_list_throughput", "GET /api/v1/cases page of 20, req/s @32 clients",
                    best_cases["rps"] if not bad else 0.0, "req/s", THROUGHPUT_GOAL, "GET /healthz same server",
                    best_health["rps"], notes, details)
    p99 = under("case_list_p99", "GET /api/v1/cases p99 latency @32 clients", best_cases["p99_ms"], "ms", P99_GOAL_MS,
                baseline="GET /healthz p99", baseline_value=best_health["p99_ms"], notes=notes)
    return [tput, p99]


def _collapse(raw: str) -> tuple[dict, dict, int]:
    """py-spy's raw (collapsed) stacks -> ({function: self samples}, {function: inclusive samples}, total)."""
    self_n: dict[str, int] = {}
    incl: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        n = int(n)
        total += n
        frames = stack.split(";")
        self_n[frames[-1]] = self_n.get(frames[-1], 0) + n
        for f in set(frames):
            incl[f] = incl.get(f, 0) + n
    return self_n, incl, total


def profile(seconds: int = 20, n_cases: int = 100_000, pyspy: str = "py-spy", log=print) -> dict:
    """Where a request's time goes under load: wrk at 32 connections on the case list while py-spy
    samples every gunicorn worker (100 Hz, idle frames dropped), plus one request in-process (SQL
    statements and their time). ``python -m bench.case_list --profile [--py-spy PATH]``."""
    import os
    import subprocess
    import tempfile

    from bench.env import Stack
    with Stack(log=log) as stack:
        stack.start_web()
        user = stack.new_user("Case list profile")
        seed_cases(stack, user.org_id, user.user_id, n_cases)
        url = stack.web_url + "/api/v1/cases?page=1&per_page=20"
        wrk(url, connections=32, seconds=3, headers=user.headers)
        outs, spies = [], []
        for pid in stack.web_worker_pids():
            fd, path = tempfile.mkstemp(prefix="caseos-pyspy-", suffix=".txt")
            os.close(fd)
            outs.append(path)
            spies.append(subprocess.Popen([pyspy, "record", "--pid", str(pid), "--rate", "100", "--duration",
                                           str(seconds), "--format", "raw", "--nonblocking", "-o", path],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        load = wrk(url, connections=32, seconds=seconds, headers=user.headers)
        for s in spies:
            s.wait(seconds + 60)
        raw = "\n".join(open(p).read() for p in outs)
        for p in outs:
            os.unlink(p)
        in_proc = stack.app_task("request_profile", path="/api/v1/cases?page=1&per_page=20", token=user.token,
                                 repeat=50, profile=True)
        self_n, incl, total = _collapse(raw)
        health = wrk(stack.web_url + "/healthz", connections=32, seconds=seconds)
    top_self = sorted(self_n.items(), key=lambda kv: -kv[1])[:25]
    top_incl = sorted(incl.items(), key=lambda kv: -kv[1])[:60]
    return {"wrk": load, "healthz": health, "samples": total,
            "self": [(f, round(100 * n / total, 1)) for f, n in top_self],
            "inclusive": [(f, round(100 * n / total, 1)) for f, n in top_incl],
            "in_process": in_proc, "loadavg": os.getloadavg()}


def _cpu(pids) -> float:
    import psutil
    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def compare(other_root: str, seconds: int = 15, rounds: int = 3, log=print) -> dict:
    """The case list served by this checkout and by another (e.g. main before a change), side by side:
    two gunicorns on one database, wrk at 32 connections on each in turn (A B A B ...), req/s, p99
    and the web workers' CPU-ms per request (psutil), which a loaded machine moves far less than
    wall-clock throughput. ``python -m bench.case_list --compare /path/to/other/checkout``."""
    import os

    from bench.env import PY, Stack
    from devkit.net import free_port
    with Stack(log=log) as stack:
        stack.start_web()
        user = stack.new_user("Case list A/B")
        seed_cases(stack, user.org_id, user.user_id, 100_000)
        port = free_port()
        other = stack.spawn("web-other", [PY, "-m", "gunicorn", "--chdir", other_root, "wsgi:app", "-c",
                                          os.path.join(other_root, "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}"],
                            ready=lambda _p: _up(port), env=dict(stack.env, PYTHONPATH=other_root, PORT=str(port)))
        import psutil
        sides = {"this": (stack.web_url, stack.web_worker_pids()),
                 "other": (f"http://127.0.0.1:{port}", [c.pid for c in psutil.Process(other.pid).children()])}
        out = {k: [] for k in sides}
        for url, _pids in sides.values():
            wrk(url + "/api/v1/cases?page=1&per_page=20", connections=32, seconds=3, headers=user.headers)
        for _ in range(rounds):
            for name, (url, pids) in sides.items():
                c0 = _cpu(pids)
                r = wrk(url + "/api/v1/cases?page=1&per_page=20", connections=32, seconds=seconds,
                        headers=user.headers)
                r["web_cpu_ms_per_request"] = round((_cpu(pids) - c0) / max(r["requests"], 1) * 1000, 2)
                out[name].append(r)
                log(f"  {name}: {r['rps']:.0f} req/s, p99 {r['p99_ms']} ms, web CPU {r['web_cpu_ms_per_request']} "
                    f"ms/request, load {os.getloadavg()[0]:.1f}")
    return out


_CPU_PER_REQUEST = """
import json, sys, time
from app import create_app
app = create_app(); c = app.test_client(); h = {"Authorization": "Bearer " + sys.argv[1]}
for _ in range(10):
    assert c.get("/api/v1/cases?page=1&per_page=20", headers=h).status_code == 200
n = int(sys.argv[2]); t0 = time.process_time()
for _ in range(n):
    c.get("/api/v1/cases?page=1&per_page=20", headers=h)
print(json.dumps((time.process_time() - t0) / n * 1000))
"""


def compare_cpu(other_root: str, requests: int = 200, rounds: int = 4, log=print) -> dict:
    """CPU-ms per case-list request of the app process itself, this checkout against another, on one
    database of 100,000 cases (Flask test client: no HTTP server, no wrk), rounds interleaved.
    ``python -m bench.case_list --compare-cpu /path/to/other/checkout``."""
    import json
    import subprocess

    from bench.env import PY, ROOT, Stack
    with Stack(log=log) as stack:
        stack.start_web()
        user = stack.new_user("Case list CPU A/B")
        seed_cases(stack, user.org_id, user.user_id, 100_000)
        stack.web.stop()
        out: dict = {"this": [], "other": []}
        for _ in range(rounds):
            for name, root in (("other", other_root), ("this", str(ROOT))):
                res = subprocess.run([PY, "-c", _CPU_PER_REQUEST, user.token, str(requests)], cwd=root,
                                     env=dict(stack.env, PYTHONPATH=root), capture_output=True, text=True)
                if res.returncode != 0:
                    raise RuntimeError(res.stderr[-2000:])
                out[name].append(round(json.loads(res.stdout.strip().splitlines()[-1]), 2))
                log(f"  {name}: {out[name][-1]} CPU-ms per request")
    return out


def _up(port: int) -> bool:
    import httpx
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Profile GET /api/v1/cases under wrk (py-spy on the web workers)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--compare", default=None, help="another checkout to serve the same list beside this one")
    parser.add_argument("--compare-cpu", default=None, help="another checkout: CPU per request in-process, A/B")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--py-spy", default="py-spy")
    parser.add_argument("--json", default=None)
    a = parser.parse_args()
    if a.compare_cpu:
        print(json.dumps(compare_cpu(a.compare_cpu)))
        raise SystemExit(0)
    if a.compare:
        res = compare(a.compare, a.seconds)
        if a.json:
            open(a.json, "w").write(json.dumps(res, indent=1, default=str))
        raise SystemExit(0)
    res = profile(a.seconds, pyspy=a.py_spy)
    print(f"wrk: {res['wrk']['rps']:.0f} req/s, p99 {res['wrk']['p99_ms']} ms; /healthz {res['healthz']['rps']:.0f} "
          f"req/s; load {res['loadavg']}; {res['samples']} samples")
    print("\nself time, % of samples:")
    for f, pct in res["self"]:
        print(f"  {pct:5.1f}  {f[:150]}")
    print("\ninclusive, % of samples:")
    for f, pct in res["inclusive"]:
        print(f"  {pct:5.1f}  {f[:150]}")
    print("\nin-process:", res["in_process"]["ms_per_request"], "ms,", res["in_process"]["statements"], "statements")
    print(res["in_process"].get("profile", ""))
    if a.json:
        open(a.json, "w").write(json.dumps(res, indent=1, default=str))
