"""What each date in a paper is (issue 11): a docket row's date takes the row's event (a ruling is decided, a
filing filed, a PACER entry filed and its "Entered:" stamp entered), an opinion's decision date is decided, an
e-filing stamp's date is filed; a row about a lawyer's appearance or a submission setting is not a hearing."""
from __future__ import annotations

from datetime import date

import pytest

from app.understanding import local


@pytest.fixture(scope="module", autouse=True)
def _warm():
    local.warm_up()


def labels(text: str, today: date = date(2026, 12, 7)) -> dict[str, str]:
    return {d["date"]: d["label"] for d in local.analyze(text, reference_date=today)["dates"]}


TEXAS_DOCKET = """Case: 02-23-00075-CR
Date Filed:
04/11/2023
Style:
Lyneisha Marie McCuin
v.:
The State of Texas

Case Events

Date\tEvent Type\tDisposition\tDocument

02/29/2024\tMemorandum opinion issued\tAffirmed
02/22/2024\tSubmitted
02/01/2024\tSet for submission on briefs
01/19/2024\tAppearance of counsel
09/27/2023\tAnders brief filed\tAppellant
05/31/2023\tExtension of time to file reporters record disposed\tMotion or Writ Granted
"""


def test_a_state_appellate_dockets_rows_take_their_event():
    assert labels(TEXAS_DOCKET) == {
        "2023-04-11": "filed", "2024-02-29": "decided", "2024-02-22": "submitted", "2024-02-01": "other",
        "2024-01-19": "other", "2023-09-27": "filed", "2023-05-31": "decided"}


PACER_DOCKET = """Date Filed\t#\tDocket Text
03/19/2009\t1 \tPRISONER CIVIL RIGHTS COMPLAINT against Rennick, Bott, Palmer by Corey Mitchell.(Figueroa, O) (Entered: 03/20/2009)
03/24/2009\t4 \tORDER DENYING motion to proceed in forma pauperis signed by Magistrate Judge Gary S. Austin. (Entered: 03/24/2009)
"""


def test_a_pacer_entry_is_filed_and_its_stamp_entered_whatever_the_entry_says():
    assert labels(PACER_DOCKET) == {"2009-03-19": "filed", "2009-03-20": "entered", "2009-03-24": "filed"}


def test_opinion_and_docket_headings_and_filing_stamps():
    text = ("IN RE J.W.\nNo. 12-FS-1771.\nDistrict of Columbia Court of Appeals.\nArgued May 13, 2014.\n"
            "Decided Oct. 9, 2014.\n\nDocket No. 09-8612\nDocketed:\tJanuary 19, 2010\n"
            "Decision Date:\tJune 30, 2009\nFiled & Entered: \t12/07/2017\n\n"
            "ATL-L-002869-25 10/17/2025 4:48:12 AM Pg 1 of 1 Trans ID: LCV20252811176\n"
            "ATL-DC-007956-25 10/27/2025 Pg1of3 Trans ID: SCP20254571047\n\n"
            "PACER Service Center\n\nTransaction Receipt\n\nBAP for the Ninth Circuit - 01/24/2018 18:21:09\n")
    assert labels(text) == {"2014-05-13": "argued", "2014-10-09": "decided", "2010-01-19": "filed",
                            "2009-06-30": "decided", "2017-12-07": "filed", "2025-10-17": "filed",
                            "2025-10-27": "filed", "2018-01-24": "issued"}


def test_a_period_from_the_readers_own_filing_gets_no_date_from_the_papers_stamp():
    text = ("ATL-L-002869-25 10/17/2025 4:48:12 AM Pg 1 of 1 Trans ID: LCV20252811176\n"
            "NOTICE OF TRACK ASSIGNMENT\n"
            "IF YOU BELIEVE THAT THE TRACK IS INAPPROPRIATE YOU MUST FILE A CERTIFICATION OF GOOD CAUSE WITHIN 30 "
            "DAYS OF THE FILING OF YOUR PLEADING.\n")
    r = local.analyze(text, reference_date=date(2025, 10, 18))
    assert labels(text)["2025-10-17"] == "filed"
    assert [(d["due_date"], d["rule"]["period"], d["rule"]["anchor"]) for d in r["deadlines"]] == [(None, 30, "filing")]
