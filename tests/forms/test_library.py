"""Tests for the form library (app/forms/library.py, data in app/forms/data) and the form-filling service (app/forms/filling.py)."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf import PdfReader

from app.forms import field_values, library, pdf_fields, render
from config import Config

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "app" / "forms" / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "forms"

SHIPPED = {
    "ma_209a_complaint": "US-MA",
    "ma_209a_affidavit": "US-MA",
    "ma_209a_258e_motion_for_impoundment": "US-MA",
    "ma_affidavit_of_indigency": "US-MA",
    "ut_notice_of_right_to_object": "US-UT",
    "ut_request_order_examine_respondent": "US-UT",
    "ssa_632_waiver_of_overpayment": "US-FED",
}

CONTEXT = {
    "case": {
        "title": "Doe v. Roe",
        "case_number": "2401RO001234",
        "county": "Suffolk",
        "court_name": "Dorchester District Court",
        "court_division": "Dorchester",
        "judge": "Hon. Ada Judge",
    },
    "user": {
        "name": "Jane Q. Doe",
        "email": "jane@example.org",
        "phone": "617-555-0100",
        "address": "1 Main St, Boston, MA 02108",
        "address_line_one": "1 Main St",
        "address_line_two": "Boston, MA 02108",
        "city": "Boston",
        "state": "MA",
        "zip": "02108",
    },
    "parties": [
        {"name": "Jane Q. Doe", "role": "PLAINTIFF"},
        {"name": "Richard Roe", "role": "defendant"},
        {"name": "Rex Respondent", "role": "RESPONDENT"},
    ],
    "today": date(2024, 3, 15),
}


@pytest.fixture(autouse=True)
def _library_dir(monkeypatch):
    monkeypatch.delenv("CASEOS_FORMS_DIR", raising=False)
    monkeypatch.setattr(library, "FORMS_DIR", LIBRARY)


@pytest.fixture
def fixture_library(tmp_path, monkeypatch):
    """A private library holding only the CC-BY-SA LibreOffice test form."""
    for name in ("libreoffice_form_radio_list.json", "libreoffice_form_radio_list.pdf"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    monkeypatch.setattr(library, "FORMS_DIR", tmp_path)
    return tmp_path


# ------------------------------------------------------------------------------------ helpers

def read_fields(pdf_bytes: bytes) -> dict:
    """Field /T name -> field dictionary, read back with pypdf."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    return {str(f["/T"]): f for f in (reader.get_fields() or {}).values() if f.get("/T")}


def widgets_by_name(pdf_bytes: bytes) -> dict[str, list]:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    out: dict[str, list] = {}
    for page in reader.pages:
        for ref in page.get("/Annots", []) or []:
            a = ref.get_object()
            if a.get("/Subtype") != "/Widget":
                continue
            name = a.get("/T")
            if name is None and "/Parent" in a:
                name = a["/Parent"].get_object().get("/T")
            out.setdefault(str(name), []).append(a)
    return out


def pdfium_flattened_text(pdf_bytes: bytes) -> str:
    """Let PDFium flatten the widgets' *existing* /AP streams into the page and extract the text.

    PDFium's FPDFPage_Flatten does not synthesise appearances, so a value only shows up here if
    the PDF carries an appearance stream for it."""
    doc = pdfium.PdfDocument(pdf_bytes)
    texts = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            assert pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY) != pdfium_c.FLATTEN_FAIL
            page.close()
            page = doc[i]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
    finally:
        doc.close()
    return "\n".join(texts)


def pdfium_page_text(pdf_bytes: bytes) -> str:
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            out.append(tp.get_text_bounded())
            tp.close()
            page.close()
        return "\n".join(out)
    finally:
        doc.close()


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def sample_values(form_id: str) -> dict:
    """A value for every mapped field: short distinct texts, alternating check boxes."""
    values = {}
    for i, f in enumerate(library.get_form(form_id)["fields"]):
        t = f["type"]
        if t in ("text", "multiline"):
            values[f["name"]] = f"K{i}" if f.get("max_chars", 99) >= 8 else str(i)  # tiny boxes: digits
        elif t == "date":
            values[f["name"]] = date(2024, 1, 1 + i % 28)
        elif t == "checkbox":
            values[f["name"]] = i % 2 == 0
        elif t in ("radio", "choice"):
            values[f["name"]] = f["options"][-1]
    return values


