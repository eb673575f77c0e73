"""Parties and judges: one short synthetic paper per reading rule (none is a copy of an evaluation item)."""
from __future__ import annotations

import pytest

from app.understanding import local
from app.understanding.local import analyze


@pytest.fixture(scope="module", autouse=True)
def _warm():
    local.warm_up()


def roles(text: str) -> dict[str, str]:
    return {p["name"]: p["role"] for p in analyze(text)["parties"]}


def judges(text: str) -> list[str]:
    return [j["name"] for j in analyze(text)["judges"]]


# ------------------------------------------------------------------ docket party tables

APPELLATE_TABLE = (
    "Case: 07-25-00123-CR\n\nParties\n\nParty\tPartyType\tRepresentative\n\n"
    "Mendez, Rosa Alicia\tCriminal - Appellant\tMr. Paul T. Greer\n"
    "Ms. Hannah Lowry\n"
    "The State of Texas\tCriminal - State of Texas\tThe Honorable Carl D. Boone, District Attorney\n"
    "Hon. Ellen P. Marsh\n\n"
    "Case Documents, Opinions, Notices:\n\nTrial Court Information\n\nCourt Judge\n\nHonorable Walter Briggs\n"
)


def test_party_table_reads_every_row_and_every_lawyer_below_it():
    r = roles(APPELLATE_TABLE)
    assert r == {"Rosa Alicia Mendez": "APPELLANT", "Paul T. Greer": "ATTORNEY", "Hannah Lowry": "ATTORNEY",
                 "The State of Texas": "APPELLEE", "Carl D. Boone": "ATTORNEY", "Ellen P. Marsh": "ATTORNEY"}


def test_a_lawyer_called_honorable_in_the_party_table_is_not_a_judge():
    found = judges(APPELLATE_TABLE)
    assert "Ellen P. Marsh" not in found and "Carl D. Boone" not in found
    assert "Walter Briggs" in found                 # the trial court's judge still is


def test_party_table_types_relator_applicant_and_real_party_in_interest():
    text = ("Party\tPartyType\tRepresentative\n"
            "Okafor, Daniel\tRelator\tDaniel Okafor\n"
            "Brightline Storage, LLC\tReal Party in Interest\tMs. Tara Quinn\n"
            "No Party.\n")
    assert roles(text) == {"Daniel Okafor": "PETITIONER", "Brightline Storage, LLC": "OTHER", "Tara Quinn": "ATTORNEY"}
    text = "Party\tPartyType\tRepresentative\nPELL, ARNOLD WAYNE\tApplicant\n\nCase Documents, Opinions, Notices:\n"
    assert roles(text) == {"Arnold Wayne Pell": "PETITIONER"}


def test_party_table_keeps_organisations_whole_and_drops_et_al():
    text = ("Party\tPartyType\tRepresentative\n"
            "Harbor Freight Holdings, LLC\tAppellant\tJune Ito\n"
            "Lakeside Church of Dalton, Georgia, et al.\tAppellee\tOmar Haddad\n"
            "County Board of Trustees\tAppellee\tOmar Haddad\n")
    r = roles(text)
    assert r["Harbor Freight Holdings, LLC"] == "APPELLANT"
    assert r["Lakeside Church of Dalton, Georgia"] == "APPELLEE"
    assert r["County Board of Trustees"] == "APPELLEE"      # "Trustees" here is part of the name, not a role


def test_state_with_no_appellant_in_an_original_proceeding_has_no_invented_role():
    text = ("Party\tPartyType\tRepresentative\n"
            "The State of Texas\tCriminal - State of Texas\tNora Bell\n"
            "Quist, Adam\tRelator\tAdam Quist\n")
    assert roles(text) == {"The State of Texas": "OTHER", "Nora Bell": "ATTORNEY", "Adam Quist": "PETITIONER"}


# ------------------------------------------------------------------ captions as blocks

