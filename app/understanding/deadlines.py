"""Deadlines: explicit ones (a due date) and relative ones ("within 20 days of service"), resolved
against the paper's own dates when their anchor is there."""
from __future__ import annotations

import math
import re
from calendar import monthrange
from datetime import date, timedelta

from app.understanding.text import MAX_ITEMS, _Doc, _finditer_in, _windows

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
    ("entry", r"(?:the\s+|its\s+)?(?:date\s+of\s+)?entry\b|(?:the\s+)?date\s+of\s+the\s+(?:[\w\u2019']+\s+){1,3}order\b|(?:the\s+|this\s+)?(?:judgment|order)\s+(?:is|was|being|has\s+been)\s+entered|entered\b"),
    ("hearing", r"(?:the\s+)?(?:date\s+of\s+the\s+)?(?:conclusion\s+of\s+the\s+)?(?:scheduled\s+)?(?:hearing|trial|return\s+date|conference|"
                r"meeting\s+of\s+creditors)\b|(?:la\s+)?audiencia|(?:el\s+)?juicio"),
    ("filing", r"(?:the\s+)?(?:date\s+of\s+)?(?:the\s+)?filing\b|(?:the\s+)?(?:complaint|petition|motion)\s+(?:is|was)\s+filed|it\s+(?:is|was)\s+filed"),
    ("mailing", r"(?:the\s+)?(?:date\s+of\s+)?mailing\b|(?:it\s+|this\s+\w+\s+)?(?:was|is)\s+mailed"),
    ("docketing", r"(?:the\s+)?(?:date\s+of\s+)?docketing\b"),
]
# a filing still to come, someone's own ("the filing of your pleading"), not the paper's filing date
_OWN_FILING = re.compile(r"\s*(?:the\s+)?(?:date\s+of\s+)?(?:the\s+)?filing\s+of\s+(?:your|its|their|his|her|an?\b|"
                         r"the\s+(?:answer|response|reply|pleading|motion|appeal|notice|first))", re.I)
_THIS_ORDERS_ENTRY = re.compile(r"\s*(?:its\s+entry|(?:the\s+)?(?:date\s+of\s+)?entry\s+(?:of\s+)?(?:this|hereof)\b)", re.I)
_ANCHOR_RES = [(name, re.compile(rf"\s*(?:{rx})", re.I)) for name, rx in _ANCHORS]
# "Plaintiff shall serve Defendant with a copy of this order within 7 days." - counted from the order's date
_REL_THIS_ORDER = re.compile(
    rf"\b(?P<lead>within)\s+{_NUM}[\s-]+(?P<qual>calendar|business|court)?[\s-]*(?P<unit>days?)(?P<dir>)(?P<anchor>)\s*[.;]", re.I)
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
    for rx in (_REL_EN, _REL_ES, _REL_THIS_ORDER):
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
            ss, se = doc.sentence_span(m.start(), m.end())
            sentence = text[ss:se]
            anchor = (_classify_anchor(m.group("anchor")) if rx is not _REL_THIS_ORDER
                      else "notice" if re.search(r"\bthis\s+order\b", sentence, re.I) else None)
            if anchor is None:
                continue
            if _NOT_AN_ACT.search(sentence) or not _OBLIGATION.search(sentence):
                continue
            lead = (m.groupdict().get("lead") or "").lower()
            if rx is _REL_EN and not lead and not re.search(r"\b(?:must|shall|required)\b", sentence, re.I):
                continue
            label = _act_label(sentence, text[max(0, ss - 300):ss])
            anchor_date = known.get(anchor)
            if anchor == "filing" and _OWN_FILING.match(m.group("anchor")):
                anchor_date = None            # "within 30 days of the filing of your pleading": not yet filed
            if anchor == "entry" and anchor_date is None and _THIS_ORDERS_ENTRY.match(m.group("anchor")):
                anchor_date = known.get("notice")     # "within seven (7) days of its entry": the order's own date
            rule = {"period": period, "unit": unit, "direction": direction, "anchor": anchor}
            unit_words = {"days": "days", "court_days": "court days", "hours": "hours", "months": "months"}[unit]
            what = f"{period} {unit_words} {direction} {_ANCHOR_WORDS[anchor]}"
            due = _shift(anchor_date, period, unit, direction) if anchor_date else None
            if _CONDITIONAL.search(sentence) or (_REQUEST.search(sentence) and not _GRANTED.search(sentence)):
                continue
            if _quoted_law(text, ss):
                continue
            out.append({"due_date": due.isoformat() if due else None, "label": label,
                        "quote": doc.sentence_quote(m.start(), m.end()),
                        "basis": _relative_basis(what, anchor, anchor_date if due else None, unit), "rule": rule,
                        "_pos": m.start()})
    return out


