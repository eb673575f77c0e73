"""CPU seconds spent by each side of a comparison (user + system, children included).

Wall-clock throughput on a machine that other work shares moves with that work; CPU seconds per
page move much less. Every throughput comparison records both.

* a baseline run by this process (tesseract, OCRmyPDF, pypdfium2 in a pool): this process's own
  CPU plus that of the children it has waited for (getrusage RUSAGE_SELF + RUSAGE_CHILDREN);
* CaseOS: the Celery worker and its pool processes (with the sandbox and tesseract processes they
  waited for), the gunicorn workers, the S3 server and the PostgreSQL backends serving the bench
  database.
"""
from __future__ import annotations

import resource

import psutil


def own() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _tree_cpu(pid: int) -> float:
    total = 0.0
    try:
        root = psutil.Process(pid)
        for p in [root] + root.children(recursive=True):
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                pass
    except psutil.NoSuchProcess:
        pass
    return total


def stack_cpu(stack) -> dict:
    """CPU seconds so far of every process serving the bench stack, by component."""
    out = {"worker": _tree_cpu(stack.worker.pid) if stack.worker else 0.0,
           "web": _tree_cpu(stack.web.pid) if stack.web else 0.0, "s3": 0.0, "postgres": 0.0}
    port = (stack.env.get("S3_ENDPOINT_URL") or "").rsplit(":", 1)[-1]
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
            if "moto.server" in cmd and f"-p {port}" in cmd:
                out["s3"] += _tree_cpu(p.pid)
            elif p.info["name"] == "postgres" and stack.dbname in cmd:
                t = p.cpu_times()
                out["postgres"] += t.user + t.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return out


def diff(after: dict, before: dict) -> dict:
    d = {k: round(after[k] - before.get(k, 0.0), 2) for k in after}
    d["total"] = round(sum(d.values()), 2)
    return d
