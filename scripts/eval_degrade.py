#!/usr/bin/env python
"""Make a scanned or phone-photographed copy of a born-digital PDF, for the evaluation set.

    python scripts/eval_degrade.py SRC.pdf OUT.{pdf,png,jpg} --mode scan|photo [--pages 1,2] [--dpi 200] [--seed N]

scan:  rasterize at --dpi, greyscale, a slight rotation (within +-1.5 degrees), paper noise, a light
       blur and JPEG compression (what a flatbed or office copier produces).
photo: rasterize, set the page on a darker table with a perspective tilt, uneven lighting (one
       side darker), a warm colour cast, blur, sensor noise and JPEG compression (a phone photo).

Everything random comes from --seed, so the same command makes the same file. A multi-page
output must be a PDF; PNG and JPEG outputs take one page. The evaluation set records the exact
command in each derived file's `source.derived`.
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageFilter


def render(src: Path, pages: list[int] | None, dpi: int) -> list[Image.Image]:
    doc = pdfium.PdfDocument(str(src))
    wanted = pages or list(range(1, len(doc) + 1))
    return [doc[n - 1].render(scale=dpi / 72).to_pil().convert("RGB") for n in wanted]


def noise(img: Image.Image, rng: random.Random, amplitude: float) -> Image.Image:
    """Add zero-mean noise of +-amplitude grey levels, seeded."""
    w, h = img.size
    layer = Image.frombytes("L", (w, h), rng.randbytes(w * h)).point(lambda v: round(128 + (v - 128) * amplitude / 128))
    if img.mode == "RGB":
        layer = Image.merge("RGB", (layer, layer, layer))
    return ImageChops.add(img, layer, scale=1.0, offset=-128)


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).copy()


def scan(page: Image.Image, rng: random.Random, dpi: int) -> Image.Image:
    grey = page.convert("L")
    angle = rng.uniform(-1.5, 1.5)
    grey = grey.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=250)
    grey = grey.point(lambda v: round(18 + v * 0.9))          # paper is never white, toner never black
    grey = noise(grey, rng, 14)
    grey = grey.filter(ImageFilter.GaussianBlur(0.5 * dpi / 200))
    return jpeg(grey, rng.randint(55, 70))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8x8 for the perspective coefficients)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Coefficients PIL wants: for each output point in dst, where to sample in src."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y]); rhs.append(v)
    return _solve(rows, rhs)


def photo(page: Image.Image, rng: random.Random, dpi: int, keystone: tuple[float, float] = (0.03, 0.08)) -> Image.Image:
    """A phone photo of the page on a table; ``keystone``: how much narrower the far edge looks, as a
    share of the page's width on each side (drawn between the two bounds)."""
    w, h = page.size
    margin = int(0.08 * max(w, h))
    cw, ch = w + 2 * margin, h + 2 * margin
    j = lambda: rng.uniform(0.0, 0.05)
    key = rng.uniform(*keystone) * w          # keystone: the far edge of the sheet looks narrower
    # where the page's corners land on the canvas (a tilted, slightly rotated sheet)
    corners = [(margin + key + j() * w, margin + j() * h), (margin + w - key - j() * w, margin + j() * h),
               (margin + w - j() * w, margin + h - j() * h), (margin + j() * w, margin + h - j() * h)]
    coeffs = perspective_coeffs(corners, [(0, 0), (w, 0), (w, h), (0, h)])
    table = (rng.randint(60, 95), rng.randint(55, 85), rng.randint(45, 75))
    sheet = page.transform((cw, ch), Image.PERSPECTIVE, coeffs, resample=Image.BICUBIC, fillcolor=table)
    # uneven light: a ramp from one side (about 50-70 % brightness) to the other (full), and a vignette
    ramp = Image.linear_gradient("L").rotate(rng.choice([0, 90, 180, 270]))
    low = rng.uniform(0.5, 0.7)
    ramp = ramp.resize((cw, ch)).point(lambda v: round(255 * (low + (1 - low) * v / 255)))
    vignette = Image.radial_gradient("L").resize((cw, ch)).point(lambda v: round(255 - 0.35 * v))
    ramp = ImageChops.multiply(ramp, vignette)
    lit = ImageChops.multiply(sheet, Image.merge("RGB", (ramp, ramp, ramp)))
    warm = Image.new("RGB", (cw, ch), (255, rng.randint(236, 248), rng.randint(212, 232)))
    lit = ImageChops.multiply(lit, warm)
    lit = lit.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1) * dpi / 200))
    lit = noise(lit, rng, 10)
    return jpeg(lit, rng.randint(72, 85))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--mode", choices=("scan", "photo"), required=True)
    parser.add_argument("--pages", help="1-based page numbers, comma-separated (default: all)")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    pages = [int(p) for p in args.pages.split(",")] if args.pages else None
    rng = random.Random(args.seed)
    make = scan if args.mode == "scan" else photo
    images = [make(p, rng, args.dpi) for p in render(args.src, pages, args.dpi)]
    suffix = args.out.suffix.lower()
    if suffix == ".pdf":
        fixed = time.gmtime(946684800)   # 2000-01-01, not now: the same command makes the same bytes
        images[0].save(args.out, "PDF", save_all=True, append_images=images[1:], resolution=args.dpi,
                       creationDate=fixed, modDate=fixed)
    elif len(images) == 1 and suffix in (".png", ".jpg", ".jpeg"):
        fmt = "PNG" if suffix == ".png" else "JPEG"
        extra = {"quality": 88} if fmt == "JPEG" else {"optimize": True}
        images[0].save(args.out, fmt, dpi=(args.dpi, args.dpi), **extra)
    else:
        parser.error("a multi-page output must be a .pdf; PNG and JPEG take one page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
