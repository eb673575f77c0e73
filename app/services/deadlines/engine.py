"""Court-deadline rules engine driven by per-jurisdiction JSON rule files.

Rule files live in ``app/services/deadlines/rules/<JURISDICTION>.json``. They
are loaded once (lazily, on first use, or eagerly via :func:`get_engine`) and
validated strictly: an unknown key, a bad date, a rule pointing at an
undefined trigger, etc. raises :class:`RuleFileError` naming the file and the
JSON path of the problem.

Counting model (see Fed. R. Civ. P. 6(a) and the state analogues):

* ``calendar_days`` — exclude the trigger day, count every day, then if the
  last day is a Saturday, Sunday or court holiday move to the next court day
  (``roll: next_court_day``) or, when counting backward, to the previous court
  day (``roll: previous_court_day``, Fed. R. Civ. P. 6(a)(5)).  When the rule
  sets ``short_period_excludes_nonbusiness`` and the jurisdiction (or the
  rule's ``counting`` override) has a ``short_period_threshold_days``, periods
  shorter than the threshold skip intermediate weekends/holidays (the
  pre-2009 federal style still used by Mass. R. Civ. P. 6(a) and W. Va.
  magistrate-court Rule 20(a)).
* ``court_days`` — count only court days.
* ``weekday_after`` — the Nth given weekday after the trigger (Massachusetts
  summary process: "first Monday after the entry date").
* ``hours`` — Fed. R. Civ. P. 6(a)(2): needs a ``datetime`` trigger.

Service additions (``service_adjustments``) follow the jurisdiction's
``service_addition_mode``:

* ``after_period_expires`` (Fed. R. Civ. P. 6(d) since 2005/2016): compute the
  period under 6(a) (including the weekend/holiday roll), add the days, then
  apply the roll again.
* ``added_to_period`` (Mass. R. Civ. P. 6(d) "3 days shall be added to the
  prescribed period"): the days lengthen the period before counting.

Pure Python: no web framework imports.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import holidays as holidays_lib

__all__ = [
    "ComputedDeadline",
    "DeadlineEngine",
    "DeadlineRuleUnknown",
    "RuleFileError",
    "RULES_DIR",
    "compute",
    "court_holidays",
    "get_engine",
    "is_court_day",
    "jurisdiction_info",
    "list_jurisdictions",
    "list_rules",
    "list_triggers",
    "load_engine",
]

RULES_DIR = Path(__file__).resolve().parent / "rules"

UNITS = ("calendar_days", "court_days", "hours", "weekday_after")
DIRECTIONS = ("after", "before")
ROLLS = ("next_court_day", "previous_court_day", "none")
SERVICE_ADDITION_MODES = ("after_period_expires", "added_to_period")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WD_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}

MIN_YEAR = 1900
MAX_YEAR = 2199

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_JUR_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,6})+$")

_COUNTING_KEYS = {
    "citation": (str,),
    "trigger_day": (str,),
    "count_every_day": (str, type(None)),
    "last_day": (str,),
    "backward": (str, type(None)),
    "hours": (str, type(None)),
    "legal_holiday": (str, type(None)),
    "short_period": (str, type(None)),
    "short_period_threshold_days": (int, type(None)),
    "service_addition": (str, type(None)),
    "service_addition_mode": (str,),
}
_COUNTING_REQUIRED = ("citation", "trigger_day", "last_day", "service_addition_mode")


# --------------------------------------------------------------------------- errors


class RuleFileError(ValueError):
    """A rule file is malformed. The message names the file and JSON path."""

    def __init__(self, file: str | Path, path: str, problem: str):
        self.file = str(file)
        self.path = path
        self.problem = problem
        super().__init__(f"{Path(self.file).name}: {path}: {problem}")


class DeadlineRuleUnknown(Exception):
    """Jurisdiction or trigger unknown, or an input the rules cannot compute."""

    def __init__(
        self,
        message: str,
        guidance: str,
        known_triggers: list[str],
        known_jurisdictions: list[str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.guidance = guidance
        self.known_triggers = list(known_triggers)
        self.known_jurisdictions = list(known_jurisdictions or [])

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "guidance": self.guidance,
            "known_triggers": self.known_triggers,
            "known_jurisdictions": self.known_jurisdictions,
        }


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

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["due_date"] = self.due_date.isoformat()
        d["due_time"] = self.due_time.isoformat() if self.due_time else None
        return d


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Rule:
    id: str
    trigger: str
    title: str
    period: int
    unit: str
    direction: str
    service_adjustments: dict[str, int]
    roll: str
    exclude_trigger_day: bool
    short_period_excludes_nonbusiness: bool
    citation: str
    notes: str
    counting: dict[str, Any]
    weekday: str | None = None
    service_adjustment_note: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


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
    _holiday_cache: dict[int, dict[date, str]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- holidays ---------------------------------------------------------

    def holidays_for_year(self, year: int) -> dict[date, str]:
        cached = self._holiday_cache.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._holiday_cache.get(year)
            if cached is None:
                cached = _build_holidays(self.holiday_spec, year)
                self._holiday_cache[year] = cached
        return cached

    def holiday_name(self, d: date) -> str | None:
        return self.holidays_for_year(d.year).get(d)

    def is_court_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self.holidays_for_year(d.year)

    def non_court_reason(self, d: date) -> str | None:
        name = self.holiday_name(d)
        if d.weekday() == 5:
            return f"a Saturday ({name})" if name else "a Saturday"
        if d.weekday() == 6:
            return f"a Sunday ({name})" if name else "a Sunday"
        if name:
            return f"{name} (legal holiday)"
        return None

    @property
    def trigger_ids(self) -> list[str]:
        return sorted(self.triggers)

    def rules_for(self, trigger: str) -> list[Rule]:
        return [r for r in self.rules if r.trigger == trigger]


# --------------------------------------------------------------------------- holidays


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    if nth > 0:
        d = date(year, month, 1)
        d += timedelta(days=(weekday - d.weekday()) % 7)
        d += timedelta(weeks=nth - 1)
        return d if d.month == month else None
    # nth == -1: last such weekday
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - timedelta(days=1)
    d -= timedelta(days=(d.weekday() - weekday) % 7)
    return d


def _strip_name(full: str, target: str) -> str:
    parts = [p.strip() for p in full.split(";")]
    target_l = target.strip().lower()
    keep = [
        p
        for p in parts
        if p.lower() != target_l and p.lower() != f"{target_l} (observed)"
    ]
    return "; ".join(keep)


def _build_holidays(spec: dict[str, Any], year: int) -> dict[date, str]:
    kwargs: dict[str, Any] = {"subdiv": spec.get("subdiv"), "years": year}
    if spec.get("categories"):
        kwargs["categories"] = tuple(spec["categories"])
    base = holidays_lib.country_holidays(spec["country"], **kwargs)
    result: dict[date, str] = {d: str(n) for d, n in base.items() if d.year == year}

    for rec in spec.get("recurring", []):
        if rec.get("since") and year < rec["since"]:
            continue
        if rec.get("until") and year > rec["until"]:
            continue
        parity = rec.get("years", "all")
        if (parity == "even" and year % 2) or (parity == "odd" and not year % 2):
            continue
        d = _nth_weekday(year, rec["month"], WEEKDAYS.index(rec["weekday"]), rec["nth"])
        if d is not None:
            result[d] = f"{result[d]}; {rec['name']}" if d in result else rec["name"]

    for add in spec.get("add", []):
        d = date.fromisoformat(add["date"])
        if d.year == year:
            result[d] = f"{result[d]}; {add['name']}" if d in result else add["name"]

    for rem in spec.get("remove", []):
        if "date" in rem:
            d = date.fromisoformat(rem["date"])
            if d.year != year or d not in result:
                continue
            if rem.get("name"):
                left = _strip_name(result[d], rem["name"])
                if left:
                    result[d] = left
                else:
                    del result[d]
            else:
                del result[d]
        else:
            for d in list(result):
                left = _strip_name(result[d], rem["name"])
                if left:
                    result[d] = left
                else:
                    del result[d]
    return dict(sorted(result.items()))


# --------------------------------------------------------------------------- validation


class _V:
    """Tiny path-aware validator."""

    def __init__(self, file: Path):
        self.file = file

    def fail(self, path: str, problem: str):
        raise RuleFileError(self.file, path, problem)

    def obj(self, value, path, required=(), optional=()):
        if not isinstance(value, dict):
            self.fail(path, f"expected an object, got {type(value).__name__}")
        allowed = set(required) | set(optional)
        for k in value:
            if k not in allowed:
                self.fail(f"{path}.{k}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for k in required:
            if k not in value:
                self.fail(path, f"missing required key {k!r}")
        return value

    def string(self, value, path, allow_none=False, nonempty=True):
        if value is None and allow_none:
            return None
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {type(value).__name__}")
        if nonempty and not value.strip():
            self.fail(path, "must not be empty")
        return value

    def integer(self, value, path, lo=None, hi=None):
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected an integer, got {type(value).__name__}")
        if lo is not None and value < lo:
            self.fail(path, f"must be >= {lo}")
        if hi is not None and value > hi:
            self.fail(path, f"must be <= {hi}")
        return value

    def boolean(self, value, path):
        if not isinstance(value, bool):
            self.fail(path, f"expected true/false, got {type(value).__name__}")
        return value

    def choice(self, value, path, options):
        if value not in options:
            self.fail(path, f"must be one of {', '.join(map(str, options))}; got {value!r}")
        return value

    def iso_date(self, value, path):
        self.string(value, path)
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(path, f"not a YYYY-MM-DD date: {value!r}")

    def lst(self, value, path):
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {type(value).__name__}")
        return value


def _validate_counting(v: _V, value, path, *, partial: bool) -> dict[str, Any]:
    v.obj(value, path, required=() if partial else _COUNTING_REQUIRED, optional=_COUNTING_KEYS)
    for k, types in _COUNTING_KEYS.items():
        if k not in value:
            continue
        item = value[k]
        if isinstance(item, bool) or not isinstance(item, types):
            v.fail(f"{path}.{k}", f"expected {' or '.join(t.__name__ for t in types)}")
        if isinstance(item, str) and not item.strip():
            v.fail(f"{path}.{k}", "must not be empty")
    if value.get("service_addition_mode") is not None:
        v.choice(value["service_addition_mode"], f"{path}.service_addition_mode", SERVICE_ADDITION_MODES)
    thr = value.get("short_period_threshold_days")
    if thr is not None:
        v.integer(thr, f"{path}.short_period_threshold_days", lo=2, hi=60)
    return dict(value)


def _validate_holidays(v: _V, spec, path) -> dict[str, Any]:
    v.obj(spec, path, required=("country",), optional=("subdiv", "add", "remove", "recurring", "notes", "categories"))
    v.string(spec["country"], f"{path}.country")
    v.string(spec.get("subdiv"), f"{path}.subdiv", allow_none=True)
    if "notes" in spec:
        v.string(spec["notes"], f"{path}.notes")
    if "categories" in spec:
        for i, c in enumerate(v.lst(spec["categories"], f"{path}.categories")):
            v.string(c, f"{path}.categories[{i}]")
    for i, add in enumerate(v.lst(spec.get("add", []), f"{path}.add")):
        p = f"{path}.add[{i}]"
        v.obj(add, p, required=("date", "name"), optional=("source",))
        v.iso_date(add["date"], f"{p}.date")
        v.string(add["name"], f"{p}.name")
    for i, rem in enumerate(v.lst(spec.get("remove", []), f"{path}.remove")):
        p = f"{path}.remove[{i}]"
        v.obj(rem, p, optional=("date", "name", "reason"))
        if "date" not in rem and "name" not in rem:
            v.fail(p, "a removal needs a 'date', a 'name', or both")
        if "date" in rem:
            v.iso_date(rem["date"], f"{p}.date")
        if "name" in rem:
            v.string(rem["name"], f"{p}.name")
    for i, rec in enumerate(v.lst(spec.get("recurring", []), f"{path}.recurring")):
        p = f"{path}.recurring[{i}]"
        v.obj(rec, p, required=("name", "month", "weekday", "nth"), optional=("years", "since", "until", "source"))
        v.string(rec["name"], f"{p}.name")
        v.integer(rec["month"], f"{p}.month", 1, 12)
        v.choice(rec["weekday"], f"{p}.weekday", WEEKDAYS)
        if rec["nth"] != -1:
            v.integer(rec["nth"], f"{p}.nth", 1, 5)
        v.choice(rec.get("years", "all"), f"{p}.years", ("all", "even", "odd"))
        for k in ("since", "until"):
            if k in rec:
                v.integer(rec[k], f"{p}.{k}", MIN_YEAR, MAX_YEAR)
    try:
        kwargs: dict[str, Any] = {"subdiv": spec.get("subdiv"), "years": 2025}
        if spec.get("categories"):
            kwargs["categories"] = tuple(spec["categories"])
        holidays_lib.country_holidays(spec["country"], **kwargs)
    except Exception as exc:  # NotImplementedError / ValueError from holidays
        v.fail(path, f"holidays package rejects country/subdiv/categories: {exc}")
    return spec


def _parse_jurisdiction(file: Path) -> Jurisdiction:
    v = _V(file)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RuleFileError(file, "$", f"invalid JSON: {exc}") from exc
    v.obj(
        data,
        "$",
        required=("jurisdiction", "name", "holidays", "counting", "service_methods", "triggers", "rules"),
        optional=("schema_version", "notes"),
    )
    if "schema_version" in data and data["schema_version"] != 1:
        v.fail("$.schema_version", "only schema_version 1 is supported")
    code = v.string(data["jurisdiction"], "$.jurisdiction")
    if not _JUR_RE.match(code):
        v.fail("$.jurisdiction", f"bad jurisdiction code {code!r} (expected e.g. 'US-FED')")
    if file.stem != code:
        v.fail("$.jurisdiction", f"code {code!r} does not match the file name {file.name!r}")
    name = v.string(data["name"], "$.name")
    notes = v.string(data.get("notes", ""), "$.notes", nonempty=False)
    hol = _validate_holidays(v, data["holidays"], "$.holidays")
    counting = _validate_counting(v, data["counting"], "$.counting", partial=False)

    methods = v.obj(data["service_methods"], "$.service_methods", optional=data["service_methods"].keys() if isinstance(data["service_methods"], dict) else ())
    for k, desc in methods.items():
        if not _ID_RE.match(k):
            v.fail(f"$.service_methods.{k}", "service method ids must be lower_snake_case")
        v.string(desc, f"$.service_methods.{k}")

    triggers_raw = data["triggers"]
    v.obj(triggers_raw, "$.triggers", optional=triggers_raw.keys() if isinstance(triggers_raw, dict) else ())
    triggers: dict[str, dict[str, Any]] = {}
    for tid, spec in triggers_raw.items():
        p = f"$.triggers.{tid}"
        if not _ID_RE.match(tid):
            v.fail(p, "trigger ids must be lower_snake_case")
        v.obj(spec, p, required=("label", "description"), optional=("expected_weekday",))
        v.string(spec["label"], f"{p}.label")
        v.string(spec["description"], f"{p}.description")
        if "expected_weekday" in spec:
            v.choice(spec["expected_weekday"], f"{p}.expected_weekday", WEEKDAYS)
        triggers[tid] = dict(spec)

    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(v.lst(data["rules"], "$.rules")):
        p = f"$.rules[{i}]"
        v.obj(
            raw,
            p,
            required=("id", "trigger", "title", "period", "unit", "direction", "service_adjustments", "roll", "citation"),
            optional=(
                "weekday",
                "exclude_trigger_day",
                "short_period_excludes_nonbusiness",
                "counting",
                "notes",
                "service_adjustment_note",
            ),
        )
        rid = v.string(raw["id"], f"{p}.id")
        if not _ID_RE.match(rid):
            v.fail(f"{p}.id", "rule ids must be lower_snake_case")
        if rid in seen:
            v.fail(f"{p}.id", f"duplicate rule id {rid!r}")
        seen.add(rid)
        p = f"$.rules[{i}]({rid})"
        trig = v.string(raw["trigger"], f"{p}.trigger")
        if trig not in triggers:
            v.fail(f"{p}.trigger", f"trigger {trig!r} is not defined in $.triggers")
        unit = v.choice(raw["unit"], f"{p}.unit", UNITS)
        direction = v.choice(raw["direction"], f"{p}.direction", DIRECTIONS)
        roll = v.choice(raw["roll"], f"{p}.roll", ROLLS)
        if unit == "weekday_after":
            period = v.integer(raw["period"], f"{p}.period", 1, 5)
            if "weekday" not in raw:
                v.fail(p, "unit 'weekday_after' needs a 'weekday'")
            v.choice(raw["weekday"], f"{p}.weekday", WEEKDAYS)
            if direction != "after":
                v.fail(f"{p}.direction", "unit 'weekday_after' only counts forward ('after')")
        else:
            period = v.integer(raw["period"], f"{p}.period", 1, 24 * 366 if unit == "hours" else 3660)
            if "weekday" in raw:
                v.fail(f"{p}.weekday", "'weekday' is only valid with unit 'weekday_after'")
        if direction == "after" and roll == "previous_court_day":
            v.fail(f"{p}.roll", "a forward ('after') period cannot roll to the previous court day")
        adj = v.obj(raw["service_adjustments"], f"{p}.service_adjustments", optional=methods.keys())
        for m, days in adj.items():
            v.integer(days, f"{p}.service_adjustments.{m}", 0, 30)
        if unit == "hours" and any(adj.values()):
            v.fail(f"{p}.service_adjustments", "hour-based periods cannot have day additions")
        excl = v.boolean(raw.get("exclude_trigger_day", True), f"{p}.exclude_trigger_day")
        if not excl and unit != "calendar_days":
            v.fail(f"{p}.exclude_trigger_day", "counting the trigger day is only supported for calendar_days")
        short = v.boolean(raw.get("short_period_excludes_nonbusiness", False), f"{p}.short_period_excludes_nonbusiness")
        merged = dict(counting)
        if "counting" in raw:
            merged.update(_validate_counting(v, raw["counting"], f"{p}.counting", partial=True))
        if short and merged.get("short_period_threshold_days") is None:
            v.fail(
                f"{p}.short_period_excludes_nonbusiness",
                "set, but no short_period_threshold_days in the jurisdiction or rule counting",
            )
        if unit == "hours" and not merged.get("hours"):
            v.fail(f"{p}.unit", "hour-based rule, but counting.hours (citation) is null")
        citation = v.string(raw["citation"], f"{p}.citation")
        rnotes = v.string(raw.get("notes", ""), f"{p}.notes", nonempty=False)
        note = raw.get("service_adjustment_note")
        if note is not None:
            v.string(note, f"{p}.service_adjustment_note")
        v.string(raw["title"], f"{p}.title")
        rules.append(
            Rule(
                id=rid,
                trigger=trig,
                title=raw["title"],
                period=period,
                unit=unit,
                direction=direction,
                service_adjustments=dict(adj),
                roll=roll,
                exclude_trigger_day=excl,
                short_period_excludes_nonbusiness=short,
                citation=citation,
                notes=rnotes,
                counting=merged,
                weekday=raw.get("weekday"),
                service_adjustment_note=note,
                raw=dict(raw),
            )
        )
    used = {r.trigger for r in rules}
    for tid in triggers:
        if tid not in used:
            v.fail(f"$.triggers.{tid}", "trigger has no rules")
    return Jurisdiction(
        code=code,
        name=name,
        notes=notes,
        holiday_spec=hol,
        counting=counting,
        service_methods=dict(methods),
        triggers=triggers,
        rules=rules,
        source=str(file),
    )


# --------------------------------------------------------------------------- engine


def _fmt(d: date) -> str:
    return f"{_WD_ABBR[d.weekday()]} {d.isoformat()}"


def _fmt_dt(dt: datetime) -> str:
    s = f"{_WD_ABBR[dt.weekday()]} {dt.date().isoformat()} {dt.strftime('%H:%M')}"
    if dt.tzinfo is not None:
        s += f" {dt.tzname()}"
    return s


class DeadlineEngine:
    """All jurisdictions loaded from one rules directory."""

    def __init__(self, rules_dir: str | Path = RULES_DIR):
        self.rules_dir = Path(rules_dir)
        files = sorted(self.rules_dir.glob("*.json"))
        if not files:
            raise RuleFileError(self.rules_dir, "$", "no *.json rule files found")
        self.jurisdictions: dict[str, Jurisdiction] = {}
        for f in files:
            jur = _parse_jurisdiction(f)
            if jur.code in self.jurisdictions:
                raise RuleFileError(f, "$.jurisdiction", f"duplicate jurisdiction {jur.code!r}")
            self.jurisdictions[jur.code] = jur

    # -- lookups -------------------------------------------------------------

    def list_jurisdictions(self) -> list[str]:
        return sorted(self.jurisdictions)

    def _jur(self, jurisdiction: str) -> Jurisdiction:
        code = (jurisdiction or "").strip().upper() if isinstance(jurisdiction, str) else ""
        jur = self.jurisdictions.get(code)
        if jur is None:
            known = self.list_jurisdictions()
            raise DeadlineRuleUnknown(
                f"Unknown jurisdiction {jurisdiction!r}.",
                guidance=(
                    f"Use one of: {', '.join(known)}. Deadlines for other courts are not modelled yet; "
                    "read the court's rules or ask the clerk."
                ),
                known_triggers=[],
                known_jurisdictions=known,
            )
        return jur

    def jurisdiction_info(self, jurisdiction: str) -> dict[str, Any]:
        jur = self._jur(jurisdiction)
        return {
            "jurisdiction": jur.code,
            "name": jur.name,
            "notes": jur.notes,
            "holiday_notes": jur.holiday_spec.get("notes", ""),
            "counting": dict(jur.counting),
            "service_methods": dict(jur.service_methods),
            "triggers": self.list_triggers(jur.code),
        }

    def list_triggers(self, jurisdiction: str) -> list[dict[str, Any]]:
        jur = self._jur(jurisdiction)
        out = []
        for tid in jur.trigger_ids:
            spec = jur.triggers[tid]
            rules = jur.rules_for(tid)
            out.append(
                {
                    "id": tid,
                    "label": spec["label"],
                    "description": spec["description"],
                    "input": "datetime" if any(r.unit == "hours" for r in rules) else "date",
                    "rule_ids": [r.id for r in rules],
                }
            )
        return out

    def list_rules(self, jurisdiction: str) -> list[dict[str, Any]]:
        jur = self._jur(jurisdiction)
        out = []
        for r in jur.rules:
            out.append(
                {
                    "id": r.id,
                    "jurisdiction": jur.code,
                    "trigger": r.trigger,
                    "trigger_label": jur.triggers[r.trigger]["label"],
                    "title": r.title,
                    "rule": _rule_text(jur, r),
                    "period": r.period,
                    "unit": r.unit,
                    "weekday": r.weekday,
                    "direction": r.direction,
                    "service_adjustments": dict(r.service_adjustments),
                    "roll": r.roll,
                    "exclude_trigger_day": r.exclude_trigger_day,
                    "short_period_excludes_nonbusiness": r.short_period_excludes_nonbusiness,
                    "citation": r.citation,
                    "notes": r.notes,
                }
            )
        return out

    def is_court_day(self, jurisdiction: str, d: date) -> bool:
        return self._jur(jurisdiction).is_court_day(_as_date(d))

    def court_holidays(self, jurisdiction: str, year: int) -> dict[date, str]:
        if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"year must be an integer between {MIN_YEAR} and {MAX_YEAR}")
        return dict(self._jur(jurisdiction).holidays_for_year(year))

    # -- computation ---------------------------------------------------------

    def compute(
        self,
        jurisdiction: str,
        trigger: str,
        trigger_date: date,
        service_method: str | None = None,
    ) -> list[ComputedDeadline]:
        jur = self._jur(jurisdiction)
        known = jur.trigger_ids
        rules = jur.rules_for(trigger) if isinstance(trigger, str) else []
        if not rules:
            raise DeadlineRuleUnknown(
                f"No {jur.code} deadline rules for trigger {trigger!r}.",
                guidance=(
                    "Pick the event that started the clock from the known triggers "
                    f"({', '.join(known)}). If none fits, the deadline is not modelled: check the "
                    "court's rules, any scheduling order, or ask the clerk."
                ),
                known_triggers=known,
                known_jurisdictions=self.list_jurisdictions(),
            )
        if not isinstance(trigger_date, date):
            raise DeadlineRuleUnknown(
                f"Trigger date {trigger_date!r} is not a date.",
                guidance="Give the trigger as a date (YYYY-MM-DD) or, for hour-based rules, a date and time.",
                known_triggers=known,
            )
        if not MIN_YEAR <= trigger_date.year <= MAX_YEAR - 1:
            raise DeadlineRuleUnknown(
                f"Trigger date {trigger_date.isoformat()} is outside the supported range.",
                guidance=f"Court calendars are only modelled for {MIN_YEAR}-{MAX_YEAR - 1}.",
                known_triggers=known,
            )
        method = None
        if service_method is not None and str(service_method).strip():
            method = str(service_method).strip().lower().replace("-", "_").replace(" ", "_")
            if method not in jur.service_methods:
                raise DeadlineRuleUnknown(
                    f"Unknown service method {service_method!r} for {jur.code}.",
                    guidance="Use one of: "
                    + "; ".join(f"{k} ({v})" for k, v in jur.service_methods.items())
                    + ". Leave it empty if you do not know how the paper was served.",
                    known_triggers=known,
                )
        if any(r.unit == "hours" for r in rules) and not isinstance(trigger_date, datetime):
            hrs = [r for r in rules if r.unit == "hours"][0]
            raise DeadlineRuleUnknown(
                f"Rule {hrs.id} is stated in hours and needs the time of the triggering event.",
                guidance=(
                    "Give the trigger as a date and time (ISO 8601, e.g. 2026-12-04T15:30, ideally with "
                    f"the court's UTC offset): hour periods start counting immediately ({hrs.counting['hours']})."
                ),
                known_triggers=known,
            )
        return [self._compute_rule(jur, r, trigger_date, method) for r in rules]

    def _compute_rule(self, jur: Jurisdiction, rule: Rule, trig: date, method: str | None) -> ComputedDeadline:
        if rule.unit == "hours":
            assert isinstance(trig, datetime)
            return self._compute_hours(jur, rule, trig, method)
        c = rule.counting
        label = jur.triggers[rule.trigger]["label"]
        t = trig.date() if isinstance(trig, datetime) else trig
        sign = 1 if rule.direction == "after" else -1
        lines: list[str] = []

        if rule.exclude_trigger_day:
            lines.append(f"Trigger: {label} on {_fmt(t)} (day 0, excluded — {c['trigger_day']})")
        else:
            lines.append(f"Trigger: {label} on {_fmt(t)} (counted as day 1 under this rule)")
        expected = jur.triggers[rule.trigger].get("expected_weekday")
        if expected and WEEKDAYS[t.weekday()] != expected:
            lines.append(
                f"Note: {label} is normally a {expected.capitalize()}; {t.isoformat()} is a "
                f"{WEEKDAYS[t.weekday()].capitalize()} — check the date on your papers."
            )

        add, mode = self._service_addition(jur, rule, method, lines)
        period = rule.period
        if add and mode == "added_to_period":
            lines.append(
                f"Service by {method}: {add} days added to the prescribed period "
                f"({c.get('service_addition') or c['citation']}) -> {period + add} days"
            )
            period += add

        end = self._count(jur, rule, t, period, sign, lines)
        end = self._roll(jur, rule, end, lines)
        if add and mode == "after_period_expires":
            new = end + timedelta(days=add * sign)
            lines.append(
                f"{c.get('service_addition') or c['citation']}: service by {method} adds {add} days "
                f"{'after' if sign > 0 else 'before'} the period would otherwise expire: "
                f"{_fmt(end)} {'+' if sign > 0 else '-'} {add} -> {_fmt(new)}"
            )
            end = self._roll(jur, rule, new, lines)
        lines.append(f"Due {_fmt(end)}")
        return ComputedDeadline(
            rule_id=rule.id,
            title=rule.title,
            due_date=end,
            due_time=None,
            rule=_rule_text(jur, rule),
            citation=rule.citation,
            explanation=lines,
            trigger=rule.trigger,
            service_method=method,
            jurisdiction=jur.code,
            notes=rule.notes,
            service_days_added=add,
            roll=rule.roll,
        )

    def _service_addition(self, jur: Jurisdiction, rule: Rule, method: str | None, lines: list[str]):
        c = rule.counting
        mode = c["service_addition_mode"]
        cite = c.get("service_addition") or c["citation"]
        adding = {m: d for m, d in rule.service_adjustments.items() if d}
        if method is None:
            if adding:
                parts = ", ".join(f"{m} +{d}" for m, d in adding.items())
                lines.append(
                    f"No service method given: no days added. Days this rule adds by service method: {parts} ({cite})"
                )
            return 0, mode
        add = rule.service_adjustments.get(method, 0)
        if not add:
            msg = f"Service by {method}: no days added"
            if rule.service_adjustment_note:
                msg += f" — {rule.service_adjustment_note}"
            elif adding:
                msg += f" ({cite} adds days only for: {', '.join(adding)})"
            lines.append(msg)
        return add, mode

    def _count(self, jur: Jurisdiction, rule: Rule, t: date, period: int, sign: int, lines: list[str]) -> date:
        c = rule.counting
        label = jur.triggers[rule.trigger]["label"]
        word = "after" if sign > 0 else "before"
        step = timedelta(days=sign)
        if rule.unit == "weekday_after":
            wd = WEEKDAYS.index(rule.weekday)
            d = t + timedelta(days=1)
            d += timedelta(days=(wd - d.weekday()) % 7)
            d += timedelta(weeks=period - 1)
            lines.append(
                f"{_ORDINALS[period].capitalize()} {rule.weekday.capitalize()} after {_fmt(t)} -> {_fmt(d)}"
            )
            return d
        threshold = c.get("short_period_threshold_days")
        short = (
            rule.unit == "calendar_days"
            and rule.short_period_excludes_nonbusiness
            and threshold is not None
            and period < threshold
        )
        if rule.unit == "court_days" or short:
            if short:
                lines.append(
                    f"The period ({period} days) is shorter than {threshold} days, so intermediate Saturdays, "
                    f"Sundays and legal holidays are excluded ({c.get('short_period') or c['citation']})"
                )
            d = t
            counted = 0
            skipped: list[str] = []
            while counted < period:
                d += step
                if jur.is_court_day(d):
                    counted += 1
                else:
                    skipped.append(f"{d.isoformat()} ({jur.non_court_reason(d)})")
            what = "court days" if rule.unit == "court_days" else "days"
            msg = f"Counting {period} {what} {word} {label}"
            if skipped:
                msg += f", skipping {len(skipped)} non-court day(s): " + ", ".join(skipped)
            else:
                msg += " (no weekends or holidays in between)"
            lines.append(f"{msg} -> {_fmt(d)}")
            return d
        n = period if rule.exclude_trigger_day else period - 1
        d = t + timedelta(days=n * sign)
        every = c.get("count_every_day") or c["citation"]
        lines.append(
            f"Counting {period} calendar days {word} {label} — every day counts, including weekends and "
            f"holidays ({every}) -> {_fmt(d)}"
        )
        return d

    def _roll(self, jur: Jurisdiction, rule: Rule, d: date, lines: list[str]) -> date:
        c = rule.counting
        if rule.roll == "none":
            if not jur.is_court_day(d):
                lines.append(
                    f"{d.isoformat()} is {jur.non_court_reason(d)}; this date is not moved for weekends or "
                    "holidays under this rule"
                )
            return d
        forward = rule.roll == "next_court_day"
        step = timedelta(days=1 if forward else -1)
        while not jur.is_court_day(d):
            reason = jur.non_court_reason(d)
            if forward:
                lines.append(f"{d.isoformat()} is {reason} -> next day ({c['last_day']})")
            else:
                back = c.get("backward") or c["last_day"]
                lines.append(f"{d.isoformat()} is {reason} -> previous day (counting backward, {back})")
            d += step
        return d

    def _compute_hours(self, jur: Jurisdiction, rule: Rule, start: datetime, method: str | None) -> ComputedDeadline:
        c = rule.counting
        label = jur.triggers[rule.trigger]["label"]
        sign = 1 if rule.direction == "after" else -1
        lines = [f"Trigger: {label} at {_fmt_dt(start)} (counting begins immediately — {c['hours']})"]
        if method is not None:
            lines.append(f"Service by {method}: no time added to a period stated in hours")
        delta = timedelta(hours=rule.period * sign)
        if start.tzinfo is not None:
            end = (start.astimezone(timezone.utc) + delta).astimezone(start.tzinfo)
        else:
            end = start + delta
        lines.append(
            f"Counting {rule.period} hours {rule.direction} — every hour counts, including weekends and "
            f"holidays ({c['hours']}) -> {_fmt_dt(end)}"
        )
        if rule.roll != "none":
            forward = rule.roll == "next_court_day"
            step = timedelta(days=1 if forward else -1)
            wall = end.time()
            d = end.date()
            while not jur.is_court_day(d):
                lines.append(
                    f"{d.isoformat()} is {jur.non_court_reason(d)} -> same time on the "
                    f"{'next' if forward else 'previous'} day ({c['hours']})"
                )
                d += step
            if d != end.date():
                end = datetime.combine(d, wall, tzinfo=end.tzinfo)
        elif not jur.is_court_day(end.date()):
            lines.append(f"{end.date().isoformat()} is {jur.non_court_reason(end.date())}; not moved under this rule")
        lines.append(f"Due {_fmt_dt(end)}")
        return ComputedDeadline(
            rule_id=rule.id,
            title=rule.title,
            due_date=end.date(),
            due_time=end.time().replace(tzinfo=None),
            rule=_rule_text(jur, rule),
            citation=rule.citation,
            explanation=lines,
            trigger=rule.trigger,
            service_method=method,
            jurisdiction=jur.code,
            notes=rule.notes,
            service_days_added=0,
            roll=rule.roll,
        )


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return d


def _rule_text(jur: Jurisdiction, r: Rule) -> str:
    label = jur.triggers[r.trigger]["label"]
    if r.unit == "weekday_after":
        return f"{_ORDINALS[r.period]} {r.weekday.capitalize()} after {label}"
    unit = {"calendar_days": "days", "court_days": "court days", "hours": "hours"}[r.unit]
    if r.period == 1:
        unit = unit[:-1]
    return f"{r.period} {unit} {r.direction} {label}"


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


def list_rules(jurisdiction: str) -> list[dict[str, Any]]:
    return get_engine().list_rules(jurisdiction)


def list_triggers(jurisdiction: str) -> list[dict[str, Any]]:
    return get_engine().list_triggers(jurisdiction)


def jurisdiction_info(jurisdiction: str) -> dict[str, Any]:
    return get_engine().jurisdiction_info(jurisdiction)


def compute(
    jurisdiction: str,
    trigger: str,
    trigger_date: date,
    service_method: str | None = None,
) -> list[ComputedDeadline]:
    return get_engine().compute(jurisdiction, trigger, trigger_date, service_method)


def is_court_day(jurisdiction: str, d: date) -> bool:
    return get_engine().is_court_day(jurisdiction, d)


def court_holidays(jurisdiction: str, year: int) -> dict[date, str]:
    return get_engine().court_holidays(jurisdiction, year)
