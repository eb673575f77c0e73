"""Document types, the paper's own court, amounts and case numbers read the way a careful reader reads them.

Each test is a short synthetic paper laid out like a kind of real court paper (not a copy of an evaluation item).
"""
from __future__ import annotations

from app.understanding import local
from app.understanding.evaluate import score_document


def primary_courts(text: str) -> list[str]:
    return [c["name"] for c in local.analyze(text)["courts"] if c["primary"]]


def amounts(text: str) -> list[str]:
    return [a["value"] for a in local.analyze(text)["amounts"]]


# ------------------------------------------------------------------------ the paper's own court

def test_the_caption_court_is_the_papers_own_and_the_court_below_is_not():
    text = ("IN THE COURT OF APPEALS OF GEORGIA\n\nA26A0123. DOE v. ROE.\n\n"
            "Appeal from the Superior Court of Fulton County.\n\nOPINION\n\nWe affirm.\n")
    result = local.analyze(text)
    assert [(c["name"], c["primary"]) for c in result["courts"]] == [
        ("Court of Appeals of Georgia", True), ("Superior Court of Fulton County", False)]


def test_a_docket_whose_only_court_is_the_trial_court_names_no_court_of_its_own():
    text = ("Case: WR-12,345-01\n\nStyle:\n\nDOE, JOHN\n\nTrial Court Information\n\nCourt\n\n"
            "185TH DISTRICT COURT\n\nCounty\n\nHarris\n")
    result = local.analyze(text)
    assert [c["name"] for c in result["courts"]] == ["185th District Court"]
    assert primary_courts(text) == []


def test_the_court_that_approved_a_form_is_not_the_court_of_the_case():
    text = ("© Form Approved by the Supreme Court of Texas by order in Misc. Docket No. 13-9085\n"
            "Cause Number: ______________\n\nIn the District Court of Travis County, Texas\n\nWaiver of Service\n")
    assert primary_courts(text) == ["District Court of Travis County, Texas"]


def test_the_scorer_scores_the_primary_court_and_a_paper_with_no_own_court():
    labels = {"courts": [{"name": "U.S. District Court, California Northern District", "primary": True}]}
    flagged = {"courts": [{"name": "Superior Court of California", "primary": False},
                          {"name": "United States District Court for the Northern District of California", "primary": True}]}
    report = score_document(labels, flagged)
    assert report["primary_court"][0] == report["primary_court"][1]
    none_flagged = {"courts": [{"name": "United States District Court for the Northern District of California",
                                "primary": False}]}
    assert score_document(labels, none_flagged)["primary_court"][1] is None
    unmarked = {"courts": [{"name": "United States District Court for the Northern District of California"}]}
    assert score_document(labels, unmarked)["primary_court"][0] == score_document(labels, unmarked)["primary_court"][1]


# ----------------------------------------------------------------------------------------- amounts

def test_a_pacer_receipts_charge_is_an_amount_without_a_dollar_sign():
    text = ("PACER Service Center\n\nTransaction Receipt\n\n06/06/2017 14:05:12\n\n"
            "Description: \t Docket Report \t Search Criteria: \t 3:08-cv-00284-TMB\n\n"
            "Billable Pages: \t 2 \t Cost: \t 0.20\n")
    assert amounts(text) == ["0.20"]


def test_a_footnote_mark_after_a_sum_is_not_its_cents():
    text = ("She maintains the trial court erred in awarding the husband $25,000 when expert testimony "
            "opined the improvements increased the value of the house by $20,000.1 For the reasons stated, we reverse.")
    assert amounts(text) == ["25000.00", "20000.00"]


def test_numbers_after_labels_that_are_not_money_fields_are_not_amounts():
    text = "Billable Pages: 12.50\nCase Number: 2025.10\nDocument: 14.00\n"
    assert amounts(text) == []


