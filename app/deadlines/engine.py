"""Court-deadline rules engine driven by per-jurisdiction JSON rule files.

Rule files live in ``rules/<JURISDICTION>.json`` beside this module and follow
``rules/schema.json`` (the authoring guide is ``rules/README.md``). Every rule
carries its source: citation, the URL of the official text, the operative
sentence quoted verbatim, and one or more *versions* with effective-date
ranges; the engine applies the version in force on the trigger date and says
which one it used. :func:`check_rules_dir` reports every problem in a rules
directory (schema, cross-references, worked examples); loading an engine
refuses a directory with any problem (:class:`RuleFileError`).

Counting model (see Fed. R. Civ. P. 6(a) and the state analogues):

* ``calendar_days`` — exclude the trigger day, count every day, then if the
  last day is a Saturday, Sunday or court holiday move to the next court day
  (``roll: next_court_day``) or, when counting backward, to the previous court
  day (``roll: previous_court_day``). When the rule sets
  ``short_period_excludes_nonbusiness`` and the counting has a
  ``short_period_threshold_days``, periods shorter than the threshold skip
  intermediate weekends/holidays (Mass. R. Civ. P. 6(a), W. Va. magistrate
  court Rule 20(a)).
* ``court_days`` — count only court days.
* ``weekday_after`` — the Nth given weekday after the trigger.
* ``weekday_after_period`` — count the period in calendar days, then take the first given weekday
  after the period expires (Tex. R. Civ. P. 99(b): "the Monday next after the expiration of twenty
  days").
* ``hours`` — Fed. R. Civ. P. 6(a)(2): needs a ``datetime`` trigger.

Service additions follow ``service_addition_mode``: ``after_period_expires``
(Fed. R. Civ. P. 6(d): compute the period with its roll, add the days, roll
again) or ``added_to_period`` (Mass. R. Civ. P. 6(d): the days lengthen the
period before counting).

Federal periods counted forward also skip the holidays of the state where the
district court sits (Fed. R. Civ. P. 6(a)(6)(C)) when the caller names the
state or the district.

Pure Python: no web framework imports.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import holidays as holidays_lib
from jsonschema import Draft202012Validator, FormatChecker

__all__ = [
    "ComputedDeadline",
    "DeadlineEngine",
    "DeadlineRuleUnknown",
    "RuleFileError",
    "RULES_DIR",
    "check_rules_dir",
    "compute",
    "court_holidays",
    "get_engine",
    "is_court_day",
    "jurisdiction_info",
    "list_jurisdictions",
    "list_rules",
    "list_triggers",
    "load_engine",
    "state_for_court",
    "suggest_triggers",
]

RULES_DIR = Path(__file__).resolve().parent / "rules"
SCHEMA_FILE = RULES_DIR / "schema.json"

UNITS = ("calendar_days", "court_days", "hours", "weekday_after", "weekday_after_period")
DIRECTIONS = ("after", "before")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WD_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
CASE_TYPES = ("CIVIL_LITIGATION", "FAMILY_LAW", "CRIMINAL_DEFENSE", "PERSONAL_INJURY", "BANKRUPTCY",
              "LANDLORD_TENANT", "SMALL_CLAIMS", "OTHER")

MIN_YEAR = 1900
MAX_YEAR = 2199

# Keys a version may set (and a rule may set as the default for all its versions).
VERSION_KEYS = ("period", "unit", "weekday", "direction", "roll", "exclude_trigger_day",
                "short_period_excludes_nonbusiness", "service_adjustments", "service_adjustment_note",
                "counting", "citation", "source_url", "quote", "quote_source", "verified",
                "unverified_reason", "left_open", "notes")
_NEEDED = ("period", "unit", "citation", "source_url", "verified")

_US_STATES = {name: code for name, code in getattr(holidays_lib.US, "subdivisions_aliases", {}).items()}


# --------------------------------------------------------------------------- errors


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


# --------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------- model


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
                    cached = _build_holidays(self.holiday_spec, year, state_declared_only)
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
        return f"the {_ORDINALS[v.period]} {v.weekday} after the trigger; a non-court day rolls forward"
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


# --------------------------------------------------------------------------- holidays


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


def _build_holidays(spec: dict[str, Any], year: int, state_declared_only: bool = False) -> dict[date, str]:
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


# --------------------------------------------------------------------------- validation


_VALIDATOR: Draft202012Validator | None = None


def _validator() -> Draft202012Validator:
    global _VALIDATOR
    if _VALIDATOR is None:
        schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        _VALIDATOR = Draft202012Validator(schema, format_checker=FormatChecker())
    return _VALIDATOR


def _schema_problems(data: Any) -> list[tuple[str, str]]:
    out = []
    for err in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = err.json_path
        if err.validator == "format" or (err.validator == "pattern" and "[0-9]{4}" in str(err.validator_value)):
            msg = f"not a YYYY-MM-DD date: {err.instance!r}"
        elif err.validator == "unevaluatedProperties" or err.validator == "additionalProperties":
            msg = f"unknown key: {err.message}"
        else:
            msg = err.message
        out.append((_label_path(data, path), msg))
    return out


def _label_path(data: Any, path: str) -> str:
    """$.rules[3].x -> $.rules[3](rule_id).x so a reader finds the rule."""
    if not path.startswith("$.rules[") or not isinstance(data, dict):
        return path
    idx = path[len("$.rules["):].split("]", 1)[0]
    try:
        rid = data["rules"][int(idx)]["id"]
    except (ValueError, KeyError, IndexError, TypeError):
        return path
    return path.replace(f"$.rules[{idx}]", f"$.rules[{idx}]({rid})", 1)


def _read(file: Path) -> tuple[Any, list[tuple[str, str]]]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return None, [("$", f"invalid JSON: {exc}")]
    return data, _schema_problems(data)


def _merged_versions(raw: dict[str, Any], counting: dict[str, Any]) -> list[dict[str, Any]]:
    defaults = {k: raw[k] for k in VERSION_KEYS if k in raw}
    out = []
    for v in raw["versions"]:
        merged = {**defaults, **v}
        merged["counting"] = {**counting, **defaults.get("counting", {}), **v.get("counting", {})}
        out.append(merged)
    return out


def _semantic_problems(file: Path, data: dict[str, Any]) -> list[tuple[str, str]]:
    """What the schema cannot say: cross-references, merged version fields, date ranges."""
    out: list[tuple[str, str]] = []
    if file.stem != data["jurisdiction"]:
        out.append(("$.jurisdiction", f"code {data['jurisdiction']!r} does not match the file name {file.name!r}"))
    try:
        _build_holidays(data["holidays"], 2025)
    except Exception as exc:  # NotImplementedError / KeyError / ValueError from the holidays package
        out.append(("$.holidays", f"holidays package rejects country/subdiv/categories: {exc!r}"))
    for ann in data["holidays"].get("annual", []):
        try:
            date(2024, ann["month"], ann["day"])
        except ValueError:
            out.append(("$.holidays.annual", f"{ann['name']}: no such day {ann['month']}/{ann['day']}"))
    methods = set(data["service_methods"])
    used: set[str] = set()
    seen: set[str] = set()
    for i, raw in enumerate(data["rules"]):
        p = f"$.rules[{i}]({raw['id']})"
        if raw["id"] in seen:
            out.append((f"{p}.id", f"duplicate rule id {raw['id']!r}"))
        seen.add(raw["id"])
        used.add(raw["trigger"])
        if raw["trigger"] not in data["triggers"]:
            out.append((f"{p}.trigger", f"trigger {raw['trigger']!r} is not defined in $.triggers"))
        out += _version_problems(p, _merged_versions(raw, data["counting"]), methods)
        for j, ex in enumerate(raw["examples"]):
            if ex.get("service_method") and ex["service_method"] not in methods:
                out.append((f"{p}.examples[{j}].service_method", f"unknown service method {ex['service_method']!r}"))
    for tid in data["triggers"]:
        if tid not in used:
            out.append((f"$.triggers.{tid}", "trigger has no rules"))
    return out


def _version_problems(p: str, versions: list[dict[str, Any]], methods: set[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    spans = []
    for j, v in enumerate(versions):
        vp = f"{p}.versions[{j}]"
        missing = [k for k in _NEEDED if k not in v]
        if missing:
            out.append((vp, f"missing {', '.join(missing)} (set on the version or on the rule)"))
            continue
        unit, period = v["unit"], v["period"]
        if unit == "weekday_after" and (not v.get("weekday") or period > 5 or v["direction"] != "after"):
            out.append((vp, "unit 'weekday_after' needs a weekday, a period of 1-5 and direction 'after'"))
        if unit == "weekday_after_period" and (not v.get("weekday") or v["direction"] != "after"):
            out.append((vp, "unit 'weekday_after_period' needs a weekday and direction 'after'"))
        if unit not in ("weekday_after", "weekday_after_period") and v.get("weekday"):
            out.append((f"{vp}.weekday", "'weekday' is only valid with the weekday units"))
        if unit not in ("hours",) and period > 3660:
            out.append((f"{vp}.period", "a day period must be at most 3660"))
        if v["direction"] == "after" and v["roll"] == "previous_court_day":
            out.append((f"{vp}.roll", "a forward ('after') period cannot roll to the previous court day"))
        for m in v.get("service_adjustments", {}):
            if m not in methods:
                out.append((f"{vp}.service_adjustments.{m}", f"unknown service method {m!r}"))
        if unit == "hours" and any(v.get("service_adjustments", {}).values()):
            out.append((f"{vp}.service_adjustments", "hour-based periods cannot have day additions"))
        if unit == "hours" and not v["counting"].get("hours"):
            out.append((f"{vp}.unit", "hour-based rule, but counting.hours (citation) is null"))
        if not v.get("exclude_trigger_day", True) and unit != "calendar_days":
            out.append((f"{vp}.exclude_trigger_day", "counting the trigger day is only supported for calendar_days"))
        if v.get("short_period_excludes_nonbusiness") and v["counting"].get("short_period_threshold_days") is None:
            out.append((f"{vp}.short_period_excludes_nonbusiness",
                        "set, but no short_period_threshold_days in the jurisdiction or rule counting"))
        start = date.fromisoformat(v["effective_from"])
        end = date.fromisoformat(v["effective_until"]) if v.get("effective_until") else None
        if end is not None and end < start:
            out.append((f"{vp}.effective_until", "ends before it starts"))
        spans.append((start, end, j))
    spans.sort()
    for (s1, e1, j1), (s2, _e2, j2) in zip(spans, spans[1:]):
        if e1 is None or e1 >= s2:
            out.append((f"{p}.versions[{j2}]", f"overlaps versions[{j1}] (effective ranges must not overlap)"))
    return out


def _version_from(v: dict[str, Any]) -> RuleVersion:
    return RuleVersion(
        effective_from=date.fromisoformat(v["effective_from"]),
        effective_until=date.fromisoformat(v["effective_until"]) if v.get("effective_until") else None,
        period=v["period"], unit=v["unit"], direction=v["direction"], roll=v["roll"],
        service_adjustments=dict(v.get("service_adjustments", {})),
        exclude_trigger_day=v.get("exclude_trigger_day", True),
        short_period_excludes_nonbusiness=v.get("short_period_excludes_nonbusiness", False),
        citation=v["citation"], source_url=v["source_url"], quote=v.get("quote", ""), verified=v["verified"],
        counting=v["counting"], notes=v.get("notes", ""), weekday=v.get("weekday"),
        service_adjustment_note=v.get("service_adjustment_note"), unverified_reason=v.get("unverified_reason"),
        quote_source=v.get("quote_source"), left_open=tuple(v.get("left_open", ())),
    )


def _build_jurisdiction(file: Path, data: dict[str, Any]) -> Jurisdiction:
    rules = []
    for raw in data["rules"]:
        versions = sorted((_version_from(v) for v in _merged_versions(raw, data["counting"])),
                          key=lambda v: v.effective_from)
        rules.append(Rule(id=raw["id"], trigger=raw["trigger"], title=raw["title"],
                          case_types=tuple(raw["case_types"]), versions=tuple(versions),
                          examples=tuple(raw["examples"]), court=raw.get("court")))
    return Jurisdiction(code=data["jurisdiction"], name=data["name"], notes=data.get("notes", ""),
                        holiday_spec=data["holidays"], counting=data["counting"],
                        service_methods=dict(data["service_methods"]), triggers=dict(data["triggers"]),
                        rules=rules, source=str(file), state=data.get("state"))


def _load_dir(rules_dir: Path) -> tuple[dict[str, Jurisdiction], list[tuple[Path, str, str]]]:
    files = sorted(p for p in rules_dir.glob("*.json") if p.name != SCHEMA_FILE.name)
    if not files:
        return {}, [(rules_dir, "$", "no *.json rule files found")]
    jurs: dict[str, Jurisdiction] = {}
    problems: list[tuple[Path, str, str]] = []
    for f in files:
        data, found = _read(f)
        if not found:
            found = _semantic_problems(f, data)
        problems += [(f, path, msg) for path, msg in found]
        if found:
            continue
        jur = _build_jurisdiction(f, data)
        if jur.code in jurs:
            problems.append((f, "$.jurisdiction", f"duplicate jurisdiction {jur.code!r}"))
        jurs[jur.code] = jur
    return jurs, problems


def _format_problem(f: Path, path: str, msg: str) -> str:
    return f"{Path(f).name}: {path}: {msg}"


def check_rules_dir(rules_dir: str | Path = RULES_DIR) -> list[str]:
    """Every problem in a rules directory: schema, cross-references and worked examples. Empty if fine."""
    jurs, problems = _load_dir(Path(rules_dir))
    out = [_format_problem(*p) for p in problems]
    if jurs and not problems:
        engine = DeadlineEngine.__new__(DeadlineEngine)
        engine.rules_dir, engine.jurisdictions = Path(rules_dir), jurs
        out += engine.example_problems()
    return out


# --------------------------------------------------------------------------- courts


def state_for_court(court_id: str) -> tuple[str, str]:
    """(state code such as 'US-MA', court name) for a courts-db court id such as 'mad'.

    Raises LookupError when courts-db does not know the id or cannot place it in a state."""
    from courts_db import find_court_by_id

    found = find_court_by_id((court_id or "").strip().lower()) if isinstance(court_id, str) else []
    if not found:
        raise LookupError(f"courts-db has no court with id {court_id!r}")
    court = found[0]
    location = court.get("location") or ""
    code = _US_STATES.get(location)
    if code is None:
        raise LookupError(f"cannot tell which state court {court_id!r} sits in (courts-db location {location!r})")
    return f"US-{code}", court.get("name") or court_id


def _fmt(d: date) -> str:
    return f"{_WD_ABBR[d.weekday()]} {d.isoformat()}"


def _fmt_dt(dt: datetime) -> str:
    s = f"{_WD_ABBR[dt.weekday()]} {dt.date().isoformat()} {dt.strftime('%H:%M')}"
    if dt.tzinfo is not None:
        s += f" {dt.tzname()}"
    return s


def _norm(value: Any) -> str:
    return str(value).strip().lower().replace("-", "_").replace(" ", "_") if value is not None else ""


# --------------------------------------------------------------------------- engine


class DeadlineEngine:
    """All jurisdictions loaded from one rules directory."""

    def __init__(self, rules_dir: str | Path = RULES_DIR):
        self.rules_dir = Path(rules_dir)
        self.jurisdictions, problems = _load_dir(self.rules_dir)
        if problems:
            f, path, msg = problems[0]
            raise RuleFileError(f, path, msg, [_format_problem(*p) for p in problems])

    # -- lookups -------------------------------------------------------------

    def list_jurisdictions(self) -> list[str]:
        return sorted(self.jurisdictions)

    def _jur(self, jurisdiction: str) -> Jurisdiction:
        code = jurisdiction.strip().upper() if isinstance(jurisdiction, str) else ""
        jur = self.jurisdictions.get(code)
        if jur is None:
            known = self.list_jurisdictions()
            raise DeadlineRuleUnknown(
                f"Unknown jurisdiction {jurisdiction!r}.",
                guidance=(f"Use one of: {', '.join(known)}. Deadlines for other courts are not modelled yet; "
                          "read the court's rules or ask the clerk."),
                known_triggers=[], known_jurisdictions=known, field="jurisdiction")
        return jur

    def jurisdiction_info(self, jurisdiction: str) -> dict[str, Any]:
        jur = self._jur(jurisdiction)
        return {"jurisdiction": jur.code, "name": jur.name, "notes": jur.notes,
                "holiday_notes": jur.holiday_spec.get("notes", ""), "counting": dict(jur.counting),
                "service_methods": dict(jur.service_methods), "triggers": self.list_triggers(jur.code)}

    def list_triggers(self, jurisdiction: str, case_type: str | None = None) -> list[dict[str, Any]]:
        jur = self._jur(jurisdiction)
        out = []
        for tid in jur.trigger_ids:
            spec = jur.triggers[tid]
            rules = [r for r in jur.rules_for(tid) if _matches_case_type(r, case_type)]
            if not rules:
                continue
            out.append({"id": tid, "label": spec["label"], "description": spec["description"],
                        "plain": list(spec["plain"]), "documents": list(spec.get("documents", [])),
                        "case_types": sorted({c for r in rules for c in r.case_types}),
                        "input": "datetime" if any(r.current().unit == "hours" for r in rules) else "date",
                        "rule_ids": [r.id for r in rules]})
        return out

    def suggest_triggers(self, jurisdiction: str, case_type: str | None = None,
                         document_type: str | None = None) -> list[dict[str, Any]]:
        """Triggers a document of this type usually starts, for this jurisdiction and case type."""
        wanted = _norm(document_type)
        return [t for t in self.list_triggers(jurisdiction, case_type) if not wanted or wanted in t["documents"]]

    def list_rules(self, jurisdiction: str, case_type: str | None = None) -> list[dict[str, Any]]:
        jur = self._jur(jurisdiction)
        return [self._describe(jur, r) for r in jur.rules if _matches_case_type(r, case_type)]

    def _describe(self, jur: Jurisdiction, r: Rule) -> dict[str, Any]:
        v = r.current()
        return {
            "id": r.id, "jurisdiction": jur.code, "trigger": r.trigger,
            "trigger_label": jur.triggers[r.trigger]["label"], "title": r.title, "rule": _rule_text(jur, r, v),
            "period": v.period, "unit": v.unit, "weekday": v.weekday, "direction": v.direction,
            "service_adjustments": dict(v.service_adjustments), "roll": v.roll,
            "exclude_trigger_day": v.exclude_trigger_day,
            "short_period_excludes_nonbusiness": v.short_period_excludes_nonbusiness,
            "citation": v.citation, "notes": _notes(v), "court": r.court, "case_types": list(r.case_types),
            "source_url": v.source_url, "quote": v.quote, "verified": v.verified,
            "unverified_reason": v.unverified_reason, "effective_from": v.effective_from.isoformat(),
            "effective_until": v.effective_until.isoformat() if v.effective_until else None,
            "counting_method": counting_method(v), "left_open": list(v.left_open),
            "versions": [x.describe() for x in r.versions], "examples": [dict(e) for e in r.examples],
        }

    def is_court_day(self, jurisdiction: str, d: date) -> bool:
        return self._jur(jurisdiction).is_court_day(_as_date(d))

    def court_holidays(self, jurisdiction: str, year: int) -> dict[date, str]:
        if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"year must be an integer between {MIN_YEAR} and {MAX_YEAR}")
        return dict(self._jur(jurisdiction).holidays_for_year(year))

    # -- the district's state ----------------------------------------------------

    def resolve_state(self, jur: Jurisdiction, state: str | None, court: str | None) -> str | None:
        """The state whose holidays apply besides the jurisdiction's own (federal courts only)."""
        code = state.strip().upper() if isinstance(state, str) and state.strip() else None
        if code is not None and (len(code) != 5 or code[:3] != "US-" or code[3:] not in _US_STATES.values()):
            raise self._bad_input(jur, f"Unknown state {state!r}.", "Give the state as US-XX, e.g. US-MA.", "state")
        if isinstance(court, str) and court.strip():
            try:
                from_court, _name = state_for_court(court)
            except LookupError as exc:
                raise self._bad_input(jur, f"Unknown court {court!r}: {exc}.",
                                      "Give a courts-db court id such as 'mad' (D. Mass.) or the state as US-XX.",
                                      "court") from None
            if code is not None and code != from_court:
                raise self._bad_input(jur, f"Court {court!r} sits in {from_court}, not {code}.",
                                      "Give either the court or the state, or make them agree.", "state")
            code = from_court
        if code is None:
            return None
        if not jur.is_federal:
            if code != jur.code:
                raise self._bad_input(jur, f"A {jur.code} computation cannot use the holidays of {code}.",
                                      "State courts use their own state's holidays; leave state/court empty "
                                      "or pick the matching jurisdiction.", "state")
            return None
        return code

    def _bad_input(self, jur: Jurisdiction, message: str, guidance: str, field_name: str) -> DeadlineRuleUnknown:
        return DeadlineRuleUnknown(message, guidance=guidance, known_triggers=jur.trigger_ids,
                                   known_jurisdictions=self.list_jurisdictions(), field=field_name)

    def _state_calendar(self, state: str):
        """(callable(year) -> holidays, description) for a state's declared holidays."""
        jur = self.jurisdictions.get(state)
        if jur is not None:
            return (lambda y: jur.holidays_for_year(y, state_declared_only=True)), f"{state} (from its rule file)"
        spec = {"country": "US", "subdiv": state[3:]}
        cache: dict[int, dict[date, str]] = {}

        def by_year(y: int) -> dict[date, str]:
            if y not in cache:
                cache[y] = _build_holidays(spec, y)
            return cache[y]

        return by_year, f"{state} (holidays package calendar; no CaseOS rule file checks it against the state's list)"

    # -- computation ---------------------------------------------------------

    def compute(self, jurisdiction: str, trigger: str, trigger_date: date, service_method: str | None = None,
                state: str | None = None, court: str | None = None) -> list[ComputedDeadline]:
        jur = self._jur(jurisdiction)
        rules = jur.rules_for(trigger) if isinstance(trigger, str) else []
        if not rules:
            raise DeadlineRuleUnknown(
                f"No {jur.code} deadline rules for trigger {trigger!r}.",
                guidance=("Pick the event that started the clock from the known triggers "
                          f"({', '.join(jur.trigger_ids)}). If none fits, the deadline is not modelled: check the "
                          "court's rules, any scheduling order, or ask the clerk."),
                known_triggers=jur.trigger_ids, known_jurisdictions=self.list_jurisdictions(), field="trigger")
        self._check_date(jur, trigger_date)
        method = self._method(jur, service_method)
        state_code = self.resolve_state(jur, state, court)
        t = trigger_date.date() if isinstance(trigger_date, datetime) else trigger_date
        chosen = []
        for r in rules:
            v = r.version_on(t)
            if v is None:
                spans = "; ".join(x.span() for x in r.versions)
                raise self._bad_input(jur, f"No version of {r.id} ({r.title}) is modelled for a trigger on "
                                      f"{t.isoformat()}.", f"CaseOS models this rule for: {spans}. For other "
                                      "dates read the rule in force then, or ask the clerk.", "trigger_date")
            if v.unit == "hours" and not isinstance(trigger_date, datetime):
                raise self._bad_input(jur, f"Rule {r.id} is stated in hours and needs the time of the triggering "
                                      "event.", "Give the trigger as a date and time (ISO 8601, e.g. 2026-12-04T15:30, "
                                      "ideally with the court's UTC offset): hour periods start counting immediately "
                                      f"({v.counting['hours']}).", "trigger_date")
            chosen.append((r, v))
        return [self._compute_rule(jur, r, v, trigger_date, method, state_code) for r, v in chosen]

    def _check_date(self, jur: Jurisdiction, trigger_date: Any) -> None:
        if not isinstance(trigger_date, date):
            raise self._bad_input(jur, f"Trigger date {trigger_date!r} is not a date.",
                                  "Give the trigger as a date (YYYY-MM-DD) or, for hour-based rules, a date and time.",
                                  "trigger_date")
        if not MIN_YEAR <= trigger_date.year <= MAX_YEAR - 1:
            raise self._bad_input(jur, f"Trigger date {trigger_date.isoformat()} is outside the supported range.",
                                  f"Court calendars are only modelled for {MIN_YEAR}-{MAX_YEAR - 1}.", "trigger_date")

    def _method(self, jur: Jurisdiction, service_method: str | None) -> str | None:
        if service_method is None or not str(service_method).strip():
            return None
        method = _norm(service_method)
        if method not in jur.service_methods:
            raise self._bad_input(jur, f"Unknown service method {service_method!r} for {jur.code}.",
                                  "Use one of: " + "; ".join(f"{k} ({v})" for k, v in jur.service_methods.items())
                                  + ". Leave it empty if you do not know how the paper was served.", "service_method")
        return method

    def _calendar(self, jur: Jurisdiction, v: RuleVersion, state: str | None, lines: list[str]):
        if not jur.is_federal:
            return Calendar(jur), None
        cite = jur.counting.get("state_holidays") or "Fed. R. Civ. P. 6(a)(6)(C)"
        if v.direction != "after":
            if state:
                lines.append(f"State holidays of {state} not applied: {cite} makes them legal holidays only for "
                             "periods measured after an event, and this one is counted backward")
            return Calendar(jur), None
        if state is None:
            lines.append(f"No state or district given: only federal holidays applied. {cite} also makes the holidays "
                         "of the state where the district court sits legal holidays for this period; give the state "
                         "(e.g. US-MA) or the court (e.g. mad) to apply them")
            return Calendar(jur), None
        by_year, described = self._state_calendar(state)
        lines.append(f"Holidays of the district's state applied: {described} ({cite})")
        return Calendar(jur, by_year, state), state

    def _compute_rule(self, jur: Jurisdiction, rule: Rule, v: RuleVersion, trig: date, method: str | None,
                      state: str | None) -> ComputedDeadline:
        lines: list[str] = []
        if v.unit == "hours":
            assert isinstance(trig, datetime)
            end_dt = self._compute_hours(jur, rule, v, trig, method, lines)
            due, due_time = end_dt.date(), end_dt.time().replace(tzinfo=None)
            lines.insert(1, _version_line(rule, v, trig.date()))
            state_used = None
        else:
            t = trig.date() if isinstance(trig, datetime) else trig
            self._trigger_lines(jur, rule, v, t, lines)
            lines.append(_version_line(rule, v, t))
            cal, state_used = self._calendar(jur, v, state, lines)
            due, due_time = self._count_days(jur, rule, v, t, method, cal, lines), None
        if not v.verified:
            lines.append(f"NOT VERIFIED against the official text: {v.unverified_reason}")
        lines += [f"Left open by the text: {x}" for x in v.left_open]
        lines.append(f"Due {_fmt_dt(datetime.combine(due, due_time)) if due_time else _fmt(due)}")
        return ComputedDeadline(
            rule_id=rule.id, title=rule.title, due_date=due, due_time=due_time, rule=_rule_text(jur, rule, v),
            citation=v.citation, explanation=lines, trigger=rule.trigger, service_method=method,
            jurisdiction=jur.code, notes=_notes(v),
            service_days_added=v.service_adjustments.get(method, 0) if method and v.unit != "hours" else 0,
            roll=v.roll, source_url=v.source_url, quote=v.quote, verified=v.verified, version=v.describe(),
            state_holidays=state_used, left_open=list(v.left_open))

    def _trigger_lines(self, jur: Jurisdiction, rule: Rule, v: RuleVersion, t: date, lines: list[str]) -> None:
        label = jur.triggers[rule.trigger]["label"]
        if v.exclude_trigger_day:
            lines.append(f"Trigger: {label} on {_fmt(t)} (day 0, excluded — {v.counting['trigger_day']})")
        else:
            lines.append(f"Trigger: {label} on {_fmt(t)} (counted as day 1 under this rule)")
        expected = jur.triggers[rule.trigger].get("expected_weekday")
        if expected and WEEKDAYS[t.weekday()] != expected:
            lines.append(f"Note: {label} is normally a {expected.capitalize()}; {t.isoformat()} is a "
                         f"{WEEKDAYS[t.weekday()].capitalize()} — check the date on your papers.")

    def _count_days(self, jur: Jurisdiction, rule: Rule, v: RuleVersion, t: date, method: str | None,
                    cal: Calendar, lines: list[str]) -> date:
        c = v.counting
        sign = 1 if v.direction == "after" else -1
        add, mode = _service_addition(v, method, lines)
        period = v.period
        if add and mode == "added_to_period":
            lines.append(f"Service by {method}: {add} days added to the prescribed period "
                         f"({c.get('service_addition') or c['citation']}) -> {period + add} days")
            period += add
        end = _roll(cal, v, _count(jur, cal, rule, v, t, period, sign, lines), lines)
        if add and mode == "after_period_expires":
            new = end + timedelta(days=add * sign)
            lines.append(f"{c.get('service_addition') or c['citation']}: service by {method} adds {add} days "
                         f"{'after' if sign > 0 else 'before'} the period would otherwise expire: "
                         f"{_fmt(end)} {'+' if sign > 0 else '-'} {add} -> {_fmt(new)}")
            end = _roll(cal, v, new, lines)
        return end

    def _compute_hours(self, jur: Jurisdiction, rule: Rule, v: RuleVersion, start: datetime, method: str | None,
                       lines: list[str]) -> datetime:
        c = v.counting
        label = jur.triggers[rule.trigger]["label"]
        lines.append(f"Trigger: {label} at {_fmt_dt(start)} (counting begins immediately — {c['hours']})")
        if method is not None:
            lines.append(f"Service by {method}: no time added to a period stated in hours")
        delta = timedelta(hours=v.period * (1 if v.direction == "after" else -1))
        end = ((start.astimezone(timezone.utc) + delta).astimezone(start.tzinfo) if start.tzinfo is not None
               else start + delta)
        lines.append(f"Counting {v.period} hours {v.direction} — every hour counts, including weekends and "
                     f"holidays ({c['hours']}) -> {_fmt_dt(end)}")
        cal = Calendar(jur)
        if v.roll == "none":
            if not cal.is_court_day(end.date()):
                lines.append(f"{end.date().isoformat()} is {cal.non_court_reason(end.date())}; not moved under this rule")
            return end
        step = timedelta(days=1 if v.roll == "next_court_day" else -1)
        d = end.date()
        while not cal.is_court_day(d):
            lines.append(f"{d.isoformat()} is {cal.non_court_reason(d)} -> same time on the "
                         f"{'next' if step.days > 0 else 'previous'} day ({c['hours']})")
            d += step
        return datetime.combine(d, end.time(), tzinfo=end.tzinfo) if d != end.date() else end

    # -- worked examples -----------------------------------------------------

    def example_problems(self) -> list[str]:
        """Each rule's worked examples, computed; one line per example that does not come out as written."""
        out = []
        for jur in self.jurisdictions.values():
            for r in jur.rules:
                for i, ex in enumerate(r.examples):
                    got = self.run_example(jur.code, r, ex)
                    if got:
                        out.append(f"{Path(jur.source).name}: $.rules({r.id}).examples[{i}]: {got}")
        return out

    def run_example(self, jurisdiction: str, rule: Rule, ex: dict[str, Any]) -> str | None:
        """None if the example computes as written, else what went wrong."""
        raw = ex["trigger_date"]
        trig = datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)
        try:
            results = self.compute(jurisdiction, rule.trigger, trig, ex.get("service_method"), state=ex.get("state"))
        except DeadlineRuleUnknown as exc:
            return f"trigger {raw}: cannot compute: {exc.message}"
        got = next(c for c in results if c.rule_id == rule.id)
        problems = []
        if got.due_date.isoformat() != ex["expected"]:
            problems.append(f"expected {ex['expected']}, engine gives {got.due_date.isoformat()}")
        if ex.get("expected_version") and got.version["effective_from"] != ex["expected_version"]:
            problems.append(f"expected the version from {ex['expected_version']}, engine used "
                            f"{got.version['effective_from']}")
        return f"trigger {raw}: " + "; ".join(problems) if problems else None


