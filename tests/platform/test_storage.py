"""Blob storage: the local-disk and S3 backends honour one contract."""
from __future__ import annotations

import hashlib
import io
import os
import stat
import time
import uuid

import pytest

from app.platform import crypto
from app.platform.storage import (
    BlobNotFound,
    LocalStorage,
    S3Storage,
    StorageError,
    StorageUnavailable,
    build_storage,
    derived_key,
    document_key,
    document_prefix,
    organization_prefix,
)
from devkit.net import free_port

CREDS = dict(region="us-east-1", access_key="test", secret_key="test")


def _s3(url: str, bucket: str | None = None, **kw) -> S3Storage:
    return S3Storage(bucket or f"caseos-test-{uuid.uuid4().hex[:12]}", endpoint_url=url, **CREDS, **kw)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(str(tmp_path / "blobs"))
    return _s3(request.getfixturevalue("moto_server"))


class ChunkedRandom(io.RawIOBase):
    """A readable stream of n pseudo-random bytes that never holds them all in memory."""

    def __init__(self, n: int, seed: bytes = b"seed"):
        super().__init__()
        self.remaining = n
        self.counter = 0
        self.seed = seed
        self.pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        if not self.remaining:
            return 0
        if not self.pending:
            self.pending = hashlib.sha512(self.seed + self.counter.to_bytes(8, "big")).digest() * 512
            self.counter += 1
        n = min(len(buffer), len(self.pending), self.remaining)
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        self.remaining -= n
        return n


def _sha(stream, bufsize: int = 1 << 16) -> tuple[str, int]:
    digest, total = hashlib.sha256(), 0
    while True:
        piece = stream.read(bufsize)
        if not piece:
            return digest.hexdigest(), total
        digest.update(piece)
        total += len(piece)


# --------------------------------------------------------------------------- keys


def test_document_and_derived_keys():
    org, doc = uuid.uuid4(), uuid.uuid4()
    assert document_key(org, doc) == f"orgs/{org}/documents/{doc}/original.bin"
    assert derived_key(org, doc, "filled_form-1.pdf") == f"orgs/{org}/documents/{doc}/derived/filled_form-1.pdf"
    assert document_key(org, doc).startswith(document_prefix(org, doc))
    assert document_prefix(org, doc).startswith(organization_prefix(org))
    assert len(document_key(org, doc)) <= 200  # documents.storage_key column


@pytest.mark.parametrize("name", ["", "..", ".", "../x", "a/b", "UPPER", "sp ace", ".hidden", "x" * 101])
def test_derived_key_rejects_bad_names(name):
    with pytest.raises(ValueError):
        derived_key(1, 2, name)


@pytest.mark.parametrize("bad_id", ["../1", "a/b", "", "x y", "1\x00"])
def test_document_key_rejects_non_ids(bad_id):
    with pytest.raises(ValueError):
        document_key(bad_id, 1)
    with pytest.raises(ValueError):
        document_key(1, bad_id)


# --------------------------------------------------------------------------- shared contract


def test_put_open_exists_size_delete(store):
    key = document_key("org1", "doc1")
    assert not store.exists(key)
    store.put_file(key, io.BytesIO(b"sealed bytes"))
    assert store.exists(key)
    assert store.size(key) == 12
    with store.open(key) as stream:
        assert stream.read(6) == b"sealed"
        assert stream.read() == b" bytes"
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # idempotent
    with pytest.raises(BlobNotFound):
        store.open(key)
    with pytest.raises(BlobNotFound):
        store.size(key)


def test_put_reads_from_current_position(store):
    src = io.BytesIO(b"skip-keep")
    src.seek(5)
    store.put_file("a/b", src)
    assert store.read_bytes("a/b") == b"keep"


def test_overwrite_replaces_content(store):
    key = document_key("org1", "doc2")
    store.put_bytes(key, b"first attempt, longer content")
    store.put_bytes(key, b"retry")
    assert store.read_bytes(key) == b"retry"
    assert list(store.iter_keys("orgs/org1/")) == [key]


