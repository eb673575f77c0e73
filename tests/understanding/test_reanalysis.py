"""Re-analysing a document (reprocess, a new reader) replaces only the analyzer's own suggestions of that
document that nobody has touched: a deadline a person added, confirmed, edited or dismissed stays as it is."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from app.understanding import local

ORDER = """UNITED STATES DISTRICT COURT
DISTRICT OF MASSACHUSETTS

MARGARET OYELARAN,
        Plaintiff,
v.                                              Civil Action No. 1:26-cv-10455
HARBORVIEW HOLDINGS, LLC,
        Defendant.

SCHEDULING ORDER

Defendant shall file its answer to the amended complaint no later than March 3, 2099.
The parties shall exchange initial disclosures on or before April 14, 2099.

SO ORDERED.
Dated: December 1, 2098
"""


@pytest.fixture()
def setting(app_ctx):
    from app.accounts import users as accounts
    from app.accounts.tenancy import principal_for
    from app.cases import cases
    from app.extensions import db
    from app.models import Document

    user = accounts.register(f"reanalysis-{uuid.uuid4().hex[:8]}@example.test", "correct horse battery", "Reanalysis")
    db.session.flush()
    principal = principal_for(user, None)
    case = cases.create_case(principal, {"title": "Oyelaran v. Harborview", "case_type": "CIVIL_LITIGATION",
                                         "court_type": "FEDERAL_DISTRICT", "jurisdiction": "US-FED"})
    doc = Document(organization_id=case.organization_id, case_id=case.id, title="Scheduling order",
                   filename="order.txt", status="PROCESSED", content_type="text/plain", sha256=uuid.uuid4().hex,
                   size_bytes=len(ORDER), storage_key="k", wrapped_key="w", created_at=datetime.now(timezone.utc))
    db.session.add(doc)
    db.session.flush()
    yield principal, case, doc
    db.session.rollback()


def _analysis():
    return local.analyze(ORDER, reference_date=date(2098, 12, 2))


def _deadlines(case):
    from app.extensions import db
    from app.models import Deadline
    return db.session.execute(sa.select(Deadline).where(Deadline.case_id == case.id)
                              .order_by(Deadline.due_date, Deadline.created_at)).scalars().all()


def test_reanalysis_keeps_what_a_person_added_confirmed_edited_or_dismissed(setting):
    from app.deadlines import service as deadlines
    from app.understanding import service

    principal, case, doc = setting
    result = _analysis()
    assert {d["due_date"] for d in result["deadlines"]} == {"2099-03-03", "2099-04-14"}
    service.apply_to_case(doc, result)
    found = {d.due_date: d for d in _deadlines(case)}
    assert {d.status for d in found.values()} == {"SUGGESTED"} and len(found) == 2

    # the person confirms the answer deadline, and adds two of their own from this order
    deadlines.update_deadline(principal, found[date(2099, 3, 3)].id, {"status": "PENDING"})
    own = deadlines.create_deadline(principal, case.id, {"title": "Call the clerk about mediation",
                                                         "due_date": date(2099, 2, 1), "source_document_id": doc.id})
    own_suggestion = deadlines.create_deadline(principal, case.id, {
        "title": "Ask for an extension", "due_date": date(2099, 2, 20), "status": "SUGGESTED",
        "source_document_id": doc.id})

    service.apply_to_case(doc, result)          # the document is re-analysed (reprocess)

    after = _deadlines(case)
    by_id = {d.id: d for d in after}
    assert by_id[found[date(2099, 3, 3)].id].status == "PENDING"          # confirmed: untouched
    assert by_id[own.id].title == "Call the clerk about mediation"        # a person's own: untouched
    assert by_id[own_suggestion.id].status == "SUGGESTED"                 # a person's own suggestion: untouched
    # the analyzer's own suggestion is replaced, never duplicated; the confirmed one is not suggested again
    assert sorted(d.due_date for d in after) == [date(2099, 2, 1), date(2099, 2, 20), date(2099, 3, 3),
                                                 date(2099, 4, 14)]


def test_reanalysis_keeps_an_edited_suggestion_and_does_not_suggest_its_old_date_again(setting):
    from app.deadlines import service as deadlines
    from app.understanding import service

    principal, case, doc = setting
    result = _analysis()
    service.apply_to_case(doc, result)
    found = {d.due_date: d for d in _deadlines(case)}
    # the person corrects the disclosures date (still a suggestion) and dismisses the answer deadline
    deadlines.update_deadline(principal, found[date(2099, 4, 14)].id, {"due_date": date(2099, 4, 15)})
    deadlines.update_deadline(principal, found[date(2099, 3, 3)].id, {"status": "DISMISSED"})

    service.apply_to_case(doc, result)

    after = [(d.due_date, d.status) for d in _deadlines(case)]
    assert after == [(date(2099, 3, 3), "DISMISSED"), (date(2099, 4, 15), "SUGGESTED")]


def test_reanalysis_replaces_the_analyzers_untouched_suggestions(setting):
    from app.understanding import service

    _, case, doc = setting
    service.apply_to_case(doc, _analysis())
    changed = dict(_analysis())
    changed["deadlines"] = [d for d in changed["deadlines"] if d["due_date"] == "2099-04-14"]
    service.apply_to_case(doc, changed)          # a better reading no longer finds the answer deadline
    after = _deadlines(case)
    assert [(d.due_date, d.status) for d in after] == [(date(2099, 4, 14), "SUGGESTED")]


def test_deleting_the_document_removes_only_the_analyzers_untouched_suggestions(setting):
    """Deleting a document takes away what the analyzer suggested from it, never what a person made or kept."""
    from app.deadlines import service as deadlines
    from app.documents import documents
    from app.understanding import service

    principal, case, doc = setting
    service.apply_to_case(doc, _analysis())
    found = {d.due_date: d for d in _deadlines(case)}
    deadlines.update_deadline(principal, found[date(2099, 3, 3)].id, {"status": "PENDING"})
    own_suggestion = deadlines.create_deadline(principal, case.id, {
        "title": "Ask for an extension", "due_date": date(2099, 2, 20), "status": "SUGGESTED",
        "source_document_id": doc.id})

    documents.delete(principal, doc.id)

    after = {d.id: d for d in _deadlines(case)}
    assert set(after) == {found[date(2099, 3, 3)].id, own_suggestion.id}   # the untouched 04-14 suggestion is gone
    assert after[own_suggestion.id].status == "SUGGESTED" and after[own_suggestion.id].title == "Ask for an extension"
