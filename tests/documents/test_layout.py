"""Layout-aware reading of PDF pages: labels and their values on one line, filled form fields read
where they sit, and every other page exactly as PDFium reads it."""
from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from app.documents import extraction
from app.documents.reader.common import _normalize_text
from tests.documents import samples

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
WV_FORM = ROOT / "app" / "forms" / "data" / "pdf" / "wv_sca_fc_112_motion_for_temporary_relief.pdf"


def lines_of(path) -> list[str]:
    return extraction.extract_text_layer(path, "application/pdf")[0].text.splitlines()


def test_flattened_form_values_sit_beside_their_labels(tmp_path):
    path = tmp_path / "flat.pdf"
    path.write_bytes(samples.flattened_form_pdf())
    plain = pdfium.PdfDocument(path)[0].get_textpage().get_text_bounded()
    assert "Plaintiff:\nAddress of Plaintiff:" in plain.replace("\r\n", "\n")  # the file's own order
    lines = lines_of(path)
    for (_, _, label), (_, _, value) in zip(samples.FLAT_LABELS[1:], samples.FLAT_VALUES):
        assert any(line.startswith(label) and line.endswith(value) for line in lines), (label, value, lines)
    assert lines[0] == "IN THE MAGISTRATE COURT OF KANAWHA COUNTY, WEST VIRGINIA"


def test_filled_form_fields_are_read_where_they_sit(tmp_path):
    path = tmp_path / "filled.pdf"
    path.write_bytes(samples.filled_form_pdf(WV_FORM, {
        "upper_county": "Kanawha", "case_num": "31-D-123", "p_name": "Anna Petitioner",
        "r_name": "Robert Respondent"}))
    lines = lines_of(path)
    assert "IN THE FAMILY COURT OF Kanawha COUNTY, WEST VIRGINIA" in lines
    assert any(line.endswith("Civil Action No. 31-D-123") for line in lines), lines
    assert any("Anna Petitioner" in line and "Robert Respondent" in line for line in lines)


def test_reordering_a_page_loses_and_repeats_nothing(tmp_path):
    for name, data in (("flat.pdf", samples.flattened_form_pdf()),
                       ("filled.pdf", samples.filled_form_pdf(WV_FORM, {"case_num": "31-D-123"}))):
        path = tmp_path / name
        path.write_bytes(data)
        plain = pdfium.PdfDocument(path)[0].get_textpage().get_text_bounded()
        text = extraction.extract_text_layer(path, "application/pdf")[0].text
        expected = plain.split() + (["31-D-123"] if name == "filled.pdf" else [])
        assert sorted(text.split()) == sorted(expected)


def test_an_empty_form_reads_as_before():
    plain = pdfium.PdfDocument(WV_FORM)[0].get_textpage().get_text_bounded()
    assert extraction.extract_text_layer(WV_FORM, "application/pdf")[0].text == _normalize_text(plain, 100_000)


def test_two_columns_of_prose_are_not_interleaved(tmp_path):
    path = tmp_path / "columns.pdf"
    path.write_bytes(samples.two_column_pdf())
    text = extraction.extract_text_layer(path, "application/pdf")[0].text.replace("\n", " ")
    assert text.index("LEFT COLUMN BEGINS") < text.index("LEFT COLUMN ENDS") < text.index("RIGHT COLUMN BEGINS")


@pytest.mark.parametrize("path", sorted((FIX / "born_digital").glob("*.pdf")), ids=lambda p: p.name)
def test_ordinary_court_papers_read_exactly_as_pdfium_reads_them(path):
    pdf = pdfium.PdfDocument(path)
    expected = [_normalize_text(pdf[i].get_textpage().get_text_bounded(), 100_000) for i in range(len(pdf))]
    got = [p.text for p in extraction.extract_text_layer(path, "application/pdf")]
    assert got == expected
