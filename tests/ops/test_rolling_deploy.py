"""Rolling deploy: while uploads flow, the schema is expanded (a column added), each web process is
replaced one by one (drained from the balancer, SIGTERM, a new one started), then the worker
(a new one first, then SIGTERM to the old: a warm shutdown), then the schema is contracted.
Nothing is lost, no request gets a 5xx, every accepted upload ends PROCESSED."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from devkit.net import free_port
from tests.procs import shared_worker_paused, start_web, start_worker

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery staple"


class Balancer:
    """What a load balancer does for this test: round robin over the live backends, and a request
    whose connection is refused (a backend just stopped) goes to the next one."""

    def __init__(self, ports):
        self.ports, self.lock, self.i = list(ports), threading.Lock(), 0

    def set(self, ports):
        with self.lock:
            self.ports = list(ports)

    def request(self, method, path, **kw):
        for _ in range(10):
            with self.lock:
                self.i += 1
                port = self.ports[self.i % len(self.ports)]
            try:
                return requests.request(method, f"http://127.0.0.1:{port}{path}", timeout=60, **kw)
            except requests.ConnectionError:
                time.sleep(0.2)
        raise AssertionError(f"no backend answered {method} {path}")


class Traffic(threading.Thread):
    def __init__(self, lb, token, case_id):
        super().__init__(daemon=True)
        self.lb, self.h, self.case_id = lb, {"Authorization": f"Bearer {token}"}, case_id
        self.stop_flag, self.accepted, self.statuses = threading.Event(), [], []

    def run(self):
        n, last_upload = 0, 0.0
        while not self.stop_flag.is_set():
            self.statuses.append(self.lb.request("GET", f"/api/v1/cases/{self.case_id}/documents",
                                                 headers=self.h).status_code)
            time.sleep(0.2)
            if time.monotonic() - last_upload < 1.0:  # reads keep flowing; about one upload a second
                continue
            n, last_upload = n + 1, time.monotonic()
            body = f"Rolling deploy letter {n} ({uuid.uuid4().hex}): rent is due on the 1st.\n".encode()
            r = self.lb.request("POST", f"/api/v1/cases/{self.case_id}/documents", headers=self.h,
                                files={"file": (f"roll{n}.txt", body)})
            self.statuses.append(r.status_code)
            if r.status_code == 202:
                self.accepted.append(r.json()["document"]["id"])


def _alter(app, sql):
    from app.extensions import db
    with app.app_context():
        db.session.execute(sa.text(sql))
        db.session.commit()


def test_web_and_worker_replaced_one_by_one_while_uploads_flow(app):
    ports = [free_port(), free_port()]
    with shared_worker_paused():
        webs = {p: start_web(p, wait=False) for p in ports}  # started side by side: start-up is the slow part
        worker = start_worker(name="rolling-old", wait=False)
        for proc in (*webs.values(), worker):
            proc.wait_ready(120)
        lb = Balancer(ports)
        email = f"roll-{uuid.uuid4().hex[:10]}@example.test"
        assert lb.request("POST", "/api/v1/auth/register", json={"email": email, "password": PASSWORD,
                                                                  "name": "Roll"}).status_code == 201
        token = lb.request("POST", "/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["token"]
        case = lb.request("POST", "/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                          json={"title": "Rolling", "case_type": "LANDLORD_TENANT", "court_type": "MAGISTRATE",
                                "jurisdiction": "US-WV"}).json()["case"]
        traffic = Traffic(lb, token, case["id"])
        traffic.start()
        try:
            # Expand: an additive, nullable column; the running (old) code never names it.
            _alter(app, "ALTER TABLE documents ADD COLUMN IF NOT EXISTS rolling_deploy_note text")
            for old in list(ports):
                new = free_port()
                webs[new] = start_web(new)           # the new version comes up first
                ports = [p for p in ports if p != old] + [new]
                lb.set(ports)                        # the balancer drains the old one...
                time.sleep(1)
                webs.pop(old).stop()                 # ...which finishes its requests and exits
            new_worker = start_worker(name="rolling-new")
            worker.stop()                            # warm shutdown; anything unfinished is redelivered
            time.sleep(2)
        finally:
            traffic.stop_flag.set()
            traffic.join(90)
            # Contract: once no process of the old version runs.
            _alter(app, "ALTER TABLE documents DROP COLUMN IF EXISTS rolling_deploy_note")
        try:
            h = {"Authorization": f"Bearer {token}"}
            deadline = time.time() + 180
            pending = set(traffic.accepted)
            while pending and time.time() < deadline:
                for doc_id in list(pending):
                    if lb.request("GET", f"/api/v1/documents/{doc_id}", headers=h).json()["status"] == "PROCESSED":
                        pending.discard(doc_id)
                time.sleep(0.5)
        finally:
            new_worker.stop()
            for w in webs.values():
                w.stop()
    assert len(traffic.accepted) >= 10, traffic.statuses
    assert [s for s in traffic.statuses if s >= 500] == []
    assert set(traffic.statuses) <= {200, 202}, sorted(set(traffic.statuses))
    assert pending == set(), f"{len(pending)} of {len(traffic.accepted)} uploads never processed"
