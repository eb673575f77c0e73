"""Point 4 (Redis and PostgreSQL restarted under load: accepted uploads all reach a final state;
the API answers 503, never 500, while a dependency is down, and recovers by itself) and point 5
(the API dies between its commit and the enqueue, or the broker is down: nothing is lost)."""
from __future__ import annotations

import os
import time
import warnings

import pytest
import requests

from tests.faults.conftest import Uploader, scanned_pdf, text_doc, wait_until
from tests.procs import SUPERVISOR_MARK

pytestmark = pytest.mark.faults


def _status(url, **kw):
    try:
        return requests.get(url, timeout=15, **kw).status_code
    except requests.RequestException:
        return 0


def test_redis_connections_killed_and_redis_restarted_under_load(stack, truth):
    web = stack.web(wait=False)
    # Supervised like in production (systemd Restart=always, a platform's process manager): see below.
    worker = stack.worker(concurrency=2, beat=1.0, wait=False, supervised=True)
    stack.ready()
    user = stack.user(web)
    load = Uploader(user, every=0.3, label="redis-load")
    load.start()
    try:
        wait_until(lambda: len(load.accepted) >= 3, 60, "uploads under load")
        # 1. Every client connection killed (workers, beat, API, pub/sub subscribers).
        admin = stack.redis_client()
        killed = admin.execute_command("CLIENT", "KILL", "TYPE", "normal") + \
            admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        assert killed >= 3, killed
        n = len(load.accepted)
        wait_until(lambda: len(load.accepted) >= n + 3, 60, "uploads accepted after the connections were killed")

        # 2. Redis restarted: down for a while, back empty (no persistence: every queued message lost).
        stack.redis_stop()
        down_at = len(load.answers)
        wait_until(lambda: len(load.answers) >= down_at + 3, 60, "uploads answered while Redis is down")
        assert _status(web.url + "/readyz") == 503
        ready = requests.get(web.url + "/readyz", timeout=15).json()
        assert "broker" in ready["down"], ready
        assert _status(f"{web.url}/api/v1/documents/{load.accepted[0][0]}",
                       headers={"Authorization": f"Bearer {user.token}"}) == 200
        up_at = len(load.answers)
        stack.redis_start()
        wait_until(lambda: _status(web.url + "/readyz") == 200, 60, "/readyz to recover by itself")
        n = len(load.accepted)
        wait_until(lambda: len(load.accepted) >= n + 3, 60, "uploads accepted after the restart")
    finally:
        load.stop()

    assert not load.errors, load.errors[:5]  # 202 or 503 while down; never 500
    assert set(load.answers) <= {202, 503}, sorted(set(load.answers))
    # The broker being down does not stop intake: the committed row is the outbox.
    assert 202 in load.answers[down_at:up_at], load.answers[down_at:up_at]
    for doc, job in load.accepted:
        wait_until(lambda doc=doc: truth.doc_is_final(doc), 120, f"accepted upload {doc} final")
    for doc, job in load.accepted:
        truth.assert_processed_once(user.org_id, doc, job, pages=1)
    restarts = worker.log().count(SUPERVISOR_MARK)
    if restarts:
        # kombu 5.7.0: a second connection loss while the consumer reconnects can end the worker with
        # "Unrecoverable error: AttributeError('NoneType' object has no attribute 'hostname')" (in
        # QoS.restore_unacked on channel close). Nothing is lost (the sweeper resends), but the worker
        # needs its supervisor. Visible here rather than hidden; see the fault-suite report.
        warnings.warn(f"the worker exited {restarts} time(s) during the Redis faults and was restarted")


def test_postgresql_restart_api_answers_503_and_accepted_uploads_finish(stack, truth, tmp_path):
    """PostgreSQL behind a proxy that we cut (every connection reset, new ones refused) and heal,
    as a restart looks to its clients. No sweeper runs: the pipeline must carry on by itself."""
    pg = stack.proxy("127.0.0.1", 5432)
    url = os.environ["DATABASE_URL"].replace("127.0.0.1:5432", pg.address)
    assert pg.address in url
    env = {"DATABASE_URL": url}
    web = stack.web(env=env, wait=False)
    stack.worker(concurrency=2, env=env, wait=False)
    stack.ready()
    user = stack.user(web)
    scan_doc, scan_job = user.upload_ok(scanned_pdf(tmp_path, 3, "pg"), filename="pg.pdf", title="pg-scan")
    letters = [user.upload_ok(text_doc(f"pg-{i}"), title=f"pg-{i}") for i in range(3)]
    wait_until(lambda: truth.job(scan_job)["result"].get("ocr_pages_done", 0) >= 1, 90, "OCR under way")

    pg.down()  # an 8-second outage: long enough for steps in flight and their retries to hit it
    auth = {"Authorization": f"Bearer {user.token}"}
    seen = {}
    back_at = time.monotonic() + 8
    while time.monotonic() < back_at or len(seen) < 4:
        seen["readyz"] = _status(web.url + "/readyz")
        seen["document"] = _status(f"{web.url}/api/v1/documents/{scan_doc}", headers=auth)
        seen["jobs"] = _status(f"{web.url}/api/v1/jobs", headers=auth)
        try:
            seen["upload"] = user.upload(text_doc("while-down"), title="while-down", timeout=30).status_code
        except requests.RequestException:
            seen["upload"] = 0
    assert seen == {"readyz": 503, "document": 503, "jobs": 503, "upload": 503}, seen
    pg.heal()

    wait_until(lambda: _status(f"{web.url}/api/v1/documents/{scan_doc}", headers=auth) == 200, 30,
               "the API to recover by itself")
    assert _status(web.url + "/readyz") == 200
    for doc, job in [(scan_doc, scan_job), *letters]:
        wait_until(lambda doc=doc: truth.doc_is_final(doc), 120, f"document {doc} final")
    truth.assert_processed_once(user.org_id, scan_doc, scan_job, pages=3)
    for doc, job in letters:
        truth.assert_processed_once(user.org_id, doc, job, pages=1)
    assert not [d for d in truth.docs_in_case(user.case_id) if d["title"] == "while-down"], \
        "a refused upload must leave no document row"


def test_api_dying_between_its_commit_and_the_enqueue_loses_nothing(stack, truth):
    web = stack.web(env={"FAULT_API_DIE_AFTER_COMMIT": "die-after-commit"}, wait=False)
    stack.worker(concurrency=2, beat=1.0, wait=False)
    stack.ready()
    user = stack.user(web)
    with pytest.raises(requests.RequestException):
        user.upload(text_doc("crash"), title="die-after-commit", timeout=30)
    assert stack.records("api_died.log"), "the API did not die where intended"
    docs = wait_until(lambda: truth.docs_in_case(user.case_id), 10, "the committed row")
    assert len(docs) == 1
    doc = docs[0]["id"]
    jobs = truth.jobs_of(doc)
    assert len(jobs) == 1 and truth.job(jobs[0])["enqueued_at"] is None
    wait_until(lambda: truth.doc_is_final(doc), 60, "the orphaned job to be found and processed")
    truth.assert_processed_once(user.org_id, doc, jobs[0], pages=1)
    # gunicorn replaced the dead worker; the API answers again by itself.
    wait_until(lambda: _status(web.url + "/healthz") == 200, 30, "the API back")
