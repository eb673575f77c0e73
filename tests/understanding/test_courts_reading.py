"""Courts, case numbers, deadlines, document types and citations read the way a careful reader reads them.

Each test is a short synthetic paper of a kind of real court paper (not a copy of an evaluation item).
"""
from __future__ import annotations

from datetime import date

from app.understanding import local


def court_names(text: str) -> list[str]:
    return [c["name"] for c in local.analyze(text)["courts"]]


# ----------------------------------------------------------------------------- courts

def test_a_caption_court_keeps_its_county_and_division_lines():
    text = ("SUPERIOR COURT OF NEW JERSEY\nCAMDEN COUNTY – CHANCERY DIVISION\nGENERAL EQUITY PART\n"
            "DOCKET NO.: CAM-C-000123-26\nCIVIL ACTION\n\nORDER\n")
    assert court_names(text) == ["Superior Court of New Jersey, Camden County – Chancery Division, General Equity Part"]


def test_a_division_line_above_the_court_and_a_two_column_caption():
    above = " ESSEX COUNTY LAW DIVISION\n SUPERIOR COURT OF NEW JERSEY\n 50 WEST MARKET ST\n TRACK ASSIGNMENT NOTICE\n"
    assert court_names(above) == ["Superior Court of New Jersey, Essex County Law Division"]
    columns = ("JANE ROE,  :  SUPERIOR COURT OF NEW JERSEY\nPLAINTIFF:  :\n:  BERGEN COUNTY\n"
               "v.  :  Docket No. BER-L-1234-26\n")
    assert court_names(columns) == ["Superior Court of New Jersey, Bergen County"]


def test_an_address_line_under_the_court_is_not_part_of_its_name():
    text = "SUPERIOR COURT OF NEW JERSEY\n1201 MAIN STREET\nAPPELLATE DIVISION\n"
    assert court_names(text) == ["Superior Court of New Jersey"]


def test_texas_numbered_courts_of_appeals_and_the_court_below():
    text = ("Case Detail\n\nFourth Court of Appeals\n\nCase: 04-26-00123-CV\n\nTransfer From:\n\n"
            "13th Court of Appeals - Corpus Christi\n\nTrial Court Information\n\nCourt\n\n73rd District Court\n\n"
            "Court Judge\n\nHonorable Judge 73rd District Court\n\nReporter\n\nCourt Reporter 73rd District Court\n\n"
            "Appeal from County Criminal Court at Law No. 4 and the Court of Criminal Appeals.\n")
    assert court_names(text) == ["Fourth Court of Appeals", "13th Court of Appeals - Corpus Christi",
                                 "73rd District Court", "County Criminal Court at Law No. 4", "Court of Criminal Appeals"]


def test_a_web_pages_menu_of_courts_names_no_court_of_the_paper():
    menu = "\n\n".join(["Supreme Court", "Court of Criminal Appeals"] + [f"{n} Court of Appeals" for n in
                                                                       ("1st", "2nd", "3rd", "4th", "5th")])
    text = f"Case Detail\n\nSecond Court of Appeals\n\nAbout Texas Courts\n\n{menu}\n\nCase: 02-26-00001-CV\n"
    assert court_names(text) == ["Second Court of Appeals"]


def test_supreme_court_named_in_prose_and_its_rules_are_not_a_court():
    text = ("Our Supreme Court has held otherwise. The Court of Appeals reversed. Under Illinois Supreme Court "
            "Rule 137, a signature certifies the filing. The Juvenile Court Act of 1987 does not apply.\n")
    assert court_names(text) == ["Supreme Court", "Court of Appeals"]


def test_a_short_name_is_dropped_when_the_paper_names_that_court_in_full():
    text = ("Supreme Court of Ohio\n\nThe Ohio Supreme Court reviews the judgment. The Supreme Court declined.\n"
            "CM/ECF District of Oregon Version 7\nU.S. District Court\nDistrict of Oregon (Portland)\n")
    assert court_names(text) == ["Supreme Court of Ohio", "United States District Court for the District of Oregon"]


def test_pacer_names_a_district_court_by_its_district():
    text = "Appeal From: Western District of Texas\nCase Handler: Doe, Jane\n"
    assert court_names(text) == ["Western District of Texas"]


def test_a_court_that_is_a_party_in_a_cited_case_or_an_unticked_choice_is_not_named():
    text = ("State ex rel. Roe v. Circuit Court for Polk County, 2010 WI 12, 320 Wis. 2d 1.\n"
            "In the [ ] District [ ] Justice Court of Utah\n")
    assert court_names(text) == []


def test_a_form_names_its_court_with_the_county_filled_in():
    text = ("IN THE STATE OF ILLINOIS, CIRCUIT COURT\nCOUNTY: ______________________ Peoria\n"
            "County Where You Are Filing the Case\n")
    assert court_names(text) == ["State of Illinois, Circuit Court, Peoria County"]


def test_a_bankruptcy_form_heading_with_its_field_colons():
    text = "United States Bankruptcy Court for the:\nSouthern District of: Ohio\nCase number (if known):\n"
    assert court_names(text) == ["United States Bankruptcy Court for the Southern District of Ohio"]


def test_a_place_named_circuit_court_and_a_numbered_federal_circuit():
    text = "The award was sent to the Lynchburg Circuit Court. Notice of appeal to the Fifth Circuit Court of Appeals.\n"
    assert court_names(text) == ["Lynchburg Circuit Court", "Fifth Circuit Court of Appeals"]


