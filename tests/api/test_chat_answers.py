"""The local chat answers the question asked from the case's papers (issue 11): the judge, the next
deadline still ahead, with the sentence it came from and its document; and says when the papers do not say."""
from pathlib import Path

import pytest

from tests.api.test_assistant import answer_of, events_of, flat
from tests.e2e.helpers import upload, wait_document
from tests.factories import ApiUser

ORDER = (Path(__file__).resolve().parents[1] / "understanding" / "documents"
         / "cacd_order_after_show_cause_hearing.txt").read_bytes()
NOTICE = b"""SUPERIOR COURT OF CALIFORNIA, COUNTY OF ALAMEDA
NOTICE OF CASE MANAGEMENT CONFERENCE
Case No. 26CV112233
Date: December 1, 2026
The parties must file a case management statement no later than March 3, 2099.
"""


@pytest.fixture(scope="module")
def ordered(app, worker):
    user = ApiUser.register(app, name="Hollis Kramer")
    case = user.create_case(title="PST v. Kramer", case_type="CIVIL_LITIGATION", court_type="FEDERAL_DISTRICT",
                            jurisdiction="US-FED")
    r = upload(user, case["id"], ORDER, filename="order.txt", title="Order re preliminary injunction")
    doc = wait_document(user, r.get_json()["document"]["id"], timeout=60)
    assert doc["status"] == "PROCESSED", doc.get("error")
    return user, case, doc


def ask(user, case, question):
    events = events_of(user.post(f"/api/v1/cases/{case['id']}/chat", json={"message": question}))
    assert events[-1][0] == "done"
    return events[0][1], flat(answer_of(events))


def test_who_is_the_judge_answers_with_the_sentence_and_its_document(ordered):
    user, case, doc = ordered
    meta, text = ask(user, case, "Who is the judge?")
    assert text.startswith("The judge named in your papers is DOLLY M. GEE.")
    assert ('It says so in "Order re preliminary injunction": "Present: The Honorable DOLLY M. GEE, '
            'UNITED STATES DISTRICT JUDGE"') in text
    assert meta["sources"][0]["document_id"] == doc["id"] and meta["sources"][0]["page"] == 1
    assert "Here is what your case documents say" not in text       # an answer, not a list of passages


def test_next_deadline_never_offers_a_past_one(ordered):
    user, case, _ = ordered
    _, text = ask(user, case, "What is my next deadline?")
    assert text.startswith("No deadline still ahead is recorded for this case or found in its papers.")
    assert "August 9, 2016" not in text.split("Your case:")[0]
    _, text = ask(user, case, "When is my hearing?")
    assert text.startswith("Your papers do not give a hearing or court date that is still ahead.")

    r = upload(user, case["id"], NOTICE, filename="notice.txt", title="Notice of conference")
    assert wait_document(user, r.get_json()["document"]["id"], timeout=60)["status"] == "PROCESSED"
    meta, text = ask(user, case, "What is my next deadline?")
    assert text.startswith("Your next deadline is Tuesday, March 3, 2099: ")
    assert "(suggested from a document: confirm it)" in text
    quoted = text.split('It says so in "Notice of conference": "', 1)[1]
    assert "The parties must file a case management statement no later than March 3, 2099." in quoted
    assert meta["sources"][0]["title"] == "Notice of conference"
