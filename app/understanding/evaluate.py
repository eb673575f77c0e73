"""Measure an analyzer against a labelled set: precision and recall per field.

A labelled set is a folder of ``NAME.txt`` documents, each with ``NAME.labels.json``::

    {"document_type": "summons", "language": "en", "jurisdiction": "US-WV",
     "reference_date": "2027-01-06",                       # optional, passed to the analyzer
     "parties": [{"name": "...", "role": "PLAINTIFF"}], "case_numbers": ["..."],
     "courts": ["..."], "dates": [{"date": "2027-01-12", "label": "hearing"}],
     "deadlines": [{"due_date": "2027-01-07", "label": "..."},
                   {"due_date": null, "rule": {"period": 20, "unit": "days", "anchor": "service", ...}}],
     "amounts": [{"value": "875.00", "label": "..."}],
     "citations": [{"text": "W. Va. Code § 55-3A-1", "kind": "statute"}]}

Match rules (each expected item matches at most one found item, and the reverse):

* parties: names compared case-insensitively without punctuation ("et al." dropped);
* case numbers: upper-cased, trailing judge initials dropped (``4:20-cv-05640-YGR`` = ``4:20-cv-05640``);
* courts: names compared without case and punctuation; one may extend the other if it keeps 70% of it;
* dates: by value; deadlines: by ``due_date``, or by the rule's period, unit and anchor when
  the expected deadline has no date; amounts: by value;
* citations: normalized text (no spaces, dots or commas; ``§`` and "section" alike), equal
  first, then one containing the other.

Fields are micro-averaged over the documents (true and false positives summed). Also
reported: document type and language accuracy, party-role accuracy and date-label accuracy
over the matched items.
"""
from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path
from typing import Callable

from app.understanding import local

FIELDS = ("parties", "case_numbers", "courts", "dates", "deadlines", "amounts", "citations")


