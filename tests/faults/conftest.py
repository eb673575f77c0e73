"""Fault-test harness: each test gets its own stack of real processes around the shared PostgreSQL
database and moto S3 server, so it can kill, restart and partition them without touching other tests:

* a private redis-server (broker, pub/sub, rate limits) on a free port,
* optional TCP proxies (tests/tcpproxy.py) in front of PostgreSQL, Redis or S3,
* real gunicorn (gevent, production settings), Celery workers and beat, started on demand with
  `celery -A tests.faults.faultapp` (the production app plus test knobs and fault injection).

State is checked in the database from the test process (the `app` fixture); no test sleeps for a
fixed time: everything polls with a deadline (`wait_until`).
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.procs import start_redis, start_web, start_worker
from devkit.net import free_port
from tests.tcpproxy import TcpProxy

FAULT_APP = "tests.faults.faultapp"
FINAL_DOC = ("PROCESSED", "FAILED")


def pytest_configure(config):
    config.addinivalue_line("markers", "faults: fault-injection tests with real processes (pytest -m faults)")


def wait_until(predicate, timeout: float, message="condition", interval: float = 0.2):
    """Poll predicate until it returns something truthy; fail with message after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


# --- talking to the API process over HTTP -----------------------------------------------------

class HttpUser:
    """A user of a real API process (requests over TCP), with one case to upload into."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.s = requests.Session()
        self.token = None

    def register(self):
        email = f"fault-{uuid.uuid4().hex[:12]}@example.test"
        pw = "correct horse battery staple"
        r = self.s.post(self.base + "/api/v1/auth/register",
                        json={"email": email, "password": pw, "name": "Fault Tester", "user_type": "SELF_REPRESENTED"},
                        timeout=30)
        assert r.status_code == 201, r.text
        r = self.s.post(self.base + "/api/v1/auth/login", json={"email": email, "password": pw}, timeout=30)
        assert r.status_code == 200, r.text
        self.token = r.json()["token"]
        self.s = requests.Session()  # bearer only: no cookie, no CSRF
        self.s.headers["Authorization"] = f"Bearer {self.token}"
        me = self.get("/api/v1/auth/me").json()
        self.user_id = me["user"]["id"]
        self.org_id = next(o["id"] for o in me["organizations"] if o["personal"])
        r = self.post("/api/v1/cases", json={"title": "Fault case", "case_type": "LANDLORD_TENANT",
                                              "court_type": "MAGISTRATE", "jurisdiction": "US-WV",
                                              "county": "Kanawha"})
        assert r.status_code == 201, r.text
        self.case_id = r.json()["case"]["id"]
        return self

    def get(self, path, **kw):
        kw.setdefault("timeout", 30)
        return self.s.get(self.base + path, **kw)

    def post(self, path, **kw):
        kw.setdefault("timeout", 60)
        return self.s.post(self.base + path, **kw)

    def upload(self, data: bytes, filename="doc.txt", title=None, timeout=60):
        """Thread-safe (a request of its own, no shared session)."""
        form = {"title": title} if title else {}
        return requests.post(f"{self.base}/api/v1/cases/{self.case_id}/documents",
                             headers={"Authorization": f"Bearer {self.token}"},
                             files={"file": (filename, io.BytesIO(data))}, data=form, timeout=timeout)

    def upload_ok(self, data: bytes, filename="doc.txt", title=None) -> tuple[str, str]:
        r = self.upload(data, filename, title)
        assert r.status_code == 202, (r.status_code, r.text)
        body = r.json()
        return body["document"]["id"], body["job"]["id"]


def text_doc(label: str) -> bytes:
    """A small plain-text court letter, unique per label (no duplicate detection between them)."""
    return (f"NOTICE OF HEARING ({label})\nThe hearing on the motion is set for January 5, 2026.\n"
            f"Reference {uuid.uuid4().hex}\n").encode()


def scanned_pdf(tmp: Path, pages: int, label: str) -> bytes:
    from devkit.docgen import make_scanned_pdf
    path = tmp / f"{label}-{uuid.uuid4().hex[:6]}.pdf"
    make_scanned_pdf(path, [f"Page {i + 1} of the {label} order. The tenant must pay rent within 14 days."
                            for i in range(pages)])
    return path.read_bytes()


# --- looking at the truth: the database and the bucket ---------------------------------------

class Truth:
    """Reads the database and storage from the test process (never through the faulty stack)."""

    def __init__(self, app):
        self.app = app

    def _q(self, sql, **params):
        import sqlalchemy as sa
        from app.extensions import db
        with self.app.app_context():
            try:
                return db.session.execute(sa.text(sql), params).all()
            finally:
                db.session.remove()

    def job(self, job_id) -> dict:
        rows = self._q("SELECT status, steps, attempts, error, result, lease_until, enqueued_at, document_id "
                       "FROM jobs WHERE id = :id", id=str(job_id))
        if not rows:
            return {}
        status, steps, attempts, error, result, lease, enq, doc = rows[0]
        steps = json.loads(steps) if isinstance(steps, str) else steps
        error = json.loads(error) if isinstance(error, str) else error
        result = json.loads(result) if isinstance(result, str) else result
        return {"status": status, "steps": {s["name"]: s for s in steps}, "attempts": attempts, "error": error,
                "result": result or {}, "lease_until": lease, "enqueued_at": enq, "document_id": str(doc)}

    def doc(self, doc_id) -> dict:
        rows = self._q("SELECT status, error_code, page_count, title FROM documents WHERE id = :id", id=str(doc_id))
        return dict(zip(("status", "error_code", "page_count", "title"), rows[0])) if rows else {}

    def docs_in_case(self, case_id) -> list[dict]:
        rows = self._q("SELECT id, status, title, sha256 FROM documents WHERE case_id = :c", c=str(case_id))
        return [dict(zip(("id", "status", "title", "sha256"), (str(r[0]), *r[1:]))) for r in rows]

    def jobs_of(self, doc_id) -> list[str]:
        return [str(r[0]) for r in self._q("SELECT id FROM jobs WHERE document_id = :d", d=str(doc_id))]

    def job_statuses(self, job_id) -> list[str]:
        """Statuses of the job's events, in event order (what every stream replays)."""
        rows = self._q("SELECT data FROM events WHERE job_id = :j AND type = 'job' ORDER BY id", j=str(job_id))
        return [(json.loads(d) if isinstance(d, str) else d)["status"] for (d,) in rows]

    def final_events(self, job_id) -> int:
        return sum(1 for s in self.job_statuses(job_id) if s in ("SUCCEEDED", "FAILED", "CANCELLED"))

    def pages(self, doc_id) -> list[tuple[int, str]]:
        return [tuple(r) for r in self._q("SELECT number, source FROM document_pages WHERE document_id = :d "
                                          "ORDER BY number", d=str(doc_id))]

    def search_rows(self, doc_id) -> list[int]:
        return [r[0] for r in self._q("SELECT page_number FROM search_entries WHERE document_id = :d "
                                      "ORDER BY page_number", d=str(doc_id))]

    def analyses(self, doc_id) -> int:
        return self._q("SELECT count(*) FROM document_analyses WHERE document_id = :d", d=str(doc_id))[0][0]

    def blobs(self, org_id, doc_id=None) -> list[str]:
        from app.platform.storage import document_prefix, organization_prefix
        with self.app.app_context():
            storage = self.app.extensions["caseos"].storage
            prefix = document_prefix(org_id, doc_id) if doc_id else organization_prefix(org_id)
            return list(storage.iter_keys(prefix))

    def doc_is_final(self, doc_id):
        d = self.doc(doc_id)
        return d if d.get("status") in FINAL_DOC else None

    def assert_processed_once(self, org_id, doc_id, job_id, *, pages: int | None = None):
        """Final exactly once, and nothing stored twice: rows, index entries, analysis, blobs, events."""
        d, j = self.doc(doc_id), self.job(job_id)
        assert d["status"] == "PROCESSED", (d, j.get("error"))
        assert j["status"] == "SUCCEEDED", j
        assert all(s["status"] in ("done", "skipped") for s in j["steps"].values()), j["steps"]
        statuses = self.job_statuses(job_id)
        assert self.final_events(job_id) == 1, statuses
        assert statuses[-1] == "SUCCEEDED", statuses
        assert self.jobs_of(doc_id) == [str(job_id)]
        numbers = [n for n, _ in self.pages(doc_id)]
        assert numbers == list(range(1, len(numbers) + 1)), numbers
        if pages is not None:
            assert len(numbers) == pages
        rows = self.search_rows(doc_id)
        assert len(rows) == len(set(rows)), f"duplicate index rows {rows}"
        assert self.analyses(doc_id) == 1
        assert len(self.blobs(org_id, doc_id)) == 1, self.blobs(org_id, doc_id)


