"""Point 2 (redelivery after the visibility timeout is a no-op; the timeout covers twice the longest
task), point 3 (the same job delivered 50 times runs once) and point 5 (a task that arrives before
its row is visible retries). Plus the case that breaks naive leases: a worker frozen mid-step that
wakes up after another took its job over must not commit anything."""
from __future__ import annotations

import os
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.conftest import scanned_pdf, text_doc, wait_until

pytestmark = pytest.mark.faults
ORDER = {"QUEUED": 0, "RUNNING": 1, "SUCCEEDED": 2, "FAILED": 2, "CANCELLED": 2}


def assert_never_backwards(statuses):
    ranks = [ORDER[s] for s in statuses]
    assert ranks == sorted(ranks), statuses


def test_visibility_timeout_is_at_least_twice_the_longest_task_time_limit():
    """The build fails if the broker could redeliver a task that is still allowed to run."""
    import celeryconfig
    from config import Config
    from app.platform import engine
    from workers import celery
    conf = celeryconfig.from_config(Config(CELERY_BROKER_URL="redis://127.0.0.1:6379/0"))
    visibility = conf["broker_transport_options"]["visibility_timeout"]
    celery.loader.import_default_modules()
    limits = [conf["task_time_limit"], conf.get("task_soft_time_limit") or 0]
    limits += [t.time_limit or 0 for name, t in celery.tasks.items() if not name.startswith("celery.")]
    limits += [t.soft_time_limit or 0 for name, t in celery.tasks.items() if not name.startswith("celery.")]
    longest = max(limits)
    assert longest > 0
    assert visibility >= 2 * longest, f"visibility_timeout {visibility}s < 2 x longest task time limit {longest}s"
    # Countdown (ETA) messages wait unacked in a worker too: they must come due well within the timeout.
    assert visibility >= 2 * engine.MAX_COUNTDOWN, (visibility, engine.MAX_COUNTDOWN)
    # And the app really runs with it (init_celery re-applies celeryconfig to the shared Celery app).
    assert celery.conf.broker_transport_options["visibility_timeout"] == visibility


def test_a_step_that_outlives_the_visibility_timeout_is_redelivered_as_a_noop(stack, truth):
    web = stack.web(wait=False)
    # The broker redelivers after 2 s; the step takes 7 s; the job lease is 4 s (kept alive while it runs).
    worker = stack.worker(concurrency=2, env={"FAULT_VISIBILITY_TIMEOUT": "2", "FAULT_SLOW": "analyse:7:slowpoke"},
                          wait=False)
    stack.ready()
    user = stack.user(web)
    doc, job = user.upload_ok(text_doc("slow"), title="slowpoke")
    wait_until(lambda: truth.doc_is_final(doc), 90, "the slow document")
    truth.assert_processed_once(user.org_id, doc, job, pages=1)
    # A text document is extracted, analysed (locally), indexed and announced in the delivery of its
    # extract message: that message is the one the broker redelivers while analyse runs.
    received = stack.received(worker, "documents.extract")
    assert len(received) >= 2 and len(set(received)) < len(received), \
        f"the broker did not redeliver the running step, the test proves nothing: {received}"
    assert len(stack.step_runs(doc, "analyse")) == 1, stack.step_runs(doc, "analyse")
    assert truth.job(job)["steps"]["analyse"]["attempts"] == 1
    assert_never_backwards(truth.job_statuses(job))


