"""Every form in the library fills from case data.

One case with a party in every role, a user with a full profile and a fixed date is filled into
every form; each prefilled field is then read back from the PDF (its /V) and compared with what
that field's spec says it comes from, looked up in the table of the case's facts below; a
flattened copy must show the same values as page text. Fields the person supplies (no source)
get a value per type and must read back too.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from app.forms import field_values, library, pdf_fields, render
from app.models.case import CASE_TYPES, COURT_TYPES

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "app" / "forms" / "data"
SPEC_FILES = sorted(p for p in DATA.glob("*.json"))
FORM_IDS = [p.stem for p in SPEC_FILES]
TODAY = date(2026, 3, 2)

# What the case knows, by source path. Distinct strings per path, so a field that reads the
# wrong party or the wrong part of the profile cannot pass.
FACTS = {
    "case.case_number": "26-C-0417",
    "case.county": "Kanawha",
    "case.title": "Pat Plaintiff LLC v. Dana Defendant",
    "case.description": "Unpaid invoice for two months of snow removal.",
    "case.dispute_amount": "1250.00",
    "case.court_type": "MAGISTRATE",
    "case.case_type": "LANDLORD_TENANT",
    "user.name": "Robin Filer",
    "user.email": "robin@example.org",
    "user.phone": "304-555-0142",
    "user.street": "45 Oak Ave",
    "user.unit": "Apt 2",
    "user.address_line_one": "45 Oak Ave, Apt 2",
    "user.address_line_two": "Charleston, WV 25302",
    "user.city": "Charleston",
    "user.state": "WV",
    "user.zip": "25302",
    "user.city_state_zip": "Charleston, WV 25302",
    "user.address": "45 Oak Ave, Apt 2, Charleston, WV 25302",
    "user.address_on_one_line": "45 Oak Ave, Apt 2, Charleston, WV 25302",
    "user.user_type": "SELF_REPRESENTED",
    "party.PLAINTIFF.name": "Pat Plaintiff LLC",
    "party.PLAINTIFF.names": "Pat Plaintiff LLC",
    "party.PLAINTIFF.contact": "12 Main St, Charleston, WV 25301",
    "party.DEFENDANT.name": "Dana Defendant",
    "party.DEFENDANT.names": "Dana Defendant",
    "party.DEFENDANT.contact": "9 Elm St, Charleston, WV 25302",
    "party.PETITIONER.name": "Pete Petitioner",
    "party.PETITIONER.names": "Pete Petitioner",
    "party.PETITIONER.contact": "3 Birch Rd, Charleston, WV 25301",
    "party.RESPONDENT.name": "Rita Respondent",
    "party.RESPONDENT.names": "Rita Respondent",
    "party.RESPONDENT.contact": "8 Cedar Ln, Charleston, WV 25303",
}
CASE_FACTS = {"case_number": "26-C-0417", "county": "Kanawha", "title": FACTS["case.title"],
              "description": FACTS["case.description"], "dispute_amount": "1250.00",
              "court_type": "MAGISTRATE", "case_type": "LANDLORD_TENANT", "jurisdiction": "US-WV"}
PARTIES = [
    {"name": "Pat Plaintiff LLC", "role": "PLAINTIFF", "contact": FACTS["party.PLAINTIFF.contact"]},
    {"name": "Dana Defendant", "role": "DEFENDANT", "contact": FACTS["party.DEFENDANT.contact"]},
    {"name": "Pete Petitioner", "role": "PETITIONER", "contact": FACTS["party.PETITIONER.contact"]},
    {"name": "Rita Respondent", "role": "RESPONDENT", "contact": FACTS["party.RESPONDENT.contact"]},
]


def context(county: str = "Kanawha") -> dict:
    user = {k.split(".", 1)[1]: v for k, v in FACTS.items() if k.startswith("user.")}
    return {"case": {**CASE_FACTS, "county": county}, "user": user, "parties": [dict(p) for p in PARTIES],
            "today": TODAY}


def county_for(spec: dict) -> str:
    """A county the form takes: one of its list's own entries where the county is picked from a list."""
    for f in spec["fields"]:
        if f["type"] == "choice" and f.get("source") == "case.county":
            return [o for o in f["options"] if o.strip() and not o.startswith(("(", "Select"))][2]
    return "Kanawha"