def _matches_case_type(rule: Rule, case_type: str | None) -> bool:
    return not case_type or case_type.strip().upper() in rule.case_types


def _notes(v: RuleVersion) -> str:
    parts = [v.notes] if v.notes else []
    if v.left_open:
        parts.append("Left open by the text: " + " ".join(v.left_open))
    if not v.verified:
        parts.append(f"NOT VERIFIED: {v.unverified_reason}")
    return " ".join(parts)


def _version_line(rule: Rule, v: RuleVersion, t: date) -> str:
    several = len(rule.versions) > 1
    what = "Version in force on" if several else "Rule in force on"
    line = f"{what} {t.isoformat()}: {v.citation} (in force {v.span()})"
    if several:
        others = ", ".join(x.span() for x in rule.versions if x is not v)
        line += f"; other versions: {others}"
    return line


def _service_addition(v: RuleVersion, method: str | None, lines: list[str]) -> tuple[int, str]:
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


def _count(jur: Jurisdiction, cal: Calendar, rule: Rule, v: RuleVersion, t: date, period: int, sign: int,
           lines: list[str]) -> date:
    c = v.counting
    label = jur.triggers[rule.trigger]["label"]
    word = "after" if sign > 0 else "before"
    if v.unit == "weekday_after":
        d = t + timedelta(days=1)
        d += timedelta(days=(WEEKDAYS.index(v.weekday) - d.weekday()) % 7)
        d += timedelta(weeks=period - 1)
        lines.append(f"{_ORDINALS[period].capitalize()} {v.weekday.capitalize()} after {_fmt(t)} -> {_fmt(d)}")
        return d
    if v.unit == "weekday_after_period":
        end = t + timedelta(days=period)
        d = end + timedelta(days=1)
        d += timedelta(days=(WEEKDAYS.index(v.weekday) - d.weekday()) % 7)
        lines.append(f"{period} days after {label} expire on {_fmt(end)}; the {v.weekday.capitalize()} next after "
                     f"that is {_fmt(d)} ({c['citation']})")
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
        lines.append(f"{msg} -> {_fmt(d)}")
        return d
    n = period if v.exclude_trigger_day else period - 1
    d = t + timedelta(days=n * sign)
    lines.append(f"Counting {period} calendar days {word} {label} — every day counts, including weekends and "
                 f"holidays ({c.get('count_every_day') or c['citation']}) -> {_fmt(d)}")
    return d


