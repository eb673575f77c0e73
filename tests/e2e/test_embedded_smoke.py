"""Smoke run of the embedded default: no servers, exactly as `scripts/run` starts it
(SQLite, local encrypted storage, the SQLAlchemy broker, the local analyzer), driven over HTTP."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.helpers import FIXTURES, word_recall
from devkit.net import free_port

pytestmark = pytest.mark.e2e
SERVER_VARS = ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
               "STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET", "SECRET_KEY", "ENCRYPTION_KEY",
               "RATELIMIT_KEY_PREFIX", "RATELIMIT_STORAGE_URI")


@pytest.fixture()
def embedded(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARS}
    port = free_port()
    env.update({"CASEOS_VAR_DIR": str(tmp_path / "var"), "PORT": str(port),
                "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}"})
    up = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                        capture_output=True, text=True)
    assert up.returncode == 0, up.stderr
    log = open(tmp_path / "honcho.log", "wb")
    proc = subprocess.Popen([sys.executable, "scripts/supervise", "-f", "Procfile.embedded"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("embedded server did not start:\n" + (tmp_path / "honcho.log").read_text()[-3000:])
    request_log = tmp_path / "honcho.log"
    yield base, tmp_path / "var", tmp_path / "honcho.log"
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def test_embedded_default_serves_upload_ocr_analysis_and_status(embedded):
    base, var, log = embedded
    c = httpx.Client(base_url=base + "/api/v1", timeout=30)
    assert c.post("/auth/register", json={"email": "solo@example.test", "password": "a long enough password",
                                         "name": "Solo"}).status_code == 201
    token = c.post("/auth/login", json={"email": "solo@example.test", "password": "a long enough password"}).json()["token"]
    c.headers["Authorization"] = f"Bearer {token}"
    case = c.post("/cases", json={"title": "Eviction", "case_type": "LANDLORD_TENANT", "court_type": "MAGISTRATE",
                                  "jurisdiction": "US-WV"}).json()["case"]
    notice = (b"NOTICE OF HEARING\nJane Doe, Plaintiff, v. John Roe, Defendant.\n"
              b"A hearing is scheduled for January 15, 2027 at 9:00 a.m.\n")
    ids = []
    for name, data in (("linn.png", (FIXTURES / "scanned/linn.png").read_bytes()), ("notice.txt", notice)):
        r = c.post(f"/cases/{case['id']}/documents", files={"file": (name, data)})
        assert r.status_code == 202, r.text
        ids.append(r.json()["document"]["id"])
    deadline = time.time() + 240
    docs = {}
    while time.time() < deadline and len(docs) < len(ids):
        for i in ids:
            d = c.get(f"/documents/{i}").json()
            if d["status"] in ("PROCESSED", "FAILED"):
                docs[i] = d
        time.sleep(0.5)
    assert [docs.get(i, {}).get("status") for i in ids] == ["PROCESSED", "PROCESSED"], log.read_text()[-4000:]
    text = c.get(f"/documents/{ids[0]}/text").json()
    assert text["pages"][0]["source"] == "ocr"
    assert word_recall((FIXTURES / "scanned/linn.truth.txt").read_text(), text["text"]) > 0.8
    analysis = c.get(f"/documents/{ids[1]}/analysis").json()
    assert analysis["provider"] == "local" and analysis["disclaimer"]
    assert any(d["date"] == "2027-01-15" for d in analysis["dates"])
    assert c.get("/search", params={"q": '"hearing is scheduled"'}).json()["total"] == 1
    # Embedded storage under ./var holds ciphertext only.
    blobs = [p for p in (var / "storage").rglob("*") if p.is_file()]
    assert blobs and not any(b"NOTICE OF HEARING" in p.read_bytes() for p in blobs)
    assert (var / "caseos.db").exists()
