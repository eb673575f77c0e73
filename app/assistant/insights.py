"""Case insights: what is due next, what is missing, what waits for the person's confirmation, and the
court forms that fit - each with why, from the case's own data (no model, nothing guessed).

"Missing" never says a right is lost: a deadline passed is reported with "ask the clerk", and an open
answer deadline says the answer is not *marked* as filed (CaseOS cannot see the court's docket).
"""
from __future__ import annotations

import re
from datetime import date, datetime

from app.accounts.tenancy import Principal, get_visible, scoped
from app.cases import dashboard
from app.extensions import db
from app.deadlines import engine
from app.deadlines.reminders import get_zone
from app.deadlines.service import user_zone
from app.deadlines.zones import court_zone
from app.forms.suggestions import suggest
from app.models import Case, Deadline, Document, Party
from app.models.base import utcnow
from app.platform.messages import N_, Catalogue

RESPONSE_DEADLINE = re.compile(r"\b(answer|respond|response|appearance|appear)\b", re.I)


def case_insights(principal: Principal, case_id, *, now: datetime | None = None) -> dict:
    """Everything a person should look at next in one case, each item with its reason."""
    case = get_visible(principal, Case, case_id)
    today = dashboard.today_for(principal, now)
    deadlines = db.session.execute(scoped(principal, Deadline, all_orgs=True).where(Deadline.case_id == case.id)
                                   .order_by(Deadline.due_date, Deadline.id)).scalars().all()
    docs = db.session.execute(scoped(principal, Document, all_orgs=True).where(Document.case_id == case.id)
                              ).scalars().all()
    parties = db.session.execute(scoped(principal, Party, all_orgs=True).where(Party.case_id == case.id)
                                 .order_by(Party.created_at, Party.id)).scalars().all()
    now, zone = now or utcnow(), user_zone(principal.user)
    passed = {d.id for d in deadlines if dashboard.has_passed(d, case, now, zone)}  # on the court's clock
    court_today = now.astimezone(get_zone(court_zone(case.jurisdiction) or zone)).date()
    answer_due = [d for d in deadlines if d.status in dashboard.OPEN_DEADLINES and d.id not in passed
                  and RESPONSE_DEADLINE.search(f"{d.title} {d.rule or ''}")]
    forms = _forms(case, answer_due)
    return {"case_id": case.id, "today": today,
            "next_due": dashboard.next_deadlines(principal, today, limit=5, case_id=case.id, now=now),
            "missing": _missing(case, court_today, deadlines, docs, parties, answer_due, forms, passed),
            "to_confirm": {"deadlines": _suggested_deadlines(case, today, deadlines, docs, passed),
                           "parties": _suggested_parties(parties, docs)},
            "forms": forms["forms"], "notes": forms["notes"],
            "processing": dashboard.processing_documents(principal, case_id=case.id)}


INSIGHTS = Catalogue({  # the sentences below, as messages (app/platform/messages.py)
    "insights.response_not_filed": N_("'{title}' is due {date} ({when}) and is not marked as done. File "
                                      "your response with the court, then mark the deadline completed."),
    "insights.response_not_filed_form": N_("'{title}' is due {date} ({when}) and is not marked as done. "
                                           "File your response with the court, then mark the deadline completed. "
                                           "A form that may fit: {form}."),
    "insights.due_today": N_("today"), "insights.due_tomorrow": N_("tomorrow"), "insights.due_in_days": N_("in {count} days"),
    "insights.deadline_passed": N_("'{title}' was due {date} and is not marked as done. Ask the court clerk or a "
                                   "legal aid office what you can still do."),
    "insights.no_documents": N_("No papers are uploaded yet. Upload the notice, summons or letter you received: "
                                "CaseOS reads the dates and deadlines from them."),
    "insights.documents_failed": N_("{count} document(s) could not be read; open each to see why (a photo that is "
                                    "too dark, a password-protected PDF ...)."),
    "insights.no_deadlines": N_("No deadline is recorded for this case. Check the dates on your papers, or work one "
                                "out from what happened (the deadline calculator)."),
    "insights.no_case_number": N_("Add the case number from the court's papers: the clerk and every form ask for it."),
    "insights.no_parties": N_("No parties are recorded. Add who is on each side: their names go on every form you "
                              "file."),
    "why.deadline_open": N_("the deadline '{title}' is still open"),
    "why.passed_open": N_("its date has passed and it is still open"),
    "why.passed_missed": N_("its date has passed and it is marked as missed"),
    "why.no_documents": N_("the case has no documents"),
    "why.processing_failed": N_("their processing failed"),
    "why.no_deadlines": N_("every document is read and none gave a deadline"),
    "why.no_case_number": N_("the case has no case number"),
    "why.no_parties": N_("the case has no parties"),
    "why.deadline_found": N_("found in '{title}'; confirm it if it is right, dismiss it if not"),
    "why.deadline_computed": N_("computed from the court rules; confirm it if it is right, dismiss it if not"),
    "why.party_named": N_("named as {role} in '{title}'; check the name and role"),
})
M = INSIGHTS


