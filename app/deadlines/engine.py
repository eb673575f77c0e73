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
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from app.deadlines.counting import (as_date, count_period, fmt_date, fmt_datetime, roll_date, rule_notes,
                                    rule_text, service_addition, version_line)
from app.deadlines.holiday_calendar import US_STATES, WEEKDAYS, build_holidays, state_for_court
from app.deadlines.rulefiles import RULES_DIR, format_problem, load_dir
from app.deadlines.rulemodel import (CASE_TYPES, DIRECTIONS, MAX_YEAR, MIN_YEAR, UNITS, Calendar, ComputedDeadline,
                                     DeadlineRuleUnknown, Jurisdiction, Rule, RuleFileError, RuleVersion,
                                     counting_method)

__all__ = [
    "CASE_TYPES",
    "DIRECTIONS",
    "UNITS",
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


class DeadlineEngine:
    """All jurisdictions loaded from one rules directory."""

    def __init__(self, rules_dir: str | Path = RULES_DIR):
        self.rules_dir = Path(rules_dir)
        self.jurisdictions, problems = load_dir(self.rules_dir)
        if problems:
            f, path, msg = problems[0]
            raise RuleFileError(f, path, msg, [format_problem(*p) for p in problems])

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
            "trigger_label": jur.triggers[r.trigger]["label"], "title": r.title, "rule": rule_text(jur, r, v),
            "period": v.period, "unit": v.unit, "weekday": v.weekday, "direction": v.direction,
            "service_adjustments": dict(v.service_adjustments), "roll": v.roll,
            "exclude_trigger_day": v.exclude_trigger_day,
            "short_period_excludes_nonbusiness": v.short_period_excludes_nonbusiness,
            "citation": v.citation, "notes": rule_notes(v), "court": r.court, "case_types": list(r.case_types),
            "source_url": v.source_url, "quote": v.quote, "verified": v.verified,
            "unverified_reason": v.unverified_reason, "effective_from": v.effective_from.isoformat(),
            "effective_until": v.effective_until.isoformat() if v.effective_until else None,
            "counting_method": counting_method(v), "left_open": list(v.left_open),
            "versions": [x.describe() for x in r.versions], "examples": [dict(e) for e in r.examples],
        }

    def is_court_day(self, jurisdiction: str, d: date) -> bool:
        return self._jur(jurisdiction).is_court_day(as_date(d))

    def court_holidays(self, jurisdiction: str, year: int) -> dict[date, str]:
        if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"year must be an integer between {MIN_YEAR} and {MAX_YEAR}")
        return dict(self._jur(jurisdiction).holidays_for_year(year))

    # -- the district's state ----------------------------------------------------

    def resolve_state(self, jur: Jurisdiction, state: str | None, court: str | None) -> str | None:
        """The state whose holidays apply besides the jurisdiction's own (federal courts only)."""
        code = state.strip().upper() if isinstance(state, str) and state.strip() else None
        if code is not None and (len(code) != 5 or code[:3] != "US-" or code[3:] not in US_STATES.values()):
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
                cache[y] = build_holidays(spec, y)
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
                latest = max(r.versions, key=lambda x: x.effective_from)
                known = f" Its notes for {latest.span()}: {latest.notes}" if latest.notes else ""
                raise self._bad_input(jur, f"No version of {r.id} ({r.title}) is modelled for a trigger on "
                                      f"{t.isoformat()}.", f"CaseOS models this rule for: {spans}.{known} For "
                                      "other dates read the rule in force then, or ask the clerk.", "trigger_date")
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
            if v.holidays_also:
                also = v.holidays_also
                lines.append(f"Also holidays for this rule: {also['label']} ({also['citation']})")
                return Calendar(jur, _holidays_also(json.dumps(also["spec"], sort_keys=True)), also["label"]), None
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
            lines.insert(1, version_line(rule, v, trig.date()))
            state_used = None
        else:
            t = trig.date() if isinstance(trig, datetime) else trig
            self._trigger_lines(jur, rule, v, t, lines)
            lines.append(version_line(rule, v, t))
            cal, state_used = self._calendar(jur, v, state, lines)
            due, due_time = self._count_days(jur, rule, v, t, method, cal, lines), None
        if not v.verified:
            lines.append(f"NOT VERIFIED against the official text: {v.unverified_reason}")
        lines += [f"Left open by the text: {x}" for x in v.left_open]
        lines.append(f"Due {fmt_datetime(datetime.combine(due, due_time)) if due_time else fmt_date(due)}")
        return ComputedDeadline(
            rule_id=rule.id, title=rule.title, due_date=due, due_time=due_time, rule=rule_text(jur, rule, v),
            citation=v.citation, explanation=lines, trigger=rule.trigger, service_method=method,
            jurisdiction=jur.code, notes=rule_notes(v),
            service_days_added=v.service_adjustments.get(method, 0) if method and v.unit != "hours" else 0,
            roll=v.roll, source_url=v.source_url, quote=v.quote, verified=v.verified, version=v.describe(),
            state_holidays=state_used, left_open=list(v.left_open))

    def _trigger_lines(self, jur: Jurisdiction, rule: Rule, v: RuleVersion, t: date, lines: list[str]) -> None:
        label = jur.triggers[rule.trigger]["label"]
        if v.exclude_trigger_day:
            lines.append(f"Trigger: {label} on {fmt_date(t)} (day 0, excluded — {v.counting['trigger_day']})")
        else:
            lines.append(f"Trigger: {label} on {fmt_date(t)} (counted as day 1 under this rule)")
        expected = jur.triggers[rule.trigger].get("expected_weekday")
        if expected and WEEKDAYS[t.weekday()] != expected:
            lines.append(f"Note: {label} is normally a {expected.capitalize()}; {t.isoformat()} is a "
                         f"{WEEKDAYS[t.weekday()].capitalize()} — check the date on your papers.")

    def _count_days(self, jur: Jurisdiction, rule: Rule, v: RuleVersion, t: date, method: str | None,
                    cal: Calendar, lines: list[str]) -> date:
        c = v.counting
        sign = 1 if v.direction == "after" else -1
        add, mode = service_addition(v, method, lines)
        period = v.period
        if add and mode == "added_to_period":
            lines.append(f"Service by {method}: {add} days added to the prescribed period "
                         f"({c.get('service_addition') or c['citation']}) -> {period + add} days")
            period += add
        end = roll_date(cal, v, count_period(jur, cal, rule, v, t, period, sign, lines), lines)
        if add and mode == "after_period_expires":
            new = end + timedelta(days=add * sign)
            lines.append(f"{c.get('service_addition') or c['citation']}: service by {method} adds {add} days "
                         f"{'after' if sign > 0 else 'before'} the period would otherwise expire: "
                         f"{fmt_date(end)} {'+' if sign > 0 else '-'} {add} -> {fmt_date(new)}")
            end = roll_date(cal, v, new, lines)
        return end

    def _compute_hours(self, jur: Jurisdiction, rule: Rule, v: RuleVersion, start: datetime, method: str | None,
                       lines: list[str]) -> datetime:
        c = v.counting
        label = jur.triggers[rule.trigger]["label"]
        lines.append(f"Trigger: {label} at {fmt_datetime(start)} (counting begins immediately — {c['hours']})")
        if method is not None:
            lines.append(f"Service by {method}: no time added to a period stated in hours")
        delta = timedelta(hours=v.period * (1 if v.direction == "after" else -1))
        end = ((start.astimezone(timezone.utc) + delta).astimezone(start.tzinfo) if start.tzinfo is not None
               else start + delta)
        lines.append(f"Counting {v.period} hours {v.direction} — every hour counts, including weekends and "
                     f"holidays ({c['hours']}) -> {fmt_datetime(end)}")
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


def check_rules_dir(rules_dir: str | Path = RULES_DIR) -> list[str]:
    """Every problem in a rules directory: schema, cross-references and worked examples. Empty if fine."""
    jurs, problems = load_dir(Path(rules_dir))
    out = [format_problem(*p) for p in problems]
    if jurs and not problems:
        engine = DeadlineEngine.__new__(DeadlineEngine)
        engine.rules_dir, engine.jurisdictions = Path(rules_dir), jurs
        out += engine.example_problems()
    return out


def _norm(value: Any) -> str:
    return str(value).strip().lower().replace("-", "_").replace(" ", "_") if value is not None else ""


def _matches_case_type(rule: Rule, case_type: str | None) -> bool:
    return not case_type or case_type.strip().upper() in rule.case_types


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


def _holidays_also(spec_json: str):
    """Year -> holidays of a rule's own extra holiday spec (cached per spec and year)."""
    return lambda year: _holidays_also_year(spec_json, year)


@lru_cache(maxsize=256)
def _holidays_also_year(spec_json: str, year: int) -> dict[date, str]:
    return build_holidays(json.loads(spec_json), year)


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

