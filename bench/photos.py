"""OCR word recall on phone photos of court papers: the same pages photographed (perspective, uneven
light, colour cast, blur, noise: scripts/eval_degrade.py --mode photo) and read by CaseOS's OCR.

    .venv/bin/python -m bench.photos [--quick]

Also photos taken from well below the page (strong keystone: the far edge 20-36 % narrower).
Truth is each page's own text layer; recall is the share of its words (4 letters or more) that the
OCR text contains. Prints one row per photo and the mean.
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import re
import tempfile
from pathlib import Path

import pypdfium2 as pdfium

from app.documents import extraction
from bench import corpus

ROOT = Path(__file__).resolve().parent.parent
PAGES = [("born_digital/ca10_order_show_cause_010110462922.pdf", 1), ("born_digital/ca2_clerk_notice_1-1.pdf", 1),
         ("born_digital/ca2_clerk_notice_1-1.pdf", 2)]


def _degrade():
    spec = importlib.util.spec_from_file_location("eval_degrade", ROOT / "scripts" / "eval_degrade.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recall(truth: str, got: str) -> float:
    words = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", truth)]
    have = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", got)}
    return sum(1 for w in words if w in have) / max(len(words), 1)


def measure(seeds: list[int], out: Path, askew: bool, keystoned: bool = False) -> list[tuple[str, float]]:
    """One photo per page and seed; ``askew``: the phone also held 4-8 degrees off and at 150 dpi;
    ``keystoned``: taken from well below the page (its far edge 20-36 % narrower than its near one)."""
    degrade = _degrade()
    rows = []
    dpi = 150 if askew else 200
    kind = "-askew" if askew else "-keystoned" if keystoned else ""
    for rel, page in PAGES:
        src = corpus.FIXTURES / rel
        truth = pdfium.PdfDocument(src)[page - 1].get_textpage().get_text_bounded()
        for seed in seeds:
            rng = random.Random(seed)
            image = degrade.photo(degrade.render(src, [page], dpi)[0], rng, dpi,
                                  keystone=(0.10, 0.18) if keystoned else (0.03, 0.08))
            if askew:
                angle = rng.uniform(4, 8) * rng.choice([-1, 1])
                image = image.rotate(angle, resample=3, expand=True, fillcolor=(70, 62, 55))
            path = out / f"{Path(rel).stem}-p{page}-s{seed}{kind}.jpg"
            image.save(path, "JPEG", quality=88)
            text, _ = extraction.ocr_page(path, "image/jpeg", 1)
            rows.append((path.name, recall(truth, text)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keystoned-only", action="store_true", help="only the photos taken from well below")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = [1] if args.quick else [1, 2, 3]
        rows = measure(seeds, Path(tmp), askew=False, keystoned=True)
        if not args.keystoned_only:
            rows += measure(seeds, Path(tmp), askew=False) + measure(seeds, Path(tmp), askew=True)
    for name, value in rows:
        print(f"{name:60s} {value:.3f}")
    for kind in ("", "-askew", "-keystoned"):
        part = [v for name, v in rows if (re.search(r"-s\d+(-\w+)?\.jpg$", name).group(1) or "") == kind]
        print(f"mean word recall {kind.strip('-') or 'upright'} {sum(part) / max(len(part), 1):.3f} over {len(part)} photos")


if __name__ == "__main__":
    main()
