"""Measure an analyzer against a labelled set: precision, recall and F1 per field.

Two kinds of labelled set:

* the evaluation set of real court papers (``tests/fixtures/eval/{dev,blind}``, label schema 2,
  described in its README): each original file (PDF, image, HTML, e-mail...) is read the way an
  upload is read (``eval_reading.read_original``: text layer, OCR where needed; cached), then analysed;
* a folder of ``NAME.txt`` documents with ``NAME.labels.json`` (``tests/fixtures/analysis``, label
  schema 1: case numbers and courts as plain strings): the text is analysed as it is.

Match rules (each expected item matches at most one found item, and the reverse):

* parties: names compared case-insensitively without punctuation, "et al." and titles dropped;
  ``parties_roles`` also requires the same role;
* judges: names without titles ("Hon.", "Chief Judge", "U.S. Magistrate Judge") and punctuation;
  a name matches another that holds all of its words (``Rogers`` does not match ``Yvonne Gonzalez
  Rogers``; ``Yvonne Gonzalez Rogers`` matches ``Yvonne Gonzalez Rogers``);
* case numbers: upper-cased, trailing judge initials dropped (``4:20-cv-05640-YGR`` = ``4:20-cv-05640``);
* courts: names compared without case and punctuation; the same words in another order name the same court
  ("U.S. District Court, Alabama Middle District" = "United States District Court for the Middle District
  of Alabama"); one may extend the other if it keeps 70% of it;
* dates: by value (``dates_labels`` also by label); deadlines: by ``due_date``, or by the rule's
  period, unit and anchor when the expected deadline has no date; amounts: by value;
* citations: normalized text (no spaces, dots or commas; ``§`` and "section" alike), equal
  first, then one containing the other.

Fields are micro-averaged over the documents (true and false positives summed). Also reported:
document type accuracy (and what each wrong type was), the accuracy of the primary case number
(the paper's own case: the item marked ``primary``, else the first one found) and of the primary
court (the court of the paper's own case, matched like courts), language accuracy,
party-role and date-label accuracy over matched items, and **past next steps**: next steps that
name a date already past when the paper is read on its reference date and when it is read today.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Callable

from app.understanding import local
from app.understanding.eval_reading import read_original, reader_fingerprint

FIELDS = ("parties", "parties_roles", "judges", "case_numbers", "courts", "dates", "dates_labels",
          "deadlines", "amounts", "citations")
_MONTHS = "january february march april may june july august september october november december".split()
_STEP_DATE = re.compile(r"\b(" + "|".join(m.capitalize() for m in _MONTHS) + r")\s+(\d{1,2}),\s+(\d{4})\b")
_TITLES = re.compile(r"\b(?:hon(?:orable)?|chief|senior|presiding|associate|u\s*s|united states|district|"
                     r"circuit|bankruptcy|magistrate|administrative law|judge|justice|jr|sr|mr|mrs|ms|dr)\b")


def _norm_name(s: str) -> str:
    s = re.sub(r"\bet\s+al\b\.?", " ", s.lower())
    s = re.sub(r"[^\w\s]", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def _norm_judge(s: str) -> str:
    s = _TITLES.sub(" ", re.sub(r"[^\w\s]", " ", s.lower()))
    return re.sub(r"\s+", " ", s).strip()


def _norm_case(s: str) -> str:
    s = s.upper().strip().strip(".,;:")
    s = re.sub(r"\s+", "", s)
    return re.sub(r"(?<=\d)(?:-[A-Z]{1,4})+(?:-\d{1,2})?$", "", s)   # judge initials, defendant number


def _norm_court(s: str) -> str:
    s = re.sub(r"[^\w\s]", " ", s.lower())
    s = re.sub(r"^\s*(?:in\s+)?the\s+", "", s)
    return re.sub(r"\s+", " ", s).strip()


def _norm_cite(s: str) -> str:
    s = s.lower().replace("§", "s").replace("section", "s").replace("sec.", "s")
    s = re.sub(r"\bch(?:apter)?\b\.?", "c", s)
    s = re.sub(r"[\s.,]", "", s)
    return s.replace("mgl", "gl").replace("massgenlaws", "gl").replace("ss", "s")


_COURT_FILLER = {"the", "for", "of", "in", "and", "at"}


def _court_words(s: str) -> frozenset[str]:
    s = re.sub(r"\bu s\b", "united states", s)
    return frozenset(w for w in s.split() if w not in _COURT_FILLER)


def _court_match(a: str, b: str) -> bool:
    if a == b or (_court_words(a) and _court_words(a) == _court_words(b)):
        return True            # 'U.S. District Court, Alabama Middle District' = '... for the Middle District of Alabama'
    short, long_ = sorted((a, b), key=len)
    return bool(short) and short in long_ and len(short) >= 0.7 * len(long_)


def _cite_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 5 and short in long_


def _judge_match(a: str, b: str) -> bool:
    wa, wb = set(a.split()), set(b.split())
    return len(min(wa, wb, key=len)) >= 2 and (wa <= wb or wb <= wa)


def _case_value(it) -> str:
    if isinstance(it, dict):
        return it.get("number") or it.get("value") or ""
    return it


def _deadline_key(it: dict):
    if it.get("due_date"):
        return ("date", it["due_date"])
    r = it.get("rule") or {}
    return ("rule", r.get("period"), r.get("unit"), r.get("anchor"))


_KEYS: dict[str, Callable] = {
    "parties": lambda it: _norm_name(it["name"]),
    "parties_roles": lambda it: (_norm_name(it["name"]), it.get("role")),
    "judges": lambda it: _norm_judge(it if isinstance(it, str) else it.get("name", "")),
    "case_numbers": lambda it: _norm_case(_case_value(it)),
    "courts": lambda it: _norm_court(it["name"] if isinstance(it, dict) else it),
    "dates": lambda it: it["date"],
    "dates_labels": lambda it: (it["date"], it.get("label")),
    "deadlines": _deadline_key,
    "amounts": lambda it: format(float(it["value"]), ".2f"),
    "citations": lambda it: _norm_cite(it["text"]),
}
_SOURCE_FIELD = {"parties_roles": "parties", "dates_labels": "dates"}


def _keys(field: str, items: list) -> list:
    """The items' match keys, each once (a field is a set: the same value twice counts once)."""
    out = [_KEYS[field](it) for it in items or []]
    return [k for k in dict.fromkeys(out) if k not in ("", None)]


