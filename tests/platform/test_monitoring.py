"""Error monitoring: with SENTRY_DSN set, an error in a request and one in a task reach Sentry (here a
local HTTP endpoint that receives the SDK's envelopes, as sentry.io would), tagged with the release,
the environment and the request id - and nothing secret is in them: no token, password, cookie,
signed URL, e-mail address, task argument or document text."""
from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from app.extensions import celery
from app.platform import monitoring
from devkit.net import free_port
from tests.procs import start_web, start_worker

pytestmark = pytest.mark.e2e


class EnvelopeReceiver:
    """Sentry's ingest endpoint, reduced to storing every envelope it is sent."""

    def __init__(self):
        self.envelopes: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                receiver.envelopes.append(raw)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_port}/1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        out = []
        for raw in self.envelopes:
            lines = raw.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2]):
                if json.loads(header).get("type") == "event":
                    out.append(json.loads(payload))
        return out

    def wait_for(self, predicate, timeout=60) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [e for e in self.events() if predicate(e)]
            if found:
                return found[0]
            time.sleep(0.2)
        raise AssertionError(f"no such event among {len(self.envelopes)} envelopes")


def _exception_value(event) -> str:
    return " ".join(v.get("value", "") for v in event.get("exception", {}).get("values", []))


@pytest.fixture()
def receiver():
    r = EnvelopeReceiver()
    yield r
    r.server.shutdown()


def test_an_error_in_a_request_and_one_in_a_task_arrive_without_secrets(app, receiver):
    env = {"SENTRY_DSN": receiver.dsn, "SENTRY_RELEASE": "caseos@test-1", "SENTRY_ENVIRONMENT": "ci"}
    email = f"victim-{uuid.uuid4().hex[:8]}@example.org"
    secrets = {"password": "hunter2 is a long passphrase", "document": "DOCUMENT-TEXT-MARKER eviction notice",
               "calendar": "calendarsecret12345", "signed": "SIGNEDURLTOKEN999", "cookie": "COOKIEVALUE777",
               "task_token": "cos_TASKSECRETTOKENabcdefghij", "email": email}
    port = free_port()
    web = start_web(port, env=env, app="tests.sentry_web:app")
    worker = start_worker(name="sentry", queues="sentrytest", env=env, app="tests.sentry_worker")
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        with httpx.Client(timeout=30) as c:
            c.post(base + "/auth/register", json={"email": email, "password": secrets["password"], "name": "V"})
            token = c.post(base + "/auth/login", json={"email": email, "password": secrets["password"]}).json()["token"]
            secrets["bearer"] = token
            r = c.post(f"{base}/test-boom?key={secrets['calendar']}&token={secrets['signed']}",
                       json={"email": email, "password": secrets["password"], "text": secrets["document"]},
                       headers={"Authorization": f"Bearer {token}", "X-Request-Id": "req-monitoring-0001",
                                "Cookie": f"caseos_session={secrets['cookie']}"})
        assert r.status_code == 500 and r.json()["request_id"] == "req-monitoring-0001"
        in_request = receiver.wait_for(lambda e: "failed for" in _exception_value(e))
        celery.send_task("tests.explode", args=[secrets["task_token"], email], queue="sentrytest")
        in_task = receiver.wait_for(lambda e: "task failed" in _exception_value(e))
    finally:
        web.stop()
        worker.stop()

    assert in_request["tags"]["request_id"] == "req-monitoring-0001"
    for event in (in_request, in_task):
        assert event["release"] == "caseos@test-1" and event["environment"] == "ci"
        assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert in_request["request"]["url"].endswith("/api/v1/test-boom")  # the path, not its query
    assert in_task["extra"]["celery-job"]["task_name"] == "tests.explode"
    everything = b"\n".join(receiver.envelopes).decode("utf-8", "replace")
    leaked = {name: value for name, value in secrets.items() if value in everything}
    assert not leaked, leaked


def test_scrub_removes_secret_keys_and_masks_tokens_urls_and_addresses():
    event = {"request": {"url": "https://x.test/api/v1/documents/1/download?token=abc", "method": "GET",
                         "headers": {"Authorization": "Bearer cos_abcdefghijklmnopqrstu"}, "cookies": {"s": "1"},
                         "data": {"text": "page text"}, "query_string": "key=secret"},
             "extra": {"page_text": "DOC", "password_hash": "x", "job_id": "j-1", "celery-job": {
                 "task_name": "documents.ocr", "args": ["DOC"], "kwargs": {}}},
             "breadcrumbs": {"values": [{"message": "sent to a@b.org via https://s3.test/k?X-Amz-Signature=zz",
                                         "data": {"quote": "DOC", "status": 200}}]},
             "exception": {"values": [{"type": "ValueError", "value": "bad Bearer eyJhbGciOi.x.y for me@x.org"}]}}
    out = json.dumps(monitoring.scrub(event))
    for secret in ("cos_abcdefghijklmnopqrstu", "page text", "key=secret", "DOC", "a@b.org", "me@x.org",
                   "X-Amz-Signature=zz", "eyJhbGciOi", "token=abc"):
        assert secret not in out, secret
    cleaned = json.loads(out)
    assert cleaned["request"] == {"url": "https://x.test/api/v1/documents/1/download", "method": "GET"}
    assert cleaned["extra"]["job_id"] == "j-1" and cleaned["breadcrumbs"]["values"][0]["data"]["status"] == 200
