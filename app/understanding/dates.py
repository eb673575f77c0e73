"""Dates in a court paper and what each is (hearing, due, served, filed...)."""
from __future__ import annotations

import re
from datetime import date

from app.understanding.text import MAX_ITEMS, _Doc, _SENT_END_RE, _Taken, _squash

# ----------------------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}
_MONTH_EN = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
             r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_MONTH_ES = r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|se?p?tiembre|octubre|noviembre|diciembre)"
_YEAR = r"(?:19|20)\d{2}"
_DATE_RES = [
    # January 5, 2027 / Jan. 5, 2027 / JANUARY 5TH, 2027
    ("mdy", re.compile(rf"\b(?P<mon>{_MONTH_EN})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<year>{_YEAR})\b", re.I)),
    # 5 January 2027 / 14th day of January, 2027
    ("dmy", re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?(?P<mon>{_MONTH_EN})\.?\s*,?\s+(?P<year>{_YEAR})\b", re.I)),
    # 5 de enero de 2027
    ("dmy", re.compile(rf"\b(?P<day>\d{{1,2}})\s+de\s+(?P<mon>{_MONTH_ES})\s+(?:de(?:l)?\s+)?(?P<year>{_YEAR})\b", re.I)),
    # enero 5, 2027
    ("mdy", re.compile(rf"\b(?P<mon>{_MONTH_ES})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>{_YEAR})\b", re.I)),
    # 2027-01-05
    ("iso", re.compile(rf"(?<![\w\-/.])(?P<year>{_YEAR})-(?P<m>\d{{2}})-(?P<d>\d{{2}})(?![\w\-])")),
    # 1/5/2027, 01/05/27
    ("num", re.compile(r"(?<![\w/.\-:§])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d{2}|\d{2})(?![\w/]|-\d)")),
    # 1-5-2027 (only with a date word right before it)
    ("dash", re.compile(rf"(?<![\w/.\-:§])(?P<a>\d{{1,2}})-(?P<b>\d{{1,2}})-(?P<y>{_YEAR})(?![\w\-])")),
    # 05.01.2027 (non-US documents)
    ("dot", re.compile(rf"(?<![\w/.\-:§])(?P<a>\d{{1,2}})\.(?P<b>\d{{1,2}})\.(?P<y>{_YEAR})(?![\w.\-])")),
]
# numbers that look like dates but are not: case/document/statute numbers, phone numbers
_DATE_REFUSE_BEFORE = re.compile(
    r"(?:\b(?:case|docket|dkt|doc|document|no|nos|number|num|index|file|action|claim|receipt|account|acct|"
    r"invoice|ref|reference|id|bar|tel|telephone|phone|fax|page|rule|form|code|chapter|ch|c|section|sec|art|"
    r"article|exhibit|ex|ecf|incident|report|policy|loan|license|serial|badge|unit|apt|suite|order|item)\b\.?|[#§])"
    r"[ \t]*[:#.]?[ \t]*$", re.I)          # on the same line: a table's "Document" column heading is no label
_DASH_DATE_CUE = re.compile(r"\b(?:date[ds]?|on|filed|entered|signed|served|issued|fecha|el)\s*:?\s*$", re.I)


def _make_date(y: int, m: int, d: int) -> date | None:
    if not (1900 <= y <= 2100):
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _find_dates(doc: _Doc, language: str, jurisdiction: str | None) -> list[dict]:
    """Every full calendar date in the text: {start, end, date} (overlaps removed)."""
    text = doc.text
    day_first = language not in ("en", "und") and not (jurisdiction or "").upper().startswith("US")
    found: list[tuple[int, int, date]] = []
    taken = _Taken(len(text))

    for kind, rx in _DATE_RES:
        if kind == "dot" and not day_first:
            continue
        for m in rx.finditer(text):
            s, e = m.span()
            if taken.overlaps(s, e):
                continue
            gd = m.groupdict()
            if kind in ("mdy", "dmy"):
                mon = _MONTHS.get(gd["mon"].lower().rstrip("."))
                if mon is None:
                    mon = _MONTHS.get(gd["mon"].lower().replace("setiembre", "septiembre"))
                if mon is None and gd["mon"].lower().startswith("se"):
                    mon = 9
                if mon is None:
                    continue
                dt = _make_date(int(gd["year"]), mon, int(gd["day"]))
            elif kind == "iso":
                if _DATE_REFUSE_BEFORE.search(text, max(0, s - 25), s):
                    continue
                dt = _make_date(int(gd["year"]), int(gd["m"]), int(gd["d"]))
            else:
                before = text[max(0, s - 25):s]
                if _DATE_REFUSE_BEFORE.search(before):
                    continue
                if kind == "dash" and not _DASH_DATE_CUE.search(before):
                    continue
                a, b, y = int(gd["a"]), int(gd["b"]), gd["y"]
                year = int(y) if len(y) == 4 else 2000 + int(y)
                if kind == "num" and len(y) == 2 and int(y) > 69:
                    year = 1900 + int(y)
                if kind == "dot" or (day_first and a <= 12):
                    a, b = b, a
                dt = _make_date(year, a, b)
            if dt is None:
                continue
            found.append((s, e, dt))
            taken.take(s, e)
            if len(found) >= MAX_ITEMS * 3:
                break
    found.sort(key=lambda t: t[0])
    return [{"start": s, "end": e, "date": d} for s, e, d in found]


# label cues; the one nearest before the date wins
_LABEL_CUES = [
    ("decided", r"decided|decision\s+date|date\s+of\s+decision|opinion\s+(?:filed|issued|delivered)"),
    ("argued", r"argued|oral\s+argument\s+(?:held|heard)"),
    ("submitted", r"submitted(?!\s+to\b)"),
    ("hearing", r"hearing|trial|conference|meeting\s+of\s+creditors|argument|appear(?:ance)?|court[ \t]+date|set\s+for|scheduled\s+for|"
                r"will\s+be\s+held|held\s+on|audiencia|juicio|comparecer|comparezca"),
    ("filed", r"filed\s*(?:&|and)\s*entered|docketed|filed|date\s+filed|file-stamped|claim\s+filed|presentad[oa]|radicad[oa]"),
    ("served", r"served|service|mailed|delivered|entregad[oa]|notificad[oa]"),
    ("entered", r"entered|entry|ordered|enter\s*:|dictad[oa]"),
    ("issued", r"issued|date\s+of\s+(?:this\s+)?notice|notice\s+date|date\s*:|(?<!due\s)date[ \t]+$|"
               r"fecha\s*:|emitid[oa]"),
    ("signed", r"(?m:^)[ \t]*dated|dated\s*:|signed|executed|firmad[oa]|\bs/"),
    ("other", r"revised|rev\.|effective|dated"),
    ("due", r"\bdue\b|deadline|vence|fecha\s+l[íi]mite"),
]
_LABEL_RE = re.compile("|".join(f"(?P<{name}>\\b(?:{rx}))" for name, rx in _LABEL_CUES), re.I)
# a due-date cue must sit right before the date (time and weekday allowed in between)
_DUE_IMMEDIATE = re.compile(
    r"(?:\bon\s+or\s+before|\bno\s+later\s+than|\bnot\s+later\s+than|\bby|\bbefore|\buntil|\bdue(?:\s+date)?(?:\s+(?:is|on|by))?|"
    r"\bdeadline(?:\s+is)?|a\s+m[áa]s\s+tardar(?:\s+el)?|\bantes\s+del?|\bhasta\s+el)\s*:?\s*"
    r"(?:(?:\d{1,2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?|o'clock)?|noon|midnight)\s*,?\s*(?:on\s+)?)?"
    r"(?:(?:the\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo),?\s+(?:the\s+)?)?$",
    re.I)
_ROW_DUE = re.compile(r"[ \t]+[A-Za-z][^\n]{0,80}?\bdue(?:[ \t]+(?:in|at|with)[ \t]+(?:the[ \t]+)?[A-Z][^\n]{0,60})?[ \t]*$",
                      re.I)
# a date given twice takes its most telling label: a docket row's filing before the clerk's entry of it
_LABEL_PRIORITY = {"hearing": 0, "due": 1, "decided": 2, "served": 3, "filed": 4, "entered": 5, "issued": 6,
                   "argued": 7, "submitted": 8, "signed": 9, "other": 10}
# a docket's row: the date first on its line, then the event ("02/29/2024<tab>Memorandum opinion issued<tab>Affirmed")
_ROW_START = re.compile(r"[ \t]*(?:\t|[ ]{2,}|\s+\d{1,4}\s*\t)")
_PACER_ROW = re.compile(r"^\s*\d{1,4}\s*\t|[(\[]Entered:", re.I)
_ROW_LABELS = [
    ("other", r"distributed\s+for\s+conference|set\s+for\s+submission|submission\s+set"),
    ("decided", r"disposed|\bdenied\b|\bgranted\b|\bdismissed\b|\baffirmed\b|\breversed\b|\bremanded\b|"
                r"opinion\s+issued|judgment\s+issued|(?:order|judgment)\s+entered|\bmoot\b"),
    ("filed", r"\bfiled\b|\breceived\b|\bdocketed\b|\blodged\b"),
    ("argued", r"\bargued\b|oral\s+argument\s+(?:held|heard)"),
    ("submitted", r"\bsubmitted\b"),
    ("hearing", r"hearing\s+(?:held|set|scheduled)|set\s+for\s+hearing"),
    ("issued", r"\bissued\b"),
]
_ROW_LABEL_RES = [(name, re.compile(rx, re.I)) for name, rx in _ROW_LABELS]
# an e-filing stamp: "ATL-L-002869-25  10/17/2025 4:48:12 AM  Pg 1 of 1  Trans ID: LCV20252811176"
_STAMP_AFTER = re.compile(r"[ \t]*(?:\d{1,2}:\d{2}(?::\d{2})?\s*[AP]M[ \t]*)?Pg\s*\d+\s*of\s*\d+", re.I)
# a PACER transaction receipt's time stamp: "Transaction Receipt / 06/06/2017 10:18:44" (when the report was run)
_RECEIPT_BEFORE = re.compile(r"Transaction\s+Receipt[ \t]*(?:\n\s*)+[^\n]{0,60}$", re.I)
_SECONDS_AFTER = re.compile(r"[ \t]+\d{1,2}:\d{2}:\d{2}\b")


def _row_label(text: str, start: int, end: int) -> str | None:
    """The label of a docket row's own date, from the row's event: a PACER entry (a number column or an
    "[Entered: ...]" stamp) is filed; elsewhere a ruling is decided, a filing filed, anything else other."""
    ls = text.rfind("\n", 0, start) + 1
    if text[ls:start].strip() or not _ROW_START.match(text, end):
        return None
    eol = text.find("\n", end)
    row = text[end:eol if eol != -1 else len(text)]
    if not re.search(r"[A-Za-z]{3}", row):
        return None
    if _PACER_ROW.search(row):
        return "filed"
    return next((name for name, rx in _ROW_LABEL_RES if rx.search(row)), "other")


def _date_label(doc: _Doc, start: int, end: int) -> str:
    text = doc.text
    lo = max(0, start - 120)
    cut = lo
    for m in _SENT_END_RE.finditer(text, lo, start):
        cut = m.end()
    before = text[cut:start]
    if _DUE_IMMEDIATE.search(before):
        return "due"
    eol = text.find("\n", end)
    if _ROW_DUE.match(text, end, eol if eol != -1 else len(text)):
        return "due"                  # a docket's calendar row: "03/08/2024<tab>Motion for rehearing due"
    row = _row_label(text, start, end)
    if row is not None:
        return row
    if _STAMP_AFTER.match(text, end):
        return "filed"
    if _SECONDS_AFTER.match(text, end) and _RECEIPT_BEFORE.search(text[max(0, start - 120):start]):
        return "issued"
    best = None
    for m in _LABEL_RE.finditer(before):
        if m.lastgroup == "due":
            continue
        best = m.lastgroup
    if best:
        return best
    # a docket's calendar row: "03/08/2024<tab>Motion for rehearing due"
    eol = text.find("\n", end)
    if _ROW_DUE.match(text, end, eol if eol != -1 else len(text)):
        return "due"
    # "ORDERED this 5th day ..." / "... on May 1, 2026, the plaintiff filed"
    m = _SENT_END_RE.search(text, end, min(len(text), end + 80))
    after = text[end:m.start() if m else min(len(text), end + 80)]
    for m in _LABEL_RE.finditer(after):
        if m.lastgroup != "due":
            return m.lastgroup
    # a date alone on a line near the top of a letter or notice is the document's date
    li = doc.line_index(start)
    if li < 25:
        ls, le = doc.lines[li]
        alone = le - ls < 80 and _squash(text[ls:le]).strip(" ,.") == _squash(text[start:end])
        after_blank = li == 0 or text.count("\n", doc.lines[li - 1][1], ls) >= 2
        if alone and after_blank:
            return "issued"
    return "other"
