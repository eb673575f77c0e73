"""Plain-language issues, next steps and the summary (general information, not legal advice).

Never mislead: every date is placed against today (``reference_date``) and the paper's own date
(``doc_date``). What is past is said to be past and is never offered as a next step; emergency
advice (911) is given only where the paper is about the reader's safety."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from app.understanding.deadlines import _ANCHOR_WORDS
from app.understanding.document_type import _is_title_like
from app.understanding.messages import MESSAGES, dedupe, message

# ------------------------------------------------------------------- advice & summary

# a paper about the reader's own safety (protective orders against abuse, harassment, stalking), not a
# commercial restraining order (trade secrets, a non-compete) or a discovery protective order
_SAFETY = re.compile(
    r"domestic\s+(?:violence|abuse)|family\s+violence|dating\s+violence|intimate\s+partner|protection\s+from\s+abuse|"
    r"abuse\s+prevention|order\s+(?:of|for)\s+protection|personal\s+protection\s+order|civil\s+harassment|"
    r"harassment\s+(?:prevention|protection|restraining)|(?:workplace\s+)?violence\s+restraining|elder\s+abuse|"
    r"stalking|sexual\s+(?:assault|abuse)|c\.\s*209A|chapter\s+209A|\b209A\b|protected\s+(?:person|party)|"
    r"restrained\s+(?:person|party)|stay\s+away\s+from|no[\s-]+contact\s+order|threat(?:s|ened)?\s+(?:to\s+)?(?:kill|harm|hurt)|"
    r"violencia\s+dom[ée]stica|orden\s+de\s+protecci[óo]n", re.I)
_COMMERCIAL = re.compile(r"trade\s+secrets?|misappropriat|non-?compet|confidential\s+(?:business\s+)?information|"
                         r"trademark|patent|copyright|unfair\s+competition|discovery|stipulated\s+protective", re.I)


def _about_safety(text: str) -> bool:
    """True when the paper is about someone's personal safety (then emergency numbers belong in it)."""
    hits = {m.group(0).lower() for m in _SAFETY.finditer(text[:100_000])}
    if not hits:
        return False
    return len(hits) >= 2 or not _COMMERCIAL.search(text[:100_000])


class _Clock:
    """Today and the paper's own date: a date before either is past."""

    def __init__(self, today: date | None, doc_date: date | None):
        self.today, self.doc_date = today, doc_date

    def past(self, iso: str | None) -> bool:
        if not iso:
            return False
        d = date.fromisoformat(iso)
        return (self.today is not None and d < self.today) or (self.doc_date is not None and d < self.doc_date)

    def why_past(self, iso: str) -> dict:
        d = date.fromisoformat(iso)
        if self.doc_date is not None and d < self.doc_date:
            return message("past.before_paper", date=self.doc_date.isoformat())
        return message("past.before_today", date=self.today.isoformat()) if self.today else message("past.past")


def _when(dl: dict) -> dict:
    """"by March 3, 2026" or "within 20 days after service", as a message."""
    if dl.get("due_date"):
        return message("when.by", date=dl["due_date"])
    r = dl.get("rule") or {}
    unit = r.get("unit") if f"unit.{r.get('unit')}" in MESSAGES else "days"
    direction = "before" if r.get("direction") == "before" else "after"
    anchor = r.get("anchor") if r.get("anchor") in _ANCHOR_WORDS else "event"
    return message("when.within", period=r.get("period"), unit=message(f"unit.{unit}"),
                   direction=message(f"direction.{direction}"), anchor=message(f"anchor.{anchor}"))


def _first(deadlines: list[dict], *labels: str, prefix: str | None = None) -> dict | None:
    return next((d for d in deadlines if d["label"] in labels or (prefix and d["label"].startswith(prefix))), None)


# --- what each kind of paper asks of the reader (only deadlines still ahead are offered as steps) ---
# Each sentence is a message (app/understanding/messages.py): an id, its parameters and the English text.
M = message


def _summons(concepts: list[str], ahead: list[dict]) -> tuple[list[dict], list[dict]]:
    answer = _first(ahead, "File an answer", "File a response")
    step = M("summons.answer_when", when=_when(answer)) if answer else M("summons.answer")
    return [M("summons.default_risk")], [step, M("summons.serve")]


