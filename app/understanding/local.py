"""The local analyzer: rules and regular expressions, no network, no model.

``analyze(text)`` reads the text of one court paper and returns the analysis object of
the API contract (``GET /documents/{id}/analysis``): what kind of paper it is, who the
parties are, the case number, the court, dates, deadlines, amounts of money, citations,
and plain-language issues and next steps.

Design notes:

* Every extracted item carries ``quote``, a verbatim substring of the input (the line
  or sentence it came from, at most 300 characters), so a caller can check it.
* Deterministic: the same input gives the same output; lists are de-duplicated and in
  the order their first quote appears in the document.
* Fast: precompiled regular expressions over at most the first 200,000 characters;
  eyecite runs on paragraph-sized chunks; courts-db patterns are loaded once.
* Defensive: any ``str`` is accepted (empty, huge, binary noise, text that tries to give
  instructions); a bug in one extractor loses that field, never the whole analysis.
* Deadlines are counted in calendar days (court days skip weekends only); rolling over
  holidays is the job of the court-rules engine, and each ``basis`` says so.

The extractors live in their own modules, one per thing extracted (dates, deadlines, case_numbers,
courts, parties, amounts, citations, document_type, concepts, advice), each with its pattern
tables at its top; text.py holds what they share. This module runs them and assembles the result.
"""
from __future__ import annotations

import logging
import re
from datetime import date

from app.understanding.advice import _advice, _summary
from app.understanding.amounts import _amounts
from app.understanding.case_numbers import _case_numbers
from app.understanding.citations import _citations
from app.understanding.concepts import _key_concepts, _language
from app.understanding.courts import _courts, _courts_db_patterns
from app.understanding.dates import _LABEL_PRIORITY, _date_label, _find_dates
from app.understanding.deadlines import find_deadlines
from app.understanding.document_type import _document_type
from app.understanding.judges import _judges, _same_judge
from app.understanding.messages import message, texts
from app.understanding.parties import _parties
from app.understanding.text import ANALYZER_VERSION, DISCLAIMER, DOCUMENT_TYPES, MAX_CHARS, MAX_ITEMS, MAX_QUOTE, ROLES, _Doc

__all__ = ["ANALYZER_VERSION", "DISCLAIMER", "DOCUMENT_TYPES", "MAX_QUOTE", "ROLES", "analyze", "warm_up"]

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------ main


def _guard(name: str, fn, *args, default=None):
    """Run one extractor; a bug in it loses that field (logged), never the whole analysis."""
    try:
        return fn(*args)
    except Exception:
        log.exception("local analyzer: the %s extractor failed; that field is left empty", name)
        return [] if default is None else default


def _strip_private(items: list[dict]) -> list[dict]:
    return [{k: v for k, v in it.items() if not k.startswith("_")} for it in items]


_WARM_UP_TEXT = """UNITED STATES DISTRICT COURT FOR THE DISTRICT OF MASSACHUSETTS
JOHN DOE,
     Plaintiff,
v.                                   Civil Action No. 1:26-cv-00001
ACME LLC,
     Defendant.
SUMMONS IN A CIVIL ACTION
Within 21 days after service of this summons on you, you must serve an answer. Hearing on January 5, 2027.
See 42 U.S.C. § 1983, Fed. R. Civ. P. 12(b)(6) and Bell Atlantic Corp. v. Twombly, 550 U.S. 544 (2007). $1,250.00
"""


def warm_up() -> None:
    """Load courts-db and eyecite and compile every pattern now, so the first real analysis is fast."""
    _courts_db_patterns()
    analyze(_WARM_UP_TEXT)


