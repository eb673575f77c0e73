"""Retrieval for the assistant: terms and BM25 ranking over passages of a case's documents, the
case's facts, and the deadline rules that match a text."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
import sqlalchemy as sa
from app.extensions import db
from app.models import Case, Deadline, Document, Party
from app.documents import documents
from app.deadlines import engine


DISCLAIMER = (
    "This is general information to help you find your way, not legal advice. It can be incomplete "
    "or wrong for your situation: check every date and rule with the court clerk, and talk to a lawyer "
    "or a legal aid office if you can."
)
TOP_PASSAGES = 4
PASSAGE_MAX = 800          # passages are built from paragraphs/sentences up to this many characters
MAX_DOCUMENTS = 100        # per case, newest first: bounds the work of one question
MAX_PAGES = 2000
HISTORY_TURNS = 12         # earlier messages sent to a model
HISTORY_CHARS = 4000
MAX_MESSAGES_READ = 1000


# ============================================================================ text and ranking

_STOP = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below
between both but by can can't could did didn't do does doesn't doing don't down during each few for from
further had has have having he her here hers herself him himself his how i i'm if in into is isn't it it's
its itself just let's me more most my myself no nor not of off on once only or other our ours ourselves out
over own please same she should so some such tell than that that's the their theirs them themselves then
there there's these they this those through to too under until up us very was wasn't we were what what's
when where which while who whom why will with would you your yours yourself yourselves know need want get
got also may might must shall thing things anything something say says said does mean means
""".split())

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_VOWEL = re.compile(r"[aeiouy]")

# A few words a self-represented litigant uses for what court papers call otherwise (half weight).
_EXPANSIONS = {
    "deadline": ("due", "within", "day"), "due": ("deadline", "within"), "evict": ("possession", "quit", "summary"),
    "kick": ("evict", "possession"), "fire": ("terminat",), "sue": ("complaint", "claim"),
    "respond": ("answer", "response"), "reply": ("answer", "response"), "money": ("amount", "pay"),
    "owe": ("amount", "due", "pay"), "court": ("hearing",), "hearing": ("court", "trial"),
    "landlord": ("lessor", "owner"), "tenant": ("lessee", "occupant"), "appeal": ("judgment",),
}


def stem(word: str) -> str:
    """A light English suffix stripper (applied alike to questions and passages)."""
    w = word
    if len(w) <= 3 or w.isdigit():
        return w
    if w.endswith("'s"):
        w = w[:-2]
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and _VOWEL.search(w[:-len(suffix)]):
            w = w[:-len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
                w = w[:-1]  # submitted -> submit
            break
    if w.endswith("ion") and len(w) > 5:
        w = w[:-3]  # eviction -> evict
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def terms(text: str) -> list[str]:
    """Stemmed content words of a text, in order."""
    return [stem(w) for w in _WORD.findall((text or "").lower()) if w not in _STOP and len(w) > 1]


def query_terms(text: str) -> dict[str, float]:
    """Distinct question terms with their weight (1.0; 0.5 for a term only added by expansion)."""
    weights: dict[str, float] = {}
    for t in terms(text):
        weights[t] = 1.0
    for t in list(weights):
        for extra in _EXPANSIONS.get(t, ()):
            weights.setdefault(stem(extra), 0.5)
    return weights


def keywords(text: str, limit: int = 8) -> list[str]:
    """Distinct unstemmed content words (for the full-text index), in order."""
    out: list[str] = []
    for w in _WORD.findall((text or "").lower()):
        if w not in _STOP and len(w) > 2 and w not in out:
            out.append(w)
    return out[:limit]


def bm25(query: dict[str, float], docs: list[list[str]], k1: float = 1.5, b: float = 0.75) -> list[float]:
    """Okapi BM25 score of every tokenized document for the weighted query terms."""
    n = len(docs)
    if not n or not query:
        return [0.0] * n
    avgdl = sum(len(d) for d in docs) / n or 1.0
    df = Counter(t for d in docs for t in set(d) if t in query)
    idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in df}
    scores = []
    for d in docs:
        tf = Counter(t for t in d if t in idf)
        s = 0.0
        for t, f in tf.items():
            s += query[t] * idf[t] * f * (k1 + 1) / (f + k1 * (1 - b + b * len(d) / avgdl))
        scores.append(s)
    return scores


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _split_long(text: str, limit: int) -> list[str]:
    """A paragraph longer than the limit, cut at sentence ends (or, failing that, between words)."""
    pieces: list[str] = []
    for sentence in re.split(r"(?<=[.!?;:])\s+", text):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces


def split_passages(text: str, limit: int = PASSAGE_MAX) -> list[str]:
    """Passages of at most ``limit`` characters: whole paragraphs joined, long ones cut at sentences."""
    units: list[str] = []
    for para in re.split(r"\n\s*\n|\f", text or ""):
        para = _clean(para)
        if para:
            units.extend([para] if len(para) <= limit else _split_long(para, limit))
    out: list[str] = []
    current = ""
    for unit in units:
        if current and len(current) + 1 + len(unit) > limit:
            out.append(current)
            current = unit
        else:
            current = f"{current} {unit}" if current else unit
    if current:
        out.append(current)
    return out


