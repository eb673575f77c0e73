"""Case and docket numbers (federal, state, labelled ones), never phone numbers or dates."""
from __future__ import annotations

import re

from app.understanding.text import MAX_ITEMS, _Doc

# ---------------------------------------------------------------------- case numbers

_CASE_PREFIX = re.compile(
    r"\b(?P<prefix>(?:(?:DC\s+)?(?:case|civil\s+action|civil\s+case|criminal\s+case|criminal|docket|index|cause|appeal|"
    r"appellate\s+case|adversary(?:\s+proceeding)?|bankruptcy\s+case|bankruptcy\s+petition|misc\.?|expediente|caso|vide)(?![a-z])"
    r"\s*(?:no\b\.?|number\b|nos?\.|num\b\.?|n[úu]m\b\.?|#)?)|(?<![\w.])no\.|(?<![\w.])#)\s*[:#.]?\s*"
    r"(?:\([^)\r\n]{1,40}\)[ \t]*[:#.]?[ \t]*)?"
    r"(?P<val>(?:L&T|LT|[A-Z]{1,3}&[A-Z]{1,3})\s?\d[\w\-/]{2,20}|[A-Z]{1,3}-\d{2},\d{3}-\d{2}|[A-Za-z0-9][A-Za-z0-9:\-./]{1,40})", re.I)
_NOT_CASE_WORDS = (
    r"\b(?:bar|bbo|ardc|fax|tel|telephone|phone|receipt|claim|account|acct|form|page|document|doc|dkt|ecf|id|policy|"
    r"invoice|loan|unit|suite|apt|room|license|badge|incident|report|ref|reference|serial|exhibit|item|patent|"
    r"registration|reg|tax|ein|ssn|check|order|bill|route|box|p\.\s?o\.|local\s+rule|rule|public\s+law|pub\.\s?l\.|omb|"
    r"motion|file|trans(?:action)?\s+id|indictment)")
# the word before a bare "No." ("Claim\n No. 11-02-2025"), or before a number on its own line (one space)
_CASE_EXCLUDE_BEFORE = re.compile(_NOT_CASE_WORDS + r"\s*$", re.I)
_SHAPE_EXCLUDE_BEFORE = re.compile(_NOT_CASE_WORDS + r"(?:[ \t]?(?:no\.?|#|number)[ \t]?[:.]?|[:.])?[ \t]?$", re.I)
_CASE_FED = re.compile(r"\b\d{1,2}:\d{2}-[a-zA-Z]{2,4}-\d{2,6}(?:-[A-Z]{2,4}){0,3}\b|\b\d{2}-(?:cv|cr|bk|mc|ap|md|mj|po|civ)-\d{2,6}\b")
_CASE_STATE = re.compile(r"(?<![\w§.:\-])(?:(?:19|20)?\d{2})-[A-Z]{1,4}\d{0,3}[A-Z]?-\d{2,6}(?:-[A-Z])?(?![\w\-])")
# state numbers by their shape: New Jersey's county-type-number-year ("ATL-L-002869-25", "MER L -002371 25"),
# year-type-number ("2026EV000317", "2531-DR01234", "2007AP2491"), Michigan's "25-104872-DM"
_CASE_SHAPES = re.compile(
    r"(?<![\w/.\-])(?:[A-Z]{3}(?:-|[ \t])[A-Z]{1,2}(?:[ \t]*-[ \t]*|[ \t]|-)\d{3,6}(?:-|[ \t])\d{2}"
    r"|\d{2,4}-?[A-Z]{1,3}-?\d{4,7}|(?:19|20)?\d{2}-\d{5,7}-[A-Z]{2})(?![\w/\-])")
_CITED_PARENTHETICAL = re.compile(r"(?:\d\)?\s*\(\s*(?:No\.?|Nos\.|Docket\s*(?:No\.?|#))|by\s+order\s+in(?:\s+misc\.)?(?:\s+docket)?"
                                  r"(?:\s+no\.)?)\s*$", re.I)
