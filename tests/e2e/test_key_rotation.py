"""Key rotation: after `flask keys rotate` under a new master key, every document stays readable
with the new key alone, and content was never re-encrypted (the stored blobs are unchanged)."""
import base64
import hashlib
import os
import secrets
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.e2e.helpers import upload, wait_document

pytestmark = pytest.mark.e2e


def test_rotation_rewraps_keys_and_keeps_every_document_readable(worker, make_user, app, monkeypatch):
    u = make_user()
    case = u.create_case(title="Rotation")
    payloads = [b"Rotation check one: the hearing is on March 3, 2027.\n",
                b"Rotation check two: pay $1,250.00 in rent.\n"]
    ids = [upload(u, case["id"], p, filename=f"r{i}.txt").get_json()["document"]["id"] for i, p in enumerate(payloads)]
    for i in ids:
        assert wait_document(u, i)["status"] == "PROCESSED"
    storage = app.extensions["caseos"].storage
    before = {k: hashlib.sha256(storage.read_bytes(k)).hexdigest() for k in storage.iter_keys("orgs/")
              if any(i in k for i in ids)}
    old = os.environ["ENCRYPTION_KEY"]
    new = base64.b64encode(secrets.token_bytes(32)).decode()
    env = dict(os.environ, ENCRYPTION_KEY=new, ENCRYPTION_OLD_KEYS=old)
    r = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "keys", "rotate"], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "still under old keys: 0" in r.stdout
    after = {k: hashlib.sha256(storage.read_bytes(k)).hexdigest() for k in before}
    assert after == before  # only the wrapped data keys changed

    # A server holding only the new key reads everything.
    from app.platform import celery_app
    saved = celery_app._flask_app
    monkeypatch.setenv("ENCRYPTION_KEY", new)
    monkeypatch.delenv("ENCRYPTION_OLD_KEYS", raising=False)
    try:
        from app import create_app
        fresh = create_app()
        c = fresh.test_client()
        h = {"Authorization": f"Bearer {u.token}"}
        for doc_id, data in zip(ids, payloads):
            assert c.get(f"/api/v1/documents/{doc_id}/content", headers=h).data == data
            assert data.decode().strip()[:20] in c.get(f"/api/v1/documents/{doc_id}/text", headers=h).get_json()["text"]
            assert c.get(f"/api/v1/documents/{doc_id}/analysis", headers=h).status_code == 200
    finally:
        # Rotate back so the rest of the suite (whose processes hold the original key) reads every row.
        back = dict(os.environ, ENCRYPTION_KEY=old, ENCRYPTION_OLD_KEYS=new)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "keys", "rotate"], cwd=ROOT, env=back,
                       capture_output=True, text=True, check=True)
        from app.platform import runtime
        celery_app._flask_app = saved
        runtime._fallback = app.extensions["caseos"]
        from app import init_celery
        init_celery(app)
