"""No document text, token, password or key in logs, task arguments, Flower or error reports (guarantees 14, 16).

A user whose password carries a marker uploads documents that carry markers, through the
API and the real worker (INFO logging, as in production), once with the local analyzer and
once through a model provider (the fake LLM server). Meanwhile every command sent to Redis
is recorded (MONITOR: the broker messages of the API *and* the worker), the API's log
records are captured, and Flower runs. Then every one of those outputs is scanned.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
import time
import uuid

import pytest
import redis
import requests

from tests.attacks.conftest import AI_KEY, pg
from tests.e2e.helpers import upload, wait_document
from tests.factories import ApiUser
from tests.fake_llm_server import openai_chat_response
from devkit.net import free_port

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RUN = uuid.uuid4().hex[:8]
DOC = f"CANARYDOC{RUN}"          # document text (plain words survive tokenisers intact)
MODEL_DOC = f"CANARYMODEL{RUN}"  # text of the document analysed by the model provider
PASSWORD = f"CANARYPW{RUN} correct horse"
ERR = f"CANARYERR{RUN}"


class RedisRecorder:
    """Every command the test Redis database receives, via MONITOR, until stopped."""

    def __init__(self, url):
        self.client = redis.Redis.from_url(url)
        self.db = self.client.connection_pool.connection_kwargs.get("db", 0)
        self.commands: list[str] = []
        self._monitor = self.client.monitor()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            with self._monitor as m:
                for cmd in m.listen():
                    if str(cmd.get("db")) == str(self.db):
                        self.commands.append(cmd.get("command", ""))
        except Exception:
            pass

    def __enter__(self):
        self._thread.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        try:
            self._monitor.connection.disconnect()
        except Exception:
            pass
        self._thread.join(2)

    def task_messages(self) -> list[dict]:
        """Celery messages pushed to the queues (LPUSH of a kombu envelope), their bodies decoded."""
        out = []
        for cmd in self.commands:
            parts = cmd.split(" ", 2)
            if parts[0] not in ("LPUSH", "RPUSH") or len(parts) < 3 or parts[1].rsplit(":", 1)[-1] not in ("default", "ocr", "ai"):
                continue  # not a task queue (control replies, events)
            body = re.search(r'"body": "([A-Za-z0-9+/=]*)"', cmd)
            task = re.search(r'"task": "([^"]+)"', cmd)
            try:
                decoded = json.loads(base64.b64decode(body.group(1))) if body else None
            except Exception:
                decoded = None
            out.append({"task": task.group(1) if task else None, "body": decoded, "raw": cmd})
        return out


class LogCapture(logging.Handler):
    """Every record of the API process, formatted as production formats it (JSON with extras)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        from pythonjsonlogger.json import JsonFormatter
        self.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        try:
            self.lines.append(self.format(record))
        except Exception as exc:  # pragma: no cover
            self.lines.append(f"unformattable record {record.msg!r}: {exc}")




