"""Rule files: JSON Schema validation (rules/schema.json), the cross-references a schema cannot express, and
loading a rules directory into jurisdictions. Every problem is collected, none stops the check early."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from app.deadlines.holiday_calendar import build_holidays
from app.deadlines.rulemodel import NEEDED_KEYS, VERSION_KEYS, Jurisdiction, Rule, RuleVersion

RULES_DIR = Path(__file__).resolve().parent / "rules"


SCHEMA_FILE = RULES_DIR / "schema.json"


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
        build_holidays(data["holidays"], 2025)
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
        missing = [k for k in NEEDED_KEYS if k not in v]
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
        holidays_also=v.get("holidays_also"),
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


def load_dir(rules_dir: Path) -> tuple[dict[str, Jurisdiction], list[tuple[Path, str, str]]]:
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


def format_problem(f: Path, path: str, msg: str) -> str:
    return f"{Path(f).name}: {path}: {msg}"

