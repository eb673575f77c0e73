"""Plain-language issues, next steps and the summary (general information, not legal advice)."""
from __future__ import annotations

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
}


def _when(dl: dict) -> str:
    if dl.get("due_date"):
        return f"by {_fmt(date.fromisoformat(dl['due_date']))}"
    r = dl.get("rule") or {}
    unit = {"days": "days", "court_days": "court days", "hours": "hours", "months": "months"}.get(r.get("unit"), "days")
    return f"within {r.get('period')} {unit} {r.get('direction', 'after')} {_ANCHOR_WORDS.get(r.get('anchor'), 'the event')}"


def _advice(dtype: str, concepts: list[str], dates: list[dict], deadlines: list[dict], amounts: list[dict],
            reference_date: date | None, parties: list[dict]) -> tuple[list[str], list[str]]:
    issues: list[str] = []
    steps: list[str] = []
    hearing = next((d for d in dates if d["label"] == "hearing"), None)
    hearing_txt = _fmt(date.fromisoformat(hearing["date"])) if hearing else None
    eviction = "eviction" in concepts
    answer_dl = next((d for d in deadlines if d["label"] in ("File an answer", "File a response")), None)

    if dtype == "summons":
        issues.append("You may lose by default if you do not answer in time.")
        if answer_dl:
            steps.append(f"File a written answer with the court clerk {_when(answer_dl)}.")
        else:
            steps.append("File a written answer with the court clerk before the deadline in the summons.")
        steps.append("Give (serve) a copy of your answer to the other side or their lawyer, and keep a copy.")
    elif dtype == "complaint":
        issues.append("You are being sued. If you do not file an answer in time, the court can decide against you by default.")
        steps.append("Read each numbered paragraph and write down what is true and what is not. Your answer must respond to each one.")
        if answer_dl:
            steps.append(f"File your answer {_when(answer_dl)}.")
        else:
            steps.append("Find your deadline to answer. It is usually on the summons that came with this complaint.")
    elif dtype == "notice" and eviction:
        issues.append("This notice is not an eviction order. Only a court can order you to move out.")
        pay = next((d for d in deadlines if d["label"].startswith("Pay")), None)
        if pay:
            issues.append("If you pay all the rent owed in time, you may be able to stop the eviction.")
            steps.append(f"If you can, pay the rent owed {_when(pay)}. Get a receipt.")
        steps.append("Do not ignore this notice. Write down the date you got it.")
        steps.append("If you get court papers (a summons and complaint), file an answer on time and go to every hearing.")
    elif dtype == "notice":
        steps.append("Read the notice for anything you must do and the date to do it.")
    elif dtype == "order":
        issues.append("An order is a command from the court. If you do not follow it, you could face penalties or lose your case.")
        steps.append("Do what the order says by the dates it gives.")
        steps.append("If you disagree with the order, ask the clerk or a lawyer right away about appeal or reconsideration deadlines. They can be short.")
    elif dtype == "motion":
        issues.append("If you do not respond, the judge may grant the motion without hearing your side.")
        if "motion to dismiss" in concepts:
            issues.append("If this motion is granted, the case could be dismissed.")
        resp = next((d for d in deadlines if d["label"] in ("File a response", "File an answer")), None)
        if resp:
            steps.append(f"File a written response (opposition) {_when(resp)}.")
        else:
            steps.append("Find out the deadline to file a written response (opposition). Ask the clerk if you are not sure.")
    elif dtype == "judgment":
        issues.append("A judgment was entered. The other side can try to collect money or take other steps to enforce it.")
        if "default judgment" in concepts:
            issues.append("This was a default judgment. You may be able to ask the court to undo (vacate) it, but you must act fast.")
            steps.append("Ask the clerk how to file a motion to vacate (undo) the default judgment.")
        appeal = next((d for d in deadlines if d["label"] == "File an appeal"), None)
        if appeal:
            steps.append(f"If you want to appeal, file a notice of appeal {_when(appeal)}.")
        steps.append("Ask about payment plans, and which of your money and property is protected from collection.")
    elif dtype == "correspondence":
        issues.append("This letter is not a court order. But it may mention real court deadlines.")
        steps.append("Keep this letter with your court papers.")
        steps.append("If you answer, do it in writing and keep a copy.")
    elif dtype == "form":
        issues.append("Leaving required parts of a form blank can delay your case.")
        steps.append("Fill in every part that applies to you, then sign and date the form.")
        steps.append("File the form with the court clerk and keep a copy for yourself.")
    elif dtype == "instructions":
        issues.append("These are general instructions. The dates that apply to you are on your own court papers.")
        steps.append("Follow the steps in order and check your own papers for your dates.")

    if "protective order" in concepts:
        steps.insert(0, "If you are in danger right now, call 911.")
    if hearing_txt:
        issues.append(f"If you miss the hearing on {hearing_txt}, the court may decide against you.")
        steps.append(f"Go to court on {hearing_txt}. Arrive early and bring papers, photos, receipts and witnesses that support your side.")
    for dl in deadlines:
        if dl.get("due_date") is None and (dl.get("rule") or {}).get("anchor") in ("service", "receipt"):
            issues.append("Your deadline counts from the day you got these papers. Write that date down now.")
            break
    if reference_date is not None:
        for dl in deadlines:
            if dl.get("due_date") and date.fromisoformat(dl["due_date"]) < reference_date:
                issues.append(f"The deadline of {_fmt(date.fromisoformat(dl['due_date']))} ({dl['label'].lower()}) "
                              f"may have already passed. Contact the court clerk or legal aid right away.")
            elif dl.get("due_date") and (date.fromisoformat(dl["due_date"]) - reference_date).days <= 7:
                issues.append(f"A deadline is coming up soon: {_fmt(date.fromisoformat(dl['due_date']))} ({dl['label'].lower()}).")
    shown = 0
    for dl in deadlines:
        if dl.get("due_date") and shown < 3:
            if reference_date is None or date.fromisoformat(dl["due_date"]) >= reference_date:
                steps.append(f"Mark {_fmt(date.fromisoformat(dl['due_date']))} on your calendar: {dl['label'].lower()}.")
                shown += 1
    if amounts and dtype in ("complaint", "judgment", "notice", "summons", "correspondence"):
        top = max(amounts, key=lambda a: Decimal(a["value"]))
        issues.append(f"The document mentions money: ${Decimal(top['value']):,.2f} ({top['label']}). Check that the amount is right.")
    if "fee waiver" in concepts or dtype in ("summons", "complaint"):
        steps.append("If you cannot afford court fees, ask the clerk for a fee waiver form.")
    steps.append("Contact a legal aid office or a lawyer for advice about your situation.")
    return _dedupe_strings(issues), _dedupe_strings(steps)


def _dedupe_strings(items: list[str]) -> list[str]:
    seen, out = set(), []
    for s in items:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def _summary(text: str, dtype: str, concepts: list[str], parties: list[dict], courts: list[dict],
             case_numbers: list[dict], dates: list[dict], deadlines: list[dict]) -> str:
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
    resolved = [d for d in deadlines if d.get("due_date")]
    hearing = next((d for d in dates if d["label"] == "hearing"), None)
    if resolved:
        d = resolved[0]
        sentences.append(f"Key deadline: {d['label'].lower()} by {_fmt(date.fromisoformat(d['due_date']))}.")
    elif hearing:
        sentences.append(f"Key date: a hearing on {_fmt(date.fromisoformat(hearing['date']))}.")
    elif deadlines:
        sentences.append(f"Key deadline: {deadlines[0]['label'].lower()} {_when(deadlines[0])}.")
    return " ".join(sentences[:3])
