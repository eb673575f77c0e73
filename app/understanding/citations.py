"""Citations: statutes, rules and regulations by pattern, case law through eyecite."""
from __future__ import annotations

import logging
import re

from app.understanding.statutes import find_statutes
from app.understanding.text import MAX_ITEMS, _Doc, _EYECITE_BUDGET, _EYECITE_CHUNK, _EYECITE_MAX_CHARS, _EYECITE_MAX_PIECES, _Taken, _squash, _windows

log = logging.getLogger(__name__)

# -------------------------------------------------------------------------- citations

_SUB = r"(?:\s?\([A-Za-z0-9]{1,4}\))*"
_CITE_RES = [
    ("statute", "usc", re.compile(rf"\b(?P<t>\d{{1,2}})\s+U\.\s?S\.\s?C\.(?:\s?A\.)?\s*(?:§§?|[Ss]ec(?:tion|\.)|[Ss]\.)?\s*"
                                 rf"(?P<s>\d+[a-z]?(?:-\d+[a-z]?)?)(?P<sub>{_SUB})")),
    ("other", "cfr", re.compile(rf"\b\d{{1,2}}\s+C\.\s?F\.\s?R\.\s*(?:§§?|[Pp]arts?)?\s*\d+(?:\.\d+)*{_SUB}")),
    ("rule", "rcp", re.compile(rf"\b(?:[A-Z][a-zA-Z]{{0,5}}\.\s?){{1,3}}R\.\s?(?:(?:Civ|Crim|App|Bankr|Juv|Prob)\.\s?P\.|Evid\.)\s?"
                               rf"(?P<n>\d+(?:\.\d+)*){_SUB}", re.I)),
    ("rule", "rcp_long", re.compile(rf"\bFederal\s+(?P<word>Rules?)\s+of\s+(?:(?P<k>Civil|Criminal|Appellate|Bankruptcy)\s+Procedure|"
                                    rf"(?P<ev>Evidence))\s+(?P<n>\d+){_SUB}"
                                    rf"(?P<more>(?:\s*(?:,\s*(?:and|or)\b|,|\band\b|\bor\b)\s*\d+{_SUB}(?!\d))*)", re.I)),
    # a circuit's own rules: "11th Cir. R. 26.1-2(b)"
    ("rule", "cir_rule", re.compile(rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)|D\.\s?C\.|Fed\.)\s+Cir\.\s?R\.\s?\d+(?:[.\-]\d+)*{_SUB}")),
    ("rule", "abbr", re.compile(rf"\b(?P<a>FRAP|FRCP|FRCrP|FRE|FRBP|CPLR)\s+(?P<n>\d+(?:\.\d+)?{_SUB})"
                                rf"(?P<more>(?:\s*(?:,|\bor\b|\band\b)\s*\d+(?:\.\d+)?(?:\([A-Za-z0-9]{{1,4}}\))+)*)")),
    ("rule", "named", re.compile(
        rf"(?P<pre>\b(?:(?:Federal\s+Circuit|Local|Circuit|Uniform\s+(?:Small\s+Claims|Summary\s+Process|District\s+Court)|"
        rf"Supreme\s+Court|Superior\s+Court|District\s+Court|Trial\s+Court|Appellate|Civil|Admin(?:istrative)?)\s+)?)"
        rf"(?P<word>Rules?|RULES?)\s+(?P<n>\d{{1,4}}(?:[.:\-]\d+)*[A-Za-z]?)(?![\d])(?P<sub>{_SUB})"
        rf"(?P<more>(?:\s*(?:,\s*(?:and|or)\b|,|\band\b|\bor\b)\s*\d+(?:[.:\-]\d+)*(?:\([A-Za-z0-9]{{1,4}}\))*)*)"
        rf"(?P<frcp>\s+of\s+the\s+Federal\s+Rules\s+of\s+(?P<k>Civil|Criminal|Appellate)\s+Procedure)?")),
    ("rule", "sct_rule", re.compile(rf"\b(?:[A-Z][a-z]{{0,5}}\.\s?){{1,2}}S\.\s?Ct\.\s?R(?:ule)?\.?\s*\d+(?:\.\d+)?{_SUB}")),
    ("rule", "nj", re.compile(rf"(?<![\w.])R\.\s?(?P<n>\d{{1,2}}:\d{{1,3}}[A-Z]?(?:-\d+[A-Za-z]?(?:\.\d+)?)?){_SUB}")),
    # a state's own code cited bare in its courts' papers ("Code § 65.2-710" in Virginia, "Code § 37-6-23")
    ("statute", "bare_code", re.compile(rf"(?<![\w.])\bCode\s+§§?\s*\d+(?:[.\-:]\d+[A-Za-z]?)+{_SUB}")),
    # a PACER docket's cause code, title:section as written ("Cause: 42:1983 Civil Rights Act")
    ("statute", "cause", re.compile(r"(?<=Cause:)[ \t]*\d{1,2}:\d{1,5}[a-z]?\b")),
    # a criminal docket's counts and complaints, title:section first ("18:1326 Illegal Reentry Following Deportation")
    ("statute", "count", re.compile(r"(?m)^[ \t]*\d{1,2}:(?:\d{3,5}|[6-9]\d)[A-Za-z]?(?:\([A-Za-z0-9]{1,4}\))*(?:\.[A-Z])?(?=[ \t]+[A-Z][a-z])")),
    ("statute", "session", re.compile(r"\b(?:St\.|Acts\s+of)\s?(?:19|20)\d{2},?\s*(?:c\.|ch\.|chapter)\s*\d+\b")),
    ("statute", "named_code", re.compile(
        r"\b(?P<code>(?:[A-Z][a-z]+\s+(?:(?:and|of)\s+)?){0,6}(?:Code|Law|Act)(?:\s+of\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,3})?)"
        r",?\s+(?:[Ss]ections?|§§?)\s+(?P<list>\d+[A-Za-z]?(?:[.\-:]\d+[A-Za-z]?)*(?:\([a-z0-9]{1,4}\))*"
        r"(?:\s*(?:,|\band\b|\bor\b)\s*\d+[A-Za-z]?(?:[.\-:]\d+[A-Za-z]?)*(?:\([a-z0-9]{1,4}\))*)*)(?![\w\-])")),
    ("statute", "dotted", re.compile(rf"\b(?:[A-Z]\.){{2,6}}(?:[A-Z][a-z]{{0,3}}\.)?\s*§§?\s*\d[\w.\-:]*?\w{_SUB}(?![\w\-])")),
    ("rule", "state_abbr", re.compile(rf"\b(?P<a>MCR|CRC|Pa\.\s?R\.C\.P\.|Ariz\.\s?R\.\s?Civ\.\s?P\.)\s+(?P<n>\d+(?:\.\d+)*[a-z]?){_SUB}")),
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
    if kind == "count":
        heading = re.search(r"(?:Pending|Terminated)\s+Counts|\bComplaints\b", m.string[max(0, s - 1500):s])
        return [(whole.strip(), s + len(m.group(0)) - len(m.group(0).lstrip()), e)] if heading else []
    if kind == "rcp_long":
        if g["word"].lower() == "rules" and g["more"]:          # "Federal Rules of Evidence 608 and 609": one citation
            return [(whole, s, e)]
        sub = re.sub(r"^\d+", "", m.string[m.start("n"):m.start("more")].strip()).replace(" ", "")
        if g["ev"]:
            return [(f"Fed. R. Evid. {g['n']}{sub}", s, m.start("more"))]
        k = {"civil": "Civ.", "criminal": "Crim.", "appellate": "App.", "bankruptcy": "Bankr."}[g["k"].lower()]
        return [(f"Fed. R. {k} P. {g['n']}{sub}", s, m.start("more"))]
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
        if re.search(r"\d", g["more"] or ""):        # "Rules 13, 181, and 286", "Rule 3(i) and 11(c)": one citation, as written
            listed = _squash(m.string[m.start("n"):m.end("more")])
            return [((pre + " " if pre else "") + f"{g['word'].capitalize()} " + re.sub(r"(\d)\s+\(", r"\1(", listed),
                     s, m.end("more"))]
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


def _eyecite_pieces(text: str) -> list[tuple[int, int]]:
    pieces = []
    for a, b in _windows(text[:_EYECITE_MAX_CHARS], _EYECITE_TRIGGER, 260, 140):
        # a long run of citations is cut at line breaks: eyecite's cost grows with chunk length
        while b - a > _EYECITE_CHUNK:
            cut = text.rfind("\n", a + _EYECITE_CHUNK // 2, a + _EYECITE_CHUNK)
            cut = cut + 1 if cut != -1 else a + _EYECITE_CHUNK
            pieces.append((a, cut))
            a = cut
        pieces.append((a, b))
    return pieces[:_EYECITE_MAX_PIECES]


def _eyecite_items(text: str) -> list[tuple[str, str, int, int, frozenset]]:
    try:
        from eyecite import get_citations
    except Exception:  # eyecite missing: the regular expressions still find statutes and rules
        log.warning("eyecite unavailable; case citations will be missed", exc_info=True)
        return []
    out: list[tuple[str, str, int, int, frozenset]] = []
    budget = _EYECITE_BUDGET
    for pos, end in _eyecite_pieces(text):
        if budget <= 0 or len(out) >= MAX_ITEMS:
            break
        budget -= end - pos
        # eyecite misses "470\nF.3d 471": give it spaces instead (same length, same offsets)
        chunk = re.sub(r"[\r\n\f\v]", " ", text[pos:end])
        if not re.search(r"\d", chunk):
            continue
        try:
            cites = get_citations(chunk)
        except Exception:  # a tokenizer failure on odd text loses that chunk's case citations only
            log.warning("eyecite failed on a chunk", exc_info=True)
            continue
        out += [(core, kind, pos + s, pos + e, cores) for core, kind, s, e, cores in _read_cites(chunk, cites)]
    return out


# a case name right before its citation: capitalised words (with "of", "the", "ex rel." ...) either side of "v."
_CAP = r"(?:[A-Z'\u2018\u201c][\w.'&\-\u2019\u201d]*,?|&)"
_CONN = r"(?:of|the|and|for|de|del|la|ex\s+rel\.|d/b/a|et\s+al\.,?)"
_PARTY = rf"{_CAP}(?:\s+(?:{_CAP}|{_CONN})){{0,10}}"
# "Harter v. Grand Aerie, ___ Mich. ___, 693 N.W.2d 381": a reporter whose volume is not out yet sits between
_BLANK_REPORTER = r"(?:,\s*_{2,}\s*[A-Z][A-Za-z.\d]{0,12}(?:\s?[A-Za-z.\d]{1,6})?\s*_{2,})?"
_CASE_NAME = re.compile(rf"(?:(?:In\s+re|Ex\s+parte|(?:In\s+the\s+)?(?:Matter|Interest)\s+of)\s+{_PARTY}|"
                        rf"{_PARTY}\s+vs?\.?\s+{_PARTY}){_BLANK_REPORTER},\s*$")
_SIGNAL = re.compile(r"^(?:(?:See|Under|But|Cf\.|Accord|Also|E\.g\.,?|And|Compare|Citing|Quoting|In(?!\s+(?:re|the\s+(?:Matter|Interest))\b))"
                     r"\s+(?:also\s+|generally\s+)?)+")
# what may sit between a citation and the next one of the same case (parallel citations): pin cites
_PIN = (r"(?:\(\d{1,2}\))?(?:,\s*(?:at\s+)?(?:\u00b6\u00b6?\s*)?\d+(?:\s*[-\u2013]\s*\d+)?(?:\s*nn?\.\s*\d+)?"
        r"(?:\(\d{1,2}\))?)*")
_PARALLEL_GAP = re.compile(rf"^{_PIN}\s*[,;]\s*$")
# a later decision in the same case's history ("..., lv. granted 19 N.Y.3d 958", "review denied, 2007 WI 59"):
# part of the citation before it, not a citation of its own
_HISTORY = re.compile(r"(?:\baff(?:'|\u2019)?d|\baffirmed|\brev(?:'|\u2019)?d|\breversed|\bvacated|\bmodified|"
                      r"\b(?:lv\.?|leave(?:\s+to\s+appeal)?|cert\.?|certiorari|review|reh(?:'|\u2019)?g|rehearing|appeal)\s+"
                      r"(?:granted|denied|dismissed))(?:\s+on\s+other\s+grounds)?,?\s*(?:by\s+)?$", re.I)
# a short form's parallel citation ("Id. at 548, 523 S.E.2d 6", "T.W., supra at 676, 566 S.E.2d 405")
_SHORT_BEFORE = re.compile(r"\b(?:id\.|ibid\.|supra)(?:\s+at\s+\d+(?:\s*[-\u2013]\s*\d+)?)?\s*,\s*$", re.I)
_YEAR_AFTER = re.compile(rf"{_PIN}\s*\(([^()]{{0,60}}?)\b((?:1[6-9]|20)\d\d)\)")


def _read_cites(chunk: str, cites) -> list[tuple[str, str, int, int, frozenset]]:
    """Each citation as written, with its own case name and its own year: the parenthetical right after it
    (or after its parallel citations, which make one citation with it), never one that belongs to the next
    case (eyecite's metadata can be wrong). A star-page label ("[58 Va.App. 246]") is pagination; a later
    decision in the case's history ("lv. granted 19 N.Y.3d 958") and a short form's parallel citation
    ("Id. at 548, 523 S.E.2d 6") are not citations of their own. Each case citation carries its reporter
    cores ("523 S.E.2d 6"), so a case cited again with another pin or name is listed once."""
    from eyecite.models import FullCaseCitation, FullJournalCitation, FullLawCitation
    kinds = [(c, "case" if isinstance(c, FullCaseCitation) else "statute" if isinstance(c, FullLawCitation)
              else "other" if isinstance(c, FullJournalCitation) else None) for c in cites]
    kinds = sorted(((c, k) for c, k in kinds if k and not _star_page(chunk, c.span())), key=lambda ck: ck[0].span()[0])
    out: list[tuple[str, str, int, int, frozenset]] = []
    group: list = []
    for i, (c, kind) in enumerate(kinds):
        try:
            if kind != "case":
                out.append((*_law_cite(chunk, c, kind), frozenset()))
                continue
            group.append(c)
            nxt = kinds[i + 1] if i + 1 < len(kinds) else None
            if nxt and nxt[1] == "case" and _PARALLEL_GAP.match(chunk[c.span()[1]:nxt[0].span()[0]]):
                continue                              # a parallel citation of the same case follows
            before = chunk[max(0, group[0].span()[0] - 80):group[0].span()[0]]
            if not (_HISTORY.search(before) or _SHORT_BEFORE.search(before)):
                out.append((*_case_cite(chunk, group, out[-1][3] if out else 0), _cores(group)))
            group = []
        except Exception:  # one odd citation object must not lose the others
            log.debug("skipping an eyecite citation", exc_info=True)
            group = []
    return out


def _cores(group: list) -> frozenset:
    cores = set()
    for c in group:
        g = getattr(c, "groups", None) or {}
        if g.get("volume") and g.get("page") and g.get("reporter"):
            cores.add(re.sub(r"[\s.]", "", f"{g['volume']}{g['reporter']}{g['page']}").lower())
    return frozenset(cores)


def _star_page(chunk: str, span: tuple[int, int]) -> bool:
    return chunk[max(0, span[0] - 2):span[0]].rstrip().endswith("[") and chunk[span[1]:span[1] + 2].lstrip().startswith("]")


def _case_cite(chunk: str, group: list, prev_end: int) -> tuple[str, str, int, int]:
    s, e = group[0].span()[0], group[-1].span()[1]
    m = _YEAR_AFTER.match(chunk, e) or re.compile(_PIN).match(chunk, e)
    e = m.end() if m else e
    n = _CASE_NAME.search(chunk[max(prev_end, s - 200):s])
    name = _SIGNAL.sub("", _squash(n.group(0).rstrip(", "))) if n else None
    name = re.sub("[\u2018\u2019]", "'", name) if name else name
    return (f"{name}, " if name else "") + _squash(chunk[s:e]).rstrip(","), "case", s, e


def _law_cite(chunk: str, c, kind: str) -> tuple[str, str, int, int]:
    s, e = c.span()
    core = _squash(c.corrected_citation() or c.matched_text())
    fs, fe = c.full_span()
    pin = chunk[e:fe]
    if re.fullmatch(r"\s?(?:\((?!(?:1[6-9]|20)\d\d\))[A-Za-z0-9]{1,4}\))+", pin or ""):   # a subsection, not a year
        core += pin.strip()
        e = fe
    return core, kind, s, e


def _within(key: str, other: str) -> bool:
    """``key`` is the whole tail of a longer citation already listed ("Rules 608 and 609" after "Federal Rules
    of Evidence 608 and 609"), not a neighbour (42 U.S.C. § 198 is not in § 1983; (A)(1) not in (A)(1)(b))."""
    i = other.find(key)
    if len(key) >= 6 and i > 0 and other.endswith(key) and not other[i - 1].isdigit():
        return True
    bare = re.match(r"rules?(\d.*)$", key)         # "Rule 608" after "Fed. R. Evid. 608": the same rule, short
    return bool(bare) and re.search(r"[a-z.]" + re.escape(bare.group(1)) + r"(?![\d.(])", other) is not None


def _citations(doc: _Doc) -> list[dict]:
    text = doc.text
    # the state table first: where another pattern reads the same words, the table's reading is kept
    none: frozenset = frozenset()
    items: list[tuple[int, int, str, str, frozenset]] = [(s, e, t, "statute", none) for t, s, e in find_statutes(text)]
    for kind, name, rx in _CITE_RES:
        for m in rx.finditer(text):
            for t, s, e in _norm_cite(name, m):
                items.append((s, e, t, kind, none))
    for t, kind, s, e, cores in _eyecite_items(text):
        items.append((s, e, t, kind, cores))
    items.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    kept: list[tuple[int, int, str, str, frozenset]] = []
    taken = _Taken(len(text))
    for it in items:
        if taken.overlaps(it[0], it[1]):
            continue
        taken.take(it[0], it[1])
        kept.append(it)
    out: list[dict] = []
    keys: list[str] = []
    seen: set[str] = set()
    cited: set[str] = set()                  # reporter cores of the cases already listed
    for s, e, t, kind, cores in kept:
        key = _cite_key(t)
        if key in seen or (cores & cited) or any(_within(key, k) for k in keys):
            continue                         # the same case again (another pin or name), or a shorter form
        cited |= cores
        if len(out) >= MAX_ITEMS:
            break
        base = re.sub(r"(?:\([a-z0-9]{1,4}\))+$", "", key)
        merged = False
        for i, k in enumerate(keys):
            kbase = re.sub(r"(?:\([a-z0-9]{1,4}\))+$", "", k)
            if k == key or (k == base and kind != "statute"):
                merged = True
                break
            if kbase == key and kind != "statute":                   # the general form came second: keep it, at the first place
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
