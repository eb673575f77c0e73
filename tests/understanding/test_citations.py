"""Citations as a careful reader lists them (issue 11): each case once with its parallel citations, pins and
year; a case's later history and a short form's parallel citation are not citations of their own; a list of
rules is one citation as written; statutes set in capitals; a criminal docket's counts."""
from __future__ import annotations

from datetime import date

import pytest

from app.understanding import local


@pytest.fixture(scope="module", autouse=True)
def _warm():
    local.warm_up()


def cites(text: str) -> list[str]:
    return [c["text"] for c in local.analyze(text, reference_date=date(2026, 12, 7))["citations"]]


GEORGIA = """We review the juvenile court's decision in the light most favorable to the appellee. See In re M.C.J.,
271 Ga. 546, 549, 523 S.E.2d 6 (1999). "[T]he court must consider the child's need." (Punctuation omitted;
emphasis in original.) Id. at 548, 523 S.E.2d 6. Gignilliat v. State, 196 Ga.App. 773(2), 397 S.E.2d 52 (1990).
See In the Interest of O.J., 257 Ga.App. 1, 3-4(2), 570 S.E.2d 79 (2002). The mother's remaining claims fail.
In the Interest of O.J., 257 Ga.App. 1, 5, 570 S.E.2d 79 (2002) (physical precedence)."""


def test_a_case_with_its_parallel_citations_divisions_and_pins_is_one_citation_listed_once():
    assert cites(GEORGIA) == [
        "In re M.C.J., 271 Ga. 546, 549, 523 S.E.2d 6 (1999)",
        "Gignilliat v. State, 196 Ga.App. 773(2), 397 S.E.2d 52 (1990)",
        "In the Interest of O.J., 257 Ga.App. 1, 3-4(2), 570 S.E.2d 79 (2002)",
    ]


WISCONSIN = """¶ 12 We see nothing in WIS. STAT. § 66.0217(11)(c) suggesting some special or technical definition for
"validity." See State v. Harmon, 2006 WI App 214, ¶ 11, 296 Wis.2d 861, 723 N.W.2d 732 ("The common meaning of a
word may be ascertained by resort to a dictionary."), review denied, 2007 WI 59, 299 Wis.2d 326, 731 N.W.2d 637
(No. 2005AP2480-CR). Leave to renew is granted once the Court of Appeals decides People v. Brown (90 A.D.3d 575,
936 N.Y.S.2d 537 [1st Dept 2011], lv. granted 19 N.Y.3d 958, 950 N.Y.S.2d 110, 973 N.E.2d 208 [2012])."""


def test_paragraph_pins_capital_statutes_and_a_cases_later_history():
    assert cites(WISCONSIN) == [
        "WIS. STAT. § 66.0217(11)(c)",
        "State v. Harmon, 2006 WI App 214, ¶ 11, 296 Wis.2d 861, 723 N.W.2d 732",
        "90 A.D.3d 575, 936 N.Y.S.2d 537",
    ]


def test_a_blank_volume_keeps_its_case_name_and_a_session_laws_year_is_not_a_subsection():
    text = ("All of the previous motions for recusal have been denied. Harter v. Grand Aerie Fraternal Order of "
            "Eagles, ___ Mich. ___, 693 N.W.2d 381 (2005). See D.C. Law 4-52, § 3(g), 28 D.C.Reg. 4348 (1981); "
            "the same act, 28 D.C.Reg. 4348 (1981), also repealed it.")
    found = cites(text)
    assert "Harter v. Grand Aerie Fraternal Order of Eagles, ___ Mich. ___, 693 N.W.2d 381 (2005)" in found
    assert [c for c in found if "Reg." in c] == ["28 D.C. Reg. 4348"]


def test_a_list_of_rules_is_one_citation_and_its_short_forms_are_not_listed_again():
    text = ("The objections are based on Federal Rules of Evidence 608 and 609. Impeachment of a witness is governed "
            "by Rules 608 and 609. Rule 608 provides that extrinsic evidence is not admissible. Fed. R. Evid. 608(b).\n"
            "Laws covering these forms: Illinois Supreme Court Rules 13, 181, and 286; 735 ILCS 5/2-1105.\n"
            "These assertions are merits-related. USTC Rules for Judicial Conduct, Rules 3(i)(3)(A) and 11(c)(1)(B). "
            "The complaint must be dismissed. Rule 11(c)(1)(B).")
    assert cites(text) == ["Federal Rules of Evidence 608 and 609", "Fed. R. Evid. 608(b)",
                           "Supreme Court Rules 13, 181, and 286", "735 ILCS 5/2-1105",
                           "Rules 3(i)(3)(A) and 11(c)(1)(B)"]


def test_a_criminal_dockets_counts_and_a_circuit_rule():
    docket = ("Pending Counts\tDisposition\n\n18:1326 Illegal Reentry Following Deportation\n(1)\t\tBOP 37 months\n\n"
              "Complaints\tDisposition\n\n8:1326 Reentry of Deported Alien\n\n"
              "04/27/2018\tCertificate of Interested Persons filed by Attorney Nicole Giuliano. See 11th Cir. R. 26.1-2(b).\n"
              "10:30 Hearing held before the judge.")
    assert cites(docket) == ["18:1326", "8:1326", "11th Cir. R. 26.1-2(b)"]
