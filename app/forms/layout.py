"""Fitting text into a widget: font metrics from the field's /DA, wrapping, font sizes, /MaxLen."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from app.forms.library import _FF_MULTILINE, _LEADING
from app.forms.pdf_fields import _PdfField

# --------------------------------------------------------------------------------------------
# Text layout estimation (decides what overflows into the addendum)
# --------------------------------------------------------------------------------------------

_DA_TF = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+([-+]?\d*\.?\d+)\s+Tf")


def _parse_da(da: str | None) -> tuple[str, float]:
    if not da:
        return "Helv", 0.0
    raw = da.encode("latin-1", "replace")
    found = _DA_TF.findall(raw)
    if not found:
        return "Helv", 0.0
    font, size = found[-1]
    return font.decode("latin-1"), float(size)


class _Metrics:
    """String widths in points, from fpdf2's core-font metrics (Helvetica / Times / Courier)."""

    def __init__(self) -> None:
        from fpdf import FPDF

        self._pdf = FPDF(unit="pt")
        self._current: tuple[str, float] | None = None

    @staticmethod
    def family(font_name: str) -> str:
        n = font_name.lower()
        if "cour" in n:
            return "courier"
        if "tim" in n or "tiro" in n or "serif" in n:
            return "times"
        return "helvetica"

    def width(self, text: str, family: str, size: float) -> float:
        if self._current != (family, size):
            self._pdf.set_font(family, size=size)
            self._current = (family, size)
        safe = "".join(c if ord(c) < 256 else "m" for c in text)
        try:
            return float(self._pdf.get_string_width(safe))
        except Exception:  # pragma: no cover - defensive
            return len(text) * size * 0.55


@dataclass
class _Box:
    width: float      # usable text width
    height: float     # usable text height
    multiline: bool
    font: str         # fpdf family used for measuring
    size: float       # DA size; 0 = auto
    maxlen: int | None


def _box_for(f: _PdfField) -> _Box:
    widths, heights = [], []
    for w in f.widgets:
        if "/Rect" not in w:
            continue
        r = [float(x) for x in w["/Rect"]]
        bw = 1.0
        bs = w.get("/BS") or f.node.get("/BS")
        if bs is not None:
            bs = bs.get_object()
            try:
                bw = float(bs.get("/W", 1))
            except (TypeError, ValueError):
                bw = 1.0
            if bs.get("/S") in ("/B", "/I"):
                bw *= 2
        pad = max(bw, 1.0)
        widths.append(abs(r[2] - r[0]) - 6 * pad)
        heights.append(abs(r[3] - r[1]) - 2 * bw)
    font, size = _parse_da(f.da)
    return _Box(
        width=max(min(widths) if widths else 0.0, 1.0),
        height=max(min(heights) if heights else 0.0, 1.0),
        multiline=bool(f.flags & _FF_MULTILINE),
        font=_Metrics.family(font),
        size=size,
        maxlen=f.maxlen,
    )


def _wrap(text: str, box: _Box, size: float, m: _Metrics) -> list[str]:
    lines: list[str] = []
    for para in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        words = para.split(" ")
        line = ""
        for word in words:
            candidate = word if not line else f"{line} {word}"
            if m.width(candidate, box.font, size) <= box.width:
                line = candidate
                continue
            if line:
                lines.append(line)
                line = ""
            # the word alone is too long: hard-break it (binary search for the longest prefix that fits)
            while word and m.width(word, box.font, size) > box.width:
                lo, hi = 1, len(word)
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if m.width(word[:mid], box.font, size) <= box.width:
                        lo = mid
                    else:
                        hi = mid - 1
                lines.append(word[:lo])
                word = word[lo:]
            line = word
        lines.append(line)
    return lines


def _candidate_sizes(box: _Box) -> list[float]:
    if box.size > 0 and box.multiline:
        return [box.size]
    if box.size > 0:  # one line at a fixed size may shrink by a quarter (not below 7 pt) before the addendum
        low = max(min(7.0, box.size), box.size * 0.75)
        sizes, s = [], box.size
        while s >= low - 1e-9:
            sizes.append(round(s, 1))
            s -= 0.5
        return sizes
    if box.multiline:
        top, low = 10.0, 7.0
    else:
        top = min(11.0, max(6.0, box.height / _LEADING))
        low = min(top, 7.0)
    sizes, s = [], top
    while s >= low - 1e-9:
        sizes.append(round(s, 1))
        s -= 0.5
    return sizes or [top]


def _layout(text: str, box: _Box, m: _Metrics) -> tuple[str, float] | None:
    """Return (text to draw, font size) if ``text`` fits the box, else None."""
    if box.maxlen is not None and len(text) > box.maxlen:
        return None
    for size in _candidate_sizes(box):
        if box.multiline:
            lines = _wrap(text, box, size, m)
            max_lines = max(1, int((box.height + 0.5) // (_LEADING * size)))
            if len(lines) <= max_lines:
                return "\n".join(lines), size
        else:
            if "\n" in text or "\r" in text:
                return None
            if m.width(text, box.font, size) <= box.width:
                return text, size
    return None


def estimate_max_chars(sizes: Iterable[tuple[float, float]], da: str | None, flags: int,
                       maxlen: int | None) -> int:
    """Rough capacity (characters) of a text field: width / (size * 0.5) per line, lines by height."""
    _, size = _parse_da(da)
    multiline = bool(flags & _FF_MULTILINE)
    size = size or 10.0  # auto-sized fields: assume 10 pt
    best = None
    for w, h in sizes:
        per_line = max(1, int((w - 6) // (size * 0.5)))
        lines = max(1, int((h - 2) // (_LEADING * size))) if multiline else 1
        cap = per_line * lines
        best = cap if best is None else min(best, cap)
    best = best or 0
    if maxlen is not None:
        best = min(best, maxlen) if best else maxlen
    return best
