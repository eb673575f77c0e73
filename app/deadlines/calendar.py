"""iCalendar (RFC 5545) export of court deadlines.

``deadlines_ics(deadlines, calendar_name=...)`` returns the bytes of a
VCALENDAR with one VEVENT per deadline:

* ``UID`` ``{id}@caseos`` — stable, so re-importing/subscribing updates events;
* all-day ``DTSTART;VALUE=DATE`` (+ exclusive ``DTEND``) when there is no
  ``due_time``; otherwise a timed ``DTSTART;TZID=...`` (a VTIMEZONE is
  included) or UTC when the deadline has no time zone;
* ``SUMMARY`` = the title; ``DESCRIPTION`` = case, rule, citation, status and
  the counting explanation; ``STATUS`` mapped to TENTATIVE/CONFIRMED/CANCELLED;
* one ``VALARM`` (DISPLAY) per reminder offset. With a time zone the alarm is
  an absolute UTC trigger at the same instant the e-mail reminder is sent
  (see :func:`app.deadlines.reminders.reminder_times`); without one
  it is relative to the start (08:00 floating time on the day for all-day
  events). Completed or cancelled deadlines get no alarms, and no alarm is
  written whose moment has passed (a past deadline has none).

Deadline dict keys: id, title, due_date (date), due_time (time|None),
timezone, status, rule, citation, case_title, reminders (list[int]);
optional: explanation (list[str]), notes (str).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable

from icalendar import Alarm, Calendar, Event

from app.deadlines.reminders import DEFAULT_MORNING, get_zone, localize, reminder_times

__all__ = ["deadlines_ics", "ics_status", "DEFAULT_PRODID"]

DEFAULT_PRODID = "-//CaseOS//Deadlines//EN"

_CANCELLED = {"cancelled", "canceled", "vacated", "withdrawn", "dismissed", "void"}
_TENTATIVE = {"draft", "proposed", "tentative", "unconfirmed", "estimated", "needs_review", "suggested"}
_DONE = {"done", "completed", "complete", "met", "filed", "satisfied"}

_DISCLAIMER = (
    "Computed by CaseOS from the court rules. Verify the date with the court clerk, the court's "
    "local rules and any order in your case; this is not legal advice."
)


def ics_status(status: str | None) -> str:
    """Map a CaseOS deadline status to an RFC 5545 VEVENT STATUS."""
    s = (status or "").strip().lower()
    if s in _CANCELLED:
        return "CANCELLED"
    if s in _TENTATIVE:
        return "TENTATIVE"
    return "CONFIRMED"


def _alarms_wanted(status: str | None) -> bool:
    s = (status or "").strip().lower()
    return s not in _CANCELLED and s not in _DONE


def _description(d: dict[str, Any]) -> str:
    lines: list[str] = []
    if d.get("case_title"):
        lines.append(f"Case: {d['case_title']}")
    if d.get("rule"):
        lines.append(f"Rule: {d['rule']}")
    if d.get("citation"):
        lines.append(f"Citation: {d['citation']}")
    if d.get("status"):
        lines.append(f"Status: {d['status']}")
    if d.get("due_time") is not None:
        tz = d.get("timezone") or "UTC"
        lines.append(f"Due: {d['due_date'].isoformat()} {d['due_time'].strftime('%H:%M')} ({tz})")
    else:
        lines.append(f"Due: {d['due_date'].isoformat()} (end of the court day)")
    explanation = d.get("explanation") or []
    if explanation:
        lines.append("")
        lines.append("How this date was computed:")
        lines.extend(f"- {step}" for step in explanation)
    if d.get("notes"):
        lines.append("")
        lines.append(f"Notes: {d['notes']}")
    lines.append("")
    lines.append(_DISCLAIMER)
    return "\n".join(lines)


def _check(d: dict[str, Any], i: int) -> None:
    for key in ("id", "title", "due_date"):
        if d.get(key) in (None, ""):
            raise ValueError(f"deadline #{i}: missing {key!r}")
    if isinstance(d["due_date"], datetime) or not isinstance(d["due_date"], date):
        raise ValueError(f"deadline #{i}: due_date must be a datetime.date")
    if d.get("due_time") is not None and not isinstance(d["due_time"], time):
        raise ValueError(f"deadline #{i}: due_time must be a datetime.time or None")
    reminders = d.get("reminders") or []
    for off in reminders:
        if isinstance(off, bool) or not isinstance(off, int) or off < 0:
            raise ValueError(f"deadline #{i}: reminder offsets must be non-negative whole days")


def _alarm(summary: str, offset: int, trigger: datetime | timedelta) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    when = "today" if offset == 0 else ("tomorrow" if offset == 1 else f"in {offset} days")
    alarm.add("description", f"Court deadline {when}: {summary}")
    # datetime -> absolute trigger (VALUE=DATE-TIME, UTC); timedelta -> relative to DTSTART
    alarm.add("trigger", trigger)
    alarm.add("x-caseos-offset-days", str(offset))
    return alarm


def _future_alarms(d: dict[str, Any], tz_name: str | None, zone, morning: time, now: datetime) -> list[Alarm]:
    """One alarm per reminder offset whose moment is still ahead of ``now``."""
    due_date: date = d["due_date"]
    due_time: time | None = d.get("due_time")
    offsets = list(dict.fromkeys(d.get("reminders") or []))
    if zone is not None:
        return [_alarm(str(d["title"]), off, when)
                for off, when in reminder_times(due_date, due_time, tz_name, offsets, morning=morning) if when > now]
    out = []
    for off in sorted(offsets, reverse=True):
        # all-day events start at local midnight (floating): fire at `morning`; timed ones are UTC
        trig = timedelta(days=-off, hours=morning.hour, minutes=morning.minute) if due_time is None \
            else timedelta(days=-off)
        start = datetime.combine(due_date, (due_time or time(0)).replace(tzinfo=None), tzinfo=timezone.utc)
        if start + trig > now:
            out.append(_alarm(str(d["title"]), off, trig))
    return out


def deadlines_ics(
    deadlines: Iterable[dict[str, Any]],
    *,
    calendar_name: str,
    prodid: str = DEFAULT_PRODID,
    dtstamp: datetime | None = None,
    morning: time = DEFAULT_MORNING,
    now: datetime | None = None,
) -> bytes:
    """Serialize deadlines to an iCalendar document (bytes, CRLF line endings).

    Alarms whose moment has passed (``now``, default the current time) are left out, so a calendar
    never rings for a deadline that is over or for a reminder day already gone."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = (dtstamp or now).astimezone(timezone.utc).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("name", calendar_name)

    needs_tz = False
    for i, d in enumerate(deadlines):
        _check(d, i)
        tz_name = d.get("timezone") or None
        zone = get_zone(tz_name) if tz_name else None  # ValueError on a bad zone
        ev = Event()
        ev.add("uid", f"{d['id']}@caseos")
        ev.add("dtstamp", stamp)
        ev.add("summary", str(d["title"]))
        ev.add("description", _description(d))
        ev.add("status", ics_status(d.get("status")))
        ev.add("categories", ["Court deadline"])
        ev.add("transp", "TRANSPARENT")
        if d.get("status"):
            ev.add("x-caseos-status", str(d["status"]))
        due_date: date = d["due_date"]
        due_time: time | None = d.get("due_time")
        if due_time is None:
            ev.add("dtstart", due_date)
            ev.add("dtend", due_date + timedelta(days=1))
        else:
            if zone is not None:
                start = localize(due_date, due_time, zone)
                needs_tz = True
            else:
                start = datetime.combine(due_date, due_time.replace(tzinfo=None), tzinfo=timezone.utc)
            ev.add("dtstart", start)

        if _alarms_wanted(d.get("status")):
            for alarm in _future_alarms(d, tz_name, zone, morning, now):
                ev.add_component(alarm)
        cal.add_component(ev)

    if needs_tz:
        cal.add_missing_timezones()
    return cal.to_ical()
