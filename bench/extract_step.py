"""The extract step's reader against a bare pypdfium2 loop, in CPU seconds (issue 15 part 3).

    .venv/bin/python -m bench.extract_step

The born-digital corpus of bench/born_digital.py (24 generated 20-page PDFs and the fixtures), read
document by document, three interleaved rounds of each side: a bare pypdfium2 loop
(``get_text_bounded`` per page, bench/born_digital.py's baseline) in this process; the extract
step's reader (``extraction.extract_text_layer``) in the warm sandbox, in a cold sandbox (a new
interpreter per document: the way before the warm sandbox) and in this process (no sandbox). CPU
seconds are this process's, its children's and the warm sandbox's (its fork server and the children
it forked), so a machine loaded by other work moves them little; wall-clock pages/s are printed too.
"""
import tempfile
import time
from pathlib import Path

import psutil

from app.documents import extraction
from bench import corpus
from bench.born_digital import pypdfium2_file
from bench.ocr_cpu import cpu  # this process, its children and the warm sandbox


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = [str(f) for f in corpus.born_digital_corpus(Path(tmp) / "bd", n_docs=24, pages_per_doc=20,
                                                             with_fixtures=True)]
        measure(files, sum(corpus.pdf_pages(Path(f)) for f in files))


def measure(files: list[str], pages: int) -> None:
    pdf = "application/pdf"
    extraction.warm_up()  # once per worker process, not per document
    sides = {
        "bare pypdfium2 loop, one process": pypdfium2_file,
        "extract step's reader, warm sandbox": lambda f: extraction.extract_text_layer(f, pdf),
        "extract step's reader, cold sandbox": lambda f: extraction.extract_text_layer(
            f, pdf, extraction.Limits(warm=False)),
        "extract step's reader, in-process": lambda f: extraction.extract_text_layer(
            f, pdf, extraction.Limits(sandbox=False)),
    }
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in sides}
    for _ in range(3):  # interleaved: every side sees the same machine load
        for name, fn in sides.items():
            c0, t0 = cpu(), time.perf_counter()
            for f in files:
                fn(f)
            runs[name].append((time.perf_counter() - t0, cpu() - c0))
    print(f"{len(files)} PDFs, {pages} pages; load average {psutil.getloadavg()}")
    bare_wall = min(r[0] for r in runs["bare pypdfium2 loop, one process"])
    bare_cpu = min(r[1] for r in runs["bare pypdfium2 loop, one process"])
    for name, rs in runs.items():
        wall, used = min(r[0] for r in rs), min(r[1] for r in rs)
        print(f"{name:38s} {used / pages * 1000:6.2f} CPU-ms/page ({bare_cpu / used:.2f}x bare), "
              f"{pages / wall:7.1f} pages/s wall ({bare_wall / wall:.2f}x bare; runs {[round(r[0], 1) for r in rs]} s)")


if __name__ == "__main__":
    main()
