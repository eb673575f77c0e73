"""The cost of layout-aware reading in the extract step: CPU per born-digital page with and without it.

Reads the benchmark's born-digital corpus (and the fixtures' court papers) with the extractor's own
text-layer code in this process (``_pdf_text_layer``, no sandbox start, so the difference is not
hidden by it), once as CaseOS reads it and once with ``layout.page_text`` replaced by PDFium's
plain text (the extractor before layout-aware reading). The ratio is after / before.

    .venv/bin/python -m bench.layout [--quick]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from app.documents.reader import layout, pdf as reader_pdf
from app.documents.reader.common import Limits
from bench import corpus

ROUNDS = 3


def _cpu_per_page(files: list[Path], pages: int, limits: Limits) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for path in files:
            reader_pdf._pdf_text_layer(str(path), limits)
        best = min(best, time.process_time() - started)
    return best / max(pages, 1) * 1000


def measure(files: list[Path]) -> dict:
    limits = Limits(sandbox=False)
    pages = sum(corpus.pdf_pages(f) for f in files)
    after = _cpu_per_page(files, pages, limits)
    original = reader_pdf.page_text
    reader_pdf.page_text = lambda pdf, page, textpage, plain: plain
    try:
        before = _cpu_per_page(files, pages, limits)
    finally:
        reader_pdf.page_text = original
    assert reader_pdf.page_text is layout.page_text
    return {"pages": pages, "before_ms_per_page": round(before, 3), "after_ms_per_page": round(after, 3),
            "ratio": round(after / before, 3) if before else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = corpus.born_digital_corpus(Path(tmp) / "bd", n_docs=3 if args.quick else 24,
                                           pages_per_doc=2 if args.quick else 10, with_fixtures=not args.quick)
        forms = sorted((corpus.FIXTURES / "eval" / "dev").glob("*filled*.pdf"))
        print("born-digital corpus:", measure(files))
        if forms:
            print("filled forms (eval dev):", measure(forms))


if __name__ == "__main__":
    main()