# law quoted in the paper ("WIS. STAT. § 66.0217(2) provides:" and the statute's text): its periods bind whoever the
# statute names, not the reader of this paper
_LAW_INTRO = re.compile(r"(?:§|\bsection\b|\brule\b|\bstat(?:ute)?\b\.?|\bcode\b|\bu\.\s?s\.\s?c\.|\bact\b)[^\n]{0,120}?"
                        r"\b(?:provides|provided|reads|read|states|stated|says)(?:\s+as\s+follows)?(?:\s+in\s+(?:relevant|"
                        r"pertinent)\s+part)?\s*:\s*[\"“]?", re.I)


def _quoted_law(text: str, start: int) -> bool:
    """The sentence at ``start`` is in a statute or rule the paper quotes (this paragraph or the one after its
    introduction)."""
    para = text.rfind("\n\n", 0, start)
    prev = text.rfind("\n\n", 0, max(para, 0))
    lo = max(0, prev if prev >= 0 else 0, start - 3000)
    intro = None
    for m in _LAW_INTRO.finditer(text, lo, start):
        intro = m
    if intro is None:
        return False
    between = text[intro.end():start]
    return between.count("\n\n") <= 1 and not re.search(r"\n\s*¶", between)


def _relative_basis(what: str, anchor: str, anchor_date: date | None, unit: str) -> str:
    if anchor_date is None:
        return (f"{what}. The document does not say when that happened, so the date could not be "
                f"worked out. Write down the date of {_ANCHOR_WORDS[anchor]} and count from it, "
                f"or ask the court clerk.")
    counted = "Counted in calendar days" if unit in ("days", "hours", "months") else "Counted in weekdays"
    return (f"{what} ({_ANCHOR_WORDS[anchor]}: {anchor_date.isoformat()}). {counted}; court holidays "
            f"were not checked, and a deadline that falls on a weekend or holiday may move. "
            f"Confirm the date with the court.")


# a date a party asks for is not a deadline ("Appellants request that the Court extend the deadline until May 12")
_REQUEST = re.compile(
    r"(?<!may\s)(?<!must\s)(?<!\bto\s)(?<!shall\s)(?<!can\s)\b(?:respectfully\s+)?(?:request(?:s|ed)?|move[sd]?|asks?|seeks?|"
    r"prays?)\s+(?:that|for|an?\b|the\s+court|this\s+court|leave|until|to\s+(?:extend|continue|enlarge|reschedule|postpone))|"
    r"\brespectfully\s+(?:move|moves|ask|asks|submit|request)|\bsolicit[ao]", re.I)
# the court's or its staff's own dates in a docket, not a party's: "MANDATE DUE", "Reporters record due"
_NOT_A_PARTY = re.compile(r"\b(?:mandate|(?:reporter|clerk)['\u2019]?s?\s+record|record)\s+due\b", re.I)
_GRANTED = re.compile(r"\b(?:granted|so\s+ordered|it\s+is\s+(?:hereby\s+)?ordered)\b", re.I)
_CONDITIONAL = re.compile(r"\bwould\s+(?:then\s+)?(?:be\s+)?(?:due|have)\b|\bif\s+(?:the\s+|this\s+|its\s+)?"
                          r"(?:motion|request|application|extension|petition)\s+(?:is|were|was)\s+granted", re.I)
