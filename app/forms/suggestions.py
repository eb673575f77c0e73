"""What to do next with a document: the deadline triggers and court forms that fit it, each with why.

The analysis of a document says what it is (``document_type``: summons, notice, judgment, ...) and what it
is about (summary, key concepts, issues, deadlines found); the case says where (``jurisdiction``) and what
kind of case it is. From these this module suggests

* **triggers**: the events of the jurisdiction's rule file that such a document usually starts ("service
  of the eviction summons"), so the person can compute the deadline from the date on the paper. Only
  triggers whose rules apply to the case type are offered; when the text names the event, that trigger
  comes first and ``why`` quotes the words that matched;
* **forms**: the court's fillable forms for this jurisdiction and case type, the answer form first when
  the document is something one answers (a summons or complaint), the appeal form first after a judgment.

Nothing here computes a date or fills a form: suggestions are pointers the person confirms. A
jurisdiction without a rule file gets no triggers and says so in ``notes`` (never a guessed rule).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from app.extensions import db
from app.models import Case
from app.accounts.tenancy import Principal
from app.deadlines import engine
from app.documents import documents
from app.forms.library import list_forms

__all__ = ["suggest", "for_document", "ANSWERABLE", "DECIDED"]

ANSWERABLE = ("summons", "complaint")          # a document a person answers
DECIDED = ("judgment", "order")                # a decision a person may appeal or ask to reopen
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_STOP = frozenset("""your with that this from have were been they them their there about after before
    which would could should court case file filed days date notice landlord tenant when what will shall
    into upon under other than more also only such each must does said""".split())
_FORM_CUES = (  # (words in a form's title, document types it answers, why)
    (("answer", "appearance", "defense", "sworn denial", "grounds of defense"), ANSWERABLE,
     "an answer or appearance form: it is how you respond to a {doc} and keep your defenses"),
    (("appeal",), DECIDED, "an appeal form: after a {doc} the time to appeal is short"),
    (("objection", "object"), DECIDED, "a form to object to a {doc}"),
)
_FEE_WORDS = ("fee", "indigen", "inability", "deferral", "waive")


def suggest(analysis: Mapping[str, Any], *, jurisdiction: str | None, case_type: str | None,
            court_type: str | None = None) -> dict[str, Any]:
    """Triggers and forms for a document analysed as ``analysis`` in a case of this jurisdiction and type."""
    doc_type = (analysis.get("document_type") or "other").strip().lower()
    rule_jurisdiction = _rule_jurisdiction(jurisdiction, court_type)
    notes: list[str] = []
    triggers = _triggers(rule_jurisdiction, case_type, doc_type, _words(analysis), notes)
    forms = _forms(jurisdiction, case_type, doc_type)
    if not forms and jurisdiction:
        notes.append(f"CaseOS has no fillable forms for {jurisdiction} and this case type yet.")
    return {"jurisdiction": rule_jurisdiction, "document_type": doc_type, "triggers": triggers,
            "forms": forms, "notes": notes}


def for_document(principal: Principal, document_id, analysis: Mapping[str, Any]) -> dict[str, Any]:
    """Suggestions for a document the principal can see, from its analysis and its case."""
    doc = documents.get(principal, document_id)
    case = db.session.get(Case, doc.case_id) if doc.case_id else None
    return suggest(analysis, jurisdiction=case.jurisdiction if case else None,
                   case_type=case.case_type if case else None, court_type=case.court_type if case else None)


def _rule_jurisdiction(jurisdiction: str | None, court_type: str | None) -> str | None:
    if court_type == "FEDERAL_DISTRICT":
        return "US-FED"
    return (jurisdiction or "").strip().upper() or None


def _words(analysis: Mapping[str, Any]) -> set[str]:
    """The content words of what the analysis says the document is about (not the document's text)."""
    parts = [analysis.get("summary") or ""]
    for key in ("key_concepts", "issues"):
        parts += [str(x) for x in analysis.get(key) or []]
    parts += [str(d.get("label") or "") for d in analysis.get("deadlines") or [] if isinstance(d, Mapping)]
    return {w for w in _WORD.findall(" ".join(parts).lower()) if w not in _STOP}


def _triggers(jurisdiction: str | None, case_type: str | None, doc_type: str, words: set[str],
              notes: list[str]) -> list[dict[str, Any]]:
    if not jurisdiction:
        notes.append("The case has no jurisdiction, so no deadline rules can be suggested.")
        return []
    if jurisdiction not in engine.list_jurisdictions():
        notes.append(f"CaseOS has no deadline rules for {jurisdiction}; no trigger is suggested "
                     "(read the deadline on the paper itself).")
        return []
    found = engine.suggest_triggers(jurisdiction, case_type, doc_type)
    scored = []
    for t in found:
        vocab = {w for w in _WORD.findall(" ".join([t["label"], t["description"], *t["plain"]]).lower())
                 if w not in _STOP}
        shared = sorted(words & vocab)
        named = doc_type in t["label"].lower()  # "service of the notice to quit" for a notice
        why = f"A {doc_type} usually starts this clock in {jurisdiction} ({t['label']})"
        if shared:
            why += "; the document mentions " + ", ".join(shared[:5])
        scored.append((-len(shared) - 3 * named, t["id"], {"id": t["id"], "label": t["label"], "plain": t["plain"],
                                               "rule_ids": t["rule_ids"], "input": t["input"],
                                               "matched_words": shared, "why": why + "."}))
    if not scored:
        notes.append(f"No {jurisdiction} deadline rule CaseOS has for this case type starts from a {doc_type}; "
                     "the dates on the paper itself control.")
    return [s[2] for s in sorted(scored, key=lambda s: (s[0], s[1]))]


def _forms(jurisdiction: str | None, case_type: str | None, doc_type: str) -> list[dict[str, Any]]:
    if not jurisdiction:
        return []
    ranked = []
    for f in list_forms(jurisdiction, case_type=case_type):
        rank, why = _form_reason(f, doc_type)
        ranked.append((rank, f["language"] != "en", f["id"], {
            "id": f["id"], "title": f["title"], "jurisdiction": f["jurisdiction"], "language": f["language"],
            "why": why}))
    return [r[3] for r in sorted(ranked, key=lambda r: r[:3])]


def _form_reason(form: Mapping[str, Any], doc_type: str) -> tuple[int, str]:
    title = form["title"].lower()
    where = f"a {form['jurisdiction']} court form for {', '.join(c.lower().replace('_', ' ') for c in form['case_types'])} cases"
    for cues, doc_types, why in _FORM_CUES:
        if any(c in title for c in cues):
            if doc_type in doc_types:
                return 0, f"{why.format(doc=doc_type)}; {where}."
            return 2, f"{why.format(doc=' or '.join(doc_types))}; {where}."
    if any(w in title for w in _FEE_WORDS):
        return 1, f"asks the court to waive or defer its fees if you cannot pay them; {where}."
    return 3, f"{where}."
