"""Generate test PDFs with known text, in code (no binary fixtures needed).

* ``make_mixed_pdf(path)``: page 1 born-digital (real text layer), page 2 scanned (image only).
* ``make_scanned_pdf(path, pages)``: image-only pages showing the given text, for OCR/search tests.

Both return the expected text of each page (list index 0 = page 1). Text is drawn with DejaVu Sans
when available (``fc-list``: /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf), otherwise with
Pillow's built-in font at the same pixel size; nothing is installed. Scanned pages are 1-bit images
at 200 dpi with 32 px letters (48 px at 300 dpi, about 11.5 pt), which tesseract reads reliably.
"""
from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)

SCAN_DPI = 200
FONT_PX = 32  # at SCAN_DPI: 48 px at 300 dpi
PAGE_W_IN, PAGE_H_IN = 8.5, 11.0

MIXED_PAGE_1 = (
    "UNITED STATES DISTRICT COURT\n"
    "NORTHERN DISTRICT OF EXAMPLE\n"
    "ORDER SETTING STATUS CONFERENCE\n"
    "The parties shall appear for a status conference on March 12, 2026 at 10:00 AM.\n"
    "Each party must file a joint status report within 14 days of the date of this order."
)
MIXED_PAGE_2 = (
    "NOTICE OF HEARING\n"
    "The hearing on the motion to dismiss is set for January 5, 2026\n"
    "in Courtroom 4 before the assigned judge.\n"
    "Any opposition must be filed within 21 days of service."
)


def font_path() -> str | None:
    for candidate in FONT_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return None


def _font(px: int):
    path = font_path()
    if path:
        return ImageFont.truetype(path, px)
    try:
        return ImageFont.load_default(size=px)  # Pillow >= 10.1 with FreeType
    except TypeError:  # pragma: no cover - very old Pillow
        return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        line = words[0]
        for word in words[1:]:
            candidate = f"{line} {word}"
            if draw.textlength(candidate, font=font) <= max_width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def render_text_image(text: str, dpi: int = SCAN_DPI, font_px: int = FONT_PX) -> Image.Image:
    """A white letter-size page (1-bit) with ``text`` in black, wrapped inside 1-inch margins."""
    width, height = int(PAGE_W_IN * dpi), int(PAGE_H_IN * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = _font(font_px)
    margin = dpi  # 1 inch
    y = margin
    line_height = int(font_px * 1.5)
    for line in _wrap(draw, text, font, width - 2 * margin):
        if y + line_height > height - margin:
            raise ValueError("text does not fit on one page")
        if line:
            draw.text((margin, y), line, fill=0, font=font)
        y += line_height
    return image.convert("1", dither=Image.Dither.NONE)


def _new_pdf() -> FPDF:
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_creator("CaseOS tests/docgen.py")
    return pdf


def _add_scanned_page(pdf: FPDF, text: str) -> None:
    pdf.add_page()
    pdf.image(render_text_image(text), x=0, y=0, w=PAGE_W_IN * 72, h=PAGE_H_IN * 72)


def _add_text_page(pdf: FPDF, text: str) -> None:
    pdf.add_page()
    path = font_path()
    if path:
        pdf.add_font("DocGenSans", "", path)
        pdf.set_font("DocGenSans", size=12)
    else:  # core font: latin-1 text only (our texts are ASCII)
        pdf.set_font("Helvetica", size=12)
    pdf.set_xy(72, 72)
    for line in text.split("\n"):
        pdf.multi_cell(612 - 144, 18, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(72)


def make_mixed_pdf(path) -> list[str]:
    """Write a 2-page PDF: page 1 has a real text layer, page 2 is a scanned image with no text layer.

    Returns the expected text of each page."""
    pdf = _new_pdf()
    _add_text_page(pdf, MIXED_PAGE_1)
    _add_scanned_page(pdf, MIXED_PAGE_2)
    pdf.output(str(Path(path)))
    return [MIXED_PAGE_1, MIXED_PAGE_2]


def make_scanned_pdf(path, pages: list[str]) -> list[str]:
    """Write an image-only PDF, one page per string of ``pages`` (each must fit on one page at about
    11.5 pt: roughly 25 lines of 60 characters). Returns the expected text of each page."""
    return _make_pdf(path, pages, _add_scanned_page)


def make_text_pdf(path, pages: list[str]) -> list[str]:
    """Write a born-digital PDF (a real text layer), one page per string of ``pages``."""
    return _make_pdf(path, pages, _add_text_page)


def _make_pdf(path, pages: list[str], add_page) -> list[str]:
    if not pages:
        raise ValueError("at least one page is needed")
    pdf = _new_pdf()
    for text in pages:
        add_page(pdf, text)
    pdf.output(str(Path(path)))
    return list(pages)