def test_decision_caption_with_dual_roles_takes_the_role_on_appeal():
    text = ("HARLAN FEED SUPPLY, INC., Plaintiff-Appellant,†\nv.\nCOUNTY OF BRENNAN, Defendant-Respondent.\n\n"
            "No. 2019AP1234.\n\nCourt of Appeals of Wisconsin.\n\nOpinion Filed June 2, 2020.\n")
    assert roles(text) == {"Harlan Feed Supply, Inc.": "APPELLANT", "County of Brennan": "RESPONDENT"}


def test_role_after_the_name_in_either_order_and_an_opposite_for_the_silent_side():
    text = "Marcus T. RYLE, Appellant-Defendant,\nv.\nSTATE of Ohio.\n\nNo. 22A-CR-1.\n"
    assert roles(text) == {"Marcus T. RYLE": "APPELLANT", "STATE of Ohio": "APPELLEE"}


def test_caption_without_roles_takes_them_from_who_appeals():
    text = ("Janet Lee ORTIZ\nv.\nPRAIRIE GLASS, INCORPORATED and Keystone Casualty Company.\n\n"
            "Record No. 0101-19-2.\n\nCourt of Appeals of Virginia.\n\n"
            "Janet Lee Ortiz (claimant) appeals from a decision of the commission denying benefits.\n")
    assert roles(text) == {"Janet Lee ORTIZ": "APPELLANT", "Prairie Glass, Incorporated": "APPELLEE",
                           "Keystone Casualty Company": "APPELLEE"}


def test_a_company_name_with_and_is_one_party():
    text = "Bay Dredging and Salvage LLC,\nPlaintiff,\nv.\nOrin Weeks and Dana Weeks,\nDefendants.\n"
    assert roles(text) == {"Bay Dredging and Salvage LLC": "PLAINTIFF", "Orin Weeks": "DEFENDANT",
                           "Dana Weeks": "DEFENDANT"}


def test_a_docket_party_list_with_v_between_blocks_is_not_read_as_a_caption():
    text = ("Plaintiff\nLena Ward\t represented by Omar Tate\nLEAD ATTORNEY\nATTORNEY TO BE NOTICED\n\nV.\n\n"
            "Defendant\n\nQuill Freight Inc\n")
    r = roles(text)
    assert "Lead Attorney Attorney to Be Noticed" not in r and not any(n.startswith("Defendant") for n in r)
    assert r.get("Quill Freight Inc") == "DEFENDANT"


def test_in_re_and_in_the_interest_of_name_the_person_not_the_phrase():
    assert roles("In re R.T., Appellant.\n\nNo. 14-FS-99.\n") == {"R.T.": "APPELLANT"}
    assert roles("In the Interest of D.M.P. et al., children.\n\nNo. A05A0001.\n") == {"D.M.P.": "OTHER"}


# ------------------------------------------------------------------ counsel paragraphs of decisions

def test_counsel_paragraph_names_lawyers_and_firms_without_cities():
    text = ("Ann Pike\nv.\nBo Pike.\n\n"
            "*12Carla M. Diaz, Jr., Roanoke; Ed F. Moss, Salem (Moss, Diaz & Kerr, on brief), for appellant."
            "Lyle B. Hart, III (Tom R. Vance Jr.; Blue Ridge Law Group, P.C., Bedford, on brief), for appellee.\n\n"
            "Present: SMITH and JONES, JJ.\n")
    r = roles(text)
    for lawyer in ("Carla M. Diaz, Jr.", "Ed F. Moss", "Moss, Diaz & Kerr", "Lyle B. Hart, III", "Tom R. Vance Jr.",
                   "Blue Ridge Law Group, P.C."):
        assert r.get(lawyer) == "ATTORNEY", lawyer
    assert not {"Roanoke", "Salem", "Bedford"} & set(r)