def _match(field: str, expected: list, found: list) -> list[tuple[int, int]]:
    """One-to-one pairs (expected index, found index): exact matches first, then loose ones."""
    pairs: list[tuple[int, int]] = []
    used_e, used_f = set(), set()
    loose = {"courts": _court_match, "citations": _cite_match, "judges": _judge_match}.get(field)
    for rule in (lambda e, f: e == f, loose):
        if rule is None:
            continue
        for i, e in enumerate(expected):
            if i in used_e:
                continue
            j = next((j for j, f in enumerate(found) if j not in used_f and rule(e, f)), None)
            if j is not None:
                pairs.append((i, j))
                used_e.add(i)
                used_f.add(j)
    return pairs


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 1.0


def past_next_steps(result: dict, on: date) -> list[str]:
    """Next steps that name a calendar date before ``on`` (a past event offered as something to do)."""
    past = []
    for step in result.get("next_steps") or []:
        for m in _STEP_DATE.finditer(step):
            try:
                d = date(int(m.group(3)), _MONTHS.index(m.group(1).lower()) + 1, int(m.group(2)))
            except ValueError:
                continue
            if d < on:
                past.append(step)
                break
    return past


def _primary(items: list) -> str | None:
    flagged = [it for it in items if isinstance(it, dict) and it.get("primary")]
    first = flagged[0] if flagged else (items[0] if items else None)
    return _norm_case(_case_value(first)) if first is not None else None


def score_document(labels: dict, result: dict) -> dict:
    """How one analysis compares with one document's labels, field by field."""
    report: dict = {"document_type": [labels.get("document_type"), result.get("document_type")],
                    "language": [labels.get("language", "en"), result.get("language")]}
    for field in FIELDS:
        source = _SOURCE_FIELD.get(field, field)
        if source not in labels:
            continue
        ek, fk = _keys(field, labels[source]), _keys(field, result.get(source))
        pairs = _match(field, ek, fk)
        me, mf = {i for i, _ in pairs}, {j for _, j in pairs}
        report[field] = {"tp": len(pairs), "fp": len(fk) - len(pairs), "fn": len(ek) - len(pairs),
                         "missed": [ek[i] for i in range(len(ek)) if i not in me],
                         "extra": [fk[j] for j in range(len(fk)) if j not in mf]}
    expected_primary = [c for c in labels.get("case_numbers", []) if isinstance(c, dict) and c.get("primary")]
    if expected_primary:
        want = _norm_case(expected_primary[0]["number"])
        report["primary_case_number"] = [want, _primary(result.get("case_numbers") or [])]
    expected_court = [c for c in labels.get("courts", []) if isinstance(c, dict) and c.get("primary")]
    if expected_court:
        want, got = _norm_court(expected_court[0]["name"]), _primary_court(result.get("courts") or [])
        report["primary_court"] = [want, got if got is None or not _court_match(want, got) else want]
    return report


def _primary_court(items: list) -> str | None:
    """The court found as the paper's own: the one marked ``primary`` (none when the analyzer marks courts but
    none as primary), else the first one found (an analysis that does not mark courts)."""
    flagged = [it for it in items if isinstance(it, dict) and it.get("primary")]
    marks = any(isinstance(it, dict) and "primary" in it for it in items)
    first = flagged[0] if flagged else (items[0] if items and not marks else None)
    if first is None:
        return None
    return _norm_court(first["name"] if isinstance(first, dict) else first)


