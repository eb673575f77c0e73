"""The local analyzer: rules and regular expressions, no network, no model.

``analyze(text)`` reads the text of one court paper and returns the analysis object of
the API contract (``GET /documents/{id}/analysis``): what kind of paper it is, who the
parties are, the case number, the court, dates, deadlines, amounts of money, citations,
and plain-language issues and next steps.

Design notes:

* Every extracted item carries ``quote``, a verbatim substring of the input (the line
  or sentence it came from, at most 300 characters), so a caller can check it.
* Deterministic: the same input gives the same output; lists are de-duplicated and in
  the order their first quote appears in the document.
* Fast: precompiled regular expressions over at most the first 200,000 characters;
  eyecite runs on paragraph-sized chunks; courts-db patterns are loaded once.
* Defensive: any ``str`` is accepted (empty, huge, binary noise, text that tries to give
  instructions); a bug in one extractor loses that field, never the whole analysis.
* Deadlines are counted in calendar days (court days skip weekends only); rolling over
  holidays is the job of the court-rules engine, and each ``basis`` says so.
"""
from __future__ import annotations

import bisect
import functools
import logging
import math
import re
from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

log = logging.getLogger(__name__)

__all__ = ["ANALYZER_VERSION", "DISCLAIMER", "analyze", "warm_up"]

ANALYZER_VERSION = "local-1"
DISCLAIMER = (
    "This is automated information to help you read your papers. It is not legal advice, "
    "and it can miss or misread things. Check every date and deadline with the court clerk, "
    "and talk to a lawyer or a legal aid office about your situation."
)

MAX_CHARS = 200_000
MAX_QUOTE = 300
MAX_ITEMS = 300          # per field: a pathological text must not produce (or cost) more
_EYECITE_MAX_CHARS = 80_000
_EYECITE_CHUNK = 4_000
_EYECITE_MAX_PIECES = 40
_EYECITE_BUDGET = 60_000      # characters handed to eyecite per document (its cost grows with citations)

DOCUMENT_TYPES = ("complaint", "summons", "notice", "order", "motion", "judgment",
                  "form", "instructions", "correspondence", "other")
ROLES = ("PLAINTIFF", "DEFENDANT", "PETITIONER", "RESPONDENT", "LANDLORD", "TENANT", "ATTORNEY", "OTHER")


# ----------------------------------------------------------------------------- text


class _Doc:
    """The text with its line offsets, and helpers that cut verbatim quotes from it."""

    def __init__(self, text: str, first_page_len: int | None):
        self.text = text
        self.lines: list[tuple[int, int]] = [(m.start(), m.end()) for m in _LINE_RE.finditer(text)]
        self.line_starts = [s for s, _ in self.lines]
        self.first_page_end = first_page_len if first_page_len else min(len(text), 4000)

    def line_index(self, pos: int) -> int:
        i = bisect.bisect_right(self.line_starts, pos) - 1
        return max(i, 0)

    def line_text(self, i: int) -> str:
        s, e = self.lines[i]
        return self.text[s:e]

    def quote(self, start: int, end: int) -> str:
        """The line(s) holding text[start:end], trimmed to at most MAX_QUOTE characters."""
        text = self.text
        if not self.lines:
            return text[start:end].strip()[:MAX_QUOTE].strip()
        ls = self.lines[self.line_index(start)][0]
        le = self.lines[self.line_index(max(start, end - 1))][1]
        ls, le = min(ls, start), max(le, end)
        if le - ls > MAX_QUOTE:
            ls, le = self._window(start, end, ls, le)
        return _strip_span(text, ls, le)

    def sentence_quote(self, start: int, end: int) -> str:
        """The sentence holding text[start:end] (it may wrap over lines), at most MAX_QUOTE."""
        ss, se = self.sentence_span(start, end)
        if se - ss > MAX_QUOTE:
            ss, se = self._window(start, end, ss, se)
        return _strip_span(self.text, ss, se)

    def sentence_span(self, start: int, end: int) -> tuple[int, int]:
        text = self.text
        lo = max(0, start - 400)
        ss = lo
        for m in _SENT_END_RE.finditer(text, lo, start):
            if _is_sentence_end(text, m):
                ss = m.end()
        if ss == lo and lo > 0:
            ss = start - min(start - lo, 200)
        se = min(len(text), end + 200)
        for m in _SENT_END_RE.finditer(text, end, min(len(text), end + 400)):
            if _is_sentence_end(text, m):
                se = m.start() + 1
                break
        return ss, max(se, end)

    def _window(self, start: int, end: int, ls: int, le: int) -> tuple[int, int]:
        room = max(0, MAX_QUOTE - (end - start))
        a = max(ls, start - room // 2)
        b = min(le, end + (room - (start - a)))
        a = max(ls, min(a, b - MAX_QUOTE))
        if b - a > MAX_QUOTE:
            a, b = start, start + MAX_QUOTE
        # do not cut words in half at the edges
        text = self.text
        if a > ls and a < start:
            sp = text.find(" ", a, start)
            if sp != -1:
                a = sp + 1
        if b < le and b > end:
            sp = text.rfind(" ", end, b)
            if sp != -1:
                b = sp
        return a, b


_LINE_RE = re.compile(r"[^\r\n\f\v\x1c\x1d\x1e\x85\u2028\u2029]+")
_SENT_END_RE = re.compile(r"[.!?;](?=\s+[\"'(\[]?[A-Z0-9¿¡])|\n[ \t\r]*\n|\f")


_ABBREVIATIONS = frozenset("""
fed r civ crim evid app bankr p u s c no nos inc corp co ltd mr ms mrs dr st v vs va w mass gen stat stats code ann jr sr
esq ct supp cal proc fla ch dkt doc rev am pm eg ie etc ave blvd apt ste dist cir hon jan feb mar apr jun jul aug sep
sept oct nov dec dkt ecf sec art para pl pub l n d e f g ill ilcs tex ohio pa ny nj md ga mich minn wis wash ore colo
conn del ariz ark ky la me miss mo mont neb nev okla tenn vt wyo sup misc ex id cf see al seq approx dept div
""".split())


def _is_sentence_end(text: str, m: re.Match) -> bool:
    """A '.' after an abbreviation ('Fed.', 'U.S.', 'No.') or an initial does not end a sentence."""
    if text[m.start()] != ".":
        return True
    w = re.search(r"([A-Za-z]+)$", text[max(0, m.start() - 12):m.start()])
    if not w:
        return True
    word = w.group(1)
    return not (word.lower() in _ABBREVIATIONS or len(word) == 1)


def _strip_span(text: str, a: int, b: int) -> str:
    q = text[a:b]
    return q.strip()


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _windows(text: str, trigger: re.Pattern, before: int, after: int) -> list[tuple[int, int]]:
    """Merged spans around each trigger match, widened to line (or word) boundaries.

    Expensive patterns run only inside these spans instead of over the whole text.
    """
    wins: list[tuple[int, int]] = []
    n = len(text)
    for m in trigger.finditer(text):
        a0, b0 = max(0, m.start() - before), min(n, m.end() + after)
        a = text.rfind("\n", max(0, a0 - 300), a0) + 1
        if a == 0 and a0 > 300:
            a = max(text.rfind(" ", max(0, a0 - 50), a0) + 1, a0 - 50)
        b = text.find("\n", b0, b0 + 300)
        if b == -1:
            b = text.find(" ", b0, b0 + 50)
            b = min(n, b0 + 50) if b == -1 else b
        if wins and a <= wins[-1][1]:
            wins[-1] = (wins[-1][0], max(wins[-1][1], b))
        else:
            wins.append((a, b))
    return wins


class _Taken:
    """Character spans already claimed by a match (so overlapping matches are skipped), O(span)."""

    def __init__(self, n: int):
        self.mask = bytearray(n + 1)

    def overlaps(self, s: int, e: int) -> bool:
        return any(self.mask[s:e])

    def take(self, s: int, e: int) -> None:
        self.mask[s:e] = b"\x01" * (e - s)


def _finditer_in(rx: re.Pattern, text: str, wins: list[tuple[int, int]]):
    """rx.finditer over each window (absolute offsets), each match once."""
    seen: set[int] = set()
    for a, b in wins:
        for m in rx.finditer(text, a, b):
            if m.start() not in seen:
                seen.add(m.start())
                yield m


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
    r"\s*[:#.]?\s*$", re.I)
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
    ("hearing", r"hearing|trial|conference|meeting\s+of\s+creditors|argument|appear(?:ance)?|court[ \t]+date|set\s+for|scheduled\s+for|"
                r"will\s+be\s+held|held\s+on|audiencia|juicio|comparecer|comparezca"),
    ("filed", r"filed|date\s+filed|file-stamped|claim\s+filed|presentad[oa]|radicad[oa]"),
    ("served", r"served|service|mailed|delivered|entregad[oa]|notificad[oa]"),
    ("entered", r"entered|entry|ordered|enter\s*:|dictad[oa]"),
    ("issued", r"issued|date\s+of\s+(?:this\s+)?notice|notice\s+date|date\s*:|fecha\s*:|emitid[oa]"),
    ("signed", r"(?m:^)[ \t]*dated|dated\s*:|signed|executed|firmad[oa]|\bs/"),
    ("other", r"revised|rev\.|effective|dated"),
    ("due", r"\bdue\b|deadline|vence|fecha\s+l[íi]mite"),
]
_LABEL_RE = re.compile("|".join(f"(?P<{name}>\\b(?:{rx}))" for name, rx in _LABEL_CUES), re.I)
# a due-date cue must sit right before the date (time and weekday allowed in between)
_DUE_IMMEDIATE = re.compile(
    r"(?:\bon\s+or\s+before|\bno\s+later\s+than|\bnot\s+later\s+than|\bby|\bbefore|\buntil|\bdue(?:\s+(?:on|by))?|"
    r"\bdeadline(?:\s+is)?|a\s+m[áa]s\s+tardar(?:\s+el)?|\bantes\s+del?|\bhasta\s+el)\s*:?\s*"
    r"(?:(?:\d{1,2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?|o'clock)?|noon|midnight)\s*,?\s*(?:on\s+)?)?"
    r"(?:(?:the\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo),?\s+(?:the\s+)?)?$",
    re.I)
_LABEL_PRIORITY = {"hearing": 0, "due": 1, "served": 2, "entered": 3, "filed": 4, "issued": 5, "signed": 6, "other": 7}


def _date_label(doc: _Doc, start: int, end: int) -> str:
    text = doc.text
    lo = max(0, start - 120)
    cut = lo
    for m in _SENT_END_RE.finditer(text, lo, start):
        cut = m.end()
    before = text[cut:start]
    if _DUE_IMMEDIATE.search(before):
        return "due"
    best = None
    for m in _LABEL_RE.finditer(before):
        if m.lastgroup == "due":
            continue
        best = m.lastgroup
    if best:
        return best
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


# ------------------------------------------------------------------------- deadlines

_NUM_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "uno": 1, "una": 1, "un": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "veinte": 20, "veintiuno": 21, "veintiún": 21, "treinta": 30, "sesenta": 60, "noventa": 90,
}
_NUM_WORD_RE = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|"
                r"eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|ten|one|two|three|four|five|six|seven|eight|nine|"
                r"veintiuno|veintiún|veinte|treinta|sesenta|noventa|catorce|quince|trece|doce|once|diez|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)")
_NUM = rf"(?P<num>{_NUM_WORD_RE}\s*\(\s*\d{{1,3}}\s*\)|\d{{1,3}}|{_NUM_WORD_RE})"
_REL_EN = re.compile(
    rf"(?:(?P<lead>\bwithin|\bin|\bno\s+later\s+than|\bnot\s+later\s+than|\bat\s+least|\bnot\s+less\s+than|\bno\s+less\s+than|"
    rf"\bhave|\bhas|\bafter)\s+)?\b{_NUM}[\s-]+(?P<qual>calendar|business|court|judicial|working|court\s+business)?[\s-]*"
    rf"(?P<unit>days?|hours?|weeks?|months?)\s+(?P<dir>after|from|of|following|since|before|prior\s+to)\s+"
    rf"(?P<anchor>[^.;:!?()]{{0,100}})", re.I)
_REL_ES = re.compile(
    rf"\b(?:dentro\s+de|en\s+un\s+plazo\s+de|en)\s+(?:los\s+|las\s+)?{_NUM}\s+(?P<unit>d[íi]as|horas|semanas|meses)\s*"
    rf"(?P<qual>h[áa]biles|naturales|calendario|laborables)?\s+(?P<dir>siguientes\s+a|despu[ée]s\s+de|a\s+partir\s+de|"
    rf"contados\s+a\s+partir\s+de|antes\s+de)\s+(?P<anchor>[^.;:!?()]{{0,100}})", re.I)

