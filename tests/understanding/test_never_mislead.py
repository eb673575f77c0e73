"""Never mislead (issue 11): dates against today and the paper's own date, hearings that are hearings,
requested dates that are not deadlines, emergency advice only where safety is at stake."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from app.understanding import local

DOCS = Path(__file__).resolve().parent / "documents"
TODAY = date(2026, 12, 7)
_DATE_IN_TEXT = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                           r"December) (\d{1,2}), (\d{4})\b")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


@pytest.fixture(scope="module", autouse=True)
def _warm():
    local.warm_up()


def read(name: str) -> str:
    return (DOCS / name).read_text()


def dates_named(sentence: str) -> list[date]:
    return [date(int(y), _MONTHS.index(m) + 1, int(d)) for m, d, y in _DATE_IN_TEXT.findall(sentence)]


def test_order_after_a_held_show_cause_hearing_offers_nothing_past():
    """C.D. Cal.: the show-cause hearing was held the day before the order; the paper is read ten years on."""
    r = local.analyze(read("cacd_order_after_show_cause_hearing.txt"), reference_date=TODAY)
    hearing = {d["date"]: d["label"] for d in r["dates"]}
    assert hearing["2016-07-25"] == "hearing"
    # the hearing is not a "respond by" deadline, and the response already filed is history
    assert [d["due_date"] for d in r["deadlines"]] == ["2016-08-09"]
    assert "shall return all PST design files" in r["deadlines"][0]["quote"]
    assert not any("Go to court" in s for s in r["next_steps"])
    assert all(not dates_named(s) for s in r["next_steps"]), r["next_steps"]
    assert any("July 25, 2016 is past" in i and "before the date of this paper, July 26, 2016" in i for i in r["issues"])
    assert any("August 9, 2016" in i and "has passed" in i for i in r["issues"])
    assert "past" in r["summary"] and "Key deadline" not in r["summary"]


def test_order_read_on_its_own_date_keeps_the_deadline_and_drops_what_came_before():
    r = local.analyze(read("cacd_order_after_show_cause_hearing.txt"), reference_date=date(2016, 7, 27))
    assert [d["due_date"] for d in r["deadlines"]] == ["2016-08-09"]
    assert "Mark August 9, 2016 on your calendar: file papers with the court." in r["next_steps"]
    assert "Key deadline" in r["summary"] and "August 9, 2016" in r["summary"]


def test_a_trade_secret_restraining_order_gets_no_emergency_advice():
    r = local.analyze(read("cacd_order_after_show_cause_hearing.txt"), reference_date=TODAY)
    assert "protective order" in r["key_concepts"]           # "temporary restraining order" is mentioned
    assert not any("911" in s or "Hotline" in s for s in r["next_steps"] + r["issues"])


def test_a_discovery_protective_order_gets_no_emergency_advice():
    r = local.analyze(read("dnj_stipulated_protective_order.txt"), reference_date=TODAY)
    assert not any("911" in s for s in r["next_steps"])
    assert [d["due_date"] for d in r["deadlines"] if d["due_date"]] == ["2027-01-15"]


def test_an_abuse_prevention_order_gives_emergency_numbers_first():
    r = local.analyze(read("ma_209a_abuse_prevention_order.txt"), reference_date=TODAY)
    assert "911" in r["next_steps"][0] and "1-800-799-7233" in r["next_steps"][0]
    # the surrender date has passed on TODAY; the extension hearing is ahead
    assert "Go to court on December 14, 2026. Arrive early and bring papers, photos, receipts and witnesses that " \
           "support your side." in r["next_steps"]
    assert any("December 4, 2026" in i and "has passed" in i for i in r["issues"])
    assert all(d >= TODAY for s in r["next_steps"] for d in dates_named(s))


def test_a_requested_date_is_not_a_deadline_and_the_current_one_is():
    """9th Cir.: the motion asks for May 12; the brief is due April 28 until the court says otherwise."""
    r = local.analyze(read("ca9_motion_extension_of_time.txt"), reference_date=date(2017, 4, 22))
    dated = [(d["due_date"], d["label"]) for d in r["deadlines"] if d["due_date"]]
    assert dated == [("2017-04-28", "File a reply")]
    assert r["deadlines"][0]["quote"] == "The reply brief is currently due on\nApril 28, 2017."
    assert not any("May 12" in s for s in r["next_steps"] + [r["summary"]])
    assert "Mark April 28, 2017 on your calendar: file a reply." in r["next_steps"]


@pytest.mark.parametrize("sentence", [
    "Plaintiff respectfully requests that the response deadline be extended to March 3, 2027.",
    "Defendant moves for an order extending the time to answer until March 3, 2027.",
    "If the motion is granted, the opening brief would be due on March 3, 2027.",
    "The Court previously ordered the parties to file a joint report by March 3, 2027.",
])
def test_requests_and_history_are_not_deadlines(sentence):
    assert local.analyze(sentence)["deadlines"] == []


def test_an_order_granting_an_extension_sets_the_new_deadline():
    text = ("ORDER\nThe unopposed motion for an extension of time is GRANTED. "
            "The reply brief is due on or before May 12, 2017.\nDated: April 24, 2017")
    assert [d["due_date"] for d in local.analyze(text)["deadlines"]] == ["2017-05-12"]


def test_a_period_counted_from_a_hearing_already_held_is_history():
    text = ("Date: March 10, 2027\nThe hearing was set for March 1, 2027. Any opposition must be filed no later than "
            "seven (7) days before the hearing.\n")
    r = local.analyze(text, reference_date=date(2027, 3, 11))
    assert r["deadlines"] == []
    assert not any("February 22" in s or "March 1," in s for s in r["next_steps"])
    assert any("March 1, 2027 is past" in i for i in r["issues"])


def test_a_due_date_past_on_the_day_of_reading_is_a_date_not_a_deadline():
    """A docket entry's "Response due" read after it: history, said to be past."""
    text = ("Feb 04 2016  Petition for a writ of certiorari filed. (Response due March 7, 2016)\n"
            "Mar 09 2016  DISTRIBUTED for Conference of 3/25/2016.\n")
    r = local.analyze(text, reference_date=date(2016, 3, 28))
    assert r["deadlines"] == []
    assert {d["date"]: d["label"] for d in r["dates"]}["2016-03-07"] == "due"
    assert any("March 7, 2016 as a due date, and it has passed" in i for i in r["issues"])
    early = local.analyze(text, reference_date=date(2016, 2, 10))
    assert [(d["due_date"], d["label"]) for d in early["deadlines"]] == [("2016-03-07", "File a response")]


