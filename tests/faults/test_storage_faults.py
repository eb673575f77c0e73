"""Point 6: storage faults, with a small HTTP-aware TCP proxy in front of moto's S3 server.

A failed store leaves no document row; a blob whose row never committed is removed by the
sweeper (abandoned multipart uploads included); transient storage errors while processing are
retried, not mistaken for a crashing file; `flask documents check` flags corrupted and missing
blobs and never deletes anything."""
from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlparse

import boto3
import pytest

from tests.faults.conftest import text_doc, wait_until
from tests.procs import ROOT

pytestmark = pytest.mark.faults


def flask_cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {}), "LOG_LEVEL": "WARNING"})


def s3_client():
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], aws_access_key_id="test",
                        aws_secret_access_key="test", region_name="us-east-1")


def big_text(label: str, size: int) -> bytes:
    line = f"NOTICE ({label}): the tenant shall pay the rent owed within fourteen days of service.\n".encode()
    return (line * (size // len(line) + 1))[:size]


def _requests_per_storage_call(app) -> int:
    """How many HTTP requests one failing S3 call makes (botocore's own retries included)."""
    with app.app_context():
        retries = app.extensions["caseos"].storage._client.meta.config.retries or {}
    if retries.get("total_max_attempts"):
        return retries["total_max_attempts"]
    return retries.get("max_attempts", 4) + 1  # legacy name: retries after the first attempt


@pytest.fixture()
def s3proxy(stack):
    moto = urlparse(os.environ["S3_ENDPOINT_URL"])
    proxy = stack.proxy(moto.hostname, moto.port, http=True)
    return proxy, {"S3_ENDPOINT_URL": f"http://{proxy.address}"}


def test_failed_stores_leave_no_row_and_the_sweeper_leaves_no_orphan(stack, truth, s3proxy):
    proxy, env = s3proxy
    # Room for one file above the multipart threshold (64 MB; below it a store is one PUT).
    web = stack.web(env={**env, "MAX_UPLOAD_BYTES": str(80 * 1024 * 1024)})
    user = stack.user(web)
    cases = {}

    proxy.http_fault("error500", method="PUT")             # the store answers 500 (every retry)
    cases["500"] = user.upload(text_doc("s3-500"), title="s3-500")
    proxy.clear_faults()
    proxy.http_fault("cut_body", method="PUT", after_bytes=2048)  # the connection dies mid-upload
    cases["cut"] = user.upload(big_text("cut", 256 * 1024), title="s3-cut")
    proxy.clear_faults()
    proxy.http_fault("forward_then_500", method="PUT")     # stored, but the answer is lost
    cases["lost-answer"] = user.upload(text_doc("s3-lost"), title="s3-lost")
    proxy.clear_faults()
    # A large file goes up in parts; one part never gets through and the client's abort fails too.
    proxy.http_fault("cut_body", method="PUT", path_contains="partNumber=2", after_bytes=4096)
    proxy.http_fault("error500", method="DELETE")
    cases["multipart"] = user.upload(big_text("multipart", 65 * 1024 * 1024), filename="big.txt", title="s3-big",
                                     timeout=180)
    proxy.clear_faults()

    for name, r in cases.items():
        assert r.status_code == 503, (name, r.status_code, r.text[:300])
        assert r.json()["code"] == "dependency_down"
    assert truth.docs_in_case(user.case_id) == [], "a failed store must leave no document row"
    s3 = s3_client()
    bucket = os.environ["S3_BUCKET"]
    prefix = f"orgs/{user.org_id}/"
    # What a failed store can leave behind: the blob whose answer was lost, and the parts of the
    # abandoned multipart upload (not listed as objects, but stored ciphertext all the same).
    assert len(truth.blobs(user.org_id)) == 1, truth.blobs(user.org_id)
    assert s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads"), "no abandoned upload?"

    out = flask_cli("documents", "sweep", "--no-jobs", "--orphan-min-age", "0", "--organization", user.org_id,
                    env=stack.env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert truth.blobs(user.org_id) == []
    assert not s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads")

    # The same file once the storage is healthy: accepted, stored once.
    doc, job = user.upload_ok(text_doc("s3-lost"), title="after")
    assert len(truth.blobs(user.org_id, doc)) == 1


def test_transient_storage_faults_are_ridden_out(stack, truth, s3proxy):
    proxy, env = s3proxy
    web = stack.web(env=env, wait=False)
    stack.worker(concurrency=2, env=env, wait=False)
    stack.ready()
    user = stack.user(web)

    # The first attempt is cut mid-upload; the client's retry succeeds: one intact blob.
    proxy.http_fault("cut_body", method="PUT", after_bytes=2048, times=1)
    retried, retried_job = user.upload_ok(big_text("retried", 128 * 1024), filename="r.txt", title="retried")
    # Slow answers (every chunk delayed) are only slow.
    proxy.latency = 0.05
    slow, slow_job = user.upload_ok(text_doc("slow"), title="slow")
    for d in (retried, slow):
        wait_until(lambda d=d: truth.doc_is_final(d), 90, "documents stored through faults")
    proxy.latency = 0

    # The worker cannot read the blob for a while: 500s for as many requests as three attempts of
    # the step make (each storage call retries internally). A transient outage is retried with
    # backoff; it is not a file that crashes the worker (MAX_STEP_ATTEMPTS is 3).
    failing = 3 * _requests_per_storage_call(truth.app)
    proxy.http_fault("error500", method="GET", path_contains="original.bin", times=failing)
    flaky, flaky_job = user.upload_ok(text_doc("flaky"), title="flaky")
    wait_until(lambda: truth.doc_is_final(flaky), 120, "the document read through storage errors")
    assert sum(1 for m, p, outcome in proxy.http_requests if m == "GET" and outcome == "error500") == failing
    assert truth.job(flaky_job)["steps"]["extract"]["attempts"] == 4  # three failed, then it worked

    truth.assert_processed_once(user.org_id, retried, retried_job, pages=1)
    truth.assert_processed_once(user.org_id, slow, slow_job, pages=1)
    truth.assert_processed_once(user.org_id, flaky, flaky_job, pages=1)
    out = flask_cli("documents", "check", "--organization", user.org_id)
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]


def test_integrity_check_flags_corrupted_and_missing_blobs_and_deletes_nothing(stack, truth):
    web = stack.web()
    user = stack.user(web)
    docs = [user.upload_ok(text_doc(f"integrity-{i}"), title=f"integrity-{i}")[0] for i in range(3)]
    out = flask_cli("documents", "check", "--organization", user.org_id)
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]

    s3, bucket = s3_client(), os.environ["S3_BUCKET"]
    corrupted, missing, fine = docs
    key = truth.blobs(user.org_id, corrupted)[0]
    blob = bytearray(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    blob[len(blob) // 2] ^= 0x01  # one flipped bit in the ciphertext
    s3.put_object(Bucket=bucket, Key=key, Body=bytes(blob))
    s3.delete_object(Bucket=bucket, Key=truth.blobs(user.org_id, missing)[0])

    out = flask_cli("documents", "check", "--organization", user.org_id)
    assert out.returncode == 1, out.stdout + out.stderr[-2000:]
    lines = {line.split("\t")[0]: line for line in out.stdout.splitlines() if line.strip()}
    assert set(lines) == {corrupted, missing}, out.stdout
    assert "corrupted" in lines[corrupted] and "missing" in lines[missing]
    # Report only: every row stays, the corrupted blob stays (for forensics or a restore).
    assert {d["id"] for d in truth.docs_in_case(user.case_id)} == set(docs)
    assert truth.blobs(user.org_id, corrupted) == [key]
    assert len(truth.blobs(user.org_id, fine)) == 1