@pytest.fixture()
def truth(app):
    return Truth(app)


# --- the stack -----------------------------------------------------------------------------------

class Stack:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.fault_dir = tmp / "faults"
        self.fault_dir.mkdir()
        self.procs: list = []
        self.proxies: list[TcpProxy] = []
        self.redis_port = free_port()
        self.redis_dir = str(tmp / "redis")
        os.makedirs(self.redis_dir)
        self.redis = start_redis(self.redis_port, self.redis_dir)
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.env = {
            "REDIS_URL": self.redis_url, "CELERY_BROKER_URL": self.redis_url,
            "CELERY_KEY_PREFIX": "",  # the Redis is this test's own: plain kombu key names
            "FAULT_DIR": str(self.fault_dir), "OCR_WORKERS": "1", "JOB_LEASE_SECONDS": "4",
            # Without a sweeper a test proves the pipeline recovers on its own; with one it runs often.
            "JOB_IDLE_SECONDS": "4", "JOB_ENQUEUE_GRACE_SECONDS": "2",
            "GUNICORN_WORKER_CONNECTIONS": "200", "LOG_LEVEL": "INFO",
        }

    # processes
    def _env(self, extra):
        return {**self.env, **(extra or {})}

    def worker(self, name="w", concurrency=2, queues="default,ocr,ai", env=None, extra=(), beat=None, wait=True,
               supervised=False):
        """A Celery worker; beat=seconds embeds the beat scheduler running the production sweeper
        task that often (celery worker -B), as a separate beat process would."""
        env = self._env(env)
        extra = list(extra)
        if beat:
            env["FAULT_SWEEP_SECONDS"] = str(beat)
            extra += ["-B", "-s", str(self.tmp / f"beat-{uuid.uuid4().hex[:6]}")]
        p = start_worker(name=f"{name}-{uuid.uuid4().hex[:6]}", concurrency=concurrency, queues=queues,
                         env=env, app=FAULT_APP, extra=extra, wait=wait, supervised=supervised)
        self.procs.append(p)
        return p

    def web(self, env=None, wait=True):
        port = free_port()
        p = start_web(port, env=self._env(env), app="tests.faults.faultwsgi:app", wait=wait)
        p.url = f"http://127.0.0.1:{port}"
        self.procs.append(p)
        return p

    def ready(self, timeout=90):
        """Wait for every process started with wait=False (they start in parallel)."""
        for p in self.procs:
            p.wait_ready(timeout)

    def user(self, web) -> HttpUser:
        return HttpUser(web.url).register()

    def proxy(self, host, port, http=False) -> TcpProxy:
        p = TcpProxy(host, port, http=http).start()
        self.proxies.append(p)
        return p

    def redis_proxy_url(self, proxy: TcpProxy) -> str:
        return f"redis://127.0.0.1:{proxy.port}/0"

    # redis
    def redis_client(self):
        import redis
        return redis.Redis(host="127.0.0.1", port=self.redis_port, socket_timeout=5)

    def redis_stop(self):
        self.redis.stop(signal.SIGKILL, timeout=10)

    def redis_start(self):
        self.redis = start_redis(self.redis_port, self.redis_dir)

    def celery_client(self):
        """A Celery app of its own that sends to this stack's broker (not the test process's app)."""
        from celery import Celery
        c = Celery("fault-client", broker=self.redis_url)
        c.conf.update(task_serializer="json", accept_content=["json"], broker_connection_retry_on_startup=True)
        self._clients = getattr(self, "_clients", []) + [c]
        return c

    def records(self, name) -> list[list[str]]:
        path = self.fault_dir / name
        if not path.exists():
            return []
        return [line.split() for line in path.read_text().splitlines() if line.strip()]

    def step_runs(self, doc_id, step=None) -> list[list[str]]:
        return [r for r in self.records("steps.log") if r[2] == str(doc_id) and (step is None or r[1] == step)]

    def task_results(self, proc) -> list[dict]:
        """Every finished task in a worker's log: {"id", "name", "result", "args"} (json log lines)."""
        out = []
        for line in proc.log().splitlines():
            if not line.startswith("{") or '"celery.app.trace"' not in line:
                continue
            try:
                data = json.loads(line).get("data") or {}
            except ValueError:
                continue
            if "return_value" in data:
                out.append({"id": data.get("id"), "name": data.get("name"), "result": data["return_value"].strip("'"),
                            "args": data.get("args", "")})
        return out

    def received(self, proc, task_name) -> list[str]:
        """Ids of every delivery of task_name the worker received, in order (redeliveries repeat an id)."""
        import re
        return re.findall(rf"^\[[^\n]*Task {re.escape(task_name)}\[([0-9a-f-]+)\] received", proc.log(), re.M)

    def dump_stacks(self):
        """Every worker process writes its threads' stacks to its log (faulthandler, SIGUSR2)."""
        for p in self.procs:
            if p.alive() and "worker" in " ".join(map(str, p.popen.args)):
                for pid in [p.pid, *p.children()]:
                    try:
                        os.kill(pid, signal.SIGUSR2)
                    except ProcessLookupError:
                        pass
        time.sleep(1)

    def logs(self) -> str:
        out = []
        for p in self.procs:
            try:
                out.append(f"---- {p.popen.args[3:6]} pid {p.pid}\n{p.log()[-6000:]}")
            except Exception:
                pass
        return "\n".join(out)

    def close(self):
        for p in reversed(self.procs):
            try:
                p.kill()  # SIGKILL to the process group: nothing of this test outlives it
            except Exception:
                pass
        for c in getattr(self, "_clients", []):
            try:
                c.close()
            except Exception:
                pass
        for px in self.proxies:
            px.close()
        self.redis.kill()


