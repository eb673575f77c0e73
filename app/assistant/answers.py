"""Direct answers for the local chat: "who is the judge?", "what is my next deadline?", "when is my
hearing?", "what is my case number?", "which court?", "who is the other side?".

The answer is the fact, the sentence it came from and the document it is in; deadlines and hearings
are the ones still ahead, nearest first; when the papers do not say, the answer says so. A question
that is none of these gets the passages that match it (chat.py)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.documents import documents
from app.models import Case, Deadline, Document, DocumentAnalysis
from app.platform import crypto, runtime

MAX_DOCUMENTS = 50
_INTENTS = [
    ("judge", re.compile(r"\b(?:judges?|justices?|magistrate|who\s+(?:is\s+)?(?:hearing|deciding|presiding))\b", re.I)),
    ("deadline", re.compile(r"\bdeadlines?\b|\bdue\b|\bby\s+when\b|\bwhen\s+(?:do|must|should)\s+i\s+(?:(?:have|need)\s+to\s+)?"
                             r"(?:file|answer|respond|pay)", re.I)),
    ("hearing", re.compile(r"\bhearings?\b|\bcourt\s+date\b|\btrial\s+date\b|\bwhen\s+(?:do|must|should)\s+i\s+"
                           r"(?:(?:have|need)\s+to\s+)?(?:go\s+to|be\s+in|appear\s+in)\s+court\b|\bwhen\s+is\s+(?:my|the)\s+trial\b", re.I)),
    ("case_number", re.compile(r"\b(?:case|docket|index|file)\s+(?:number|no\.?|#)", re.I)),
    ("court", re.compile(r"\b(?:which|what)\s+court\b|\bwhere\s+is\s+(?:my|the)\s+(?:case|court)\b", re.I)),
    ("parties", re.compile(r"\bwho\s+(?:is|are)\s+(?:the\s+)?(?:plaintiffs?|defendants?|landlord|tenant|petitioners?|"
                           r"respondents?|other\s+side|parties|suing)\b|\bwho\s+(?:is\s+suing|sued)\b", re.I)),
]


@dataclass
class Finding:
    """One fact read from a document: what it is, its value, the sentence it came from and where."""

    kind: str
    value: str
    quote: str
    document_id: str
    title: str
    when: date | None = None
    extra: dict = field(default_factory=dict)


def intent_of(question: str) -> str | None:
    return next((name for name, rx in _INTENTS if rx.search(question or "")), None)


def _analyses(case: Case) -> list[tuple[Document, dict]]:
    rows = db.session.execute(
        sa.select(Document, DocumentAnalysis).join(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(Document.case_id == case.id, Document.organization_id == case.organization_id,
               Document.deleted_at.is_(None), Document.status == "PROCESSED")
        .order_by(Document.created_at.desc()).limit(MAX_DOCUMENTS)).all()
    keyring = runtime.current().keyring
    return [(doc, json.loads(crypto.open_bytes(keyring, row.sealed, documents.analysis_aad(doc)))) for doc, row in rows]


def _iso(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def findings(case: Case, kind: str) -> list[Finding]:
    """What the case's documents (their analyses) and its recorded deadlines say about one kind of fact."""
    out: list[Finding] = []
    if kind == "deadline":
        titles = {str(d.id): d.title for d in db.session.execute(
            sa.select(Document).where(Document.case_id == case.id, Document.deleted_at.is_(None))).scalars()}
        for d in db.session.execute(sa.select(Deadline).where(
                Deadline.case_id == case.id, Deadline.organization_id == case.organization_id,
                Deadline.status.in_(("PENDING", "SUGGESTED")))).scalars():
            src = str(d.source_document_id) if d.source_document_id else ""
            out.append(Finding("deadline", d.title, d.quote or "", src, titles.get(src, ""), d.due_date,
                               {"status": d.status}))
        return out
    for doc, a in _analyses(case):
        for item in _items(kind, a):
            out.append(Finding(kind, item["value"], item.get("quote") or "", str(doc.id), doc.title,
                               _iso(item.get("date")), {"role": item.get("role")}))
    return out