def test_counsel_with_a_state_after_the_city_and_titles_between_names():
    text = ("Rex A. COLE, Appellant-Defendant,\nv.\nSTATE of Indiana, Appellee-Plaintiff.\n\n"
            "Dana W. Pratt, Fort Wayne, IN, Attorney for Appellant.\n\n"
            "Hal T. Rooney, Attorney General of Indiana, Ivy Stone-Marsh, Deputy Attorney General, Indianapolis, IN, "
            "Attorneys for Appellee.\n")
    r = roles(text)
    assert r["Dana W. Pratt"] == r["Hal T. Rooney"] == r["Ivy Stone-Marsh"] == "ATTORNEY"
    assert "Fort Wayne" not in r and not any("General" in n for n in r)


def test_counsel_submitted_on_the_briefs_of_and_the_client_named_after_for_appellee():
    text = ("On behalf of the defendant-respondent, the cause was submitted on the brief of Kim R. Olds and "
            "Pat Lowe Gray of Hart, Olds & Gray, S.C., Madison.\n\n"
            "Jo E. Dunn was on the brief for appellant.\n\n"
            "Al B. Cruz, Solicitor General, was on the brief for appellee District of Columbia.\n")
    r = roles(text)
    assert {n: r.get(n) for n in ("Kim R. Olds", "Pat Lowe Gray", "Hart, Olds & Gray, S.C.", "Jo E. Dunn", "Al B. Cruz")} == \
        dict.fromkeys(("Kim R. Olds", "Pat Lowe Gray", "Hart, Olds & Gray, S.C.", "Jo E. Dunn", "Al B. Cruz"), "ATTORNEY")
    assert r["District of Columbia"] == "APPELLEE"
    assert "Madison" not in r


def test_a_docket_entry_saying_for_appellee_is_not_a_counsel_paragraph():
    text = ("03/08/2016\t 37 \tNotice of Appeal filed by Attorney Ray Q. Lin, Esquire for Appellee Nina L. Ross; "
            "served on 03/08/2016.\n")
    assert "Nina L" not in roles(text)


def test_shared_surname_the_full_name_says_who_appeals():
    text = ("Nora Jean Vale PIKE\nv.\nOwen Lee PIKE.\n\nRecord No. 0202-20-1.\n\n"
            "Nora Jean Vale Pike (wife) appeals the trial court's equitable distribution award to Owen Lee Pike.\n")
    assert roles(text) == {"Nora Jean Vale PIKE": "APPELLANT", "Owen Lee PIKE": "APPELLEE"}


# ------------------------------------------------------------------ notices of docket activity

def test_appellate_notice_gives_the_caption_the_roles_its_docket_text_states():
    text = ("United States Court of Appeals for the Fourth Circuit\nNotice of Docket Activity\n"
            "Case Name: \tWren Mills v. Harbor Glass Co.\nCase Number: \t23-1188\nDocket Text:\n"
            "MOTION filed by Appellee Harbor Glass Co. to extend time. [1234-1] [23-1188] (ECF: Ada Price)\n")
    r = roles(text)
    assert r["Wren Mills"] == "APPELLANT" and r["Harbor Glass Co."] == "APPELLEE"


def test_docket_text_lists_several_parties_of_one_side_and_keeps_numbered_companies():
    text = ("United States Court of Appeals for the Second Circuit\nCase Name: 18 West LLC v. Town of Ayer\n"
            "Docket Text:\n\nBRIEF, on behalf of Appellant 18 West LLC, Appellant Dock Nine Video, Inc., FILED. "
            "Service date 01/02/2025.\n")
    r = roles(text)
    assert r["18 West LLC"] == "APPELLANT" and r["Dock Nine Video, Inc."] == "APPELLANT"
    assert r["Town of Ayer"] == "APPELLEE"


def test_docket_text_company_names_with_and_and_their_full_suffix():
    text = ("Court of Appeals\nCase Name: \tLake Oil v. Reed Tug Services\nDocket Text:\n"
            "MOTION filed by Appellants Reed Tug Services, L.L.C. and Gulf Sand and Gravel LLC for leave to file.\n")
    r = roles(text)
    assert r == {"Lake Oil": "APPELLEE", "Reed Tug Services, L.L.C.": "APPELLANT", "Gulf Sand and Gravel LLC": "APPELLANT"}