# a requirement told as history: "the Court ordered Defendants to show cause in writing by July 11"
_NARRATIVE = re.compile(r"\b(?:ordered|directed|required|instructed|gave|had\s+until|was\s+due|were\s+due)\b", re.I)
_PRESENT = re.compile(r"\b(?:shall|must|is|are|will|currently|hereby|now|remains?)\b", re.I)


def _not_a_requirement(sentence: str, due: date, since: date | None, doc_date: date | None) -> bool:
    """A date that is asked for, or a requirement the paper tells as history: prefer dropping to guessing."""
    if _CONDITIONAL.search(sentence) or (_REQUEST.search(sentence) and not _GRANTED.search(sentence)):
        return True
    if _NOT_A_PARTY.search(sentence):
        return True
    if since is not None and due < since:
        return True                   # "the rent due on November 1" in a notice of December 1: history
    return doc_date is None and bool(_NARRATIVE.search(sentence)) and not _PRESENT.search(sentence)


def _explicit_deadlines(doc: _Doc, dates: list[dict], since: date | None, doc_date: date | None = None) -> list[dict]:
    out = []
    for d in dates:
        if d["label"] != "due":
            continue
        ss, se = doc.sentence_span(d["start"], d["end"])
        sentence = doc.text[ss:se]
        if not _OBLIGATION.search(sentence) or _not_a_requirement(sentence, d["date"], since, doc_date):
            continue
        if _quoted_law(doc.text, ss):
            continue
        out.append({"due_date": d["date"].isoformat(), "label": _act_label(sentence, doc.text[max(0, ss - 300):ss]),
                    "quote": doc.sentence_quote(d["start"], d["end"]),
                    "basis": "The document gives this date. Confirm it with the court.", "_pos": d["start"]})
    return out


def find_deadlines(doc: _Doc, dates: list[dict], known: dict[str, date | None], doc_date: date | None,
                   reference_date: date | None = None, reported: date | None = None) -> list[dict]:
    """The paper's deadlines in document order, each once.

    A due date already past on the day the paper is read (``reference_date``, or the paper's own date) is
    history ("Response due March 7, 2016" in a docket read on March 28): the date stays a date labelled
    ``due``, not a deadline. A period counted from an event that ends before the paper's date is history
    too, and so is one that ended before the last event the paper reports (``reported``). A period the
    paper also states as a date ("35 days from service" and "on or before 09/30/2025") is given once, by
    its date; a requirement stated twice with two dates ("Petition for Review is due March 23" and, after
    an extension, "... due April 22") is given by the later one."""
    since = max((d for d in (doc_date, reference_date) if d), default=None)
    found = _latest_of_each(_explicit_deadlines(doc, dates, since, doc_date))
    history = max((d for d in (doc_date, reported) if d), default=None)
    for dl in _relative_deadlines(doc, known):
        if dl["due_date"] and history and date.fromisoformat(dl["due_date"]) < history:
            continue
        if dl["due_date"] is None and any(x["label"] == dl["label"] for x in found):
            continue
        found.append(dl)
    found.sort(key=lambda x: x["_pos"])
    merged: list[dict] = []
    seen: set = set()
    for dl in found:
        rule = dl.get("rule") or {}
        key = dl["due_date"] or (rule.get("period"), rule.get("unit"), rule.get("direction"), rule.get("anchor"), dl["label"])
        if key not in seen:
            seen.add(key)
            merged.append(dl)
    return merged[:MAX_ITEMS]


_ANY_DATE = re.compile(r"\b(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})\b")


def _latest_of_each(found: list[dict]) -> list[dict]:
    """Of deadlines whose sentences differ only by their date, the latest (an extension moved it)."""
    latest: dict[str, dict] = {}
    for dl in found:
        key = " ".join(_ANY_DATE.sub("#", dl["quote"]).split()).lower()
        if key not in latest or dl["due_date"] > latest[key]["due_date"]:
            latest[key] = dl
    keep = {id(dl) for dl in latest.values()}
    return [dl for dl in found if id(dl) in keep]
