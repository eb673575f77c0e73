"""Plain-language issues, next steps and the summary (general information, not legal advice).

Never mislead: every date is placed against today (``reference_date``) and the paper's own date
(``doc_date``). What is past is said to be past and is never offered as a next step; emergency
advice (911) is given only where the paper is about the reader's safety."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from app.understanding.deadlines import _ANCHOR_WORDS, _fmt
from app.understanding.document_type import _is_title_like

# ------------------------------------------------------------------- advice & summary

_TYPE_PHRASE = {
    "complaint": "a complaint (the paper that starts a lawsuit)", "summons": "a court summons",
    "notice": "a notice", "order": "a court order", "motion": "a motion (a request asking the judge to do something)",
    "judgment": "a judgment (the court's decision)", "form": "a court form", "instructions": "a set of instructions",
    "correspondence": "a letter", "other": "a document",
    "opinion": "a court opinion (a decision with the court's reasons)", "docket": "a court docket (the case's list of filings)",
    "notice_of_electronic_filing": "a notice of electronic filing (the court's e-mail that something was filed)",
    "email": "an e-mail", "brief": "a brief (a party's written argument)",
}
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

    def why_past(self, iso: str) -> str:
        d = date.fromisoformat(iso)
        if self.doc_date is not None and d < self.doc_date:
            return f"it is before the date of this paper, {_fmt(self.doc_date)}"
        return f"it is before today, {_fmt(self.today)}" if self.today else "it is in the past"


def _when(dl: dict) -> str:
    if dl.get("due_date"):
        return f"by {_fmt(date.fromisoformat(dl['due_date']))}"
    r = dl.get("rule") or {}
    unit = {"days": "days", "court_days": "court days", "hours": "hours", "months": "months"}.get(r.get("unit"), "days")
    return f"within {r.get('period')} {unit} {r.get('direction', 'after')} {_ANCHOR_WORDS.get(r.get('anchor'), 'the event')}"


def _first(deadlines: list[dict], *labels: str, prefix: str | None = None) -> dict | None:
    return next((d for d in deadlines if d["label"] in labels or (prefix and d["label"].startswith(prefix))), None)


# --- what each kind of paper asks of the reader (only deadlines still ahead are offered as steps) ---

def _summons(concepts: list[str], ahead: list[dict]) -> tuple[list[str], list[str]]:
    answer = _first(ahead, "File an answer", "File a response")
    step = (f"File a written answer with the court clerk {_when(answer)}." if answer
            else "File a written answer with the court clerk before the deadline in the summons.")
    return (["You may lose by default if you do not answer in time."],
            [step, "Give (serve) a copy of your answer to the other side or their lawyer, and keep a copy."])


def _complaint(concepts: list[str], ahead: list[dict]) -> tuple[list[str], list[str]]:
    answer = _first(ahead, "File an answer", "File a response")
    steps = ["Read each numbered paragraph and write down what is true and what is not. Your answer must respond to each one.",
             f"File your answer {_when(answer)}." if answer
             else "Find your deadline to answer. It is usually on the summons that came with this complaint."]
    return ["You are being sued. If you do not file an answer in time, the court can decide against you by default."], steps


def _notice(concepts: list[str], ahead: list[dict]) -> tuple[list[str], list[str]]:
    if "eviction" not in concepts:
        return [], ["Read the notice for anything you must do and the date to do it."]
    issues = ["This notice is not an eviction order. Only a court can order you to move out."]
    steps = []
    pay = _first(ahead, prefix="Pay")
    if pay:
        issues.append("If you pay all the rent owed in time, you may be able to stop the eviction.")
        steps.append(f"If you can, pay the rent owed {_when(pay)}. Get a receipt.")
    steps.append("Do not ignore this notice. Write down the date you got it.")
    steps.append("If you get court papers (a summons and complaint), file an answer on time and go to every hearing.")
    return issues, steps


def _order(concepts: list[str], ahead: list[dict]) -> tuple[list[str], list[str]]:
    return (["An order is a command from the court. If you do not follow it, you could face penalties or lose your case."],
            ["Do what the order says by the dates it gives." if ahead else "Do what the order says.",
             "If you disagree with the order, ask the clerk or a lawyer right away about appeal or reconsideration "
             "deadlines. They can be short."])


def _motion(concepts: list[str], ahead: list[dict]) -> tuple[list[str], list[str]]:
    issues = ["If you do not respond, the judge may grant the motion without hearing your side."]
    if "motion to dismiss" in concepts:
        issues.append("If this motion is granted, the case could be dismissed.")
    resp = _first(ahead, "File a response", "File an answer")
    return issues, [f"File a written response (opposition) {_when(resp)}." if resp else
                    "Find out the deadline to file a written response (opposition). Ask the clerk if you are not sure."]


def _judgment(concepts: list[str], ahead: list[dict]) -> tuple[list[str], list[str]]:
    issues = ["A judgment was entered. The other side can try to collect money or take other steps to enforce it."]
    steps = []
    if "default judgment" in concepts:
        issues.append("This was a default judgment. You may be able to ask the court to undo (vacate) it, but you must act fast.")
        steps.append("Ask the clerk how to file a motion to vacate (undo) the default judgment.")
    appeal = _first(ahead, "File an appeal")
    if appeal:
        steps.append(f"If you want to appeal, file a notice of appeal {_when(appeal)}.")
    steps.append("Ask about payment plans, and which of your money and property is protected from collection.")
    return issues, steps


_BY_TYPE = {
    "summons": _summons, "complaint": _complaint, "notice": _notice, "order": _order, "motion": _motion,
    "judgment": _judgment,
    "correspondence": lambda c, a: (["This letter is not a court order. But it may mention real court deadlines."],
                                    ["Keep this letter with your court papers.", "If you answer, do it in writing and keep a copy."]),
    "form": lambda c, a: (["Leaving required parts of a form blank can delay your case."],
                          ["Fill in every part that applies to you, then sign and date the form.",
                           "File the form with the court clerk and keep a copy for yourself."]),
    "instructions": lambda c, a: (["These are general instructions. The dates that apply to you are on your own court papers."],
                                  ["Follow the steps in order and check your own papers for your dates."]),
}


_EMERGENCY = ("If you are in danger right now, call 911. The National Domestic Violence Hotline (1-800-799-7233, "
              "or text START to 88788) can help you make a safety plan.")


def _advice(dtype: str, concepts: list[str], dates: list[dict], deadlines: list[dict], amounts: list[dict],
            reference_date: date | None, parties: list[dict], text: str = "",
            doc_date: date | None = None) -> tuple[list[str], list[str]]:
    clock = _Clock(reference_date, doc_date)
    ahead = [d for d in deadlines if not clock.past(d.get("due_date"))]
    issues, steps = _BY_TYPE.get(dtype, lambda c, a: ([], []))(concepts, ahead)
    protection = "protective order" in concepts or re.search(r"order\s+(?:of|for)\s+protection|protection\s+order", text, re.I)
    if protection and _about_safety(text):
        steps.insert(0, _EMERGENCY)
    more_issues, more_steps = _timing(clock, dates, deadlines)
    issues += more_issues
    steps += more_steps
    if amounts and dtype in ("complaint", "judgment", "notice", "summons", "correspondence"):
        top = max(amounts, key=lambda a: Decimal(a["value"]))
        issues.append(f"The document mentions money: ${Decimal(top['value']):,.2f} ({top['label']}). Check that the amount is right.")
    if "fee waiver" in concepts or dtype in ("summons", "complaint"):
        steps.append("If you cannot afford court fees, ask the clerk for a fee waiver form.")
    steps.append("Contact a legal aid office or a lawyer for advice about your situation.")
    return _dedupe_strings(issues), _dedupe_strings(steps)


def _timing(clock: _Clock, dates: list[dict], deadlines: list[dict]) -> tuple[list[str], list[str]]:
    """Hearings and deadlines placed against today and the paper's date: what is past is said to be past."""
    issues: list[str] = []
    steps: list[str] = []
    hearings = sorted({d["date"] for d in dates if d["label"] == "hearing"})
    for h in [h for h in hearings if clock.past(h)][-3:]:
        issues.append(f"The hearing date {_fmt(date.fromisoformat(h))} is past ({clock.why_past(h)}). "
                      f"It is not a date to go to court.")
    upcoming = next((h for h in hearings if not clock.past(h)), None)
    if upcoming:
        when = _fmt(date.fromisoformat(upcoming))
        issues.append(f"If you miss the hearing on {when}, the court may decide against you.")
        steps.append(f"Go to court on {when}. Arrive early and bring papers, photos, receipts and witnesses that support your side.")
    if any(dl.get("due_date") is None and (dl.get("rule") or {}).get("anchor") in ("service", "receipt") for dl in deadlines):
        issues.append("Your deadline counts from the day you got these papers. Write that date down now.")
    dated = sorted((dl for dl in deadlines if dl.get("due_date")), key=lambda dl: dl["due_date"])
    for dl in dated:
        due = date.fromisoformat(dl["due_date"])
        if clock.past(dl["due_date"]):
            issues.append(f"The deadline of {_fmt(due)} ({dl['label'].lower()}) has passed ({clock.why_past(dl['due_date'])}). "
                          f"If it was not done, contact the court clerk or legal aid right away.")
        elif clock.today is not None and (due - clock.today).days <= 7:
            issues.append(f"A deadline is coming up soon: {_fmt(due)} ({dl['label'].lower()}).")
    listed = {dl["due_date"] for dl in dated}
    gone = [d["date"] for d in dates if d["label"] == "due" and d["date"] not in listed and clock.past(d["date"])
            and (clock.doc_date is None or d["date"] >= clock.doc_date.isoformat())]
    for iso in sorted(gone)[-2:]:       # due dates that passed after the paper was written
        issues.append(f"The paper gives {_fmt(date.fromisoformat(iso))} as a due date, and it has passed "
                      f"({clock.why_past(iso)}). If it applied to you and was not done, contact the court clerk "
                      f"or legal aid right away.")
    for dl in [dl for dl in dated if not clock.past(dl["due_date"])][:3]:
        steps.append(f"Mark {_fmt(date.fromisoformat(dl['due_date']))} on your calendar: {dl['label'].lower()}.")
    return issues, steps