# ------------------------------------------------------------------------------------ library

def test_list_forms_returns_every_shipped_form():
    listed = library.list_forms()
    assert SHIPPED.items() <= {f["id"]: f["jurisdiction"] for f in listed}.items()
    assert {f["id"] for f in listed} == {p.stem for p in LIBRARY.glob("*.json")}
    for f in listed:
        assert f["title"] and f["description"]
        assert f["fields"], f["id"]
        for field in f["fields"]:
            assert set(field) >= {"name", "label", "type", "required"}
            assert field["type"] in library.FIELD_TYPES
            if field["type"] in ("radio", "choice"):
                assert field["options"]
        assert any(field["required"] for field in f["fields"]), f["id"]


def test_list_forms_filters_by_jurisdiction():
    every = {f["id"]: f["jurisdiction"] for f in library.list_forms()}
    assert {f["id"] for f in library.list_forms("US-MA")} == {k for k, v in every.items() if v == "US-MA"}
    assert {f["id"] for f in library.list_forms("us-ut")} == {k for k, v in every.items() if v == "US-UT"}
    assert {k for k, v in SHIPPED.items() if v == "US-MA"} <= {f["id"] for f in library.list_forms("US-MA")}
    assert [f["id"] for f in library.list_forms("US-FED")] == ["ssa_632_waiver_of_overpayment"]
    assert {f["id"] for f in library.list_forms("US")} == set(every)  # prefix of a hyphenated code
    assert library.list_forms("US-M") == []  # ...but not an arbitrary string prefix
    assert library.list_forms("CA-ON") == []


def test_get_form_and_unknown_form():
    spec = library.get_form("ma_209a_complaint")
    assert spec["pdf"] == "pdf/ma_209A_complaint_labeled.pdf"
    assert "MIT" in spec["licence"]
    spec["fields"].clear()  # a copy: must not corrupt the library
    assert library.get_form("ma_209a_complaint")["fields"]
    with pytest.raises(library.FormNotFound):
        library.get_form("no_such_form")
    with pytest.raises(library.FormNotFound):
        field_values.build_values("no_such_form", CONTEXT, None)
    with pytest.raises(library.FormNotFound):
        render.fill("no_such_form", {})


@pytest.mark.parametrize("form_id", sorted(SHIPPED))
def test_spec_matches_pdf(form_id):
    spec = library.get_form(form_id)
    pdf = LIBRARY / spec["pdf"]
    assert pdf.is_file() and pdf.parent == LIBRARY / "pdf"
    licence_files = re.findall(r"LICENSES/[\w.-]+", spec["licence"])
    assert licence_files, "licence must point at its text in app/forms/data/LICENSES/"
    for rel in licence_files:
        assert (LIBRARY / rel).is_file(), rel
    info = pdf_fields.pdf_field_info(pdf)
    for f in spec["fields"]:
        assert f["name"] in info, f"{form_id}: {f['name']!r} not a field of {pdf.name}"
        pi = info[f["name"]]
        if f["type"] in ("text", "multiline", "date"):
            assert pi["ft"] == "/Tx", f["name"]
            assert (f["type"] == "multiline") == bool(pi["flags"] & (1 << 12)) or f["type"] == "date"
            assert f.get("max_chars", 1) > 0
        elif f["type"] == "checkbox":
            assert pi["ft"] == "/Btn" and f["export_value"] in pi["states"], f["name"]
        elif f["type"] == "radio":
            assert pi["ft"] == "/Btn" and sorted(f["options"]) == sorted(pi["states"])
        elif f["type"] == "choice":
            assert pi["ft"] == "/Ch" and set(f["options"]) <= set(pi["options"])
        if f["type"] == "date":
            datetime.now().strftime(f["format"])  # a valid strftime format
    if spec.get("addendum_field"):
        assert spec["addendum_field"] in {f["name"] for f in spec["fields"]}


def test_cc_by_sa_fixture_is_not_shipped():
    shipped = {p.name for p in (LIBRARY / "pdf").glob("*.pdf")}
    assert "libreoffice_form_radio_list.pdf" not in shipped
    assert (ROOT / "tests" / "fixtures" / "LICENSES" / "py-pdf-sample-files.LICENSE.txt").is_file()


