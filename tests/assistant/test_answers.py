"""The local chat answers the question asked: the fact, the sentence it came from and its document;
future deadlines and hearings only, nearest first; and it says when the papers do not say."""
from datetime import date

import pytest

from app.assistant.answers import Finding, answer, intent_of

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize("question,kind", [
    ("Who is the judge?", "judge"), ("which judge has my case", "judge"),
    ("What is my next deadline?", "deadline"), ("When is my answer due?", "deadline"),
    ("When is my hearing?", "hearing"), ("When do I have to go to court?", "hearing"),
    ("What is my case number?", "case_number"), ("Which court is my case in?", "court"),
    ("Who is the plaintiff?", "parties"), ("who is suing me", "parties"),
    ("Can I keep my dog in the apartment?", None),
])
def test_the_question_asked_is_recognised(question, kind):
    assert intent_of(question) == kind


def test_the_judge_with_the_sentence_and_the_document():
    found = [Finding("judge", "DOLLY M. GEE", "Present: The Honorable DOLLY M. GEE, UNITED STATES DISTRICT JUDGE",
                     "d1", "Order re preliminary injunction")]
    lines, used = answer("judge", found, TODAY)
    assert lines[0] == "The judge named in your papers is DOLLY M. GEE."
    assert lines[1] == ('  It says so in "Order re preliminary injunction": "Present: The Honorable DOLLY M. GEE, '
                        'UNITED STATES DISTRICT JUDGE"')
    assert used == found


def test_the_papers_do_not_say():
    assert answer("judge", [], TODAY) == (["Your papers do not say who the judge is."], [])


def test_next_deadline_is_the_nearest_one_still_ahead():
    found = [Finding("deadline", "Return the files", "shall return all files no later than August 9, 2016.", "d1",
                     "Order", date(2016, 8, 9), {"status": "PENDING"}),
             Finding("deadline", "File an answer", "You must file an answer on or before January 20, 2027.", "d2",
                     "Summons", date(2027, 1, 20), {"status": "SUGGESTED"}),
             Finding("deadline", "Pay the filing fee", "", "", "", date(2026, 12, 21), {"status": "PENDING"})]
    lines, used = answer("deadline", found, TODAY)
    assert lines[0] == "Your next deadline is Monday, December 21, 2026: Pay the filing fee."
    assert lines[1] == "After that: Wednesday, January 20, 2027 (File an answer)."
    assert lines[2] == "1 earlier date has already passed."
    assert not any("2016" in line for line in lines)


def test_no_deadline_ahead_says_so_and_what_passed():
    found = [Finding("deadline", "Return the files", "q", "d1", "Order", date(2016, 8, 9), {"status": "PENDING"})]
    lines, used = answer("deadline", found, TODAY)
    assert lines == ["No deadline still ahead is recorded for this case or found in its papers. "
                     "1 earlier date has already passed."] and used == []


def test_a_suggested_deadline_is_said_to_need_confirming_and_quoted():
    found = [Finding("deadline", "File an answer", "You must file an answer on or before January 20, 2027.", "d2",
                     "Summons", date(2027, 1, 20), {"status": "SUGGESTED"})]
    lines, _ = answer("deadline", found, TODAY)
    assert lines[0] == ("Your next deadline is Wednesday, January 20, 2027: File an answer "
                        "(suggested from a document: confirm it).")
    assert lines[1] == '  It says so in "Summons": "You must file an answer on or before January 20, 2027."'


def test_a_hearing_already_held_is_not_the_next_hearing():
    found = [Finding("hearing", "hearing", "The Court set the hearing for July 25, 2016.", "d1", "Order",
                     date(2016, 7, 25))]
    assert answer("hearing", found, TODAY)[0] == [
        "Your papers do not give a hearing or court date that is still ahead. 1 earlier date has already passed."]
