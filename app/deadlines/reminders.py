"""When to send deadline reminders.

A reminder with offset ``n`` fires at ``morning`` (local wall-clock time in the
user's time zone) on ``due_date - n days``; offset 0 is the morning of the due
date itself. Results are timezone-aware UTC datetimes, in chronological order.

DST handling (zoneinfo, PEP 495):

* a wall-clock time that does not exist (spring-forward gap, e.g. 02:30 on the
  US change-over day) is read with the offset in force *before* the jump, which
  lands the same number of minutes after the jump (02:30 -> 03:30 EDT);
* a wall-clock time that occurs twice (fall-back overlap, e.g. 01:30) uses the
  FIRST occurrence (``fold=0``) — the earlier instant, so a reminder is never
  late.

Nothing is skipped: reminders in the past are returned too; the caller decides.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_OFFSETS", "DEFAULT_MORNING", "get_zone", "localize", "reminder_times"]

DEFAULT_OFFSETS: list[int] = [7, 3, 1, 0]
DEFAULT_MORNING = time(8, 0)
MAX_OFFSET_DAYS = 366


def get_zone(tz_name: str) -> ZoneInfo:
    """ZoneInfo for an IANA name; ValueError if it is not a valid zone."""
    if not isinstance(tz_name, str) or not tz_name.strip():
        raise ValueError("time zone name is required (an IANA name such as 'America/New_York')")
    try:
        return ZoneInfo(tz_name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {tz_name!r}: use an IANA name such as 'America/New_York'") from exc


def localize(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Aware local datetime for a wall-clock time (gap -> shifted forward, overlap -> first)."""
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    # fold=0 gives exactly the documented policy for both gaps and overlaps.
    return naive.replace(tzinfo=zone, fold=0)


def reminder_times(
    due_date: date,
    due_time: time | None,
    tz_name: str,
    offsets: list[int],
    morning: time = DEFAULT_MORNING,
    court_tz: str | None = None,
) -> list[tuple[int, datetime]]:
    """``[(offset_days, aware_utc_datetime), ...]`` in chronological order.

    ``due_time`` is on the court's clock (``court_tz``; the user's zone when None). If the deadline
    passes at or before ``morning`` of the due date in the user's zone, the offset-0 reminder would fire
    after the deadline; it is moved to one hour before the due time (not earlier than the court's
    midnight of the due date).
    """
    if isinstance(due_date, datetime):
        due_date = due_date.date()
    if not isinstance(due_date, date):
        raise TypeError("due_date must be a date")
    if due_time is not None and not isinstance(due_time, time):
        raise TypeError("due_time must be a datetime.time or None")
    if not isinstance(morning, time):
        raise TypeError("morning must be a datetime.time")
    zone = get_zone(tz_name)
    out: dict[int, datetime] = {}
    for off in offsets:
        if isinstance(off, bool) or not isinstance(off, int):
            raise ValueError(f"reminder offsets must be whole days, got {off!r}")
        if off < 0 or off > MAX_OFFSET_DAYS:
            raise ValueError(f"reminder offset {off} out of range 0..{MAX_OFFSET_DAYS}")
        if off in out:
            continue
        at = localize(due_date - timedelta(days=off), morning, zone)
        if off == 0 and due_time is not None:
            court = get_zone(court_tz) if court_tz else zone
            due_at = localize(due_date, due_time, court)
            if due_at <= at:
                at = max(due_at - timedelta(hours=1), localize(due_date, time(0, 0), court))
        out[off] = at.astimezone(timezone.utc)
    return sorted(out.items(), key=lambda kv: (kv[1], -kv[0]))
