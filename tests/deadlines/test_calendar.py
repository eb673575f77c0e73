from datetime import date, datetime, time, timedelta, timezone

import pytest
from icalendar import Calendar

from app.deadlines.calendar import deadlines_ics, ics_status
from app.deadlines.engine import compute

UTC = timezone.utc


def make(**kw):
    base = dict(
        id="d1",
        title="Answer due",
        due_date=date(2026, 12, 28),
        due_time=None,
        timezone="America/New_York",
        status="open",
        rule="21 days after service of the summons and complaint",
        citation="Fed. R. Civ. P. 12(a)(1)(A)(i); 6(a)(1)",
        case_title="Doe v. Roe, No. 1:26-cv-00001",
        reminders=[7, 3, 1, 0],
    )
    base.update(kw)
    return base


def parse(data: bytes) -> Calendar:
    assert isinstance(data, bytes)
    return Calendar.from_ical(data)


def test_round_trip_all_day_and_timed():
    computed = compute("US-FED", "service_of_summons_and_complaint", date(2026, 12, 4), "personal")[0]
    data = deadlines_ics(
        [
            make(explanation=computed.explanation),
            make(id="d2", title="Hearing", due_date=date(2027, 1, 8), due_time=time(9, 30),
                 timezone="America/Los_Angeles", status="done", reminders=[1]),
            make(id="d3", title="Filing cutoff", due_date=date(2027, 1, 9), due_time=time(17, 0),
                 timezone=None, status="draft", reminders=[0]),
        ],
        calendar_name="Doe v. Roe deadlines",
        dtstamp=datetime(2026, 12, 5, 12, 0, tzinfo=UTC),
        now=datetime(2026, 12, 5, 12, 0, tzinfo=UTC),
    )
    cal = parse(data)
    assert str(cal["PRODID"]) == "-//CaseOS//Deadlines//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "Doe v. Roe deadlines"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"d1@caseos", "d2@caseos", "d3@caseos"}

    d1 = events["d1@caseos"]
    start = d1.decoded("DTSTART")
    assert type(start) is date and start == date(2026, 12, 28)  # all-day
    assert d1["DTSTART"].params.get("VALUE") == "DATE"
    assert d1.decoded("DTEND") == date(2026, 12, 29)
    assert str(d1["SUMMARY"]) == "Answer due"
    assert str(d1["STATUS"]) == "CONFIRMED"
    assert d1.decoded("DTSTAMP") == datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    desc = str(d1["DESCRIPTION"])
    assert "Doe v. Roe" in desc and "12(a)(1)(A)(i)" in desc and "21 days after service" in desc
    assert "2026-12-25 is Christmas Day" in desc
    alarms = d1.walk("VALARM")
    assert len(alarms) == 4
    triggers = sorted(a.decoded("TRIGGER") for a in alarms)
    # absolute UTC triggers at 08:00 New York time, the same instants as the e-mail reminders
    assert triggers[0] == datetime(2026, 12, 21, 13, 0, tzinfo=UTC)
    assert triggers[-1] == datetime(2026, 12, 28, 13, 0, tzinfo=UTC)
    assert all(str(a["ACTION"]) == "DISPLAY" for a in alarms)

    d2 = events["d2@caseos"]
    start2 = d2.decoded("DTSTART")
    assert isinstance(start2, datetime)
    assert d2["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert start2.astimezone(UTC) == datetime(2027, 1, 8, 17, 30, tzinfo=UTC)
    assert d2.walk("VALARM") == []  # completed deadline: no alarms
    assert any(str(tz["TZID"]) == "America/Los_Angeles" for tz in cal.walk("VTIMEZONE"))

    d3 = events["d3@caseos"]
    assert d3.decoded("DTSTART") == datetime(2027, 1, 9, 17, 0, tzinfo=UTC)
    assert str(d3["STATUS"]) == "TENTATIVE"
    [alarm] = d3.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(0)


def test_past_deadline_rings_no_alarm_and_reminder_days_gone_are_left_out():
    now = datetime(2026, 12, 24, 12, 0, tzinfo=UTC)  # after the 7-day reminder (Dec 21), before the 3-day one
    cal = parse(deadlines_ics([make(), make(id="past", due_date=date(2026, 12, 1)),
                               make(id="past-floating", due_date=date(2026, 12, 1), timezone=None)],
                              calendar_name="x", now=now))
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert events["past@caseos"].walk("VALARM") == []
    assert events["past-floating@caseos"].walk("VALARM") == []
    offsets = sorted(int(str(a["X-CASEOS-OFFSET-DAYS"])) for a in events["d1@caseos"].walk("VALARM"))
    assert offsets == [0, 1, 3]


def test_floating_all_day_relative_alarm_at_morning():
    cal = parse(deadlines_ics([make(timezone=None, reminders=[1, 0])], calendar_name="x",
                              now=datetime(2026, 12, 1, tzinfo=UTC)))
    [ev] = cal.walk("VEVENT")
    triggers = sorted(a.decoded("TRIGGER") for a in ev.walk("VALARM"))
    assert triggers == [timedelta(days=-1, hours=8), timedelta(hours=8)]


def test_status_mapping_and_special_characters():
    assert ics_status("cancelled") == "CANCELLED"
    assert ics_status("vacated") == "CANCELLED"
    assert ics_status("draft") == "TENTATIVE"
    assert ics_status(None) == "CONFIRMED"
    data = deadlines_ics(
        [make(title="Reply; motion, to dismiss\nnext line", status="cancelled")], calendar_name="Smith, et al.; v. Jones"
    )
    cal = parse(data)
    [ev] = cal.walk("VEVENT")
    assert str(ev["SUMMARY"]) == "Reply; motion, to dismiss\nnext line"
    assert str(ev["STATUS"]) == "CANCELLED"
    assert ev.walk("VALARM") == []
    assert str(cal["X-WR-CALNAME"]) == "Smith, et al.; v. Jones"


def test_empty_calendar_and_bad_input():
    cal = parse(deadlines_ics([], calendar_name="Empty"))
    assert cal.walk("VEVENT") == []
    with pytest.raises(ValueError):
        deadlines_ics([make(timezone="Nowhere/Special")], calendar_name="x")
    with pytest.raises(ValueError):
        deadlines_ics([make(due_date="2026-12-28")], calendar_name="x")
    with pytest.raises(ValueError):
        deadlines_ics([make(id="")], calendar_name="x")