def _items(kind: str, a: dict) -> list[dict]:
    if kind == "judge":
        return [{"value": j.get("name"), "quote": j.get("quote")} for j in a.get("judges") or [] if j.get("name")]
    if kind == "hearing":
        return [{"value": "hearing", "quote": d.get("quote"), "date": d.get("date")}
                for d in a.get("dates") or [] if d.get("label") == "hearing"]
    if kind == "case_number":
        return [{"value": c.get("value"), "quote": c.get("quote")} for c in a.get("case_numbers") or [] if c.get("value")]
    if kind == "court":
        return [{"value": c.get("name"), "quote": c.get("quote")} for c in a.get("courts") or [] if c.get("name")]
    if kind == "parties":
        return [{"value": p.get("name"), "quote": p.get("quote"), "role": p.get("role")}
                for p in a.get("parties") or [] if p.get("name") and p.get("role") not in ("ATTORNEY", "OTHER")]
    return []


def _human(d: date) -> str:
    return f"{d.strftime('%A')}, {d.strftime('%B')} {d.day}, {d.year}"


def _source(f: Finding) -> list[str]:
    if not f.quote:
        return []
    where = f'in "{f.title}"' if f.title else "in your case's papers"
    return [f'  It says so {where}: "{" ".join(f.quote.split())}"']


def _dedupe(items: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in items:
        key = (re.sub(r"\W+", " ", f.value.lower()).strip(), f.when)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


_NOT_SAID = {
    "judge": "Your papers do not say who the judge is.",
    "deadline": "No deadline still ahead is recorded for this case or found in its papers.",
    "hearing": "Your papers do not give a hearing or court date that is still ahead.",
    "case_number": "Your papers do not show a case number.",
    "court": "Your papers do not name the court.",
    "parties": "Your papers do not name the parties.",
}


def answer(kind: str, found: list[Finding], today: date) -> tuple[list[str], list[Finding]]:
    """(lines of the answer, the findings it quotes)."""
    if kind in ("deadline", "hearing"):
        return _dated(kind, found, today)
    found = _dedupe(found)
    if not found:
        return [_NOT_SAID[kind]], []
    if kind == "parties":
        roles: dict[str, list[str]] = {}
        for f in found:
            roles.setdefault((f.extra.get("role") or "OTHER").lower(), []).append(f.value)
        line = "Your papers name: " + "; ".join(f"{role}: {', '.join(names[:3])}" for role, names in roles.items()) + "."
        return [line, *_source(found[0])], found[:1]
    noun = {"judge": "judge", "case_number": "case number", "court": "court"}[kind]
    if len(found) == 1:
        lines = [f"The {noun} named in your papers is {found[0].value}."]
    else:
        lines = [f"Your papers name more than one {noun}: " + "; ".join(f.value for f in found[:4]) + "."]
    for f in found[:2]:
        lines += _source(f)
    return lines, found[:2]


def _dated(kind: str, found: list[Finding], today: date) -> tuple[list[str], list[Finding]]:
    ahead = sorted((f for f in _dedupe(found) if f.when and f.when >= today), key=lambda f: f.when)
    past = {f.when for f in found if f.when and f.when < today}
    gone = (f" {len(past)} earlier {'date has' if len(past) == 1 else 'dates have'} already passed."
            if past else "")
    if not ahead:
        return [_NOT_SAID[kind] + gone], []
    first = ahead[0]
    if kind == "deadline":
        note = " (suggested from a document: confirm it)" if first.extra.get("status") == "SUGGESTED" else ""
        lines = [f"Your next deadline is {_human(first.when)}: {first.value}{note}."]
    else:
        lines = [f"Your next hearing is on {_human(first.when)}."]
    lines += _source(first)
    if len(ahead) > 1:
        lines.append("After that: " + "; ".join(f"{_human(f.when)}" + (f" ({f.value})" if kind == "deadline" else "")
                                              for f in ahead[1:4]) + ".")
    if gone:
        lines.append(gone.strip())
    return lines, [first]