def test_a_period_is_given_once_when_the_paper_also_gives_its_date():
    text = ("You have 35 days from the date of service to file your answer or a signed agreement.\n"
            "A WRITTEN ANSWER MUST BE RECEIVED BY THE COURT ON OR BEFORE 09/30/2025, OR THE COURT MAY RULE AGAINST YOU.\n")
    r = local.analyze(text)
    assert [(d["due_date"], d["label"]) for d in r["deadlines"]] == [("2025-09-30", "File an answer")]


def test_a_future_hearing_is_a_hearing_not_a_deadline():
    text = ("NOTICE OF HEARING\nDate: December 1, 2026\nA hearing on the motion is set for January 12, 2027 at 9:00 a.m. "
            "in Courtroom 4.\n")
    r = local.analyze(text, reference_date=TODAY)
    assert r["deadlines"] == []
    assert {d["date"]: d["label"] for d in r["dates"]}["2027-01-12"] == "hearing"
    assert "Go to court on January 12, 2027." in " ".join(r["next_steps"])


def test_a_docket_calendar_row_is_a_deadline_but_the_courts_own_dates_are_not():
    text = ("Calendars\n\nSet Date\tCalendar Type\tReason Set\n\n01/28/2026\tStatus\tAppellant brief due\n\n"
            "01/08/2026\tStatus\tReporters record due\n\n03/11/2026 \tMANDATE \tMANDATE DUE\n")
    r = local.analyze(text, reference_date=date(2026, 1, 8))
    assert [d["due_date"] for d in r["deadlines"]] == ["2026-01-28"]
    assert {d["date"]: d["label"] for d in r["dates"]}["2026-01-08"] == "due"


def test_an_extended_due_date_replaces_the_first_one():
    text = ("02/17/2026  Motion for extension of time to file petition for review filed.\n"
            "Petition for Review is due March 23, 2026.\n"
            "03/18/2026  Motion for extension of time granted.\nPetition for Review is due April 22, 2026.\n")
    r = local.analyze(text, reference_date=date(2026, 3, 19))
    assert [d["due_date"] for d in r["deadlines"]] == ["2026-04-22"]


def test_a_period_counted_from_this_order_or_the_judges_order():
    text = ("ORDER\nThe motion to change the track assignment is GRANTED. Plaintiff shall serve Defendant with a copy "
            "of this order within 7 days.\nDated: November 7, 2025\n")
    assert [d["due_date"] for d in local.analyze(text)["deadlines"]] == ["2025-11-14"]
    text = ("The complainant may petition the Council to review this order. The deadline for filing such a petition "
            "is within forty-two (42) days after the date of the Chief Judge's order.\nDated: Washington, DC\n"
            "June 1, 2017\n")
    (dl,) = local.analyze(text)["deadlines"]
    assert dl["due_date"] == "2017-07-13" and dl["rule"]["anchor"] == "entry"


def test_a_period_in_a_quoted_statute_that_ended_before_the_decision_is_history():
    text = ("The petition was filed on March 11, 2008. Under Wis. Stat. § 66.0217(5), the person filing the petition "
            "shall, within 5 days of the filing, mail a copy of the scale map to the town clerk. We affirm.\n"
            "Opinion filed May 22, 2008.\n")
    assert local.analyze(text, reference_date=date(2008, 5, 23))["deadlines"] == []
