"""OCR of scanned pages as a user sees it: scans at their own resolution, pages scanned upside down
or sideways, and no page image left behind (app.documents.extraction.iter_ocr_pages and friends)."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import psutil
import pytest
from fpdf import FPDF
from PIL import Image

from app.documents.extraction import (
    Limits,
    ProcessingError,
    iter_ocr_pages,
    ocr_page,
    ocr_pages_parallel,
    sandbox_server_pid,
)
from devkit.docgen import render_text_image

PDF = "application/pdf"
pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")

PAGE_A = (
    "IN THE SUPERIOR COURT OF THE STATE\n"
    "ORDER GRANTING MOTION TO CONTINUE\n"
    "The motion of the defendant to continue the trial is granted. The trial is reset to "
    "February 9, 2027 at nine in the morning in Department 12. The plaintiff shall serve notice "
    "of the new date on every party within five court days and file proof of service."
)
PAGE_B = (
    "NOTICE OF DEPOSITION\n"
    "Please take notice that the deposition of the witness will be taken on March 3, 2027 "
    "at the offices of counsel for the respondent. The deposition will be recorded by "
    "stenographic means and may be used at trial. Bring every document listed in the attached schedule."
)
PAGE_C = (
    "STIPULATION AND PROTECTIVE ORDER\n"
    "The parties agree that confidential material produced in discovery shall be used only "
    "for this litigation. Any party may challenge a designation by written notice; the "
    "designating party must respond within fourteen days or the designation is withdrawn."
)


def words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)]


def recall(truth: str, got: str) -> float:
    expected, have = words(truth), set(words(got))
    return sum(1 for w in expected if w in have) / len(expected)


def scan(text: str, dpi: int) -> Image.Image:
    """A letter page scanned at ``dpi`` (1-bit), lettering about 11.5 pt whatever the resolution."""
    return render_text_image(text, dpi=dpi, font_px=round(48 * dpi / 300))


def image_pdf(path: Path, images: list[Image.Image], dpi: int) -> Path:
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    for img in images:
        w, h = img.width * 72 / dpi, img.height * 72 / dpi
        pdf.add_page(format=(w, h))
        pdf.image(img, x=0, y=0, w=w, h=h)
    pdf.output(str(path))
    return path


def left_behind(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def ocr_children() -> list[str]:
    """tesseract and sandbox children still running (the warm sandbox's fork server stays; the
    children it forks carry its command line)."""
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.pid != sandbox_server_pid():
                out.append(" ".join(child.cmdline()[:3]))
        except psutil.Error:
            pass
    return [c for c in out if "tesseract" in c or "--sandbox-" in c]


# ------------------------------------------------------------------------------ scan resolutions


@pytest.mark.parametrize("dpi", [200, 300])
def test_scans_at_200_and_300_dpi_are_read(tmp_path, dpi):
    path = image_pdf(tmp_path / f"scan{dpi}.pdf", [scan(PAGE_A, dpi), scan(PAGE_B, dpi)], dpi)
    results = ocr_pages_parallel(path, PDF, [1, 2], workers=2)
    for number, truth in ((1, PAGE_A), (2, PAGE_B)):
        text, conf = results[number]
        assert recall(truth, text) >= 0.95, (dpi, number, text)
        assert conf > 80
    assert "February 9, 2027" in results[1][0]


def test_pages_are_rendered_at_the_scan_resolution(tmp_path):
    """White-box: the render resolution follows the embedded image (floor 150, cap ocr_dpi); pages
    without a scan keep ocr_dpi."""
    import pypdfium2 as pdfium

    from app.documents.reader.pdf import _ocr_dpi

    pages = [scan(PAGE_A, 200), scan(PAGE_A, 300), scan(PAGE_A, 100).resize((850, 1100))]
    path = tmp_path / "mixed_res.pdf"
    pdf = FPDF(unit="pt", format="letter")
    for img in pages:
        pdf.add_page()
        pdf.image(img, x=0, y=0, w=612, h=792)
    pdf.add_page()  # 600 dpi scan: capped
    pdf.image(scan(PAGE_A, 300).resize((5100, 6600)), x=0, y=0, w=612, h=792)
    pdf.add_page()  # a small logo is not a scan of the page
    pdf.image(scan(PAGE_A, 200).resize((200, 260)), x=72, y=72, w=72, h=94)
    pdf.output(str(path))
    doc = pdfium.PdfDocument(str(path))
    try:
        got = [_ocr_dpi(doc[i], Limits()) for i in range(len(doc))]
    finally:
        doc.close()
    assert got == [200, 300, 150, 300, 300]


def test_a_page_that_is_one_scan_is_read_from_the_scans_own_pixels(tmp_path):
    """White-box: tesseract gets exactly the scanned pixels (black and white stays black and white,
    not resampled to grey); a page with anything else on it is drawn by PDFium as before."""
    import pypdfium2 as pdfium

    from app.documents.reader.pdf import _render_pdf_page

    bilevel, grey = scan(PAGE_A, 300), scan(PAGE_B, 200).convert("L")
    path = image_pdf(tmp_path / "scans.pdf", [bilevel, grey], 300)
    stamped = tmp_path / "stamped.pdf"
    pdf = FPDF(unit="pt", format="letter")
    pdf.add_page()
    pdf.image(scan(PAGE_A, 200), x=0, y=0, w=612, h=792)
    pdf.set_font("helvetica", size=14)
    pdf.text(400, 60, "RECEIVED")  # a stamp over the scan: must be in the page image too
    pdf.output(str(stamped))
    doc, doc2 = pdfium.PdfDocument(str(path)), pdfium.PdfDocument(str(stamped))
    try:
        out1, dpi1 = _render_pdf_page(doc, 1, Limits(), str(tmp_path / "p1"))
        out2, dpi2 = _render_pdf_page(doc, 2, Limits(), str(tmp_path / "p2"))
        out3, dpi3 = _render_pdf_page(doc2, 1, Limits(), str(tmp_path / "p3"))
    finally:
        doc.close()
        doc2.close()
    assert (out1.endswith(".pbm"), dpi1) == (True, 300)
    with Image.open(out1) as got:
        assert got.size == bilevel.size and got.tobytes() == bilevel.convert("1").tobytes()
    with Image.open(out2) as got:  # a grey scan stays grey, pixel for pixel
        assert got.size == grey.size and got.convert("L").tobytes() == grey.tobytes()
    assert dpi3 == 200
    stamp_box = (400 * 200 // 72, 60 * 200 // 72 - 45, 400 * 200 // 72 + 260, 60 * 200 // 72 + 5)
    assert scan(PAGE_A, 200).convert("L").crop(stamp_box).getextrema() == (255, 255)  # blank in the scan
    with Image.open(out3) as got:
        assert got.convert("L").crop(stamp_box).getextrema()[0] < 128


# ----------------------------------------------------------------------------------- orientation


@pytest.mark.parametrize("turn", ["ROTATE_180", "ROTATE_90", "ROTATE_270"])
def test_pages_scanned_upside_down_or_sideways_are_read(tmp_path, turn):
    page = scan(PAGE_C, 200).transpose(getattr(Image.Transpose, turn))
    path = image_pdf(tmp_path / "turned.pdf", [page], 200)
    text, conf = ocr_page(path, PDF, 1)
    assert recall(PAGE_C, text) >= 0.95, (turn, text)
    assert "fourteen days" in text
    assert conf > 80


def test_upside_down_photo_is_read(tmp_path):
    path = tmp_path / "upside_down.png"
    scan(PAGE_B, 200).convert("L").rotate(180).save(path, dpi=(200, 200))
    text, _ = ocr_page(path, "image/png", 1)
    assert recall(PAGE_B, text) >= 0.95, text


def test_upright_and_turned_pages_in_one_document(tmp_path):
    images = [scan(PAGE_A, 200), scan(PAGE_B, 200).rotate(180), scan(PAGE_C, 200)]
    path = image_pdf(tmp_path / "mixed.pdf", images, 200)
    results = ocr_pages_parallel(path, PDF, [1, 2, 3], workers=2)
    for number, truth in ((1, PAGE_A), (2, PAGE_B), (3, PAGE_C)):
        assert recall(truth, results[number][0]) >= 0.95, (number, results[number][0])


# ------------------------------------------------------------------------------ temporary files


@pytest.fixture
def three_pages(tmp_path):
    return image_pdf(tmp_path / "three.pdf", [scan(t, 200) for t in (PAGE_A, PAGE_B, PAGE_C)], 200)


@pytest.mark.parametrize("sandbox", [True, False])
def test_page_images_live_in_the_private_folder_and_are_removed(tmp_path, three_pages, sandbox):
    work = tmp_path / "step"
    work.mkdir(mode=0o700)
    seen = []
    rows = {}
    for number, text, conf in iter_ocr_pages(three_pages, PDF, [1, 2, 3], Limits(sandbox=sandbox), workers=2,
                                             tmp_dir=str(work)):
        seen.append(left_behind(work))  # the call's own folder, inside the step's
        rows[number] = text
    assert sorted(rows) == [1, 2, 3]
    assert all(entries and entries[0].startswith("caseos-") for entries in seen), seen
    assert left_behind(work) == []
    assert ocr_children() == []


def test_temp_files_removed_when_a_page_fails(tmp_path):
    pdf = FPDF(unit="pt", format="letter")
    pdf.add_page()
    pdf.image(scan(PAGE_A, 200), x=0, y=0, w=612, h=792)
    pdf.add_page()
    pdf.image(scan(PAGE_B, 200), x=0, y=0, w=612, h=792)
    pdf.add_page(format=(20000, 400))  # beyond the PDF page size limit
    path = tmp_path / "bad_last_page.pdf"
    pdf.output(str(path))
    work = tmp_path / "step"
    work.mkdir()
    with pytest.raises(ProcessingError) as exc:
        ocr_pages_parallel(path, PDF, [1, 2, 3], workers=2, tmp_dir=str(work))
    assert exc.value.code == "page_too_large"
    assert left_behind(work) == []
    assert ocr_children() == []


def test_temp_files_removed_on_timeout_and_when_the_caller_stops(tmp_path, three_pages):
    work = tmp_path / "step"
    work.mkdir()
    with pytest.raises(ProcessingError) as exc:
        ocr_pages_parallel(three_pages, PDF, [1, 2, 3], Limits(ocr_timeout_per_page=0.01), workers=2,
                           tmp_dir=str(work))
    assert exc.value.code == "ocr_timeout"
    assert left_behind(work) == []

    def stop(number, done, total):
        raise KeyError("the step gave up")

    with pytest.raises(KeyError):
        ocr_pages_parallel(three_pages, PDF, [1, 2, 3], workers=2, on_page=stop, tmp_dir=str(work))
    assert left_behind(work) == []
    assert ocr_children() == []


def test_page_out_of_range_is_refused_before_any_work(tmp_path, three_pages):
    work = tmp_path / "step"
    work.mkdir()
    with pytest.raises(ValueError):
        list(iter_ocr_pages(three_pages, PDF, [1, 4], tmp_dir=str(work)))
    assert left_behind(work) == []
    assert os.listdir(work) == []