def test_supreme_court_notice_sentence_with_an_inline_caption():
    text = ("A new docket entry, \"Petition DENIED.\" has been added for Dara K. Voss, Petitioner v. Ohio. "
            "You have been signed up to receive email notifications for No. 25-1010.\n")
    assert roles(text) == {"Dara K. Voss": "PETITIONER", "Ohio": "RESPONDENT"}
    text = "A new docket entry has been added for Medica, Inc., Applicant v. Iowa, et al.. You have been signed up.\n"
    assert roles(text) == {"Medica, Inc.": "PETITIONER", "Iowa": "RESPONDENT"}


def test_an_address_is_not_a_numbered_company():
    text = "Plaintiff: 1200 Main Street Holdings LLC\nDefendant: Apt 4 Co\n"
    assert "1200 Main Street Holdings LLC" not in roles(text)


# ------------------------------------------------------------------ filled self-help forms

def test_self_help_form_caption_with_hint_lines_under_the_names():
    text = ("IN THE CIRCUIT COURT OF Boone , MISSOURI\nIn re:\n"
            "Lena Marie Okoro  Case\n(First Name)  (Middle Name) (Last Name)  (Jr./Sr./III) Number 2611-DR00001\n"
            "Petitioner, (Enter your full legal name above)  (Use number from pending case)\n-and-\nDivision\n"
            "Samuel Ade Okoro  Number\n(First Name)  (Middle Name) (Last Name)  (Jr./Sr./III)\n"
            "Respondent. (Enter the other party’s full legal name above)\nNotice of Hearing\n")
    assert roles(text) == {"Lena Marie Okoro": "PETITIONER", "Samuel Ade Okoro": "RESPONDENT"}


def test_flattened_form_values_after_their_blanks_and_below_an_empty_label():
    text = ("PLAINTIFF/PETITIONER OR IN RE: ________________________ Lakeview Homes LLC\n"
            "Who started the case.  First, Middle, and Last Name, or Business Name\n"
            "DEFENDANTS/RESPONDENTS: __________________________\nWho the case was filed against.\n"
            "__________________________\nNadia P. Frost __________________________\n"
            "First, Middle, and Last Name, or Business Name\n"
            "To: ______________________________ Owen R. Platt, attorney for Lakeview Homes LLC\n"
            "Full Name or Law Firm Name\n")
    assert roles(text) == {"Lakeview Homes LLC": "PLAINTIFF", "Nadia P. Frost": "DEFENDANT", "Owen R. Platt": "ATTORNEY"}


def test_a_court_system_caption_written_surname_first_takes_the_name_the_paper_also_gives():
    text = ("TRACK ASSIGNMENT NOTICE\nRE: OKAFOR LENA VS GRANITE TITLE LLC\nDOCKET: MER L -000123 26\n"
            "ATTENTION:\nLENA M. OKAFOR\n12 ELM ROAD\n")
    r = roles(text)
    assert r.get("Lena M. Okafor") == "PLAINTIFF" and "Okafor Lena" not in r
    # without the name written the other way round, the caption is left as it is
    assert "Okafor Lena" in roles("RE: OKAFOR LENA VS GRANITE TITLE LLC\nDOCKET: MER L -000123 26\n")


def test_court_e_mail_with_labelled_names_and_its_recipients():
    text = ("SUPERIOR COURT OF NEW JERSEY - eCOURTS\nPlaintiff Name:  HARBOR CREDIT UNION\nDefendant Name:  NINA P ROSS\n"
            "Case Caption:  HARBOR CREDIT UNION VS ROSS NINA P\nCase Number:  MER DC 000111-26\n"
            "Notice has been electronically mailed to:\nPlaintiff Attorney  PAUL ADAM REYES  PREYES@EXAMPLE.COM\n"
            "Defendant  ROSS, NINA, P  NPR@EXAMPLE.COM\nNotice was not electronically mailed to:\n")
    r = roles(text)
    assert r["Harbor Credit Union"] == "PLAINTIFF" and r["Nina P Ross"] == "DEFENDANT"
    assert r["Paul Adam Reyes"] == "ATTORNEY"
    assert not any(n.lower().startswith(("plaintiff", "defendant")) for n in r)


