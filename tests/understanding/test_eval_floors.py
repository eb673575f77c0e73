"""The analyzer keeps its measured quality on the dev half of the evaluation set of real court papers.

Every original file is read like an upload (text layer, OCR where needed; the text is cached in
var/eval-text under the file's hash and the reading code's fingerprint), analysed, and scored by
app/understanding/evaluate.py. The floors sit a little below the figures measured when they were
set (README, "Understanding documents"): a change that makes the analyzer read worse fails here.
Raise a floor when the analyzer gets better; never lower one to make a change pass.
Only the dev half is scored here: the blind half is measured and reported, never tuned on.
"""
from __future__ import annotations

from datetime import date

import pytest

from app.understanding.evaluate import evaluate, format_table, score_document
from app.understanding.local import warm_up
from tests.conftest import ROOT

DEV = ROOT / "tests" / "fixtures" / "eval" / "dev"
CACHE = ROOT / "var" / "eval-text"

# field: (precision, recall) floors
FIELD_FLOORS = {
    "parties": (0.94, 0.88),
    "parties_roles": (0.92, 0.86),
    "judges": (0.94, 0.86),
    "case_numbers": (0.96, 0.91),
    "courts": (0.95, 0.90),
    "dates": (0.98, 0.98),
    "dates_labels": (0.84, 0.84),
    "deadlines": (0.97, 0.87),
    "amounts": (0.96, 0.96),
    "citations": (0.95, 0.89),
}
ACCURACY_FLOORS = {"document_type_accuracy": 0.89, "primary_case_number_accuracy": 0.92, "primary_court_accuracy": 0.91}
MAX_PAST_NEXT_STEPS = 0


@pytest.fixture(scope="module")
def report():
    warm_up()
    # "today" is fixed so that the count of past next steps does not change with the calendar
    return evaluate(DEV, cache_dir=CACHE, today=date(2026, 12, 7))


def test_the_dev_half_is_scored_whole(report):
    assert report["documents"] >= 111
    assert report["readers"].get("refused", 0) == 0


def test_precision_and_recall_stay_above_the_floors(report):
    low = [f"{field} {metric}: {report['fields'][field][metric]} < floor {floor}"
           for field, floors in FIELD_FLOORS.items()
           for metric, floor in zip(("precision", "recall"), floors)
           if report["fields"][field][metric] < floor]
    low += [f"{metric}: {report[metric]} < floor {floor}" for metric, floor in ACCURACY_FLOORS.items()
            if report[metric] < floor]
    assert not low, "\n".join(low) + "\n\n" + format_table(report)


def test_past_events_offered_as_next_steps_do_not_grow(report):
    assert report["past_next_steps"] <= MAX_PAST_NEXT_STEPS, format_table(report)
    assert report["past_next_steps_today"] <= MAX_PAST_NEXT_STEPS, format_table(report)


def test_the_scorer_matches_the_same_case_and_court_however_written():
    labels = {"case_numbers": [{"number": "3:09-cr-00418-JSW-1", "primary": True}],
              "courts": [{"name": "U.S. District Court, California Northern District", "primary": True}]}
    found = {"case_numbers": [{"value": "3:09-cr-00418", "primary": True}],
             "courts": [{"name": "United States District Court for the Northern District of California"},
                        {"name": "Superior Court of California"}]}
    report = score_document(labels, found)
    assert report["case_numbers"]["tp"] == 1 and report["primary_case_number"] == ["3:09-CR-00418", "3:09-CR-00418"]
    assert (report["courts"]["tp"], report["courts"]["fp"]) == (1, 1)
