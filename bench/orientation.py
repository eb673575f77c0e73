"""Is the OCR orientation threshold right on real scans and photographs?

    .venv/bin/python -m bench.orientation [--quick] [--corpus DIR]

CaseOS reads every page once upright (``--psm 3``) and checks the orientation (``--psm 0``) only
when the reading's mean word confidence is under ``OSD_BELOW_CONFIDENCE`` (app/documents/reader/ocr.py).
The threshold is right when upright pages stay above it (no orientation check wasted on them) and
pages turned 90, 180 or 270 degrees fall below it (none read as garbage without a check).

For every page: the real scans in tests/fixtures/scanned (and ``--corpus DIR``'s scanned/ folder,
e.g. /work/shared/corpus, when given), phone photos of court papers made from the fixtures
(scripts/eval_degrade.py --mode photo, as bench/photos.py), each read with CaseOS's own tesseract
command and confidence formula as stored and turned 90, 180 and 270 degrees. A reading is right when
it has at least half the words of the page's best reading. Prints one row per page, the wrong
readings the threshold lets through, the right ones it sends to an orientation check, and the
tesseract CPU seconds that check costs.
"""
from __future__ import annotations

import argparse
import random
import resource
import subprocess
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from app.documents.reader import ocr as reader_ocr
from bench import corpus, photos

SCAN_DPI = 300


def pages(out: Path, corpus_dir: Path | None, quick: bool) -> list[tuple[str, Path, int]]:
    """(name, image, dpi) of every page to test."""
    found = []
    dirs = [corpus.FIXTURES / "scanned"] + ([corpus_dir / "scanned"] if corpus_dir else [])
    seen = set()
    for d in dirs:
        for src in sorted(d.iterdir()) if d.is_dir() else []:
            if src.name in seen or src.suffix.lower() not in (".png", ".tif", ".tiff", ".pdf", ".jpg"):
                continue
            seen.add(src.name)
            if src.suffix.lower() == ".pdf":
                pdf = pdfium.PdfDocument(str(src))
                for i in range(min(len(pdf), 1 if quick else 4)):
                    img = pdf[i].render(scale=SCAN_DPI / 72).to_pil().convert("L")
                    path = out / f"{src.stem}-p{i + 1}.png"
                    img.save(path)
                    found.append((f"{d.parent.name}/{src.name} p{i + 1}", path, SCAN_DPI))
                pdf.close()
            else:
                with Image.open(src) as im:
                    dpi = int(round(float((im.info.get("dpi") or (SCAN_DPI, SCAN_DPI))[0]))) or SCAN_DPI
                    path = out / f"{src.stem}.png"
                    im.convert("L").save(path)
                found.append((f"{d.parent.name}/{src.name}", path, dpi))
    degrade = photos._degrade()
    for rel, page in photos.PAGES[:1 if quick else None]:
        for seed in ([1] if quick else [1, 2]):
            image = degrade.photo(degrade.render(corpus.FIXTURES / rel, [page], 200)[0], random.Random(seed), 200)
            path = out / f"photo-{Path(rel).stem}-p{page}-s{seed}.jpg"
            image.save(path, "JPEG", quality=88)
            found.append((f"photo of {Path(rel).name} p{page} (seed {seed})", path, 200))
    return found


def read(path: Path, dpi: int) -> tuple[float, float, str]:
    """(mean word confidence, tesseract CPU seconds, text) of CaseOS's first reading of the image."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["tesseract", str(path), "stdout", "-l", "eng", "--psm", "3", "-c", "tessedit_do_invert=0",
                          "--dpi", str(dpi), "tsv"], capture_output=True, text=True, env=reader_ocr._tesseract_env())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    text, conf = reader_ocr._assemble(reader_ocr._parse_tsv(out.stdout))
    return conf, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), text


def osd_cpu(path: Path, dpi: int) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["tesseract", str(path), "stdout", "--psm", "0", "--dpi", str(dpi)], capture_output=True,
                   env=reader_ocr._tesseract_env())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--corpus", type=Path, default=None, help="a corpus folder with a scanned/ subfolder")
    args = parser.parse_args(argv)
    threshold = reader_ocr.OSD_BELOW_CONFIDENCE
    rows, escaped, wasted, ocr_cpu, check_cpu = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, dpi in pages(Path(tmp), args.corpus, args.quick):
            readings = {}
            for angle in (0, 90, 180, 270):
                img_path = path
                if angle:
                    img_path = Path(tmp) / f"rot{angle}-{path.name}"
                    with Image.open(path) as im:
                        im.rotate(angle, expand=True).save(img_path)
                conf, cpu, text = read(img_path, dpi)
                readings[angle] = (conf, text)
                if angle == 0:
                    ocr_cpu.append(cpu)
                    check_cpu.append(osd_cpu(img_path, dpi))
            # The best reading (highest confidence) stands for the page's text: some corpus files are
            # stored turned, so "0 degrees" is not always upright. A reading is right when it has most
            # of the best reading's words.
            best = max(readings.values())[1]
            recalls = {a: photos.recall(best, t) for a, (c, t) in readings.items()}
            rows.append((name, {a: c for a, (c, _t) in readings.items()}, recalls))
            escaped += [f"{name} at {a}" for a, (c, _t) in readings.items() if c >= threshold and recalls[a] < 0.5]
            wasted += [f"{name} at {a}" for a, (c, _t) in readings.items() if c < threshold and recalls[a] >= 0.8]
    print(f"{'page':60s} confidence (word recall) at 0 / 90 / 180 / 270 degrees; threshold {threshold:g}")
    for name, confs, recalls in rows:
        print(f"{name[:60]:60s} " + "  ".join(f"{confs[a]:5.1f} ({recalls[a]:.2f})" for a in (0, 90, 180, 270)))
    n = len(rows)
    print(f"\nreadings at or over the threshold that are wrong (accepted without an orientation check): "
          f"{len(escaped)}/{4 * n} {escaped}")
    print(f"readings under it that were right (an orientation check spent for nothing): {len(wasted)}/{4 * n} {wasted}")
    print(f"tesseract CPU per page: reading {sum(ocr_cpu) / max(n, 1):.2f} s; an orientation check "
          f"{sum(check_cpu) / max(n, 1):.2f} s more on the pages that get one")

if __name__ == "__main__":
    main()