def test_summons_with_plaintiff_and_defendant_side_by_side():
    text = ("YOU ARE BEING SUED!\nPerson or Business Suing You (Plaintiff) Person or Business Being Sued (Defendant)\n"
            ".Cedar Loan Services LLC. .Ivan R Cole.\nPlaintiff’s Attorney Information\n DANA LEE MORROW\n")
    assert roles(text) == {"Cedar Loan Services LLC": "PLAINTIFF", "Ivan R Cole": "DEFENDANT", "Dana Lee Morrow": "ATTORNEY"}


def test_pacer_report_heading_gives_the_caption_after_the_case_number():
    text = ("District of Nebraska-History/Documents Query\n"
            "4:19-cv-00412-JMG-MDN Orchard Bakery, LLC v. Prairie Oven Supply, Inc. et al\n"
            "John M. Gerrard, presiding\nDate filed: 03/02/2019\n")
    r = roles(text)
    assert r["Orchard Bakery, LLC"] == "PLAINTIFF" and r["Prairie Oven Supply, Inc."] == "DEFENDANT"


@pytest.mark.parametrize("place", ["Northern California", "Western Pennsylvania", "Eastern Division"])
def test_a_place_is_never_a_party(place):
    text = f"JOHN ROE,\n     Plaintiff,\n  v.\nACME LLC,\n     Defendant.\n\nAttorney for Plaintiff: {place}\n" \
           f"Counsel: {place}\n"
    assert place not in roles(text) and not any(place.lower() in n.lower() for n in roles(text))


def test_the_court_and_its_judges_are_never_parties():
    text = "To: Judges, Senior Judges, Special Trial Judges and Clerk of the Court\nFrom: Chief Judge\n"
    assert not any("Judge" in n or "Court" in n for n in roles(text))
    # a company whose name holds the word stays a party
    assert roles("Plaintiff: Court Street Diner LLC\n") == {"Court Street Diner LLC": "PLAINTIFF"}


def test_a_docket_party_list_heading_is_not_the_role_of_the_lines_above_it():
    text = ("Plaintiff\n\nLee Ward\nPRO SE\n\nV.\n\nDefendant\n\nOrtiz\nCorrectional Officer\n\nDefendant\n\n"
            "Banks\nCorrectional Officer\n")
    r = roles(text)
    assert not any("Officer" in n or n.lower() == "pro se" for n in r)
    # a caption's own role line right under the name still counts
    assert roles("MAE LIN,\n     Plaintiff,\n  v.\nBOLT LLC,\n     Defendant.\n") == {"Mae Lin": "PLAINTIFF", "Bolt LLC": "DEFENDANT"}


# ------------------------------------------------------------------ dockets: entries, lawyers, merged names

APPELLATE_DOCKET = (
    "General Docket\nUnited States Court of Appeals for the Eleventh Circuit\n\n"
    "Court of Appeals Docket #: 19-90021 \t Docketed: 05/02/2019\n"
    "Harbor Point Marine, LLC v. USA\n"
    "Appeal From: Southern District of Florida\n\n"
    "05/02/2019\t \tMISCELLANEOUS CASE DOCKETED. Petition for permission to appeal filed by Petitioner Harbor Point "
    "Marine, LLC. Served 05/01/2019 email - Attorney for Respondents: Okonkwo; US mail - Attorney for Respondent: Pruitt.\n"
    "05/02/2019\t \tAPPEARANCE of Counsel Form filed by Attorney Dana Whitcomb for Petitioner Harbor Point Marine, LLC "
    "in 19-90021, Attorney Luis R. Ferreira for Petitioner Harbor Point Marine, LLC in 19-90021.\n"
    "05/06/2019\t \tAPPEARANCE of Counsel Form filed by Renee T. Gallo for United States of America (ECF: Renee Gallo)\n"
    "05/06/2019\t \tMOTION for extension of time to file response filed by USA. [8512230-1] (ECF: Renee Gallo)\n"
)