def expected_from_source(field: dict, county: str = "Kanawha"):
    """The value a prefilled field should get: the first of its sources the case knows, mapped."""
    FACTS = {**globals()["FACTS"], "case.county": county}
    if field.get("template"):
        lines = []
        for line in field["template"].split("\n"):
            paths = re.findall(r"\{([^}]+)\}", line)
            text = re.sub(r"\{([^}]+)\}", lambda m: str(FACTS.get(m.group(1), "")), line)
            if any(FACTS.get(p) for p in paths):
                lines.append(text)
        return "\n".join(lines) or None
    sources = field.get("source")
    if not sources:
        return None
    for path in [sources] if isinstance(sources, str) else sources:
        value = TODAY if path == "today" else FACTS.get(path)
        if value in (None, ""):
            continue
        if "map" in field:
            return field["map"].get(value)
        return value
    return None


def supplied_value(field: dict):
    """A value the person would type for a field that has no source."""
    t = field["type"]
    if t == "date":
        return date(2026, 2, 20)
    if t == "checkbox":
        return True
    if t in ("radio", "choice"):
        return [o for o in field["options"] if o.strip()][-1]
    return "Typed " + re.sub(r"[^A-Za-z0-9 ]", "", field["label"])[:18].strip()


def as_written(field: dict, value):
    """How a value appears in the PDF: /V for text and dates, the state name for buttons."""
    if field["type"] == "date":
        return value.strftime(field.get("format", "%m/%d/%Y")) if isinstance(value, date) else value
    if field["type"] == "checkbox":
        return "/" + field["export_value"] if value else "/Off"
    if field["type"] == "radio":
        return "/" + str(value)
    return str(value)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@lru_cache(maxsize=None)
def filled(form_id: str, flatten: bool):
    spec = library.get_form(form_id)
    supplied = {f["name"]: supplied_value(f) for f in spec["fields"]
                if not f.get("source") and not f.get("template")}
    values = field_values.build_values(form_id, context(county_for(spec)), supplied)
    return spec, values, render.fill(form_id, values, flatten=flatten)


def read_values(pdf: bytes) -> dict:
    """Fully qualified field name (the /T names joined with dots) -> /V, walking the AcroForm tree."""
    out = {}

    def walk(node, prefix):
        node = node.get_object()
        name = f"{prefix}.{node['/T']}" if prefix and "/T" in node else str(node.get("/T", prefix))
        kids = [k.get_object() for k in node.get("/Kids", [])]
        named = [k for k in kids if "/T" in k]
        for kid in named:
            walk(kid, name)
        if not named or len(named) < len(kids):
            out.setdefault(name, node.get("/V"))

    for field in PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/AcroForm"]["/Fields"]:
        walk(field, "")
    return out


def flattened_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "".join(doc[i].get_textpage().get_text_bounded() for i in range(len(doc)))
    finally:
        doc.close()


# ------------------------------------------------------------------------------------ the library

def test_library_has_thirty_forms_in_six_jurisdictions_with_answers_for_evictions():
    listed = library.list_forms()
    assert {f["id"] for f in listed} == set(FORM_IDS)
    assert len(listed) >= 30
    assert len({f["jurisdiction"] for f in listed}) >= 6
    # at least 30 of them take three or more of their fields from the case, the parties or the profile
    sourced = [f["id"] for f in listed
               if sum(bool(x.get("source") or x.get("template")) for x in library.get_form(f["id"])["fields"]) >= 3]
    assert len(sourced) >= 30, sorted(set(f["id"] for f in listed) - set(sourced))
    # every jurisdiction with an eviction form in the library has the tenant's answer form
    eviction = {f["jurisdiction"] for f in library.list_forms(case_type="LANDLORD_TENANT")}
    answers = {f["jurisdiction"] for f in library.list_forms(case_type="LANDLORD_TENANT")
               if re.search(r"answer|denial|grounds of defense", f["title"], re.I)}
    assert {"US-CA", "US-IL", "US-MI", "US-GA", "US-FL", "US-MA", "US-CT", "US-RI"} <= answers
    assert answers <= eviction


