"""State statutes of every state and DC from the data table, and case citations that keep their own year."""
from __future__ import annotations

import pytest

from app.understanding import local, statutes

STATES = set("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
             "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split())
EXAMPLES = [(state, ex) for state, entry in sorted(statutes.table().items()) for ex in entry["examples"]]


@pytest.fixture(scope="module", autouse=True)
def _warm():
    local.warm_up()


def cites(text: str) -> list[str]:
    return [c["text"] for c in local.analyze(text)["citations"]]


def test_the_table_covers_every_state_and_dc_with_examples():
    assert set(statutes.table()) == STATES
    assert all(entry["examples"] for entry in statutes.table().values())


@pytest.mark.parametrize("state,example", EXAMPLES, ids=[f"{s}:{e}" for s, e in EXAMPLES])
def test_every_state_citation_form_is_found_whole(state, example):
    text = f"The tenant's rights are set out in {example}, which the landlord did not follow."
    found = local.analyze(text)["citations"]
    assert [(c["text"], c["kind"]) for c in found] == [(example, "statute")]
    assert example in found[0]["quote"]


@pytest.mark.parametrize("text,expected", [
    ("See W. Va. Code § 37-6-23 (notice).", "W. Va. Code § 37-6-23"),
    ("Under WV Code §37-6-23 a landlord must", "WV Code §37-6-23"),
    ("as required by G.L. c. 186, § 15B (security deposits)", "G.L. c. 186, § 15B"),
    ("an unlawful detainer under Cal. Civ. Proc. Code § 1161(2)", "Cal. Civ. Proc. Code § 1161(2)"),
    ("a holdover proceeding, N.Y. RPAPL § 711(1), may", "N.Y. RPAPL § 711(1)"),
    ("The notice to vacate (Tex. Prop. Code § 24.005) was", "Tex. Prop. Code § 24.005"),
    ("a three-day notice (Fla. Stat. § 83.56(3)).", "Fla. Stat. § 83.56(3)"),
    ("Pursuant to 735 ILCS 5/9-209, the landlord", "735 ILCS 5/9-209"),
])
def test_the_issue_examples_in_running_text(text, expected):
    assert cites(text) == [expected]


@pytest.mark.parametrize("text", [
    "THE TENANT SHALL PAY SUCH AS 5 DAYS RENT",
    "Call 304-555-0188 or write to P.O. Box 12, Charleston.",
    "Section 8 housing voucher holders may apply.",
    "The Code of Conduct applies to all staff.",
])
def test_words_that_only_look_like_statutes(text):
    assert [c for c in local.analyze(text)["citations"] if c["kind"] == "statute"] == []


@pytest.mark.parametrize("text,expected", [
    ("See Strickland v. Washington, 466 U.S. 668 (1984), and Harrington v. Richter, 562 U.S. 86 (2011).",
     ["Strickland v. Washington, 466 U.S. 668 (1984)", "Harrington v. Richter, 562 U.S. 86 (2011)"]),
    ("Strickland v. Washington, 466 U.S. 668, 687; see also Knowles v. Mirzayance, 556 U.S. 111 (2009).",
     ["Strickland v. Washington, 466 U.S. 668, 687", "Knowles v. Mirzayance, 556 U.S. 111 (2009)"]),
    ("Under Strickland v. Washington, 466 U.S. 668, 104 S. Ct. 2052 (1984); Cullen v. Pinholster, 563 U.S. 170 (2011).",
     ["Strickland v. Washington, 466 U.S. 668, 104 S. Ct. 2052 (1984)", "Cullen v. Pinholster, 563 U.S. 170 (2011)"]),
    ("In re Gault, 387 U.S. 1 (1967); Smith v. Jones, 12 F.3d 4, 6 n.2 (9th Cir. 1999) (en banc).",
     ["In re Gault, 387 U.S. 1 (1967)", "Smith v. Jones, 12 F.3d 4, 6 n.2 (9th Cir. 1999)"]),
    ("People v Cox, 473 Mich 123; 669 NW2d 552 (2005). [58 Va.App. 246] The court held",
     ["People v Cox, 473 Mich 123; 669 NW2d 552 (2005)"]),
])
def test_a_case_citation_is_written_whole_with_its_own_name_and_year(text, expected):
    """Parallel citations make one citation; a star-page label is pagination, not a citation."""
    assert cites(text) == expected


def test_a_docket_cause_code_and_new_jersey_rules():
    assert cites("Cause: 42:1983 Civil Rights Act\nSee R. 4:5A-2 and R. 1:6-2(a).") == ["42:1983", "R. 4:5A-2",
                                                                                        "R. 1:6-2(a)"]


def test_a_states_code_cited_bare_in_its_own_courts_papers():
    text = "Under Code § 65.2-710 and Code § 8.01-391(B), and Tex. Prop. Code § 24.005, the Bankruptcy Code § 362 stay."
    assert cites(text) == ["Code § 65.2-710", "Code § 8.01-391(B)", "Tex. Prop. Code § 24.005",
                           "Bankruptcy Code section 362"]