_ANCHORS = [
    ("notice", r"(?:the\s+)?date\s+(?:of|on)\s+(?:this|the)\s+(?:notice|order|letter|summons|judgment|decision|document|demand)|"
               r"this\s+(?:notice|order|letter)\b|(?:the\s+)?date\s+(?:above|shown|written)|la\s+fecha\s+de\s+este\s+aviso"),
    ("service", r"(?:the\s+)?(?:date\s+of\s+)?(?:personal\s+)?(?:service|serving)\b|(?:you\s+(?:were|are)\s+|being\s+|it\s+(?:is|was)\s+)served|"
                r"(?:this|the)\s+(?:summons|complaint|petition|papers?|notice|motion|order|citation)(?:\s+and\s+[\w\s]{0,30}?)?\s+"
                r"(?:is|are|was|were|has\s+been|have\s+been)\s+served|"
                r"(?:la\s+)?notificaci[óo]n"),
    ("receipt", r"(?:your\s+|the\s+)?(?:receipt|receiving|delivery)\b|you\s+(?:receive|received|get|got)\b|(?:la\s+)?entrega|recibir"),
    ("entry", r"(?:the\s+)?(?:date\s+of\s+)?entry\b|(?:the\s+|this\s+)?(?:judgment|order)\s+(?:is|was|being|has\s+been)\s+entered|entered\b"),
    ("hearing", r"(?:the\s+)?(?:date\s+of\s+the\s+)?(?:conclusion\s+of\s+the\s+)?(?:scheduled\s+)?(?:hearing|trial|return\s+date|conference|"
                r"meeting\s+of\s+creditors)\b|(?:la\s+)?audiencia|(?:el\s+)?juicio"),
    ("filing", r"(?:the\s+)?(?:date\s+of\s+)?(?:the\s+)?filing\b|(?:the\s+)?(?:complaint|petition|motion)\s+(?:is|was)\s+filed|it\s+(?:is|was)\s+filed"),
    ("mailing", r"(?:the\s+)?(?:date\s+of\s+)?mailing\b|(?:it\s+|this\s+\w+\s+)?(?:was|is)\s+mailed"),
    ("docketing", r"(?:the\s+)?(?:date\s+of\s+)?docketing\b"),
]
_ANCHOR_RES = [(name, re.compile(rf"\s*(?:{rx})", re.I)) for name, rx in _ANCHORS]
_ANCHOR_WORDS = {"notice": "the date of this document", "service": "service", "receipt": "receipt of the papers",
                 "entry": "entry of the order or judgment", "hearing": "the hearing", "filing": "filing",
                 "mailing": "mailing", "docketing": "docketing"}
_NOT_AN_ACT = re.compile(r"(?:hearing|trial|conference)\s+(?:will|shall|must)\s+be\s+(?:held|scheduled|set)|"
                         r"will\s+be\s+updated|records\s+will", re.I)
_OBLIGATION = re.compile(r"\b(?:must|shall|required|have|has|may|should|need|needs|deben?|tiene|puede|due|deadline|"
                         r"file|pay|vacate|quit|respond|answer|appeal|return|serve|submit|complete|show\s+cause)\b", re.I)

_ACT_LABELS = [
    (r"\bappeal", "File an appeal"),
    (r"show\s+cause", "Respond in writing (show cause)"),
    (r"counterclaim", "File a counterclaim"),
    (r"\bjury\b", "File a demand for a jury trial"),
    (r"interrogator|discovery|requests?\s+for\s+production", "Answer the discovery requests"),
    (r"firearm|guns?\b|weapon", "Surrender firearms"),
    (r"\b(?:pay|paying|pagar)\b.{0,80}?\b(?:or|o)\b.{0,40}?\b(?:vacate|quit|move|leave|desocupar)", "Pay what you owe or move out"),
    (r"\b(?:pay|paying|tendering|pagar|pago|payment)\b", "Pay the amount owed"),
    (r"\b(?:vacate|quit|move\s+out|deliver\s+up\s+possession|leave\s+the|desocupar)\b", "Move out"),
    (r"\breply\b", "File a reply"),
    (r"\b(?:object|objection)", "File an objection"),
    (r"\b(?:response|respond|opposition|oppose|responder|respuesta)\b", "File a response"),
    (r"\banswers?\b", "File an answer"),
    (r"\bform\b.{0,60}(?:returned|completed|filed)|(?:return|complete|file)\s+(?:this|the)\s+form|appearance", "Return the completed form"),
    (r"\bmotion\b", "File and serve the motion"),
    (r"\b(?:file|filed|submit)\b", "File papers with the court"),
]
_ACT_LABEL_RES = [(re.compile(rx, re.I | re.S), label) for rx, label in _ACT_LABELS]


def _act_label(sentence: str, before: str = "") -> str:
    """What must be done, from the sentence's words ('File an answer'); the text just before can refine it."""
    label = next((lab for rx, lab in _ACT_LABEL_RES if rx.search(sentence)), "Deadline")
    if label in ("File an answer", "File a response", "Deadline", "File papers with the court") and \
            re.search(r"interrogator|discovery|requests?\s+for\s+production", before, re.I):
        return "Answer the discovery requests"
    if label == "Deadline" and re.search(r"\bcomments?\b", sentence, re.I):
        return "Send comments"
    return label


def _parse_num(s: str) -> int | None:
    s = s.lower().strip()
    m = re.search(r"\(\s*(\d{1,3})\s*\)", s)
    if m:
        return int(m.group(1))
    if s.isdigit():
        return int(s)
    parts = re.split(r"[\s-]+", s)
    total = 0
    for p in parts:
        if p not in _NUM_WORDS:
            return None
        total += _NUM_WORDS[p]
    return total or None


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    return date(y, m, min(d.day, monthrange(y, m)[1]))


def _shift(anchor: date, period: int, unit: str, direction: str) -> date | None:
    sign = 1 if direction == "after" else -1
    try:
        if unit == "days":
            return anchor + timedelta(days=sign * period)
        if unit == "hours":
            return anchor + timedelta(days=sign * math.ceil(period / 24))
        if unit == "months":
            return _add_months(anchor, sign * period)
        if unit == "court_days":
            d, left = anchor, period
            while left > 0:
                d += timedelta(days=sign)
                if d.weekday() < 5:
                    left -= 1
            return d
    except (OverflowError, ValueError):
        return None
    return None


def _fmt(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def _classify_anchor(anchor_text: str) -> str | None:
    for name, rx in _ANCHOR_RES:
        if rx.match(anchor_text):
            return name
    return None


_REL_TRIGGER = re.compile(r"\b(?:days?|hours?|weeks?|months?|d[íi]as|horas|semanas|meses)\b", re.I)


def _relative_deadlines(doc: _Doc, known: dict[str, date | None]) -> list[dict]:
    text = doc.text
    out = []
    wins = _windows(text, _REL_TRIGGER, 80, 140)
    examined = 0
    for rx in (_REL_EN, _REL_ES):
        for m in _finditer_in(rx, text, wins):
            examined += 1
            if len(out) >= MAX_ITEMS or examined > 3 * MAX_ITEMS:
                break
            period = _parse_num(m.group("num"))
            if not period or period > 400:
                continue
            unit_word = m.group("unit").lower()
            qual = (m.group("qual") or "").lower()
            if unit_word.startswith(("hour", "hora")):
                unit = "hours"
            elif unit_word.startswith(("week", "seman")):
                unit, period = "days", period * 7
            elif unit_word.startswith(("month", "mes")):
                unit = "months"
            elif qual and not qual.startswith(("calendar", "natural")):
                unit = "court_days"
            else:
                unit = "days"
            dir_word = m.group("dir").lower()
            direction = "before" if dir_word.startswith(("before", "prior", "antes")) else "after"
            anchor = _classify_anchor(m.group("anchor"))
            if anchor is None:
                continue
            ss, se = doc.sentence_span(m.start(), m.end())
            sentence = text[ss:se]
            if _NOT_AN_ACT.search(sentence) or not _OBLIGATION.search(sentence):
                continue
            lead = (m.groupdict().get("lead") or "").lower()
            if rx is _REL_EN and not lead and not re.search(r"\b(?:must|shall|required)\b", sentence, re.I):
                continue
            label = _act_label(sentence, text[max(0, ss - 300):ss])
            anchor_date = known.get(anchor)
            rule = {"period": period, "unit": unit, "direction": direction, "anchor": anchor}
            unit_words = {"days": "days", "court_days": "court days", "hours": "hours", "months": "months"}[unit]
            what = f"{period} {unit_words} {direction} {_ANCHOR_WORDS[anchor]}"
            due = _shift(anchor_date, period, unit, direction) if anchor_date else None
            if due is not None:
                counted = ("Counted in calendar days" if unit in ("days", "hours", "months")
                           else "Counted in weekdays")
                basis = (f"{what} ({_ANCHOR_WORDS[anchor]}: {anchor_date.isoformat()}). {counted}; court holidays "
                         f"were not checked, and a deadline that falls on a weekend or holiday may move. "
                         f"Confirm the date with the court.")
            else:
                basis = (f"{what}. The document does not say when that happened, so the date could not be "
                         f"worked out. Write down the date of {_ANCHOR_WORDS[anchor]} and count from it, "
                         f"or ask the court clerk.")
            out.append({"due_date": due.isoformat() if due else None, "label": label,
                        "quote": doc.sentence_quote(m.start(), m.end()), "basis": basis, "rule": rule,
                        "_pos": m.start()})
    return out


def _explicit_deadlines(doc: _Doc, dates: list[dict], doc_date: date | None) -> list[dict]:
    out = []
    for d in dates:
        if d["label"] != "due":
            continue
        if doc_date is not None and d["date"] < doc_date:
            continue                  # "the rent due on November 1" in a notice of December 1: history, not a deadline
        ss, se = doc.sentence_span(d["start"], d["end"])
        sentence = doc.text[ss:se]
        if not _OBLIGATION.search(sentence):
            continue
        out.append({"due_date": d["date"].isoformat(), "label": _act_label(sentence, doc.text[max(0, ss - 300):ss]),
                    "quote": doc.sentence_quote(d["start"], d["end"]),
                    "basis": "The document gives this date. Confirm it with the court.", "_pos": d["start"]})
    return out


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


# ----------------------------------------------------------------------------- courts

_STATES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|District of Columbia|Florida|"
           "Georgia|Guam|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|"
           "Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
           "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Puerto Rico|Rhode Island|"
           "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virgin Islands|Virginia|Washington|"
           "West Virginia|Wisconsin|Wyoming")
_STATE_RX = _STATES.replace(" ", r"\s+")
_CIRCUITS = r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|federal|district\s+of\s+columbia|d\.\s?c\."
_DIRS = r"northern|southern|eastern|western|middle|central"
_CAPWORD = r"[A-Z][\w.'’\-]*"

_COURT_RES = [
    ("fed_app", re.compile(rf"(?:united\s+states\s+|u\.\s?s\.\s+)?court\s+of\s+appeals,?\s+(?:for\s+the\s+)?(?P<cir>{_CIRCUITS})\s+circuit", re.I)),
    ("fed_dist", re.compile(rf"(?:united\s+states|u\.\s?s\.)\s+(?P<kind>district|bankruptcy)\s+court(?:\s+for\s+the)?\s+"
                            rf"(?:(?:for\s+the\s+)?(?P<dir>{_DIRS})\s+)?district\s+of\s+(?P<state>{_STATE_RX})\b", re.I)),
    ("fed_dist2", re.compile(rf"(?:united\s+states|u\.\s?s\.)\s+(?P<kind>district|bankruptcy)\s+court\s*[,\-–—]?\s+"
                             rf"(?P<state>{_STATE_RX})\s+(?:(?P<dir>{_DIRS})\s+)?district\b", re.I)),
    ("fed_dist3", re.compile(r"(?:united\s+states|u\.\s?s\.)\s+(?P<kind>district|bankruptcy)\s+court\b", re.I)),
    ("supreme", re.compile(rf"supreme\s+court\s+(?P<app>of\s+appeals\s+)?of\s+(?:the\s+)?(?P<state>united\s+states|{_STATE_RX})\b", re.I)),
    ("state_app", re.compile(rf"(?:(?<![\w])(?P<state>{_STATE_RX})\s+)?court\s+of\s+appeals?(?:\s+of\s+(?P<state2>{_STATE_RX}))?\b", re.I)),
    ("state", re.compile(
        rf"(?P<kind>circuit|superior|district|county|municipal|probate(?:\s+and\s+family)?|family|magistrate|chancery|"
        rf"justice|small\s+claims|housing|juvenile|common\s+pleas|civil|land|surrogate'?s?|justice\s+of\s+the\s+peace)\s+court"
        rf"(?:\s+(?P<conn>of|for|in\s+and\s+for)\s+(?P<the>the\s+)?(?P<place>(?:city\s+(?:and|&)\s+county\s+of\s+)?{_CAPWORD}(?:[ \t]+{_CAPWORD}){{0,3}}))"
        rf"(?:\s*,\s*(?:state\s+of\s+)?(?P<state>{_STATE_RX})\b)?"
        rf"(?P<county>,\s+county\s+of\s+{_CAPWORD}(?:\s+{_CAPWORD}){{0,2}})?", re.I)),
    ("bare", re.compile(
        r"(?<![\w'’\-])(?P<pre>(?:(?:\d{1,3}(?:st|nd|rd|th|ST|ND|RD|TH)|[A-Z][A-Za-z'’\-]+)[ \t]+){0,3})(?P<kind>District|Municipal|Housing|Probate\s+and\s+Family|Juvenile|Land|"
        r"Superior|Small\s+Claims|Justice|Magistrate|DISTRICT|MUNICIPAL|HOUSING|PROBATE\s+AND\s+FAMILY|JUVENILE|LAND|"
        r"SUPERIOR|SMALL\s+CLAIMS|MAGISTRATE)\s+(?P<court>Court|COURT)(?P<dept>\s+(?:Department|DEPARTMENT))?")),
    ("tribunal", re.compile(
        rf"Tribunal\s+(?P<kind>Superior|de\s+Distrito|Municipal|de\s+Reclamos\s+Menores|Supremo)\s+(?:de|del)\s+"
        rf"(?P<place>{_STATE_RX}|[A-ZÁÉÍÓÚ][\wáéíóúñ]+(?:\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+){{0,2}})"
        rf"(?P<county>,\s+Condado\s+de\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+(?:\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+){{0,2}})?")),
]
_COURT_TRIGGER = re.compile(r"\bcourt\b|\btribunal\b", re.I)
_BARE_DISTINCT = {"municipal", "housing", "probate and family", "juvenile", "land", "small claims"}
_BARE_STOP = {"the", "in", "of", "for", "and", "a", "an", "this", "that", "said", "any", "each", "to", "at", "by",
              "from", "with", "other", "state", "your", "our", "their", "its", "his", "her", "see", "before",
              "check", "court", "one", "all", "local", "commonwealth", "trial", "audio", "pilot", "if", "no"}
