"""Born-digital pages per second through the pipeline, against raw pypdfium2 and pdfplumber.

The baselines extract the text of the same PDFs with the library alone: pypdfium2 with the very
call CaseOS's extractor makes (``get_textpage().get_text_bounded()``), pdfplumber with
``page.extract_text()``. Each runs both in one process and in one process per core; the faster is
the baseline.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil

from bench import corpus, cpu, pipeline
from bench.report import Figure, reference, throughput_vs

NPROC = os.cpu_count() or 1


def pypdfium2_file(path: str) -> int:
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(path)
    chars = 0
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_bounded())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return chars


def pdfplumber_file(path: str) -> int:
    import pdfplumber
    chars = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars += len(page.extract_text() or "")
            page.close()
    return chars


def timed(fn, files: list[Path], processes: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to extract every file with `processes` processes."""
    paths = [str(f) for f in files]
    if processes == 1:
        c0, t0 = cpu.own(), time.perf_counter()
        for p in paths:
            fn(p)
        return time.perf_counter() - t0, cpu.own() - c0
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(fn, paths[:processes]))  # start the processes and import the library first
        procs = [psutil.Process(pid) for pid in pool._processes]

        def pool_cpu():
            return sum(sum(p.cpu_times()[:2]) for p in procs)
        c0, t0 = pool_cpu(), time.perf_counter()
        list(pool.map(fn, paths, chunksize=1))
        return time.perf_counter() - t0, pool_cpu() - c0


def best_of(fn, files, rounds: int) -> tuple[float, float, str, dict]:
    """The faster of one process and one per core: (wall s, CPU s, how, all runs)."""
    runs = {}
    for procs in (1, NPROC):
        label = "1 process" if procs == 1 else f"{procs} processes"
        runs[label] = min(timed(fn, files, procs) for _ in range(rounds))
    best = min(runs, key=lambda k: runs[k][0])
    return runs[best][0], runs[best][1], best, {k: round(v[0], 3) for k, v in runs.items()}


def run(stack, quick: bool, workdir: Path, log=print) -> list[Figure]:
    files = corpus.born_digital_corpus(workdir / "born_digital", n_docs=3 if quick else 24,
                                       pages_per_doc=2 if quick else 20, with_fixtures=not quick)
    n = sum(corpus.pdf_pages(f) for f in files)
    log(f"  corpus: {len(files)} text PDFs, {n} pages")
    user = stack.new_user("Born-digital bench")
    stack.start_worker()
    if not quick:
        warm = corpus.born_digital_corpus(workdir / "warm_bd", n_docs=2, pages_per_doc=1, with_fixtures=False,
                                          seed=98)
        pipeline.warm_up(stack, user, warm)
    rounds = 1 if quick else 2
    pipe_runs, pdfium_runs, plumber_runs = [], [], []
    for r in range(rounds):  # interleaved: both sides see the same machine load
        pdfium_runs.append(best_of(pypdfium2_file, files, 1 if quick else 2))
        log(f"  pypdfium2: {pdfium_runs[-1][3]}")
        res = pipeline.run_pipeline(stack, user, files)
        pipe_runs.append(res)
        log(f"  CaseOS pipeline: {res['seconds']:.1f}s ({n / res['seconds']:.1f} pages/s), "
            f"{res['cpu_seconds']['total'] / n * 1000:.0f} CPU-ms/page {res['cpu_seconds']}, failed {res['failed']}, "
            f"step time {res['step_seconds_total']}")
    plumber_runs.append(best_of(pdfplumber_file, files, 1))
    log(f"  pdfplumber: {plumber_runs[-1][3]}")
    best_pipe = min(pipe_runs, key=lambda r: r["seconds"])
    pipe_pps = n / best_pipe["seconds"] if not best_pipe["failed"] else 0.0
    pdfium_s, pdfium_cpu, pdfium_how, _ = min(pdfium_runs)
    plumber_s, plumber_cpu, plumber_how, _ = min(plumber_runs)
    caseos_cpu = best_pipe["cpu_seconds"]["total"]
    cpu_ms = {"caseos": round(caseos_cpu / n * 1000, 2), "pypdfium2": round(pdfium_cpu / n * 1000, 3),
              "pdfplumber": round(plumber_cpu / n * 1000, 2)}
    details = {"pages": n, "documents": len(files), "pipeline_runs_s": [round(r["seconds"], 2) for r in pipe_runs],
               "pipeline_step_seconds_total": best_pipe["step_seconds_total"],
               "pipeline_upload_seconds": round(best_pipe["upload_seconds"], 2),
               "pipeline_failed": best_pipe["failed"], "pipeline_errors": best_pipe["errors"],
               "pipeline_cpu_seconds": best_pipe["cpu_seconds"], "cpu_ms_per_page": cpu_ms,
               "pypdfium2_runs": [r[3] for r in pdfium_runs], "pdfplumber_runs": [r[3] for r in plumber_runs]}
    notes = (f"{n} pages in {len(files)} PDFs; CPU-ms/page CaseOS {cpu_ms['caseos']}, pypdfium2 {cpu_ms['pypdfium2']}, "
             f"pdfplumber {cpu_ms['pdfplumber']}")
    return [
        throughput_vs("born_digital_vs_pypdfium2", "born-digital pages/s, upload to PROCESSED", pipe_pps, "pages/s",
                      f"pypdfium2 text extraction ({pdfium_how})", n / pdfium_s, 0.8, notes, details),
        reference("born_digital_vs_pdfplumber", "born-digital pages/s, upload to PROCESSED", pipe_pps, "pages/s",
                  f"pdfplumber extract_text ({plumber_how})", n / plumber_s, notes, details),
    ]
