"""The document analysis object (``GET /documents/{id}/analysis``) as a JSON Schema.

``ANALYSIS_SCHEMA`` is what a language model must produce. It is written in the subset
accepted by OpenAI structured outputs in strict mode (every object lists all of its
properties in ``required`` and sets ``additionalProperties: false``; optional values are
nullable through a type array) and is also used as an Anthropic tool ``input_schema``.

``validate_analysis`` checks an object against it with a small hand-written recursive
checker (no third-party dependency), ``drop_unquoted`` removes extracted items whose
``quote`` does not occur in the document, and ``finalize`` adds the provenance fields
(``provider``, ``model``, ``disclaimer``, ``note``) that the API serves with the analysis.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import unicodedata
from typing import Any

__all__ = [
    "ANALYSIS_SCHEMA",
    "AnalysisSchemaError",
    "DOCUMENT_TYPES",
    "PARTY_ROLES",
    "ITEM_LIST_FIELDS",
    "META_FIELDS",
    "validate_analysis",
    "drop_unquoted",
    "normalize_for_match",
    "finalize",
]

DOCUMENT_TYPES = [
    "complaint", "summons", "notice", "order", "motion", "judgment",
    "form", "instructions", "correspondence", "other",
    "opinion", "docket", "notice_of_electronic_filing", "email", "brief",
]
PARTY_ROLES = [
    "PLAINTIFF", "DEFENDANT", "PETITIONER", "RESPONDENT", "LANDLORD",
    "TENANT", "ATTORNEY", "WITNESS", "OTHER",
    "APPELLANT", "APPELLEE", "DEBTOR", "CREDITOR", "TRUSTEE",
]

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"

_QUOTE = {
    "type": "string",
    "description": "Verbatim excerpt copied exactly from the document that supports this item.",
}


def _obj(properties: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        out["description"] = description
    return out


def _arr(items: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": items}
    if description:
        out["description"] = description
    return out


_STR_LIST = {"type": "string"}

ANALYSIS_SCHEMA: dict[str, Any] = _obj(
    {
        "document_type": {
            "type": "string",
            "enum": DOCUMENT_TYPES,
            "description": "What kind of court paper this is.",
        },
        "document_type_confidence": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "Confidence in document_type, from 0 to 1.",
        },
        "summary": {
            "type": "string",
            "description": "A plain-language summary (a few sentences) for a person without a lawyer.",
        },
        "parties": _arr(_obj({
            "name": {"type": "string"},
            "role": {"type": "string", "enum": PARTY_ROLES},
            "quote": _QUOTE,
        })),
        "case_numbers": _arr(_obj({
            "value": {"type": "string", "description": "The case or docket number as written."},
            "quote": _QUOTE,
        })),
        "courts": _arr(_obj({
            "name": {"type": "string"},
            "quote": _QUOTE,
        })),
        "dates": _arr(_obj({
            "date": {"type": "string", "pattern": DATE_PATTERN, "description": "YYYY-MM-DD"},
            "label": {"type": "string", "description": "What happens or happened on this date."},
            "quote": _QUOTE,
        })),
        "deadlines": _arr(_obj({
            "due_date": {
                "type": ["string", "null"],
                "pattern": DATE_PATTERN,
                "description": "YYYY-MM-DD, or null when the document states a period "
                               "(e.g. '20 days after service') without a calendar date.",
            },
            "label": {"type": "string", "description": "What must be done by the deadline."},
            "quote": _QUOTE,
            "basis": {"type": "string", "description": "How the deadline was determined (stated date, "
                                                       "or the period and the event it runs from)."},
        })),
        "amounts": _arr(_obj({
            "value": {"type": "string", "pattern": DECIMAL_PATTERN,
                      "description": "Decimal string without currency symbol or separators, e.g. \"1250.00\"."},
            "label": {"type": "string"},
            "quote": _QUOTE,
        })),
        "citations": _arr(_obj({
            "text": {"type": "string", "description": "The citation as written."},
            "kind": {"type": "string", "description": "statute, rule, regulation, case, constitution or other."},
            "quote": _QUOTE,
        })),
        "key_concepts": _arr(_STR_LIST, "Legal terms in the document, each worth explaining."),
        "issues": _arr(_STR_LIST, "Problems, risks or open questions for the reader."),
        "next_steps": _arr(_STR_LIST, "General next steps; not legal advice."),
        "language": {"type": "string", "description": "ISO 639-1 code of the document's language, e.g. \"en\"."},
    },
    description="Structured analysis of one court document.",
)

#: list fields whose items carry a ``quote`` taken from the document
ITEM_LIST_FIELDS = ("parties", "case_numbers", "courts", "dates", "deadlines", "amounts", "citations")
#: fields added by :func:`finalize` (not produced by the model)
META_FIELDS = ("provider", "model", "disclaimer", "note")


class AnalysisSchemaError(ValueError):
    """The object does not match ``ANALYSIS_SCHEMA``; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        shown = self.errors[:10]
        more = len(self.errors) - len(shown)
        msg = "analysis does not match the schema: " + "; ".join(shown)
        if more > 0:
            msg += f"; and {more} more"
        super().__init__(msg)