_SMALL = {"of", "the", "for", "and", "in", "de", "del", "la", "los", "las", "y", "on", "at"}


def _title(s: str) -> str:
    words = _squash(s).split(" ")
    out = []
    for i, w in enumerate(words):
        lw = w.lower()
        if i > 0 and lw in _SMALL:
            out.append(lw)
        elif w.isupper() and len(w) > 1 and not re.fullmatch(r"(?:[A-Z]\.)+[A-Z]?\.?", w):
            out.append(w[0] + w[1:].lower())
        elif w.islower():
            out.append(w[:1].upper() + w[1:])
        else:
            out.append(w)
    return " ".join(out)


def _cap_ok(matched: str, words: tuple[str, ...] = ("court",)) -> bool:
    """The court words are capitalized (so 'the district court' in prose is not a court name)."""
    for w in re.findall(r"[A-Za-z]+", matched):
        if w.lower() in words and not w[0].isupper():
            return False
    return True


def _trim_place(place: str) -> str:
    words = _squash(place).split(" ")
    kept = []
    for w in words:
        if w.lower() in ("of", "and", "&") and kept:
            kept.append(w)
            continue
        if not w[:1].isupper():
            break
        if w.rstrip(",.").lower() in ("civil", "action", "case", "no", "division", "docket", "judge", "plaintiff",
                                      "defendant", "petitioner", "respondent", "in", "on", "at", "for"):
            break
        kept.append(w)
        if w.lower() == "county":
            break
    while kept and kept[-1].lower() in ("of", "and", "&"):
        kept.pop()
    return " ".join(kept).rstrip(",.")


def _court_name(kind: str, m: re.Match) -> str | None:
    g = m.groupdict()
    if kind == "fed_app":
        cir = _squash(g["cir"]).lower()
        cir = "District of Columbia" if cir.startswith(("district", "d.")) else cir.capitalize()
        return f"United States Court of Appeals for the {cir} Circuit"
    if kind in ("fed_dist", "fed_dist2"):
        dir_ = f"{g['dir'].capitalize()} " if g.get("dir") else ""
        return f"United States {g['kind'].capitalize()} Court for the {dir_}District of {_title(g['state'])}"
    if kind == "fed_dist3":
        return f"United States {g['kind'].capitalize()} Court"
    if kind == "supreme":
        state = _title(g["state"])
        if state.lower().startswith("united"):
            return "Supreme Court of the United States"
        return f"Supreme Court {'of Appeals ' if g.get('app') else ''}of {state}"
    if kind == "state_app":
        st = g.get("state") or g.get("state2")
        if not st:
            return None
        return f"{_title(st)} Court of Appeals" if g.get("state") else f"Court of Appeals of {_title(st)}"
    if kind == "state":
        k = _title(g["kind"])
        place = _trim_place(g.get("place") or "")
        if not place:
            return None
        conn = _squash(g["conn"]).lower()
        the = "the " if g.get("the") else ""
        name = f"{k} Court {conn} {the}{_title(place)}"
        if g.get("state") and g["state"].lower() not in place.lower():
            name += f", {_title(g['state'])}"
        if g.get("county"):
            county = _trim_place(re.sub(r"(?i)^,\s+county\s+of\s+", "", g["county"]))
            if county:
                name += f", County of {_title(county)}"
        return name
    if kind == "bare":
        pre = [w for w in _squash(g.get("pre") or "").split(" ") if w]
        while pre and pre[0].lower().strip("’'") in _BARE_STOP:
            pre.pop(0)
        if any(w.lower() in _BARE_STOP for w in pre):
            pre = pre[[i for i, w in enumerate(pre) if w.lower() in _BARE_STOP][-1] + 1:]
        k = _squash(g["kind"]).lower()
        if not pre and k not in _BARE_DISTINCT:
            return None
        dept = " Department" if g.get("dept") else ""
        return _title(" ".join(pre + [g["kind"], "Court"])) + dept
    if kind == "tribunal":
        name = f"Tribunal {_squash(g['kind'])} de {_squash(g['place'])}"
        if g.get("county"):
            name += _squash(g["county"])
        return name
    return None


@functools.lru_cache(maxsize=1)
def _courts_db_patterns():
    """courts-db's compiled patterns, loaded once (about half a second the first time)."""
    try:
        import courts_db
        from courts_db.text_utils import strip_punc

        return list(courts_db.regexes), strip_punc
    except Exception:  # courts-db missing or broken: names still work without ids
        log.warning("courts-db unavailable; courts will have no courts_db_id", exc_info=True)
        return [], None