def test_the_served_api_document_shows_the_primary_flag_of_a_court(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["CourtFound"]["properties"]["primary"]["type"] == "boolean"
    assert "primary" in schemas["CaseNumberFound"]["properties"]


# ------------------------------------------------------------------------------------ document types

def doc_type(text: str) -> str:
    return local.analyze(text)["document_type"]


def test_an_order_whose_title_ocr_lost_is_read_from_its_ordered_paragraph():
    text = ("UNITED STATES TAX COURT\nWASHINGTON, DC 20217\n\nIn the Matter of\n\nA CHARGE OF JUDICIAL No. TC-26-90001\n"
            "MISCONDUCT OR DISABILITY,\n\nRDER\n\nThe Court received a complaint alleging that a judge engaged in "
            "judicial misconduct. Upon due consideration, it is\n\nORDERED that the complaint is dismissed for the reasons "
            "stated in the attached Memorandum.\n\nThe complainant may petition the Council to review this order.\n")
    assert doc_type(text) == "order"


def test_an_order_on_an_application_that_recites_motions_is_an_order():
    text = ("Jane ROE, Petitioner-Appellant,\nv.\nJohn DOE, Respondent-Appellee.\n\nDocket No. 140001.\n\n"
            "Supreme Court of Michigan.\n\nMarch 3, 2026.\n\nOn order of the Court, the application for leave to appeal "
            "is considered, and it is DENIED, because we are not persuaded that the questions presented should be "
            "reviewed by this Court.\n\nPetitioner has filed numerous motions for recusal; each of the prior motions "
            "for recusal has been denied.\n")
    assert doc_type(text) == "order"


def test_a_disposition_standing_alone_is_an_order():
    text = ("People\nv.\nJohn Doe\n\nCourt of Appeals of New York\n\nMay 14, 2026\n\nSmith, J.\n\nDenied.\n")
    assert doc_type(text) == "order"
    assert doc_type("The court reporter said the request was denied. We discussed it.") != "order"


def test_a_court_notice_of_a_scheduled_conference_is_a_notice():
    text = ("SUPERIOR COURT OF NEW JERSEY\nATLANTIC COUNTY\nGENERIC PROCEEDING\n10/28/2026\n"
            "CASE CAPTION: ACME VS DOE JOHN\nCASE NUMBER: ATL-DC-001234-26\n"
            "A Settlement Conference is scheduled for Docket Number ATL-DC-001234-26 on 01/08/2027 at 09:00 AM.\n"
            "You must attend virtually.\n")
    assert doc_type(text) == "notice"


def test_a_court_systems_emailed_notice_with_a_docket_text_field_is_a_notice():
    text = ("SUPERIOR COURT OF NEW JERSEY - eCOURTS\nThe following notice is being sent from eCourts:\n"
            "Plaintiff Name:  ACME LLC\nDefendant Name:  JOHN DOE\nCase Number:  ATL DC 001234-26\n"
            "Docket Text:  The motion filed on 11/26/2026 will be decided on 12/11/2026.\n"
            "Notice has been electronically mailed to:\nDefendant  DOE, JOHN\n"
            "This communication is for notification purposes only.\n")
    assert doc_type(text) == "notice"


def test_a_court_forms_approval_line_makes_it_a_form_though_its_title_names_a_judgment():
    utah = ("1201DCJ Approved May 21, 2018 /\nRevised September 19, 2019\n"
            "Acknowledgement of Satisfaction of Judgment Page 1 of 3\nName\nAddress\n"
            "I am [ ] Plaintiff/Petitioner [ ] Defendant/Respondent\n"
            "Acknowledgement of Satisfaction of\nJudgment\n_______________\nCase Number\n"
            "1. A judge of this court signed the judgment in this case on ___________ (date).\n"
            "3. The judgment has been fully satisfied.\n")
    assert doc_type(utah) == "form"


# ------------------------------------------------------------------------------------ courts on forms

def court_names(text: str) -> list[str]:
    return [c["name"] for c in local.analyze(text)["courts"]]


def test_a_michigan_form_names_its_numbered_circuit_with_the_county_below():
    text = ("Approved, SCAO  1st copy - Plaintiff\nSTATE OF MICHIGAN  ORDER EXEMPTING CASE FROM  CASE NO.\n"
            "6th JUDICIAL CIRCUIT  FRIEND OF THE COURT SERVICES\nOakland COUNTY  (PAGE 1)  2025-712345-DM\n"
            "Court address  Telephone no.\n")
    assert court_names(text) == ["6th Judicial Circuit, Oakland County"]
    assert court_names("The sixth judicial circuit of the state heard it.") == []


def test_a_form_blank_filled_with_the_county_names_a_county():
    text = ("IN THE CIRCUIT COURT OF Greene , MISSOURI\n(County where court is located. City of Saint Louis is "
            "considered a county.)\nIn re:\nJane Doe\nNotice of Hearing\n")
    assert court_names(text) == ["Circuit Court of Greene County, Missouri"]