def _inputs(text, pages, reference_date, jurisdiction) -> tuple[str, int | None, date | None, str | None]:
    """Accept anything: the text (or the pages joined), the first page's length, a date, a jurisdiction."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    first_page_len = None
    if pages:
        try:
            page_list = [p if isinstance(p, str) else "" for p in pages]
            if not text.strip():
                text = "\n\n".join(page_list)
            first_page_len = len(page_list[0]) if page_list else None
        except TypeError:
            first_page_len = None
    return (text[:MAX_CHARS], first_page_len, reference_date if isinstance(reference_date, date) else None,
            jurisdiction if isinstance(jurisdiction, str) else None)


def _context(text: str) -> dict:
    return {
        "landlord_tenant": bool(re.search(r"\b(?:tenant|tenancy|landlord|rent|premises|vacate|quit|lease|evict|"
                                          r"arrendador|inquilino|renta|desocupar|desalojo)\b", text[:50_000], re.I)),
        # a court of appeals' paper: a one-line caption ("Case Name: X v. Y") does not say who appeals
        "appellate": bool(re.search(r"court\s+of\s+appeals|appellate\s+(?:court|division|panel)", text[:3000], re.I)),
        "petition": bool(re.search(r"^[ \t]*(?:petitioners?|respondents?)[ \t]*[,.;]?[ \t]*$", text[:20_000], re.I | re.M)),
    }


def _anchors(text: str, raw_dates: list[dict]) -> tuple[date | None, date | None, dict, date | None]:
    """The dates that relative deadlines count from: the paper's own date, service, and the known events."""
    def first(label, within=None):
        for d in raw_dates:
            if d["label"] == label and (within is None or d["start"] < within):
                return d["date"]
        return None

    doc_date = (first("issued", max(len(text) // 3, 3000)) or first("entered") or first("filed")
                or first("signed") or first("issued") or first("decided"))
    served = first("served")
    # "within 90 days after the complaint is filed" counts from the complaint's filing, not an e-filing stamp
    filing = next((d["date"] for d in raw_dates if d["label"] == "filed" and re.search(
        r"complaint|petition", text[max(0, d["start"] - 100):d["end"] + 60], re.I)), None) or first("filed")
    known = {"notice": doc_date, "service": served, "receipt": served, "mailing": served,
             "entry": first("entered") or (None if first("filed") else first("signed")), "hearing": first("hearing"),
             "filing": filing, "docketing": None}
    # the last event the paper reports: a period that ended before it is history the paper recites
    reported = max((d["date"] for d in raw_dates if d["label"] in ("filed", "entered", "issued", "signed", "decided")),
                   default=None)
    return doc_date, served, known, reported


def _dates_listed(doc: _Doc, raw_dates: list[dict]) -> list[dict]:
    """One entry per calendar date, with its most telling label, in the order the paper gives them."""
    dates_out: dict[str, dict] = {}
    for d in raw_dates:
        key = d["date"].isoformat()
        item = {"date": key, "label": d["label"], "quote": doc.quote(d["start"], d["end"]), "_pos": d["start"]}
        cur = dates_out.get(key)
        if cur is None:
            dates_out[key] = item
        elif _LABEL_PRIORITY[d["label"]] < _LABEL_PRIORITY[cur["label"]]:
            cur["label"], cur["quote"] = d["label"], item["quote"]
    return sorted(dates_out.values(), key=lambda x: x["_pos"])


def analyze(text: str, *, pages: list[str] | None = None, reference_date: date | None = None,
            jurisdiction: str | None = None) -> dict:
    """Analyze one document's text; see the module docstring. Never raises on a ``str``."""
    text, first_page_len, reference_date, jurisdiction = _inputs(text, pages, reference_date, jurisdiction)
    doc = _Doc(text, first_page_len)
    language = _guard("language", _language, text, default="und")
    ctx = _context(text)
    raw_dates = _guard("dates", _find_dates, doc, language, jurisdiction)
    for d in raw_dates:
        d["label"] = _guard("date label", _date_label, doc, d["start"], d["end"], default="other")
    doc_date, served, known, reported = _anchors(text, raw_dates)
    merged = _guard("deadlines", find_deadlines, doc, raw_dates, known, doc_date or served, reference_date, reported)
    dates = _dates_listed(doc, raw_dates)

    judges = _guard("judges", _judges, doc)
    parties = [p for p in _guard("parties", _parties, doc, ctx)      # a judge is never a party
               if not any(_same_judge(j["name"], p["name"]) for j in judges)]
    case_numbers = _guard("case numbers", _case_numbers, doc)
    courts = _guard("courts", _courts, doc, jurisdiction)
    amounts = _guard("amounts", _amounts, doc)
    citations = _guard("citations", _citations, doc)
    dtype, conf = _guard("document type", _document_type, doc, ctx, default=("other", 0.0))
    concepts = _guard("key concepts", _key_concepts, text)

    dates, deadlines, parties = _strip_private(dates), _strip_private(merged), _strip_private(parties)
    issues, steps = _guard("advice", _advice, dtype, concepts, dates, deadlines, amounts, reference_date, parties,
                           text, doc_date, default=([], []))
    summary = _guard("summary", _summary, text, dtype, concepts, parties, courts, case_numbers, dates, deadlines,
                     reference_date, doc_date, default=[])
    if not text.strip():
        summary = [message("summary.no_text")]
    return {
        "document_type": dtype,
        "document_type_confidence": conf,
        "summary": " ".join(texts(summary)),
        "parties": parties,
        "case_numbers": _strip_private(case_numbers),
        "courts": _strip_private(courts),
        "judges": _strip_private(judges),
        "dates": dates,
        "deadlines": deadlines,
        "amounts": _strip_private(amounts),
        "citations": _strip_private(citations),
        "key_concepts": concepts,
        "issues": texts(issues),
        "next_steps": texts(steps),
        "language": language,
        "provider": "local",
        "model": ANALYZER_VERSION,
        "disclaimer": DISCLAIMER,
        # the summary, issues and next steps again as messages, for clients that translate them
        "summary_messages": summary,
        "issue_messages": issues,
        "next_step_messages": steps,
    }
