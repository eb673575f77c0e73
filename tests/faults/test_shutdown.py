"""Point 8: SIGTERM with jobs in flight. A graceful stop finishes or requeues them; none is lost.

No sweeper runs here: what a stopping worker holds must come back by itself."""
from __future__ import annotations

import signal
import time

import pytest

from tests.faults.conftest import scanned_pdf, text_doc, wait_until

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("target", ["main", "group"], ids=["term-to-main-process", "term-to-process-group"])
def test_sigterm_with_jobs_in_flight_finishes_or_requeues_them(stack, truth, tmp_path, target):
    """main: `kill -TERM <pid>` (Celery's warm shutdown). group: every process of the worker gets
    SIGTERM at once, as with systemd's KillMode=control-group or a container runtime's process group."""
    web = stack.web(wait=False)
    leaving = stack.worker(name="leaving", concurrency=2, wait=False)
    stack.ready()
    user = stack.user(web)
    scan_doc, scan_job = user.upload_ok(scanned_pdf(tmp_path, 3, "term"), filename="t.pdf", title="term-scan")
    # A second scan keeps the other process busy too, so work stays reserved while the first is read
    # (one-page letters alone are read, each in one delivery, before the first OCR page is done).
    other_scan = user.upload_ok(scanned_pdf(tmp_path, 3, "term-other"), filename="u.pdf", title="term-scan-2")
    letters = [user.upload_ok(text_doc(f"term-{i}"), title=f"term-{i}") for i in range(5)]
    r = stack.redis_client()
    wait_until(lambda: truth.job(scan_job)["result"].get("ocr_pages_done", 0) >= 1 and r.hlen("unacked") >= 2, 90,
               "OCR in flight with other work reserved")

    leaving.signal(signal.SIGTERM, group=(target == "group"))
    stopped = time.monotonic()
    assert leaving.wait(90) is not None, "the worker did not stop within 90 s"
    stop_took = time.monotonic() - stopped
    assert r.hlen("unacked") == 0, "a stopped worker must not keep messages reserved"

    stack.worker(name="next", concurrency=2)
    for doc, job in [(scan_doc, scan_job), other_scan, *letters]:
        wait_until(lambda doc=doc: truth.doc_is_final(doc), 90, f"document {doc} final after the restart")
    truth.assert_processed_once(user.org_id, scan_doc, scan_job, pages=3)
    truth.assert_processed_once(user.org_id, *other_scan, pages=3)
    for doc, job in letters:
        truth.assert_processed_once(user.org_id, doc, job, pages=1)
    if target == "main":
        # A warm shutdown lets the step in flight finish: nothing ran twice.
        steps = truth.job(scan_job)["steps"]
        assert all(s["attempts"] == 1 for s in steps.values()), steps
    assert stop_took < 60, stop_took
