"""The local analyzer's shared pieces: limits, the document with its lines and sentences, quoting, and
search windows (used by every extractor)."""
from __future__ import annotations

import bisect
import re


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
                  "form", "instructions", "correspondence", "other",
                  "opinion", "docket", "notice_of_electronic_filing", "email", "brief")
ROLES = ("PLAINTIFF", "DEFENDANT", "PETITIONER", "RESPONDENT", "LANDLORD", "TENANT", "ATTORNEY", "OTHER",
         "APPELLANT", "APPELLEE", "DEBTOR", "CREDITOR", "TRUSTEE")


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
