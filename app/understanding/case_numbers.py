"""Case and docket numbers (federal, state, labelled ones), never phone numbers or dates."""
from __future__ import annotations

import re

from app.understanding.text import MAX_ITEMS, _Doc

# ---------------------------------------------------------------------- case numbers

_CASE_PREFIX = re.compile(
    r"\b(?P<prefix>(?:(?:DC\s+)?(?:case|civil\s+action|civil\s+case|criminal\s+case|criminal|docket|index|cause|appeal|"
    r"appellate\s+case|adversary(?:\s+proceeding)?|bankruptcy\s+case|misc\.?|expediente|caso)(?![a-z])"
    r"\s*(?:no\b\.?|number\b|nos?\.|num\b\.?|n[úu]m\b\.?|#)?)|(?<![\w.])no\.|(?<![\w.])#)\s*[:#.]?\s*"
    r"(?:\([^)\r\n]{1,40}\)\s*[:#.]?\s*)?"
    r"(?P<val>(?:L&T|LT|[A-Z]{1,3}&[A-Z]{1,3})\s?\d[\w\-/]{2,20}|[A-Za-z0-9][A-Za-z0-9:\-./]{1,40})", re.I)
_CASE_EXCLUDE_BEFORE = re.compile(
    r"\b(?:bar|bbo|ardc|fax|tel|telephone|phone|receipt|claim|account|acct|form|page|document|doc|dkt|ecf|id|policy|"
    r"invoice|loan|unit|suite|apt|room|license|badge|incident|report|ref|reference|serial|exhibit|item|patent|"
    r"registration|reg|tax|ein|ssn|check|order|bill|route|box|p\.\s?o\.|local\s+rule|rule|public\s+law|pub\.\s?l\.|omb)\s*$", re.I)
_CASE_FED = re.compile(r"\b\d{1,2}:\d{2}-[a-zA-Z]{2,4}-\d{2,6}(?:-[A-Z]{2,4}){0,3}\b|\b\d{2}-(?:cv|cr|bk|mc|ap|md|mj|po|civ)-\d{2,6}\b")
_CASE_STATE = re.compile(r"(?<![\w§.:\-])(?:(?:19|20)?\d{2})-[A-Z]{1,4}\d{0,3}[A-Z]?-\d{2,6}(?:-[A-Z])?(?![\w\-])")
_PHONE_RE = re.compile(r"^\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]\d{4}$")


def _case_key(v: str) -> str:
    v = v.upper().strip(".,;:")
    return re.sub(r"(?<=\d)(?:-[A-Z]{1,4})+$", "", v)


def _case_numbers(doc: _Doc) -> list[dict]:
    text = doc.text
    found: dict[str, dict] = {}

    def add(val, s, e):
        val = val.strip(".,;:/-")
        if len(val) < 3 or not re.search(r"\d", val) or len(val) > 40:
            return
        if _PHONE_RE.match(val) or re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}", val):
            return
        if re.fullmatch(r"[\d,]+\.\d{2}", val):
            return
        key = _case_key(val)
        if key not in found and len(found) < MAX_ITEMS:
            found[key] = {"value": val, "quote": doc.quote(s, e), "_pos": s}

    for m in _CASE_PREFIX.finditer(text):
        val = m.group("val")
        prefix = m.group("prefix").lower()
        if "." in text[m.end("prefix"):m.start("val")] and not re.search(r"(?:no|nos|num|n[úu]m)\.?\s*$", prefix):
            continue                                 # "... can be found in the AD docket. 2The flight"
        if len(re.findall(r"\d", val)) < 3 and not re.search(r"[-:/]", val):
            continue
        bare = prefix in ("no.", "#")
        if bare:
            if _CASE_EXCLUDE_BEFORE.search(text, max(0, m.start() - 20), m.start()):
                continue
            if not re.search(r"\d[-:]\d|\d-[A-Za-z]|[A-Za-z]-\d", val):
                continue
        if not re.match(r"[A-Za-z]{0,6}[\d]", val) and not re.search(r"\d", val[:8]):
            continue
        if re.fullmatch(r"\d{1,2}", val):
            continue
        add(val, m.start("val"), m.end("val"))
    for rx in (_CASE_FED, _CASE_STATE):
        for m in rx.finditer(text):
            if _CASE_EXCLUDE_BEFORE.search(text, max(0, m.start() - 20), m.start()):
                continue
            add(m.group(0), m.start(), m.end())
    items = sorted(found.values(), key=lambda x: x["_pos"])
    return items