# ------------------------------------------------------------------------------------ build_values

def test_build_values_resolves_sources_from_context():
    values = field_values.build_values("ma_209a_complaint", CONTEXT, None)
    assert values["docket_number"] == "2401RO001234"
    assert values["court_name_short"] == "Dorchester"
    assert values["user_name_full"] == "Jane Q. Doe"          # party.PLAINTIFF.name
    assert values["defendant"] == "Richard Roe"               # role matched case-insensitively
    assert values["signature_date"] == "03/15/2024"           # today, formatted %m/%d/%Y
    assert "abuse_suffered_date" not in values                # no source -> not set
    assert list(values) == [f["name"] for f in library.get_form("ma_209a_complaint")["fields"] if f["name"] in values]

    ut = field_values.build_values("ut_notice_of_right_to_object", CONTEXT, {})
    assert ut["users1_email"] == "jane@example.org"
    assert ut["users1_name"] == ut["Printed Name"] == "Jane Q. Doe"
    assert ut["docket_number"] == "2401RO001234"
    assert ut["Judge"] == "Hon. Ada Judge"

    ex = field_values.build_values("ut_request_order_examine_respondent", CONTEXT, None)
    assert ex["Respondent"] == "Rex Respondent"


def test_build_values_source_fallbacks_and_objects():
    class User:  # attribute access works as well as dict access
        name = "Pat Self"

    ctx = {"case": {"case_number": "X-1", "court_name": "Quincy District Court"}, "user": User(),
           "parties": [{"name": "Dan Def", "role": "DEFENDANT"}]}
    values = field_values.build_values("ma_209a_complaint", ctx, None)
    assert values["court_name_short"] == "Quincy District Court"   # no court_division -> court_name
    assert values["user_name_full"] == "Pat Self"                  # no plaintiff party -> user.name
    assert values["signature_date"] == date.today().strftime("%m/%d/%Y")  # no context today
    assert field_values.build_values("ma_209a_complaint", {}, None) == {"signature_date": date.today().strftime("%m/%d/%Y")}


def test_override_wins_and_none_clears():
    values = field_values.build_values(
        "ma_209a_complaint", CONTEXT,
        {"docket_number": "OVERRIDDEN-7", "court_name_short": None, "abuse_suffered_date": "2024-02-29",
         "district_court": True, "order_defendant_pay_amount": 1500},
    )
    assert values["docket_number"] == "OVERRIDDEN-7"
    assert "court_name_short" not in values
    assert values["abuse_suffered_date"] == "02/29/2024"
    assert values["district_court"] is True
    assert values["order_defendant_pay_amount"] == "1500"      # numbers coerced to text


def test_bad_date_is_invalid_and_names_the_field():
    with pytest.raises(library.FormValueInvalid) as exc:
        field_values.build_values("ma_209a_complaint", CONTEXT, {"abuse_suffered_date": "last tuesday"})
    assert set(exc.value.errors) == {"abuse_suffered_date"}
    assert "date" in exc.value.errors["abuse_suffered_date"][0]
    with pytest.raises(library.FormValueInvalid) as exc:
        field_values.build_values("ma_209a_complaint", CONTEXT, {"abuse_suffered_date": "2024-02-30"})
    assert "abuse_suffered_date" in exc.value.errors
    with pytest.raises(library.FormValueInvalid):
        field_values.build_values("ma_209a_complaint", CONTEXT, {"abuse_suffered_date": 20240101})


@pytest.mark.parametrize("value,expected", [
    (date(2023, 7, 4), "07/04/2023"),
    (datetime(2023, 7, 4, 15, 30), "07/04/2023"),
    ("2023-07-04", "07/04/2023"),
    ("07/04/2023", "07/04/2023"),  # already in the field's format
])
def test_date_inputs(value, expected):
    assert field_values.build_values("ma_209a_affidavit", {}, {"incident_date": value})["incident_date"] == expected


