from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.deadlines.reminders import DEFAULT_OFFSETS, reminder_times

UTC = timezone.utc


def test_defaults():
    assert DEFAULT_OFFSETS == [7, 3, 1, 0]


def test_new_york_morning_in_utc_chronological():
    res = reminder_times(date(2026, 12, 28), None, "America/New_York", DEFAULT_OFFSETS)
    assert [o for o, _ in res] == [7, 3, 1, 0]
    assert res == [
        (7, datetime(2026, 12, 21, 13, 0, tzinfo=UTC)),
        (3, datetime(2026, 12, 25, 13, 0, tzinfo=UTC)),
        (1, datetime(2026, 12, 27, 13, 0, tzinfo=UTC)),
        (0, datetime(2026, 12, 28, 13, 0, tzinfo=UTC)),
    ]
    for _, dt in res:
        assert dt.tzinfo is not None and dt.utcoffset() == timedelta(0)


def test_new_york_vs_los_angeles_differ_by_three_hours():
    ny = dict(reminder_times(date(2026, 7, 15), None, "America/New_York", [1, 0]))
    la = dict(reminder_times(date(2026, 7, 15), None, "America/Los_Angeles", [1, 0]))
    for off in (1, 0):
        assert ny[off] != la[off]
        assert la[off] - ny[off] == timedelta(hours=3)
    assert ny[0] == datetime(2026, 7, 15, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert la[0] == datetime(2026, 7, 15, 15, 0, tzinfo=UTC)  # 08:00 PDT


def test_dst_transition_week():
    # US DST starts Sun 2026-03-08. 7 days before Fri 03-13 is Fri 03-06 (EST), 0 is EDT.
    res = dict(reminder_times(date(2026, 3, 13), None, "America/New_York", [7, 3, 1, 0]))
    assert res[7] == datetime(2026, 3, 6, 13, 0, tzinfo=UTC)  # 08:00 EST (-5)
    assert res[0] == datetime(2026, 3, 13, 12, 0, tzinfo=UTC)  # 08:00 EDT (-4)
    # fall back Sun 2026-11-01
    res = dict(reminder_times(date(2026, 11, 2), None, "America/New_York", [1, 0]))
    assert res[1] == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # 08:00 EST on the change-over day
    assert res[0] == datetime(2026, 11, 2, 13, 0, tzinfo=UTC)


def test_dst_gap_and_overlap_wall_times():
    # 02:30 does not exist on 2026-03-08 in New York: shifted forward to 03:30 EDT == 07:30 UTC
    [(off_gap, gap)] = reminder_times(date(2026, 3, 8), None, "America/New_York", [0], morning=time(2, 30))
    assert off_gap == 0
    assert gap == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    # 01:30 happens twice on 2026-11-01: the first (EDT) occurrence is used == 05:30 UTC
    [(off_overlap, overlap)] = reminder_times(date(2026, 11, 1), None, "America/New_York", [0], morning=time(1, 30))
    assert off_overlap == 0
    assert overlap == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_due_time_before_morning_moves_same_day_reminder():
    res = dict(reminder_times(date(2026, 12, 28), time(7, 0), "America/New_York", [1, 0]))
    assert res[0] == datetime(2026, 12, 28, 11, 0, tzinfo=UTC)  # 06:00 EST, before the 07:00 deadline
    assert res[1] == datetime(2026, 12, 27, 13, 0, tzinfo=UTC)
    later = dict(reminder_times(date(2026, 12, 28), time(17, 0), "America/New_York", [0]))
    assert later[0] == datetime(2026, 12, 28, 13, 0, tzinfo=UTC)


def test_past_reminders_are_not_skipped_and_duplicates_collapse():
    res = reminder_times(date(2001, 1, 10), None, "UTC", [3, 3, 0])
    assert res == [(3, datetime(2001, 1, 7, 8, 0, tzinfo=UTC)), (0, datetime(2001, 1, 10, 8, 0, tzinfo=UTC))]


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", "../etc/passwd", None])
def test_invalid_timezone(bad):
    with pytest.raises(ValueError):
        reminder_times(date(2026, 1, 1), None, bad, [0])


def test_invalid_offsets():
    with pytest.raises(ValueError):
        reminder_times(date(2026, 1, 1), None, "UTC", [-1])
    with pytest.raises(ValueError):
        reminder_times(date(2026, 1, 1), None, "UTC", [1.5])


@settings(max_examples=200, deadline=None)
@given(
    due=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    tz=st.sampled_from(["America/New_York", "America/Los_Angeles", "America/Chicago", "Europe/London", "UTC"]),
)
def test_property_local_wall_time_is_morning(due, tz):
    from zoneinfo import ZoneInfo

    for off, when in reminder_times(due, None, tz, DEFAULT_OFFSETS):
        local = when.astimezone(ZoneInfo(tz))
        assert local.date() == due - timedelta(days=off)
        assert local.time() == time(8, 0)