# ------------------------------------------------------------------ validation

_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def _check(value: Any, schema: dict[str, Any], path: str, errors: list[str],
           extra_allowed: tuple[str, ...] = ()) -> None:
    where = path or "(root)"
    types = schema.get("type")
    if types is not None:
        tlist = types if isinstance(types, list) else [types]
        if not any(_JSON_TYPES[t](value) for t in tlist):
            errors.append(f"{where}: expected {' or '.join(tlist)}, got {_type_name(value)}")
            return
    if value is None:
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {', '.join(map(str, schema['enum']))}")
    if isinstance(value, str):
        pattern = schema.get("pattern")
        if pattern and not re.search(pattern, value):
            errors.append(f"{where}: {value!r} does not match the expected format")
        elif pattern == DATE_PATTERN:
            try:
                _dt.date.fromisoformat(value)
            except ValueError:
                errors.append(f"{where}: {value!r} is not a real calendar date")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            errors.append(f"{where}: must be a finite number")
        else:
            if "minimum" in schema and value < schema["minimum"]:
                errors.append(f"{where}: {value} is less than {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                errors.append(f"{where}: {value} is greater than {schema['maximum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path + '.' if path else ''}{key}: required field is missing")
        if schema.get("additionalProperties") is False:
            for key in value:
                if key not in props and key not in extra_allowed:
                    errors.append(f"{path + '.' if path else ''}{key}: unexpected field")
        for key, sub in props.items():
            if key in value:
                _check(value[key], sub, f"{path}.{key}" if path else str(key), errors)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _check(item, schema["items"], f"{where}[{i}]", errors)


def validate_analysis(obj: Any, *, allow_meta: bool = False) -> dict:
    """Check ``obj`` against ``ANALYSIS_SCHEMA`` and return a deep copy of it.

    Raises :class:`AnalysisSchemaError` naming every problem (``deadlines[0].due_date:
    '2026-13-01' is not a real calendar date``). With ``allow_meta=True`` the fields
    added by :func:`finalize` are accepted too.
    """
    errors: list[str] = []
    _check(obj, ANALYSIS_SCHEMA, "", errors, META_FIELDS if allow_meta else ())
    if errors:
        raise AnalysisSchemaError(errors)
    return copy.deepcopy(obj)


# --------------------------------------------------------------- quote checking

# zero-width and invisible formatting characters, plus the soft hyphen
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"))
# typographic punctuation a model tends to swap for (or from) plain ASCII
_PUNCT = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
})
_WS = re.compile(r"\s+")


def normalize_for_match(s: str) -> str:
    """NFKC, drop zero-width characters, unify quotes/dashes, casefold, collapse whitespace."""
    s = unicodedata.normalize("NFKC", s)
    s = s.translate(_INVISIBLE).translate(_PUNCT)
    s = s.casefold()
    return _WS.sub(" ", s).strip()


def drop_unquoted(obj: dict, text: str, *, require_quote: bool = True) -> tuple[dict, int]:
    """Remove every extracted item whose ``quote`` does not occur in ``text``.

    Matching ignores case, whitespace runs, Unicode compatibility forms (NFKC),
    zero-width characters and curly-vs-straight quotes/dashes. An item whose quote is
    empty, not a string, or missing is dropped too, unless ``require_quote=False``
    (then only items *with* a quote string that is not found are dropped).
    Returns ``(new_object, dropped_count)``; the input is not modified.
    """
    haystack = normalize_for_match(text or "")
    out = copy.deepcopy(obj)
    dropped = 0
    for key in ITEM_LIST_FIELDS:
        items = out.get(key)
        if not isinstance(items, list):
            continue
        kept = []
        for item in items:
            quote = item.get("quote") if isinstance(item, dict) else None
            if not isinstance(quote, str) or not normalize_for_match(quote):
                if require_quote or (isinstance(item, dict) and isinstance(quote, str)):
                    dropped += 1
                    continue
                kept.append(item)
                continue
            if normalize_for_match(quote) in haystack:
                kept.append(item)
            else:
                dropped += 1
        out[key] = kept
    return out, dropped


# ------------------------------------------------------------------- finalize


def finalize(obj: dict, *, provider: str, model: str | None, disclaimer: str, note: str | None = None) -> dict:
    """Return a copy of ``obj`` with ``provider``, ``model``, ``disclaimer`` and ``note`` set.

    ``note`` is always present (``None`` when there is nothing to say) so clients see a
    stable shape.
    """
    out = copy.deepcopy(obj)
    out["provider"] = provider
    out["model"] = model
    out["disclaimer"] = disclaimer
    out["note"] = note
    return out