@pytest.fixture()
def stack(request, app):
    tmp = Path(tempfile.mkdtemp(prefix="caseos-fault-"))
    s = Stack(tmp)
    yield s
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        s.dump_stacks()
        print(s.logs())
    keep = os.environ.get("FAULT_LOG_DIR")  # keep every process log of every test, for debugging
    if keep:
        dest = Path(keep) / request.node.name
        dest.mkdir(parents=True, exist_ok=True)
        for i, p in enumerate(s.procs):
            shutil.copy(p.log_path, dest / f"{i}-{p.popen.args[3] if len(p.popen.args) > 3 else 'proc'}.log")
        for f in s.fault_dir.iterdir():
            shutil.copy(f, dest / f.name)
    s.close()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


class Uploader(threading.Thread):
    """Uploads small documents in the background (load) and records every answer."""

    def __init__(self, user: HttpUser, every=0.25, label="load"):
        super().__init__(daemon=True)
        self.user, self.every, self.label = user, every, label
        self.accepted: list[tuple[str, str]] = []
        self.answers: list[int] = []
        self.errors: list[str] = []
        self._halt = threading.Event()

    def run(self):
        i = 0
        while not self._halt.is_set():
            i += 1
            try:
                r = self.user.upload(text_doc(f"{self.label}-{i}"), filename=f"{self.label}-{i}.txt", timeout=30)
                self.answers.append(r.status_code)
                if r.status_code == 202:
                    b = r.json()
                    self.accepted.append((b["document"]["id"], b["job"]["id"]))
                elif r.status_code >= 500 and r.status_code != 503:
                    self.errors.append(f"{r.status_code} {r.text[:300]}")
            except requests.RequestException as exc:
                self.answers.append(0)
                self.errors.append(f"transport {type(exc).__name__}")
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set()
        self.join(60)
