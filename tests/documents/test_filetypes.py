"""Content sniffing, safe file names and Content-Disposition headers."""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, features

from app.documents.filetypes import DOCX, HTML, SUPPORTED_TYPES, content_disposition, safe_filename, sniff

FIX = Path(__file__).resolve().parent.parent / "fixtures"


def head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(8192)


def image_bytes(fmt: str, mode: str = "RGB", **kw) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (32, 24), "white").save(buf, format=fmt, **kw)
    return buf.getvalue()


# ------------------------------------------------------------------------------------- supported


@pytest.mark.parametrize(
    "relpath, expected",
    [
        ("born_digital/ca10_order_show_cause_010110462922.pdf", "application/pdf"),
        ("scanned/cand_scan_bad_textlayer_dkt27.pdf", "application/pdf"),
        ("scanned/linn.png", "image/png"),
        ("scanned/tess_phototest.tif", "image/tiff"),
        ("scanned/linn.truth.txt", "text/plain"),
        ("born_digital/ca2_clerk_notice_1-1.truth.json", "text/plain"),
        # content wins over the name
        ("hostile/png_with_pdf_extension.pdf", "image/png"),
        ("hostile/invalid_header_and_eof_only.pdf", "application/pdf"),
        ("hostile/trailing_garbage_scan-bad.pdf", "application/pdf"),
    ],
)
def test_sniff_fixtures(relpath, expected):
    assert sniff(head(FIX / relpath)) == expected


def test_sniff_generated_images():
    assert sniff(image_bytes("JPEG")) == "image/jpeg"
    assert sniff(image_bytes("PNG")) == "image/png"
    assert sniff(image_bytes("TIFF")) == "image/tiff"
    assert sniff(image_bytes("TIFF", mode="1", compression="group4")) == "image/tiff"
    assert sniff(b"MM\x00*\x00\x00\x00\x08") == "image/tiff"  # big-endian TIFF


def test_sniff_pdf_header_offset():
    assert sniff(b"\x00" * 500 + b"%PDF-1.7\n") == "application/pdf"  # junk before the header is allowed
    assert sniff(b"A" * 1100 + b"%PDF-1.7\n") != "application/pdf"  # ... only in the first 1024 bytes


def test_sniff_text_variants():
    assert sniff("Plain notice.\nHearing on 5 January.\n".encode()) == "text/plain"
    assert sniff("\ufeffWith a BOM".encode("utf-8")) == "text/plain"
    assert sniff("Audiencia el 5 de enero, señor Muñoz".encode("latin-1")) == "text/plain"
    assert sniff("“Smart quotes” – cp1252".encode("cp1252")) == "text/plain"
    assert sniff(b"\xfe\xff" + "Big-endian UTF-16".encode("utf-16-be")) == "text/plain"
    assert sniff(b"\xff\xfe" + "Notice in UTF-16".encode("utf-16-le")) == "text/plain"
    # a multibyte character cut by the 8 KiB window
    data = ("€" * 5000).encode("utf-8")
    assert len(data) > 8192 and 8192 % 3 != 0
    assert sniff(data[:8192]) == "text/plain"
    assert sniff("Page 1\fPage 2\f".encode()) == "text/plain"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<?xml version='1.0'?><root/>",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"Hello there\n<script>alert(1)</script>\n",
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
        b"\x7fELF\x02\x01\x01\x00",
        b"{\\rtf1\\ansi hello}",
        b"%!PS-Adobe-3.0\n",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
        b"\x00\x01\x02\x03binary\x00\x00\xff\xfe\xfd",
        bytes(range(256)) * 4,
        b"   \n\t  \n",
    ],
)
def test_sniff_unsupported(data):
    assert sniff(data) is None


def test_sniff_office_and_archives():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    assert sniff(buf.getvalue()) == DOCX  # read as text (tests/documents/test_inputs.py)
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) is None  # legacy .doc