_CASE_LIST = re.compile(r"\bcase\s+nos?\.?\s*:?\s*\((?P<list>[\w\-]+(?:\s*,\s*[\w\-]+){0,9})\)", re.I)
_PHONE_RE = re.compile(r"^\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]\d{4}$")
_MDL = re.compile(r"\bMDL\s+No\.?\s*\d{3,5}\b")
# a number another court gave the case (the court below, the transferor court): a reference, not this paper's own
_REFERENCE_BEFORE = re.compile(
    r"(?:usdc|u\.s\.d\.c\.|district\s+court|lower\s+c(?:our)?t|trial\s+court|originating|court\s+case|magistrate(?:\s+judge)?\s+case|"
    r"bankruptcy\s+(?:case|court|no)|agency|district|coa|vide|transfer(?:red)?\s+(?:from|to)|related\s+case|consolidated\s+with|"
    r"lead\s+case|member\s+case|appeals?\s+case|bap|ca\s+no|circuit\s+(?:court\s+)?case|previous|prior)[^\n]{0,25}$", re.I)
_FROM_BELOW = re.compile(r"(?:on\s+)?appeal\s+from|petition\s+for\s+review\s+of|on\s+(?:removal|transfer)\s+from", re.I)


def _case_key(v: str) -> str:
    """The same case however it is written: 'ATL-L-2869-25' = 'ATL-L-002869-25' = 'ATL L 002869 25'."""
    v = re.sub(r"(?<=\d)(?:-[A-Z]{1,4})+$", "", v.upper().strip(".,;:"))
    return "-".join(g.lstrip("0") or "0" if g.isdigit() else g for g in re.findall(r"[A-Z0-9&]+", v))


def _better_form(new: str, old: str) -> bool:
    """The fuller way of writing a number: hyphens, not spaces; zero-padded ('ATL-L-002869-25')."""
    return (" " not in new, len(new)) > (" " not in old, len(old))


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
        if _CITED_PARENTHETICAL.search(text, max(0, s - 40), s):
            return                                   # "731 N.W.2d 637 (No. 2005AP2480)": a cited case's number
        key = _case_key(val)
        if key not in found and len(found) < MAX_ITEMS:
            found[key] = {"value": val, "quote": doc.quote(s, e), "_pos": s, "_labelled": labelled}
        elif key in found:
            found[key]["_labelled"] = found[key]["_labelled"] or labelled
            if _better_form(val, found[key]["value"]):
                found[key]["value"] = val

    for m in _CASE_PREFIX.finditer(text):
        val = m.group("val").rstrip(".,;:")
        prefix = m.group("prefix").lower()
        if "." in text[m.end("prefix"):m.start("val")] and not re.search(r"(?:no|nos|num|n[úu]m)\.?\s*$", prefix):
            continue                                 # "... can be found in the AD docket. 2The flight"
        if len(re.findall(r"\d", val)) < 3 and not re.search(r"[-:/]", val):
            continue
        bare = prefix in ("no.", "#")
        if bare:
            if _CASE_EXCLUDE_BEFORE.search(text, max(0, m.start() - 20), m.start()):
                continue
            if not re.search(r"\d[-:]\d|\d-[A-Za-z]|[A-Za-z]-\d|^[A-Z]{0,3}\d{2,4}[A-Z]{1,3}\d{3,7}$", val) and not (
                    val.isdigit() and len(val) >= 5 and re.search(r"\b(?:coa|sc|docket)\s*$", prefix_before(m), re.I)):
                continue
        if not re.match(r"[A-Za-z]{0,6}[\d]", val) and not re.search(r"\d", val[:8]):
            continue
        if re.fullmatch(r"\d{1,2}", val):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        add(val, m.start("val"), m.end("val"), not bare or not text[line_start:m.start()].strip())
    for m in _MDL.finditer(text):
        add(m.group(0), m.start(), m.end(), True)
    for m in _CASE_LIST.finditer(text):              # "Case Nos.: (15-1977, 15-1986)": the cases below
        for v in re.finditer(r"[\w\-]+", m.group("list")):
            if re.search(r"\d[-:]\d|\d-[A-Za-z]|[A-Za-z]-\d", v.group(0)):
                add(v.group(0), m.start("list") + v.start(), m.start("list") + v.end())
    for rx in (_CASE_FED, _CASE_STATE, _CASE_SHAPES):
        for m in rx.finditer(text):
            if _SHAPE_EXCLUDE_BEFORE.search(text, max(0, m.start() - 20), m.start()):
                continue
            add(m.group(0), m.start(), m.end())
    items = sorted(found.values(), key=lambda x: x["_pos"])
    _mark_primary(doc, items)
    return items


def prefix_before(m: re.Match) -> str:
    """The words just before a bare 'No.' ('COA' in 'COA No. 266264')."""
    return m.string[max(0, m.start() - 12):m.start()]


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
