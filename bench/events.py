"""Job state change to event received by a streaming client, with 200 clients connected.

200 clients (one process, raw asyncio connections) follow ``GET /api/v1/events`` of one user - the
fan-out worst case: every change must reach every client. Another process changes a job's state
with the app's own services (progress reports as a worker sends them, then success), one change
every 100 ms, and records the time just before each commit. Latency = client receive time minus
that time, for every (change, client) pair. While the clients sit idle the web workers' CPU and the
database's transaction rate are recorded too (what 200 open streams cost when nothing happens).
"""
from __future__ import annotations

import json
import subprocess
import sys
import time

import psutil

from bench.env import ROOT
from bench.report import Figure, summary_ms, under


def _db_xacts(stack) -> int:
    rows = stack.sql("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()",
                     fetch=True)
    return int(rows[0][0])


def run(stack, quick: bool, workdir, log=print) -> list[Figure]:
    n_clients = 50 if quick else 200
    changes = 10 if quick else 100
    interval = 0.1
    idle_s = 2 if quick else 5
    user = stack.new_user("Events bench")
    host, port = stack.web_url.removeprefix("http://").split(":")
    clients = subprocess.Popen([sys.executable, "-m", "bench.sse_clients"], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    clients.stdin.write(json.dumps({"host": host, "port": int(port), "token": user.token, "path": "/api/v1/events",
                                    "clients": n_clients, "timeout": 120 + changes * interval * 3}) + "\n")
    clients.stdin.flush()
    line = clients.stdout.readline()
    if line.strip() != "READY":
        clients.kill()
        raise RuntimeError(f"SSE clients did not connect: {line!r} {clients.stderr.read()[-2000:]}")
    log(f"  {n_clients} SSE clients connected")
    # Idle cost of the open streams.
    workers = [psutil.Process(p) for p in stack.web_worker_pids()]
    cpu0 = sum(sum(p.cpu_times()[:2]) for p in workers)
    x0, t0 = _db_xacts(stack), time.time()
    time.sleep(idle_s)
    elapsed = time.time() - t0
    idle = {"seconds": round(elapsed, 1),
            "web_cpu_percent_of_one_core": round(100 * (sum(sum(p.cpu_times()[:2]) for p in workers) - cpu0) / elapsed, 1),
            "db_transactions_per_s": round((_db_xacts(stack) - x0) / elapsed, 1)}
    log(f"  idle with {n_clients} streams: {idle}")
    trig = stack.app_task("events_trigger", org_id=user.org_id, user_id=user.user_id, changes=changes,
                          interval=interval)
    out, err = clients.communicate(timeout=180)
    result = json.loads(out.strip().splitlines()[-1])
    sent, received = trig["sent"], result["received"]
    latencies, missing = [], 0
    for key, t_sent in sent.items():
        got = received.get(key, [])
        missing += n_clients - len(got)
        latencies += [t - t_sent for t in got]
    s = summary_ms(latencies)
    log(f"  change -> received: {s}; missing deliveries {missing}")
    notes = (f"{n_clients} clients on /api/v1/events (one user: every change reaches every client), "
             f"{changes} changes every {interval * 1000:.0f} ms; p50 {s.get('p50')} ms, max {s.get('max')} ms; "
             f"idle: web {idle['web_cpu_percent_of_one_core']}% CPU, {idle['db_transactions_per_s']} DB xacts/s")
    if missing:
        notes += f"; {missing} deliveries missing"
    # Streams whose client left stay registered with the web process's event hub until their next write
    # (keepalive every 15 s): restart the web server so later benchmarks start from a clean process.
    stack.web.stop()
    stack.procs.remove(stack.web)
    stack.start_web()
    p99 = s.get("p99") if not missing else None
    fig = under("events_p99", f"job change -> SSE event received, p99 ({n_clients} clients)", p99, "ms", 100,
                notes=notes, details={"latency_ms": s, "missing": missing, "clients": n_clients, "changes": changes,
                                      "connect_seconds": round(result["connect_seconds"], 2), "idle": idle})
    if missing:
        fig.met = False
        fig.value = s.get("p99")
    return [fig]