def test_checkbox_values():
    ok = field_values.build_values("ma_209a_complaint", {}, {
        "district_court": "Yes", "superior_court": "/Yes", "probate_court": False, "municipal_court": "Off"})
    assert ok["district_court"] is True and ok["superior_court"] is True
    assert ok["probate_court"] is False and ok["municipal_court"] is False
    with pytest.raises(library.FormValueInvalid) as exc:
        field_values.build_values("ma_209a_complaint", {}, {"district_court": "On"})   # export value is "Yes"
    assert list(exc.value.errors) == ["district_court"]
    # The affidavit's interpreter boxes use the export value "On"
    assert field_values.build_values("ma_209a_affidavit", {}, {"interpeter_remote": "On"})["interpeter_remote"] is True
    with pytest.raises(library.FormValueInvalid):
        field_values.build_values("ma_209a_affidavit", {}, {"interpeter_remote": "Yes"})
    with pytest.raises(library.FormValueInvalid):
        field_values.build_values("ma_209a_affidavit", {}, {"interpeter_remote": 1})


def test_unknown_field_is_invalid():
    with pytest.raises(library.FormValueInvalid) as exc:
        field_values.build_values("ma_209a_complaint", CONTEXT, {"no_such_field": "x"})
    assert list(exc.value.errors) == ["no_such_field"]
    assert "no_such_field" in str(exc.value)
    with pytest.raises(library.FormValueInvalid) as exc:
        render.fill("ma_209a_complaint", {"no_such_field": "x"})
    assert "no_such_field" in exc.value.errors


def test_all_bad_fields_are_reported_together():
    with pytest.raises(library.FormValueInvalid) as exc:
        field_values.build_values("ma_209a_complaint", CONTEXT, {
            "abuse_suffered_date": "13/45/2024", "district_court": "maybe", "bogus": 1,
            "defendant": {"first": "R"}, "docket_number": True})
    assert set(exc.value.errors) == {"abuse_suffered_date", "district_court", "bogus", "defendant", "docket_number"}


def test_text_coercion():
    values = field_values.build_values("ma_affidavit_of_indigency", {}, {
        "income_amount": Decimal("1234.50"), "household_size": 3, "other_income": 12.5})
    assert values == {"income_amount": "1234.50", "household_size": "3", "other_income": "12.5",
                      "date_signed": date.today().strftime("%m/%d/%Y")}


def test_bad_value_from_context_is_reported():
    with pytest.raises(library.FormValueInvalid) as exc:
        field_values.build_values("ma_209a_complaint", {"today": "not a date"}, None)
    assert set(exc.value.errors) == {"signature_date"}


# ------------------------------------------------------------------------------------ fill

@pytest.mark.parametrize("form_id", sorted(SHIPPED))
def test_fill_round_trip_every_field(form_id):
    values = sample_values(form_id)
    result = render.fill(form_id, values)
    spec = {f["name"]: f for f in library.get_form(form_id)["fields"]}
    assert result.overflow == []
    assert set(result.filled) == set(values)

    blank_pages = len(PdfReader(str(LIBRARY / library.get_form(form_id)["pdf"])).pages)
    reader = PdfReader(io.BytesIO(result.pdf_bytes))
    assert len(reader.pages) == blank_pages  # no addendum needed
    assert reader.trailer["/Root"]["/AcroForm"]["/NeedAppearances"] == True  # noqa: E712

    fields = read_fields(result.pdf_bytes)
    text_fields = reader.get_form_text_fields()
    widgets = widgets_by_name(result.pdf_bytes)
    for name, value in values.items():
        f = spec[name]
        v = fields[name].get("/V")
        if f["type"] == "checkbox":
            expected = "/" + f["export_value"] if value else "/Off"
            assert v == expected, name
            assert result.filled[name] == expected[1:]
            for w in widgets[name]:
                assert w["/AS"] == expected, name
        elif f["type"] == "date":
            assert v == value.strftime(f["format"]) == result.filled[name]
            assert text_fields[name] == v
        else:
            assert v == value == result.filled[name], name
            assert text_fields[name] == value
        if f["type"] in ("text", "multiline", "date"):
            for w in widgets[name]:  # every text widget got an appearance stream showing the value
                ap = w["/AP"]["/N"].get_object()
                assert hasattr(ap, "get_data"), name
                assert str(v).encode("latin-1") in ap.get_data(), name

    # PDFium sees the values through the appearance streams alone
    shown = squash(pdfium_flattened_text(result.pdf_bytes))
    for name, value in values.items():
        if spec[name]["type"] in ("text", "multiline"):
            assert squash(value) in shown, name
        elif spec[name]["type"] == "date":
            assert squash(value.strftime(spec[name]["format"])) in shown, name


