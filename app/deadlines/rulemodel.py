"""The rule model: errors, results, a rule and its versions, a jurisdiction and the calendar a computation
uses. Pure Python."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from app.deadlines.holiday_calendar import build_holidays

UNITS = ("calendar_days", "court_days", "hours", "weekday_after", "weekday_after_period")


DIRECTIONS = ("after", "before")


WD_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


CASE_TYPES = ("CIVIL_LITIGATION", "FAMILY_LAW", "CRIMINAL_DEFENSE", "PERSONAL_INJURY", "BANKRUPTCY",
              "LANDLORD_TENANT", "SMALL_CLAIMS", "OTHER")


MIN_YEAR = 1900


MAX_YEAR = 2199


VERSION_KEYS = ("period", "unit", "weekday", "direction", "roll", "exclude_trigger_day",
                "short_period_excludes_nonbusiness", "service_adjustments", "service_adjustment_note",
                "counting", "citation", "source_url", "quote", "quote_source", "verified",
                "unverified_reason", "left_open", "notes", "holidays_also")


NEEDED_KEYS = ("period", "unit", "citation", "source_url", "verified")



class RuleFileError(ValueError):
    """A rules directory has problems. The message names the first (file and JSON path); all are in
    ``problems``."""

    def __init__(self, file: str | Path, path: str, problem: str, problems: list[str] | None = None):
        self.file = str(file)
        self.path = path
        self.problem = problem
        first = f"{Path(self.file).name}: {path}: {problem}"
        self.problems = problems or [first]
        extra = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + extra)


class DeadlineRuleUnknown(Exception):
    """Jurisdiction or trigger unknown, or an input the rules cannot compute."""

    def __init__(self, message: str, guidance: str, known_triggers: list[str],
                 known_jurisdictions: list[str] | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.guidance = guidance
        self.known_triggers = list(known_triggers)
        self.known_jurisdictions = list(known_jurisdictions or [])
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "guidance": self.guidance, "known_triggers": self.known_triggers,
                "known_jurisdictions": self.known_jurisdictions, "field": self.field}


@dataclass
class ComputedDeadline:
    rule_id: str
    title: str
    due_date: date
    due_time: time | None
    rule: str
    citation: str
    explanation: list[str]
    trigger: str
    service_method: str | None
    jurisdiction: str = ""
    notes: str = ""
    service_days_added: int = 0
    roll: str = "next_court_day"
    source_url: str = ""
    quote: str = ""
    verified: bool = True
    version: dict[str, Any] = field(default_factory=dict)
    state_holidays: str | None = None
    left_open: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["due_date"] = self.due_date.isoformat()
        d["due_time"] = self.due_time.isoformat() if self.due_time else None
        return d


@dataclass(frozen=True)
class RuleVersion:
    """One version of a rule, with the rule-level defaults merged in."""

    effective_from: date
    effective_until: date | None
    period: int
    unit: str
    direction: str
    roll: str
    service_adjustments: dict[str, int]
    exclude_trigger_day: bool
    short_period_excludes_nonbusiness: bool
    citation: str
    source_url: str
    quote: str
    verified: bool
    counting: dict[str, Any]
    notes: str = ""
    weekday: str | None = None
    service_adjustment_note: str | None = None
    unverified_reason: str | None = None
    quote_source: str | None = None
    left_open: tuple[str, ...] = ()
    # Days this rule's own computation text treats as holidays beyond the court calendar (e.g. Tex. R. Civ.
    # P. 510.4: "a state or federal holiday"): {"label", "citation", "spec"} with a holidays spec.
    holidays_also: dict[str, Any] | None = None

    def in_force(self, d: date) -> bool:
        return self.effective_from <= d and (self.effective_until is None or d <= self.effective_until)

    def span(self) -> str:
        until = self.effective_until.isoformat() if self.effective_until else "now"
        return f"{self.effective_from.isoformat()} to {until}"

    def describe(self) -> dict[str, Any]:
        return {"effective_from": self.effective_from.isoformat(),
                "effective_until": self.effective_until.isoformat() if self.effective_until else None,
                "period": self.period, "unit": self.unit, "citation": self.citation,
                "source_url": self.source_url, "quote": self.quote, "verified": self.verified,
                "unverified_reason": self.unverified_reason, "quote_source": self.quote_source,
                "counting_method": counting_method(self)}


@dataclass(frozen=True)
class Rule:
    id: str
    trigger: str
    title: str
    case_types: tuple[str, ...]
    versions: tuple[RuleVersion, ...]
    examples: tuple[dict[str, Any], ...] = ()
    court: str | None = None

    def version_on(self, d: date) -> RuleVersion | None:
        return next((v for v in self.versions if v.in_force(d)), None)

    def current(self, today: date | None = None) -> RuleVersion:
        today = today or date.today()
        return self.version_on(today) or max(self.versions, key=lambda v: v.effective_from)

    @property
    def direction(self) -> str:
        return self.versions[-1].direction


@dataclass
class Jurisdiction:
    code: str
    name: str
    notes: str
    holiday_spec: dict[str, Any]
    counting: dict[str, Any]
    service_methods: dict[str, str]
    triggers: dict[str, dict[str, Any]]
    rules: list[Rule]
    source: str
    state: str | None = None
    _holiday_cache: dict[tuple[int, bool], dict[date, str]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def is_federal(self) -> bool:
        return self.code == "US-FED"

    def holidays_for_year(self, year: int, *, state_declared_only: bool = False) -> dict[date, str]:
        """Court holidays of a year; with ``state_declared_only`` only the days declared by the state
        (statute or proclamation), not days the judiciary alone closed."""
        key = (year, state_declared_only)
        cached = self._holiday_cache.get(key)
        if cached is None:
            with self._lock:
                cached = self._holiday_cache.get(key)
                if cached is None:
                    cached = build_holidays(self.holiday_spec, year, state_declared_only)
                    self._holiday_cache[key] = cached
        return cached

    def holiday_name(self, d: date) -> str | None:
        return self.holidays_for_year(d.year).get(d)

    def is_court_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self.holidays_for_year(d.year)

    @property
    def trigger_ids(self) -> list[str]:
        return sorted(self.triggers)

    def rules_for(self, trigger: str) -> list[Rule]:
        return [r for r in self.rules if r.trigger == trigger]


class Calendar:
    """The days a computation treats as closed: the jurisdiction's court holidays and, for a federal
    period counted forward, the holidays of the district's state (Fed. R. Civ. P. 6(a)(6)(C))."""

    def __init__(self, jur: Jurisdiction, extra=None, extra_label: str | None = None):
        self.jur = jur
        self.extra = extra  # callable(year) -> dict[date, str]
        self.extra_label = extra_label

    def holiday_name(self, d: date) -> str | None:
        names = [self.jur.holiday_name(d)]
        if self.extra is not None:
            other = self.extra(d.year).get(d)
            if other and other != names[0]:
                names.append(f"{other} ({self.extra_label} holiday)")
        names = [n for n in names if n]
        return "; ".join(names) if names else None

    def is_court_day(self, d: date) -> bool:
        return d.weekday() < 5 and self.holiday_name(d) is None

    def non_court_reason(self, d: date) -> str | None:
        name = self.holiday_name(d)
        if d.weekday() == 5:
            return f"a Saturday ({name})" if name else "a Saturday"
        if d.weekday() == 6:
            return f"a Sunday ({name})" if name else "a Sunday"
        if name:
            return f"{name} (legal holiday)"
        return None


