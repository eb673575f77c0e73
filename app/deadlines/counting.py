"""Counting a period under a rule version: service additions, calendar and court days, short periods,
weekday rules, the last-day roll, and the sentences that explain each step."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.deadlines.holiday_calendar import WEEKDAYS
from app.deadlines.rulemodel import ORDINALS, WD_ABBR, Calendar, Jurisdiction, Rule, RuleVersion

def fmt_date(d: date) -> str:
    return f"{WD_ABBR[d.weekday()]} {d.isoformat()}"


def fmt_datetime(dt: datetime) -> str:
    s = f"{WD_ABBR[dt.weekday()]} {dt.date().isoformat()} {dt.strftime('%H:%M')}"
    if dt.tzinfo is not None:
        s += f" {dt.tzname()}"
    return s


def rule_notes(v: RuleVersion) -> str:
    parts = [v.notes] if v.notes else []
    if v.left_open:
        parts.append("Left open by the text: " + " ".join(v.left_open))
    if not v.verified:
        parts.append(f"NOT VERIFIED: {v.unverified_reason}")
    return " ".join(parts)


def version_line(rule: Rule, v: RuleVersion, t: date) -> str:
    several = len(rule.versions) > 1
    what = "Version in force on" if several else "Rule in force on"
    line = f"{what} {t.isoformat()}: {v.citation} (in force {v.span()})"
    if several:
        others = ", ".join(x.span() for x in rule.versions if x is not v)
        line += f"; other versions: {others}"
    return line


def service_addition(v: RuleVersion, method: str | None, lines: list[str]) -> tuple[int, str]:
    c = v.counting
    mode = c["service_addition_mode"]
    cite = c.get("service_addition") or c["citation"]
    adding = {m: d for m, d in v.service_adjustments.items() if d}
    if method is None:
        if adding:
            parts = ", ".join(f"{m} +{d}" for m, d in adding.items())
            lines.append(f"No service method given: no days added. Days this rule adds by service method: {parts} ({cite})")
        return 0, mode
    add = v.service_adjustments.get(method, 0)
    if not add:
        msg = f"Service by {method}: no days added"
        if v.service_adjustment_note:
            msg += f" — {v.service_adjustment_note}"
        elif adding:
            msg += f" ({cite} adds days only for: {', '.join(adding)})"
        lines.append(msg)
    return add, mode


def count_period(jur: Jurisdiction, cal: Calendar, rule: Rule, v: RuleVersion, t: date, period: int, sign: int,
           lines: list[str]) -> date:
    c = v.counting
    label = jur.triggers[rule.trigger]["label"]
    word = "after" if sign > 0 else "before"
    if v.unit == "weekday_after":
        d = t + timedelta(days=1)
        d += timedelta(days=(WEEKDAYS.index(v.weekday) - d.weekday()) % 7)
        d += timedelta(weeks=period - 1)
        lines.append(f"{ORDINALS[period].capitalize()} {v.weekday.capitalize()} after {fmt_date(t)} -> {fmt_date(d)}")
        return d
    if v.unit == "weekday_after_period":
        end = t + timedelta(days=period)
        d = end + timedelta(days=1)
        d += timedelta(days=(WEEKDAYS.index(v.weekday) - d.weekday()) % 7)
        lines.append(f"{period} days after {label} expire on {fmt_date(end)}; the {v.weekday.capitalize()} next after "
                     f"that is {fmt_date(d)} ({c['citation']})")
        return d
    threshold = c.get("short_period_threshold_days")
    short = (v.unit == "calendar_days" and v.short_period_excludes_nonbusiness and threshold is not None
             and period < threshold)
    if v.unit == "court_days" or short:
        if short:
            lines.append(f"The period ({period} days) is shorter than {threshold} days, so intermediate Saturdays, "
                         f"Sundays and legal holidays are excluded ({c.get('short_period') or c['citation']})")
        elif c.get("court_day"):
            lines.append(f"Court days: {c['court_day']}")
        d, counted, skipped = t, 0, []
        while counted < period:
            d += timedelta(days=sign)
            if cal.is_court_day(d):
                counted += 1
            else:
                skipped.append(f"{d.isoformat()} ({cal.non_court_reason(d)})")
        what = "court days" if v.unit == "court_days" else "days"
        msg = f"Counting {period} {what} {word} {label}"
        msg += (f", skipping {len(skipped)} non-court day(s): " + ", ".join(skipped)) if skipped else \
            " (no weekends or holidays in between)"
        lines.append(f"{msg} -> {fmt_date(d)}")
        return d
    n = period if v.exclude_trigger_day else period - 1
    d = t + timedelta(days=n * sign)
    lines.append(f"Counting {period} calendar days {word} {label} — every day counts, including weekends and "
                 f"holidays ({c.get('count_every_day') or c['citation']}) -> {fmt_date(d)}")
    return d


def roll_date(cal: Calendar, v: RuleVersion, d: date, lines: list[str]) -> date:
    c = v.counting
    if v.roll == "none":
        if not cal.is_court_day(d):
            lines.append(f"{d.isoformat()} is {cal.non_court_reason(d)}; this date is not moved for weekends or "
                         "holidays under this rule")
        return d
    forward = v.roll == "next_court_day"
    while not cal.is_court_day(d):
        reason = cal.non_court_reason(d)
        if forward:
            lines.append(f"{d.isoformat()} is {reason} -> next day ({c['last_day']})")
        else:
            lines.append(f"{d.isoformat()} is {reason} -> previous day (counting backward, "
                         f"{c.get('backward') or c['last_day']})")
        d += timedelta(days=1 if forward else -1)
    return d


def as_date(d: date) -> date:
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return d


def rule_text(jur: Jurisdiction, r: Rule, v: RuleVersion) -> str:
    label = jur.triggers[r.trigger]["label"]
    if v.unit == "weekday_after":
        return f"{ORDINALS[v.period]} {v.weekday.capitalize()} after {label}"
    if v.unit == "weekday_after_period":
        return f"the {v.weekday.capitalize()} next after {v.period} days after {label}"
    unit = {"calendar_days": "days", "court_days": "court days", "hours": "hours"}[v.unit]
    if v.period == 1:
        unit = unit[:-1]
    return f"{v.period} {unit} {v.direction} {label}"

