"""Uploads: what is stored (ciphertext only, under the SHA-256 of the raw bytes), how many storage
requests a store costs, and what a failed store leaves behind (nothing: no row, no blob, no
pending multipart upload, no temporary file)."""
from __future__ import annotations

import hashlib
import io
import os
from contextlib import contextmanager

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ConnectionClosedError

from app.models import Document
from app.platform import runtime
from app.platform.storage import S3Storage, document_key, organization_prefix

MB = 1024 * 1024


def pdf_bytes(size: int) -> bytes:
    head = b"%PDF-1.4\n%" + os.urandom(8).hex().encode() + b"\n"
    return head + os.urandom(size - len(head))


def upload(user, case_id, data: bytes, filename="doc.pdf", **form):
    return user.post(f"/api/v1/cases/{case_id}/documents", content_type="multipart/form-data",
                     data={"file": (io.BytesIO(data), filename), **form})


@pytest.fixture()
def s3(app):
    with app.app_context():
        storage = runtime.current().storage
    if not isinstance(storage, S3Storage):
        pytest.skip("these tests run against the S3 backend (moto)")
    return storage


@contextmanager
def s3_calls(storage):
    """Record the S3 operations made through the app's client (botocore's own retries included)."""
    calls = []

    def record(model, params, **kw):
        calls.append((model.name, params.get("PartNumber")))
    storage._client.meta.events.register("before-call.s3", record)
    try:
        yield calls
    finally:
        storage._client.meta.events.unregister("before-call.s3", record)


@contextmanager
def s3_fault(storage, operation: str, part_number: int | None = None):
    """Every request of `operation` (optionally only one part number) dies on the wire."""
    def cut(request, **kw):
        if part_number is None or f"partNumber={part_number}" in request.url:
            raise ConnectionClosedError(endpoint_url=request.url)
    event = f"before-send.s3.{operation}"
    storage._client.meta.events.register(event, cut)
    try:
        yield
    finally:
        storage._client.meta.events.unregister(event, cut)


@pytest.fixture()
def small_multipart(s3, monkeypatch):
    """Multipart from 5 MB (S3's smallest part) up, so a multipart store costs only a few MB here."""
    monkeypatch.setattr(s3, "multipart_threshold", 5 * MB)
    monkeypatch.setattr(s3, "_transfer", TransferConfig(multipart_threshold=5 * MB, multipart_chunksize=5 * MB,
                                                        max_concurrency=2))
    return s3


def tmp_uploads(app) -> set[str]:
    from app.documents.documents import private_tmp_dir
    with app.app_context():
        return {n for n in os.listdir(private_tmp_dir()) if n.startswith("upload-")}


def pending_multipart(storage, prefix: str) -> list:
    return storage._client.list_multipart_uploads(Bucket=storage.bucket, Prefix=prefix).get("Uploads") or []


def assert_stored_as_uploaded(app, user, case_id, data: bytes, storage):
    r = upload(user, case_id, data)
    assert r.status_code == 202, r.get_json()
    doc = r.get_json()["document"]
    assert doc["sha256"] == hashlib.sha256(data).hexdigest()
    assert doc["size_bytes"] == len(data)
    key = document_key(user.org_id, doc["id"])
    stored = storage.read_bytes(key)
    assert data[:4096] not in stored and data[-4096:] not in stored, "plaintext in storage"
    content = user.get(f"/api/v1/documents/{doc['id']}/content")
    assert content.status_code == 200
    assert hashlib.sha256(content.data).hexdigest() == doc["sha256"]
    # The same bytes again: the same document (dedupe by the SHA-256 of the raw bytes).
    again = upload(user, case_id, data)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert again.get_json()["document"]["id"] == doc["id"]
    return doc


def test_stored_sha256_is_the_sha256_of_the_uploaded_bytes(app, alice, s3):
    case = alice.create_case()
    # One byte, one byte less / more than the 64 KiB encryption chunk, several chunks.
    for size in (1, 64 * 1024 - 1, 64 * 1024 + 1, 3 * MB + 7):
        data = b"%PDF-1.4\n" + os.urandom(max(0, size - 9)) if size > 9 else b"plain text"
        assert_stored_as_uploaded(app, alice, case["id"], data, s3)


def test_multipart_sized_upload_is_stored_intact(app, alice, small_multipart):
    case = alice.create_case()
    data = pdf_bytes(11 * MB + 3)
    with s3_calls(small_multipart) as calls:
        doc = assert_stored_as_uploaded(app, alice, case["id"], data, small_multipart)
    ops = [name for name, _ in calls]
    assert ops.count("CreateMultipartUpload") == 1 and ops.count("UploadPart") == 3
    assert "PutObject" not in ops
    assert pending_multipart(small_multipart, organization_prefix(alice.org_id)) == []
    assert len(list(small_multipart.iter_keys(organization_prefix(alice.org_id)))) == 1
    assert doc["size_bytes"] == len(data)


