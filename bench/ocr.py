"""Scanned pages per second through the whole pipeline, against tesseract's CLI and OCRmyPDF.

* CaseOS: image-only PDFs uploaded through the API; the clock stops when the last one is PROCESSED
  (extract -> ocr -> analyse -> index -> notify, with the Procfile's worker).
* tesseract CLI on the very page images those PDFs hold (PNG at their native resolution), the
  fastest of several configurations on this machine, every core busy.
* OCRmyPDF ``--skip-text`` on the same PDFs, one after the other, its default ``--jobs`` (all cores).

Word recall against the pages' known text is reported for CaseOS and tesseract, so a speed-up
bought with worse text would show.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import corpus, pipeline
from bench.report import Figure, speedup_vs, throughput_vs

NPROC = os.cpu_count() or 1


def tesseract_configs(quick: bool) -> list[dict]:
    base = [{"name": f"{NPROC} processes (1/core), OMP_THREAD_LIMIT=1, --psm 3", "jobs": NPROC, "omp": "1",
             "args": ["--psm", "3"]},
            {"name": f"{NPROC} processes, OMP_THREAD_LIMIT=1, --psm 3 -c tessedit_do_invert=0", "jobs": NPROC,
             "omp": "1", "args": ["--psm", "3", "-c", "tessedit_do_invert=0"]}]
    if quick:
        return base[:1]
    return base + [
        {"name": "1 process at a time, OpenMP threads (tesseract default)", "jobs": 1, "omp": None,
         "args": ["--psm", "3"]},
        {"name": f"{2 * NPROC} processes (2/core), OMP_THREAD_LIMIT=1, --psm 3", "jobs": 2 * NPROC, "omp": "1",
         "args": ["--psm", "3"]},
    ]


def run_tesseract(pages: list[Path], cfg: dict) -> tuple[float, dict[Path, str]]:
    env = dict(os.environ)
    env.pop("OMP_THREAD_LIMIT", None)
    if cfg["omp"]:
        env["OMP_THREAD_LIMIT"] = cfg["omp"]

    def one(page: Path) -> str:
        out = subprocess.run(["tesseract", str(page), "stdout", "-l", "eng", *cfg["args"]], env=env,
                             capture_output=True, text=True, check=True)
        return out.stdout
    t0 = time.perf_counter()
    with ThreadPoolExecutor(cfg["jobs"]) as pool:
        texts = list(pool.map(one, pages))
    return time.perf_counter() - t0, dict(zip(pages, texts))


def run_ocrmypdf(pdfs: list[Path], workdir: Path, parallel_files: bool = False) -> float:
    out_dir = Path(tempfile.mkdtemp(prefix="ocrmypdf-", dir=workdir))

    def one(pdf: Path, jobs: int | None):
        cmd = ["ocrmypdf", "--skip-text", "--quiet"] + (["--jobs", str(jobs)] if jobs else []) + \
              [str(pdf), str(out_dir / pdf.name)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"ocrmypdf failed on {pdf.name}: {res.stderr[-1500:]}")
    t0 = time.perf_counter()
    if parallel_files:
        with ThreadPoolExecutor(NPROC) as pool:
            list(pool.map(lambda p: one(p, 1), pdfs))
    else:
        for pdf in pdfs:
            one(pdf, None)
    seconds = time.perf_counter() - t0
    shutil.rmtree(out_dir, ignore_errors=True)
    return seconds


def recall(truth: str, got: str) -> float:
    words = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", truth)]
    have = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", got)}
    return sum(1 for w in words if w in have) / max(len(words), 1)


def run(stack, quick: bool, workdir: Path, log=print) -> list[Figure]:
    docs = corpus.scanned_corpus(workdir / "scanned", n_docs=1 if quick else 8, pages_per_doc=1 if quick else 4,
                                 with_fixtures=not quick)
    pages = [p for d in docs for p in d.pages]
    pdfs = [d.pdf for d in docs]
    n = len(pages)
    truths = _truths(docs)
    log(f"  corpus: {len(pdfs)} image-only PDFs, {n} pages")
    user = stack.new_user("OCR bench")
    stack.start_worker()
    if not quick:
        warm = corpus.scanned_corpus(workdir / "warm", n_docs=2, pages_per_doc=1, with_fixtures=False, seed=99)
        pipeline.warm_up(stack, user, [d.pdf for d in warm])
    rounds = 1 if quick else 2

    grid, grid_texts = [], []
    for cfg in tesseract_configs(quick):
        secs, texts = run_tesseract(pages, cfg)
        grid.append({"config": cfg["name"], "seconds": round(secs, 2), "pages_per_s": round(n / secs, 3)})
        grid_texts.append(texts)
        log(f"  tesseract [{cfg['name']}]: {secs:.1f}s, {n / secs:.2f} pages/s")
    best = max(range(len(grid)), key=lambda i: grid[i]["pages_per_s"])
    best_cfg, tess_texts = tesseract_configs(quick)[best], grid_texts[best]
    tess_runs, pipe_runs = [grid[best]["seconds"]], []
    for r in range(rounds):
        if r > 0:  # interleaved with the pipeline so both see the same machine load
            secs, _ = run_tesseract(pages, best_cfg)
            tess_runs.append(secs)
            log(f"  tesseract best config again: {secs:.1f}s")
        res = pipeline.run_pipeline(stack, user, pdfs)
        pipe_runs.append(res)
        log(f"  CaseOS pipeline: {res['seconds']:.1f}s ({n / res['seconds']:.2f} pages/s), failed {res['failed']}, "
            f"steps {res['step_seconds_total']}")
    best_pipe = min(pipe_runs, key=lambda r: r["seconds"])
    pipe_pps = n / best_pipe["seconds"] if not best_pipe["failed"] else 0.0
    tess_pps = n / min(tess_runs)

    ocrmypdf_runs = {"sequential, --jobs default (all cores)": run_ocrmypdf(pdfs, workdir)}
    log(f"  ocrmypdf --skip-text sequential: {list(ocrmypdf_runs.values())[0]:.1f}s")
    if not quick:
        ocrmypdf_runs[f"{NPROC} files at once, --jobs 1"] = run_ocrmypdf(pdfs, workdir, parallel_files=True)
        log(f"  ocrmypdf --skip-text parallel files: {ocrmypdf_runs[f'{NPROC} files at once, --jobs 1']:.1f}s")
    best_ocrmypdf = min(ocrmypdf_runs, key=ocrmypdf_runs.get)
    ocrmypdf_pps = n / ocrmypdf_runs[best_ocrmypdf]

    caseos_texts = pipeline.document_texts(stack, user, best_pipe["document_ids"])
    caseos_recall = _mean([recall(truths[d.pdf], t) for d, t in zip(docs, caseos_texts)])
    tess_recall = _mean([recall(truths[d.pdf], "\n".join(tess_texts.get(p, "") for p in d.pages)) for d in docs])
    details = {"pages": n, "documents": len(pdfs), "tesseract_grid": grid, "tesseract_best": best_cfg["name"],
               "tesseract_runs_s": [round(s, 2) for s in tess_runs],
               "pipeline_runs_s": [round(r["seconds"], 2) for r in pipe_runs],
               "pipeline_step_seconds_total": best_pipe["step_seconds_total"],
               "pipeline_upload_seconds": round(best_pipe["upload_seconds"], 2),
               "pipeline_failed": best_pipe["failed"], "pipeline_errors": best_pipe["errors"],
               "ocrmypdf_runs_s": {k: round(v, 2) for k, v in ocrmypdf_runs.items()},
               "word_recall": {"caseos": round(caseos_recall, 3), "tesseract_cli": round(tess_recall, 3)},
               "tesseract_cmd": "tesseract PAGE.png stdout -l eng " + " ".join(best_cfg["args"]),
               "ocrmypdf_cmd": "ocrmypdf --skip-text IN.pdf OUT.pdf"}
    notes = f"{n} pages in {len(pdfs)} PDFs; word recall CaseOS {caseos_recall:.2f} vs CLI {tess_recall:.2f}"
    return [
        throughput_vs("ocr_vs_tesseract", "scanned pages/s, upload to PROCESSED", pipe_pps, "pages/s",
                      f"tesseract CLI ({best_cfg['name']})", tess_pps, 0.85, notes, details),
        speedup_vs("ocr_vs_ocrmypdf", "scanned pages/s, upload to PROCESSED", pipe_pps, "pages/s",
                   f"OCRmyPDF --skip-text ({best_ocrmypdf})", ocrmypdf_pps, 2.0, notes, details),
    ]


def _truths(docs) -> dict:
    out = {}
    for d in docs:
        if d.source == "generated":
            out[d.pdf] = "\n".join(_generated_truth(p) for p in d.pages)
        else:
            name = Path(d.source).stem
            out[d.pdf] = (corpus.FIXTURES / "scanned" / f"{name}.truth.txt").read_text()
    return out


def _generated_truth(png: Path) -> str:
    txt = png.with_suffix(".txt")
    return txt.read_text() if txt.exists() else ""


def _mean(xs):
    return sum(xs) / len(xs) if xs else 0.0
