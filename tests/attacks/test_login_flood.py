"""A login flood must not starve the API (issue 16, finding 1).

argon2 ran inside the gevent web worker and held its only OS thread: 8 addresses sending
wrong logins cut GET /cases from 253 to 2.2 requests per second. Now a password check runs
in a bounded native thread pool while the event loop keeps serving, and beyond a per-process
cap (running + waiting) a check is refused at once with 503 and Retry-After.

Run in a process of its own with gevent's monkey patching, as under gunicorn's gevent worker.
The hash is replaced by one that holds its OS thread for 0.3 s without yielding, as argon2 does.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

PROBE = r'''
from gevent import monkey
monkey.patch_all()
import json, uuid
import gevent
from argon2.exceptions import VerifyMismatchError
from app import create_app
from app.accounts import users

blocking_sleep = monkey.get_original("time", "sleep")


class ThreadHoldingHasher:
    def verify(self, stored, password):
        blocking_sleep(0.3)  # CPU-bound work: the OS thread is busy, the event loop cannot run
        raise VerifyMismatchError()


app = create_app()
app.config["TESTING"] = True
users._hasher = ThreadHoldingHasher()
state = {"done": False, "ticks": 0, "served": 0}


def tick():
    while not state["done"]:
        state["ticks"] += 1
        gevent.sleep(0.01)


def other_requests():
    client = app.test_client()
    while not state["done"]:
        assert client.get("/healthz").status_code == 200
        state["served"] += 1
        gevent.sleep(0.01)


def login(i):
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"email": f"flood-{uuid.uuid4().hex[:6]}@example.test",
                                                "password": "wrong password " + str(i)},
                    environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"})
    return r.status_code, r.headers.get("Retry-After")


background = [gevent.spawn(tick), gevent.spawn(other_requests)]
logins = [gevent.spawn(login, i) for i in range(4)]
gevent.joinall(logins)
state["done"] = True
gevent.joinall(background)
print(json.dumps({"answers": sorted([list(g.value) for g in logins], key=str),
                  "ticks": state["ticks"], "served": state["served"]}))
'''


def _probe(**env):
    full = {**os.environ, **env}
    r = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=full, capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_password_checks_leave_the_event_loop_serving_and_a_flood_beyond_the_cap_is_refused():
    out = _probe(PASSWORD_HASH_SLOTS="1", PASSWORD_HASH_QUEUE="1", PASSWORD_HASH_WAIT="30")
    # One check runs and one waits (each holds a thread 0.3 s); the other two are refused at once.
    assert [a[0] for a in out["answers"]] == [401, 401, 503, 503], out
    assert all(int(a[1]) > 0 for a in out["answers"] if a[0] == 503), out  # with Retry-After
    # Meanwhile (0.6 s of password checks) the event loop kept running and kept serving requests;
    # with the check on the event loop it would have been stuck for all of it.
    assert out["ticks"] >= 20 and out["served"] >= 10, out


def test_every_check_is_answered_when_the_queue_has_room():
    out = _probe(PASSWORD_HASH_SLOTS="2", PASSWORD_HASH_QUEUE="8", PASSWORD_HASH_WAIT="30")
    assert [a[0] for a in out["answers"]] == [401] * 4, out
    assert out["ticks"] >= 20, out
