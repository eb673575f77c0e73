"""Judges and justices who wrote, signed, sat on or were assigned to the paper (never parties).

Where they are named:

* labelled lines: ``Assigned to: Chief Judge William Keith Watkins``, ``Referred to: Honorable Judge
  Susan Russ Walker``, ``Trial Judge: Laurel Elizabeth Davis, U.S. Bankruptcy Judge``, ``JUDGE(S): X``,
  ``Court Judge  Honorable Julie Lugo``, ``THE PRETRIAL JUDGE ASSIGNED IS: HON SARAH B. JOHNSON``;
* PACER history heads: ``David C Godbey, presiding`` and ``Susan M. Bazis, referral``;
* panels: ``Before: A, B, and C, Circuit Judges``, ``Present: FITZPATRICK, C.J., BUMGARDNER and FRANK, JJ.``;
* authors and votes: ``RUFFIN, Presiding Judge.``, ``MARVEL, Chief Judge:``, ``Kagan, J., delivered``,
  ``SMITH, C.J., and MILLER, J., concur.``;
* signatures: a name on the line above ``Chief Judge`` / ``United States District Judge`` / ``J.S.C.``,
  ``/s/ Name`` or ``(Signed) Name`` above such a line, ``DEAN R. MARCOLONGO, J.S.C.``, ``HON. NAME, P.J.``.
"""
from __future__ import annotations

import re

from app.understanding.text import MAX_ITEMS, _Doc, _squash

_WORD = r"(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.?|Mc[A-Z][A-Za-z]+|de|van|von|del|la)"
_NAME = rf"{_WORD}(?:[ \t]+{_WORD}){{0,4}}(?:,?[ \t]+(?:Jr\.?|Sr\.?|II|III|IV|Junior))?"
_TITLE = (r"(?:(?:the[ \t]+)?hon(?:orable|\.)?[ \t]+)?(?:(?:chief|senior|presiding|associate|district|circuit|"
          r"magistrate|bankruptcy|u\.?\s?s\.?|united[ \t]+states)[ \t]+)*(?:judge|justice)?[ \t]*")
_JUDGE_WORDS = (r"(?:(?:chief|senior|presiding|associate|district|circuit|magistrate|bankruptcy|u\.?\s?s\.?|united\s+states|"
                r"administrative\s+law|special\s+trial|appellate)\s+)*(?:judges?|justices?)")
_SUFFIX = (rf"(?:,?[ \t]*(?:(?i:{_JUDGE_WORDS})|J\.\s?S\.\s?C\.|[IJ]\.S\.C\.|P\.\s?J\.(?:[ \t]*C[VH]\.)?|A\.J\.S\.C\.)\.?|"
           r",[ \t]*(?:C\.\s?J\.|JJ?\.)|[ \t]+(?:C\.\s?J\.|JJ?\.)(?=[ \t]*(?:[,.;:]|$)))")   # not the "J." of "MARILYN J. KELLY"
_LABELLED = re.compile(
    r"^[ \t]*(?:assigned[ \t]+to|referred[ \t]+to|trial[ \t]+judge|civil[ \t]+proceeding|secondary[ \t]+judge|"
    r"court[ \t]+judge|coa[ \t]+justice|judge\(s\)|presiding[ \t]+judge|judge|justice|(?:the[ \t]+)?hon(?:orable|\.)?|"
    r"the[ \t]+(?:pretrial|managing|assigned|trial)[ \t]+judge(?:[ \t]+assigned)?[ \t]+is)[ \t]*:?[ \t]*"
    r"(?:\n[ \t]*)?(?P<rest>[^\r\n]{3,120})$", re.I | re.M)
# "Please report to Judge DEAN R MARCOLONGO virtually", "will be heard before the Honorable Judge Ana M. Ruiz"
_BEFORE_JUDGE = re.compile(rf"\b(?i:report[ \t]+to|before|appear[ \t]+before)[ \t]+(?i:the[ \t]+)?(?i:hon(?:orable|\.)?[ \t]+)?"
                           rf"(?i:judge|justice)[ \t]+(?P<name>{_WORD}(?:[ \t]+{_WORD}){{1,4}})")