def test_iter_keys_and_prefixes(store):
    keys = [
        document_key("o1", "d1"),
        derived_key("o1", "d1", "form.pdf"),
        document_key("o1", "d2"),
        document_key("o10", "d1"),
        document_key("o2", "d1"),
    ]
    for key in keys:
        store.put_bytes(key, key.encode())
    assert sorted(store.iter_keys()) == sorted(keys)
    assert sorted(store.iter_keys(organization_prefix("o1"))) == sorted(keys[:3])
    assert sorted(store.iter_keys(document_prefix("o1", "d1"))) == sorted(keys[:2])
    # Plain string-prefix semantics, identical on both backends.
    assert sorted(store.iter_keys("orgs/o1")) == sorted(keys[:4])
    assert list(store.iter_keys("nothing/")) == []

    assert store.delete_prefix(document_prefix("o1", "d1")) == 2
    assert sorted(store.iter_keys()) == sorted(keys[2:])
    with pytest.raises(ValueError):
        store.delete_prefix("orgs/o1")
    with pytest.raises(ValueError):
        store.delete_prefix("")


@pytest.mark.parametrize("key", ["../x", "a/../b", "/etc/passwd", "a\\b", "a\x00b", "", "a//b", "a/", "./a", "a/.tmp-x", "a\nb"])
def test_unsafe_keys_rejected(store, key):
    with pytest.raises(ValueError):
        store.put_file(key, io.BytesIO(b"x"))
    with pytest.raises(ValueError):
        store.open(key)
    with pytest.raises(ValueError):
        store.delete(key)
    with pytest.raises(ValueError):
        store.exists(key)


def test_sealed_document_round_trip(store, tmp_path):
    """What the upload handler and the worker do: seal to a temp file, store, stream back."""
    keyring = crypto.Keyring(crypto.generate_master_key())
    org, doc = uuid.uuid4(), uuid.uuid4()
    aad = crypto.make_aad(org, doc)
    plaintext = os.urandom(300_000)
    with open(tmp_path / "upload.tmp", "w+b") as tmp:
        result = crypto.seal_stream(keyring, io.BytesIO(plaintext), tmp, aad)
        tmp.seek(0)
        store.put_file(document_key(org, doc), tmp)
    assert store.size(document_key(org, doc)) == result.ciphertext_size
    with store.open(document_key(org, doc)) as stream:
        assert b"".join(crypto.open_stream(keyring, stream, result.wrapped_key, aad)) == plaintext


# --------------------------------------------------------------------------- local backend


def test_local_files_and_dirs_are_private(tmp_path):
    store = LocalStorage(str(tmp_path / "blobs"))
    key = document_key("o", "d")
    store.put_bytes(key, b"x")
    path = tmp_path / "blobs" / "orgs" / "o" / "documents" / "d" / "original.bin"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "blobs").stat().st_mode) == 0o700


def test_local_overwrite_leaves_exactly_one_file(tmp_path):
    store = LocalStorage(str(tmp_path))
    key = document_key("o", "d")
    for i in range(5):
        store.put_bytes(key, f"attempt {i}".encode())
    directory = tmp_path / "orgs" / "o" / "documents" / "d"
    assert sorted(os.listdir(directory)) == ["original.bin"]
    assert store.read_bytes(key) == b"attempt 4"


def test_local_failed_write_keeps_old_content_and_no_temp(tmp_path):
    store = LocalStorage(str(tmp_path))
    key = document_key("o", "d")
    store.put_bytes(key, b"good")

    class Broken(io.RawIOBase):
        calls = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            self.calls += 1
            if self.calls > 2:
                raise OSError("client disconnected")
            buffer[:4] = b"junk"
            return 4

    with pytest.raises(StorageError):
        store.put_file(key, Broken())
    assert store.read_bytes(key) == b"good"
    assert os.listdir(tmp_path / "orgs" / "o" / "documents" / "d") == ["original.bin"]


def test_local_iter_keys_skips_in_flight_temp_files(tmp_path):
    store = LocalStorage(str(tmp_path))
    store.put_bytes("a/b", b"1")
    (tmp_path / "a" / ".tmp-abc123").write_bytes(b"partial")
    assert list(store.iter_keys()) == ["a/b"]


def test_local_delete_prunes_empty_directories(tmp_path):
    store = LocalStorage(str(tmp_path / "root"))
    store.put_bytes(document_key("o", "d1"), b"1")
    store.put_bytes(document_key("o", "d2"), b"2")
    store.delete(document_key("o", "d1"))
    assert not (tmp_path / "root" / "orgs" / "o" / "documents" / "d1").exists()
    assert (tmp_path / "root" / "orgs" / "o" / "documents" / "d2").exists()
    store.delete(document_key("o", "d2"))
    assert os.listdir(tmp_path / "root") == []
    store.put_bytes(document_key("o", "d1"), b"again")  # directories come back
    assert store.read_bytes(document_key("o", "d1")) == b"again"


