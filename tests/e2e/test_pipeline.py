"""Documents end to end: upload through the API, a real Celery worker, PostgreSQL, Redis,
moto's S3 server and tesseract."""
import hashlib
import json

import boto3
import pytest

from devkit.docgen import make_mixed_pdf, make_scanned_pdf
from tests.e2e.helpers import FIXTURES, upload, wait_document, word_recall

pytestmark = pytest.mark.e2e


@pytest.fixture()
def case(alice):
    return alice.create_case(title="Pipeline case")


def test_born_digital_pdf_reaches_processed_with_its_text(worker, alice, case):
    r = upload(alice, case["id"], FIXTURES / "born_digital/ca10_order_show_cause_010110462922.pdf")
    assert r.status_code == 202, r.get_json()
    body = r.get_json()
    assert body["document"]["status"] == "QUEUED" and body["job"]["status"] in ("QUEUED", "RUNNING")
    doc = wait_document(alice, body["document"]["id"])
    assert doc["status"] == "PROCESSED", doc.get("error")
    assert doc["page_count"] == 1
    text = alice.get(f"/api/v1/documents/{doc['id']}/text").get_json()
    assert text["pages"][0]["source"] == "text_layer"
    assert "within 20 days of the date of this order" in " ".join(text["text"].split())
    job = alice.get(f"/api/v1/jobs/{body['job']['id']}").get_json()
    assert job["status"] == "SUCCEEDED" and job["progress"] == 1.0
    assert [s["name"] for s in job["steps"]] == ["extract", "ocr", "analyse", "index", "notify"]
    assert all(s["status"] in ("done", "skipped") and s["finished_at"] for s in job["steps"])


def test_photo_like_image_is_ocred(worker, alice, case):
    r = upload(alice, case["id"], FIXTURES / "scanned/linn.png")
    assert r.status_code == 202
    doc = wait_document(alice, r.get_json()["document"]["id"])
    assert doc["status"] == "PROCESSED", doc.get("error")
    text = alice.get(f"/api/v1/documents/{doc['id']}/text").get_json()
    page = text["pages"][0]
    assert page["source"] == "ocr" and page["confidence"] > 50
    truth = (FIXTURES / "scanned/linn.truth.txt").read_text()
    assert word_recall(truth, text["text"]) > 0.8


def test_scanned_and_mixed_pdfs_are_read_page_by_page(worker, alice, case, tmp_path):
    scanned = tmp_path / "scanned.pdf"
    expected = make_scanned_pdf(scanned, ["Notice to quit", "Rent owed is due", "The hearing is set for January"])
    mixed = tmp_path / "mixed.pdf"
    mixed_expected = make_mixed_pdf(mixed)
    ids = [upload(alice, case["id"], p).get_json()["document"]["id"] for p in (scanned, mixed)]
    for doc_id, exp in zip(ids, (expected, mixed_expected)):
        doc = wait_document(alice, doc_id)
        assert doc["status"] == "PROCESSED", doc.get("error")
        pages = alice.get(f"/api/v1/documents/{doc_id}/text").get_json()["pages"]
        assert len(pages) == len(exp)
        for page, want in zip(pages, exp):
            assert word_recall(want, page["text"]) >= 0.75, (page, want)
    mixed_pages = alice.get(f"/api/v1/documents/{ids[1]}/text").get_json()["pages"]
    assert {p["source"] for p in mixed_pages} == {"text_layer", "ocr"}


