"""The court's time zone: deadlines are due on the court's clock, whoever reads them and wherever.

One IANA zone per jurisdiction code: the zone of the state's capital and of most of its courts.
States split between two zones (Texas's El Paso, Florida's panhandle, Tennessee, Kentucky, Indiana,
Michigan's Upper Peninsula, Oregon, Idaho, Nebraska, Kansas, the Dakotas) get their main zone; a
court in the other zone is off by an hour until a case names its own. ``US-FED`` has no one zone:
``court_zone`` returns None and callers use the person's zone.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["JURISDICTION_ZONES", "court_zone", "due_instant"]

_EASTERN, _CENTRAL, _MOUNTAIN, _PACIFIC = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"

JURISDICTION_ZONES: dict[str, str] = {
    **{f"US-{s}": _EASTERN for s in ("CT", "DC", "DE", "FL", "GA", "KY", "MA", "MD", "ME", "NC", "NH", "NJ", "NY",
                                     "OH", "PA", "RI", "SC", "VA", "VT", "WV")},
    **{f"US-{s}": _CENTRAL for s in ("AL", "AR", "IA", "IL", "KS", "LA", "MN", "MO", "MS", "ND", "NE", "OK", "SD",
                                     "TN", "TX", "WI")},
    **{f"US-{s}": _MOUNTAIN for s in ("CO", "MT", "NM", "UT", "WY")},
    **{f"US-{s}": _PACIFIC for s in ("CA", "NV", "OR", "WA")},
    "US-MI": "America/Detroit",
    "US-IN": "America/Indiana/Indianapolis",
    "US-AZ": "America/Phoenix",   # no daylight saving time
    "US-ID": "America/Boise",
    "US-AK": "America/Anchorage",
    "US-HI": "Pacific/Honolulu",
    "US-PR": "America/Puerto_Rico",
    "US-VI": "America/St_Thomas",
    "US-GU": "Pacific/Guam",
    "US-AS": "Pacific/Pago_Pago",
    "US-MP": "Pacific/Saipan",
}


def court_zone(jurisdiction: str | None) -> str | None:
    """The IANA zone a court of this jurisdiction keeps its clock in, or None (federal, unknown)."""
    return JURISDICTION_ZONES.get((jurisdiction or "").strip().upper())


def due_instant(due_date: date, due_time: time | None, zone_name: str) -> datetime:
    """The moment a deadline passes on the court's clock: its due time, or the end of its day (midnight)."""
    zone = ZoneInfo(zone_name)
    if due_time is None:
        return datetime.combine(due_date + timedelta(days=1), time(0, 0), tzinfo=zone)
    return datetime.combine(due_date, due_time.replace(tzinfo=None), tzinfo=zone)
