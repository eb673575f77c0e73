"""The analysis of a document suggests the deadline triggers and court forms of its case's jurisdiction."""
from pathlib import Path

from app.forms.suggestions import suggest
from app.understanding import local

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "analysis"


def analysed(name, jurisdiction):
    return local.analyze((FIXTURES / f"{name}.txt").read_text(), jurisdiction=jurisdiction)


def test_a_dispossessory_summons_suggests_its_trigger_and_the_answer_form_first():
    s = suggest(analysed("ga_dispossessory_summons", "US-GA"), jurisdiction="US-GA", case_type="LANDLORD_TENANT")
    assert [t["id"] for t in s["triggers"]] == ["dispossessory_served"]
    assert "ga_dispossessory_answer" in s["triggers"][0]["rule_ids"]
    assert s["forms"][0]["id"] == "ga_dispossessory_answer" and "respond to a summons" in s["forms"][0]["why"]
    assert "summons" in s["triggers"][0]["why"]


def test_a_notice_to_quit_puts_the_notice_trigger_before_the_court_event():
    s = suggest(analysed("ma_notice_to_quit_nonpayment", "US-MA"), jurisdiction="US-MA", case_type="LANDLORD_TENANT")
    first = s["triggers"][0]
    assert first["id"] == "notice_to_quit_nonpayment_received" and "quit" in first["matched_words"]
    assert "ma_ntq_cure_at_will" in first["rule_ids"]
    assert "ma_summary_process_answer" in {f["id"] for f in s["forms"]}


def test_a_federal_case_uses_the_federal_rules_and_the_states_forms():
    s = suggest(analysed("fed_summons_civil", "US-WV"), jurisdiction="US-WV", case_type="CIVIL_LITIGATION",
                court_type="FEDERAL_DISTRICT")
    assert s["jurisdiction"] == "US-FED"
    assert s["triggers"][0]["id"] == "service_of_summons_and_complaint"


def test_no_rule_file_or_no_matching_rule_means_no_trigger_and_a_note_saying_so():
    a = analysed("ga_dispossessory_summons", "US-GA")
    none = suggest(a, jurisdiction="US-VT", case_type="LANDLORD_TENANT")
    assert none["triggers"] == [] and none["forms"] == []
    assert any("no deadline rules for US-VT" in n for n in none["notes"])
    small = suggest(analysed("il_small_claims_summons", "US-IL"), jurisdiction="US-IL", case_type="SMALL_CLAIMS")
    assert small["triggers"] == [] and any("starts from a summons" in n for n in small["notes"])
    assert "il_eviction_answer" not in {f["id"] for f in small["forms"]}  # forms follow the case type
    assert small["forms"][0]["id"] == "il_appearance"  # what an Illinois small claims summons asks you to file


def test_a_judgment_puts_the_appeal_form_first():
    a = {"document_type": "judgment", "summary": "Judgment for possession entered against the tenant."}
    s = suggest(a, jurisdiction="US-IL", case_type="LANDLORD_TENANT")
    assert {"il_postjudgment_motion", "il_appeal"} <= set(s["triggers"][0]["rule_ids"])
    assert s["forms"][0]["id"] == "il_notice_of_appeal" and "appeal" in s["forms"][0]["why"]


def test_a_landlords_complaint_in_connecticut_rhode_island_or_south_carolina_suggests_the_courts_answer():
    a = {"document_type": "complaint", "summary": "Landlord's complaint for possession and unpaid rent."}
    for jurisdiction, answer in (("US-CT", "ct_jdhm5_summary_process_answer"),
                                 ("US-RI", "ri_dc53_answer_defendant_tenant"),
                                 ("US-SC", "sc_scca703_magistrate_answer")):
        s = suggest(a, jurisdiction=jurisdiction, case_type="LANDLORD_TENANT")
        assert s["forms"][0]["id"] == answer and "respond to a complaint" in s["forms"][0]["why"], jurisdiction
