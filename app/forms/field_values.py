"""Form values: each field's ``source`` resolved against the case context, overrides applied, every value
validated and normalised (``build_values``)."""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from app.forms.library import DEFAULT_DATE_FORMAT, FormValueInvalid, _spec

# --------------------------------------------------------------------------------------------
# Values: context resolution and validation
# --------------------------------------------------------------------------------------------

_MISSING = object()


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return _MISSING
    if isinstance(obj, Mapping):
        return obj.get(key, _MISSING)
    if isinstance(obj, (list, tuple)) and key.isdigit():
        idx = int(key)
        return obj[idx] if idx < len(obj) else _MISSING
    return getattr(obj, key, _MISSING)


def _role_of(party: Any) -> str:
    role = _get(party, "role")
    if role is _MISSING or role is None:
        return ""
    role = getattr(role, "value", role)  # enums
    return str(role).upper()


def _resolve(path: str, context: Mapping[str, Any]) -> Any:
    """Resolve a dotted source path; returns None when anything along the way is missing."""
    if path == "today":
        today = _get(context, "today")
        return date.today() if today is _MISSING or today is None else today
    parts = path.split(".")
    if parts[0] == "party" and len(parts) >= 3:
        role = parts[1].upper()
        attr = ".".join(parts[2:])
        all_parties = _get(context, "parties")
        all_parties = [] if all_parties is _MISSING or all_parties is None else all_parties
        parties = [p for p in all_parties if _role_of(p) == role]
        if attr == "names":  # every party with that role, comma separated
            names = [str(_get(p, "name")) for p in parties if _get(p, "name") not in (_MISSING, None, "")]
            return ", ".join(names) if names else None
        if not parties:
            return None
        return _walk(parties[0], parts[2:])
    return _walk(context, parts)


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _prefill(f: dict, context: Mapping[str, Any]) -> Any:
    """The value a field takes from the context: its template, or the first source with a value
    (translated through the field's ``map``; a value the map lacks leaves the field empty)."""
    if f.get("template"):
        return _render_template(f["template"], context)
    sources = f.get("source")
    if not sources:
        return None
    for src in [sources] if isinstance(sources, str) else list(sources):
        value = _resolve(src, context)
        if value is None or value == "":
            continue
        if f.get("map") is not None:
            return f["map"].get(str(getattr(value, "value", value)))
        return value
    return None


def _render_template(template: str, context: Mapping[str, Any]) -> str | None:
    """Fill ``{path}`` placeholders line by line; a line whose placeholders are all empty is dropped."""
    lines = []
    for line in template.split("\n"):
        values = [_resolve(path, context) for path in _PLACEHOLDER.findall(line)]
        if values and all(v is None or v == "" for v in values):
            continue
        parts = iter("" if v is None else str(v) for v in values)
        lines.append(_PLACEHOLDER.sub(lambda _m: next(parts), line).strip())
    return "\n".join(line for line in lines if line) or None


def _walk(obj: Any, parts: list[str]) -> Any:
    for part in parts:
        obj = _get(obj, part)
        if obj is _MISSING or obj is None:
            return None
    return obj


def _normalize(f: dict, value: Any) -> tuple[Any, str | None]:
    """Return (normalised value, error message or None). ``value`` is never None here."""
    ftype = f["type"]
    if ftype in ("text", "multiline"):
        if isinstance(value, bool):
            return None, "expected text, got a boolean"
        if isinstance(value, (int, float, Decimal)):
            if isinstance(value, float) and not math.isfinite(value):
                return None, "expected text, got a non-finite number"
            return str(value), None
        if isinstance(value, str):
            return value, None
        return None, f"expected text, got {type(value).__name__}"
    if ftype == "date":
        fmt = f.get("format") or DEFAULT_DATE_FORMAT
        if isinstance(value, datetime):
            return value.date().strftime(fmt), None
        if isinstance(value, date):
            return value.strftime(fmt), None
        if isinstance(value, str):
            s = value.strip()
            try:
                return date.fromisoformat(s).strftime(fmt), None
            except ValueError:
                pass
            try:  # already formatted the way the form wants it
                return datetime.strptime(s, fmt).date().strftime(fmt), None
            except ValueError:
                pass
            return None, f"invalid date {value!r}: expected a date or 'YYYY-MM-DD'"
        return None, f"invalid date: expected a date or 'YYYY-MM-DD', got {type(value).__name__}"
    if ftype == "checkbox":
        export = f.get("export_value") or "Yes"
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str):
            s = value[1:] if value.startswith("/") else value
            if s == export:
                return True, None
            if s == "Off":
                return False, None
        return None, f"invalid checkbox value {value!r}: expected true/false or {export!r}"
    if ftype in ("radio", "choice"):
        return _normalize_option(f, ftype, value)
    return None, f"unsupported field type {ftype!r}"  # pragma: no cover - guarded at load


def _normalize_option(f: dict, ftype: str, value: Any) -> tuple[Any, str | None]:
    """A radio or choice value: an option, its label, or (choice) a county named with or without "County"."""
    options = [str(o) for o in f.get("options", [])]
    labels = f.get("option_labels") or {}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        s = value[1:] if (ftype == "radio" and value.startswith("/")) else value
        if s in options:
            return s, None
        for opt, label in labels.items():
            if s == label and opt in options:
                return opt, None
        if ftype == "choice":  # a county list: "davidson county" is the option "Davidson"
            wanted = {s.strip().casefold(), re.sub(r"\s+county$", "", s.strip(), flags=re.I).casefold()}
            for opt in options:
                if opt.strip().casefold() in wanted:
                    return opt, None
    return None, f"invalid option {value!r}: expected one of {options}"


def _validate(spec: dict, raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = {f["name"]: f for f in spec["fields"]}
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name, value in raw.items():
        f = fields.get(name)
        if f is None:
            errors.setdefault(name, []).append(f"unknown field {name!r} for form {spec['id']!r}")
            continue
        if value is None:
            continue
        norm, err = _normalize(f, value)
        if err:
            errors.setdefault(name, []).append(err)
        else:
            out[name] = norm
    if errors:
        raise FormValueInvalid(errors)
    return out


def build_values(form_id: str, context: Mapping[str, Any] | None, overrides: Mapping[str, Any] | None = None) -> dict:
    spec = _spec(form_id)
    context = context or {}
    raw: dict[str, Any] = {}
    for f in spec["fields"]:
        value = _prefill(f, context)
        if value is not None:
            raw[f["name"]] = value
    errors: dict[str, list[str]] = {}
    known = {f["name"] for f in spec["fields"]}
    for name, value in (overrides or {}).items():
        if name not in known:
            errors.setdefault(name, []).append(f"unknown field {name!r} for form {spec['id']!r}")
            continue
        if value is None:
            raw.pop(name, None)
        else:
            raw[name] = value
    try:
        values = _validate(spec, raw)
    except FormValueInvalid as exc:
        for k, msgs in exc.errors.items():
            errors.setdefault(k, []).extend(msgs)
        values = {}
    if errors:
        raise FormValueInvalid(errors)
    # keep the spec's field order
    order = [f["name"] for f in spec["fields"]]
    return {name: values[name] for name in order if name in values}
