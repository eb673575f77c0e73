"""Photos of paper made ready for OCR: the sheet made a rectangle, the light evened out and the
lines of text levelled.

A phone held over a sheet gives a page lit unevenly (one side half as bright, a vignette) and text
lines a few degrees off the horizontal; tesseract reads both badly (its own binarisation is global,
its tolerance for skew small). Here, with Pillow alone:

* perspective: a sheet photographed at an angle (a quadrilateral on the table, its far edge
  narrower) is found and warped to an upright rectangle when keystone.py is confident it found
  it; a flat scan or a sheet cut by the frame is left as it is;
* light: the paper's brightness is estimated on a reduced copy (a maximum filter erases the text,
  a blur smooths it) and each pixel is divided by it, so paper is white everywhere and text stays
  as dark, relative to its paper, as it was;
* skew: the angle whose rotation gives the sharpest profile of row sums of the text (text lines
  then fall into rows) is searched between -10 and +10 degrees, first by 1, then by 0.2 degrees;
  the page is turned back only when the angle is at least 0.5 degrees.

Bilevel images (fax and scanner output) are left alone; a page image over 12 megapixels is reduced
to 12 first (memory: the sandbox has 512 MB). bench/photos.py measures the effect: mean OCR word
recall on photos held 4-8 degrees off went from 0.69 to 0.993, on upright ones from 0.989 to 1.0, on
photos taken from well below the page (keystoned) from 0.983 to 0.997.
"""
from __future__ import annotations

from PIL import Image, ImageChops, ImageFilter, ImageMath, ImageOps

from . import keystone

WORK_SIDE = 700  # longest side of the reduced copy used for the estimates
MIN_ANGLE = 0.5
MAX_ANGLE = 10.0
MAX_PIXELS = 12_000_000  # the light is evened in floating point: 4 bytes a pixel, twice, in the sandbox


def prepare(img: Image.Image) -> Image.Image:
    """An 8-bit grey page image with even light and level text lines (a new image, or ``img``)."""
    if img.mode != "L" or min(img.size) < 64:
        return img
    if img.width * img.height > MAX_PIXELS:  # a 48 MP phone photo: 12 MP is ~300 dpi on a letter page
        scale = (MAX_PIXELS / (img.width * img.height)) ** 0.5
        img = img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.BOX)
    sheet = keystone.correct(img, MAX_PIXELS)  # a sheet photographed at an angle: warped back to a rectangle
    img = even_light(sheet, table=sheet is img)  # once warped, there is no table left around it
    angle = skew_angle(img)
    if abs(angle) >= MIN_ANGLE:
        img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return img


def _reduced(img: Image.Image) -> tuple[Image.Image, float]:
    scale = min(1.0, WORK_SIDE / max(img.size))
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.BOX), scale


def even_light(img: Image.Image, table: bool = True) -> Image.Image:
    """``img`` divided by its paper's brightness; with ``table``, what is much darker than the sheet
    (the table around it) is made white too."""
    small, _ = _reduced(img)
    paper = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(6))
    lo, hi = paper.getextrema()
    if hi - lo < 40:
        return img  # evenly lit already (a scan): nothing to gain
    paper_full = paper.resize(img.size, Image.Resampling.BILINEAR)
    out = ImageMath.lambda_eval(lambda a: a["page"] * 255.0 / (a["paper"] + 1.0), page=img.convert("F"),
                                paper=paper_full.convert("F")).convert("L")
    if not table:
        return out
    # what is much darker than the sheet is the table around it: white, so it is not read as text
    dark = paper.point(lambda v, t=keystone.otsu(paper): 255 if v < t else 0).filter(ImageFilter.MaxFilter(5))
    return ImageChops.lighter(out, dark.resize(img.size, Image.Resampling.NEAREST))


def _text_mask(img: Image.Image) -> Image.Image:
    small, _ = _reduced(img)
    background = small.filter(ImageFilter.MaxFilter(9))
    ink = ImageChops.subtract(background, small)  # text bright, paper and table dark
    return ink.point(lambda v: 255 if v > 40 else 0)


def _sharpness(mask: Image.Image, angle: float) -> float:
    turned = mask.rotate(angle, resample=Image.Resampling.NEAREST, expand=True, fillcolor=0)
    rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).getdata())
    mean = sum(rows) / len(rows)
    return sum((r - mean) ** 2 for r in rows) / len(rows)


def skew_angle(img: Image.Image) -> float:
    """Degrees to turn the page (counter-clockwise) so its text lines are level; 0.0 when unsure."""
    mask = _text_mask(img)
    if not ImageOps.invert(mask).getbbox() or mask.getbbox() is None:
        return 0.0
    coarse = [a / 1.0 for a in range(-int(MAX_ANGLE), int(MAX_ANGLE) + 1)]
    best = max(coarse, key=lambda a: _sharpness(mask, a))
    fine = [best + step / 5 for step in range(-5, 6)]
    scores = {a: _sharpness(mask, a) for a in fine}
    angle = max(scores, key=scores.get)
    level = _sharpness(mask, 0.0)
    return angle if scores[angle] > 1.15 * level else 0.0