_PRESIDING = re.compile(rf"^[ \t]*(?P<name>{_NAME}),[ \t]+(?:presiding|referral)[ \t]*$", re.M)
_PANEL = re.compile(r"^[ \t]*(?:<[^>]+>[ \t]*)*(?:before|present|panel)[ \t]*:?[ \t]+(?P<rest>[^\r\n<]{3,300})", re.I | re.M)
_VOTE = re.compile(rf"(?<![A-Za-z'’.])(?P<names>{_NAME}(?:,[ \t]+(?:C\.[ \t]?J\.|P\.[ \t]?J\.|J\.),?)?(?:(?:,|,?[ \t]+and)[ \t]+{_NAME}"
                   rf"(?:,[ \t]+(?:C\.[ \t]?J\.|P\.[ \t]?J\.|J\.),?)?)*),[ \t]+(?:C\.[ \t]?J\.|JJ\.|J\.|P\.[ \t]?J\.)")
_AUTHOR = re.compile(rf"^[ \t]*(?:<[^>]+>[ \t]*)*(?P<name>{_NAME}),[ \t]+"
                     rf"(?i:(?:(?:chief|senior|presiding|associate|circuit|district|magistrate|bankruptcy)[ \t]+)?(?:judge|justice))\b", re.M)
_SIGN_TITLE = re.compile(rf"^[ \t]*(?:{_JUDGE_WORDS}(?:[ \t]+(?:of|for)[ \t][^\r\n]{{0,60}})?|J\.\s?S\.\s?C\.|"
                         rf"united\s+states\s+(?:district|magistrate|bankruptcy|circuit)\s+judge)[ \t]*[.,]?[ \t]*$", re.I | re.M)
_SIGNED_NAME = re.compile(rf"^[ \t]*(?:/s/|\(signed\)|s/)?[ \t]*(?:hon(?:orable|\.)?[ \t]+)?(?P<name>{_NAME})[ \t]*\\?[ \t]*$", re.I)
_NAME_WITH_SUFFIX = re.compile(rf"(?:^|/s/[ \t]*|hon(?:orable|\.)?[ \t]+)(?P<name>{_NAME}),?[ \t]*(?:J\.\s?S\.\s?C\.|[IJ]\.S\.C\.|"
                               r"P\.\s?J\.(?:[ \t]*C[VH]\.)?|A\.J\.S\.C\.)", re.M)
_NOT_A_NAME = re.compile(r"\b(?:court|clerk|county|district|state|united|states|department|division|order|motion|"
                         r"case|the|of|for|none|unassigned|docket|judgment|notice|date|and|about|home|search|menu|per|curiam|"
                         r"before|present|panel|opinion|justices|judges)\b", re.I)

_PARTY_TABLE = re.compile(r"^[ \t]*party[ \t]+party[ \t]?type[ \t]+representative[ \t]*$", re.I | re.M)
_TABLE_END = re.compile(r"^[ \t]*(?:case[ \t]+documents|trial[ \t]+court[ \t]+information|court[ \t]+of[ \t]+appeals[ \t]+information)",
                        re.I | re.M)


def _clean(raw: str) -> str | None:
    s = _squash(raw)
    s = re.sub(rf"^{_TITLE}", "", s, flags=re.I).strip()
    s = re.sub(rf"{_SUFFIX}.*$", "", s).strip(" ,.;:")
    s = re.sub(r"\s*\([^)]*\)\s*$", "", s).strip()
    if not re.fullmatch(_NAME, s) or len(s) < 3:
        return None
    words = [w for w in re.split(r"[ \t]+", s) if w]
    if _NOT_A_NAME.search(s):
        return None
    if any(w.lower() in ("judge", "justice", "hon", "honorable") for w in words):
        return None
    return s


def _split_panel(rest: str) -> list[str]:
    rest = re.sub(rf",?[ \t]+(?:{_JUDGE_WORDS})\.?", ",", rest, flags=re.I)
    rest = re.sub(r",?[ \t]*(?:C\.[ \t]?J\.|JJ\.|J\.|P\.[ \t]?J\.)(?=[ \t]*(?:[,.;:]|$)|[ \t]+and\b)", ",", rest)  # not "MARILYN J. KELLY"
    parts = re.split(r",|[ \t]+and[ \t]+|[ \t]*&[ \t]*", rest)
    return [p for p in (x.strip(" .;:") for x in parts) if p]


