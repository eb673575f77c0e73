"""Point 1 and 3 (second half): workers killed with SIGKILL. Every document ends in a final state
exactly once, with no duplicate rows or stored objects, within a bounded time."""
from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest

from tests.faults.conftest import scanned_pdf, text_doc, wait_until

pytestmark = pytest.mark.faults


def _unacked(stack) -> int:
    return stack.redis_client().hlen("unacked")


def test_sigkill_of_a_pool_child_during_ocr_resumes_and_finishes_once(stack, truth, tmp_path):
    web = stack.web(wait=False)
    worker = stack.worker(concurrency=2, wait=False)
    stack.ready()
    user = stack.user(web)
    pages = 4
    doc, job = user.upload_ok(scanned_pdf(tmp_path, pages, "kill-child"), filename="scan.pdf", title="kill-child")
    others = [user.upload_ok(text_doc(f"bystander-{i}"), title=f"bystander-{i}") for i in range(2)]

    # Kill the child exactly while it is OCRing, after at least one page was saved.
    wait_until(lambda: truth.job(job)["result"].get("ocr_pages_done", 0) >= 1, 90, "first OCR page saved")
    ocr_pid = int(stack.step_runs(doc, "ocr")[-1][0])
    assert truth.job(job)["result"]["ocr_pages_done"] < pages, "OCR finished before the kill; use more pages"
    os.kill(ocr_pid, signal.SIGKILL)
    killed_at = time.monotonic()

    wait_until(lambda: truth.doc_is_final(doc), 90, "the killed document to finish")
    recovered_in = time.monotonic() - killed_at
    for d, j in others:
        wait_until(lambda d=d: truth.doc_is_final(d), 60, "bystanders")
        truth.assert_processed_once(user.org_id, d, j, pages=1)

    truth.assert_processed_once(user.org_id, doc, job, pages=pages)
    assert {src for _, src in truth.pages(doc)} == {"ocr"}
    steps = truth.job(job)["steps"]
    assert steps["ocr"]["attempts"] == 2, steps
    assert all(steps[s]["attempts"] == 1 for s in ("extract", "analyse", "index", "notify")), steps
    # Pages saved before the kill are not read again; at most the page in flight is (OCR_WORKERS=1).
    per_page = Counter(int(r[2]) for r in stack.records("ocr.log") if r[1] == doc)
    assert sorted(per_page) == list(range(1, pages + 1))
    assert sum(per_page.values()) <= pages + 1, per_page
    assert worker.alive(), "the worker itself must survive the loss of a child"
    # Recovery is bounded by the lease (4 s here), not by the sweeper or the visibility timeout.
    assert recovered_in < 45, recovered_in


def test_sigkill_of_the_whole_worker_with_tasks_reserved_recovers_after_a_new_worker(stack, truth, tmp_path):
    web = stack.web(wait=False)
    # beat=1.0: the production sweeper task runs every second (beat embedded in the worker)
    first = stack.worker(name="doomed", concurrency=3, beat=1.0, wait=False)
    stack.ready()
    user = stack.user(web)
    uploads = [user.upload_ok(scanned_pdf(tmp_path, 3, f"scan-{i}"), filename=f"s{i}.pdf", title=f"scan-{i}")
               for i in range(2)]
    uploads += [user.upload_ok(text_doc(f"letter-{i}"), title=f"letter-{i}") for i in range(4)]

    wait_until(lambda: _unacked(stack) >= 3 and stack.records("ocr.log"), 90,
               "several tasks reserved and OCR under way")
    first.kill()  # SIGKILL to the whole process group: parent and pool children
    stranded = _unacked(stack)
    assert stranded >= 1, "the killed worker's reserved messages stay unacked until the visibility timeout"

    started = time.monotonic()
    second = stack.worker(name="rescuer", concurrency=2, beat=1.0)
    for doc, job in uploads:
        wait_until(lambda doc=doc: truth.doc_is_final(doc), 120, f"document {doc} final")
    recovered_in = time.monotonic() - started
    for i, (doc, job) in enumerate(uploads):
        truth.assert_processed_once(user.org_id, doc, job, pages=3 if i < 2 else 1)
        steps = truth.job(job)["steps"]
        assert all(s["attempts"] <= 2 for s in steps.values()), steps
    assert recovered_in < 90, recovered_in

    # The visibility timeout finally elapses (simulated: kombu's own restore with a zero timeout).
    # Every stranded message is delivered again and must change nothing.
    before = {j: (truth.job_statuses(j), truth.job(j)["steps"]) for _, j in uploads}
    import json
    stranded_ids = [json.loads(v)[0]["headers"]["id"] for v in stack.redis_client().hvals("unacked")]
    assert stranded_ids
    from kombu import Connection
    with Connection(stack.redis_url, transport_options={"visibility_timeout": 0}) as conn:
        conn.default_channel.qos.restore_visible(num=1000)
    wait_until(lambda: all(f"[{tid}] succeeded" in second.log() for tid in stranded_ids), 60,
               "every redelivered message handled")
    after = {j: (truth.job_statuses(j), truth.job(j)["steps"]) for _, j in uploads}
    assert after == before, "a redelivered message of a finished step must be a no-op"


def test_task_that_kills_its_process_every_time_ends_failed_and_other_work_flows(stack, truth):
    from app.platform import jobs as jobs_service
    web = stack.web(wait=False)
    # Replacement pool processes start slowly, as on a busy host (longer than Celery's default
    # 4 s alive timeout): they must still come up, not be killed and forked again in a loop.
    worker = stack.worker(concurrency=2, env={"FAULT_KILL": "analyse:poison", "FAULT_SLOW_CHILD_START": "5"},
                          wait=False)
    stack.ready()
    user = stack.user(web)
    poison_doc, poison_job = user.upload_ok(text_doc("poison"), title="poison-pill")
    normal = [user.upload_ok(text_doc(f"normal-{i}"), title=f"normal-{i}") for i in range(3)]
    # More work arrives while the poison pill keeps killing pool processes.
    wait_until(lambda: len(stack.records("kills.log")) >= 1, 60, "the first crash")
    normal += [user.upload_ok(text_doc(f"later-{i}"), title=f"later-{i}") for i in range(3)]

    for doc, job in normal:
        wait_until(lambda doc=doc: truth.doc_is_final(doc), 90, "normal documents")
        truth.assert_processed_once(user.org_id, doc, job, pages=1)
    wait_until(lambda: truth.doc_is_final(poison_doc), 90, "the poison pill to give up")
    d, j = truth.doc(poison_doc), truth.job(poison_job)
    assert d["status"] == "FAILED" and d["error_code"] == "processing_crashed", (d, j)
    assert j["status"] == "FAILED" and j["error"]["code"] == "processing_crashed"
    assert truth.final_events(poison_job) == 1
    kills = [r for r in stack.records("kills.log") if r[2] == poison_doc]
    assert len(kills) == jobs_service.MAX_STEP_ATTEMPTS, kills
    assert j["steps"]["analyse"]["status"] == "failed"
    # Replacement pool processes came up every time (a slow start must not get them killed in a loop).
    assert "Timed out waiting for UP message" not in worker.log()