def test_fill_realistic_values_and_missing_required():
    values = field_values.build_values("ma_209a_complaint", CONTEXT, {
        "district_court": True, "defendant_gender_male": True, "abuse_suffered_date": date(2024, 3, 1),
        "defendant_abuse_caused_physical_harm": True, "order_defendant_stop_abuse_yes": True,
        "user_name_full": "Jane Q. Doe\n1 Main St\nBoston, MA 02108"})
    result = render.fill("ma_209a_complaint", values)
    assert result.missing_required == [] and result.overflow == []
    fields = read_fields(result.pdf_bytes)
    assert fields["district_court"]["/V"] == "/Yes"
    assert fields["superior_court"].get("/V", "/Off") == "/Off"
    assert fields["user_name_full"]["/V"] == "Jane Q. Doe\n1 Main St\nBoston, MA 02108"
    shown = pdfium_flattened_text(result.pdf_bytes)
    for text in ("2401RO001234", "Dorchester", "Richard Roe", "03/01/2024", "03/15/2024", "1 Main St"):
        assert text in shown

    partial = render.fill("ma_209a_complaint", {"docket_number": "123", "court_name_short": "  "})
    assert partial.missing_required == [
        "court_name_short", "user_name_full", "defendant", "abuse_suffered_date", "signature_date"]
    assert render.fill("ma_209a_complaint", {}).missing_required[0] == "court_name_short"


def test_fill_accepts_raw_values_and_validates():
    result = render.fill("ma_209a_affidavit", {"incident_date": date(2024, 1, 2), "completed_by_police_officer": "Yes"})
    fields = read_fields(result.pdf_bytes)
    assert fields["incident_date"]["/V"] == "01/02/2024"
    assert fields["completed_by_police_officer"]["/V"] == "/Yes"
    with pytest.raises(library.FormValueInvalid) as exc:
        render.fill("ma_209a_affidavit", {"incident_date": "yesterday", "has_addendum": "On"})
    assert set(exc.value.errors) == {"incident_date", "has_addendum"}


def test_overflow_goes_to_addendum():
    story = " ".join(
        f"Sentence {i}: on that day the defendant shouted, threw a chair and blocked the door." for i in range(90))
    long_witness = "Officer " + "Bartholomew-Featherstonehaugh " * 4
    values = field_values.build_values("ma_209a_affidavit", CONTEXT, {
        "affidavit_body": story, "incident_date": "2024-03-01", "witness_name": long_witness.strip()})
    result = render.fill("ma_209a_affidavit", values)
    assert result.overflow == ["affidavit_body", "witness_name"]
    assert result.filled["affidavit_body"] == "See addendum, item 1"
    assert result.filled["witness_name"] == "See addendum, item 2"
    assert result.filled["has_addendum"] == "Yes"   # the form's "additional pages attached" box

    fields = read_fields(result.pdf_bytes)
    assert fields["affidavit_body"]["/V"] == "See addendum, item 1"
    assert fields["witness_name"]["/V"] == "See addendum, item 2"
    assert fields["has_addendum"]["/V"] == "/Yes"
    assert fields["signature_date"]["/V"] == "03/15/2024"

    reader = PdfReader(io.BytesIO(result.pdf_bytes))
    assert len(reader.pages) >= 2
    addendum = "\n".join(p.extract_text() for p in reader.pages[1:])
    assert "ADDENDUM" in addendum
    assert squash("continued from field What the Defendant did") in squash(addendum)
    assert squash("continued from field Printed name of witness") in squash(addendum)
    assert squash(story) in squash(addendum)            # the full text, nothing lost
    assert squash(long_witness) in squash(addendum)
    shown = pdfium_flattened_text(result.pdf_bytes)
    assert "See addendum, item 1" in shown
    assert squash(story[:200]) in squash(pdfium_page_text(result.pdf_bytes))  # addendum is real page text


