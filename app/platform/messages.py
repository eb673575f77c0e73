"""CaseOS's own sentences as messages: a stable ``id``, its ``params`` and the English ``text``, so any client
shows them in the reader's language from its own catalogue (the web client's Babel catalogue extracts the
templates marked with ``N_``) instead of matching English sentences, which breaks on every date or amount.

Parameters are typed by their name, so every client formats them the same way: ``date`` an ISO date,
``amount`` a decimal string in dollars, ``task`` a deadline label (written in lower case inside a sentence),
``amount_label`` a money label, ``role``/``other_role`` a party role code (in lower case), ``period`` and
``count`` whole numbers; a value that is itself a message (a dict with ``id``) is rendered in its place, and
anything else (a name, a case number, a title) is shown as it is.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal


def N_(text: str) -> str:
    """Marks an English template for the catalogue (scripts/translations extracts N_)."""
    return text


class Catalogue(dict):
    """id -> English template; calling it builds a message: ``MESSAGES("hearing.go", date="2026-03-03")``."""

    def __call__(self, msg_id: str, **params) -> dict:
        english = {name: _english(name, value) for name, value in params.items()}
        return {"id": msg_id, "params": params, "text": self[msg_id].format(**english)}


def fmt_date(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def _english(name: str, value) -> str:
    if isinstance(value, dict):
        return value["text"]
    if name == "date":
        return fmt_date(value if isinstance(value, date) else date.fromisoformat(value))
    if name == "amount":
        return f"${Decimal(value):,.2f}"
    if name in ("task", "role", "other_role"):
        return value.lower()
    return str(value)


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages]


def dedupe(messages: list[dict]) -> list[dict]:
    """The first of each sentence, in order."""
    seen: set[str] = set()
    out = []
    for m in messages:
        if m["text"] not in seen:
            seen.add(m["text"])
            out.append(m)
    return out
