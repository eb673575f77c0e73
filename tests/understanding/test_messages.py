"""The analyzer's sentences as messages {id, params, text}: the same sentences as the English lists, each
rebuilt from its id and parameters alone (so a client that translates the id says the same thing), and every
label a sentence can carry is in the catalogue."""
import json
from datetime import date
from pathlib import Path

import pytest

from app.understanding import amounts, dates, deadlines, messages, text
from app.understanding.local import analyze

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "analysis"
PAPERS = sorted(FIXTURES.glob("*.txt"))


def rebuilt(m: dict) -> str:
    """The English sentence from the id and the parameters only, as a client holding the catalogue would."""
    params = {k: {"text": rebuilt(v)} if isinstance(v, dict) else v for k, v in m["params"].items()}
    return messages.MESSAGES(m["id"], **params)["text"]


@pytest.mark.parametrize("paper", PAPERS[:12], ids=lambda p: p.stem)
def test_each_sentence_is_a_message_a_client_can_rebuild(paper):
    body = paper.read_text(encoding="utf-8")
    for today in (date(2020, 1, 1), date(2027, 6, 1)):
        r = json.loads(json.dumps(analyze(body, reference_date=today)))  # as the API sends it
        assert [m["text"] for m in r["issue_messages"]] == r["issues"]
        assert [m["text"] for m in r["next_step_messages"]] == r["next_steps"]
        assert " ".join(m["text"] for m in r["summary_messages"]) == r["summary"]
        for m in r["issue_messages"] + r["next_step_messages"] + r["summary_messages"]:
            assert rebuilt(m) == m["text"], m["id"]


def test_dates_and_amounts_are_values_not_words():
    body = ("SUMMONS\nYou must file a written answer on or before January 20, 2027.\n"
            "A hearing will be held on February 2, 2027.\nPlaintiff claims rent owed of $2,350.00.")
    r = analyze(body, reference_date=date(2027, 1, 10))
    mark = next(m for m in r["next_step_messages"] if m["id"] == "deadline.mark")
    assert mark["params"] == {"date": "2027-01-20", "task": "File an answer"}
    assert mark["text"] == "Mark January 20, 2027 on your calendar: file an answer."
    money = next(m for m in r["issue_messages"] if m["id"] == "money.check")
    assert money["params"]["amount"] == "2350.00" and "$2,350.00" in money["text"]
    go = next(m for m in r["next_step_messages"] if m["id"] == "hearing.go")
    assert go["params"] == {"date": "2027-02-02"}
    later = analyze(body, reference_date=date(2027, 1, 25))
    passed = next(m for m in later["issue_messages"] if m["id"] == "deadline.due_date_passed")
    assert passed["params"]["why"] == {"id": "past.before_today", "params": {"date": "2027-01-25"},
                                       "text": "it is before today, January 25, 2027"}


def test_every_label_a_sentence_can_carry_is_in_the_catalogue():
    written = {label for _rx, label in deadlines._ACT_LABELS} | {"Deadline", "Send comments"}
    assert written <= set(messages.TASKS)
    assert {label for _rx, label in amounts._AMOUNT_LABELS} | {"amount"} <= set(messages.AMOUNT_LABELS)
    assert set(text.ROLES) <= set(messages.ROLES)
    assert set(dates._LABEL_PRIORITY) == set(messages.DATE_LABELS)
    anchors = {k.split(".", 1)[1] for k in messages.MESSAGES if k.startswith("anchor.")}
    assert set(deadlines._ANCHOR_WORDS) <= anchors
