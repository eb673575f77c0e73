"""The court calendar of a jurisdiction: the holidays package's state calendar corrected by the rule file
(removals, fixed-date and nth-weekday holidays, dated closures by proclamation or order), and the state a
courts-db court sits in (for Fed. R. Civ. P. 6(a)(6)(C))."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import holidays as holidays_lib

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


US_STATES = {name: code for name, code in getattr(holidays_lib.US, "subdivisions_aliases", {}).items()}


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    if nth > 0:
        d = date(year, month, 1)
        d += timedelta(days=(weekday - d.weekday()) % 7)
        d += timedelta(weeks=nth - 1)
        return d if d.month == month else None
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - timedelta(days=1)
    d -= timedelta(days=(d.weekday() - weekday) % 7)
    return d


def _observed(d: date, rule: str) -> date | None:
    """The weekday a fixed-date holiday is observed on, or None when a weekend one is not moved."""
    if d.weekday() < 5:
        return d
    if rule == "sunday_to_monday":
        return d + timedelta(days=1) if d.weekday() == 6 else None
    if rule in ("weekend_to_nearest_weekday", "saturday_to_friday_sunday_to_monday"):
        return d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=1)
    return None


def _strip_name(full: str, target: str) -> str:
    target_l = target.strip().lower()
    keep = [p for p in (p.strip() for p in full.split(";"))
            if p.lower() not in (target_l, f"{target_l} (observed)")]
    return "; ".join(keep)


def _put(result: dict[date, str], d: date, name: str) -> None:
    result[d] = f"{result[d]}; {name}" if d in result else name


def _in_years(entry: dict[str, Any], year: int) -> bool:
    return not ((entry.get("since") and year < entry["since"]) or (entry.get("until") and year > entry["until"]))


def build_holidays(spec: dict[str, Any], year: int, state_declared_only: bool = False) -> dict[date, str]:
    kwargs: dict[str, Any] = {"subdiv": spec.get("subdiv"), "years": year}
    if spec.get("categories"):
        kwargs["categories"] = tuple(spec["categories"])
    base = holidays_lib.country_holidays(spec["country"], **kwargs)
    result: dict[date, str] = {d: str(n) for d, n in base.items() if d.year == year}
    for rem in spec.get("remove", []):
        _apply_removal(result, rem, year)
    for rec in spec.get("recurring", []):
        parity = rec.get("years", "all")
        if not _in_years(rec, year) or (parity == "even" and year % 2) or (parity == "odd" and not year % 2):
            continue
        d = _nth_weekday(year, rec["month"], WEEKDAYS.index(rec["weekday"]), rec["nth"])
        if d is not None:
            _put(result, d, rec["name"])
    for ann in spec.get("annual", []):
        if not _in_years(ann, year):
            continue
        d = _observed(date(year, ann["month"], ann["day"]), ann["observed"])
        if d is not None:
            _put(result, d, ann["name"] if d.day == ann["day"] else f"{ann['name']} (observed)")
    for add in spec.get("add", []):
        d = date.fromisoformat(add["date"])
        if d.year == year:
            _put(result, d, add["name"])
    for closure in spec.get("closures", []):
        d = date.fromisoformat(closure["date"])
        if d.year != year or closure.get("scope"):
            continue
        if state_declared_only and closure["kind"] != "proclamation":
            continue
        _put(result, d, closure["name"])
    return dict(sorted(result.items()))


def _apply_removal(result: dict[date, str], rem: dict[str, Any], year: int) -> None:
    if "date" in rem:
        d = date.fromisoformat(rem["date"])
        if d.year != year or d not in result:
            return
        targets = [d]
    else:
        targets = list(result)
    for d in targets:
        left = _strip_name(result[d], rem["name"]) if rem.get("name") else ""
        if left:
            result[d] = left
        else:
            del result[d]


def state_for_court(court_id: str) -> tuple[str, str]:
    """(state code such as 'US-MA', court name) for a courts-db court id such as 'mad'.

    Raises LookupError when courts-db does not know the id or cannot place it in a state."""
    from courts_db import find_court_by_id

    found = find_court_by_id((court_id or "").strip().lower()) if isinstance(court_id, str) else []
    if not found:
        raise LookupError(f"courts-db has no court with id {court_id!r}")
    court = found[0]
    location = court.get("location") or ""
    code = US_STATES.get(location)
    if code is None:
        raise LookupError(f"cannot tell which state court {court_id!r} sits in (courts-db location {location!r})")
    return f"US-{code}", court.get("name") or court_id

