"""Phone photos of paper: light evened out and text lines levelled before OCR, so recall holds."""
from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from app.documents import extraction
from app.documents.reader import keystone, photo
from tests.e2e.helpers import word_recall

ROOT = Path(__file__).resolve().parents[2]
NOTICE = ROOT / "tests" / "fixtures" / "born_digital" / "ca2_clerk_notice_1-1.pdf"
RECALL_FLOOR = 0.97  # without the warp this photo read 0.85 of its words, and not its title


def _degrade():
    spec = importlib.util.spec_from_file_location("eval_degrade", ROOT / "scripts" / "eval_degrade.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def text_page(angle: float = 0.0) -> Image.Image:
    img = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=28)
    for i in range(14):
        draw.text((60, 40 + 60 * i), f"Line {i}: the tenant must answer the complaint within 20 days.", fill=0,
                  font=font)
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255) if angle else img


@pytest.mark.parametrize("angle", [-7.0, -3.0, 2.0, 6.5])
def test_skew_is_found(angle):
    assert photo.skew_angle(text_page(angle)) == pytest.approx(-angle, abs=0.5)


def test_a_huge_photo_is_reduced_before_the_light_is_evened():
    big = Image.new("L", (6000, 8000), 200)
    out = photo.prepare(big)
    assert out.width * out.height <= photo.MAX_PIXELS and out.width / out.height == pytest.approx(0.75, abs=0.01)


def test_a_level_evenly_lit_scan_is_left_as_it_is():
    page = text_page()
    assert photo.skew_angle(page) == 0.0
    assert photo.even_light(page) is page
    bilevel = page.convert("1")
    assert photo.prepare(bilevel) is bilevel


def test_askew_phone_photo_is_read(tmp_path):
    """A phone photo (perspective, uneven light, colour cast, blur, noise) held 6 degrees off: without
    levelling, recall on such photos fell to 0.26-0.97 (bench/photos.py)."""
    degrade = _degrade()
    rng = random.Random(3)
    image = degrade.photo(degrade.render(NOTICE, [1], 150)[0], rng, 150)
    image = image.rotate(6.0, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(70, 62, 55))
    path = tmp_path / "photo.jpg"
    image.save(path, "JPEG", quality=88)
    text, _ = extraction.ocr_page(path, "image/jpeg", 1)
    truth = pdfium.PdfDocument(NOTICE)[0].get_textpage().get_text_bounded()
    assert word_recall(truth, text) >= 0.9
    assert "17-3510" in text


# ------------------------------------------------------------------------------ keystone (perspective)

def on_table(page: Image.Image, corners: list[tuple[float, float]], size: tuple[int, int]) -> Image.Image:
    """``page`` photographed so its corners (top-left, top-right, bottom-right, bottom-left) land at
    ``corners`` on a dark table of ``size``."""
    w, h = page.size
    coeffs = keystone.perspective_coeffs(corners, [(0, 0), (w, 0), (w, h), (0, h)])
    return page.transform(size, Image.Transform.PERSPECTIVE, coeffs, resample=Image.Resampling.BICUBIC,
                          fillcolor=70)


def test_the_sheet_of_a_keystoned_photo_is_found_and_made_a_rectangle():
    corners = [(260.0, 110.0), (1060.0, 130.0), (1240.0, 900.0), (90.0, 880.0)]
    shot = on_table(text_page(), corners, (1340, 1000))
    found = keystone.sheet_corners(shot)
    assert found is not None
    for (x, y), (tx, ty) in zip(found, corners):
        assert abs(x - tx) <= 12 and abs(y - ty) <= 12
    flat = keystone.correct(shot)
    # no table left around the sheet, and the sheet is upright: its text lines are level again
    assert flat.getpixel((5, 5)) > 200 and flat.getpixel((flat.width - 5, flat.height - 5)) > 200
    assert photo.skew_angle(flat) == 0.0
    small = keystone.correct(shot, max_pixels=200_000)  # never larger than the sandbox allows
    assert small.width * small.height <= 200_000 and small.width / small.height == pytest.approx(
        flat.width / flat.height, abs=0.02)


def test_a_flat_scan_or_a_sheet_cut_by_the_frame_is_left_as_it_is():
    page = text_page()
    assert keystone.correct(page) is page  # a scan: the paper is the whole image
    cut = on_table(text_page(), [(-80.0, 60.0), (1100.0, 40.0), (1180.0, 980.0), (-120.0, 990.0)], (1240, 1000))
    assert keystone.correct(cut) is cut  # the sheet runs off the photo: its corners are not all known
    square = on_table(text_page(), [(100.0, 80.0), (1300.0, 80.0), (1300.0, 980.0), (100.0, 980.0)], (1400, 1060))
    assert keystone.correct(square) is square  # square to the frame already: nothing to warp


def test_keystoned_phone_photo_is_read(tmp_path):
    """A phone photo taken from well below the page (its far edge about a third narrower than its
    near one), with uneven light, colour cast, blur and noise: the sheet is warped back to a
    rectangle before OCR, and the page's words and case number are read."""
    degrade = _degrade()
    image = degrade.photo(degrade.render(NOTICE, [1], 200)[0], random.Random(2), 200, keystone=(0.16, 0.18))
    path = tmp_path / "keystoned.jpg"
    image.save(path, "JPEG", quality=88)
    text, _ = extraction.ocr_page(path, "image/jpeg", 1)
    truth = pdfium.PdfDocument(NOTICE)[0].get_textpage().get_text_bounded()
    assert word_recall(truth, text) >= RECALL_FLOOR
    assert "17-3510" in text and "DOCKETING NOTICE" in text