def test_a_frozen_worker_that_wakes_after_its_job_was_taken_over_commits_nothing(stack, truth, tmp_path):
    """SIGSTOP (a long GC pause, a frozen VM) outlives the lease; the sweeper hands the job to another
    process; when the frozen one wakes up its late writes must be refused, not committed."""
    web = stack.web(wait=False)
    worker = stack.worker(concurrency=3, env={"FAULT_STOP": "index:freeze-index"}, beat=1.0, wait=False)
    stack.ready()
    user = stack.user(web)
    ocr_doc, ocr_job = user.upload_ok(scanned_pdf(tmp_path, 4, "freeze-ocr"), filename="f.pdf", title="freeze-ocr")
    idx_doc, idx_job = user.upload_ok(text_doc("freeze"), title="freeze-index")

    # Freeze the OCR step between pages (from outside), and the index step after it wrote its rows
    # but before it committed them (the process stops itself).
    wait_until(lambda: truth.job(ocr_job)["result"].get("ocr_pages_done", 0) >= 1, 90, "OCR under way")
    ocr_pid = int(stack.step_runs(ocr_doc, "ocr")[-1][0])
    os.kill(ocr_pid, signal.SIGSTOP)
    assert truth.job(ocr_job)["steps"]["ocr"]["status"] == "running", "OCR finished before the freeze"
    idx_pid = int(wait_until(lambda: stack.records("stopped.log"), 60, "index frozen")[0][0])
    try:
        for d in (ocr_doc, idx_doc):
            wait_until(lambda d=d: truth.doc_is_final(d), 120, "takeover finishes the frozen jobs")
        before = {j: truth.job_statuses(j) for j in (ocr_job, idx_job)}
    finally:
        for pid in (ocr_pid, idx_pid):
            os.kill(pid, signal.SIGCONT)

    def zombies_done():
        results = stack.task_results(worker)
        ocr = [r for r in results if r["name"] == "documents.ocr" and ocr_doc in r["args"]]
        # The text document's index step ran in the delivery of its extract message (no other queue
        # needed): that delivery is the frozen one; the takeover is the sweeper's documents.index.
        idx = [r for r in results if r["name"] == "documents.extract" and idx_doc in r["args"]]
        return len(ocr) >= 2 and len(idx) >= 1
    wait_until(zombies_done, 60, "the woken workers to finish their stale steps")

    truth.assert_processed_once(user.org_id, ocr_doc, ocr_job, pages=4)
    truth.assert_processed_once(user.org_id, idx_doc, idx_job, pages=1)
    for j in (ocr_job, idx_job):
        after = truth.job_statuses(j)
        assert after == before[j], f"a woken zombie emitted {after[len(before[j]):]} after the final state"
        assert_never_backwards(after)
        state = truth.job(j)
        assert state["lease_until"] is None, state
    rows = truth.search_rows(idx_doc)
    assert len(rows) == len(set(rows)) == 2, rows  # title row + one page, once


def test_the_same_job_delivered_50_times_at_once_runs_each_step_once(stack, truth):
    web = stack.web()
    user = stack.user(web)
    doc, job = user.upload_ok(text_doc("fifty"), title="fifty")  # no worker yet: its message waits
    client = stack.celery_client()
    for _ in range(49):
        client.send_task("documents.extract", args=[doc, job], queue="default")
    # Early (or stale) copies of every later step too: none may run before its turn.
    for step, queue in (("ocr", "ocr"), ("analyse", "ai"), ("index", "default"), ("notify", "default")):
        for _ in range(5):
            client.send_task(f"documents.{step}", args=[doc, job], queue=queue)
    worker = stack.worker(concurrency=4)
    wait_until(lambda: truth.doc_is_final(doc), 90, "the document")
    r = stack.redis_client()
    wait_until(lambda: sum(r.llen(q) for q in ("default", "ocr", "ai")) == 0 and r.hlen("unacked") == 0,
               90, "every copy consumed")
    wait_until(lambda: len(stack.task_results(worker)) >= 70, 30, "every copy finished")
    truth.assert_processed_once(user.org_id, doc, job, pages=1)
    for step in ("extract", "ocr", "analyse", "index", "notify"):
        assert len(stack.step_runs(doc, step)) == 1, (step, stack.step_runs(doc))
        assert truth.job(job)["steps"][step]["attempts"] == 1
    assert_never_backwards(truth.job_statuses(job))
    # Each step ran once and in order (steps that need no other queue run in one delivery).
    assert [r[1] for r in stack.step_runs(doc)] == ["extract", "ocr", "analyse", "index", "notify"]