def test_overflow_by_maxlen_and_width():
    # user_name_full has /MaxLen 82: 90 narrow characters fit the width but exceed MaxLen
    narrow = "il" * 45
    result = render.fill("ma_affidavit_of_indigency", {"user_name_full": narrow, "household_size": "12345678"})
    assert result.overflow == ["user_name_full", "household_size"]
    fields = read_fields(result.pdf_bytes)
    assert fields["user_name_full"]["/V"] == "See addendum, item 1"
    assert len(fields["household_size"]["/V"]) <= 8       # shortened reference for a tiny box
    assert fields["household_size"]["/V"].endswith("2")
    addendum = PdfReader(io.BytesIO(result.pdf_bytes)).pages[-1].extract_text()
    assert narrow in squash(addendum) and "12345678" in addendum
    assert "Docket" not in addendum  # no docket number given
    # a single-line field never keeps a line break: it moves to the addendum
    result = render.fill("ma_209a_complaint", {"docket_number": "A\nB"})
    assert result.overflow == ["docket_number"]


def test_overflow_unicode_text():
    text = "Zo\u00eb said \u201cstop\u201d \u2014 \u0141\u00f3d\u017a \u4e2d\u6587 " * 30
    result = render.fill("ma_209a_258e_motion_for_impoundment", {"case_record_information_to_be_impounded": text})
    assert result.overflow == ["case_record_information_to_be_impounded"]
    assert result.filled["attach_additional_pages"] == "Yes"
    addendum = PdfReader(io.BytesIO(result.pdf_bytes)).pages[-1].extract_text()
    assert "Zo" in addendum and "continued from field" in addendum


def test_fill_flatten():
    values = field_values.build_values("ma_209a_complaint", CONTEXT, {"district_court": True,
                                                               "other_relief_description": "x" * 3000})
    result = render.fill("ma_209a_complaint", values, flatten=True)
    assert result.overflow == ["other_relief_description"]
    reader = PdfReader(io.BytesIO(result.pdf_bytes))
    assert "/AcroForm" not in reader.trailer["/Root"]
    assert not reader.get_fields()
    for page in reader.pages:
        for ref in page.get("/Annots", []) or []:
            assert ref.get_object().get("/Subtype") != "/Widget"
    text = pdfium_page_text(result.pdf_bytes)  # values are now ordinary page content
    for value in ("2401RO001234", "Dorchester", "Jane Q. Doe", "Richard Roe", "03/15/2024", "See addendum, item 1"):
        assert value in text
    assert "x" * 200 in squash(text)  # the addendum page


# ------------------------------------------------------------------------------------ radio / choice

def test_radio_choice_build_values(fixture_library):
    assert [f["id"] for f in library.list_forms()] == ["test_libreoffice_radio_list"]
    listed = library.list_forms()[0]["fields"]
    assert {f["name"]: f.get("options") for f in listed}["female"] == ["1", "2"]

    ctx = {"user": {"first_name": "Ada", "last_name": "Lovelace"}}
    values = field_values.build_values("test_libreoffice_radio_list", ctx, {
        "female": "Male", "Nationality": "German", "gdpr": True, "Birthday": "1815-12-10"})
    assert values == {"First Name": "Ada", "Last Name": "Lovelace", "Birthday": "10.12.1815",
                      "female": "2", "Nationality": "German", "gdpr": True}
    assert field_values.build_values("test_libreoffice_radio_list", {}, {"female": "/1"})["female"] == "1"
    with pytest.raises(library.FormValueInvalid) as exc:
        field_values.build_values("test_libreoffice_radio_list", ctx, {"female": "3", "Nationality": "Klingon"})
    assert set(exc.value.errors) == {"female", "Nationality"}