def test_a_ten_megabyte_upload_is_one_put(app, alice, s3):
    case = alice.create_case()
    data = pdf_bytes(10 * MB)
    with s3_calls(s3) as calls:
        r = upload(alice, case["id"], data)
    assert r.status_code == 202, r.get_json()
    assert [name for name, _ in calls] == ["PutObject"]
    assert r.get_json()["document"]["sha256"] == hashlib.sha256(data).hexdigest()


def _assert_nothing_left(app, user, case_id, storage, tmp_before):
    with app.app_context():
        from app.extensions import db
        import sqlalchemy as sa
        rows = db.session.execute(sa.select(Document.id).where(Document.case_id == case_id)).all()
        db.session.rollback()
    assert rows == [], "a failed store must leave no document row"
    prefix = organization_prefix(user.org_id)
    assert list(storage.iter_keys(prefix)) == [], "a failed store must leave no blob"
    assert pending_multipart(storage, prefix) == [], "a failed store must leave no pending multipart upload"
    assert tmp_uploads(app) <= tmp_before, "a failed store must leave no temporary file"


def test_a_failed_single_put_leaves_nothing(app, alice, s3):
    case = alice.create_case()
    before = tmp_uploads(app)
    with s3_fault(s3, "PutObject"):
        r = upload(alice, case["id"], pdf_bytes(2 * MB))
    assert r.status_code == 503 and r.get_json()["code"] == "dependency_down"
    _assert_nothing_left(app, alice, case["id"], s3, before)
    # Once the storage answers again, the same bytes are accepted (nothing stale blocks them).
    data = pdf_bytes(2 * MB)
    assert upload(alice, case["id"], data).status_code == 202


def test_a_failed_multipart_store_leaves_nothing(app, alice, small_multipart):
    case = alice.create_case()
    before = tmp_uploads(app)
    with s3_fault(small_multipart, "UploadPart", part_number=2):
        r = upload(alice, case["id"], pdf_bytes(11 * MB))
    assert r.status_code == 503 and r.get_json()["code"] == "dependency_down"
    # The part that failed made the client abort the upload: no parts stay stored.
    _assert_nothing_left(app, alice, case["id"], small_multipart, before)


def test_an_abandoned_multipart_upload_is_aborted_by_the_sweeper(app, alice, small_multipart):
    from app.documents import maintenance
    case = alice.create_case()
    before = tmp_uploads(app)
    prefix = organization_prefix(alice.org_id)
    with s3_fault(small_multipart, "UploadPart", part_number=2), s3_fault(small_multipart, "AbortMultipartUpload"):
        r = upload(alice, case["id"], pdf_bytes(11 * MB))
    assert r.status_code == 503
    assert pending_multipart(small_multipart, prefix), "the failed abort should have left the upload pending"
    with app.app_context():
        assert maintenance.abort_stale_multipart_uploads(0, prefix) == 1
        assert maintenance.abort_stale_multipart_uploads(0, prefix) == 0
    _assert_nothing_left(app, alice, case["id"], small_multipart, before)


def test_upload_errors_leave_nothing(app, alice, s3, monkeypatch):
    case = alice.create_case()
    before = tmp_uploads(app)
    r = upload(alice, case["id"], b"")
    assert r.status_code == 422
    r = upload(alice, case["id"], b"MZ\x90\x00" + os.urandom(4096), filename="x.exe")
    assert r.status_code == 415
    with app.app_context():
        monkeypatch.setattr(runtime.current().config, "MAX_UPLOAD_BYTES", 1 * MB)
    r = upload(alice, case["id"], pdf_bytes(1 * MB + 1))
    assert r.status_code == 413
    _assert_nothing_left(app, alice, case["id"], s3, before)


def test_a_concurrent_upload_of_the_same_bytes_keeps_one_document_and_one_blob(app, alice, s3, monkeypatch):
    from app.documents import documents
    case = alice.create_case()
    data = pdf_bytes(256 * 1024)
    first = upload(alice, case["id"], data)
    assert first.status_code == 202
    # The second upload does not see the first one before storing (as if both ran at once):
    # its insert finds the same bytes already recorded, and its own blob is dropped.
    real = documents.find_duplicate
    calls = []

    def late_duplicate(case_id, sha256):
        calls.append(sha256)
        return None if len(calls) == 1 else real(case_id, sha256)
    monkeypatch.setattr(documents, "find_duplicate", late_duplicate)
    second = upload(alice, case["id"], data)
    assert second.status_code == 200, second.get_json()
    assert second.get_json()["duplicate"] is True
    assert second.get_json()["document"]["id"] == first.get_json()["document"]["id"]
    assert len(calls) == 2
    keys = list(s3.iter_keys(organization_prefix(alice.org_id)))
    assert keys == [document_key(alice.org_id, first.get_json()["document"]["id"])]
    listed = alice.get(f"/api/v1/cases/{case['id']}/documents").get_json()
    assert listed["total"] == 1