@pytest.mark.parametrize("spec_file", SPEC_FILES, ids=FORM_IDS)
def test_spec_declares_what_it_fits_and_where_its_pdf_came_from(spec_file):
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    assert spec["case_types"] and set(spec["case_types"]) <= set(CASE_TYPES)
    assert set(spec["court_types"]) <= set(COURT_TYPES)
    assert spec["court_types"] or "administrative" in spec["court_type"]  # only an agency's form has no court
    assert re.fullmatch(r"[a-z]{2}", spec["language"])
    assert re.fullmatch(r"US-[A-Z]{2,3}", spec["jurisdiction"])
    pdf = DATA / spec["pdf"]
    origin = spec["origin"]
    # unmodified: byte-identical to the file at its source
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == origin["sha256"]
    assert origin.get("publisher")
    assert ("repository" in origin and re.fullmatch(r"[0-9a-f]{40}", origin["commit"])) or "==" in origin["package"]
    for rel in re.findall(r"LICENSES/[\w.+-]+", spec["licence"]):
        assert (DATA / rel).is_file(), rel
    assert "GPL" not in spec["licence"]
    info = pdf_fields.pdf_field_info(pdf)
    for f in spec["fields"]:
        assert f["name"] in info, f["name"]
        if f["type"] == "radio":
            assert sorted(f["options"]) == sorted(info[f["name"]]["states"])
        elif f["type"] == "checkbox":
            assert f["export_value"] in info[f["name"]]["states"]
        elif f["type"] == "choice":
            assert set(f["options"]) <= set(info[f["name"]]["options"])
        else:
            assert info[f["name"]]["ft"] == "/Tx", f["name"]
        for option in (f.get("map") or {}).values():  # a mapped value must be one the field takes
            if f["type"] in ("radio", "choice"):
                assert option in f["options"], (f["name"], option)


@pytest.mark.parametrize(("kwargs", "check"), [
    ({"jurisdiction": "US-WV"}, lambda f: f["jurisdiction"] == "US-WV"),
    ({"case_type": "LANDLORD_TENANT"}, lambda f: "LANDLORD_TENANT" in f["case_types"]),
    ({"court_type": "MAGISTRATE"}, lambda f: "MAGISTRATE" in f["court_types"]),
    ({"jurisdiction": "US-CA", "case_type": "LANDLORD_TENANT"},
     lambda f: f["jurisdiction"] == "US-CA" and "LANDLORD_TENANT" in f["case_types"]),
    ({"language": "en"}, lambda f: f["language"] == "en"),
])
def test_list_forms_filters(kwargs, check):
    everything = library.list_forms()
    chosen = library.list_forms(**kwargs)
    assert chosen and all(check(f) for f in chosen)
    assert {f["id"] for f in chosen} == {f["id"] for f in everything if check(f)}


def test_list_forms_filters_are_case_insensitive_and_empty_when_nothing_fits():
    assert {f["id"] for f in library.list_forms("us-ga", case_type="landlord_tenant")} == {
        "ga_dispossessory_answer", "ga_affidavit_of_indigence"}
    assert library.list_forms("US-WV", case_type="BANKRUPTCY") == []
    assert library.list_forms(language="es") == [f for f in library.list_forms() if f["language"] == "es"]


# ------------------------------------------------------------------------------------ filling