def test_appellate_docket_entries_name_the_lawyers_and_give_the_caption_its_roles():
    r = roles(APPELLATE_DOCKET)
    assert r["Harbor Point Marine, LLC"] == "PETITIONER" and r["USA"] == "RESPONDENT"
    for lawyer in ("Dana Whitcomb", "Luis R. Ferreira", "Renee T. Gallo", "Okonkwo", "Pruitt"):
        assert r.get(lawyer) == "ATTORNEY", lawyer
    assert "Renee Gallo" not in r                   # the e-filing login of the lawyer already named in full


def test_entry_stating_the_role_gives_the_caption_name_in_full():
    text = ("General Docket\nU. S. Bankruptcy Appellate Panel for the Ninth Circuit\n\n"
            "Marcus Fell v. Joanna Pryce\n\n"
            "03/08/2016\t 37 \tNotice of Appeal filed by Attorney Owen K. Talbot, Esquire for Appellee Joanna M. Pryce; "
            "served by: email - Attorney for Appellee: Talbot; Attorney for Appellant: Reyes. [15-1101] (OKT)\n")
    r = roles(text)
    assert r.get("Joanna M. Pryce") == "APPELLEE" and r.get("Marcus Fell") == "APPELLANT"
    assert r.get("Owen K. Talbot") == "ATTORNEY" and r.get("Reyes") == "ATTORNEY"
    assert "Attorney Owen K. Talbot" not in r and "Joanna Pryce" not in r


def test_pacer_lawyer_with_a_spaced_suffix_and_two_firms_with_one_first_word():
    text = ("CIVIL DOCKET FOR CASE #: 3:09-cv-00412-SI\n\nPlaintiff\nAmelia Stroud \trepresented by\tPaul Nathan Greer\n"
            "Greer Law\n12 Main Street\nATTORNEY TO BE NOTICED\n"
            "Defendant\nHalvorsen & Pike LLP \trepresented by\tRoberta Lin\nATTORNEY TO BE NOTICED\n"
            "Samuel Edgar Voss , Jr.\nMorrison & Lake LLP\n425 Market Street\nATTORNEY TO BE NOTICED\n"
            "Daniel Howard Kent ,\nLake Shaw LLP\nPRO HAC VICE\nATTORNEY TO BE NOTICED\n"
            "Defendant\nHalvorsen Tax LLP\nTERMINATED: 08/14/2010 \trepresented by\tRoberta Lin\n"
            "Date Filed \t#\tDocket Text\n")
    r = roles(text)
    assert r.get("Halvorsen & Pike LLP") == "DEFENDANT" and r.get("Halvorsen Tax LLP") == "DEFENDANT"
    assert r.get("Samuel Edgar Voss, Jr.") == "ATTORNEY" and r.get("Daniel Howard Kent") == "ATTORNEY"


# ------------------------------------------------------------------ court notices and self-help forms

NJ_NOTICE = (
    "SUPERIOR COURT OF NEW JERSEY\nATLANTIC COUNTY\nGENERIC PROCEEDING\n10/28/2025\n"
    "CASE CAPTION: GARDEN STATE TOLL VS OKAFOR MIRIAM A\nCASE NUMBER: ATL-DC-004411-25\n"
    "A Settlement Conference is scheduled for Docket Number ATL-DC-004411-25 on 01/08/2026 at 09:00 AM.\n"
    "You must attend virtually.\nPlease report to Judge HOLLIS R PEMBERTON virtually via remote.\n"
    "ELIGIBLE PARTIES AND/OR ATTORNEYS\n"
    "LEONARD JAMES ASHBY Plaintiff Attorney\nMIRIAM A OKAFOR Defendant\n"
)