def test_local_rejects_symlink_escape(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"nope")
    root = tmp_path / "root"
    store = LocalStorage(str(root))
    os.symlink(outside, root / "link")
    with pytest.raises(ValueError):
        store.open("link/secret")
    with pytest.raises(ValueError):
        store.put_bytes("link/new", b"x")
    assert not (outside / "new").exists()


def test_local_key_that_is_a_directory_is_not_found(tmp_path):
    store = LocalStorage(str(tmp_path))
    store.put_bytes("a/b/c", b"x")
    assert not store.exists("a/b")
    with pytest.raises(BlobNotFound):
        store.open("a/b")
    with pytest.raises(BlobNotFound):
        store.size("a/b")
    store.delete("a/b")
    assert store.exists("a/b/c")


def test_local_ping(tmp_path):
    store = LocalStorage(str(tmp_path / "root"))
    store.ping()
    os.rmdir(tmp_path / "root")
    with pytest.raises(StorageUnavailable):
        store.ping()


# --------------------------------------------------------------------------- S3 backend


def test_s3_bucket_created_if_missing(moto_server):
    import boto3

    bucket = f"caseos-new-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    store = _s3(moto_server, bucket)
    assert bucket not in [b["Name"] for b in client.list_buckets()["Buckets"]]
    assert list(store.iter_keys()) == []  # reading a missing bucket is just empty
    assert not store.exists("a/b")
    store.put_bytes("a/b", b"x")  # lazily creates the bucket
    assert bucket in [b["Name"] for b in client.list_buckets()["Buckets"]]

    other = _s3(moto_server)
    other.ping()  # readiness creates it too
    client.head_bucket(Bucket=other.bucket)
    other.ensure_bucket()  # idempotent
    _s3(moto_server, other.bucket).ensure_bucket()  # another process, bucket already there


def test_s3_ten_megabyte_stream_round_trip(moto_server):
    store = _s3(moto_server)
    key = document_key("org", "big")
    size = 10 * 1024 * 1024 + 17  # a stream of unknown size: a managed (multipart) upload
    store.put_file(key, io.BufferedReader(ChunkedRandom(size)))
    assert store.size(key) == size
    with store.open(key) as stream:
        assert _sha(stream) == _sha(io.BufferedReader(ChunkedRandom(size)))
    store.delete(key)
    assert not store.exists(key)
    assert list(store.iter_keys()) == []


def _s3_operations(store):
    calls = []
    store._client.meta.events.register("before-call.s3", lambda model, **kw: calls.append(model.name))
    return calls


def _file_of(tmp_path, size: int):
    path = tmp_path / "sealed.bin"
    with open(path, "wb") as out:
        shutil_copy = io.BufferedReader(ChunkedRandom(size))
        while chunk := shutil_copy.read(1024 * 1024):
            out.write(chunk)
    return path