def _candidates(doc: _Doc):
    text = doc.text
    tables = _party_tables(text)
    for m in _LABELLED.finditer(text):
        if any(s <= m.start() < e for s, e in tables):
            continue                                # "Hon. Thomas F. Nye" representing a party is a lawyer
        rest = re.split(r"[ \t]{3,}|\t|;", m.group("rest").strip())[0]
        yield rest, m.start("rest"), m.end("rest")
    for m in _BEFORE_JUDGE.finditer(text):
        yield m.group("name"), m.start(), m.end()
    for m in _PRESIDING.finditer(text):
        yield m.group("name"), m.start(), m.end()
    for m in _PANEL.finditer(text, 0, min(len(text), 20_000)):
        if re.search(rf"{_JUDGE_WORDS}|JJ\.|C\.[ \t]?J\.", m.group("rest"), re.I):
            for part in _split_panel(m.group("rest")):
                yield part, m.start("rest"), m.end("rest")
    for m in _VOTE.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        if "(" in before and ")" not in before[before.rindex("("):]:
            continue                                # "(Jackson, J., concurring)": a cited case's justice
        for part in _split_panel(m.group(0)):
            yield part, m.start(), m.end()
    for m in _AUTHOR.finditer(text):
        yield m.group("name"), m.start(), m.end()
    for m in _NAME_WITH_SUFFIX.finditer(text):
        yield m.group("name"), m.start(), m.end()
    yield from _signatures(doc)


def _party_tables(text: str) -> list[tuple[int, int]]:
    """Where a docket's party table lists lawyers (Texas courts call them 'Hon.' too)."""
    spans = []
    for m in _PARTY_TABLE.finditer(text):
        end = _TABLE_END.search(text, m.end())
        spans.append((m.start(), end.start() if end else min(len(text), m.end() + 5000)))
    return spans


def _signatures(doc: _Doc):
    """A name on the line just above 'Chief Judge' / 'United States District Judge' (one blank line allowed)."""
    text, lines = doc.text, doc.lines
    for m in _SIGN_TITLE.finditer(text):
        li = doc.line_index(m.start())
        for j in (li - 1, li - 2):
            if j < 0:
                break
            line = doc.line_text(j).strip()
            if not line:
                continue
            sm = _SIGNED_NAME.match(line)
            if sm:
                yield sm.group("name"), lines[j][0], m.end()
            break


def _judges(doc: _Doc) -> list[dict]:
    """Every judge named, once (the fullest spelling wins), in the order they first appear."""
    out: list[dict] = []
    for raw, qs, qe in _candidates(doc):
        name = _clean(raw)
        if not name or _trial_judge(doc.text, qs, qe):
            continue
        key = _key(name)
        same = next((o for o in out if _key(o["name"]) == key or _same_judge(o["name"], name)), None)
        if same is None:
            if len(out) < MAX_ITEMS:
                out.append({"name": name, "quote": doc.quote(qs, qe), "_pos": qs})
        elif len(name) > len(same["name"]):
            same["name"] = name
    out.sort(key=lambda j: j["_pos"])
    return out


def _trial_judge(text: str, start: int, end: int) -> bool:
    """'Appeal from the Circuit Court of Woodford County; the Hon. T. M. Shaw, Judge, presiding.': the judge below,
    named in a decision's history, did not sit on the paper."""
    return bool(re.search(r"\bappeal(?:ed)?[ \t]+from[ \t]+the\b[^:]{0,200}$", text[max(0, start - 200):start], re.I)) and \
        bool(re.match(r"[^\n]{0,80}?\bpresiding\b", text[start:end + 80], re.I))


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", name.lower())).strip()


def _same_judge(a: str, b: str) -> bool:
    """'FRANK' and 'Robert P. Frank', 'Dean R. Marcolongo' and 'DEAN MARCOLONGO': same surname, no clash."""
    ta, tb = _key(a).split(), _key(b).split()
    ta = [t for t in ta if t not in ("jr", "sr", "ii", "iii", "iv", "junior")]
    tb = [t for t in tb if t not in ("jr", "sr", "ii", "iii", "iv", "junior")]
    if not ta or not tb or ta[-1] != tb[-1]:
        return False
    if len(ta) == 1 or len(tb) == 1:
        return True
    return ta[0][0] == tb[0][0]