def _summarise(per_doc: dict[str, dict]) -> dict:
    fields = {}
    for f in FIELDS:
        rows = [d[f] for d in per_doc.values() if f in d]
        if not rows:
            continue
        t = {k: sum(r[k] for r in rows) for k in ("tp", "fp", "fn")}
        p, r = _ratio(t["tp"], t["tp"] + t["fp"]), _ratio(t["tp"], t["tp"] + t["fn"])
        fields[f] = {**t, "precision": p, "recall": r, "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}
    docs = list(per_doc.values())
    primaries = [d["primary_case_number"] for d in docs if "primary_case_number" in d]
    primary_courts = [d["primary_court"] for d in docs if "primary_court" in d]
    wrong_types = Counter(f"{e}->{g}" for d in docs for e, g in [d["document_type"]] if e != g)
    matched = lambda f: sum(d[f]["tp"] for d in docs if f in d)  # noqa: E731
    return {
        "documents": len(docs),
        "fields": fields,
        "document_type_accuracy": _ratio(sum(e == g for d in docs for e, g in [d["document_type"]]), len(docs)),
        "document_type_errors": dict(wrong_types.most_common()),
        "primary_case_number_accuracy": _ratio(sum(e == g for e, g in primaries), len(primaries)),
        "primary_court_accuracy": _ratio(sum(e == g for e, g in primary_courts), len(primary_courts)),
        "language_accuracy": _ratio(sum(e == g for d in docs for e, g in [d["language"]]), len(docs)),
        "party_role_accuracy": _ratio(matched("parties_roles"), matched("parties")),
        "date_label_accuracy": _ratio(matched("dates_labels"), matched("dates")),
        "past_next_steps": sum(len(d.get("past_next_steps", [])) for d in docs),
        "past_next_steps_today": sum(len(d.get("past_next_steps_today", [])) for d in docs),
    }


def _analyze_and_score(analyzer, labels: dict, text: str, pages: list[str] | None, today: date) -> tuple[dict, float]:
    ref = labels.get("reference_date")
    ref_date = date.fromisoformat(ref) if ref else None
    t0 = time.perf_counter()
    result = analyzer(text, pages=pages, reference_date=ref_date, jurisdiction=labels.get("jurisdiction"))
    seconds = time.perf_counter() - t0
    report = score_document(labels, result)
    if ref_date is not None:
        report["past_next_steps"] = past_next_steps(result, ref_date)
        later = analyzer(text, pages=pages, reference_date=today, jurisdiction=labels.get("jurisdiction"))
        report["past_next_steps_today"] = past_next_steps(later, today)
    return report, seconds


def evaluate(directory, analyzer: Callable[..., dict] | None = None, cache_dir: Path | None = None,
             today: date | None = None) -> dict:
    """Run ``analyzer`` (default: the local analyzer) over a labelled set; see the module docstring."""
    analyzer = analyzer or local.analyze
    today = today or date.today()
    directory = Path(directory)
    per_doc: dict[str, dict] = {}
    timings: list[float] = []
    readers: Counter = Counter()
    fingerprint = reader_fingerprint()
    for lpath in sorted(directory.glob("*.labels.json")):
        name = lpath.name[: -len(".labels.json")]
        labels = json.loads(lpath.read_text(encoding="utf-8"))
        if labels.get("schema") == 2:
            read = read_original(directory / labels["file"], cache_dir, fingerprint)
            readers[read["reader"]] += 1
            pages = read["pages"]
            text = "\n\n".join(pages)
        else:
            text, pages = (directory / f"{name}.txt").read_text(encoding="utf-8"), None
            readers["text"] += 1
        per_doc[name], seconds = _analyze_and_score(analyzer, labels, text, pages, today)
        timings.append(seconds)
    return {**_summarise(per_doc), "readers": dict(readers),
            "max_seconds_per_document": round(max(timings), 4) if timings else 0.0, "per_document": per_doc}


def format_table(report: dict) -> str:
    """The report as a markdown table (one row per field), then the accuracies and counts."""
    rows = ["| field | precision | recall | F1 | TP | FP | FN |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for f, m in report["fields"].items():
        rows.append(f"| {f} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['tp']} | {m['fp']} | {m['fn']} |")
    rows.append("")
    rows.append(f"documents: {report['documents']} (read by {report['readers']}); "
                f"document type accuracy: {report['document_type_accuracy']:.3f}; "
                f"primary case number accuracy: {report['primary_case_number_accuracy']:.3f}; "
                f"primary court accuracy: {report['primary_court_accuracy']:.3f}; "
                f"language accuracy: {report['language_accuracy']:.3f}; party role accuracy: "
                f"{report['party_role_accuracy']:.3f}; date label accuracy: {report['date_label_accuracy']:.3f}")
    rows.append(f"past events offered as next steps: {report['past_next_steps']} on the reference date, "
                f"{report['past_next_steps_today']} today; slowest document: "
                f"{report['max_seconds_per_document'] * 1000:.0f} ms")
    if report.get("document_type_errors"):
        rows.append("document types (expected->found): " + ", ".join(
            f"{k} x{v}" for k, v in report["document_type_errors"].items()))
    return "\n".join(rows)