# ============================================================================ case data


@dataclass
class Passage:
    document_id: str
    title: str
    page: int
    text: str
    score: float

    def source(self) -> dict:
        return {"document_id": self.document_id, "title": self.title, "page": self.page, "excerpt": self.text}


def retrieve(case: Case, question: str, k: int = TOP_PASSAGES) -> tuple[list[Passage], int]:
    """The passages of the case's processed documents that best match the question, and how many documents were read."""
    docs = db.session.execute(
        sa.select(Document).where(Document.case_id == case.id, Document.organization_id == case.organization_id,
                                  Document.deleted_at.is_(None), Document.status == "PROCESSED")
        .order_by(Document.created_at.desc()).limit(MAX_DOCUMENTS)).scalars().all()
    candidates: list[Passage] = []
    pages_read = 0
    for doc in docs:
        for page in documents.page_texts(doc):
            pages_read += 1
            for text in split_passages(page["text"]):
                candidates.append(Passage(str(doc.id), doc.title, page["number"], text, 0.0))
            if pages_read >= MAX_PAGES:
                break
        if pages_read >= MAX_PAGES:
            break
    query = query_terms(question)
    scores = bm25(query, [terms(p.text) + terms(p.title) for p in candidates])
    for p, s in zip(candidates, scores):
        p.score = round(s, 4)
    ranked = sorted((p for p in candidates if p.score > 0), key=lambda p: -p.score)
    if ranked:
        floor = ranked[0].score * 0.2  # a passage far below the best one is noise, not a source
        ranked = [p for p in ranked if p.score >= floor]
    return ranked[:k], len(docs)


def case_facts(case: Case) -> dict:
    """What CaseOS records about a case: the ground every answer stands on."""
    parties = db.session.execute(sa.select(Party).where(Party.case_id == case.id)
                                 .order_by(Party.created_at).limit(30)).scalars().all()
    deadlines = db.session.execute(
        sa.select(Deadline).where(Deadline.case_id == case.id, Deadline.status.in_(("PENDING", "SUGGESTED")))
        .order_by(Deadline.due_date, Deadline.due_time).limit(10)).scalars().all()
    return {
        "title": case.title, "description": (case.description or "")[:1000] or None,
        "case_type": case.case_type, "court_type": case.court_type,
        "jurisdiction": case.jurisdiction, "county": case.county, "case_number": case.case_number,
        "status": case.status,
        "filing_deadline": case.filing_deadline.isoformat() if case.filing_deadline else None,
        "parties": [{"name": p.name, "role": p.role, "status": p.status} for p in parties],
        "deadlines": [{"title": d.title, "due_date": d.due_date.isoformat(),
                       "due_time": d.due_time.isoformat() if d.due_time else None, "status": d.status,
                       "citation": d.citation or d.rule} for d in deadlines],
    }


# ============================================================================ deadline rules


def jurisdiction_rules(jurisdiction: str) -> tuple[dict | None, list[dict]]:
    """(information about the jurisdiction, its rules), or (None, []) when CaseOS has no rules for it."""
    try:
        return engine.jurisdiction_info(jurisdiction), engine.list_rules(jurisdiction)
    except engine.DeadlineRuleUnknown:
        return None, []


def match_rules(jurisdiction: str, text: str, limit: int = 5, min_terms: int = 1) -> list[dict]:
    """Rules of the jurisdiction whose trigger, title, text or notes match the words of ``text``, best first."""
    _info, rules = jurisdiction_rules(jurisdiction)
    query = query_terms(text)
    if not rules or not query:
        return []
    bodies = [terms(" ".join([r["title"], r["title"], r["trigger_label"], r["trigger_label"],
                              r["trigger"].replace("_", " "), r["rule"], r.get("notes") or "", r["citation"]]))
              for r in rules]
    scores = bm25(query, bodies)
    ranked = []
    for rule, body, score in zip(rules, bodies, scores):
        matched = sum(1 for t in query if query[t] == 1.0 and t in body)
        if score > 0 and matched >= min(min_terms, sum(1 for w in query.values() if w == 1.0)):
            ranked.append((score, rule))
    ranked.sort(key=lambda x: -x[0])
    if ranked:
        best = ranked[0][0]
        ranked = [(s, r) for s, r in ranked if s >= best * 0.4]
    return [_citation(r) for _s, r in ranked[:limit]]


def _citation(rule: dict) -> dict:
    return {"rule_id": rule["id"], "jurisdiction": rule["jurisdiction"], "title": rule["title"],
            "rule": rule["rule"], "citation": rule["citation"], "trigger": rule["trigger"],
            "trigger_label": rule["trigger_label"], "notes": rule.get("notes") or None}
