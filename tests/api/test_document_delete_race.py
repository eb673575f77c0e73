"""A document deleted while a step of its processing runs (issue 16, finding 12).

The step's transaction was open when the deletion committed: it used to commit its page rows
after the deletion had erased them, and leave the document PROCESSING for ever. Now the step
finds the deletion at its commit (the document row is locked by both), writes nothing, and the
document ends FAILED with the reason; a step that starts after the deletion is refused as before.
"""
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import celery, db
from app.models import Document, DocumentPage, Job
from app.platform import engine, jobs

KIND = "form.fill"  # a kind the jobs table accepts; its pipeline is replaced for the test


@pytest.fixture()
def pipeline(app_ctx):
    real = engine.pipeline(KIND)
    behaviour = {}

    def step(name):
        def fn(run):
            if name in behaviour:
                behaviour.pop(name)(run)
            db.session.add(DocumentPage(document_id=run.doc.id, number=len(name), source="text_layer"))
            run.doc.status = "PROCESSING"
            return {}
        return fn

    task = f"test-delete-race-{uuid.uuid4().hex[:8]}.run"
    p = engine.Pipeline(KIND, task=task, with_document=True,
                        steps=(engine.Step("a", step("a")), engine.Step("bb", step("bb"))))
    engine.register({KIND: p})
    yield engine.make_tasks(celery, {KIND: p})[task], behaviour
    engine.register({KIND: real})


def _document(alice) -> tuple[str, str]:
    case = alice.create_case()
    doc = Document(organization_id=uuid.UUID(alice.org_id), case_id=uuid.UUID(case["id"]), title="Notice",
                   filename="n.txt", content_type="text/plain", sha256=uuid.uuid4().hex * 2, size_bytes=1,
                   storage_key=f"missing/{uuid.uuid4().hex}", wrapped_key="x", status="QUEUED")
    db.session.add(doc)
    db.session.flush()
    job = jobs.create(organization_id=doc.organization_id, user_id=uuid.UUID(alice.id), kind=KIND,
                      steps=["a", "bb"], document_id=doc.id, case_id=doc.case_id)
    db.session.commit()
    return str(doc.id), str(job.id)


def _state(doc_id, job_id):
    db.session.rollback()
    doc = db.session.get(Document, uuid.UUID(doc_id), populate_existing=True)
    job = db.session.get(Job, uuid.UUID(job_id), populate_existing=True)
    pages = db.session.execute(sa.select(sa.func.count()).where(DocumentPage.document_id == doc.id)).scalar()
    return doc, job, pages


def test_a_deletion_during_a_step_leaves_no_page_and_no_processing_document(pipeline, alice):
    task, behaviour = pipeline
    doc_id, job_id = _document(alice)
    # The deletion commits (its own request, its own transaction) while step "a" is running.
    behaviour["a"] = lambda run: _delete(alice, doc_id)
    task.apply(args=[doc_id, job_id]).get()
    doc, job, pages = _state(doc_id, job_id)
    assert doc.deleted_at is not None
    assert pages == 0, "the step committed pages of a deleted document"
    assert doc.status == "FAILED" and doc.error_code == "document_deleted"
    assert job.status == "FAILED" and job.error["code"] == "document_deleted"


def test_a_deletion_between_steps_ends_the_document_too(pipeline, alice):
    task, behaviour = pipeline
    doc_id, job_id = _document(alice)
    # Step "a" commits its page; the deletion comes before step "bb" writes anything.
    behaviour["bb"] = lambda run: _delete(alice, doc_id)
    task.apply(args=[doc_id, job_id]).get()
    doc, job, pages = _state(doc_id, job_id)
    assert pages == 0 and doc.status == "FAILED" and job.status == "FAILED"


def test_a_step_after_the_deletion_is_refused_and_ends_the_document(pipeline, alice):
    task, _ = pipeline
    doc_id, job_id = _document(alice)
    _delete(alice, doc_id)
    task.apply(args=[doc_id, job_id]).get()
    doc, job, pages = _state(doc_id, job_id)
    assert pages == 0 and doc.status == "FAILED" and job.status == "FAILED"


def _delete(alice, doc_id):
    r = alice.delete(f"/api/v1/documents/{doc_id}")
    assert r.status_code == 204, r.get_json()
