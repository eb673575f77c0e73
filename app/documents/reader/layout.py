"""A PDF page's text in the order a reader sees it, when the file's own order is not that order.

PDFium gives a page's text in content-stream order, which is reading order for almost every court
paper. Two kinds of page break that: a form filled and then flattened (all the printed labels first,
then all the typed values, so "Name of Plaintiff:" and the name end up far apart), and a form filled
but not flattened (the values live in form fields, which are not page text at all). For those, the
page is rebuilt from PDFium's text segments (one per run of characters on one line, with its box)
and the fields' values at their boxes: segments on the same line are joined left to right, lines
are read top to bottom.

A page keeps PDFium's own text unless it has filled fields, or several lines whose segments are
far apart in the stream and whose left part reads like a label (short, or ending with ":"), so
two-column prose is never interleaved. Only geometry is read for that test, so an ordinary page
costs one PDFium call more than before.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

MAX_SEGMENTS = 5000  # a page with more is left as PDFium reads it (a data table, not a form)
MAX_CHARS = 100_000
MAX_WIDGETS = 1000


@dataclass
class Segment:
    left: float
    bottom: float
    right: float
    top: float
    index: int  # position in the content stream (fields come after every segment)
    text: str | None = None

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 0.1)


def page_text(pdf, page, textpage, plain: str) -> str:
    """``plain`` (PDFium's text of the page), or the page read in visual order when it needs it."""
    import pypdfium2.raw as raw

    n = raw.FPDFText_CountRects(textpage, 0, -1)
    if n <= 0 or n > MAX_SEGMENTS:
        return plain
    widgets = _widget_values(pdf, page, MAX_CHARS, plain)
    if not widgets and not _labels_apart_from_values(textpage, visual_lines(_segments(textpage, n))):
        return plain
    segments, turned = _char_segments(textpage)
    lines = visual_lines(segments + widgets)
    return "\n".join([_join_line(line) for line in lines if any((s.text or "").strip() for s in line)] + turned)


def _char_segments(textpage) -> tuple[list[Segment], list[str]]:
    """Runs of characters on one line, with their text (exactly PDFium's characters, each once):
    a run ends at a line break, where the next character is not on the same line, or after a gap
    wider than two line heights. Boxes are the fonts' (loose) boxes, so a hyphen sits on its line.
    Turned text (a notice printed up the margin) comes back apart, one string per run."""
    import pypdfium2.raw as raw

    segments: list[Segment] = []
    current: Segment | None = None
    turned: list[str] = []  # text not written left to right (a margin note up the side): kept apart
    rect = raw.FS_RECTF()
    for i in range(min(raw.FPDFText_CountChars(textpage), MAX_CHARS)):
        code = raw.FPDFText_GetUnicode(textpage, i)
        ch = chr(code) if 0 < code < 0x110000 else ""
        if ch in ("", "\r", "\n"):
            current = None
            continue
        angle = raw.FPDFText_GetCharAngle(textpage, i)
        if 0.05 < angle < 6.23:
            turned.append(ch)
            current = None
            continue
        if turned and turned[-1] != "\n":
            turned.append("\n")
        has_box = raw.FPDFText_GetLooseCharBox(textpage, i, ctypes.byref(rect)) and rect.right > rect.left
        if ch.isspace() or not has_box:
            if current is not None:
                current.text += " "
            continue
        left, right = rect.left, rect.right
        bottom, top = min(rect.bottom, rect.top), max(rect.bottom, rect.top)
        if current is not None and _continues(current, left, bottom, top):
            current.right, current.text = max(current.right, right), current.text + ch
            continue
        current = Segment(left, bottom, right, top, i, ch)
        segments.append(current)
    return segments, [" ".join(t.split()) for t in "".join(turned).split("\n") if t.strip()]


def _continues(seg: Segment, left: float, bottom: float, top: float) -> bool:
    height = max(min(seg.height, top - bottom), 0.1)
    same_line = abs((seg.top + seg.bottom) / 2 - (top + bottom) / 2) <= 0.5 * height
    return same_line and -height <= left - seg.right <= 2 * height


def _segments(textpage, n: int) -> list[Segment]:
    import pypdfium2.raw as raw

    out = []
    left, top, right, bottom = (ctypes.c_double() for _ in range(4))
    for i in range(n):
        if raw.FPDFText_GetRect(textpage, i, ctypes.byref(left), ctypes.byref(top), ctypes.byref(right),
                                ctypes.byref(bottom)):
            out.append(Segment(left.value, bottom.value, right.value, top.value, i))
    return out


def _text_in(textpage, seg: Segment) -> str:
    import pypdfium2.raw as raw

    args = (textpage, seg.left, seg.top, seg.right, seg.bottom)
    n = raw.FPDFText_GetBoundedText(*args, None, 0)
    if n <= 0:
        return ""
    buf = ctypes.create_string_buffer(n * 2 + 2)
    got = raw.FPDFText_GetBoundedText(*args, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), n)
    return buf.raw[:max(got, 0) * 2].decode("utf-16-le", errors="replace").replace("\x00", "").strip()