def counting_method(v: RuleVersion) -> str:
    """The counting method of a version in one sentence."""
    if v.unit == "weekday_after":
        return f"the {ORDINALS[v.period]} {v.weekday} after the trigger; a non-court day rolls forward"
    if v.unit == "weekday_after_period":
        return (f"the first {v.weekday} after {v.period} calendar days have expired (trigger day excluded); "
                "a non-court day rolls forward")
    unit = {"calendar_days": "calendar days", "court_days": "court days (weekends and court holidays not counted)",
            "hours": "hours"}[v.unit]
    parts = [f"{v.period} {unit} {v.direction} the trigger"]
    parts.append("trigger day excluded" if v.exclude_trigger_day else "trigger day counted as day 1")
    if v.short_period_excludes_nonbusiness and v.counting.get("short_period_threshold_days"):
        parts.append(f"weekends and holidays excluded when the period is under "
                     f"{v.counting['short_period_threshold_days']} days")
    parts.append({"next_court_day": "a last day on a weekend or court holiday moves to the next court day",
                  "previous_court_day": "a last day on a weekend or court holiday moves to the previous court day",
                  "none": "the last day is not moved for weekends or holidays"}[v.roll])
    adds = {m: n for m, n in v.service_adjustments.items() if n}
    if adds:
        how = ("added after the period would otherwise expire"
               if v.counting["service_addition_mode"] == "after_period_expires" else "added to the period")
        parts.append("service additions: " + ", ".join(f"{m} +{n}" for m, n in adds.items()) + f" ({how})")
    else:
        parts.append("no days added for the manner of service")
    return "; ".join(parts)