@pytest.fixture(scope="module")
def flower(app, worker):
    from tests.procs import ROOT, _spawn
    port = free_port()
    env = {"FLOWER_BASIC_AUTH": f"ops:{RUN}-flower-pw", "FLOWER_PORT": str(port), "FLOWER_ADDRESS": "127.0.0.1",
           "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}", "LOG_LEVEL": "INFO"}
    proc = _spawn(["bash", str(ROOT / "scripts" / "flower")], ready_marker="Visit me at", timeout=60, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            requests.get(base, timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.3)
    yield {"url": base, "auth": ("ops", f"{RUN}-flower-pw"), "proc": proc}
    proc.stop()


@pytest.fixture(scope="module")
def leak_run(app, worker, flower, fake_llm):
    """Run the whole pipeline with markers everywhere while recording every output."""
    capture = LogCapture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)  # production level (tests run at WARNING)
    worker_log_start = len(worker.log())
    published = []

    from celery.signals import before_task_publish

    def on_publish(sender=None, body=None, headers=None, **kw):
        published.append({"task": sender, "body": body, "argsrepr": (headers or {}).get("argsrepr")})
    before_task_publish.connect(on_publish, weak=False)
    try:
        with RedisRecorder(os.environ["REDIS_URL"]) as rec:
            email = f"leak-{RUN}@example.test"
            user = ApiUser.register(app, name="Leak Tester", email=email, password=PASSWORD)
            case = user.create_case(title="Leak case")
            # 1. local analyzer, with the marker in the text (and once more in a corrupt PDF)
            text = (f"NOTICE {DOC}\nThe tenant {DOC} must pay $1,250.00 within 14 days of January 5, 2031.\n"
                    f"Plaintiff: Acme Properties LLC. Defendant: {DOC} Doe.\n").encode()
            r = upload(user, case["id"], text, filename="notice.txt")
            doc = wait_document(user, r.get_json()["document"]["id"], timeout=120)
            corrupt = b"%PDF-1.7\n1 0 obj << /Contents (" + DOC.encode() + b") >>\nnot really a pdf " + DOC.encode()
            r = upload(user, case["id"], corrupt, filename="broken.pdf")
            bad = wait_document(user, r.get_json()["document"]["id"], timeout=120)
            # 2. the model path: the organization opts in; the model first answers out of schema with
            #    document text in the wrong places, then correctly after the repair request
            assert user.patch(f"/api/v1/organizations/{user.org_id}", json={"allow_external_ai": True}).status_code == 200
            model_text = (f"SUMMONS {MODEL_DOC}\nYou must answer within 20 days after service. "
                          f"Plaintiff {MODEL_DOC} LLC v. Jane Roe.\n")
            valid = {"document_type": "summons", "document_type_confidence": 0.9, "summary": "A summons.",
                     "parties": [], "case_numbers": [], "courts": [], "dates": [], "deadlines": [], "amounts": [],
                     "citations": [], "key_concepts": [], "issues": [], "next_steps": [], "language": "en"}
            invalid = dict(valid, document_type=f"{MODEL_DOC} is not a type", dates=[
                {"date": f"{MODEL_DOC}", "label": "hearing", "quote": MODEL_DOC}])
            fake_llm.enqueue_openai(openai_chat_response(json.dumps(invalid)), openai_chat_response(json.dumps(valid)))
            r = upload(user, case["id"], model_text.encode(), filename="summons.txt")
            model_doc = wait_document(user, r.get_json()["document"]["id"], timeout=120)
            # 3. reads, search and downloads (which log and audit), with a signed link
            user.get(f"/api/v1/documents/{doc['id']}/text")
            user.get(f"/api/v1/documents/{doc['id']}/analysis")
            user.get("/api/v1/search", query_string={"q": DOC})
            link = user.post(f"/api/v1/documents/{doc['id']}/download-url").get_json()["url"]
            app.test_client().get(link.replace("http://localhost", ""))
            # 4. failures: a wrong password, an unexpected error whose message carries a marker
            app.test_client().post("/api/v1/auth/login", json={"email": email, "password": PASSWORD + " wrong"})
            from app.cases import cases as cases_svc
            real = cases_svc.list_cases

            def explode(*a, **k):
                raise RuntimeError(f"boom near {ERR}")
            cases_svc.list_cases = explode
            try:
                boom = user.get("/api/v1/cases")
            finally:
                cases_svc.list_cases = real
            time.sleep(2)  # the worker's last events reach Flower
    finally:
        before_task_publish.disconnect(on_publish)
        root.removeHandler(capture)
        root.setLevel(old_level)
    secrets_ = {"document text": DOC, "model document text": MODEL_DOC, "password": PASSWORD,
                "password marker": PASSWORD.split()[0], "bearer token": user.token, "provider API key": AI_KEY,
                "ENCRYPTION_KEY": os.environ["ENCRYPTION_KEY"], "SECRET_KEY": os.environ["SECRET_KEY"],
                "download link token": link.split("token=", 1)[1]}
    return {"user": user, "doc": doc, "bad": bad, "model_doc": model_doc, "boom": boom, "api_log": capture.lines,
            "worker_log": worker.log()[worker_log_start:], "redis": rec, "published": published,
            "secrets": secrets_, "fake_llm": fake_llm}


def _find(secrets_: dict, haystack: str, where: str, skip=()) -> list[str]:
    return [f"{label} found in {where}" for label, value in secrets_.items()
            if label not in skip and value and value in haystack]


def test_the_pipeline_really_ran_with_the_markers(leak_run):
    assert leak_run["doc"]["status"] == "PROCESSED"
    assert leak_run["bad"]["status"] == "FAILED" and leak_run["bad"]["error"]["code"] == "file_corrupt"
    assert leak_run["model_doc"]["status"] == "PROCESSED"
    sent = [r for r in leak_run["fake_llm"].requests_for("openai") if MODEL_DOC in r.text]
    assert len(sent) == 2, "the model path (first answer, repair) did not run"
    assert leak_run["redis"].task_messages(), "no broker traffic was recorded"
    assert leak_run["api_log"], "no API log record was captured"
    assert "step done" in leak_run["worker_log"] or "succeeded" in leak_run["worker_log"]


def test_no_secret_in_the_api_log(leak_run):
    found = _find(leak_run["secrets"], "\n".join(leak_run["api_log"]), "the API log")
    assert not found, found


def test_no_secret_in_the_worker_log(leak_run):
    found = _find(leak_run["secrets"], leak_run["worker_log"], "the worker log", skip=("model document text",))
    assert not found, found


def test_no_document_text_from_a_model_answer_in_the_worker_log(leak_run):
    found = _find({"model document text": MODEL_DOC}, leak_run["worker_log"], "the worker log")
    assert not found, found


