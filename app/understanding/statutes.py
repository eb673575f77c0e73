"""State statutes of all 50 states and DC, found from a data table (statutes.json), not one regular
expression per state: each state lists its codes' names and abbreviations by the form they are cited in,
and the patterns below are built from the table once."""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from app.understanding.text import _finditer_in, _squash, _windows

TABLE_PATH = Path(__file__).with_name("statutes.json")
_NUM = r"\d[\dA-Za-z]*(?:[.\-:/\u2013][\dA-Za-z]+)*"
_SUB = r"(?:\s?\([A-Za-z0-9]{1,4}\))*"
_MARK = r"(?:§§?|[Ss]ec(?:tion|\.)|[Ss]ections?|[Aa]rt(?:icle|\.))"
_SUBJECT = r"(?:(?:[A-Z][A-Za-z'\u2019]*\.?,?\s*(?:&\s*)?){1,4})?"


@functools.lru_cache(maxsize=1)
def table() -> dict[str, dict]:
    """The table: state code -> {state, codes, bare, bare_dotted, title_first, after, chapter, prefix, examples}."""
    data = json.loads(TABLE_PATH.read_text())
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _flex(name: str, loose: bool) -> str:
    """A code's name as a pattern: any spacing; with loose, its periods may be left out ('WV Code', 'W.Va.')."""
    rx = ""
    for i, ch in enumerate(name):
        if ch == ".":
            rx += (r"\.?" if loose else r"\.") + ("" if name[i + 1:i + 2] in (" ", "") else r"\s*")
        elif ch == " ":
            rx += r"\s*" if name[i - 1] == "." else r"\s+"
        else:
            rx += re.escape(ch)
    return rx


def _alt(names, loose: bool) -> str:
    names = sorted(set(names), key=len, reverse=True)            # the longest name wins ("Ann." included)
    return "|".join(_flex(n, loose) for n in names) or r"(?!x)x"


def _names(key: str) -> list[str]:
    """A key's names, each also in capitals as briefs and opinions set them ('WIS. STAT. § 66.0217')."""
    names = [n for entry in table().values() for n in entry.get(key, [])]
    return names + [n.upper() for n in names if n.upper() != n and "." in n] if key in ("codes", "chapter", "after") else names


@functools.lru_cache(maxsize=1)
def patterns() -> tuple[re.Pattern, list[re.Pattern]]:
    """(trigger, patterns): the trigger finds where a statute may be; the patterns read it."""
    lead = r"(?<![\w.])"
    forms = [
        rf"{lead}(?:{_alt(_names('codes'), True)})(?:\s+Ann\.)?,?\s*(?:\d{{4}},?\s*)?(?:tit\.\s*\d+[A-Z]?,?\s*)?{_SUBJECT}"
        rf"{_MARK}\s*{_NUM}{_SUB}",
        rf"{lead}(?:{_alt(_names('prefix'), True)})\s+(?:[A-Z][A-Za-z'\u2019]*\.?\s*(?:&\s*)?){{1,5}}?(?:Code|Law)(?:\s+Ann\.)?"
        rf",?\s*{_MARK}\s*{_NUM}{_SUB}",
        rf"{lead}(?:{_alt(_names('bare'), False)})\s*(?:§§?\s*)?{_NUM}{_SUB}",
        rf"{lead}(?:{_alt(_names('bare_dotted'), False)})\s+\d+[.\-]\d[\d.\-]*\d{_SUB}",
        rf"{lead}\d{{1,3}}[A-Z]?\s+(?:{_alt(_names('title_first'), True)})\s*(?:§§?\s*)?{_NUM}{_SUB}",
        rf"{_MARK}\s*{_NUM}{_SUB},?\s+(?:{_alt(_names('after'), False)})(?!\w)",
        rf"{lead}(?:{_alt(_names('chapter'), False)})\s*(?:ch\.|c\.|chapter)\s*\d+[A-Z]?"
        rf"(?:\s*,?\s*(?:§§?|s\.|sec\.|section)\s*{_NUM}{_SUB})?",
    ]
    bare = _alt(_names("bare") + _names("bare_dotted") + _names("title_first") + _names("chapter"), True)
    trigger = re.compile(rf"§|(?:{bare})\s*\d|\b(?:c|ch|chapter|art|sec|section|tit)\.?\s*\d", re.I)
    return trigger, [re.compile(f) for f in forms]


def find_statutes(text: str) -> list[tuple[str, int, int]]:
    """Every state statute citation: (citation as written, whitespace squashed; start; end)."""
    trigger, forms = patterns()
    wins = _windows(text, trigger, 120, 80)
    out = []
    for rx in forms:
        for m in _finditer_in(rx, text, wins):
            s, e = m.span()
            cite = re.sub(r"(\d)\s+\(", r"\1(", _squash(m.group(0))).rstrip(", ")
            out.append((cite, s, s + len(text[s:e].rstrip(", "))))
    return out
