"""RabbitMQ as the production broker: uploads are processed end to end by a real worker over
RabbitMQ (127.0.0.1:5672), on durable quorum queues, with publisher confirms; a broker restart
in the middle loses nothing. Each test run gets a virtual host of its own."""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
import uuid

import pytest

import celeryconfig

from tests.e2e.helpers import upload, wait_document
from tests.factories import ApiUser
from tests.procs import start_worker

pytestmark = pytest.mark.e2e
HOST, PORT = "127.0.0.1", 5672


def _ctl(*args, check=True):
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture(scope="module")
def vhost():
    try:
        socket.create_connection((HOST, PORT), timeout=2).close()
    except OSError:
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    if not shutil.which("rabbitmqctl"):
        pytest.skip("rabbitmqctl is needed to create a virtual host for the run")
    name = f"caseos-test-{uuid.uuid4().hex[:8]}"
    _ctl("add_vhost", name)
    _ctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    yield name
    _ctl("delete_vhost", name, check=False)


def _fresh_broker_connections():
    """Celery keeps its connection pool and queue declarations from the first configuration it
    was used with; after reconfiguring the in-process app for another broker, drop them."""
    from app.extensions import celery
    celery.close()
    celery.__dict__.pop("amqp", None)


@pytest.fixture()
def rabbit_app(vhost, other_app):
    url = f"amqp://guest:guest@{HOST}:{PORT}/{vhost}"
    app = other_app(CELERY_BROKER_URL=url)
    assert app.extensions["caseos"].config.CELERY_BROKER_URL == url
    _fresh_broker_connections()
    yield app, url
    _fresh_broker_connections()  # the suite's app goes back to its own broker (other_app's teardown)


def _queue_types(vhost) -> dict:
    out = _ctl("list_queues", "-p", vhost, "name", "type", "durable", "--no-table-headers", "-q").stdout
    return {parts[0]: parts[1:] for parts in (line.split() for line in out.splitlines()) if parts}


def test_uploads_are_processed_over_rabbitmq_on_quorum_queues(rabbit_app, vhost):
    app, url = rabbit_app
    from app.extensions import celery
    assert celery.conf.broker_transport_options.get("confirm_publish") is True
    worker = start_worker(name="rabbit", env={"CELERY_BROKER_URL": url})
    try:
        u = ApiUser.register(app)
        case = u.create_case(title="Over RabbitMQ")
        ids = [upload(u, case["id"], f"RabbitMQ paper {i}: the hearing is on May {i + 1}, 2027.\n".encode(),
                      filename=f"r{i}.txt").get_json()["document"]["id"] for i in range(3)]
        assert [wait_document(u, i)["status"] for i in ids] == ["PROCESSED"] * 3
    finally:
        worker.stop()
    types = _queue_types(vhost)
    for q in ("default", "ocr", "ai"):
        assert types.get(q) == ["quorum", "true"], types
    # A long OCR task is never redelivered while it runs: every queue carries a consumer timeout
    # above twice the task time limit (honoured per queue by RabbitMQ 3.12+) ...
    timeouts = _consumer_timeouts(vhost)
    assert set(timeouts) >= {"default", "ocr", "ai"}, timeouts
    assert all(ms >= 2 * celeryconfig.TASK_TIME_LIMIT * 1000 for ms in timeouts.values()), timeouts
    # ... and on an older server the worker says what to set in rabbitmq.conf.
    version = _ctl("version").stdout.strip()
    if celeryconfig.consumer_timeout_warning(version):
        assert "consumer_timeout = " in worker.log(), worker.log()[-2000:]


def _consumer_timeouts(vhost) -> dict:
    out = _ctl("list_queues", "-p", vhost, "name", "arguments", "--no-table-headers", "-q").stdout
    found = {}
    for line in out.splitlines():
        m = re.search(r'"x-consumer-timeout",(\d+)', line)
        if m:
            found[line.split()[0]] = int(m.group(1))
    return found


def test_the_consumer_timeout_advice_names_only_servers_that_ignore_the_queue_setting():
    assert "rabbitmq.conf" in celeryconfig.consumer_timeout_warning("3.10.8")
    assert celeryconfig.consumer_timeout_warning("3.12.0") is None
    assert celeryconfig.consumer_timeout_warning("4.0.5") is None