def test_task_arguments_are_ids_only(leak_run):
    messages = leak_run["redis"].task_messages()
    assert any(m["task"] == "documents.analyse" for m in messages)
    problems = []
    for m in messages + leak_run["published"]:
        body = m["body"]
        if isinstance(body, (list, tuple)) and len(body) >= 2:   # protocol 2: (args, kwargs, embed)
            args, kwargs = body[0], body[1]
        elif isinstance(body, dict):                              # protocol 1
            args, kwargs = body.get("args"), body.get("kwargs") or {}
        else:
            args, kwargs = None, None
        if args is None or not all(isinstance(a, str) and UUID.match(a) for a in args) or kwargs:
            problems.append(f"{m['task']}: args={args!r} kwargs={kwargs!r} raw={str(m.get('raw', body))[:300]}")
    assert not problems, problems


def test_no_secret_in_any_redis_traffic(leak_run):
    raw = "\n".join(leak_run["redis"].commands)
    decoded = "\n".join(json.dumps(m["body"]) for m in leak_run["redis"].task_messages())
    found = _find(leak_run["secrets"], raw + decoded, "Redis traffic")
    assert not found, found


def test_flower_refuses_anonymous_and_wrong_credentials(flower):
    assert requests.get(flower["url"] + "/", timeout=5).status_code == 401
    assert requests.get(flower["url"] + "/api/tasks", timeout=5).status_code == 401
    assert requests.get(flower["url"] + "/api/tasks", auth=("ops", "wrong"), timeout=5).status_code == 401
    assert requests.get(flower["url"] + "/", auth=flower["auth"], timeout=5).status_code == 200
    # Flower itself serves these two to anyone (finding 11); ours asks for the same credentials.
    for page in ("/metrics", "/healthcheck"):
        assert requests.get(flower["url"] + page, timeout=5).status_code == 401, page
        assert requests.get(flower["url"] + page, auth=flower["auth"], timeout=5).status_code == 200, page


def test_flower_task_pages_show_ids_only(leak_run, flower):
    tasks = requests.get(flower["url"] + "/api/tasks", auth=flower["auth"], timeout=10).json()
    mine = {tid: t for tid, t in tasks.items() if leak_run["doc"]["id"] in str(t.get("args"))}
    assert mine, f"Flower saw none of the pipeline's tasks ({len(tasks)} tasks)"
    pages = json.dumps(tasks)
    for tid in list(mine)[:3]:
        pages += requests.get(f"{flower['url']}/task/{tid}", auth=flower["auth"], timeout=10).text
    found = _find(leak_run["secrets"], pages, "Flower")
    assert not found, found
    for t in mine.values():
        args = t.get("args") or ""
        assert re.fullmatch(r"\[?\(?('[0-9a-f-]{36}',? ?)+\)?\]?", args.strip()), args


def test_error_reports_carry_no_secret(leak_run):
    boom = leak_run["boom"]
    assert boom.status_code == 500
    body = boom.get_data(as_text=True)
    assert ERR not in body and "RuntimeError" not in body and "Traceback" not in body
    assert boom.get_json()["request_id"]
    user = leak_run["user"]
    reports = [json.dumps(leak_run["bad"]), json.dumps(leak_run["doc"])]
    for d in (leak_run["bad"], leak_run["doc"], leak_run["model_doc"]):
        jobs = user.get("/api/v1/jobs", query_string={"per_page": 100}).get_json()["items"]
        reports += [json.dumps(j) for j in jobs if j.get("document_id") == d["id"]]
    found = _find(leak_run["secrets"], "\n".join(reports), "job and document error reports")
    assert not found, found


def test_no_secret_in_events_audit_or_stored_blobs(leak_run, app):
    user = leak_run["user"]
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT coalesce(string_agg(data::text, '|'), '') FROM events WHERE organization_id = %s",
                    (user.org_id,))
        events = cur.fetchone()[0]
        cur.execute("SELECT coalesce(string_agg(x::text, '|'), '') FROM audit_events x WHERE organization_id = %s "
                    "OR user_id = %s", (user.org_id, user.id))
        audit = cur.fetchone()[0]
        cur.execute("SELECT coalesce(string_agg(x::text, '|'), '') FROM jobs x WHERE organization_id = %s",
                    (user.org_id,))
        jobs = cur.fetchone()[0]
    found = _find(leak_run["secrets"], events, "SSE events") + _find(leak_run["secrets"], audit, "audit events") \
        + _find(leak_run["secrets"], jobs, "job rows")
    assert not found, found
    import boto3
    s3 = boto3.client("s3", endpoint_url=app.config["S3_ENDPOINT_URL"], aws_access_key_id="test",
                      aws_secret_access_key="test", region_name="us-east-1")
    listing = s3.list_objects_v2(Bucket=app.config["S3_BUCKET"], Prefix=f"orgs/{user.org_id}/")
    blobs = [s3.get_object(Bucket=app.config["S3_BUCKET"], Key=o["Key"])["Body"].read()
             for o in listing.get("Contents", [])]
    assert blobs
    assert not any(DOC.encode() in b or MODEL_DOC.encode() in b for b in blobs), "plaintext in stored blobs"
