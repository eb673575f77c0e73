"""Perspective (keystone) correction of a phone photo of a sheet of paper.

A sheet photographed from an angle is a quadrilateral on the table (its far edge narrower); its
text lines converge and shrink, which tesseract reads badly. Here, with Pillow alone, on a copy
reduced to QUAD_SIDE pixels: the sheet is what is much brighter than its surroundings (a maximum
filter erases the text; Otsu's threshold splits sheet from table), its corners are the extreme
points of x+y and x-y, and the photo is warped so that quadrilateral becomes an upright rectangle.

It acts only when confident: the bright region must not touch the photo's edges (a flat scan, or a
sheet cut by the frame, is left exactly as it is), must cover 20-95 % of the photo, must fill the
quadrilateral found (it is a sheet, not a blob) and the quadrilateral's corners must be between 60
and 120 degrees. A sheet already square to the frame is left to the levelling in photo.py.
"""
from __future__ import annotations

import math

from PIL import Image, ImageFilter

QUAD_SIDE = 240  # longest side of the reduced copy the sheet is found on
MIN_SHEET, MAX_SHEET = 0.20, 0.95  # share of the photo the sheet covers
MAX_EDGE_TOUCH = 0.03  # share of the photo's border the sheet may touch
MIN_FILL = 0.94  # share of the quadrilateral the bright region fills (and at most 1/MIN_FILL)
SQUARE_DEGREES = 1.0  # a sheet whose sides are all within this of the frame's is not warped

Point = tuple[float, float]


def otsu(img: Image.Image) -> int:
    """The grey level that best splits an image's histogram in two (Otsu's method)."""
    hist = img.histogram()[:256]
    total = sum(hist)
    sum_all = sum(i * h for i, h in enumerate(hist))
    best, threshold, weight, running = -1.0, 128, 0, 0.0
    for level, count in enumerate(hist):
        weight += count
        if weight == 0 or weight == total:
            continue
        running += level * count
        mean_lo, mean_hi = running / weight, (sum_all - running) / (total - weight)
        between = weight * (total - weight) * (mean_lo - mean_hi) ** 2
        if between > best:
            best, threshold = between, level + 1
    return threshold


def sheet_corners(img: Image.Image) -> list[Point] | None:
    """The sheet's corners in ``img`` (top-left, top-right, bottom-right, bottom-left), or None when
    there is no sheet to find with confidence."""
    scale = min(1.0, QUAD_SIDE / max(img.size))
    small = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.MinFilter(5))  # text gone, edges kept
    cut = otsu(paper)
    w, h = small.size
    data = paper.getdata()
    pts = [(i % w, i // w) for i, v in enumerate(data) if v >= cut]
    if not (MIN_SHEET * w * h <= len(pts) <= MAX_SHEET * w * h):
        return None
    border = sum(1 for x, y in pts if x in (0, w - 1) or y in (0, h - 1))
    if border > MAX_EDGE_TOUCH * 2 * (w + h):
        return None
    tl = min(pts, key=lambda p: p[0] + p[1])
    br = max(pts, key=lambda p: p[0] + p[1])
    tr = max(pts, key=lambda p: p[0] - p[1])
    bl = max(pts, key=lambda p: p[1] - p[0])
    quad = [tl, tr, br, bl]
    area = _area(quad)
    if area <= 0 or not (MIN_FILL <= len(pts) / area <= 1 / MIN_FILL) or not _plausible(quad):
        return None
    return [((x + 0.5) / scale, (y + 0.5) / scale) for x, y in quad]


def _area(quad: list[Point]) -> float:
    return abs(sum(quad[i][0] * quad[i - 1][1] - quad[i - 1][0] * quad[i][1] for i in range(4))) / 2


def _plausible(quad: list[Point]) -> bool:
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        v1, v2 = (a[0] - b[0], a[1] - b[1]), (c[0] - b[0], c[1] - b[1])
        n = math.hypot(*v1) * math.hypot(*v2)
        if n == 0:
            return False
        angle = math.degrees(math.acos(max(-1.0, min(1.0, (v1[0] * v2[0] + v1[1] * v2[1]) / n))))
        if not 60 <= angle <= 120:
            return False
    return True


def _square(quad: list[Point]) -> bool:
    """True when every side of the quadrilateral is within SQUARE_DEGREES of the frame's axes."""
    for i in range(4):
        (x0, y0), (x1, y1) = quad[i], quad[(i + 1) % 4]
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0)) % 90
        if min(angle, 90 - angle) > SQUARE_DEGREES:
            return False
    return True


def correct(img: Image.Image, max_pixels: int = 12_000_000) -> Image.Image:
    """The sheet in ``img`` warped to an upright rectangle of at most ``max_pixels`` (the sandbox's
    memory), or ``img`` itself when unsure."""
    quad = sheet_corners(img)
    if quad is None or _square(quad):
        return img
    tl, tr, br, bl = quad
    width = max(math.dist(tl, tr), math.dist(bl, br))
    height = max(math.dist(tl, bl), math.dist(tr, br))
    shrink = min(1.0, (max_pixels / (width * height)) ** 0.5)
    width, height = max(1, int(width * shrink)), max(1, int(height * shrink))
    coeffs = perspective_coeffs([(0, 0), (width, 0), (width, height), (0, height)], quad)
    if coeffs is None:
        return img
    return img.transform((width, height), Image.Transform.PERSPECTIVE, coeffs, resample=Image.Resampling.BICUBIC,
                         fillcolor=255)


def perspective_coeffs(out: list[Point], src: list[Point]) -> list[float] | None:
    """Pillow's eight perspective coefficients taking each point of ``out`` to its point of ``src``."""
    rows = []
    for (x, y), (u, v) in zip(out, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    for col in range(8):  # Gaussian elimination with partial pivoting
        pivot = max(range(col, 8), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < 1e-9:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(8):
            if r != col:
                f = rows[r][col] / rows[col][col]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[col])]
    return [rows[i][8] / rows[i][i] for i in range(8)]
