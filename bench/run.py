"""Run every benchmark, print the table, write JSON.

    python -m bench.run                 # everything, full sizes (12-20 minutes on 2 cores)
    python -m bench.run --quick         # tiny sizes, every figure (about 2 minutes; tests run this)
    python -m bench.run --only ocr,search --json out.json

Each benchmark starts from the same stack (its own database, Redis db, S3 server, gunicorn, a
Celery worker when it needs one). The JSON holds every figure with its baseline, ratio, goal and
details, the machine, the date and the exact command.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from bench import case_list, reminders, report, search_growth, search_quality, turnaround
from bench.env import Stack, machine_info

BENCHMARKS = ("ocr", "born_digital", "case_list", "upload", "events", "search", "search_quality", "search_growth",
              "reminders", "turnaround")
# The figure keys each benchmark produces (also what a failed benchmark reports as not measured).
KEYS = {
    "ocr": [("ocr_vs_tesseract", "scanned pages/s, upload to PROCESSED", "pages/s", ">= 0.85x baseline"),
            ("ocr_vs_ocrmypdf", "scanned pages/s, upload to PROCESSED", "pages/s", ">= 2x faster than baseline")],
    "born_digital": [("born_digital_vs_pypdfium2", "born-digital pages/s, upload to PROCESSED", "pages/s",
                      ">= 0.8x baseline"),
                     ("born_digital_vs_pdfplumber", "born-digital pages/s, upload to PROCESSED", "pages/s",
                      "reference (no goal)")],
    "case_list": [("case_list_throughput", "GET /api/v1/cases page of 20, req/s @32 clients", "req/s",
                   f">= {case_list.THROUGHPUT_GOAL} req/s"),
                  ("case_list_p99", "GET /api/v1/cases p99 latency @32 clients", "ms", f"< {case_list.P99_GOAL_MS} ms")],
    "upload": [("upload_10mb_p50", "upload 10 MB: time to 202, p50", "ms", "< 150 ms"),
               ("upload_200mb_rss", "upload 200 MB: web worker RSS growth", "MB", "< 30 MB")],
    "events": [("events_p99", "job change -> SSE event received, p99", "ms", "< 100 ms")],
    "search": [("search_p95", "search over 100,000 indexed pages, p95", "ms", "< 50 ms")],
    "search_quality": [search_quality.KEY],
    "search_growth": search_growth.keys(),
    "reminders": reminders.keys(),
    "turnaround": turnaround.keys(),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run, not a measurement)")
    parser.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(BENCHMARKS))
    parser.add_argument("--json", default=None, help="where to write the results (default bench/results/<date>.json)")
    parser.add_argument("--markdown", default=None, help="also write the table as Markdown to this file")
    args = parser.parse_args(argv)
    selected = [b.strip() for b in args.only.split(",") if b.strip()] or list(BENCHMARKS)
    unknown = [b for b in selected if b not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    started = datetime.now(timezone.utc)
    json_path = Path(args.json) if args.json else (
        Path(__file__).resolve().parent / "results" / f"{started:%Y%m%dT%H%M%SZ}{'-quick' if args.quick else ''}.json")

    def log(msg):
        print(msg, flush=True)

    command = "python -m bench.run" + (" " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])))
    machine = machine_info()
    log(f"CaseOS benchmarks ({'quick' if args.quick else 'full'}) - {started:%Y-%m-%d %H:%M} UTC - "
        f"{machine['nproc']} x {machine['cpu_model']}, {machine['ram_gb']} GB RAM, load {machine['loadavg_at_start']}")
    figures: list[report.Figure] = []
    timings = {}
    workdir = Path(tempfile.mkdtemp(prefix="caseos-bench-work-"))
    stack = Stack(quick=args.quick, log=log)
    try:
        stack.start()
        stack.start_web()
        for name in selected:
            log(f"\n== {name}")
            t0 = time.time()
            for attempt in (1, 2):
                if stack.web is None or not stack.web.alive():
                    if stack.web is not None:
                        log(f"  the web server had exited; its log ends:\n{stack.web.log(1500)}\n  restarting it")
                    stack.start_web()
                try:
                    module = importlib.import_module(f"bench.{name}")
                    figures += module.run(stack, args.quick, workdir, log=log)
                    break
                except Exception as exc:
                    traceback.print_exc()
                    died = [p.name for p in (stack.web, stack.worker) if p is not None and not p.alive()]
                    if attempt == 1 and died:
                        log(f"  {', '.join(died)} died during the benchmark (killed from outside?): running it again")
                        continue
                    for key, fig, unit, goal in KEYS[name]:
                        figures.append(report.not_measurable(
                            key, fig, unit, goal, f"benchmark failed: {type(exc).__name__}: {str(exc)[:300]}"))
                    break
            timings[name] = round(time.time() - t0, 1)
            log(f"   ({timings[name]}s)")
    finally:
        stack.close()
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)
    finished = datetime.now(timezone.utc)
    log("\n" + report.table(figures))
    out = {"command": command, "quick": args.quick, "started": started.isoformat(), "finished": finished.isoformat(),
           "machine": {**machine, "loadavg_at_end": list(os.getloadavg())}, "benchmark_seconds": timings,
           "figures": {f.key: f.to_dict() for f in figures}, "markdown": report.markdown(figures)}
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(out, indent=2, default=str))
    if args.markdown:
        Path(args.markdown).write_text(report.markdown(figures) + "\n")
    log(f"\nJSON: {json_path}  (total {(finished - started).total_seconds():.0f}s)")
    return 0 if all(f.value is not None or f.goal.startswith("reference") for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
