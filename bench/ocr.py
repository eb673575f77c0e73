"""Scanned pages per second through the whole pipeline, against tesseract's CLI and OCRmyPDF.

* CaseOS: image-only PDFs uploaded through the API; the clock stops when the last one is PROCESSED
  (extract -> ocr -> analyse -> index -> notify, with the Procfile's worker).
* tesseract CLI on the very page images those PDFs hold (PNG at their native resolution), the
  fastest of several configurations on this machine (chosen on a sample of pages), every core busy.
* OCRmyPDF ``--skip-text`` on the same PDFs, the faster of one file after another with its default
  ``--jobs`` (all cores) and one file per core at once.

Both sides run twice, interleaved (the machine may be shared), and the best run of each counts.
CPU seconds per page are recorded for all three (bench/cpu.py).

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

from bench import corpus, cpu, pipeline
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
        {"name": "1 process at a time, OpenMP threads (tesseract's default)", "jobs": 1, "omp": None,
         "args": ["--psm", "3"]},
        {"name": f"{2 * NPROC} processes (2/core), OMP_THREAD_LIMIT=1, --psm 3", "jobs": 2 * NPROC, "omp": "1",
         "args": ["--psm", "3"]},
        {"name": f"{2 * NPROC} processes (2/core), OMP_THREAD_LIMIT=1, --psm 3 -c tessedit_do_invert=0",
         "jobs": 2 * NPROC, "omp": "1", "args": ["--psm", "3", "-c", "tessedit_do_invert=0"]},
    ]


def run_tesseract(pages: list[Path], cfg: dict) -> tuple[float, float, dict[Path, str]]:
    """(wall seconds, CPU seconds, text per page) of the CLI over pages with cfg["jobs"] at a time."""
    env = dict(os.environ)
    env.pop("OMP_THREAD_LIMIT", None)
    if cfg["omp"]:
        env["OMP_THREAD_LIMIT"] = cfg["omp"]

    def one(page: Path) -> str:
        out = subprocess.run(["tesseract", str(page), "stdout", "-l", "eng", *cfg["args"]], env=env,
                             capture_output=True, text=True, check=True)
        return out.stdout
    c0, t0 = cpu.own(), time.perf_counter()
    with ThreadPoolExecutor(cfg["jobs"]) as pool:
        texts = list(pool.map(one, pages))
    return time.perf_counter() - t0, cpu.own() - c0, dict(zip(pages, texts))


OCRMYPDF_VARIANTS = {"sequential": "one file after another, --jobs default (all cores)",
                     "parallel": f"{NPROC} files at once, --jobs 1 each"}


def run_ocrmypdf(pdfs: list[Path], workdir: Path, variant: str = "sequential") -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``ocrmypdf --skip-text`` over the PDFs."""
    out_dir = Path(tempfile.mkdtemp(prefix="ocrmypdf-", dir=workdir))

    def one(pdf: Path, jobs: int | None):
        cmd = ["ocrmypdf", "--skip-text", "--quiet"] + (["--jobs", str(jobs)] if jobs else []) + \
              [str(pdf), str(out_dir / pdf.name)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"ocrmypdf failed on {pdf.name}: {res.stderr[-1500:]}")
    c0, t0 = cpu.own(), time.perf_counter()
    if variant == "parallel":
        with ThreadPoolExecutor(NPROC) as pool:
            list(pool.map(lambda p: one(p, 1), pdfs))
    else:
        for pdf in pdfs:
            one(pdf, None)
    seconds, cpu_s = time.perf_counter() - t0, cpu.own() - c0
    shutil.rmtree(out_dir, ignore_errors=True)
    return seconds, cpu_s


def recall(truth: str, got: str) -> float:
    words = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", truth)]
    have = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", got)}
    return sum(1 for w in words if w in have) / max(len(words), 1)


