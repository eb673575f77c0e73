"""Point 7: a lost pub/sub message. The API's subscriber connection is killed and its Redis
partitioned before the job's final event; the client still sees the final state within seconds
(the stream re-reads the database), and no status ever goes backwards."""
from __future__ import annotations

import json
import threading
import time
from datetime import timezone

import pytest
import requests

from tests.faults.conftest import text_doc, wait_until

pytestmark = pytest.mark.faults
ORDER = {"QUEUED": 0, "RUNNING": 1, "SUCCEEDED": 2, "FAILED": 2, "CANCELLED": 2}


class StreamReader(threading.Thread):
    """Reads a server-sent event stream and timestamps every event."""

    def __init__(self, url, token):
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.events: list[tuple[float, dict]] = []
        self.ended_at = None
        self.error = None

    def run(self):
        try:
            with requests.get(self.url, headers={"Authorization": f"Bearer {self.token}"}, stream=True,
                              timeout=(10, 60)) as r:
                assert r.status_code == 200, r.status_code
                data = None
                for raw in r.iter_lines(decode_unicode=True):
                    if raw.startswith("data: "):
                        data = json.loads(raw[6:])
                    elif raw == "" and data is not None:
                        self.events.append((time.time(), data))
                        data = None
            self.ended_at = time.time()
        except Exception as exc:  # reported by the test
            self.error = repr(exc)

    def statuses(self):
        return [e["status"] for _, e in self.events if "status" in e]

    def step_running(self, step):
        return any(s["name"] == step and s["status"] == "running" for _, e in self.events for s in e.get("steps", []))


def test_a_lost_pubsub_message_still_reaches_the_client_within_seconds(stack, truth):
    redis_link = stack.proxy("127.0.0.1", stack.redis_port)  # the API's Redis only; workers publish directly
    web = stack.web(env={"REDIS_URL": stack.redis_proxy_url(redis_link)}, wait=False)
    stack.worker(concurrency=2, env={"FAULT_SLOW": "analyse:4:sse-final"}, wait=False)
    stack.ready()
    user = stack.user(web)
    doc, job = user.upload_ok(text_doc("sse"), title="sse-final")
    reader = StreamReader(f"{web.url}/api/v1/jobs/{job}/events", user.token)
    reader.start()
    wait_until(lambda: reader.step_running("analyse") or reader.error, 60, "the stream to show analyse running")
    assert reader.error is None, reader.error

    # The subscriber's connection is killed and the API cut off from Redis: the next events
    # (index, notify, SUCCEEDED) are published while nobody listens.
    admin = stack.redis_client()
    assert admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub") >= 1
    redis_link.blackhole()
    try:
        reader.join(60)
        assert reader.error is None, reader.error
        assert not reader.is_alive(), "the stream never ended"
    finally:
        redis_link.heal()

    final = truth.job(job)
    assert final["status"] == "SUCCEEDED"
    statuses = reader.statuses()
    assert statuses[-1] == "SUCCEEDED", statuses
    ranks = [ORDER[s] for s in statuses]
    assert ranks == sorted(ranks), statuses  # never backwards
    finished = _finished_at(truth, job)
    got_final = next(t for t, e in reader.events if e.get("status") == "SUCCEEDED")
    assert got_final - finished < 3.0, f"final state reached the client {got_final - finished:.1f}s after commit"


def _finished_at(truth, job_id) -> float:
    (value,) = truth._q("SELECT finished_at FROM jobs WHERE id = :id", id=str(job_id))[0]
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()