def test_court_notice_caption_label_list_of_who_attends_and_the_judge_to_report_to():
    r = roles(NJ_NOTICE)
    assert r == {"Garden State Toll": "PLAINTIFF", "Miriam A Okafor": "DEFENDANT", "Leonard James Ashby": "ATTORNEY"}
    assert judges(NJ_NOTICE) == ["HOLLIS R PEMBERTON"]


def test_a_caption_cut_to_its_field_width_is_the_same_party_as_the_full_name():
    text = ("SUPERIOR COURT OF NEW JERSEY - eCOURTS\nPlaintiff Name:  GARDEN STATE TOLL AUTHORITY\n"
            "Defendant Name:  MIRIAM A OKAFOR\nCase Caption:  GARDEN STATE TOLL VS OKAFOR MIRIAM A\n"
            "Case Number:  ATL DC 004411-25\n")
    assert roles(text) == {"Garden State Toll Authority": "PLAINTIFF", "Miriam A Okafor": "DEFENDANT"}


def test_self_help_form_with_a_blank_line_before_the_role_and_a_division_number_after_the_name():
    text = ("IN THE CIRCUIT COURT OF Boone , MISSOURI\n\nIn re:\n"
            "Lorna Beth Calloway Case\n(First Name) (Middle Name) (Last Name) | Number 2609-DR00417\n"
            "Petitioner, (Enter your full legal name above)\n-and-\nDivision\n"
            "Dale Everett Calloway Number 3\n(First Name) (Middle Name) (Last Name)\n\n"
            "Respondent. (Enter the other party's full legal name above)\nNotice of Hearing\n")
    assert roles(text) == {"Lorna Beth Calloway": "PETITIONER", "Dale Everett Calloway": "RESPONDENT"}


def test_a_forms_own_words_are_not_parties():
    text = ("IN THE MATTER OF THE MARRIAGE OF\n\nPetitioner: In the (check one):\n"
            "Respondent: County, Texas\nAttorney for Respondent\n"
            "Jerome K. Whitfield  Print\nName, Esq.\n")
    found = roles(text)
    assert "In the" not in found and "County, Texas" not in found
    assert not any(name.endswith("Print") for name in found)


def test_a_caption_side_of_several_people_and_firms_on_one_line():
    text = ("Dorothy A. KELLERMAN, Kellerman, Kellerman, Pratt & Stone, P.C., Owen R. Lacey, Owen R. Lacey & Partners "
            "Marketing, Inc., and Ruth Albers, Petitioners-Appellants,\nv.\n"
            "Harold B. WEXLER, Individually and in his, Official Capacity as Attorney General, Janet Lee Ross, "
            "Individually and in her Official Capacity as Secretary of State, and Paul Okafor, Respondents-Appellees.\n\n"
            "Docket No. 140112.\n\nSupreme Court of Michigan.\n")
    assert roles(text) == {
        "Dorothy A. KELLERMAN": "APPELLANT", "Kellerman, Kellerman, Pratt & Stone, P.C.": "APPELLANT",
        "Owen R. Lacey": "APPELLANT", "Owen R. Lacey & Partners Marketing, Inc.": "APPELLANT", "Ruth Albers": "APPELLANT",
        "Harold B. WEXLER": "APPELLEE", "Janet Lee Ross": "APPELLEE", "Paul Okafor": "APPELLEE"}