def test_content_round_trips_and_storage_holds_no_plaintext(worker, alice, case, app):
    data = b"PLAINTEXT-MARKER-7f3a Eviction notice for unit 4B. Pay rent within 14 days.\n" * 50
    r = upload(alice, case["id"], data, filename="notice.txt")
    doc_id = r.get_json()["document"]["id"]
    assert r.get_json()["document"]["sha256"] == hashlib.sha256(data).hexdigest()
    wait_document(alice, doc_id)
    got = alice.get(f"/api/v1/documents/{doc_id}/content")
    assert got.status_code == 200 and got.data == data
    assert got.headers["Content-Type"].startswith("text/plain")
    s3 = boto3.client("s3", endpoint_url=app.config["S3_ENDPOINT_URL"], aws_access_key_id="test",
                      aws_secret_access_key="test", region_name="us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=app.config["S3_BUCKET"]).get("Contents", [])]
    mine = [k for k in keys if doc_id in k]
    assert mine and all(doc_id in k and "notice" not in k for k in mine)
    for k in mine:
        blob = s3.get_object(Bucket=app.config["S3_BUCKET"], Key=k)["Body"].read()
        assert b"PLAINTEXT-MARKER" not in blob and b"Eviction" not in blob
    with app.app_context():
        from app.extensions import db
        import sqlalchemy as sa
        for table in ("document_pages", "document_analyses"):
            for row in db.session.execute(sa.text(f"SELECT * FROM {table}")).all():
                assert b"PLAINTEXT-MARKER" not in repr(row).encode()


def test_duplicate_upload_creates_nothing(worker, alice, case):
    data = b"Same bytes twice, a plain text court letter.\n"
    first = upload(alice, case["id"], data, filename="a.txt")
    second = upload(alice, case["id"], data, filename="b.txt")
    assert first.status_code == 202 and second.status_code == 200
    assert second.get_json()["document"]["id"] == first.get_json()["document"]["id"]
    assert second.get_json()["duplicate"] is True
    assert alice.get(f"/api/v1/cases/{case['id']}/documents").get_json()["total"] == 1
    jobs = alice.get("/api/v1/jobs?kind=document.process").get_json()["items"]
    assert sum(1 for j in jobs if j["document_id"] == first.get_json()["document"]["id"]) == 1


def test_upload_rejections(alice, case, monkeypatch, app):
    assert upload(alice, case["id"], b"", filename="empty.pdf").status_code == 422
    zipped = b"PK\x03\x04" + b"\x00" * 100
    r = upload(alice, case["id"], zipped, filename="looks.pdf")
    assert r.status_code == 415 and r.mimetype == "application/problem+json"
    r = alice.post(f"/api/v1/cases/{case['id']}/documents", data={"title": "no file"},
                   content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["errors"]
    monkeypatch.setattr(app.extensions["caseos"].config, "MAX_UPLOAD_BYTES", 1000)
    r = upload(alice, case["id"], b"a" * 5000, filename="big.txt")
    assert r.status_code == 413


def test_download_url_works_without_credentials_and_rejects_tampering(worker, alice, case, app):
    data = b"Download me: a short text letter from the court clerk.\n"
    doc_id = upload(alice, case["id"], data, filename="letter.txt").get_json()["document"]["id"]
    link = alice.post(f"/api/v1/documents/{doc_id}/download-url").get_json()
    anon = app.test_client()
    path = link["url"].split("localhost", 1)[-1]
    r = anon.get(path)
    assert r.status_code == 200 and r.data == data
    assert "attachment" in r.headers["Content-Disposition"]
    assert anon.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")).status_code == 404


def test_delete_erases_bytes_and_derived_data(worker, alice, case, app):
    data = b"Delete me please. A court order about the hearing.\n"
    doc_id = upload(alice, case["id"], data, filename="x.txt").get_json()["document"]["id"]
    wait_document(alice, doc_id)
    assert alice.delete(f"/api/v1/documents/{doc_id}").status_code == 204
    for suffix in ("", "/text", "/content", "/analysis"):
        assert alice.get(f"/api/v1/documents/{doc_id}{suffix}").status_code == 404
    with app.app_context():
        from app.extensions import db
        import sqlalchemy as sa
        n = db.session.execute(sa.text("SELECT count(*) FROM document_pages WHERE document_id = :d"),
                               {"d": doc_id}).scalar()
        assert n == 0
        storage = app.extensions["caseos"].storage
        assert not [k for k in storage.iter_keys("orgs/") if doc_id in k]


def test_other_tenant_gets_404_on_every_document_and_job_endpoint(worker, alice, mallory, case):
    r = upload(alice, case["id"], b"Alice's private letter.\n", filename="p.txt")
    doc_id, job_id = r.get_json()["document"]["id"], r.get_json()["job"]["id"]
    wait_document(alice, doc_id)
    for method, path in [("get", f"/api/v1/documents/{doc_id}"), ("get", f"/api/v1/documents/{doc_id}/text"),
                         ("get", f"/api/v1/documents/{doc_id}/content"),
                         ("get", f"/api/v1/documents/{doc_id}/analysis"),
                         ("post", f"/api/v1/documents/{doc_id}/download-url"),
                         ("post", f"/api/v1/documents/{doc_id}/reprocess"),
                         ("delete", f"/api/v1/documents/{doc_id}"), ("get", f"/api/v1/jobs/{job_id}"),
                         ("get", f"/api/v1/jobs/{job_id}/events"),
                         ("get", f"/api/v1/cases/{case['id']}/documents")]:
        assert getattr(mallory, method)(path).status_code == 404, path
    r = upload(mallory, case["id"], b"intrusion\n", filename="x.txt")
    assert r.status_code == 404
    assert mallory.get("/api/v1/jobs").get_json()["total"] == 0
    assert alice.get(f"/api/v1/documents/{doc_id}").status_code == 200


def test_event_stream_sees_every_state_and_reconnect_misses_nothing(worker, alice, case):
    r = upload(alice, case["id"], b"Stream me: notice of hearing on the motion.\n", filename="s.txt")
    job_id = r.get_json()["job"]["id"]
    resp = alice.get(f"/api/v1/jobs/{job_id}/events")
    assert resp.mimetype == "text/event-stream"
    events = _parse_sse(resp.get_data(as_text=True))
    statuses = [e["data"]["status"] for e in events]
    assert statuses[-1] == "SUCCEEDED"
    order = {"QUEUED": 0, "RUNNING": 1, "SUCCEEDED": 2}
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)  # never backwards
    # Reconnect from the first event: every later event is replayed, none missed.
    full = _parse_sse(alice.get(f"/api/v1/jobs/{job_id}/events",
                                headers={"Last-Event-ID": "1"}).get_data(as_text=True))
    first_id = int(events[0]["id"])
    replay = _parse_sse(alice.get(f"/api/v1/jobs/{job_id}/events",
                                  headers={"Last-Event-ID": str(first_id - 1 if len(events) == 1 else
                                                                int(full[0]["id"]))}).get_data(as_text=True))
    ids = [int(e["id"]) for e in full]
    assert ids == sorted(ids) and len(ids) >= 3
    assert [e["id"] for e in replay] == [e["id"] for e in full[1:]] or replay[-1]["data"]["status"] == "SUCCEEDED"


def _parse_sse(text):
    out = []
    for block in text.split("\n\n"):
        ev = {}
        for line in block.splitlines():
            if line.startswith("id: "):
                ev["id"] = line[4:]
            elif line.startswith("data: "):
                ev["data"] = json.loads(line[6:])
            elif line.startswith("event: "):
                ev["event"] = line[7:]
        if "data" in ev:
            out.append(ev)
    return out
