"""Encryption at rest, attacked through the running system (guarantee 14).

tests/platform/test_crypto.py proves the primitives by property tests (every bit flip,
truncation, chunk reordering or swap, wrong associated data or key fails; nonces and data
keys never repeat; rotation), and tests/e2e/test_key_rotation.py proves rotation end to end.
Here an attacker with write access to the bucket or the database swaps ciphertexts between
two documents: every read fails authentication, and never returns the other document.
"""
from __future__ import annotations

import boto3
import pytest

from tests.attacks.conftest import pg
from tests.e2e.helpers import upload, wait_document
from tests.factories import ApiUser

A_TEXT = b"Document A: the landlord Bartholomew Quince demands $4,321.00 by June 2, 2031.\n"
B_TEXT = b"Document B: the tenant Wilhelmina Ashdown answers the complaint within 20 days.\n"


@pytest.fixture(scope="module")
def pair(app, worker):
    user = ApiUser.register(app, name="Crypto Tester")
    case = user.create_case(title="Swaps")
    ids = []
    for data, name in ((A_TEXT, "a.txt"), (B_TEXT, "b.txt")):
        r = upload(user, case["id"], data, filename=name)
        ids.append(wait_document(user, r.get_json()["document"]["id"])["id"])
    return user, ids


def _s3(app):
    return boto3.client("s3", endpoint_url=app.config["S3_ENDPOINT_URL"], aws_access_key_id="test",
                        aws_secret_access_key="test", region_name="us-east-1")


def _refused(resp, forbidden: bytes):
    data = resp.get_data()
    resp.close()
    body = resp.get_json(silent=True) or {}
    return (resp.status_code == 500 and body.get("code") == "integrity_failed"
            and forbidden not in data and b"Quince" not in data)


def test_a_blob_swapped_into_another_documents_place_is_refused(app, pair):
    user, (a, b) = pair
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT id::text, storage_key FROM documents WHERE id = ANY(%s::uuid[])", ([a, b],))
        keys = dict(cur.fetchall())
    s3, bucket = _s3(app), app.config["S3_BUCKET"]
    original_b = s3.get_object(Bucket=bucket, Key=keys[b])["Body"].read()
    blob_a = s3.get_object(Bucket=bucket, Key=keys[a])["Body"].read()
    try:
        s3.put_object(Bucket=bucket, Key=keys[b], Body=blob_a)
        assert _refused(user.get(f"/api/v1/documents/{b}/content"), A_TEXT)
        tampered = bytearray(original_b)
        tampered[len(tampered) // 2] ^= 0x01
        s3.put_object(Bucket=bucket, Key=keys[b], Body=bytes(tampered))
        assert _refused(user.get(f"/api/v1/documents/{b}/content"), A_TEXT)
    finally:
        s3.put_object(Bucket=bucket, Key=keys[b], Body=original_b)
    got = user.get(f"/api/v1/documents/{b}/content")
    assert got.status_code == 200 and got.data == B_TEXT  # restored: the control


def test_swapped_wrapped_keys_page_texts_and_analyses_are_refused(app, pair):
    user, (a, b) = pair
    swaps = [("documents", "wrapped_key", "id", "content"),
             ("document_pages", "text_sealed", "document_id", "text"),
             ("document_analyses", "sealed", "document_id", "analysis")]
    for table, column, key, endpoint in swaps:
        with pg() as conn, conn.cursor() as cur:
            cur.execute(f"SELECT {key}::text, {column} FROM {table} WHERE {key} = ANY(%s::uuid[])", ([a, b],))
            values = {k: bytes(v) if isinstance(v, memoryview) else v for k, v in cur.fetchall()}
            assert set(values) == {a, b}, table
            try:
                cur.execute(f"UPDATE {table} SET {column} = %s WHERE {key} = %s", (values[a], b))
                resp = user.get(f"/api/v1/documents/{b}/{endpoint}")
                assert _refused(resp, A_TEXT.strip()[:30]), (table, resp.status_code)
            finally:
                cur.execute(f"UPDATE {table} SET {column} = %s WHERE {key} = %s", (values[b], b))
        resp = user.get(f"/api/v1/documents/{b}/{endpoint}")
        assert resp.status_code == 200, (table, endpoint)  # restored: the control


def test_every_document_has_its_own_data_key(app, pair):
    """Fresh data key per document (so one leaked key opens one document)."""
    user, (a, b) = pair
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT wrapped_key FROM documents WHERE organization_id = %s", (user.org_id,))
        wrapped = [r[0] for r in cur.fetchall()]
    assert len(wrapped) == len(set(wrapped)) >= 2