def test_a_bilingual_form_names_its_court_once():
    text = ("Superior Court of New Jersey\nLaw Division, Special Civil Part\n\n"
            "Tribunal Superior de Nueva Jersey\nDivisión de Derecho, Parte Civil Especial\n")
    assert court_names(text) == ["Superior Court of New Jersey, Law Division, Special Civil Part"]


def test_a_texas_caption_column_gives_the_court_its_precinct_and_county():
    text = ("CAUSE NO. 26-CV-0042\n\nACME LLC,            §      IN THE JUSTICE COURT\n     Plaintiff,      §\n"
            "                     §      PRECINCT TWO\nv.                   §\n                     §\n"
            "JOHN ROE,            §      BEXAR COUNTY, TEXAS\n")
    assert court_names(text) == ["Justice Court, Precinct Two, Bexar County, Texas"]
    assert court_names("IN THE JUSTICE COURT\nThe tenant must answer.\n") == []     # no place: no court named


# ----------------------------------------------------------------------------- case numbers

def case_numbers(text: str) -> list[tuple[str, bool]]:
    return [(c["value"], c["primary"]) for c in local.analyze(text)["case_numbers"]]


def test_a_new_jersey_number_written_two_ways_is_one_case_in_its_fuller_form():
    text = ("SUPERIOR COURT OF NEW JERSEY\nDOCKET NO: BER-L-415-26\nORDER\n"
            " BER-L-000415-26  03/02/2026  Pg 1 of 1  Trans ID: LCV2026123456\nMOTION NO.: M-000111-26\n"
            "Our File No.: 5521-09\n")
    assert case_numbers(text) == [("BER-L-000415-26", True)]
    assert case_numbers(" DOCKET: ESX L -001234 26\n THE ABOVE CASE HAS BEEN ASSIGNED TO: TRACK 2.\n") == [
        ("ESX L -001234 26", True)]


def test_state_numbers_known_by_their_shape_on_forms():
    assert case_numbers("2027SC000123 ____________________\nCase Number\n") == [("2027SC000123", True)]
    assert case_numbers("(Jr./Sr./III) Number 2622-FC00417\n") == [("2622-FC00417", True)]
    assert case_numbers("Kent COUNTY  MOTION REGARDING SUPPORT  26-001234-DM\n") == [("26-001234-DM", True)]


def test_numbers_written_with_letters_after_no():
    assert case_numbers("No. A26A0123.\n") == [("A26A0123", True)]
    assert case_numbers("You will be notified for No. 26A301.\n") == [("26A301", True)]
    assert case_numbers("Case: WR-12,345-02\n") == [("WR-12,345-02", True)]


def test_the_court_below_and_cited_cases_numbers_are_not_this_papers():
    text = ("Docket No. 170001.\n\nCOA No. 361234.\n\nSupreme Court of Michigan.\n"
            "See Roe v. Doe, 500 Mich. 1, 900 N.W.2d 1 (2017) (Docket # 155555); "
            "review denied, 2019 WI 1, 380 Wis.2d 1 (No. 2018AP1234).\n")
    assert case_numbers(text) == [("170001", True), ("361234", False)]


def test_a_form_approval_order_is_not_the_case_of_the_form():
    text = "© Form Approved by the Supreme Court of Texas by order in Misc. Docket No. 15-9001 (May 1, 2015)\n"
    assert case_numbers(text) == []


# ----------------------------------------------------------------------------- deadlines

def test_a_statute_quoted_in_an_opinion_gives_no_deadline():
    text = ("COURT OF APPEALS OF OHIO\n\nOpinion Filed March 3, 2026.\n\n¶ 4 We affirm the trial court.\n\n"
            "OHIO REV. CODE § 1923.04 provides:\n\n(A) The landlord shall, within 3 days of the filing of the "
            "complaint, serve a notice on the tenant.\n\n¶ 5 The landlord did so.\n")
    result = local.analyze(text)
    assert result["deadlines"] == []
    assert not any("March 6, 2026" in step for step in result["next_steps"])


def test_the_same_sentence_addressed_to_the_reader_is_still_a_deadline():
    text = ("SUPERIOR COURT OF NEW JERSEY\nORDER\n\nDated: March 3, 2026\n\nIT IS ORDERED that the motion is granted. "
            "All other parties shall be served by the party obtaining this Order within seven (7) days of its entry.\n")
    deadlines = local.analyze(text, reference_date=None)["deadlines"]
    assert [d["due_date"] for d in deadlines] == ["2026-03-10"]
    assert deadlines[0]["rule"]["anchor"] == "entry"


# ----------------------------------------------------------------------------- citations

def citations(text: str) -> list[str]:
    return [c["text"] for c in local.analyze(text)["citations"]]


def test_each_subsection_of_a_statute_is_its_own_citation():
    text = ("The court applied Code § 20-107.3(A)(1). The husband relies on Code § 20-107.3(A)(3)(d), "
            "and again on Code § 20-107.3(A)(1).\n")
    assert citations(text) == ["Code § 20-107.3(A)(1)", "Code § 20-107.3(A)(3)(d)"]


def test_the_federal_rules_of_evidence_are_cited_without_p():
    assert citations("A witness's character for truthfulness. Fed. R. Evid. 608(b).\n") == ["Fed. R. Evid. 608(b)"]


def test_a_docket_calendar_row_naming_the_court_it_is_due_in_is_a_deadline():
    text = ("Case: 07-26-00012-CR\n\nCalendars\n\nSet Date \tCalendar Type \tReason Set\n\n"
            "05/04/2026 \tStatus \tPetition for discretionary review due in Court of Criminal Appeals\n")
    deadlines = local.analyze(text, reference_date=date(2026, 4, 1))["deadlines"]
    assert [d["due_date"] for d in deadlines] == ["2026-05-04"]