def _norm_name(s: str) -> str:
    s = re.sub(r"\bet\s+al\b\.?", " ", s.lower())
    s = re.sub(r"[^\w\s]", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def _norm_case(s: str) -> str:
    s = s.upper().strip().strip(".,;:")
    s = re.sub(r"\s+", "", s)
    return re.sub(r"(?<=\d)(?:-[A-Z]{1,4})+$", "", s)


def _norm_court(s: str) -> str:
    s = re.sub(r"[^\w\s]", " ", s.lower())
    s = re.sub(r"^\s*(?:in\s+)?the\s+", "", s)
    return re.sub(r"\s+", " ", s).strip()


def _norm_cite(s: str) -> str:
    s = s.lower().replace("§", "s").replace("section", "s").replace("sec.", "s")
    s = re.sub(r"\bch(?:apter)?\b\.?", "c", s)
    s = re.sub(r"[\s.,]", "", s)
    return s.replace("mgl", "gl").replace("massgenlaws", "gl").replace("ss", "s")


def _court_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return bool(short) and short in long_ and len(short) >= 0.7 * len(long_)


def _cite_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 5 and short in long_


def _keys(field: str, items: list) -> list:
    out = []
    for it in items:
        if field == "parties":
            out.append(_norm_name(it["name"]))
        elif field == "case_numbers":
            out.append(_norm_case(it["value"] if isinstance(it, dict) else it))
        elif field == "courts":
            out.append(_norm_court(it["name"] if isinstance(it, dict) else it))
        elif field == "dates":
            out.append(it["date"])
        elif field == "deadlines":
            if it.get("due_date"):
                out.append(("date", it["due_date"]))
            else:
                r = it.get("rule") or {}
                out.append(("rule", r.get("period"), r.get("unit"), r.get("anchor")))
        elif field == "amounts":
            out.append(format(float(it["value"]), ".2f"))
        elif field == "citations":
            out.append(_norm_cite(it["text"]))
    # a field is a set: the same value twice counts once
    seen, uniq = set(), []
    for k in out:
        if k not in seen:
            seen.add(k)
            uniq.append(k)
    return uniq


def _match(field: str, expected: list, found: list) -> list[tuple[int, int]]:
    """One-to-one pairs (expected index, found index): exact matches first, then loose ones."""
    pairs: list[tuple[int, int]] = []
    used_e, used_f = set(), set()
    for i, e in enumerate(expected):
        for j, f in enumerate(found):
            if j not in used_f and e == f:
                pairs.append((i, j))
                used_e.add(i)
                used_f.add(j)
                break
    loose = {"courts": _court_match, "citations": _cite_match}.get(field)
    if loose:
        for i, e in enumerate(expected):
            if i in used_e:
                continue
            for j, f in enumerate(found):
                if j not in used_f and loose(e, f):
                    pairs.append((i, j))
                    used_e.add(i)
                    used_f.add(j)
                    break
    return pairs


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 1.0


def evaluate(directory, analyzer: Callable[..., dict] | None = None) -> dict:
    """Run ``analyzer`` (default: the local analyzer) over a labelled set; see the module docstring."""
    analyzer = analyzer or local.analyze
    directory = Path(directory)
    totals = {f: {"tp": 0, "fp": 0, "fn": 0} for f in FIELDS}
    type_ok = lang_ok = 0
    role_ok = role_n = label_ok = label_n = 0
    per_doc: dict[str, dict] = {}
    timings: list[float] = []
    docs = sorted(p for p in directory.glob("*.labels.json"))
    for lpath in docs:
        name = lpath.name[: -len(".labels.json")]
        labels = json.loads(lpath.read_text(encoding="utf-8"))
        text = (directory / f"{name}.txt").read_text(encoding="utf-8")
        ref = labels.get("reference_date")
        t0 = time.perf_counter()
        result = analyzer(text, reference_date=date.fromisoformat(ref) if ref else None,
                          jurisdiction=labels.get("jurisdiction"))
        timings.append(time.perf_counter() - t0)
        doc_report: dict = {"document_type": [labels.get("document_type"), result.get("document_type")]}
        type_ok += labels.get("document_type") == result.get("document_type")
        lang_ok += labels.get("language", "en") == result.get("language")
        for field in FIELDS:
            exp_items = labels.get(field, [])
            got_items = result.get(field, [])
            ek, fk = _keys(field, exp_items), _keys(field, got_items)
            pairs = _match(field, ek, fk)
            tp = len(pairs)
            fp, fn = len(fk) - tp, len(ek) - tp
            totals[field]["tp"] += tp
            totals[field]["fp"] += fp
            totals[field]["fn"] += fn
            matched_e = {i for i, _ in pairs}
            matched_f = {j for _, j in pairs}
            doc_report[field] = {
                "tp": tp, "fp": fp, "fn": fn,
                "missed": [ek[i] for i in range(len(ek)) if i not in matched_e],
                "extra": [fk[j] for j in range(len(fk)) if j not in matched_f],
            }
            if field == "parties":
                exp_roles = {_norm_name(p["name"]): p.get("role") for p in exp_items}
                got_roles = {_norm_name(p["name"]): p.get("role") for p in got_items}
                for i, j in pairs:
                    role_n += 1
                    role_ok += exp_roles.get(ek[i]) == got_roles.get(fk[j])
            if field == "dates":
                exp_labels = {d["date"]: d.get("label") for d in exp_items}
                got_labels = {d["date"]: d.get("label") for d in got_items}
                for i, j in pairs:
                    label_n += 1
                    label_ok += exp_labels.get(ek[i]) == got_labels.get(fk[j])
        per_doc[name] = doc_report
    n = len(docs)
    fields = {}
    for f, t in totals.items():
        p = _ratio(t["tp"], t["tp"] + t["fp"])
        r = _ratio(t["tp"], t["tp"] + t["fn"])
        f1 = round(2 * p * r / (p + r), 4) if p + r else 0.0
        fields[f] = {**t, "precision": p, "recall": r, "f1": f1}
    return {
        "documents": n,
        "fields": fields,
        "document_type_accuracy": _ratio(type_ok, n),
        "language_accuracy": _ratio(lang_ok, n),
        "party_role_accuracy": _ratio(role_ok, role_n),
        "date_label_accuracy": _ratio(label_ok, label_n),
        "max_seconds_per_document": round(max(timings), 4) if timings else 0.0,
        "per_document": per_doc,
    }


def format_table(report: dict) -> str:
    """The report as a markdown table (one row per field, then the accuracies)."""
    rows = ["| field | precision | recall | F1 | TP | FP | FN |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for f, m in report["fields"].items():
        rows.append(f"| {f} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['tp']} | {m['fp']} | {m['fn']} |")
    rows.append("")
    rows.append(f"documents: {report['documents']}; document type accuracy: {report['document_type_accuracy']:.3f}; "
                f"language accuracy: {report['language_accuracy']:.3f}; party role accuracy: "
                f"{report['party_role_accuracy']:.3f}; date label accuracy: {report['date_label_accuracy']:.3f}; "
                f"slowest document: {report['max_seconds_per_document'] * 1000:.0f} ms")
    return "\n".join(rows)