def visual_lines(segments: list[Segment]) -> list[list[Segment]]:
    """Segments grouped into lines (their vertical middles within half a line of each other), lines
    top to bottom, segments left to right."""
    lines: list[list[Segment]] = []
    for seg in sorted(segments, key=lambda s: -(s.top + s.bottom) / 2):
        middle = (seg.top + seg.bottom) / 2
        if lines:
            ref = lines[-1][-1]  # the nearest one above: a field box a little lower than its label still joins it
            if abs((ref.top + ref.bottom) / 2 - middle) <= 0.5 * min(ref.height, seg.height):
                lines[-1].append(seg)
                continue
        lines.append([seg])
    return [sorted(line, key=lambda s: s.left) for line in lines]


def _labels_apart_from_values(textpage, lines: list[list[Segment]]) -> bool:
    """True when at least two lines join segments the stream keeps apart (another line's text comes
    between them) and most of their left parts read like labels, not like a column of prose."""
    split = []
    for line in lines:
        if len(line) < 2:
            continue
        order = sorted(s.index for s in line)
        if order[-1] - order[0] >= len(order):  # not one run of the stream: something else in between
            split.append(line)
    multi = sum(1 for line in lines if len(line) > 1)
    if len(split) < 2 or len(split) < 0.25 * multi:
        return False
    labels = sum(1 for line in split if _is_label(_text_in(textpage, line[0])))
    return labels >= 2 and labels >= 0.6 * len(split)


def _is_label(text: str) -> bool:
    """A form's printed label waiting for its value: "Name of Plaintiff:", "Case No. ____"."""
    text = text.rstrip()
    return text.endswith((":", "_", "#", "No.", "$")) and len(text.split()) <= 8


def _join_line(line: list[Segment]) -> str:
    out = ""
    prev = None
    for seg in line:
        text = (seg.text or "").strip()
        if not text:
            continue
        if prev is not None:
            gap = seg.left - prev.right
            out += "  " if gap > 2 * min(prev.height, seg.height) else " "
        out += text
        prev = seg
    return out


# ------------------------------------------------------------------------------------ form fields


def _widget_values(pdf, page, first_index: int, plain: str) -> list[Segment]:
    """Values of the page's filled form fields as segments at their boxes (a ticked box reads "[X]");
    empty fields, and values the page already prints, are left out."""
    import pypdfium2.raw as raw

    formenv = getattr(pdf, "formenv", None)
    if formenv is None:
        return []
    handle = formenv.raw if hasattr(formenv, "raw") else formenv
    out: list[Segment] = []
    count = min(raw.FPDFPage_GetAnnotCount(page), MAX_WIDGETS)
    rect = raw.FS_RECTF()
    for i in range(count):
        annot = raw.FPDFPage_GetAnnot(page, i)
        if not annot:
            continue
        try:
            if raw.FPDFAnnot_GetSubtype(annot) != raw.FPDF_ANNOT_WIDGET or not raw.FPDFAnnot_GetRect(
                    annot, ctypes.byref(rect)):
                continue
            value = _field_value(handle, annot)
        finally:
            raw.FPDFPage_CloseAnnot(annot)
        if value and (value == "[X]" or value not in plain):
            # a field's text sits at the bottom of its box: as tall as a line of text, not as the box
            bottom = min(rect.bottom, rect.top)
            top = min(max(rect.bottom, rect.top), bottom + 10)
            out.append(Segment(min(rect.left, rect.right), bottom + 1, max(rect.left, rect.right), top,
                               first_index + len(out), value))
    return out


def _field_value(handle, annot) -> str:
    import pypdfium2.raw as raw

    kind = raw.FPDFAnnot_GetFormFieldType(handle, annot)
    if kind in (raw.FPDF_FORMFIELD_CHECKBOX, raw.FPDF_FORMFIELD_RADIOBUTTON):
        return "[X]" if raw.FPDFAnnot_IsChecked(handle, annot) else ""
    if kind not in (raw.FPDF_FORMFIELD_TEXTFIELD, raw.FPDF_FORMFIELD_COMBOBOX, raw.FPDF_FORMFIELD_LISTBOX):
        return ""
    size = raw.FPDFAnnot_GetFormFieldValue(handle, annot, None, 0)
    if size <= 2 or size > 200_000:
        return ""
    buf = ctypes.create_string_buffer(size)
    raw.FPDFAnnot_GetFormFieldValue(handle, annot, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)), size)
    return " ".join(buf.raw[:size].decode("utf-16-le", errors="replace").replace("\x00", "").split())