def test_uploads_are_accepted_while_rabbitmq_is_down_and_processed_when_it_returns(vhost, other_app):
    """The job row is the outbox: with the broker unreachable an upload still answers 202 (the send
    fails and is logged); once the broker is back, the sweeper sends it and a worker processes it."""
    from tests.tcpproxy import TcpProxy
    url = f"amqp://guest:guest@{HOST}:{PORT}/{vhost}"
    proxy = TcpProxy(HOST, PORT).start()
    try:
        app = other_app(CELERY_BROKER_URL=f"amqp://guest:guest@{proxy.address}/{vhost}")
        _fresh_broker_connections()
        u = ApiUser.register(app)
        case = u.create_case(title="Broker down")
        proxy.down()
        r = upload(u, case["id"], b"Sent while the broker was down: the hearing is on June 2, 2027.\n",
                   filename="down.txt")
        assert r.status_code == 202, r.get_data(as_text=True)
        doc_id, job_id = r.get_json()["document"]["id"], r.get_json()["job"]["id"]
        assert u.get(f"/api/v1/jobs/{job_id}").get_json()["status"] == "QUEUED"
        proxy.heal()
        from app.platform import engine
        with app.app_context():  # the sweeper's step for this organization (beat runs it every minute)
            assert engine.admit(uuid.UUID(u.org_id), "document.process") == [uuid.UUID(job_id)]
        worker = start_worker(name="rabbit-back", env={"CELERY_BROKER_URL": url})
        try:
            assert wait_document(u, doc_id, timeout=120)["status"] == "PROCESSED"
        finally:
            worker.stop()
    finally:
        proxy.close()
        _fresh_broker_connections()


def _restart_broker():
    _ctl("stop_app")
    _ctl("start_app")
    _ctl("await_startup")


def _upload_batch(u, case_id, tag: str, n: int = 3) -> list[str]:
    ids = []
    for i in range(n):
        r = upload(u, case_id, f"{tag} paper {i}: pay $1,{i}00.00 in rent by June 1, 2027.\n".encode(),
                   filename=f"{tag}{i}.txt")
        assert r.status_code == 202, r.get_data(as_text=True)
        ids.append(r.get_json()["document"]["id"])
    return ids


@pytest.mark.slow
def test_a_broker_restart_loses_nothing(rabbit_app, vhost):
    """Messages the broker confirmed survive its restart (no sweeper runs here: the broker kept them);
    a worker and the web app reconnect by themselves and carry on."""
    app, url = rabbit_app
    u = ApiUser.register(app)
    case = u.create_case(title="Broker restart")
    waiting = _upload_batch(u, case["id"], "queued")  # no worker yet: they wait in the broker
    _restart_broker()
    worker = start_worker(name="rabbit-restart", env={"CELERY_BROKER_URL": url}, supervised=True)
    try:
        assert [wait_document(u, i, timeout=120)["status"] for i in waiting] == ["PROCESSED"] * 3
        _restart_broker()  # under a running worker and a web app holding a connection
        after = _upload_batch(u, case["id"], "after")
        assert [wait_document(u, i, timeout=120)["status"] for i in after] == ["PROCESSED"] * 3
    finally:
        worker.stop()
    jobs = u.get(f"/api/v1/jobs?per_page=100").get_json()["items"]
    ours = [j for j in jobs if j.get("document_id") in set(waiting + after)]
    assert len(ours) == 6 and {j["status"] for j in ours} == {"SUCCEEDED"}


@pytest.mark.slow
def test_a_worker_killed_mid_task_hands_its_message_back_at_once(rabbit_app, tmp_path, monkeypatch):
    """SIGKILL of the whole worker while it reads a scan: RabbitMQ requeues its unacknowledged message
    as soon as the connection drops (no visibility timeout to wait for), a new worker finishes the
    document once, with every page."""
    from devkit.docgen import make_scanned_pdf
    app, url = rabbit_app
    env = {"CELERY_BROKER_URL": url, "JOB_LEASE_SECONDS": "5"}
    u = ApiUser.register(app)
    case = u.create_case(title="Worker kill")
    scan = tmp_path / "scan.pdf"
    make_scanned_pdf(scan, [f"Page {i + 1} of the order. The tenant must pay rent within 14 days." for i in range(4)])
    doomed = start_worker(name="rabbit-doomed", env=env, concurrency=1)
    try:
        r = upload(u, case["id"], scan, filename="scan.pdf")
        doc_id, job_id = r.get_json()["document"]["id"], r.get_json()["job"]["id"]
        deadline = time.time() + 90
        while time.time() < deadline and u.get(f"/api/v1/jobs/{job_id}").get_json()["status"] != "RUNNING":
            time.sleep(0.1)
        assert u.get(f"/api/v1/jobs/{job_id}").get_json()["status"] == "RUNNING"
    finally:
        doomed.kill()
    rescuer = start_worker(name="rabbit-rescuer", env=env)
    try:
        doc = wait_document(u, doc_id, timeout=180)
    finally:
        rescuer.stop()
    assert doc["status"] == "PROCESSED" and doc["page_count"] == 4
    job = u.get(f"/api/v1/jobs/{job_id}").get_json()
    assert job["status"] == "SUCCEEDED"
    pages = u.get(f"/api/v1/documents/{doc_id}/text").get_json()["pages"]
    assert [p["number"] for p in pages] == [1, 2, 3, 4]
