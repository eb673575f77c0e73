"""The evaluation set's label format (schema 2) and its split rule.

See tests/fixtures/eval/README.md for what each field means and how a human labels it.
"""
from __future__ import annotations

import hashlib

import jsonschema

SPLIT_SEED = "caseos-eval-v1:"
KINDS = ["born_digital", "scanned", "photo", "filled_form", "email", "html", "docx", "text"]
DOCUMENT_TYPES = ["complaint", "summons", "notice", "notice_of_electronic_filing", "order", "opinion",
                  "judgment", "motion", "brief", "docket", "form", "instructions", "correspondence",
                  "email", "other"]
ROLES = ["PLAINTIFF", "DEFENDANT", "PETITIONER", "RESPONDENT", "APPELLANT", "APPELLEE", "DEBTOR",
         "CREDITOR", "TRUSTEE", "LANDLORD", "TENANT", "ATTORNEY", "OTHER"]
DATE_LABELS = ["filed", "entered", "signed", "issued", "served", "hearing", "trial", "argued", "submitted",
               "decided", "due", "other"]
CITATION_KINDS = ["case", "statute", "rule", "regulation", "constitution"]

_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TEXT = {"type": "string", "minLength": 1}


def _obj(props: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


LABELS_SCHEMA = _obj({
    "schema": {"const": 2},
    "file": _TEXT,
    "group": _TEXT,
    "source": _obj({"repo": _TEXT, "commit": {"type": "string", "pattern": r"^[0-9a-f]{40}$"}, "path": _TEXT,
                    "licence": _TEXT, "derived": {"type": ["string", "null"]}, "url": {"type": ["string", "null"]}},
                   ["repo", "commit", "path", "licence", "derived"]),
    "kind": {"enum": KINDS},
    "language": {"type": "string", "pattern": r"^[a-z]{2}$"},
    "jurisdiction": {"type": "string", "pattern": r"^US-[A-Z]{2,3}$"},
    "document_type": {"enum": DOCUMENT_TYPES},
    "document_date": {"anyOf": [_DATE, {"type": "null"}]},
    "reference_date": _DATE,
    "parties": {"type": "array", "items": _obj({"name": _TEXT, "role": {"enum": ROLES}}, ["name", "role"])},
    "judges": {"type": "array", "items": _TEXT},
    "case_numbers": {"type": "array", "items": _obj({"number": _TEXT, "primary": {"type": "boolean"}},
                                                     ["number", "primary"])},
    "courts": {"type": "array", "items": _obj({"name": _TEXT, "primary": {"type": "boolean"}}, ["name", "primary"])},
    "dates": {"type": "array", "items": _obj({"date": _DATE, "label": {"enum": DATE_LABELS}}, ["date", "label"])},
    "deadlines": {"type": "array", "items": _obj({
        "due_date": {"anyOf": [_DATE, {"type": "null"}]}, "action": _TEXT, "who": {"type": ["string", "null"]},
        "quote": _TEXT,
        "rule": {"anyOf": [{"type": "null"}, _obj({
            "period": {"type": "integer", "minimum": 1}, "unit": {"enum": ["days", "court_days"]},
            "anchor": {"enum": ["service", "entry", "filing", "notice", "judgment", "other"]}},
            ["period", "unit", "anchor"])]}},
        ["due_date", "action", "who", "quote", "rule"])},
    "amounts": {"type": "array", "items": _obj({"value": {"type": "string", "pattern": r"^\d+(\.\d{2})?$"},
                                                 "label": {"type": "string"}}, ["value", "label"])},
    "citations": {"type": "array", "items": _obj({"text": _TEXT, "kind": {"enum": CITATION_KINDS},
                                                   "year": {"type": ["integer", "null"]}}, ["text", "kind"])},
    "notes": {"type": "string"},
}, ["schema", "file", "group", "source", "kind", "language", "jurisdiction", "document_type", "document_date",
    "reference_date", "parties", "judges", "case_numbers", "courts", "dates", "deadlines", "amounts", "citations"])


def split_of(group: str) -> str:
    """'blind' or 'dev': a fixed, seeded function of the source document's group."""
    return "blind" if hashlib.sha256((SPLIT_SEED + group).encode()).digest()[0] % 2 else "dev"


def label_problems(labels: dict) -> list[str]:
    """Every way this label file breaks schema 2 or its conventions (empty when it is sound)."""
    validator = jsonschema.Draft202012Validator(LABELS_SCHEMA)
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                for e in validator.iter_errors(labels)]
    if problems:
        return problems
    if sum(1 for c in labels["case_numbers"] if c["primary"]) > 1:
        problems.append("case_numbers: more than one primary")
    if sum(1 for c in labels["courts"] if c["primary"]) > 1:
        problems.append("courts: more than one primary")
    for field, key in (("dates", "date"), ("amounts", "value")):
        values = [item[key] for item in labels[field]]
        if len(values) != len(set(values)):
            problems.append(f"{field}: a value is listed twice")
    for d in labels["deadlines"]:
        if d["due_date"] is None and d["rule"] is None:
            problems.append(f"deadlines: {d['action']!r} has neither a due_date nor a rule")
    return problems