def _dedupe_strings(items: list[str]) -> list[str]:
    seen, out = set(), []
    for s in items:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def _summary(text: str, dtype: str, concepts: list[str], parties: list[dict], courts: list[dict],
             case_numbers: list[dict], dates: list[dict], deadlines: list[dict],
             reference_date: date | None = None, doc_date: date | None = None) -> str:
    phrase = _TYPE_PHRASE[dtype]
    if dtype == "notice" and "eviction" in concepts:
        phrase = "an eviction notice"
    first = f"This looks like {phrase}"
    if courts:
        # a court named in the heading issued the paper; one named further down is only mentioned
        quote = courts[0]["quote"]
        pos = text.find(quote)
        heading = (0 <= pos < 3000 and _is_title_like(quote.splitlines()[0].strip())
                   and dtype not in ("correspondence", "instructions"))
        first += f" from the {courts[0]['name']}" if heading else f" that mentions the {courts[0]['name']}"
    if case_numbers:
        first += f", case number {case_numbers[0]['value']}"
    sentences = [first + "."]
    main = [p for p in parties if p["role"] not in ("ATTORNEY", "OTHER")]
    if len(main) >= 2:
        a, b = main[0], next((p for p in main[1:] if p["role"] != main[0]["role"]), main[1])
        sentences.append(f"It involves {a['name']} ({a['role'].lower()}) and {b['name']} ({b['role'].lower()}).")
    elif main:
        sentences.append(f"It names {main[0]['name']} ({main[0]['role'].lower()}).")
    sentences.append(_key_date(_Clock(reference_date, doc_date), dates, deadlines))
    return " ".join(s for s in sentences[:3] if s)


def _key_date(clock: _Clock, dates: list[dict], deadlines: list[dict]) -> str:
    """The one date the reader most needs: the nearest deadline or hearing still ahead, else what is past."""
    ahead = sorted((d for d in deadlines if d.get("due_date") and not clock.past(d["due_date"])), key=lambda d: d["due_date"])
    hearings = sorted(d["date"] for d in dates if d["label"] == "hearing")
    hearing = next((h for h in hearings if not clock.past(h)), None)
    if ahead:
        return f"Key deadline: {ahead[0]['label'].lower()} by {_fmt(date.fromisoformat(ahead[0]['due_date']))}."
    if hearing:
        return f"Key date: a hearing on {_fmt(date.fromisoformat(hearing))}."
    open_rules = [d for d in deadlines if not d.get("due_date")]
    if open_rules:
        return f"Key deadline: {open_rules[0]['label'].lower()} {_when(open_rules[0])}."
    past = [d["due_date"] for d in deadlines if d.get("due_date")] + hearings
    if past:
        return f"The dates it sets are past (the last one is {_fmt(date.fromisoformat(max(past)))})."
    return ""