def test_sniff_webp_and_html_pages():
    data = image_bytes("WEBP") if features.check("webp") else b"RIFF\x24\x00\x00\x00WEBPVP8 "
    assert sniff(data) == "image/webp"
    assert sniff(b"<!DOCTYPE html><html><body>hi</body></html>") == HTML
    assert sniff(b"  \n<html><head><title>x</title></head></html>") == HTML
    # a published opinion saved as a fragment of a page is a web page too, read without its markup
    assert sniff(b"<section class=\"opinion\">\n<p>IN THE COURT OF APPEALS</p></section>") == HTML
    assert sniff(b"<article><h1>Order</h1></article>") == HTML


@given(st.binary(max_size=4096))
@settings(max_examples=200, deadline=None)
def test_sniff_never_raises(data):
    assert sniff(data) in (None, *SUPPORTED_TYPES)


# ---------------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name, expected",
    [
        ("order.pdf", "order.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Desktop\\Motion.pdf", "Motion.pdf"),
        ('my "final" motion.pdf', "my _final_ motion.pdf"),
        ("evil\u202egpj.exe", "evilgpj.exe"),  # bidi override removed
        ("line\r\nbreak.pdf", "linebreak.pdf"),
        ("  spaced   out  .pdf ", "spaced out .pdf"),
        ("法院命令.pdf", "法院命令.pdf"),
        ("Moción de desalojo.pdf", "Moción de desalojo.pdf"),
        ("e\u0301.txt", "é.txt"),  # NFC
        ("con.txt", "_con.txt"),
        ("", "document"),
        ("...", "document"),
        ("/", "document"),
        ("\x00\x01", "document"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_length_keeps_extension():
    name = safe_filename("a" * 400 + ".pdf")
    assert len(name) == 150 and name.endswith(".pdf")
    name = safe_filename("長" * 400)
    assert len(name) == 150


@given(st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_safe_filename_properties(name):
    out = safe_filename(name)
    assert 0 < len(out) <= 150
    assert "/" not in out and "\\" not in out and '"' not in out and "'" not in out
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in out)
    assert out not in (".", "..") and not out.startswith(" ")


# ---------------------------------------------------------------------------- Content-Disposition


def _parse(header: str) -> dict:
    parts = [p.strip() for p in header.split(";")]
    out = {"type": parts[0]}
    for part in parts[1:]:
        key, _, value = part.partition("=")
        out[key] = value
    return out


def test_content_disposition_ascii():
    header = content_disposition("Order to Show Cause.pdf")
    assert header == (
        "attachment; filename=\"Order to Show Cause.pdf\"; filename*=UTF-8''Order%20to%20Show%20Cause.pdf"
    )
    assert content_disposition("a.pdf", attachment=False).startswith("inline; ")


def test_content_disposition_unicode_and_hostile():
    header = content_disposition('Moción "urgente";\r\nSet-Cookie: x=1.pdf')
    assert "\r" not in header and "\n" not in header
    header.encode("ascii")  # headers stay ASCII
    parsed = _parse(header)
    assert parsed["type"] == "attachment"
    fallback = parsed["filename"]
    assert fallback.startswith('"') and fallback.endswith('"') and '"' not in fallback[1:-1]
    assert parsed["filename*"].startswith("UTF-8''")
    decoded = unquote(parsed["filename*"][len("UTF-8''"):], encoding="utf-8")
    assert decoded == safe_filename('Moción "urgente";\r\nSet-Cookie: x=1.pdf')
    assert "Moción" in decoded

    parsed = _parse(content_disposition("法院命令.pdf"))
    assert parsed["filename"] == '"document.pdf"'
    assert unquote(parsed["filename*"][7:]) == "法院命令.pdf"


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_content_disposition_properties(name):
    header = content_disposition(name)
    header.encode("ascii")
    assert "\r" not in header and "\n" not in header
    match = re.fullmatch(r"attachment; filename=\"([^\"\\]*)\"; filename\*=UTF-8''([A-Za-z0-9%!#$&+\-.^_`|~]+)", header)
    assert match, header
    assert unquote(match.group(2), encoding="utf-8", errors="strict") == safe_filename(name)
