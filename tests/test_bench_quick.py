"""The benchmarks (bench/) must not rot: run every one of them in quick mode and check each figure.

`python -m bench.run --quick` starts its own stack (database, Redis db, S3 server, gunicorn,
worker) exactly as a full run does, with tiny sizes, so this exercises every code path of the
full benchmark in a few minutes (the turnaround benchmark starts a second,
embedded stack). It measures nothing worth reading.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("ocr_vs_tesseract", "ocr_vs_ocrmypdf", "born_digital_vs_pypdfium2", "born_digital_vs_pdfplumber",
        "case_list_throughput", "case_list_p99", "upload_10mb_p50", "upload_200mb_rss", "events_p99", "search_p95",
        "search_precision_at_10", "search_growth_10k", "search_growth_100k", "search_growth_1m",
        "reminders_growth_100k", "reminders_scan", "reminders_growth_10m", *(f"turnaround_{mode}_{kind}" for mode in ("embedded", "full")
                            for kind in ("bd1", "bd10", "scan1", "growth")))
# Variables pytest's conftest set for the test run; the bench builds its own environment.
TEST_ONLY = ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET",
             "CASEOS_VAR_DIR", "CASEOS_TEST_CONFIGURED", "RATELIMIT_AUTH", "RATELIMIT_KEY_PREFIX", "SECRET_KEY",
             "ENCRYPTION_KEY", "LOG_LEVEL")


def free_redis_db() -> int:
    """The first Redis database from 6 up that no bench run holds (bench.env.Stack's lock key)."""
    import redis
    for db in range(6, 16):
        server = redis.Redis(host=os.environ.get("BENCH_REDIS_HOST", "127.0.0.1"),
                             port=int(os.environ.get("BENCH_REDIS_PORT", "6379")), db=db)
        if not server.exists("caseos-bench:lock"):
            return db
    pytest.fail("every Redis database from 6 to 15 is held by a bench run")


@pytest.mark.slow
@pytest.mark.skipif(not all(shutil.which(t) for t in ("wrk", "tesseract", "ocrmypdf")),
                    reason="the benchmarks need wrk, tesseract and ocrmypdf (apt-get install wrk ocrmypdf)")
def test_every_benchmark_runs_in_quick_mode(tmp_path):
    out = tmp_path / "quick.json"
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    # A Redis database of its own, so a full run (db 5) or another quick run may go on at the same time.
    env.setdefault("BENCH_REDIS_DB", str(free_redis_db()))
    # Bounded (a hang fails), with room for a busy machine: the figures are not judged here.
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--json", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1200)
    tail = proc.stdout[-6000:] + "\n" + proc.stderr[-4000:]
    assert out.exists(), tail
    data = json.loads(out.read_text())
    assert data["quick"] is True
    assert data["machine"]["nproc"] and data["command"].startswith("python -m bench.run")
    figures = data["figures"]
    assert set(KEYS) <= set(figures), f"missing {set(KEYS) - set(figures)}\n{tail}"
    for key in KEYS:
        fig = figures[key]
        assert fig["value"] is not None, f"{key} was not measured: {fig['notes']}\n{tail}"
        assert fig["goal"], key
        assert fig["figure"] in proc.stdout, f"{key} not printed\n{tail}"
        if fig["baseline"] != "-":
            assert fig["baseline_value"] is not None, f"{key}: its baseline was not measured\n{tail}"
            # no ratio only when the figure itself is nil (e.g. requests failed under load: the notes say so)
            assert fig["ratio"] is not None or not fig["value"], key
    assert proc.returncode == 0, tail