def test_s3_file_up_to_the_threshold_is_one_put(moto_server, tmp_path):
    store = _s3(moto_server, multipart_threshold=12 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    store.ensure_bucket()
    size = 12 * 1024 * 1024  # exactly the threshold
    calls = _s3_operations(store)
    with open(_file_of(tmp_path, size), "rb") as f:
        store.put_file("a/one-put", f)
    assert calls == ["PutObject"]
    with store.open("a/one-put") as stream:
        assert _sha(stream) == _sha(io.BufferedReader(ChunkedRandom(size)))


def test_s3_file_above_the_threshold_goes_up_in_parts(moto_server, tmp_path):
    store = _s3(moto_server, multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    store.ensure_bucket()
    size = 11 * 1024 * 1024 + 5
    calls = _s3_operations(store)
    with open(_file_of(tmp_path, size), "rb") as f:
        store.put_file("a/parts", f)
    assert calls.count("CreateMultipartUpload") == 1 and calls.count("UploadPart") == 3
    assert "CompleteMultipartUpload" in calls and "PutObject" not in calls
    assert store.size("a/parts") == size
    with store.open("a/parts") as stream:
        assert _sha(stream) == _sha(io.BufferedReader(ChunkedRandom(size)))
    assert not store._client.list_multipart_uploads(Bucket=store.bucket).get("Uploads")


def test_s3_put_from_a_later_position_stores_only_the_rest(moto_server):
    store = _s3(moto_server)
    src = io.BytesIO(b"skip-me|the rest")
    src.seek(8)
    store.put_file("a/rest", src)
    assert store.read_bytes("a/rest") == b"the rest"


def test_s3_multipart_parts_must_be_at_least_five_megabytes():
    with pytest.raises(ValueError):
        S3Storage("caseos-test", endpoint_url="http://127.0.0.1:9", multipart_chunksize=1024 * 1024, **CREDS)


def test_s3_open_missing_key_raises_not_found(moto_server):
    store = _s3(moto_server)
    store.ensure_bucket()
    with pytest.raises(BlobNotFound):
        store.open("orgs/x/documents/y/original.bin")
    with pytest.raises(BlobNotFound):
        store.size("orgs/x/documents/y/original.bin")
    store.delete("orgs/x/documents/y/original.bin")  # idempotent


def test_s3_iter_keys_paginates(moto_server):
    store = _s3(moto_server)
    store.list_page_size = 7
    keys = {f"p/{i:04d}" for i in range(40)}
    store.ensure_bucket()
    for key in keys:
        # Plain PUTs: far quicker here than the managed-transfer path of put_file.
        store._client.put_object(Bucket=store.bucket, Key=key, Body=b"")
    assert set(store.iter_keys("p/")) == keys
    assert store.delete_prefix("p/", batch_size=15) == 40
    assert list(store.iter_keys("p/")) == []


def test_s3_ping_ok(moto_server):
    store = _s3(moto_server)
    store.ping()
    store.ping()


def test_s3_unreachable_endpoint_is_unavailable_quickly():
    closed = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        S3Storage("caseos-test", endpoint_url=closed, **CREDS).ping()  # default retries: ping skips them
    assert time.monotonic() - started < 3
    store = S3Storage("caseos-test", endpoint_url=closed, **CREDS, max_attempts=1)
    with pytest.raises(StorageUnavailable):
        store.open("a/b")
    with pytest.raises(StorageUnavailable):
        store.put_bytes("a/b", b"x")
    with pytest.raises(StorageUnavailable):
        list(store.iter_keys())


def test_s3_error_mapping():
    from botocore.exceptions import ClientError

    from app.platform.storage import _from_client_error

    def err(code, status):
        return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")

    assert type(_from_client_error(err("NoSuchKey", 404), "k")) is BlobNotFound
    assert type(_from_client_error(err("404", 404), "k")) is BlobNotFound
    assert type(_from_client_error(err("InternalError", 500), "k")) is StorageUnavailable
    assert type(_from_client_error(err("SlowDown", 503), "k")) is StorageUnavailable
    assert type(_from_client_error(err("AccessDenied", 403), "k")) is StorageError


# --------------------------------------------------------------------------- factory


def test_build_storage(tmp_path, moto_server):
    local = build_storage("local", storage_dir=str(tmp_path))
    assert isinstance(local, LocalStorage)
    s3 = build_storage("S3", storage_dir=str(tmp_path), bucket="caseos-factory", endpoint_url=moto_server,
                       region="us-east-1", access_key="test", secret_key="test")
    assert isinstance(s3, S3Storage)
    s3.ping()
    with pytest.raises(ValueError):
        build_storage("s3", storage_dir=str(tmp_path))
    with pytest.raises(ValueError):
        build_storage("ftp", storage_dir=str(tmp_path))


def test_s3_timeouts_and_attempts_come_from_the_environment(other_app, moto_server):
    from app.platform import runtime
    app = other_app(STORAGE_BACKEND="s3", S3_ENDPOINT_URL=moto_server, S3_BUCKET="caseos-timeouts",
                    S3_CONNECT_TIMEOUT="2.5", S3_READ_TIMEOUT="7", S3_MAX_RETRIES="5")
    with app.app_context():
        storage = runtime.current().storage
        cfg = storage._client.meta.config
        assert (cfg.connect_timeout, cfg.read_timeout) == (2.5, 7.0)
        assert cfg.retries["total_max_attempts"] == 6  # botocore counts the first call too