def _complaint(concepts: list[str], ahead: list[dict]) -> tuple[list[dict], list[dict]]:
    answer = _first(ahead, "File an answer", "File a response")
    steps = [M("complaint.paragraphs"),
             M("complaint.answer_when", when=_when(answer)) if answer else M("complaint.find_deadline")]
    return [M("complaint.sued")], steps


def _notice(concepts: list[str], ahead: list[dict]) -> tuple[list[dict], list[dict]]:
    if "eviction" not in concepts:
        return [], [M("notice.read")]
    issues = [M("eviction.not_an_order")]
    steps = []
    pay = _first(ahead, prefix="Pay")
    if pay:
        issues.append(M("eviction.pay_stops"))
        steps.append(M("eviction.pay_when", when=_when(pay)))
    steps.append(M("eviction.keep_date"))
    steps.append(M("eviction.court_papers"))
    return issues, steps


def _order(concepts: list[str], ahead: list[dict]) -> tuple[list[dict], list[dict]]:
    return ([M("order.command")],
            [M("order.follow_dates") if ahead else M("order.follow"), M("order.disagree")])


def _motion(concepts: list[str], ahead: list[dict]) -> tuple[list[dict], list[dict]]:
    issues = [M("motion.respond_risk")]
    if "motion to dismiss" in concepts:
        issues.append(M("motion.dismissal"))
    resp = _first(ahead, "File a response", "File an answer")
    return issues, [M("motion.respond_when", when=_when(resp)) if resp else M("motion.find_deadline")]


def _judgment(concepts: list[str], ahead: list[dict]) -> tuple[list[dict], list[dict]]:
    issues = [M("judgment.entered")]
    steps = []
    if "default judgment" in concepts:
        issues.append(M("judgment.default"))
        steps.append(M("judgment.vacate"))
    appeal = _first(ahead, "File an appeal")
    if appeal:
        steps.append(M("judgment.appeal_when", when=_when(appeal)))
    steps.append(M("judgment.collection"))
    return issues, steps


_BY_TYPE = {
    "summons": _summons, "complaint": _complaint, "notice": _notice, "order": _order, "motion": _motion,
    "judgment": _judgment,
    "correspondence": lambda c, a: ([M("letter.not_an_order")], [M("letter.keep"), M("letter.in_writing")]),
    "form": lambda c, a: ([M("form.blank_parts")], [M("form.fill"), M("form.file")]),
    "instructions": lambda c, a: ([M("instructions.general")], [M("instructions.follow")]),
}


def _advice(dtype: str, concepts: list[str], dates: list[dict], deadlines: list[dict], amounts: list[dict],
            reference_date: date | None, parties: list[dict], text: str = "",
            doc_date: date | None = None) -> tuple[list[dict], list[dict]]:
    """Issues and next steps, each a message ``{id, params, text}``."""
    clock = _Clock(reference_date, doc_date)
    ahead = [d for d in deadlines if not clock.past(d.get("due_date"))]
    issues, steps = _BY_TYPE.get(dtype, lambda c, a: ([], []))(concepts, ahead)
    protection = "protective order" in concepts or re.search(r"order\s+(?:of|for)\s+protection|protection\s+order", text, re.I)
    if protection and _about_safety(text):
        steps.insert(0, M("safety.emergency"))
    more_issues, more_steps = _timing(clock, dates, deadlines)
    issues += more_issues
    steps += more_steps
    if amounts and dtype in ("complaint", "judgment", "notice", "summons", "correspondence"):
        top = max(amounts, key=lambda a: Decimal(a["value"]))
        issues.append(M("money.check", amount=str(Decimal(top["value"])), amount_label=top["label"]))
    if "fee waiver" in concepts or dtype in ("summons", "complaint"):
        steps.append(M("fees.waiver"))
    steps.append(M("legal_aid"))
    return dedupe(issues), dedupe(steps)