def test_fifty_identical_uploads_at_once_make_one_document_one_job_one_blob(stack, truth):
    web = stack.web(wait=False)
    worker = stack.worker(concurrency=2, wait=False)
    stack.ready()
    user = stack.user(web)
    data = text_doc("identical")
    with ThreadPoolExecutor(25) as pool:
        answers = list(pool.map(lambda i: user.upload(data, filename=f"copy-{i}.txt"), range(50)))
    codes = sorted(a.status_code for a in answers)
    assert all(c in (200, 202) for c in codes), [(a.status_code, a.text[:200]) for a in answers if a.status_code >= 300]
    assert codes.count(202) == 1, codes
    ids = {a.json()["document"]["id"] for a in answers}
    assert len(ids) == 1
    doc = ids.pop()
    job = next(a.json()["job"]["id"] for a in answers if a.status_code == 202)
    wait_until(lambda: truth.doc_is_final(doc), 60, "the document")
    assert len(truth.docs_in_case(user.case_id)) == 1
    assert len(truth.blobs(user.org_id)) == 1, truth.blobs(user.org_id)  # the losers removed theirs
    truth.assert_processed_once(user.org_id, doc, job, pages=1)

    # Fifty "reprocess" clicks at once: one new job, run once.
    with ThreadPoolExecutor(25) as pool:
        answers = list(pool.map(lambda _: user.post(f"/api/v1/documents/{doc}/reprocess"), range(50)))
    assert all(a.status_code in (202, 409) for a in answers), [(a.status_code, a.text[:200]) for a in answers]
    jobs = set(truth.jobs_of(doc)) - {job}
    assert len(jobs) == 1, jobs
    new_job = jobs.pop()
    wait_until(lambda: truth.job(new_job)["status"] in ("SUCCEEDED", "FAILED"), 60, "the reprocess job")
    assert truth.job(new_job)["status"] == "SUCCEEDED"
    assert truth.final_events(new_job) == 1
    for step in ("extract", "ocr", "analyse", "index", "notify"):
        assert len(stack.step_runs(doc, step)) == 2, (step, stack.step_runs(doc))
    rows = truth.search_rows(doc)
    assert len(rows) == len(set(rows))
    assert worker.alive()


def test_a_step_that_arrives_before_its_row_is_visible_retries_instead_of_failing(stack, truth, app):
    """The message overtakes the transaction that creates the job (an enqueue inside the transaction,
    a lagging replica): the step must look again, not drop the message. No sweeper runs here."""
    from app.extensions import db
    from app.models import Case, User
    from app.documents import documents
    from app.accounts.tenancy import principal_for

    web = stack.web(wait=False)
    worker = stack.worker(concurrency=2, wait=False)
    stack.ready()
    user = stack.user(web)
    client = stack.celery_client()
    task_id = str(uuid.uuid4())
    with app.app_context():
        try:
            principal = principal_for(db.session.get(User, uuid.UUID(user.user_id)), user.org_id)
            case = db.session.get(Case, uuid.UUID(user.case_id))
            sink = documents.UploadSink(case.organization_id, 10 ** 6)
            sink.write(text_doc("early bird"))
            outcome = documents.accept_upload(principal, case, sink, filename="early.txt", title="early",
                                              document_type=None)
            doc, job = str(outcome.document.id), str(outcome.job.id)
            db.session.flush()  # the rows exist inside this transaction only
            client.send_task("documents.extract", args=[doc, job], queue="default", task_id=task_id)
            wait_until(lambda: f"documents.extract[{task_id}] retry" in worker.log()
                       or f"documents.extract[{task_id}] succeeded" in worker.log(), 30,
                       "the worker to see the message before the commit")
            db.session.commit()
        finally:
            db.session.remove()
    wait_until(lambda: truth.doc_is_final(doc), 60, "the early document (no sweeper is running)")
    truth.assert_processed_once(user.org_id, doc, job, pages=1)
