"""Citations: statutes, rules and regulations by pattern, case law through eyecite."""
from __future__ import annotations

import logging
import re

from app.understanding.text import MAX_ITEMS, _Doc, _EYECITE_BUDGET, _EYECITE_CHUNK, _EYECITE_MAX_CHARS, _EYECITE_MAX_PIECES, _Taken, _squash, _windows

log = logging.getLogger(__name__)

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