def _timing(clock: _Clock, dates: list[dict], deadlines: list[dict]) -> tuple[list[dict], list[dict]]:
    """Hearings and deadlines placed against today and the paper's date: what is past is said to be past."""
    issues: list[dict] = []
    steps: list[dict] = []
    hearings = sorted({d["date"] for d in dates if d["label"] == "hearing"})
    for h in [h for h in hearings if clock.past(h)][-3:]:
        issues.append(M("hearing.past", date=h, why=clock.why_past(h)))
    upcoming = next((h for h in hearings if not clock.past(h)), None)
    if upcoming:
        issues.append(M("hearing.miss_risk", date=upcoming))
        steps.append(M("hearing.go", date=upcoming))
    if any(dl.get("due_date") is None and (dl.get("rule") or {}).get("anchor") in ("service", "receipt") for dl in deadlines):
        issues.append(M("deadline.from_receipt"))
    dated = sorted((dl for dl in deadlines if dl.get("due_date")), key=lambda dl: dl["due_date"])
    for dl in dated:
        due = date.fromisoformat(dl["due_date"])
        if clock.past(dl["due_date"]):
            issues.append(M("deadline.passed", date=dl["due_date"], task=dl["label"], why=clock.why_past(dl["due_date"])))
        elif clock.today is not None and (due - clock.today).days <= 7:
            issues.append(M("deadline.soon", date=dl["due_date"], task=dl["label"]))
    listed = {dl["due_date"] for dl in dated}
    gone = [d["date"] for d in dates if d["label"] == "due" and d["date"] not in listed and clock.past(d["date"])
            and (clock.doc_date is None or d["date"] >= clock.doc_date.isoformat())]
    for iso in sorted(gone)[-2:]:       # due dates that passed after the paper was written
        issues.append(M("deadline.due_date_passed", date=iso, why=clock.why_past(iso)))
    for dl in [dl for dl in dated if not clock.past(dl["due_date"])][:3]:
        steps.append(M("deadline.mark", date=dl["due_date"], task=dl["label"]))
    return issues, steps


def _summary(text: str, dtype: str, concepts: list[str], parties: list[dict], courts: list[dict],
             case_numbers: list[dict], dates: list[dict], deadlines: list[dict],
             reference_date: date | None = None, doc_date: date | None = None) -> list[dict]:
    """Up to three sentences (messages): what the paper is, who it names, and the date that matters most."""
    kind = M("kind.eviction_notice" if dtype == "notice" and "eviction" in concepts else f"kind.{dtype}")
    court = ""
    if courts:
        # a court named in the heading issued the paper; one named further down is only mentioned
        quote = courts[0]["quote"]
        pos = text.find(quote)
        heading = (0 <= pos < 3000 and _is_title_like(quote.splitlines()[0].strip())
                   and dtype not in ("correspondence", "instructions"))
        court = "_from" if heading else "_mentions"
    params = {"kind": kind, **({"court": courts[0]["name"]} if courts else {}),
              **({"number": case_numbers[0]["value"]} if case_numbers else {})}
    sentences = [M(f"summary.kind{court}{'_number' if case_numbers else ''}", **params)]
    main = [p for p in parties if p["role"] not in ("ATTORNEY", "OTHER")]
    if len(main) >= 2:
        a, b = main[0], next((p for p in main[1:] if p["role"] != main[0]["role"]), main[1])
        sentences.append(M("summary.involves", name=a["name"], role=a["role"], other=b["name"], other_role=b["role"]))
    elif main:
        sentences.append(M("summary.names", name=main[0]["name"], role=main[0]["role"]))
    key = _key_date(_Clock(reference_date, doc_date), dates, deadlines)
    return (sentences + ([key] if key else []))[:3]


def _key_date(clock: _Clock, dates: list[dict], deadlines: list[dict]) -> dict | None:
    """The one date the reader most needs: the nearest deadline or hearing still ahead, else what is past."""
    ahead = sorted((d for d in deadlines if d.get("due_date") and not clock.past(d["due_date"])), key=lambda d: d["due_date"])
    hearings = sorted(d["date"] for d in dates if d["label"] == "hearing")
    hearing = next((h for h in hearings if not clock.past(h)), None)
    if ahead:
        return M("summary.key_deadline", task=ahead[0]["label"], when=_when(ahead[0]))
    if hearing:
        return M("summary.key_hearing", date=hearing)
    open_rules = [d for d in deadlines if not d.get("due_date")]
    if open_rules:
        return M("summary.key_deadline", task=open_rules[0]["label"], when=_when(open_rules[0]))
    past = [d["due_date"] for d in deadlines if d.get("due_date")] + hearings
    if past:
        return M("summary.dates_past", date=max(past))
    return None