_JURIS_STATE = {"US-" + abbr: name for abbr, name in (
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"),
    ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
    ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
    ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"),
    ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"),
    ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"),
    ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"))}


@functools.lru_cache(maxsize=512)
def _courts_db_id(name: str, jurisdiction: str | None) -> str | None:
    patterns, strip_punc = _courts_db_patterns()
    if not patterns or strip_punc is None:
        return None
    s = strip_punc(name)
    bankruptcy = "bankruptcy" in name.lower()
    hits = []
    for regex, court_id, _cname, court_type, location, parent in patterns:
        if (court_type == "bankruptcy") != bankruptcy:
            continue
        if regex.fullmatch(s):
            hits.append((court_id, location, parent))
    ids = sorted({h[0] for h in hits})
    parents = {h[2] for h in hits if h[2]}
    ids = [i for i in ids if i not in parents] or ids
    if len(ids) > 1 and jurisdiction in _JURIS_STATE:
        loc = _JURIS_STATE[jurisdiction]
        narrowed = sorted({h[0] for h in hits if h[1] == loc and h[0] in ids})
        ids = narrowed or ids
    return ids[0] if len(ids) == 1 else None


def _court_key(name: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", name.lower()).replace("united states", "us").strip()


def _courts(doc: _Doc, jurisdiction: str | None) -> list[dict]:
    text = doc.text
    taken = _Taken(len(text))
    items: list[dict] = []
    wins = _windows(text, _COURT_TRIGGER, 130, 160)
    for kind, rx in _COURT_RES:
        for m in _finditer_in(rx, text, wins):
            s, e = m.span()
            if taken.overlaps(s, e):
                continue
            if kind not in ("bare", "tribunal") and not _cap_ok(m.group(0), ("court", "appeals")):
                continue
            name = _court_name(kind, m)
            if not name:
                continue
            if kind == "state":
                # keep the span to what the name used (the place may have been trimmed)
                e = s + len(m.group(0))
            taken.take(s, e)
            items.append({"name": name, "quote": doc.quote(s, e), "_pos": s})
    items.sort(key=lambda x: x["_pos"])
    out: list[dict] = []
    seen: set[str] = set()
    for it in items:
        key = _court_key(it["name"])
        if key in seen:
            continue
        seen.add(key)
        if len(out) >= MAX_ITEMS:
            break
        dup = None
        for o in out:
            ok = _court_key(o["name"])
            if ok == key or ok.startswith(key) or key.startswith(ok):
                dup = o
                break
        if dup is not None:
            if len(it["name"]) > len(dup["name"]) and _court_key(it["name"]).startswith(_court_key(dup["name"])):
                # a fuller form of a court seen earlier ("..., West Virginia"): keep the fuller name
                if dup["name"] == "United States District Court" or "," in it["name"]:
                    dup["name"], dup["quote"] = it["name"], it["quote"]
            continue
        out.append(it)
    for it in out:
        cid = _courts_db_id(it["name"], jurisdiction)
        if cid:
            it["courts_db_id"] = cid
    return out


# ---------------------------------------------------------------------------- parties

_ROLE_WORDS = {
    "plaintiff": "PLAINTIFF", "plaintiffs": "PLAINTIFF", "defendant": "DEFENDANT", "defendants": "DEFENDANT",
    "petitioner": "PETITIONER", "petitioners": "PETITIONER", "respondent": "RESPONDENT", "respondents": "RESPONDENT",
    "landlord": "LANDLORD", "landlords": "LANDLORD", "tenant": "TENANT", "tenants": "TENANT",
    "owner": "LANDLORD", "lessor": "LANDLORD", "lessee": "TENANT",
    "appellant": "OTHER", "appellants": "OTHER", "appellee": "OTHER", "appellees": "OTHER",
    "debtor": "OTHER", "debtors": "OTHER", "creditor": "OTHER", "creditors": "OTHER",
    "demandante": "PLAINTIFF", "demandantes": "PLAINTIFF", "demandado": "DEFENDANT", "demandada": "DEFENDANT",
    "demandados": "DEFENDANT", "arrendador": "LANDLORD", "arrendadora": "LANDLORD", "inquilino": "TENANT",
    "inquilina": "TENANT", "arrendatario": "TENANT", "arrendataria": "TENANT",
    "counter-plaintiff": "PLAINTIFF", "counter-defendant": "DEFENDANT", "intervenor": "OTHER",
    "trustee": "OTHER", "undertenant": "TENANT", "undertenants": "TENANT",
}
_ROLE_ALT = "|".join(sorted((re.escape(k) for k in _ROLE_WORDS), key=len, reverse=True))
_ROLE_LINE = re.compile(rf"^(?:and\s+)?(?P<role>{_ROLE_ALT})(?:\(s\)|s)?(?:\s*[/-]\s*[A-Za-z]+(?:\(s\))?)?\s*[.,;]?$", re.I)
_INLINE_ROLE = re.compile(rf"^(?P<name>.{{2,90}}?),\s+(?P<role>{_ROLE_ALT})(?:\(s\)|s)?\s*[.,;]?$", re.I)
_LABELED_PARTY = re.compile(
    rf"^[ \t]*(?:[A-Z][a-z]+[ \t]+)?(?P<role>{_ROLE_ALT})(?:[ \t]*/[ \t]*(?:{_ROLE_ALT}))?(?:[ \t]*\d)?(?:\(s\))?(?:'s\s+name)?[ \t]*:[ \t]*"
    rf"(?P<name>[^\r\n]{{2,140}})$", re.I | re.M)
# "NOTICE TO DEFENDANT: (AVISO AL DEMANDADO):" with the name on the next line
_ROLE_LABEL_LINE = re.compile(
    rf"^[ \t]*(?:notice\s+to|you\s+are\s+being\s+sued\s+by)[ \t]+(?P<role>{_ROLE_ALT})(?:\(s\))?[ \t]*:[ \t]*(?:\([^)\r\n]*\)[ \t]*:?[ \t]*)?$",
    re.I | re.M)
_LABELED_LAWYER = re.compile(r"^[ \t]*(?:[A-Z][\w']*[ \t]+)?(?:attorney|counsel|lawyer|abogad[oa])[ \t]*:[ \t]*(?P<name>[^\r\n,]{2,80})",
                             re.I | re.M)
# 'Defendant Midwest Consumer Finance Corp. ("Midwest")', 'against Acme Corp. ("Acme") and Beta, Inc. ("Beta")'
_DEFINED_PARTY = re.compile(
    rf"\b(?P<cue>{_ROLE_ALT}|against)(?:s)?,?\s+(?P<name>[A-Z][\w.,&'’ -]{{1,80}}?(?:\n[ \t]*[\w.,&'’ -]{{1,40}}?)?)\s*\(\s*[\"“](?P<short>[^\"”\n]{{1,30}})[\"”]\s*\)"
    rf"(?:,?\s+and\s+(?P<name2>[A-Z][\w.,&'’ -]{{1,80}}?)\s*\(\s*[\"“][^\"”\n]{{1,30}}[\"”]\s*\))?")
_COLLECTOR = re.compile(r"(?P<name>[A-Z][\w.,&'’ -]{2,60}?)\s+is\s+a\s+debt\s+collector|"
                        r"(?:debt|money|amount)\s+(?:that\s+)?you\s+owe\s+to\s+(?P<creditor>[A-Z][\w.,&'’ -]{2,60}?)[.;]")
_CAPTION_LABEL = re.compile(r"^[ \t]*(?:case\s+name|short\s+title|caption|case\s+style|re|in\s+re|matter|asunto|caso)[ \t]*:[ \t]*(?P<rest>[^\r\n]*)$",
                            re.I | re.M)
_SIGNAL = re.compile(r"(?:see|cf\.|e\.g\.|but\s+see|accord|compare|citing|quoting|in)\b", re.I)
_V_SPLIT = re.compile(r"\s+(?:v\.?|vs\.?|versus|contra|c\.)\s+", re.I)
_IN_RE = re.compile(r"^[ \t]*In\s+re:?\s+(?P<name>[A-Z][^\r\n]{1,80}?)(?=\s{2,}|\s+(?:No\.|Case|Docket|Bankr)|[ \t]*$)", re.M)
_TO_FROM = re.compile(r"^[ \t]*(?P<which>To|TO|Para|PARA|From|FROM|De|DE|Landlord|Tenant)[ \t]*:[ \t]*(?:\((?P<paren>[^)]*)\)[ \t]*)?(?P<name>[^\r\n]{2,140})$",
                      re.M)
_ATTY_FOR = re.compile(r"^[ \t]*(?:attorneys?|counsel|abogad[oa]s?)[ \t]+(?:of[ \t]+record[ \t]+)?(?:for|para|de)[ \t]+(?:the[ \t]+)?(?P<rest>[^\r\n]{0,100})",
                       re.I | re.M)
_SIGNED = re.compile(r"(?:^|[ \t])/?s/[ \t]*(?P<name>[A-Z][A-Za-z.'’\-]{0,30}(?:[ \t]+[A-Z][A-Za-z.'’\-]{0,30}){1,3})", re.M)
_ESQ = re.compile(r"(?<![A-Za-z'’\-])(?P<name>[A-Z][a-zA-Z'’\-]{1,30}\.?(?:[ \t]+[A-Z][a-zA-Z'’\-]{0,30}\.?){1,3}),?[ \t]+Esq(?:uire|\.)?(?![a-z])")
_NAME_ADDRESS_ARE = re.compile(r"attorney,?\s+whose\s+name\s+and\s+address\s+(?:are|is)\s*:?\s*$", re.I)
_ATTORNEY_IS = re.compile(r"\battorney\b[^.:\n]{0,60}(?:\n[^.:\n]{0,60})?\b(?:is|are)\s*:[ \t]*(?P<rest>[^\r\n]*)", re.I)
_END_OF_RECIPIENTS = re.compile(r"notice\s+has|following\s+document|document\s+description", re.I)
_MAILED_TO = re.compile(r"(?:electronically\s+)?mailed\s+to\s*:?\s*$", re.I)
_PERSON = re.compile(r"^(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.)(?:\s+(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.?|de|del|la|van|von|der|da)){1,4}"
                     r"(?:,?\s+(?:Jr\.?|Sr\.?|II|III|IV|Esq\.?))?$")
_FIRM_WORDS = re.compile(r"\b(?:LLP|LLC|L\.L\.C\.|PLLC|P\.L\.L\.C\.|P\.C\.|P\.A\.|LAW|OFFICES?|GROUP|FIRM|ASSOCIATES|STREET|SUITE|AVENUE|"
                         r"BLVD|ROAD|FLOOR|COURT|CLERK|JUDGE|COUNTY|DISTRICT|DIVISION|STATE|UNITED|RESPECTFULLY|SUBMITTED|"
                         r"DATED|ATTORNEYS?|COUNSEL|CENTER|BUILDING|PLAZA|CERTIFICATE|SERVICE|INC|CORP|COMPANY|BANK|"
                         r"CORPORATION|SCHOOL|DEPARTMENT|ONE|ITS|OF|THE|AND|FOR|BY|TO)\b", re.I)
_NAME_TRAIL_ABBR = re.compile(r"(?:\b(?i:Inc|Corp|Co|Ltd|Jr|Sr|Bros|L\.L\.C|L\.L\.P|N\.A|P\.C|P\.A|S\.A|Cía|Esq)\.|\b[A-Z]\.)$")
_HEADINGS = re.compile(r"\b(?:court|case|no\.|number|summons|complaint|order|motion|notice|judgment|division|county|"
                       r"district\s+of|circuit|united\s+states|parish|"
                       r"commonwealth|state\s+of|docket|civil\s+action|jury|trial|petition|hearing|section|article|"
                       r"re:|page|exhibit|plaintiffs?|defendants?|v\.|vs\.?)(?![\w])", re.I)


def _clean_name(raw: str) -> str | None:
    s = _squash(raw)
    s = re.sub(r"\((?:[^()]*)\)", " ", s)            # (Arrendador), ("Midwest"), (BBO No. 1)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = _squash(s)
    s = re.sub(r"^(?:and|&|to|c/o|attn:?|by:?|/s/|s/)\s+", "", s, flags=re.I)
    s = re.sub(r",?\s+et\s+al\.?.*$", "", s, flags=re.I)
    s = re.sub(rf",?\s+(?:the\s+)?(?:{_ROLE_ALT})(?:\(s\)|s)?\.?\s*$", "", s, flags=re.I)
    s = re.sub(r",\s+(?:an?|the)\s+[a-z][^,]*$", "", s)       # ", a Delaware corporation"
    s = re.sub(r",?\s+(?:individually|personally|pro\s+se)\b.*$", "", s, flags=re.I)
    s = re.sub(r"\s+(?:and|y)\s+(?:all\s+)?(?:other\s+|todos\s+los\s+dem[áa]s\s+)?(?:occupants|ocupantes|tenants).*$", "", s, flags=re.I)
    s = s.strip(" ,;:-–—\t")
    if s.endswith(".") and not _NAME_TRAIL_ABBR.search(s):
        s = s[:-1].rstrip()
    if not (2 <= len(s) <= 100):
        return None
    if re.search(r"\d|@|_{2,}|https?:|www\.", s):
        return None
    letters = re.findall(r"[^\W\d_]", s)
    if len(letters) < 2:
        return None
    if re.search(r"^[\"“].*[\"”]$|^does?\s+(?:\d|[ivx]+\b)|\bdoes\s+\d+\s*(?:to|-|through)\s*\d+", s, re.I):
        return None                                  # '"JOHN DOE"', 'DOES 1 TO 10': placeholders
    s = s.strip('"“”')
    low = s.lower()
    if low in ("the above-named", "above-named respondents", "client", "clerk", "tenant", "landlord", "occupants",
               "all occupants", "name", "name of party", "unknown", "the court", "court staff"):
        return None
    if re.match(r"^(?:the|a|an|this|your|my|our|all|any)\b", low) and not re.search(r"\b(?:inc|llc|corp|company|bank|trust)\b", low):
        return None
    return s


_KEEP_UPPER = {"LLC", "LLP", "PLLC", "LP", "L.P.", "N.A.", "P.C.", "P.A.", "P.L.L.C.", "L.L.C.", "USA", "U.S.", "II",
               "III", "IV", "DBA", "FSB", "NA", "PC", "PA", "LTD.", "USAA", "CT", "US"}


def _display_name(name: str) -> str:
    """'RIVERSIDE APARTMENTS, LLC' -> 'Riverside Apartments, LLC' (names in mixed case are left alone)."""
    letters = [c for c in name if c.isalpha()]
    if not letters or any(c.islower() for c in letters):
        return name
    out = []
    for word in name.split(" "):
        core = word.rstrip(",;")
        tail = word[len(core):]
        if core.upper() in _KEEP_UPPER or (len(core) <= 2 and core.endswith(".")):
            out.append(core + tail)
            continue
        w = core.lower()
        w = re.sub(r"(^|[-'’])([a-z])", lambda m: m.group(1) + m.group(2).upper(), w)
        w = re.sub(r"^(Mc)([a-z])", lambda m: m.group(1) + m.group(2).upper(), w)
        out.append(w + tail)
    return " ".join(out)


def _name_key(name: str) -> str:
    s = re.sub(r"[^\w\s]", " ", name.lower())
    s = re.sub(r"\b(?:et al|esq|jr|sr)\b", " ", s)
    return _squash(s)


def _same_person(a: str, b: str) -> bool:
    """'Reginald A. Williamson' and 'Reginald Ashton Williamson' are the same person."""
    ta, tb = _name_key(a).split(), _name_key(b).split()
    if len(ta) < 2 or len(tb) < 2 or ta[0] != tb[0] or ta[-1] != tb[-1]:
        return False
    ma, mb = ta[1:-1], tb[1:-1]
    if not ma or not mb:
        return len(ma) == len(mb)
    return all(x[0] == y[0] for x, y in zip(ma, mb)) and len(ma) == len(mb)


def _left_column(line: str) -> tuple[str, int]:
    """The caption's left column of a line (text before a ')' rule or a wide gap), and its indent."""
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    cut = re.search(r"\s{3,}|\s+\)|\s+\|\s|\s§\s", stripped)
    left = stripped[:cut.start()] if cut else stripped
    return left.strip(), indent


def _split_names(joined: str) -> list[str]:
    parts = re.split(r";\s*|,?\s+and\s+(?=[A-Z])|,?\s+&\s+(?=[A-Z][A-Z]+\b(?!\s*(?:CO|COMPANY|SONS)\b))", joined)
    return [p for p in parts if p.strip()]


def _parties(doc: _Doc, ctx: dict) -> list[dict]:
    """Parties and lawyers, from captions, labelled fields, notices and signature blocks."""
    found: list[dict] = []
    for finder in (_caption_block_parties, _caption_line_parties, _labelled_parties, _notice_parties,
                   _body_parties, _lawyer_parties):
        for raw, role, qs, qe in finder(doc, ctx):
            name = _clean_name(raw)
            if name:
                found.append({"name": _display_name(name), "role": role, "quote": doc.quote(qs, qe), "_pos": qs})
    return _merge_parties(found)


def _caption_block_parties(doc: _Doc, ctx: dict):
    """JOHN DOE, / Plaintiff, / v. / ACME LLC, / Defendant.  (a role line with the name lines above it)"""
    text, lines = doc.text, doc.lines
    for i in range(min(len(lines), 4000)):
        ls, le = lines[i]
        left, indent = _left_column(text[ls:le])
        if not left or len(left) > 40 or indent > 40:
            continue
        m = _ROLE_LINE.match(left)
        if not m:
            inline = _INLINE_ROLE.match(left)        # "JOHN DOE, Plaintiff," on one line
            if inline and ":" not in inline.group("name") and not _HEADINGS.search(inline.group("name")):
                yield inline.group("name"), _ROLE_WORDS.get(inline.group("role").lower(), "OTHER"), ls, le
            continue
        role = _ROLE_WORDS.get(m.group("role").lower(), "OTHER")
        names: list[tuple[str, int, int]] = []
        skipped = 0
        j = i - 1
        while j >= 0 and i - j <= 6:
            js, je = lines[j]
            if names and text.count("\n", je, lines[j + 1][0]) > 1:
                break                               # a blank line ends the name block
            l2, ind2 = _left_column(text[js:je])
            if not l2 or ind2 >= 30 or re.fullmatch(r"[)\s|:§_-]*", l2):
                if names or skipped >= 2:           # the right column, or a ")" rule line
                    break
                skipped += 1
                j -= 1
                continue
            if re.fullmatch(r"-?\s*(?:v\.?|vs\.?|versus|against|contra|and|&)\s*-?", l2, re.I) or _ROLE_LINE.match(l2):
                break
            if sum(c.isalpha() for c in l2) < 0.5 * len(l2.replace(" ", "")):
                break                               # a rule line: "-----------x"
            if _HEADINGS.search(l2) and not re.search(r"\b(?:inc|llc|corp|co|company|bank|n\.a)\b", l2, re.I):
                break
            names.insert(0, (l2, js, je))
            j -= 1
        if names:
            qs, qe = names[0][1], names[-1][2]
            for part in _split_names(" ".join(n for n, _, _ in names)):
                yield part, role, qs, qe


def _caption_line_parties(doc: _Doc, ctx: dict):
    """'Case Name: X v. Y', 'Short Title:', 'Re: X v. Y', a one-line caption near the top, 'In re: X'."""
    text, lines = doc.text, doc.lines
    ra, rb = _caption_roles(ctx)
    for m in _CAPTION_LABEL.finditer(text):
        value, vs = m.group("rest").strip(), m.start("rest")
        k = doc.line_index(m.start()) + 1
        if not value and k < len(lines):
            value, vs = doc.line_text(k).strip(), lines[k][0]
            k += 1
        ve = vs + len(value)
        while k < len(lines) and value:             # the value may wrap onto the next line
            nxt = doc.line_text(k).strip()
            wraps = value.endswith((",", " v.", " vs.")) or re.search(r"\bv\.?\s+\S+\s*$", value)
            if wraps and nxt and ":" not in nxt and not re.search(r"\d|court|no\.", nxt, re.I) and len(nxt) <= 40:
                value, ve = value + " " + nxt, lines[k][1]
                k += 1
                continue
            break
        if not _V_SPLIT.search(value):
            continue
        a, b = _V_SPLIT.split(value, maxsplit=1)
        for part in _split_names(a):
            yield part, ra, vs, ve
        for part in _split_names(b):
            yield part, rb, vs, ve
    for i in range(min(len(lines), 60)):
        ls, le = lines[i]
        if ls > 6000:
            break
        line = text[ls:le].strip()
        if len(line) > 160 or ":" in line or line.endswith(",") or _SIGNAL.match(line) or \
                re.search(r"\d+\s+[A-Z][\w.]*\s+\d+|\(\d{4}\)|_{3,}", line):
            continue                                # a citation ("550 U.S. 544"), a blank form, a wrapped line
        mm = re.match(r"^(?P<a>[A-Z][^\r\n]{1,80}?)\s+(?:v\.?|vs\.?|versus)\s+(?P<b>[A-Z][^\r\n]{1,80}?)$", line)
        if mm:
            yield mm.group("a"), ra, ls, le
            yield mm.group("b"), rb, ls, le
    for m in _IN_RE.finditer(text, 0, min(len(text), 8000)):
        yield m.group("name"), "OTHER", m.start(), m.end()


def _labelled_parties(doc: _Doc, ctx: dict):
    """'Plaintiff: Brian O'Connell, 18 Hancock Street' and 'NOTICE TO DEFENDANT:' with the name below."""
    text, lines = doc.text, doc.lines
    for m in _LABELED_PARTY.finditer(text):
        raw = re.split(r",\s*(?=\d)|\s{3,}|\t", m.group("name"))[0]
        yield raw, _ROLE_WORDS.get(m.group("role").lower(), "OTHER"), m.start(), m.end()
    for m in _ROLE_LABEL_LINE.finditer(text):
        li = doc.line_index(m.start())
        if li + 1 < len(lines):
            ns, ne = lines[li + 1]
            for part in re.split(r";\s*", text[ns:ne]):
                yield part, _ROLE_WORDS.get(m.group("role").lower(), "OTHER"), ns, ne


def _notice_parties(doc: _Doc, ctx: dict):
    """'To: Tenant Name' / 'From: Landlord Name, Landlord' (roles from the words, or the landlord-tenant context)."""
    text = doc.text
    lt = ctx.get("landlord_tenant")
    for m in _TO_FROM.finditer(text, 0, min(len(text), 8000)):
        which = m.group("which").lower()
        raw = re.sub(r"<[^<>@\s]+@[^<>\s]+>", "", m.group("name")).strip()   # "Megan Fitch <megan@x.com>"
        if "@" in raw or not raw:
            continue
        paren = (m.group("paren") or "").lower()
        tail = re.search(rf"[,(]\s*(?P<r>{_ROLE_ALT})\s*\)?\s*$", raw, re.I)
        if tail:
            role = _ROLE_WORDS.get(tail.group("r").lower())
        elif "defendant" in paren:
            role = "DEFENDANT"
        elif "tenant" in paren:
            role = "TENANT"
        elif which in ("landlord", "tenant"):
            role = which.upper()
        elif which in ("to", "para"):
            role = "TENANT" if lt else (None if paren else "OTHER")
        elif which in ("from", "de") and lt:
            role = "LANDLORD"
        else:
            role = None
        if role is not None:
            yield re.split(r",\s*(?=\d)|\s{3,}|\t", raw)[0], role, m.start(), m.end()


def _body_parties(doc: _Doc, ctx: dict):
    """Parties named in the text: 'Defendant Acme Corp. ("Acme")', 'X is a debt collector'."""
    head = doc.text[:30_000]
    for m in _DEFINED_PARTY.finditer(head):
        cue = m.group("cue").lower()
        role = "DEFENDANT" if cue == "against" else _ROLE_WORDS.get(cue.rstrip("s"), _ROLE_WORDS.get(cue, "OTHER"))
        for g in ("name", "name2"):
            if m.group(g) and not _HEADINGS.search(m.group(g)):
                yield m.group(g), role, m.start(g), m.end(g)
    for m in _COLLECTOR.finditer(head):
        g = "name" if m.group("name") else "creditor"
        yield m.group(g), "OTHER", m.start(g), m.end(g)


def _lawyer_parties(doc: _Doc, ctx: dict):
    """Signature blocks, '/s/ Name', 'Name, Esq.', 'Debtor's attorney: Name', e-filing notice recipients."""
    text, lines = doc.text, doc.lines
    for m in _LABELED_LAWYER.finditer(text):
        name = re.split(r"\s{3,}|\t", m.group("name"))[0]
        if _PERSON.match(_squash(name)):
            yield name, "ATTORNEY", m.start(), m.end()
    for m in _ATTORNEY_IS.finditer(text):
        rest, rs = m.group("rest").strip(), m.start("rest")
        if not rest:
            li = doc.line_index(m.end())
            if li + 1 >= len(lines):
                continue
            rest, rs = doc.line_text(li + 1).strip(), lines[li + 1][0]
        name = rest.split(",")[0].strip()
        if _PERSON.match(_squash(name)) and not _FIRM_WORDS.search(name):
            yield name, "ATTORNEY", rs, rs + len(rest)
    for m in _ATTY_FOR.finditer(text):
        li = doc.line_index(m.start())
        person = _signature_name(doc, li)
        if person:
            yield person[0], "ATTORNEY", person[1], person[2]
        rm = re.match(rf"(?P<r>{_ROLE_ALT})\s*$", m.group("rest").strip(), re.I)
        if rm and li + 1 < len(lines):              # "Attorney for Appellant" / "Reliable Contracting Group"
            client = doc.line_text(li + 1).strip()
            if client and not re.search(r"\d|@", client) and not _HEADINGS.search(client):
                yield client, _ROLE_WORDS.get(rm.group("r").lower(), "OTHER"), lines[li + 1][0], lines[li + 1][1]
    if re.search(r"\b(?:attorney|counsel|esq\.?|bar\s+no)\b", text, re.I):
        for m in _SIGNED.finditer(text):
            yield m.group("name"), "ATTORNEY", m.start("name"), m.end("name")
    for m in _ESQ.finditer(text):
        yield m.group("name"), "ATTORNEY", m.start(), m.end()
    for i in range(len(lines) - 1):
        if _NAME_ADDRESS_ARE.search(doc.line_text(i)):
            nxt = doc.line_text(i + 1).strip()
            if _PERSON.match(nxt):
                yield nxt, "ATTORNEY", lines[i + 1][0], lines[i + 1][1]
    # e-filing notices: "Notice has been electronically mailed to:" then "Name" / "email, email"
    i = 0
    while i < len(lines):
        if not _MAILED_TO.search(doc.line_text(i)):
            i += 1
            continue
        k = i + 1
        while k < min(len(lines) - 1, i + 600):
            cur = doc.line_text(k).strip()
            if _END_OF_RECIPIENTS.search(cur) or _MAILED_TO.search(cur):
                break
            nxt = doc.line_text(k + 1).strip()
            if "@" not in cur and "@" in nxt and _PERSON.match(_squash(cur)):
                suffix = re.match(r",\s*(Jr\.?|Sr\.?|II|III|IV)\b", nxt)
                if suffix:      # "John F. Cove" / ", Jr  john.cove@..." : the suffix wrapped to the next line
                    yield f"{cur} {suffix.group(1)}", "ATTORNEY", lines[k][0], lines[k + 1][0] + suffix.end()
                else:
                    yield cur, "ATTORNEY", lines[k][0], lines[k][1]
            k += 1
        i = k


def _signature_name(doc: _Doc, li: int) -> tuple[str, int, int] | None:
    """The lawyer's name in the signature block above line li ('/s/ Name' preferred)."""
    best = None
    for j in range(li, max(-1, li - 11), -1):
        line = doc.line_text(j)
        if j < li and re.search(r"respectfully\s+submitted|^\s*dated\b|^\s*date\s*:", line, re.I):
            break
        s, _e = doc.lines[j]
        sm = _SIGNED.search(line)
        if sm:
            return sm.group("name"), s, doc.lines[j][1]
        if j == li:
            continue
        cand = re.sub(r"\([^)]*\)", "", _left_column(line)[0]).strip()
        cand = re.sub(r",?\s+Esq\.?$", "", cand)
        if best is None and _PERSON.match(cand) and not _FIRM_WORDS.search(cand):
            best = (cand, s, doc.lines[j][1])
    return best


def _caption_roles(ctx: dict) -> tuple[str, str]:
    if ctx.get("petition"):
        return "PETITIONER", "RESPONDENT"
    return "PLAINTIFF", "DEFENDANT"


_CORP_SUFFIX = re.compile(r"\s+(?:inc|llc|l l c|corp|corporation|co|company|ltd|n a|p c|p a|pllc|llp|lp)$")


def _merge_parties(found: list[dict]) -> list[dict]:
    out: list[dict] = []
    keys: list[str] = []
    exact: dict[str, dict] = {}
    for p in sorted(found, key=lambda x: x["_pos"]):
        key = _name_key(p["name"])
        if key in exact:
            if exact[key]["role"] == "OTHER" and p["role"] != "OTHER":
                exact[key]["role"] = p["role"]
            continue
        if len(out) >= MAX_ITEMS:
            break
        bare = _CORP_SUFFIX.sub("", key)
        dup = None
        for o, ok in zip(out, keys):
            if ok == key or _CORP_SUFFIX.sub("", ok) == bare or _same_person(o["name"], p["name"]):
                dup = o
                break
        if dup is None:
            out.append(p)
            keys.append(key)
            exact[key] = p
        elif dup["role"] == "OTHER" and p["role"] != "OTHER":
            dup["role"] = p["role"]
    return out


# ---------------------------------------------------------------------------- amounts

_AMOUNT_RES = [
    re.compile(r"(?<![\w.])(?:US\s?\$|\$|USD\s?|US\$)\s?(?P<num>\d{1,3}(?:,\d{3}){1,4}+|\d{1,13}+)(?P<cents>\.\d{1,2})?+(?![\d,]*\d)(?!\.\d)"),
    re.compile(r"(?<![\w.$,])(?P<num>\d{1,3}(?:,\d{3}){1,4}+|\d{1,13}+)(?P<cents>\.\d{2})?[ \t]+(?:dollars|USD|d[óo]lares)\b", re.I),
]
_AMOUNT_LABELS = [
    (r"late\s+(?:fee|charge)s?|recargos?\s+por\s+mora", "late fee"),
    (r"filing\s+fee", "filing fee"),
    (r"attorney'?s?'?\s+fees?|attorneys'\s+fees?|honorarios", "attorney's fees"),
    (r"court\s+costs?|costs?\s+of\s+(?:court|suit)|costas", "court costs"),
    (r"security\s+deposit|dep[óo]sito", "security deposit"),
    (r"child\s+support|spousal\s+support|alimony|manutenci[óo]n", "support payment"),
    (r"monthly\s+rent|renta\s+mensual", "monthly rent"),
    (r"arrears|unpaid\s+rent|rent\s+(?:due|owed|claimed)|back\s+rent|past[\s-]+due\s+rent|renta\s+(?:atrasada|adeudada)|"
     r"rent\b.{0,40}\bowe", "rent owed"),
    (r"per\s+month\b|a\s+month\b|each\s+month\b|al\s+mes\b", "monthly payment"),
    (r"principal(?:\s+balance)?", "principal balance"),
    (r"\bdebt\b", "debt"),
    (r"medical\s+expenses|medical\s+bills", "medical expenses"),
    (r"lost\s+wages", "lost wages"),
    (r"amount\s+in\s+controversy|do(?:es)?\s+not\s+exceed|exceeds?", "amount in controversy"),
    (r"balance(?:\s+due)?|amount\s+(?:due|owed)|you\s+owe|debe\s+la\s+cantidad|saldo", "amount owed"),
    (r"total\s+amount", "total amount"),
    (r"judgment", "judgment amount"),
    (r"damages|demands?\s+judgment|da[ñn]os", "damages"),
    (r"small\s+claim|amount\s+claimed|claim\s+against\s+you", "amount claimed"),
    (r"fees?\b|cost\b|tarifa", "fee"),
    (r"payment|paid|pago", "payment"),
    (r"interest|intereses", "interest"),
    (r"bond|fianza", "bond"),
    (r"fine|multa", "fine"),
    (r"rent|renta|alquiler", "rent"),
    (r"asking\s+for\s+payment|payment\s+of|seeking", "amount demanded"),
]
_GENERIC_AMOUNT_LABELS = {"rent", "fee", "payment", "interest", "amount demanded"}
_AMOUNT_LABEL_RE = re.compile("|".join(f"(?P<g{i}>\\b(?:{rx}))" for i, (rx, _l) in enumerate(_AMOUNT_LABELS)), re.I)


def _amount_label(doc: _Doc, start: int, end: int) -> str:
    text = doc.text
    lo = max(0, start - 90)
    cut = lo
    for m in _SENT_END_RE.finditer(text, lo, start):
        cut = m.end()
    before = text[cut:start]
    # "$875 per month", "$50.00 late fee": a label right after the amount
    rest = text[end:min(len(text), end + 50)]
    line_rest, _nl, next_line = rest.partition("\n")
    if line_rest.strip() and len(line_rest.strip()) < 20:
        line_rest += " " + next_line                     # "$1,980.00 por\nconcepto de renta atrasada"
    after = re.split(r"[.;,(]", _squash(line_rest), maxsplit=1)[0]
    after = re.sub(r"^(?:in|of|for|as|por\s+concepto\s+de|de|en)\s+", "", after.strip(), flags=re.I)
    m = _AMOUNT_LABEL_RE.match(after)
    if m and _AMOUNT_LABELS[int(m.lastgroup[1:])][1] in ("monthly rent", "monthly payment", "late fee", "filing fee",
                                                           "court costs", "attorney's fees", "rent owed",
                                                           "security deposit", "support payment"):
        label = _AMOUNT_LABELS[int(m.lastgroup[1:])][1]
        if label == "monthly payment" and re.search(r"\brent", before, re.I):
            return "monthly rent"
        return label
    # otherwise the nearest label before it, preferring a specific one ("arrears of rent") to a generic one ("rent")
    specific = generic = None
    for m in _AMOUNT_LABEL_RE.finditer(before):
        label = _AMOUNT_LABELS[int(m.lastgroup[1:])][1]
        if label in _GENERIC_AMOUNT_LABELS:
            generic = label
        else:
            specific = label
    return specific or generic or "amount"


def _amounts(doc: _Doc) -> list[dict]:
    text = doc.text
    found: dict[str, dict] = {}
    taken = _Taken(len(text))
    for rx in _AMOUNT_RES:
        for m in rx.finditer(text):
            s, e = m.span()
            if taken.overlaps(s, e):
                continue
            digits = m.group("num").replace(",", "")
            cents = m.group("cents") or ""
            try:
                value = Decimal(digits + cents).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                continue
            if value <= 0 or value >= Decimal("1e12"):
                continue
            taken.take(s, e)
            key = format(value, "f")
            if key in found or len(found) >= MAX_ITEMS:
                continue
            found[key] = {"value": key, "label": _amount_label(doc, s, e), "quote": doc.quote(s, e), "_pos": s}
    return sorted(found.values(), key=lambda x: x["_pos"])


# -------------------------------------------------------------------------- citations

_SUB = r"(?:\s?\([A-Za-z0-9]{1,4}\))*"
_CITE_RES = [
    ("statute", "usc", re.compile(rf"\b(?P<t>\d{{1,2}})\s+U\.\s?S\.\s?C\.(?:\s?A\.)?\s*(?:§§?|[Ss]ec(?:tion|\.)|[Ss]\.)?\s*"
                                 rf"(?P<s>\d+[a-z]?(?:-\d+[a-z]?)?)(?P<sub>{_SUB})")),
    ("other", "cfr", re.compile(rf"\b\d{{1,2}}\s+C\.\s?F\.\s?R\.\s*(?:§§?|[Pp]arts?)?\s*\d+(?:\.\d+)*{_SUB}")),
    ("rule", "rcp", re.compile(rf"\b(?:[A-Z][a-zA-Z]{{0,5}}\.\s?){{1,3}}R\.\s?(?:Civ|Crim|App|Evid|Bankr|Juv|Prob)\.\s?P\.\s?"
                               rf"(?P<n>\d+(?:\.\d+)*){_SUB}", re.I)),
    ("rule", "rcp_long", re.compile(rf"\bFederal\s+Rules?\s+of\s+(?P<k>Civil|Criminal|Appellate|Bankruptcy)\s+Procedure\s+"
                                    rf"(?P<n>\d+){_SUB}", re.I)),
    ("rule", "abbr", re.compile(rf"\b(?P<a>FRAP|FRCP|FRCrP|FRE|FRBP|CPLR)\s+(?P<n>\d+(?:\.\d+)?{_SUB})"
                                rf"(?P<more>(?:\s*(?:,|\bor\b|\band\b)\s*\d+(?:\.\d+)?(?:\([A-Za-z0-9]{{1,4}}\))+)*)")),
    ("rule", "named", re.compile(
        rf"(?P<pre>\b(?:(?:Federal\s+Circuit|Local|Circuit|Uniform\s+(?:Small\s+Claims|Summary\s+Process|District\s+Court)|"
        rf"Supreme\s+Court|Superior\s+Court|District\s+Court|Trial\s+Court|Appellate|Civil|Admin(?:istrative)?)\s+)?)"
        rf"(?P<word>Rules?|RULES?)\s+(?P<n>\d{{1,4}}(?:[.:\-]\d+)*[A-Za-z]?)(?![\d])(?P<sub>{_SUB})"
        rf"(?P<more>(?:\s*(?:,|\band\b|\bor\b)\s*\d+(?:[.:\-]\d+)*(?:\([A-Za-z0-9]{{1,4}}\))*)*)"
        rf"(?P<frcp>\s+of\s+the\s+Federal\s+Rules\s+of\s+(?P<k>Civil|Criminal|Appellate)\s+Procedure)?")),
    ("rule", "sct_rule", re.compile(rf"\b(?:[A-Z][a-z]{{0,5}}\.\s?){{1,2}}S\.\s?Ct\.\s?R(?:ule)?\.?\s*\d+(?:\.\d+)?{_SUB}")),
    ("rule", "nj", re.compile(rf"(?<![\w.])R\.\s?(?P<n>\d{{1,2}}:\d{{1,3}}(?:-\d+[A-Za-z]?)?){_SUB}")),
    ("statute", "mgl", re.compile(
        rf"\b(?:M\.\s?G\.\s?L\.|G\.\s?L\.|MGL|Mass\.\s?Gen\.\s?Laws(?:\s+Ann\.)?)\s*(?:ch\.|c\.|chapter)\s*(?P<ch>\d+[A-Z]?)"
        rf"(?:\s*,?\s*(?:§§?|s\.|sec\.|section)\s*(?P<s>\d+[A-Z]?(?:\s?\([a-z0-9]+\))*))?")),
    ("statute", "session", re.compile(r"\b(?:St\.|Acts\s+of)\s?(?:19|20)\d{2},?\s*(?:c\.|ch\.|chapter)\s*\d+\b")),
    ("statute", "wva", re.compile(rf"\bW\.\s?Va\.\s?Code,?\s*(?:§§?|[Ss]ec(?:tion|\.))?\s*\d+[A-Z]?-\d+[A-Z]?(?:-\d+[a-z]?)?{_SUB}")),
    ("statute", "ilcs", re.compile(rf"\b\d{{1,4}}\s+ILCS\s+\d+/\d+(?:[\w.\-]*\w)?{_SUB}")),
    ("statute", "fla", re.compile(rf"\b(?:[Ss]ection|§)\s*\d+\.\d+[a-z]?{_SUB},?\s+(?:Florida\s+Statutes|Fla\.\s?Stat\.)(?:\s*\(\d{{4}}\))?")),
    ("statute", "named_code", re.compile(
        r"\b(?P<code>(?:[A-Z][a-z]+\s+(?:(?:and|of)\s+)?){0,6}(?:Code|Law|Act)(?:\s+of\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,3})?)"
        r",?\s+(?:[Ss]ections?|§§?)\s+(?P<list>\d+[A-Za-z]?(?:[.\-:]\d+[A-Za-z]?)*(?:\([a-z0-9]{1,4}\))*"
        r"(?:\s*(?:,|\band\b|\bor\b)\s*\d+[A-Za-z]?(?:[.\-:]\d+[A-Za-z]?)*(?:\([a-z0-9]{1,4}\))*)*)(?![\w\-])")),
    ("statute", "dotted", re.compile(rf"\b(?:[A-Z]\.){{2,6}}(?:[A-Z][a-z]{{0,3}}\.)?\s*§§?\s*\d[\w.\-:]*?\w{_SUB}(?![\w\-])")),
    ("rule", "state_abbr", re.compile(rf"\b(?P<a>MCR|CRC|Pa\.\s?R\.C\.P\.|Ariz\.\s?R\.\s?Civ\.\s?P\.)\s+(?P<n>\d+(?:\.\d+)*[a-z]?){_SUB}")),
    ("statute", "state_code_abbr", re.compile(rf"\b(?P<a>MCL|CPLR|RCW|ORS|KRS|NRS|HRS|RSA|ARS|RPAPL)\s+(?!§)(?P<n>\d+(?:[.\-:]\d+)*[A-Za-z]?){_SUB}")),
    ("statute", "acronym", re.compile(rf"\b(?P<code>[A-Z]{{3,8}})\s+§§?\s*(?P<s>\d+[\w.\-]*?){_SUB}(?![\w\-])")),
    ("statute", "code", re.compile(
        rf"\b(?:[A-Z][A-Za-z]{{0,6}}\.\s?){{1,3}}(?:Code|Stat\.|Stats\.|Laws|Gen\.\s?Laws|Rev\.\s?Stat\.)"
        rf"(?:\s(?:[A-Z][a-z]{{0,6}}\.\s?){{1,3}})?\s*(?:Ann\.\s*)?§§?\s*\d[\w.\-:]*?\w{_SUB}")),
]


def _cite_key(text: str) -> str:
    s = text.lower().replace("§", "s").replace("section", "s").replace("sec.", "s")
    s = re.sub(r"\bch(?:apter)?\b\.?", "c", s)
    s = re.sub(r"[\s.,]", "", s)
    return s.replace("mgl", "gl").replace("massgenlaws", "gl").replace("ss", "s")


def _norm_cite(kind: str, m: re.Match) -> list[tuple[str, int, int]]:
    g = m.groupdict()
    whole = _squash(m.group(0))
    s, e = m.span()
    if kind == "usc":
        return [(f"{g['t']} U.S.C. § {g['s']}{(g['sub'] or '').replace(' ', '')}", s, e)]
    if kind == "rcp":
        return [(re.sub(r"(\d)\s+\(", r"\1(", whole), s, e)]
    if kind == "rcp_long":
        k = {"civil": "Civ.", "criminal": "Crim.", "appellate": "App.", "bankruptcy": "Bankr."}[g["k"].lower()]
        sub = re.sub(r"^\d+", "", whole.split("Procedure", 1)[1].strip())
        return [(f"Fed. R. {k} P. {g['n']}{sub.replace(' ', '')}", s, e)]
    if kind == "abbr":
        out = [(f"{g['a']} {g['n'].replace(' ', '')}", s, m.start("more"))]
        for mm in re.finditer(r"\d+(?:\.\d+)?(?:\([A-Za-z0-9]{1,4}\))+", g["more"] or ""):
            out.append((f"{g['a']} {mm.group(0)}", m.start("more") + mm.start(), m.start("more") + mm.end()))
        return out
    if kind == "named_code":
        code = _squash(g["code"])
        if len(code.split()) < 2 or re.match(r"(?:The|This|That|Under|See|Our|Your)\b", code):
            return []
        out = []
        for mm in re.finditer(r"\d+[A-Za-z]?(?:[.\-:]\d+[A-Za-z]?)*(?:\([a-z0-9]{1,4}\))*", g["list"]):
            out.append((f"{code} section {mm.group(0)}", m.start("list") + mm.start(), m.start("list") + mm.end()))
        if out:
            out[0] = (out[0][0], s, out[0][2])
        return out
    if kind == "acronym":
        if g["code"] in ("USC", "CFR", "FRCP", "FRAP", "ILCS", "MGL", "NOTICE", "SECTION"):
            return []
        return [(re.sub(r"(\d)\s+\(", r"\1(", whole), s, e)]
    if kind == "named":
        pre = _squash(g["pre"] or "")
        if g.get("frcp"):
            k = {"civil": "Civ.", "criminal": "Crim.", "appellate": "App."}[g["k"].lower()]
            return [(f"Fed. R. {k} P. {g['n']}", s, e)]
        word = "Rule"
        out = [((pre + " " if pre else "") + f"{word} {g['n']}{(g['sub'] or '').replace(' ', '')}",
                s, m.end("sub") if g["sub"] else m.end("n"))]
        for mm in re.finditer(r"\d+(?:[.:\-]\d+)*(?:\([A-Za-z0-9]{1,4}\))*", g["more"] or ""):
            out.append(((pre + " " if pre else "") + f"Rule {mm.group(0)}",
                        m.start("more") + mm.start(), m.start("more") + mm.end()))
        return out
    return [(re.sub(r"(\d)\s+\(", r"\1(", whole), s, e)]


# where a reporter or code citation may be: "550 U.S. 544", "123 F.3d 45", "Tex. Prop. Code § 24.005"
_EYECITE_TRIGGER = re.compile(r"\b\d{1,4}\s+(?:[A-Z][A-Za-z']{0,12}(?:\.\s?|\s)){1,5}(?:\d[a-z]{1,2}\s+)?\d{1,5}\b|§")


def _eyecite_items(text: str) -> list[tuple[str, str, int, int]]:
    try:
        from eyecite import get_citations
        from eyecite.models import FullCaseCitation, FullJournalCitation, FullLawCitation
    except Exception:  # eyecite missing: the regular expressions still find statutes and rules
        log.warning("eyecite unavailable; case citations will be missed", exc_info=True)
        return []
    out = []
    pieces = []
    for a, b in _windows(text[:_EYECITE_MAX_CHARS], _EYECITE_TRIGGER, 260, 140):
        # a long run of citations is cut at line breaks: eyecite's cost grows with chunk length
        while b - a > _EYECITE_CHUNK:
            cut = text.rfind("\n", a + _EYECITE_CHUNK // 2, a + _EYECITE_CHUNK)
            cut = cut + 1 if cut != -1 else a + _EYECITE_CHUNK
            pieces.append((a, cut))
            a = cut
        pieces.append((a, b))
    budget = _EYECITE_BUDGET
    for pos, end in pieces[:_EYECITE_MAX_PIECES]:
        if budget <= 0 or len(out) >= MAX_ITEMS:
            break
        budget -= end - pos
        # eyecite misses "470\nF.3d 471": give it spaces instead (same length, same offsets)
        chunk = re.sub(r"[\r\n\f\v]", " ", text[pos:end])
        if re.search(r"\d", chunk):
            try:
                cites = get_citations(chunk)
            except Exception:  # a tokenizer failure on odd text loses that chunk's case citations only
                log.warning("eyecite failed on a chunk", exc_info=True)
                cites = []
            for c in cites:
                try:
                    if isinstance(c, FullCaseCitation):
                        kind = "case"
                    elif isinstance(c, FullLawCitation):
                        kind = "statute"
                    elif isinstance(c, FullJournalCitation):
                        kind = "other"
                    else:
                        continue
                    s, e = c.span()
                    core = _squash(c.corrected_citation() or c.matched_text())
                    if kind == "case":
                        md = c.metadata
                        if getattr(md, "plaintiff", None) and getattr(md, "defendant", None):
                            core = _squash(f"{md.plaintiff} v. {md.defendant}, {core}")
                        if getattr(md, "year", None):
                            core += f" ({md.year})"
                    else:
                        fs, fe = c.full_span()
                        pin = chunk[e:fe]
                        if re.fullmatch(r"\s?(?:\([A-Za-z0-9]{1,4}\))+", pin or ""):
                            core += pin.strip()
                            e = fe
                    out.append((core, kind, pos + s, pos + e))
                except Exception:  # one odd citation object must not lose the others
                    log.debug("skipping an eyecite citation", exc_info=True)
    return out


def _citations(doc: _Doc) -> list[dict]:
    text = doc.text
    items: list[tuple[int, int, str, str]] = []
    for kind, name, rx in _CITE_RES:
        for m in rx.finditer(text):
            for t, s, e in _norm_cite(name, m):
                items.append((s, e, t, kind))
    for t, kind, s, e in _eyecite_items(text):
        items.append((s, e, t, kind))
    items.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    kept: list[tuple[int, int, str, str]] = []
    taken = _Taken(len(text))
    for it in items:
        if taken.overlaps(it[0], it[1]):
            continue
        taken.take(it[0], it[1])
        kept.append(it)
    out: list[dict] = []
    keys: list[str] = []
    seen: set[str] = set()
    for s, e, t, kind in kept:
        key = _cite_key(t)
        if key in seen:
            continue
        if len(out) >= MAX_ITEMS:
            break
        base = re.sub(r"(?:\([a-z0-9]{1,4}\))+$", "", key)
        merged = False
        for i, k in enumerate(keys):
            kbase = re.sub(r"(?:\([a-z0-9]{1,4}\))+$", "", k)
            if k == key or k == base:
                merged = True
                break
            if kbase == key:                   # the general form came second: keep it, at the first place
                out[i]["text"], out[i]["quote"] = t, doc.quote(s, e)
                keys[i] = key
                merged = True
                break
        if merged:
            continue
        seen.add(key)
        keys.append(key)
        out.append({"text": t, "kind": kind, "quote": doc.quote(s, e), "_pos": s})
    return out


# ---------------------------------------------------------------------- document type

_TYPE_CUES = [
    ("summons", r"\bsummons\b", 3), ("summons", r"you\s+are\s+(?:hereby\s+)?summoned", 3),
    ("summons", r"a\s+lawsuit\s+has\s+been\s+filed\s+against\s+you", 3), ("summons", r"\bcitaci[óo]n\b", 3),
    ("summons", r"\bcitation\s+(?:for|in)\s+[a-z]+|you\s+have\s+been\s+sued|you\s+are\s+(?:being\s+)?sued|"
                r"you\s+are\s+commanded\s+to\s+appear", 3),
    ("complaint", r"\bcomplaint\b", 3), ("complaint", r"\bpetition\b(?!\s+for\s+review)", 2),
    ("complaint", r"prayer\s+for\s+relief|\bwherefore\b", 2), ("complaint", r"\bcount\s+[ivx]+\b", 1.5),
    ("complaint", r"alleges\s+(?:as\s+follows|that)|sues\s+defendant", 2), ("complaint", r"\bdemanda\b", 3),
    ("notice", r"\bnotice\s+to\s+quit\b", 4), ("notice", r"\bnotice\s+of\s+(?!motion)\w+", 2.5),
    ("notice", r"\bnotice\b", 2), ("notice", r"\baviso\b", 3), ("notice", r"notice\s+of\s+electronic\s+filing", 4),
    ("notice", r"clerk'?s\s+notice|docketing\s+notice", 3),
    ("order", r"\border\b", 3), ("order", r"it\s+is\s+(?:hereby\s+|further\s+)?ordered", 3),
    ("order", r"\bso\s+ordered\b", 3), ("order", r"\borden\b", 2),
    ("order", r"\bopinion\s+of\s+the\s+court\b|delivered\s+the\s+opinion|\bslip\s+opinion\b|^[ \t]*opinion[ \t]*$|"
              r"\b(?:affirmed|reversed|remanded)\b", 2.5),
    ("motion", r"\bmotion\s+(?:to|for)\b", 3), ("motion", r"\bnotice\s+of\s+motion\b", 4),
    ("motion", r"\bmoves?\s+(?:this|the)\s+court\b", 3), ("motion", r"memorandum\s+(?:of\s+law\s+)?in\s+support", 2),
    ("motion", r"\bmoci[óo]n\b", 3),
    ("judgment", r"\bjudgment\b", 2.5), ("judgment", r"\b(?:default|final)\s+judgment\b|judgment\s+by\s+default", 2),
    ("judgment", r"ordered\s+and\s+adjudged|judgment\s+is\s+(?:hereby\s+)?entered", 3), ("judgment", r"\bsentencia\b", 3),
    ("form", r"\bform\b", 2), ("form", r"\((?:select|check)\s+(?:one|all\s+that\s+apply)\)", 2, True),
    ("form", r"\bformulario\b", 3),
    ("instructions", r"\binstructions?\b", 3), ("instructions", r"\bhow\s+to\b", 2.5),
    ("instructions", r"self[\s-]help|\bstep\s+\d\b", 2), ("instructions", r"what\s+(?:to\s+do|you\s+need\s+to\s+know)", 2),
    ("instructions", r"\binstrucciones\b", 3),
    ("correspondence", r"^[ \t]*dear\s", 4, True), ("correspondence", r"^[ \t]*(?:sincerely|very\s+truly\s+yours|best\s+regards|respectfully\s+yours)", 3, True),
    ("correspondence", r"^[ \t]*re:", 1.5, True), ("correspondence", r"\bvia\s+(?:first[\s-]class|certified|e-?mail|facsimile|hand)", 2, True),
    ("correspondence", r"^[ \t]*estimad[oa]s?\b", 4, True), ("correspondence", r"^[ \t]*atentamente", 3, True),
    ("correspondence", r"^[ \t]*(?:hi|hello|good\s+(?:morning|afternoon))\b[^\n]{0,40},[ \t]*$", 4, True),
    ("correspondence", r"^[ \t]*(?:thanks|thank\s+you|regards|kind\s+regards|best|cheers)[,!.]?[ \t]*$", 3, True),
    ("correspondence", r"^[ \t]*subject[ \t]*:", 1.5, True),
]
# (type, pattern, weight[, anywhere]): an "anywhere" cue counts fully in the body too ("Dear ...", "(check one)")
_TYPE_RES = [(c[0], re.compile(c[1], re.I | re.M), c[2], len(c) > 3 and c[3]) for c in _TYPE_CUES]
_BLANK_RE = re.compile(r"_{4,}|\[\s\]|☐|□")


def _is_title_like(seg: str) -> bool:
    letters = [c for c in seg if c.isalpha()]
    if len(seg) > 90 or len(letters) < 3:
        return False
    upper = sum(1 for c in letters if c.isupper())
    if upper / len(letters) > 0.8:
        return True
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z']*", seg) if w.lower() not in _SMALL and w.lower() not in ("a", "an", "to")]
    return bool(words) and all(w[0].isupper() for w in words) and len(seg) <= 70


def _document_type(doc: _Doc, ctx: dict) -> tuple[str, float]:
    """Weighted cues: a title line near the top counts most, its leading cue most of all."""
    text = doc.text
    scores = {t: 0.0 for t in DOCUMENT_TYPES}
    body = {t: 0.0 for t in DOCUMENT_TYPES}
    first_bonus_given = False
    zone_end = 0
    zone_limit = max(doc.first_page_end, 6000)
    for i, (ls, le) in enumerate(doc.lines[:120]):
        if ls >= zone_limit:
            break
        zone_end = le
        line = text[ls:le]
        for sg in re.split(r"\s{3,}|\t", line.strip()):
            if not sg:
                continue
            if len(sg) > 300:
                sg = sg[:2000]               # a long paragraph: body text, counted once per cue
                for t, rx, w, anywhere in _TYPE_RES:
                    n = sum(1 for _ in zip(range(12), rx.finditer(sg)))
                    if n and not anywhere:
                        body[t] += w * 0.25 * n
                continue
            hits = [(m.start(), t, w, anywhere) for t, rx, w, anywhere in _TYPE_RES for m in rx.finditer(sg)]
            if not hits:
                continue
            if _is_title_like(sg):
                mult = 3.0 if i < 20 else (2.0 if i < 60 else 1.2)
                hits.sort()
                lead_pos, lead_type = hits[0][0], hits[0][1]
                # "NOTICE OF MOTION AND MOTION TO DISMISS" is a motion, "ORDER SETTING HEARING" an order
                for pos, t, _w, _a in hits:
                    if pos == lead_pos and t == "motion":
                        lead_type = "motion"
                for pos, t, w, _a in hits:
                    scores[t] += w * (mult if pos == lead_pos or t == lead_type else mult * 0.3)
                if not first_bonus_given:
                    scores[lead_type] += 4
                    first_bonus_given = True
            else:
                for _pos, t, w, anywhere in hits:
                    if anywhere:
                        scores[t] += w
                    else:
                        body[t] += w * 0.25
    rest = text[zone_end:100_000]
    if rest:
        for t, rx, w, anywhere in _TYPE_RES:
            n = sum(1 for _ in zip(range(12), rx.finditer(rest)))
            if n:
                if anywhere:
                    scores[t] += w * min(n, 2)
                else:
                    body[t] += w * 0.25 * n
    for t in DOCUMENT_TYPES:
        scores[t] += min(body[t], 3.0)
    sample = text[:50_000]
    blanks = len(_BLANK_RE.findall(sample))
    density = blanks * 1000 / max(len(sample), 1)          # a form is mostly blanks; an opinion has a few "___"
    scores["form"] += min(14.0, 0.6 * blanks) * min(1.0, density / 2)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], DOCUMENT_TYPES.index(kv[0])))
    (top_t, top), (_sec_t, second) = ranked[0], ranked[1]
    if top < 1.5:
        return "other", 0.3
    conf = (top / (top + second)) * (1 - math.exp(-top / 4))
    return top_t, round(max(0.05, min(0.99, conf)), 2)


# ------------------------------------------------------------------ language, concepts

_STOPWORDS = {
    "en": "the and of to you your is in that for this on with are be must not by or will have it at as if",
    "es": "el la los las de que y en usted su por para con una del se es no debe este esta al lo sus",
    "fr": "le la les des et vous est dans pour une du que ce avec sur pas au aux votre qui",
    "de": "der die das und sie ist nicht mit den von zu ein eine dem für auf ihr wird im",
    "pt": "os de que em você não para com uma do da dos das pelo pela seu sua são está",
}
_STOP_SETS = {k: set(v.split()) for k, v in _STOPWORDS.items()}


def _language(text: str) -> str:
    kept = [w for w in text[:30_000].split() if "@" not in w and not w.lower().startswith(("http", "www."))]
    words = re.findall(r"[^\W\d_]{2,}", " ".join(kept).lower())
    if len(words) < 3:
        return "und"
    counts = {lang: sum(1 for w in words if w in sw) for lang, sw in _STOP_SETS.items()}
    best = max(counts.items(), key=lambda kv: (kv[1], kv[0] == "en"))
    if best[1] < 2 or best[1] < 0.05 * len(words):
        return "und"
    return best[0]


_CONCEPTS = [
    ("eviction", r"\bevict|notice\s+to\s+quit|summary\s+process|desalojo|unlawful\s+detainer|wrongful\s+occupation|"
                 r"possession\s+of\s+the\s+(?:premises|property)|pay\s+rent\s+or\s+quit"),
    ("summary process", r"summary\s+process"),
    ("unpaid rent", r"nonpayment\s+of\s+rent|unpaid\s+rent|arrears\s+of\s+rent|renta\s+atrasada|rent\s+(?:due|owed)"),
    ("notice to quit", r"notice\s+to\s+quit|pay\s+rent\s+or\s+quit|pagar\s+la\s+renta\s+o\s+desocupar"),
    ("default judgment", r"default\s+judgment|judgment\s+by\s+default|(?:lose|decided\s+against\s+you).{0,20}by\s+default"),
    ("service of process", r"service\s+of\s+(?:this\s+)?(?:summons|process)|proof\s+of\s+service|certificate\s+of\s+service|return\s+of\s+service"),
    ("answer", r"\b(?:file|serve)\s+(?:an?\s+|your\s+)?(?:written\s+)?answer|\banswer\s+(?:date|form)|to\s+answer\b"),
    ("motion to dismiss", r"motion\s+to\s+dismiss"),
    ("failure to state a claim", r"failure\s+to\s+state\s+a\s+claim|12\(b\)\(6\)"),
    ("summary judgment", r"summary\s+judgment"),
    ("hearing", r"\bhearing\b|\baudiencia\b"),
    ("trial", r"\btrial\b"),
    ("protective order", r"protective\s+order|protection\s+from\s+abuse|restraining\s+order|abuse\s+prevention|209A"),
    ("bankruptcy", r"bankruptcy"),
    ("appeal", r"\bappeal|apelaci[óo]n"),
    ("small claims", r"small\s+claims?"),
    ("debt collection", r"debt\s+collection|fair\s+debt|account\s+stated|credit\s+card\s+account|collection\s+agency"),
    ("discovery", r"\bdiscovery\b|interrogatories|requests?\s+for\s+production|motion\s+to\s+compel"),
    ("fee waiver", r"indigency|fee\s+waiver|waive\s+(?:the\s+)?(?:fees?|costs?)"),
    ("jurisdiction", r"\bjurisdiction\b"),
    ("order to show cause", r"show\s+cause"),
    ("attorney discipline", r"disciplin|suspended\s+on\s+an\s+interim\s+basis"),
    ("jury trial", r"\bjury\b"),
    ("counterclaim", r"counterclaim"),
    ("negligence", r"negligen"),
    ("breach of contract", r"breach\s+of\s+contract"),
    ("statute of limitations", r"statute\s+of\s+limitations"),
    ("garnishment", r"garnish"),
    ("extension of time", r"extension\s+of\s+time"),
    ("notice of appeal", r"notice\s+of\s+appeal"),
    ("entry of appearance", r"(?:entry|notice)\s+of\s+appearance"),
    ("firearms surrender", r"surrender\s+(?:all\s+)?(?:firearms|guns)"),
]
_CONCEPT_RES = [(c, re.compile(rx, re.I)) for c, rx in _CONCEPTS]


def _key_concepts(text: str) -> list[str]:
    hits = []
    head = text[:100_000]
    for concept, rx in _CONCEPT_RES:
        m = rx.search(head)
        if m:
            hits.append((m.start(), concept))
    hits.sort()
    return [c for _, c in hits][:12]


# ------------------------------------------------------------------- advice & summary

_TYPE_PHRASE = {
    "complaint": "a complaint (the paper that starts a lawsuit)", "summons": "a court summons",
    "notice": "a notice", "order": "a court order", "motion": "a motion (a request asking the judge to do something)",
    "judgment": "a judgment (the court's decision)", "form": "a court form", "instructions": "a set of instructions",
    "correspondence": "a letter", "other": "a document",
}


def _when(dl: dict) -> str:
    if dl.get("due_date"):
        return f"by {_fmt(date.fromisoformat(dl['due_date']))}"
    r = dl.get("rule") or {}
    unit = {"days": "days", "court_days": "court days", "hours": "hours", "months": "months"}.get(r.get("unit"), "days")
    return f"within {r.get('period')} {unit} {r.get('direction', 'after')} {_ANCHOR_WORDS.get(r.get('anchor'), 'the event')}"


def _advice(dtype: str, concepts: list[str], dates: list[dict], deadlines: list[dict], amounts: list[dict],
            reference_date: date | None, parties: list[dict]) -> tuple[list[str], list[str]]:
    issues: list[str] = []
    steps: list[str] = []
    hearing = next((d for d in dates if d["label"] == "hearing"), None)
    hearing_txt = _fmt(date.fromisoformat(hearing["date"])) if hearing else None
    eviction = "eviction" in concepts
    answer_dl = next((d for d in deadlines if d["label"] in ("File an answer", "File a response")), None)

    if dtype == "summons":
        issues.append("You may lose by default if you do not answer in time.")
        if answer_dl:
            steps.append(f"File a written answer with the court clerk {_when(answer_dl)}.")
        else:
            steps.append("File a written answer with the court clerk before the deadline in the summons.")
        steps.append("Give (serve) a copy of your answer to the other side or their lawyer, and keep a copy.")
    elif dtype == "complaint":
        issues.append("You are being sued. If you do not file an answer in time, the court can decide against you by default.")
        steps.append("Read each numbered paragraph and write down what is true and what is not. Your answer must respond to each one.")
        if answer_dl:
            steps.append(f"File your answer {_when(answer_dl)}.")
        else:
            steps.append("Find your deadline to answer. It is usually on the summons that came with this complaint.")
    elif dtype == "notice" and eviction:
        issues.append("This notice is not an eviction order. Only a court can order you to move out.")
        pay = next((d for d in deadlines if d["label"].startswith("Pay")), None)
        if pay:
            issues.append("If you pay all the rent owed in time, you may be able to stop the eviction.")
            steps.append(f"If you can, pay the rent owed {_when(pay)}. Get a receipt.")
        steps.append("Do not ignore this notice. Write down the date you got it.")
        steps.append("If you get court papers (a summons and complaint), file an answer on time and go to every hearing.")
    elif dtype == "notice":
        steps.append("Read the notice for anything you must do and the date to do it.")
    elif dtype == "order":
        issues.append("An order is a command from the court. If you do not follow it, you could face penalties or lose your case.")
        steps.append("Do what the order says by the dates it gives.")
        steps.append("If you disagree with the order, ask the clerk or a lawyer right away about appeal or reconsideration deadlines. They can be short.")
    elif dtype == "motion":
        issues.append("If you do not respond, the judge may grant the motion without hearing your side.")
        if "motion to dismiss" in concepts:
            issues.append("If this motion is granted, the case could be dismissed.")
        resp = next((d for d in deadlines if d["label"] in ("File a response", "File an answer")), None)
        if resp:
            steps.append(f"File a written response (opposition) {_when(resp)}.")
        else:
            steps.append("Find out the deadline to file a written response (opposition). Ask the clerk if you are not sure.")
    elif dtype == "judgment":
        issues.append("A judgment was entered. The other side can try to collect money or take other steps to enforce it.")
        if "default judgment" in concepts:
            issues.append("This was a default judgment. You may be able to ask the court to undo (vacate) it, but you must act fast.")
            steps.append("Ask the clerk how to file a motion to vacate (undo) the default judgment.")
        appeal = next((d for d in deadlines if d["label"] == "File an appeal"), None)
        if appeal:
            steps.append(f"If you want to appeal, file a notice of appeal {_when(appeal)}.")
        steps.append("Ask about payment plans, and which of your money and property is protected from collection.")
    elif dtype == "correspondence":
        issues.append("This letter is not a court order. But it may mention real court deadlines.")
        steps.append("Keep this letter with your court papers.")
        steps.append("If you answer, do it in writing and keep a copy.")
    elif dtype == "form":
        issues.append("Leaving required parts of a form blank can delay your case.")
        steps.append("Fill in every part that applies to you, then sign and date the form.")
        steps.append("File the form with the court clerk and keep a copy for yourself.")
    elif dtype == "instructions":
        issues.append("These are general instructions. The dates that apply to you are on your own court papers.")
        steps.append("Follow the steps in order and check your own papers for your dates.")

    if "protective order" in concepts:
        steps.insert(0, "If you are in danger right now, call 911.")
    if hearing_txt:
        issues.append(f"If you miss the hearing on {hearing_txt}, the court may decide against you.")
        steps.append(f"Go to court on {hearing_txt}. Arrive early and bring papers, photos, receipts and witnesses that support your side.")
    for dl in deadlines:
        if dl.get("due_date") is None and (dl.get("rule") or {}).get("anchor") in ("service", "receipt"):
            issues.append("Your deadline counts from the day you got these papers. Write that date down now.")
            break
    if reference_date is not None:
        for dl in deadlines:
            if dl.get("due_date") and date.fromisoformat(dl["due_date"]) < reference_date:
                issues.append(f"The deadline of {_fmt(date.fromisoformat(dl['due_date']))} ({dl['label'].lower()}) "
                              f"may have already passed. Contact the court clerk or legal aid right away.")
            elif dl.get("due_date") and (date.fromisoformat(dl["due_date"]) - reference_date).days <= 7:
                issues.append(f"A deadline is coming up soon: {_fmt(date.fromisoformat(dl['due_date']))} ({dl['label'].lower()}).")
    shown = 0
    for dl in deadlines:
        if dl.get("due_date") and shown < 3:
            if reference_date is None or date.fromisoformat(dl["due_date"]) >= reference_date:
                steps.append(f"Mark {_fmt(date.fromisoformat(dl['due_date']))} on your calendar: {dl['label'].lower()}.")
                shown += 1
    if amounts and dtype in ("complaint", "judgment", "notice", "summons", "correspondence"):
        top = max(amounts, key=lambda a: Decimal(a["value"]))
        issues.append(f"The document mentions money: ${Decimal(top['value']):,.2f} ({top['label']}). Check that the amount is right.")
    if "fee waiver" in concepts or dtype in ("summons", "complaint"):
        steps.append("If you cannot afford court fees, ask the clerk for a fee waiver form.")
    steps.append("Contact a legal aid office or a lawyer for advice about your situation.")
    return _dedupe_strings(issues), _dedupe_strings(steps)


def _dedupe_strings(items: list[str]) -> list[str]:
    seen, out = set(), []
    for s in items:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def _summary(text: str, dtype: str, concepts: list[str], parties: list[dict], courts: list[dict],
             case_numbers: list[dict], dates: list[dict], deadlines: list[dict]) -> str:
    phrase = _TYPE_PHRASE[dtype]
    if dtype == "notice" and "eviction" in concepts:
        phrase = "an eviction notice"
    first = f"This looks like {phrase}"
    if courts:
        # a court named in the heading issued the paper; one named further down is only mentioned
        quote = courts[0]["quote"]
        pos = text.find(quote)
        heading = (0 <= pos < 3000 and _is_title_like(quote.splitlines()[0].strip())
                   and dtype not in ("correspondence", "instructions"))
        first += f" from the {courts[0]['name']}" if heading else f" that mentions the {courts[0]['name']}"
    if case_numbers:
        first += f", case number {case_numbers[0]['value']}"
    sentences = [first + "."]
    main = [p for p in parties if p["role"] not in ("ATTORNEY", "OTHER")]
    if len(main) >= 2:
        a, b = main[0], next((p for p in main[1:] if p["role"] != main[0]["role"]), main[1])
        sentences.append(f"It involves {a['name']} ({a['role'].lower()}) and {b['name']} ({b['role'].lower()}).")
    elif main:
        sentences.append(f"It names {main[0]['name']} ({main[0]['role'].lower()}).")
    resolved = [d for d in deadlines if d.get("due_date")]
    hearing = next((d for d in dates if d["label"] == "hearing"), None)
    if resolved:
        d = resolved[0]
        sentences.append(f"Key deadline: {d['label'].lower()} by {_fmt(date.fromisoformat(d['due_date']))}.")
    elif hearing:
        sentences.append(f"Key date: a hearing on {_fmt(date.fromisoformat(hearing['date']))}.")
    elif deadlines:
        sentences.append(f"Key deadline: {deadlines[0]['label'].lower()} {_when(deadlines[0])}.")
    return " ".join(sentences[:3])


# ------------------------------------------------------------------------------ main


def _guard(name: str, fn, *args, default=None):
    """Run one extractor; a bug in it loses that field (logged), never the whole analysis."""
    try:
        return fn(*args)
    except Exception:
        log.exception("local analyzer: the %s extractor failed; that field is left empty", name)
        return [] if default is None else default


def _strip_private(items: list[dict]) -> list[dict]:
    return [{k: v for k, v in it.items() if not k.startswith("_")} for it in items]


_WARM_UP_TEXT = """UNITED STATES DISTRICT COURT FOR THE DISTRICT OF MASSACHUSETTS
JOHN DOE,
     Plaintiff,
v.                                   Civil Action No. 1:26-cv-00001
ACME LLC,
     Defendant.
SUMMONS IN A CIVIL ACTION
Within 21 days after service of this summons on you, you must serve an answer. Hearing on January 5, 2027.
See 42 U.S.C. § 1983, Fed. R. Civ. P. 12(b)(6) and Bell Atlantic Corp. v. Twombly, 550 U.S. 544 (2007). $1,250.00
"""


def warm_up() -> None:
    """Load courts-db and eyecite and compile every pattern now, so the first real analysis is fast."""
    _courts_db_patterns()
    analyze(_WARM_UP_TEXT)


def analyze(text: str, *, pages: list[str] | None = None, reference_date: date | None = None,
            jurisdiction: str | None = None) -> dict:
    """Analyze one document's text; see the module docstring. Never raises on a ``str``."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    first_page_len = None
    if pages:
        try:
            page_list = [p if isinstance(p, str) else "" for p in pages]
            if not text.strip():
                text = "\n\n".join(page_list)
            first_page_len = len(page_list[0]) if page_list else None
        except TypeError:
            first_page_len = None
    text = text[:MAX_CHARS]
    if not isinstance(reference_date, date):
        reference_date = None
    if not isinstance(jurisdiction, str):
        jurisdiction = None
    doc = _Doc(text, first_page_len)

    language = _guard("language", _language, text, default="und")
    ctx = {
        "landlord_tenant": bool(re.search(r"\b(?:tenant|tenancy|landlord|rent|premises|vacate|quit|lease|evict|"
                                          r"arrendador|inquilino|renta|desocupar|desalojo)\b", text[:50_000], re.I)),
        "petition": bool(re.search(r"^[ \t]*(?:petitioners?|respondents?)[ \t]*[,.;]?[ \t]*$", text[:20_000], re.I | re.M)),
    }
    raw_dates = _guard("dates", _find_dates, doc, language, jurisdiction)
    for d in raw_dates:
        d["label"] = _guard("date label", _date_label, doc, d["start"], d["end"], default="other")

    # the dates that relative deadlines count from
    def first(label, within=None):
        for d in raw_dates:
            if d["label"] == label and (within is None or d["start"] < within):
                return d["date"]
        return None

    doc_date = (first("issued", max(len(text) // 3, 3000)) or first("entered") or first("filed")
                or first("signed") or first("issued"))
    served = first("served")
    # "within 90 days after the complaint is filed" counts from the complaint's filing, not an e-filing stamp
    filing = next((d["date"] for d in raw_dates if d["label"] == "filed" and re.search(
        r"complaint|petition", text[max(0, d["start"] - 100):d["end"] + 60], re.I)), None) or first("filed")
    known = {"notice": doc_date, "service": served, "receipt": served, "mailing": served,
             "entry": first("entered"), "hearing": first("hearing"), "filing": filing, "docketing": None}

    deadlines = _guard("deadlines", lambda: _explicit_deadlines(doc, raw_dates, doc_date or served)
                       + _relative_deadlines(doc, known))
    deadlines.sort(key=lambda x: x["_pos"])
    merged: list[dict] = []
    seen_deadlines: set = set()
    for dl in deadlines:
        rule = dl.get("rule") or {}
        key = dl["due_date"] or (rule.get("period"), rule.get("unit"), rule.get("direction"), rule.get("anchor"), dl["label"])
        if key in seen_deadlines:
            continue
        seen_deadlines.add(key)
        merged.append(dl)
        if len(merged) >= MAX_ITEMS:
            break

    dates_out: dict[str, dict] = {}
    for d in raw_dates:
        key = d["date"].isoformat()
        item = {"date": key, "label": d["label"], "quote": doc.quote(d["start"], d["end"]), "_pos": d["start"]}
        cur = dates_out.get(key)
        if cur is None:
            dates_out[key] = item
        elif _LABEL_PRIORITY[d["label"]] < _LABEL_PRIORITY[cur["label"]]:
            cur["label"], cur["quote"] = d["label"], item["quote"]
    dates = sorted(dates_out.values(), key=lambda x: x["_pos"])

    parties = _guard("parties", _parties, doc, ctx)
    case_numbers = _guard("case numbers", _case_numbers, doc)
    courts = _guard("courts", _courts, doc, jurisdiction)
    amounts = _guard("amounts", _amounts, doc)
    citations = _guard("citations", _citations, doc)
    dtype, conf = _guard("document type", _document_type, doc, ctx, default=("other", 0.0))
    concepts = _guard("key concepts", _key_concepts, text)

    dates, deadlines, parties = _strip_private(dates), _strip_private(merged), _strip_private(parties)
    issues, steps = _guard("advice", _advice, dtype, concepts, dates, deadlines, amounts, reference_date, parties,
                           default=([], []))
    summary = _guard("summary", _summary, text, dtype, concepts, parties, courts, case_numbers, dates, deadlines,
                     default="")
    if not text.strip():
        summary = "The document has no readable text. If it is a scan, the text may not have been read yet."
    return {
        "document_type": dtype,
        "document_type_confidence": conf,
        "summary": summary,
        "parties": parties,
        "case_numbers": _strip_private(case_numbers),
        "courts": _strip_private(courts),
        "dates": dates,
        "deadlines": deadlines,
        "amounts": _strip_private(amounts),
        "citations": _strip_private(citations),
        "key_concepts": concepts,
        "issues": issues,
        "next_steps": steps,
        "language": language,
        "provider": "local",
        "model": ANALYZER_VERSION,
        "disclaimer": DISCLAIMER,
    }