def test_side_by_side_name_boxes_of_a_filled_form_give_each_box_its_name():
    filled = ("STATE OF MICHIGAN  CASE NO.\nWayne COUNTY  OBJECTION TO PROPOSED ORDER  25-100417-DM\n"
              "Plaintiff's name, address, and telephone no.  moving party  Defendant's name, address, and telephone no.  "
              "[X] moving party\nv\nLatoya M. Greer 88 Birch St. Detroit, MI 48206 (313) 555-0101  Calvin R. Greer 41 "
              "Fenkell Ave. Detroit, MI 48238 (313) 555-0102\nThird party's name, address, and telephone no.  moving party\n")
    assert roles(filled) == {"Latoya M. Greer": "PLAINTIFF", "Calvin R. Greer": "DEFENDANT"}
    scanned = ("Plaintiff's name, address, and telephone no. [_] moving party Defendant's name, address, and telephone no. "
               "{vy moving party\nLatoya M. Greer Calvin R. Greer\n88 Birch St. v 41 Fenkell Ave.\n")
    assert roles(scanned) == {"Latoya M. Greer": "PLAINTIFF", "Calvin R. Greer": "DEFENDANT"}


def test_a_box_with_one_name_where_two_were_expected_is_not_guessed():
    text = ("Plaintiff's name, address, and telephone no.  Defendant's name, address, and telephone no.\n"
            "Latoya M. Greer 88 Birch St. Detroit, MI 48206\n")
    assert "Latoya M. Greer" not in roles(text)


def test_bankruptcy_petition_name_written_above_first_middle_and_last_name():
    text = ("Part 1: Identify Yourself\nAbout Debtor 1: About Debtor 2 (Spouse Only in a Joint Case):\n"
            "Your full name\nWrite the name that is on\nyour government-issued\npicture identification\n"
            "Renata\nFirst name\nMiddle name\nOyelaran\nLast name\nSuffix (Sr., Jr., II, III)\nFirst name\nMiddle name\n"
            "Last name\n")
    assert roles(text) == {"Renata Oyelaran": "DEBTOR"}


def test_a_justices_middle_initial_is_not_a_title_and_a_cited_cases_justice_is_not_a_judge():
    text = ("On order of the Court, the application for leave to appeal is DENIED. See Adair v. State, 474 Mich. 1027 "
            "(2006) (Hale, J., concurring).\n\nMARILYN J. KELLY, J., states as follows:\nI would grant leave.\n")
    assert judges(text) == ["MARILYN J. KELLY"]


def test_the_trial_judge_in_a_decisions_history_did_not_sit_on_it():
    text = ("Appeal from the Circuit Court of Woodford County; the\nHon. T. M. Shaw, Judge, presiding.\n\n"
            "Opinion filed May 27, 1887.\n\nBAKER, P.J., delivered the opinion of the court.\n")
    assert "T. M. Shaw" not in judges(text)


def test_the_us_trustee_named_after_its_role_heading_is_one_party():
    text = ("Bankruptcy Petition #: 11-30417\n\nDebtor\nHollow Creek Energy Corp.\n1200 Main St\n"
            "represented by\tMarta L Quince\n\nTrustee\nOwen P Reyes\n\nU.S. Trustee\nUS Trustee\nOffice of the US Trustee\n"
            "515 Rusk Ave\nHouston, TX 77002\n\nFiling Date\t#\tDocket Text\n")
    r = roles(text)
    assert r.get("US Trustee") == "TRUSTEE" and r.get("Owen P Reyes") == "TRUSTEE"
    assert "Office of the US Trustee" not in r and "Office of the US" not in r


def test_a_forms_row_of_names_over_its_row_of_labels():
    text = ("In the [ ] District [ ] Justice Court of Utah\nJudicial District County\n\n"
            "Vv. Case Number\nMarcus D. Ellery Joan T. Whitby\nDefendant/Respondent Judge\n\nCommissioner (domestic cases)\n")
    r = roles(text)
    assert r.get("Marcus D. Ellery") == "DEFENDANT" and "Joan T. Whitby" not in r   # the judge is not a party
    two_names_three_labels = "Marcus D. Ellery Joan T. Whitby\nPlaintiff/Petitioner Defendant/Respondent Judge\n"
    assert "Marcus D. Ellery" not in roles(two_names_three_labels)   # names and labels that do not pair: no guess
