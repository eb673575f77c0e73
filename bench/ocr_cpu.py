"""OCR CPU per page: CaseOS's OCR of a scanned PDF page against the tesseract CLI on the very pixels.

    .venv/bin/python -m bench.ocr_cpu [--quick]

CaseOS: ``extraction.iter_ocr_pages`` on the image-only PDF (its sandbox process renders the page
at the scan's resolution and runs tesseract with CaseOS's options). CLI: ``tesseract page.png
stdout -l eng --psm 3 -c tessedit_do_invert=0 tsv`` on the PNG that PDF holds. CPU seconds are
this process's and its children's (getrusage), so a machine loaded by other work changes them
far less than wall-clock times; the sandbox children forked by the warm sandbox's fork server are
the server's children, so its CPU (its own, for the forks, and its reaped children's) is added.
``--cold``: CaseOS with a new sandbox interpreter per document (the way before the warm sandbox). Pages: generated 200 dpi court-filing scans and the real scans of
tests/fixtures/scanned (linn: a 300 dpi brochure page; phototest: tesseract's test page).
"""
from __future__ import annotations

import argparse
import resource

import psutil
import subprocess
import tempfile
from pathlib import Path

from app.documents import extraction
from app.documents.reader import ocr as reader_ocr
from bench import corpus


def cpu() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        u = resource.getrusage(who)
        total += u.ru_utime + u.ru_stime
    pid = extraction.sandbox_server_pid()
    if pid is not None:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system + t.children_user + t.children_system
    return total


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cold", action="store_true", help="a new sandbox interpreter per document")
    args = parser.parse_args(argv)
    limits = extraction.Limits(warm=not args.cold)
    if not args.cold:
        extraction.warm_up()  # the fork server starts once per worker process, not per document
    rounds = 1 if args.quick else 2
    caseos, cli = [], []
    with tempfile.TemporaryDirectory() as tmp:
        docs = corpus.scanned_corpus(Path(tmp), n_docs=1 if args.quick else 3, pages_per_doc=1,
                                     with_fixtures=not args.quick, seed=31)
        for doc in docs:
            mine, theirs = [], []
            for _ in range(rounds):
                c0 = cpu()
                list(extraction.iter_ocr_pages(str(doc.pdf), "application/pdf", [1], limits, workers=1))
                mine.append(cpu() - c0)
                c0 = cpu()
                subprocess.run(["tesseract", str(doc.pages[0]), "stdout", "-l", "eng", "--psm", "3", "-c",
                                "tessedit_do_invert=0", "tsv"], capture_output=True, env=reader_ocr._tesseract_env())
                theirs.append(cpu() - c0)
            caseos += mine
            cli += theirs
            print(f"{doc.pdf.name:20s} CaseOS {min(mine):.2f} CPU-s   tesseract CLI {min(theirs):.2f} CPU-s")
    a, b = sum(caseos) / len(caseos), sum(cli) / len(cli)
    print(f"mean CPU-s per page: CaseOS {a:.2f}, tesseract CLI {b:.2f}; CLI / CaseOS = {b / a:.2f}x "
          f"(goal >= 1: CaseOS no costlier than the CLI); the difference, {a - b:.2f} s a page, is the sandbox "
          f"process ({'a new interpreter importing pypdfium2' if args.cold else 'forked warm'}) and rendering the page")


if __name__ == "__main__":
    main()
