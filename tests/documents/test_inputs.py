"""Word files, web pages, e-mail messages and phone photos: read as text, with their own guards.

Everything runs through the public extraction API (so through the sandbox child, as the worker does).
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from app.documents import extraction
from app.documents.extraction import ProcessingError
from app.documents.filetypes import DOCX, EML, HTML, download_name, sniff
from tests.documents import samples


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def text_of(path) -> str:
    return "\n\f\n".join(p.text for p in extraction.extract_text_layer(path, "application/octet-stream"))


# ------------------------------------------------------------------------------------------- types


def test_new_types_are_recognised_by_their_bytes_not_their_names():
    assert sniff(samples.eviction_docx()) == DOCX
    assert sniff(samples.court_notice_html()) == HTML
    assert sniff(samples.nef_email()) == EML
    assert sniff(samples.nef_email(html_only=True)) == EML  # an HTML body does not make it a web page
    assert sniff(photo("HEIF")) == "image/heic"
    assert sniff(photo("WEBP")) == "image/webp"
    # a ZIP that is not a Word file, SVG, XML and a script in plain text stay refused
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.pdf", b"%PDF-1.4 polyglot")
    assert sniff(buf.getvalue()) is None
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>") is None
    assert sniff(b"<?xml version='1.0'?><root/>") is None
    assert sniff(b"Dear tenant,\n<script>fetch('/api')</script>\n") is None
    assert sniff(b"RIFF\x24\x00\x00\x00WAVEfmt ") is None  # a sound file


def test_downloads_keep_the_real_type_extension():
    assert download_name("notice.htm", HTML) == "notice.htm"
    assert download_name("notice.txt", HTML) == "notice.txt.html"
    assert download_name("IMG_0001.HEIC", "image/heic") == "IMG_0001.HEIC"
    assert download_name("message", EML) == "message.eml"
    assert download_name("order.doc", DOCX) == "order.doc.docx"


# -------------------------------------------------------------------------------------------- Word


def test_word_file_reads_labels_with_their_values_and_page_breaks(tmp_path):
    pages = extraction.extract_text_layer(write(tmp_path, "a.docx", samples.eviction_docx()), DOCX)
    assert len(pages) == 2 and not any(p.needs_ocr for p in pages)
    lines = pages[0].text.splitlines()
    assert any(line.startswith("Plaintiff:") and "Riverside Property Management LLC" in line for line in lines)
    assert any(line.startswith("Defendant:") and "Maria Gonzalez" in line for line in lines)
    assert "Case No. 24-M20C-01234" in pages[0].text
    assert pages[1].text.startswith("You must file a written answer within 20 days")


def test_word_file_leaves_out_deleted_text_and_text_box_copies(tmp_path):
    extra = ('<w:p><w:del><w:r><w:delText>struck out</w:delText></w:r></w:del>'
             '<w:r><w:instrText>PAGE \\* MERGEFORMAT</w:instrText></w:r><w:r><w:t>kept</w:t></w:r></w:p>'
             '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
             '<mc:Choice Requires="wps"><w:p><w:r><w:t>in the box</w:t></w:r></w:p></mc:Choice>'
             '<mc:Fallback><w:p><w:r><w:t>in the box</w:t></w:r></w:p></mc:Fallback></mc:AlternateContent>')
    xml = samples.document_xml(["Opening"], extra=extra)
    text = text_of(write(tmp_path, "b.docx", samples.docx([], xml=xml)))
    assert "kept" in text and "struck out" not in text and "MERGEFORMAT" not in text
    assert text.count("in the box") == 1


def test_word_page_header_is_read_once_before_the_body(tmp_path):
    header = (f'<w:hdr xmlns:w="{samples.W_NS}"><w:p><w:r><w:t>Case No. 2031-CV-0042</w:t></w:r></w:p></w:hdr>')
    data = samples.docx(["ANSWER TO COMPLAINT", "\f", "Second page."],
                        members={"word/header1.xml": header, "word/header2.xml": header,
                                 "word/footer1.xml": header.replace("hdr", "ftr").replace("2031", "1999")})
    pages = extraction.extract_text_layer(write(tmp_path, "h.docx", data), DOCX)
    assert pages[0].text.splitlines()[:2] == ["Case No. 2031-CV-0042", "ANSWER TO COMPLAINT"]
    assert "\n".join(p.text for p in pages).count("2031-CV-0042") == 1 and "1999" not in pages[0].text


R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _margin(kind: str, *lines: str) -> str:
    tag = "hdr" if kind == "header" else "ftr"
    paras = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
    return f'<w:{tag} xmlns:w="{samples.W_NS}">{paras}</w:{tag}>'


def _sect(*refs: tuple[str, str, str]) -> str:
    return "<w:sectPr>" + "".join(f'<w:{kind}Reference w:type="{typ}" r:id="{rid}"/>' for kind, typ, rid in refs) \
        + "</w:sectPr>"


def test_word_headers_footers_and_footnotes_are_read_in_reading_order_once_per_section(tmp_path):
    # Two sections: the caption's court and case number sit in the first section's header, the
    # certificate of service (second section) has its own header; each section has a footer with the
    # filing's name and a page number; the page-number-only footer is not text anyone needs.
    body = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{samples.W_NS}" xmlns:r="{R_NS}"><w:body>'
            "<w:p><w:r><w:t>MOTION TO SET ASIDE DEFAULT JUDGMENT</w:t></w:r></w:p>"
            '<w:p><w:r><w:t>The tenant asks the court</w:t><w:footnoteReference w:id="1"/></w:r></w:p>'
            '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
            "<w:p><w:pPr>" + _sect(("header", "default", "rId7"), ("footer", "default", "rId8"),
                                   ("footer", "first", "rId9")) + "</w:pPr>"
            "<w:r><w:t>Dated: May 2, 2031</w:t></w:r></w:p>"
            "<w:p><w:r><w:t>I mailed a copy to the landlord.</w:t></w:r></w:p>"
            + _sect(("header", "default", "rId10"), ("footer", "default", "rId8")) + "</w:body></w:document>")
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="{rid}" Type="{REL_TYPE}{kind}" Target="{target}"/>'
                      for rid, kind, target in [("rId7", "header", "header3.xml"), ("rId8", "footer", "footer1.xml"),
                                                ("rId9", "footer", "/word/footer2.xml"),
                                                ("rId10", "header", "header1.xml")]) + "</Relationships>")
    notes = (f'<w:footnotes xmlns:w="{samples.W_NS}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r>'
             '<w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r>'
             "<w:t>Served by certified mail on April 1, 2031.</w:t></w:r></w:p></w:footnote></w:footnotes>")
    data = samples.docx([], xml=body, members={
        "word/_rels/document.xml.rels": rels,
        "word/header3.xml": _margin("header", "SUPERIOR COURT OF CALIFORNIA, COUNTY OF ALAMEDA",
                                    "Case No. RG31-000417"),
        "word/header1.xml": _margin("header", "CERTIFICATE OF SERVICE"),
        "word/footer1.xml": _margin("footer", "Motion to Set Aside - Case No. RG31-000417"),
        "word/footer2.xml": _margin("footer", "Page 1 of 3"),
        "word/footnotes.xml": notes,
        "word/header9.xml": _margin("header", "UNUSED DRAFT HEADER")})
    pages = extraction.extract_text_layer(write(tmp_path, "m.docx", data), DOCX)
    lines = [line for p in pages for line in p.text.splitlines() if line.strip()]
    assert pages[0].text.splitlines()[:3] == ["SUPERIOR COURT OF CALIFORNIA, COUNTY OF ALAMEDA",
                                              "Case No. RG31-000417", "MOTION TO SET ASIDE DEFAULT JUDGMENT"]
    assert lines[-3:] == ["CERTIFICATE OF SERVICE", "I mailed a copy to the landlord.",
                          "Served by certified mail on April 1, 2031."]
    first_section = lines[:lines.index("CERTIFICATE OF SERVICE")]
    assert first_section[-2:] == ["Dated: May 2, 2031", "Motion to Set Aside - Case No. RG31-000417"]
    joined = "\n".join(lines)
    assert joined.count("Motion to Set Aside - Case No.") == 1  # the same footer, once, not per section
    assert "Page 1 of 3" not in joined and "UNUSED DRAFT HEADER" not in joined


def test_long_word_file_is_cut_into_pages_without_losing_text(tmp_path):
    paragraphs = [f"Paragraph {i}: the tenant paid rent on time." for i in range(800)]
    pages = extraction.extract_text_layer(write(tmp_path, "long.docx", samples.docx(paragraphs)), DOCX)
    assert len(pages) > 3
    joined = "\n".join(p.text for p in pages)
    assert "Paragraph 0:" in joined and "Paragraph 799:" in joined
    assert all(len(p.text) <= 6000 for p in pages)


@pytest.mark.parametrize("kind", ["deflate_bomb", "entity_bomb", "no_body", "too_many_members", "damaged"])
def test_hostile_word_files_fail_cleanly(tmp_path, kind):
    if kind == "deflate_bomb":  # 200 MB of zeros in a body that declares it (and one that lies, below)
        data = samples.docx([], xml="<w:document>" + "0" * (200 << 20) + "</w:document>")
    elif kind == "entity_bomb":
        lol = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
               '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>&c;'
               '</w:t></w:r></w:p></w:body></w:document>' % samples.W_NS)
        data = samples.docx([], xml=lol)
    elif kind == "no_body":
        data = samples.docx([], members={"word/other.xml": "<x/>"})
        data = data.replace(b"word/document.xml", b"word/documenx.xml")
    elif kind == "too_many_members":
        data = samples.docx(["x"], members={f"word/media/{i}.bin": b"" for i in range(6000)},
                            compression=zipfile.ZIP_STORED)
    else:  # the compressed body overwritten in the middle
        data = bytearray(samples.eviction_docx())
        data[len(data) // 2:len(data) // 2 + 60] = b"\xff" * 60
        data = bytes(data)
    path = write(tmp_path, f"{kind}.docx", data)
    if sniff(data[:8192]) != DOCX:
        pytest.skip("not even recognised as a Word file")  # refused at upload: nothing to parse
    with pytest.raises(ProcessingError) as err:
        extraction.extract_text_layer(path, DOCX)
    assert err.value.code in ("file_corrupt", "content_too_large", "too_many_pages")


def test_a_deflate_bomb_that_lies_about_its_size_stops_at_the_budget(tmp_path):
    data = bytearray(samples.docx([], xml="<w:document>" + " " * (120 << 20) + "</w:document>"))
    # rewrite the declared uncompressed size of word/document.xml (central directory) to 1 KB
    name = b"word/document.xml"
    cd = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[cd + 24:cd + 28] = (1024).to_bytes(4, "little")
    path = write(tmp_path, "liar.docx", bytes(data))
    with pytest.raises(ProcessingError) as err:
        extraction.extract_text_layer(path, DOCX)
    assert err.value.code in ("content_too_large", "file_corrupt")


# -------------------------------------------------------------------------------------------- HTML


def test_web_page_text_has_no_script_or_style(tmp_path):
    text = text_of(write(tmp_path, "n.html", samples.court_notice_html()))
    assert "UNITED STATES DISTRICT COURT\nNORTHERN DISTRICT OF CALIFORNIA" in text
    assert "Plaintiff:\tAcme Widgets, Inc." in text and "must file an answer by April 2, 2031" in text
    assert "document.cookie" not in text and "font-family" not in text and "onerror" not in text


def test_web_page_charsets(tmp_path):
    page = "<html><head><meta charset='windows-1252'></head><body><p>Señora Muñoz – audiencia</p></body></html>"
    assert "Señora Muñoz – audiencia" in text_of(write(tmp_path, "c.html", page.encode("cp1252")))
    utf16 = "\ufeff<!DOCTYPE html><html><body>Aviso de desalojo</body></html>".encode("utf-16-le")
    assert "Aviso de desalojo" in text_of(write(tmp_path, "u.html", utf16))


def test_web_page_that_never_closes_its_tags(tmp_path):
    data = b"<html><body>" + b"<div><b><i>" * 50_000 + b"Pay rent by June 1, 2031."
    assert "Pay rent by June 1, 2031." in text_of(write(tmp_path, "deep.html", data))


# ------------------------------------------------------------------------------------------- E-mail


def test_email_body_becomes_the_text_without_mime_headers(tmp_path):
    data = samples.nef_email(attachments=[("order.pdf", "application/pdf", b"%PDF-1.4 fake")])
    text = text_of(write(tmp_path, "nef.eml", data))
    assert "Subject: Activity in Case 3:24-cv-05678-JD Acme Widgets, Inc. v. Lee Order" in text
    assert "Case Number: 3:24-cv-05678-JD" in text and "Signed by Judge James Donato" in text
    assert "Content-Transfer-Encoding" not in text and "Message-ID" not in text and "JVBERi" not in text
    assert "Attachments:\n- order.pdf (application/pdf)" in text


def test_email_saved_with_a_mailbox_separator_line(tmp_path):
    data = b"From - Mon Mar 03 10:16:02 2031\r\n" + samples.nef_email()
    assert sniff(data) == EML
    text = text_of(write(tmp_path, "tb.eml", data))
    assert text.startswith("From: ecf_help@cand.uscourts.example") and "Case Number: 3:24-cv-05678-JD" in text


def test_email_with_only_an_html_body(tmp_path):
    text = text_of(write(tmp_path, "nef.eml", samples.nef_email(html_only=True)))
    assert "Case Number: 3:24-cv-05678-JD" in text and "<p>" not in text


def test_email_attachments_are_written_out(tmp_path):
    docx = samples.eviction_docx()
    data = samples.nef_email(attachments=[("order.docx", DOCX, docx), ("Ordén.txt", "text/plain", b"ORDER\n")])
    out = tmp_path / "out"
    out.mkdir()
    files = extraction.extract_attachments(write(tmp_path, "m.eml", data), EML, out, 10 << 20)
    assert [f["filename"] for f in files] == ["order.docx", "Ordén.txt"]
    assert open(files[0]["file"], "rb").read() == docx
    assert extraction.extract_attachments(write(tmp_path, "a.docx", docx), DOCX, out, 10 << 20) == []
    too_small_budget = extraction.extract_attachments(tmp_path / "m.eml", EML, out, 100)
    assert [f["filename"] for f in too_small_budget] == ["Ordén.txt"]


def _nested(depth: int) -> bytes:
    msg = b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    for i in range(depth):
        msg = (f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode() + msg
               + f"\r\n--b{i}--\r\n".encode())
    return b"From: a@example.org\r\nTo: b@example.org\r\nSubject: nest\r\nMIME-Version: 1.0\r\n" + msg


def _many_parts(n: int) -> bytes:
    head = (b"From: a@example.org\r\nTo: b@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n")
    return head + b"".join(b"--zz\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(n)) + b"--zz--\r\n"


@pytest.mark.parametrize("data, codes", [
    (_nested(400), ("file_corrupt",)),
    (_many_parts(5000), ("content_too_large",)),
    (b"From: a@example.org\r\nTo: b@example.org\r\nSubject: " + b"=?utf-8?q?" + b"=41" * 300_000 + b"?=\r\n\r\nhi",
     None),
])
def test_mime_bombs_fail_cleanly_or_are_cut(tmp_path, data, codes):
    path = write(tmp_path, "bomb.eml", data)
    if codes is None:  # a huge encoded header: read, cut to a sane length
        text = text_of(path)
        assert len(text.splitlines()[2]) <= 2100
        return
    with pytest.raises(ProcessingError) as err:
        extraction.extract_text_layer(path, EML)
    assert err.value.code in codes
    with pytest.raises(ProcessingError):
        extraction.extract_attachments(path, EML, tmp_path, 1 << 20)


# -------------------------------------------------------------------------------------------- photos


def photo(fmt: str, text=("NOTICE TO QUIT", "You must leave by May 1, 2031.")) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    im = Image.new("RGB", (1200, 300), "white")
    draw = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=40)
    for i, line in enumerate(text):
        draw.text((40, 40 + 80 * i), line, fill="black", font=font)
    buf = io.BytesIO()
    im.save(buf, fmt, quality=90)
    return buf.getvalue()


@pytest.mark.parametrize("fmt, ext", [("HEIF", "heic"), ("WEBP", "webp")])
def test_phone_photo_formats_are_read_by_ocr(tmp_path, fmt, ext):
    path = write(tmp_path, f"p.{ext}", photo(fmt))
    pages = extraction.extract_text_layer(path, "image/jpeg")  # the bytes win over the claimed type
    assert len(pages) == 1 and pages[0].needs_ocr
    text, confidence = extraction.ocr_page(path, "image/jpeg", 1)
    assert "NOTICE TO QUIT" in text and "May 1, 2031" in text and confidence > 60


@pytest.mark.parametrize("name", ["pixel_flood_54mp.heic", "pixel_flood_54mp.webp"])
def test_photo_pixel_floods_are_refused(name):
    path = Path(__file__).resolve().parent.parent / "fixtures" / "hostile" / name  # samples.pixel_flood
    assert sniff(path.read_bytes()[:8192]) in ("image/heic", "image/webp")
    with pytest.raises(ProcessingError) as err:
        extraction.ocr_page(path, "", 1)
    assert err.value.code == "image_too_large"


def test_damaged_heic_fails_cleanly(tmp_path):
    data = photo("HEIF")
    path = write(tmp_path, "broken.heic", data[:200] + b"\x00" * 100)
    with pytest.raises(ProcessingError) as err:
        extraction.ocr_page(path, "", 1)
    assert err.value.code in ("file_corrupt", "image_too_large")


def test_an_opinion_saved_as_a_page_fragment_is_read_without_its_markup(tmp_path):
    # Courts publish opinions as HTML fragments that start with <section>, not <html>.
    page = (b'<section class="opinion"><div class="caption"><p>COURT OF APPEALS OF GEORGIA</p>'
            b'<p>IN THE INTEREST OF K. N. C., a child.</p></div>'
            b'<p>Decided: <span>March 1, 2031</span></p></section>')
    text = text_of(write(tmp_path, "opinion.html", page))
    assert "COURT OF APPEALS OF GEORGIA" in text and "March 1, 2031" in text
    assert "<section" not in text and "class=" not in text and "<span>" not in text