@pytest.mark.parametrize("gender", ["1", "2"])
def test_radio_choice_round_trip(fixture_library, gender):
    values = field_values.build_values("test_libreoffice_radio_list", {}, {
        "First Name": "Ada", "Last Name": "Byron", "female": gender, "Nationality": "US-American",
        "gdpr": True, "other": False, "Birthday": date(1815, 12, 10), "First Name_2": "note"})
    result = render.fill("test_libreoffice_radio_list", values)
    assert result.missing_required == []
    assert result.filled["female"] == gender and result.filled["gdpr"] == "Yes" and result.filled["other"] == "Off"

    fields = read_fields(result.pdf_bytes)
    assert fields["female"]["/V"] == "/" + gender
    assert fields["Nationality"]["/V"] == "US-American"
    assert fields["gdpr"]["/V"] == "/Yes"
    assert fields["other"]["/V"] == "/Off"
    assert fields["First Name"]["/V"] == "Ada"
    assert fields["Birthday"]["/V"] == "10.12.1815"
    # exactly the chosen radio widget is on
    radio_widgets = widgets_by_name(result.pdf_bytes)["female"]
    states = sorted(str(w["/AS"]) for w in radio_widgets)
    assert states == sorted(["/" + gender, "/Off"])
    for w in radio_widgets:
        assert (w["/AS"] == "/" + gender) == ("/" + gender in w["/AP"]["/N"])
    combo = widgets_by_name(result.pdf_bytes)["Nationality"][0]
    assert b"US-American" in combo["/AP"]["/N"].get_object().get_data()

    shown = pdfium_flattened_text(result.pdf_bytes)
    for text in ("Ada", "Byron", "US-American", "10.12.1815"):
        assert text in shown

    missing = render.fill("test_libreoffice_radio_list", {"First Name": "Ada"}).missing_required
    assert missing == ["Last Name", "female", "gdpr"]
    missing = render.fill("test_libreoffice_radio_list", {"First Name": "Ada", "gdpr": False}).missing_required
    assert missing == ["Last Name", "female"]  # an explicit False answers a required check box


def test_radio_round_trip_flattened(fixture_library):
    result = render.fill("test_libreoffice_radio_list", {"female": "1", "Nationality": "French", "First Name": "Al"},
                        flatten=True)
    reader = PdfReader(io.BytesIO(result.pdf_bytes))
    assert not reader.get_fields()
    text = pdfium_page_text(result.pdf_bytes)
    assert "French" in text and "Al" in text


def test_forms_dir_env_override(fixture_library, monkeypatch):
    monkeypatch.setattr(library, "FORMS_DIR", LIBRARY)
    monkeypatch.setenv("CASEOS_FORMS_DIR", str(fixture_library))
    monkeypatch.setattr(library, "_settings", dict(library._settings))
    library.configure(Config().FORMS_DIR)  # what create_app does with the variable
    assert [f["id"] for f in library.list_forms()] == ["test_libreoffice_radio_list"]


def test_source_paths():
    ctx = {"parties": [{"name": "A One", "role": "PLAINTIFF"}, {"name": "B Two", "role": "plaintiff"},
                       {"name": "C Three", "role": "DEFENDANT", "address": {"city": "Provo"}}],
           "case": {"meta": {"county": "Utah"}}}
    assert field_values._resolve("party.PLAINTIFF.name", ctx) == "A One"
    assert field_values._resolve("party.PLAINTIFF.names", ctx) == "A One, B Two"
    assert field_values._resolve("party.DEFENDANT.address.city", ctx) == "Provo"
    assert field_values._resolve("party.RESPONDENT.name", ctx) is None
    assert field_values._resolve("case.meta.county", ctx) == "Utah"
    assert field_values._resolve("case.missing.deeper", ctx) is None
    assert field_values._resolve("today", {"today": date(2020, 1, 2)}) == date(2020, 1, 2)


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ019 ()\\/-.,'\"\n")), min_size=0, max_size=400)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_TEXT, witness=_TEXT)
def test_fill_never_loses_text(body, witness):
    result = render.fill("ma_209a_affidavit", {"affidavit_body": body, "witness_name": witness})
    fields = read_fields(result.pdf_bytes)
    reader = PdfReader(io.BytesIO(result.pdf_bytes))
    addendum = squash("".join(p.extract_text() for p in reader.pages[1:]))
    for n, (name, text) in enumerate(
            [(k, v) for k, v in (("affidavit_body", body), ("witness_name", witness)) if k in result.overflow], 1):
        assert fields[name]["/V"] == result.filled[name] == f"See addendum, item {n}"
    for name, text in (("affidavit_body", body), ("witness_name", witness)):
        if name not in result.overflow:
            assert fields[name]["/V"] == text == result.filled[name]
        else:
            assert squash(text).replace("\\", "") in addendum.replace("\\", "")
    assert (len(reader.pages) > 1) == bool(result.overflow)
    pdfium.PdfDocument(result.pdf_bytes).close()  # still a valid PDF for PDFium
