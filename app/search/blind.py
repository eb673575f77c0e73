"""The blind index: words become per-organization keyed tokens before anything reaches the database.

A page's words are lower-cased, stop words dropped and the rest stemmed (Snowball English, the
stemmer of PostgreSQL's ``english`` configuration). Each stem becomes ``HMAC-SHA256(org key, stem)``
cut to 50 bits (10 base32 characters), and each pair of neighbouring stems a second token of its
own (``HMAC(org key, "a b")``), which is how a quoted phrase is found without word positions.

What the database holds is, per page and per document, a *set* of such tokens with a count capped
at ``MAX_COUNT`` and a weight (title ``A``, body ``B``); no order. PostgreSQL receives them as
tsvector positions ``1..count`` (not where the word stood), so sorting lexemes by position gives
nothing back; SQLite's FTS5 receives them sorted by token. The query gets the same transformation
with the same key, so another organization's tokens for the same word differ.

What this still reveals to someone who reads the database: how many distinct words a page has,
how often each token recurs (capped) and which pages share tokens (frequency analysis over many
pages of one organization may guess the most common words). It does not reveal a word, or the
order of words. Phrases match when every neighbouring pair of their words occurs on the page
(a pair across a stop word counts as neighbours), so "notice to quit" also matches "notice: quit".
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass, field

import Stemmer

TOKEN_CHARS = 10      # 50 bits: a false match needs two of an organization's words to collide
MAX_COUNT = 4         # ranking counts a word's occurrences up to here (ts_rank adds 1/n^2 per occurrence)
_WORD = re.compile(r"\w+")
_STEMMER = Stemmer.Stemmer("english")

# PostgreSQL's english.stop (the Snowball list), so "the" or "to" neither match nor split a phrase.
STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is
are was were be been being have has had having do does did doing a an the and but if or because as until
while of at by for with about against between into through during before after above below to from up
down in out on off over under again further then once here there when where why how all any both each few
more most other some such no nor not only own same so than too very s t can will just don should now
""".split())


def stems(text: str) -> list[str]:
    """The words of a text that are indexed, stemmed, in order."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    return _STEMMER.stemWords(words) if words else []


@functools.lru_cache(maxsize=65_536)  # words recur across pages: about half the cost of indexing a page
def _mac(key: bytes, kind: bytes, value: str) -> str:
    digest = hmac.new(key, kind + b"\x00" + value.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest[:8]).decode("ascii")[:TOKEN_CHARS].lower()


def word_token(key: bytes, stem: str) -> str:
    return _mac(key, b"w", stem)


def pair_token(key: bytes, first: str, second: str) -> str:
    return _mac(key, b"p", first + " " + second)


def tokens(key: bytes, text: str) -> Counter:
    """{token: occurrences} of a text: one per stem occurrence, one per neighbouring pair."""
    s = stems(text)
    out = Counter(word_token(key, w) for w in s)
    out.update(pair_token(key, a, b) for a, b in zip(s, s[1:]))
    return out


@dataclass
class Bag:
    """The tokens of one index row, by weight ('A' title, 'B' body)."""
    title: Counter = field(default_factory=Counter)
    body: Counter = field(default_factory=Counter)

    def tsvector(self) -> str:
        """A tsvector literal: each token with positions 1..count (capped), title ones weighted A."""
        parts = []
        for tok in sorted(set(self.title) | set(self.body)):
            a, b = min(self.title[tok], MAX_COUNT), min(self.body[tok], MAX_COUNT)
            pos = [f"{i}A" for i in range(1, a + 1)] + [f"{i}B" for i in range(a + 1, a + b + 1)]
            parts.append(f"{tok}:{','.join(pos)}")
        return " ".join(parts)

    def fts5(self) -> tuple[str, str]:
        """(title, body) columns for FTS5: each token repeated count times (capped), sorted."""
        def col(c: Counter) -> str:
            return " ".join(tok for tok in sorted(c) for _ in range(min(c[tok], MAX_COUNT)))
        return col(self.title), col(self.body)


# --- queries ---------------------------------------------------------------------------------

@dataclass
class Query:
    """A parsed search as token expressions: what must match, and the tokens that rank."""
    groups: list[list[tuple[list[str], bool]]]  # OR-ed groups of AND-ed (all tokens of a term, negated)
    rank_tokens: list[str]

    def tsquery(self) -> str | None:
        """The match as a tsquery literal (None when the query holds no indexed word)."""
        ors = []
        for group in self.groups:
            ands = []
            for toks, neg in group:
                term = toks[0] if len(toks) == 1 else "(" + " & ".join(toks) + ")"
                ands.append("!" + term if neg else term)
            ors.append("(" + " & ".join(ands) + ")")
        return " | ".join(ors) or None

    def rank_tsquery(self) -> str | None:
        """The tokens that rank, OR-ed: a document scores by how often and where (title, body) they occur."""
        return " | ".join(self.rank_tokens) or None

    def fts5(self) -> str | None:
        """The match in FTS5 syntax (a group of exclusions alone cannot be expressed there)."""
        parts = []
        for group in self.groups:
            pos = [" AND ".join(toks) for toks, neg in group if not neg]
            if not pos:
                continue
            expr = " AND ".join(f"({p})" for p in pos)
            for toks, neg in group:
                if neg:
                    expr = f"({expr}) NOT ({' AND '.join(toks)})"
            parts.append(f"({expr})")
        return " OR ".join(parts) or None


def query(key: bytes, clauses) -> Query:
    """parse_websearch's clauses -> tokens: a word is its token, a phrase the tokens of its pairs."""
    groups, rank = [], []
    for clause in clauses:
        group = []
        for text, is_phrase, neg in clause:
            s = stems(text)
            if not s:
                continue  # only stop words: PostgreSQL's websearch drops them too
            if is_phrase and len(s) > 1:
                toks = [pair_token(key, a, b) for a, b in zip(s, s[1:])]
                words = [word_token(key, w) for w in s]
            else:
                toks = words = [word_token(key, w) for w in s]
            group.append((list(dict.fromkeys(toks)), neg))
            if not neg:
                rank.extend(t for t in words + (toks if toks is not words else []) if t not in rank)
        # Words typed next to each other rank higher where they also stand together in the text.
        loose = [stems(text) for text, is_phrase, neg in clause if not neg and not is_phrase]
        loose = [s[0] for s in loose if len(s) == 1]
        rank.extend(t for t in (pair_token(key, a, b) for a, b in zip(loose, loose[1:])) if t not in rank)
        if group:
            groups.append(group)
    return Query(groups, rank)