def _missing(case: Case, today: date, deadlines, docs, parties, answer_due, forms, passed: set) -> list[dict]:
    out = []
    answer_forms = [f["title"] for f in forms["forms"] if re.search(r"answer|appearance", f["title"], re.I)]
    for d in answer_due:
        left = (d.due_date - today).days
        when = M("insights.due_today") if left <= 0 else M("insights.due_tomorrow") if left == 1 else M("insights.due_in_days", count=left)
        said = {"title": d.title, "date": d.due_date.isoformat(), "count": left, "when": when}
        message = (M("insights.response_not_filed_form", **said, form=answer_forms[0]) if answer_forms
                   else M("insights.response_not_filed", **said))
        out.append(_item("response_not_filed", message, M("why.deadline_open", title=d.title), deadline_id=d.id))
    for d in deadlines:
        if d.status == "MISSED" or (d.status == "PENDING" and d.id in passed):
            out.append(_item("deadline_passed", M("insights.deadline_passed", title=d.title, date=d.due_date.isoformat()),
                             M("why.passed_missed" if d.status == "MISSED" else "why.passed_open"), deadline_id=d.id))
    live_docs = [doc for doc in docs if doc.deleted_at is None]
    if not live_docs:
        out.append(_item("no_documents", M("insights.no_documents"), M("why.no_documents")))
    failed = [doc for doc in live_docs if doc.status == "FAILED"]
    if failed:
        out.append(_item("documents_failed", M("insights.documents_failed", count=len(failed)),
                         M("why.processing_failed"), document_ids=[doc.id for doc in failed]))
    if live_docs and not deadlines and all(doc.status == "PROCESSED" for doc in live_docs):
        out.append(_item("no_deadlines", M("insights.no_deadlines"), M("why.no_deadlines")))
    if not case.case_number:
        out.append(_item("no_case_number", M("insights.no_case_number"), M("why.no_case_number")))
    if not parties:
        out.append(_item("no_parties", M("insights.no_parties"), M("why.no_parties")))
    return out


def _item(code: str, message: dict, why: dict, **refs) -> dict:
    return {"code": code, "message": message["text"], "why": why["text"], "i18n": {"message": message, "why": why},
            **refs}


def _suggested_deadlines(case: Case, today: date, deadlines, docs, passed: set) -> list[dict]:
    by_id = {doc.id: doc for doc in docs if doc.deleted_at is None}
    out = []
    for d in deadlines:
        if d.status == "SUGGESTED" and d.id not in passed:
            item = dashboard.deadline_item(d, case, today, by_id.get(d.source_document_id))
            source = item["source_document"]
            why = M("why.deadline_found", title=source["title"]) if source else M("why.deadline_computed")
            out.append({**item, "why": why["text"], "i18n": {"why": why}})
    return out


def _suggested_parties(parties, docs) -> list[dict]:
    by_id = {doc.id: doc for doc in docs if doc.deleted_at is None}
    out = []
    for p in parties:
        if p.source_document_id in by_id:
            source = by_id[p.source_document_id]
            why = M("why.party_named", role=p.role, title=source.title)
            out.append({"id": p.id, "name": p.name, "role": p.role,
                        "source_document": {"id": source.id, "title": source.title},
                        "why": why["text"], "i18n": {"why": why}})
    return out


def _forms(case: Case, answer_due) -> dict:
    """The court's forms for this jurisdiction and case type, answer forms first while a response is due."""
    found = suggest({"document_type": "summons" if answer_due else "other"}, jurisdiction=case.jurisdiction,
                    case_type=case.case_type, court_type=case.court_type)
    forms = []
    for f in found["forms"]:
        why = f["why"]
        if answer_due and re.search(r"answer|appearance", f["title"], re.I):
            why = f"'{answer_due[0].title}' is due {answer_due[0].due_date}: " + why
        forms.append({**f, "why": why})
    # suggest()'s notes on deadline triggers speak of the paper it was given, and here there is none ("starts
    # from a other"): the case's own notes are said instead
    notes = []
    if not forms and case.jurisdiction:
        notes.append(f"CaseOS has no fillable forms for {case.jurisdiction} and this case type yet.")
    if found["jurisdiction"] and found["jurisdiction"] not in engine.list_jurisdictions():
        notes.append(f"CaseOS has no deadline rules for {found['jurisdiction']} yet: the dates on your papers "
                     "control.")
    return {"forms": forms, "notes": notes}