def run(stack, quick: bool, workdir: Path, log=print) -> list[Figure]:
    docs = corpus.scanned_corpus(workdir / "scanned", n_docs=1 if quick else 6, pages_per_doc=1 if quick else 4,
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

    # The fastest tesseract configuration for this machine, chosen on a sample of the pages.
    sample = pages if quick else pages[:6]
    grid = []
    for cfg in tesseract_configs(quick):
        secs, cpu_s, _ = run_tesseract(sample, cfg)
        grid.append({"config": cfg["name"], "pages": len(sample), "seconds": round(secs, 2),
                     "pages_per_s": round(len(sample) / secs, 3), "cpu_s_per_page": round(cpu_s / len(sample), 3)})
        log(f"  tesseract on {len(sample)} sample pages [{cfg['name']}]: {secs:.1f}s, {len(sample) / secs:.2f} pages/s, "
            f"{cpu_s / len(sample):.2f} CPU-s/page")
    best_cfg = tesseract_configs(quick)[max(range(len(grid)), key=lambda i: grid[i]["pages_per_s"])]

    tess_runs, pipe_runs, tess_texts = [], [], {}
    for _ in range(rounds):  # interleaved so both sides see the same machine load; best of each
        secs, cpu_s, tess_texts = run_tesseract(pages, best_cfg)
        tess_runs.append((secs, cpu_s))
        log(f"  tesseract CLI, all {n} pages [{best_cfg['name']}]: {secs:.1f}s ({n / secs:.2f} pages/s), "
            f"{cpu_s / n:.2f} CPU-s/page")
        res = pipeline.run_pipeline(stack, user, pdfs)
        pipe_runs.append(res)
        log(f"  CaseOS pipeline: {res['seconds']:.1f}s ({n / res['seconds']:.2f} pages/s), "
            f"{res['cpu_seconds']['total'] / n:.2f} CPU-s/page {res['cpu_seconds']}, failed {res['failed']}, "
            f"step time {res['step_seconds_total']}")
    best_pipe = min(pipe_runs, key=lambda r: r["seconds"])
    pipe_pps = n / best_pipe["seconds"] if not best_pipe["failed"] else 0.0
    tess_s, tess_cpu = min(tess_runs)
    tess_pps = n / tess_s

    # OCRmyPDF: the faster way to drive it (chosen on two files), then every file.
    variants = ["sequential"] if quick else ["sequential", "parallel"]
    trial = {}
    if len(variants) > 1:
        for v in variants:
            trial[v] = run_ocrmypdf(pdfs[:NPROC], workdir, v)[0]
            log(f"  ocrmypdf --skip-text on {NPROC} files, {OCRMYPDF_VARIANTS[v]}: {trial[v]:.1f}s")
    best_variant = min(trial, key=trial.get) if trial else variants[0]
    ocrmypdf_s, ocrmypdf_cpu = run_ocrmypdf(pdfs, workdir, best_variant)
    log(f"  ocrmypdf --skip-text, all files, {OCRMYPDF_VARIANTS[best_variant]}: {ocrmypdf_s:.1f}s "
        f"({n / ocrmypdf_s:.2f} pages/s), {ocrmypdf_cpu / n:.2f} CPU-s/page")
    ocrmypdf_pps = n / ocrmypdf_s

    caseos_texts = pipeline.document_texts(stack, user, best_pipe["document_ids"])
    caseos_recall = _mean([recall(truths[d.pdf], t) for d, t in zip(docs, caseos_texts)])
    tess_recall = _mean([recall(truths[d.pdf], "\n".join(tess_texts.get(p, "") for p in d.pages)) for d in docs])
    caseos_cpu = best_pipe["cpu_seconds"]["total"] / n
    cpu_per_page = {"caseos": round(caseos_cpu, 3), "tesseract_cli": round(tess_cpu / n, 3),
                    "ocrmypdf": round(ocrmypdf_cpu / n, 3)}
    details = {"pages": n, "documents": len(pdfs), "tesseract_grid": grid, "tesseract_best": best_cfg["name"],
               "tesseract_runs_s": [round(s, 2) for s, _ in tess_runs],
               "pipeline_runs_s": [round(r["seconds"], 2) for r in pipe_runs],
               "pipeline_cpu_seconds": best_pipe["cpu_seconds"],
               "pipeline_step_seconds_total": best_pipe["step_seconds_total"],
               "pipeline_upload_seconds": round(best_pipe["upload_seconds"], 2),
               "pipeline_failed": best_pipe["failed"], "pipeline_errors": best_pipe["errors"],
               "ocrmypdf_variant": OCRMYPDF_VARIANTS[best_variant], "ocrmypdf_trial_s": trial,
               "ocrmypdf_seconds": round(ocrmypdf_s, 2), "cpu_seconds_per_page": cpu_per_page,
               "word_recall": {"caseos": round(caseos_recall, 3), "tesseract_cli": round(tess_recall, 3)},
               "tesseract_cmd": "tesseract PAGE.png stdout -l eng " + " ".join(best_cfg["args"]),
               "ocrmypdf_cmd": "ocrmypdf --skip-text IN.pdf OUT.pdf"}
    base = (f"{n} pages in {len(pdfs)} PDFs; CPU-s/page CaseOS {caseos_cpu:.2f}, tesseract {tess_cpu / n:.2f}, "
            f"OCRmyPDF {ocrmypdf_cpu / n:.2f}; word recall CaseOS {caseos_recall:.2f} vs CLI {tess_recall:.2f}")
    return [
        throughput_vs("ocr_vs_tesseract", "scanned pages/s, upload to PROCESSED", pipe_pps, "pages/s",
                      f"tesseract CLI ({best_cfg['name']})", tess_pps, 0.85,
                      base + f"; per CPU-second {tess_cpu / n / caseos_cpu:.2f}x", details),
        speedup_vs("ocr_vs_ocrmypdf", "scanned pages/s, upload to PROCESSED", pipe_pps, "pages/s",
                   f"OCRmyPDF --skip-text ({OCRMYPDF_VARIANTS[best_variant]})", ocrmypdf_pps, 2.0,
                   base + f"; per CPU-second {ocrmypdf_cpu / n / caseos_cpu:.2f}x", details),
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
