"""West Virginia magistrate-court eviction forms: the tenant's answer (MLTAWWO) and the petition for
appeal (SCA-M111), filled from a West Virginia eviction case and read back from the PDF; a fill the
case cannot complete is refused naming the empty fields."""
from __future__ import annotations

import io
from datetime import date

import pypdfium2 as pdfium
from pypdf import PdfReader

from app.forms import field_values, library, render

ANSWER = "wv_mltawwo_answer_wrongful_occupation"
APPEAL = "wv_sca_m111_petition_for_appeal_bench_trial"

CASE = {"case_number": "26-M20C-00417", "county": "Kanawha", "title": "Mountain View Apartments v. Tenant",
        "case_type": "LANDLORD_TENANT", "court_type": "MAGISTRATE", "jurisdiction": "US-WV"}
USER = {"name": "Alice Tenant", "phone": "304-555-0142", "address_line_one": "45 Oak Ave, Apt 2",
        "city_state_zip": "Charleston, WV 25302", "address": "45 Oak Ave, Apt 2, Charleston, WV 25302",
        "address_on_one_line": "45 Oak Ave, Apt 2, Charleston, WV 25302"}
PARTIES = [{"name": "Mountain View Apartments LLC", "role": "PLAINTIFF", "contact": "12 Main St, Charleston, WV 25301"},
           {"name": "Alice Tenant", "role": "DEFENDANT"}]


def context(case=None, user=None):
    return {"case": dict(case or CASE), "user": dict(USER if user is None else user),
            "parties": [dict(p) for p in PARTIES], "today": date(2026, 3, 2)}


def written(pdf: bytes) -> dict:
    return {str(f["/T"]): f.get("/V") for f in (PdfReader(io.BytesIO(pdf)).get_fields() or {}).values()
            if f.get("/T")}


def shown(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "".join(doc[i].get_textpage().get_text_bounded() for i in range(len(doc)))
    finally:
        doc.close()


def test_both_forms_are_listed_for_a_west_virginia_magistrate_eviction():
    listed = {f["id"] for f in library.list_forms("US-WV", case_type="LANDLORD_TENANT", court_type="MAGISTRATE")}
    assert {ANSWER, APPEAL} <= listed
    assert ANSWER not in {f["id"] for f in library.list_forms("US-WV", case_type="FAMILY_LAW")}


def test_answer_fills_the_caption_the_tenants_choices_and_address_from_the_case():
    values = field_values.build_values(ANSWER, context(), {
        "denying": True, "defenses": True, "warranty_of_habitability": True,
        "detail": "The heat has not worked since January; I told the manager in writing on Jan. 12."})
    result = render.fill(ANSWER, values)
    assert result.missing_required == [] and result.overflow == []
    got = written(result.pdf_bytes)
    assert got["upper_county"] == "Kanawha" and got["case_num"] == "26-M20C-00417"
    assert got["p1_name"] == "Mountain View Apartments LLC"      # the landlord, from the case's parties
    assert got["d1_name"] == "Alice Tenant"
    assert got["d1_address_one_line"] == "45 Oak Ave, Apt 2, Charleston, WV 25302"
    assert got["d1_phone"] == "304-555-0142"
    assert got["denying"] == "/Yes" and got["warranty_of_habitability"] == "/Yes"
    assert got.get("admitting") in (None, "/Off") and got.get("retaliation") in (None, "/Off")
    flat = shown(render.fill(ANSWER, values, flatten=True).pdf_bytes)
    for text in ("Kanawha", "26-M20C-00417", "Mountain View Apartments LLC", "heat has not worked"):
        assert text in flat


def test_answer_without_a_case_number_or_an_address_names_both_fields():
    case = {k: v for k, v in CASE.items() if k != "case_number"}
    values = field_values.build_values(ANSWER, context(case=case, user={"name": "Alice Tenant"}))
    assert render.fill(ANSWER, values).missing_required == ["case_num", "d1_address_one_line"]


def test_appeal_petition_names_the_parties_the_magistrate_and_the_judgment_date():
    values = field_values.build_values(APPEAL, context(), {
        "magistrate_name": "J. Doe", "month_day": date(2026, 2, 27)})
    result = render.fill(APPEAL, values)
    assert result.missing_required == []
    got = written(result.pdf_bytes)
    assert got["p1_name"] == "Mountain View Apartments LLC"
    assert got["p1_address_one"] == "12 Main St, Charleston, WV 25301"
    assert got["d1_name"] == "Alice Tenant"                       # printed in the caption and as the appellant
    assert got["d1_address_one"] == "45 Oak Ave, Apt 2" and got["d1_address_two"] == "Charleston, WV 25302"
    assert got["lower_county"] == "Kanawha" and got["month_day"] == "February 27, 2026"
    flat = shown(render.fill(APPEAL, values, flatten=True).pdf_bytes)
    assert "February 27, 2026" in flat and "J. Doe" in flat


def test_appeal_petition_needs_the_judgment_it_appeals_from():
    values = field_values.build_values(APPEAL, context())
    assert render.fill(APPEAL, values).missing_required == ["magistrate_name", "month_day"]


def test_api_refuses_an_incomplete_answer_with_422_naming_the_fields(alice):
    case = alice.create_case(title="Mountain View Apartments v. Tenant", case_type="LANDLORD_TENANT",
                             court_type="MAGISTRATE", jurisdiction="US-WV", county="Kanawha")
    r = alice.post(f"/api/v1/cases/{case['id']}/parties",
                   json={"name": "Mountain View Apartments LLC", "role": "PLAINTIFF"})
    assert r.status_code == 201, r.get_json()
    r = alice.post(f"/api/v1/cases/{case['id']}/forms", json={"form_id": ANSWER, "values": {"denying": True}})
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["errors"]) == {"values.case_num", "values.d1_address_one_line"}
    assert "allow_incomplete" in r.get_json()["detail"]


def test_the_readme_example_eviction_summons_suggests_the_answer_form_first():
    from pathlib import Path

    from app.forms.suggestions import suggest
    from app.understanding import local

    text = (Path(__file__).resolve().parents[1] / "fixtures" / "analysis" / "wv_magistrate_eviction_summons.txt")
    s = suggest(local.analyze(text.read_text(), jurisdiction="US-WV"), jurisdiction="US-WV",
                case_type="LANDLORD_TENANT", court_type="MAGISTRATE")
    assert s["forms"][0]["id"] == ANSWER and "summons" in s["forms"][0]["why"]