@pytest.mark.parametrize("form_id", FORM_IDS)
def test_form_fills_from_case_data_and_reads_back(form_id):
    spec, values, result = filled(form_id, False)
    written = read_values(result.pdf_bytes)
    prefilled = 0
    for f in spec["fields"]:
        expected = expected_from_source(f, county_for(spec))
        if expected is None and (f.get("source") or f.get("template")):
            assert f["name"] in result.unfilled, f"{f['name']} has no value and is not reported unfilled"
            continue
        if expected is None:
            expected = supplied_value(f)
        else:
            prefilled += 1
        got = written[f["name"]]
        want = as_written(f, expected)
        if f["name"] in result.overflow:  # too long for its box: the addendum holds it
            assert str(got).startswith(("See add", "Add.", "A")), f["name"]
            continue
        assert got == want, f"{form_id}: {f['name']!r} reads {got!r}, expected {want!r}"
        assert f["name"] not in result.unfilled
    assert prefilled >= 1, "a form must take at least one of its fields from the case"
    # the request's own values never go missing
    assert set(result.filled) >= set(values)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_flattened_form_shows_the_case_values_as_page_text(form_id):
    spec, values, result = filled(form_id, True)
    reader = PdfReader(io.BytesIO(result.pdf_bytes))
    assert "/AcroForm" not in reader.trailer["/Root"]
    shown = squash(flattened_text(result.pdf_bytes))
    checked = 0
    for f in spec["fields"]:
        if f["type"] not in ("text", "multiline", "date") or f["name"] in result.overflow:
            continue
        value = values.get(f["name"])
        if value:
            assert squash(str(value)) in shown, f"{form_id}: {f['name']!r} ({value!r}) not on the page"
            checked += 1
    assert checked >= 3


def test_required_fields_left_empty_are_reported_by_name():
    spec = library.get_form("va_dc442_grounds_of_defense")
    values = field_values.build_values(spec["id"], context(), {})
    result = render.fill(spec["id"], values)
    assert result.missing_required == ["User.1"]  # the defence itself is the person's to write
    assert "User.1" in result.unfilled and "User.TrialDate" in result.unfilled
    values = field_values.build_values(spec["id"], context(), {"User.1": "I paid the rent on 2026-02-01."})
    assert render.fill(spec["id"], values).missing_required == []


def test_court_type_maps_to_the_words_the_form_prints():
    wv = field_values.build_values("wv_civil_case_information_statement_any_court", context(), {})
    assert wv["court"] == "Magistrate" and wv["without_attorney"] is True
    ctx = context()
    ctx["case"]["court_type"] = "STATE_TRIAL"
    ctx["user"]["user_type"] = "ATTORNEY"
    wv = field_values.build_values("wv_civil_case_information_statement_any_court", ctx, {})
    assert wv["court"] == "Circuit" and "without_attorney" not in wv


def test_template_joins_name_address_and_phone_and_drops_empty_lines():
    mi = field_values.build_values("mi_dc111a_answer_nonpayment", context(), {})
    assert mi["Defendant name, address, and telephone number"] == (
        "Robin Filer\n45 Oak Ave, Apt 2, Charleston, WV 25302\n304-555-0142")
    ctx = context()
    ctx["user"].pop("phone")
    ctx["parties"][0].pop("contact")
    mi = field_values.build_values("mi_dc111a_answer_nonpayment", ctx, {})
    assert mi["Defendant name, address, and telephone number"] == "Robin Filer\n45 Oak Ave, Apt 2, Charleston, WV 25302"
    assert mi["Plaintiff name, address, and telephone number"] == "Pat Plaintiff LLC"


def test_choice_fields_take_a_county_whatever_its_case_or_suffix():
    ctx = context()
    ctx["case"]["county"] = "kanawha county"
    ctx["case"]["jurisdiction"] = "US-TN"
    with pytest.raises(library.FormValueInvalid):  # not a Tennessee county: named, not guessed
        field_values.build_values("tn_sworn_denial", ctx, {})
    ctx["case"]["county"] = "davidson County"
    assert field_values.build_values("tn_sworn_denial", ctx, {})["county"] == "Davidson"


def test_filled_xfa_form_drops_the_xfa_layer_so_viewers_show_the_values():
    blank = PdfReader(str(DATA / library.get_form("ca_ud105_answer_unlawful_detainer")["pdf"]))
    assert "/XFA" in blank.trailer["/Root"]["/AcroForm"]  # the library copy stays as published
    _, _, result = filled("ca_ud105_answer_unlawful_detainer", False)
    assert "/XFA" not in PdfReader(io.BytesIO(result.pdf_bytes)).trailer["/Root"]["/AcroForm"]
