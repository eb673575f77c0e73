"""Case and docket numbers (federal, state, labelled ones), never phone numbers or dates."""
from __future__ import annotations

import re

from app.understanding.text import MAX_ITEMS, _Doc

# ---------------------------------------------------------------------- case numbers

_CASE_PREFIX = re.compile(
    r"\b(?P<prefix>(?:(?:DC\s+)?(?:case|civil\s+action|civil\s+case|criminal\s+case|criminal|docket|index|cause|appeal|"
    r"appellate\s+case|adversary(?:\s+proceeding)?|bankruptcy\s+case|bankruptcy\s+petition|misc\.?|expediente|caso)(?![a-z])"
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
_MDL = re.compile(r"\bMDL\s+No\.?\s*\d{3,5}\b")
# a number another court gave the case (the court below, the transferor court): a reference, not this paper's own
_REFERENCE_BEFORE = re.compile(
    r"(?:usdc|u\.s\.d\.c\.|district\s+court|lower\s+c(?:our)?t|trial\s+court|originating|court\s+case|magistrate(?:\s+judge)?\s+case|"
    r"bankruptcy\s+(?:case|court|no)|agency|district|transfer(?:red)?\s+(?:from|to)|related\s+case|consolidated\s+with|"
    r"lead\s+case|member\s+case|appeals?\s+case|bap|ca\s+no|circuit\s+(?:court\s+)?case|previous|prior)[^\n]{0,25}$", re.I)
_FROM_BELOW = re.compile(r"(?:on\s+)?appeal\s+from|petition\s+for\s+review\s+of|on\s+(?:removal|transfer)\s+from", re.I)


def _case_key(v: str) -> str:
    v = v.upper().strip(".,;:")
    return re.sub(r"(?<=\d)(?:-[A-Z]{1,4})+$", "", v)


def _case_numbers(doc: _Doc) -> list[dict]:
    text = doc.text
    found: dict[str, dict] = {}

    def add(val, s, e, labelled=False):
        val = val.strip(".,;:/-")
        if len(val) < 3 or not re.search(r"\d", val) or len(val) > 40:
            return
        if _PHONE_RE.match(val) or re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}", val):
            return
        if re.fullmatch(r"[\d,]+\.\d{2}", val) or re.fullmatch(r"\d{1,2}:\d{2,5}[a-z]?", val):
            return                                   # a sum of money; a statute as "title:section" ("Cause: 42:1983")
        key = _case_key(val)
        if key not in found and len(found) < MAX_ITEMS:
            found[key] = {"value": val, "quote": doc.quote(s, e), "_pos": s, "_labelled": labelled}
        elif key in found and labelled:
            found[key]["_labelled"] = True

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
            if not re.search(r"\d[-:]\d|\d-[A-Za-z]|[A-Za-z]-\d|^\d{2}A\d{1,5}$", val):
                continue
        if not re.match(r"[A-Za-z]{0,6}[\d]", val) and not re.search(r"\d", val[:8]):
            continue
        if re.fullmatch(r"\d{1,2}", val):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        add(val, m.start("val"), m.end("val"), not bare or not text[line_start:m.start()].strip())
    for m in _MDL.finditer(text):
        add(m.group(0), m.start(), m.end(), True)
    for rx in (_CASE_FED, _CASE_STATE):
        for m in rx.finditer(text):
            if _CASE_EXCLUDE_BEFORE.search(text, max(0, m.start() - 20), m.start()):
                continue
            add(m.group(0), m.start(), m.end())
    items = sorted(found.values(), key=lambda x: x["_pos"])
    _mark_primary(doc, items)
    return items


def _mark_primary(doc: _Doc, items: list[dict]) -> None:
    """The paper's own case: the first number not introduced as another court's ('USDC No.', 'Appeal from ...')."""
    for it in items:
        it["primary"] = False
    own = [it for it in items if not _is_reference(doc, it["_pos"])]
    labelled = [it for it in own if it["_labelled"]]
    if own or items:
        (labelled or own or items)[0]["primary"] = True


def _is_reference(doc: _Doc, pos: int) -> bool:
    text = doc.text
    line_start = text.rfind("\n", 0, pos) + 1
    if _REFERENCE_BEFORE.search(text, max(line_start, pos - 60), pos):
        return True
    li = doc.line_index(pos)
    above = " ".join(doc.line_text(k) for k in range(max(0, li - 3), li))
    return bool(_FROM_BELOW.search(above)) and not re.search(r"\bcase\s*:", text[line_start:pos], re.I)
