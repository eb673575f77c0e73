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