def _roll(cal: Calendar, v: RuleVersion, d: date, lines: list[str]) -> date:
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


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return d


def _rule_text(jur: Jurisdiction, r: Rule, v: RuleVersion) -> str:
    label = jur.triggers[r.trigger]["label"]
    if v.unit == "weekday_after":
        return f"{_ORDINALS[v.period]} {v.weekday.capitalize()} after {label}"
    if v.unit == "weekday_after_period":
        return f"the {v.weekday.capitalize()} next after {v.period} days after {label}"
    unit = {"calendar_days": "days", "court_days": "court days", "hours": "hours"}[v.unit]
    if v.period == 1:
        unit = unit[:-1]
    return f"{v.period} {unit} {v.direction} {label}"


# --------------------------------------------------------------------------- module API

_engine: DeadlineEngine | None = None
_engine_lock = threading.Lock()


def load_engine(rules_dir: str | Path) -> DeadlineEngine:
    """Load and validate a rules directory (does not touch the default engine)."""
    return DeadlineEngine(rules_dir)


def get_engine() -> DeadlineEngine:
    """The default engine (bundled rule files), loaded and validated once."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = DeadlineEngine(RULES_DIR)
    return _engine


def list_jurisdictions() -> list[str]:
    return get_engine().list_jurisdictions()


def list_rules(jurisdiction: str, case_type: str | None = None) -> list[dict[str, Any]]:
    return get_engine().list_rules(jurisdiction, case_type)


def list_triggers(jurisdiction: str, case_type: str | None = None) -> list[dict[str, Any]]:
    return get_engine().list_triggers(jurisdiction, case_type)


def suggest_triggers(jurisdiction: str, case_type: str | None = None,
                     document_type: str | None = None) -> list[dict[str, Any]]:
    return get_engine().suggest_triggers(jurisdiction, case_type, document_type)


def jurisdiction_info(jurisdiction: str) -> dict[str, Any]:
    return get_engine().jurisdiction_info(jurisdiction)


def compute(jurisdiction: str, trigger: str, trigger_date: date, service_method: str | None = None,
            state: str | None = None, court: str | None = None) -> list[ComputedDeadline]:
    return get_engine().compute(jurisdiction, trigger, trigger_date, service_method, state=state, court=court)


def is_court_day(jurisdiction: str, d: date) -> bool:
    return get_engine().is_court_day(jurisdiction, d)


def court_holidays(jurisdiction: str, year: int) -> dict[date, str]:
    return get_engine().court_holidays(jurisdiction, year)
