"""Blob storage for encrypted documents: one interface, a local-disk and an S3 backend.

Keys are built only from ids (``document_key``/``derived_key``), never from user input, and
are deterministic so that a retried upload overwrites instead of leaking an orphan.
"""
from __future__ import annotations

import abc
import contextlib
import io
import itertools
import os
import time
import re
import shutil
import tempfile
import threading
from typing import BinaryIO, Iterator

from app.platform.errors import TransientError

__all__ = [
    "StorageError",
    "StorageUnavailable",
    "BlobNotFound",
    "Storage",
    "LocalStorage",
    "S3Storage",
    "build_storage",
    "document_key",
    "document_prefix",
    "organization_prefix",
    "derived_key",
]

_COPY_BUFSIZE = 1024 * 1024
_TMP_PREFIX = ".tmp-"
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_DERIVED_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


class StorageError(Exception):
    """Base class for storage failures."""


class StorageUnavailable(StorageError, TransientError):
    """The backend is unreachable, timing out or failing with 5xx: callers should retry."""


class BlobNotFound(StorageError):
    """No object is stored under the requested key."""


# --------------------------------------------------------------------------- keys


def _check_id(value, what: str) -> str:
    text = str(value)
    if not _ID_RE.fullmatch(text):
        raise ValueError(f"{what} must be a plain id ([A-Za-z0-9_-]+)")
    return text


def organization_prefix(organization_id) -> str:
    """Return the key prefix holding every blob of an organization (ends with "/")."""
    return f"orgs/{_check_id(organization_id, 'organization_id')}/"


def document_prefix(organization_id, document_id) -> str:
    """Return the key prefix holding every blob of one document (ends with "/")."""
    return f"{organization_prefix(organization_id)}documents/{_check_id(document_id, 'document_id')}/"


def document_key(organization_id, document_id) -> str:
    """Return the deterministic key of a document's original (encrypted) upload."""
    return f"{document_prefix(organization_id, document_id)}original.bin"


def derived_key(organization_id, document_id, name: str) -> str:
    """Return the deterministic key of a file derived from a document (e.g. a filled form)."""
    if not isinstance(name, str) or not _DERIVED_NAME_RE.fullmatch(name):
        raise ValueError("derived name must match [a-z0-9][a-z0-9_.-]* (at most 100 chars)")
    return f"{document_prefix(organization_id, document_id)}derived/{name}"


def validate_key(key: str) -> str:
    """Raise ValueError unless key is a safe relative "a/b/c" path; return it unchanged."""
    if not isinstance(key, str) or not key:
        raise ValueError("storage key must be a non-empty str")
    if len(key) > 1024:
        raise ValueError("storage key too long")
    if "\\" in key or "\x00" in key or key.startswith("/"):
        raise ValueError("storage key must be a relative path without backslashes or NUL")
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in key):
        raise ValueError("storage key must not contain control characters")
    if re.match(r"^[A-Za-z]:", key):
        raise ValueError("storage key must not be a drive path")
    for part in key.split("/"):
        if part in ("", ".", ".."):
            raise ValueError("storage key must not contain empty, '.' or '..' segments")
        if part.startswith(_TMP_PREFIX):
            # Reserved for in-flight atomic writes of LocalStorage.
            raise ValueError(f"storage key segments must not start with {_TMP_PREFIX!r}")
    return key


# --------------------------------------------------------------------------- interface


class Storage(abc.ABC):
    """Blob store interface shared by the local and S3 backends."""

    @abc.abstractmethod
    def put_file(self, key: str, fileobj: BinaryIO) -> None:
        """Store everything from fileobj's current position to EOF under key (overwrites)."""

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Return a readable binary stream for key; raise BlobNotFound if absent."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Delete key; deleting a missing key is not an error."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Return True if an object is stored under key."""

    @abc.abstractmethod
    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Yield the keys starting with prefix."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """Return the stored size of key in bytes; raise BlobNotFound if absent."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise StorageUnavailable if the backend cannot be used right now."""

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store a small in-memory value under key."""
        self.put_file(key, io.BytesIO(bytes(data)))

    def read_bytes(self, key: str) -> bytes:
        """Return the whole object under key (only for small objects)."""
        with contextlib.closing(self.open(key)) as stream:
            return stream.read()

    def delete_prefix(self, prefix: str, batch_size: int = 1000) -> int:
        """Delete every key under a "dir/"-style prefix; returns how many were deleted."""
        if not prefix or not prefix.endswith("/"):
            # "orgs/1" would also match "orgs/10/...", and "" would wipe the store.
            raise ValueError("prefix must be non-empty and end with '/'")
        deleted = 0
        while True:
            # Re-list after each batch instead of deleting while a listing is in progress.
            batch = list(itertools.islice(self.iter_keys(prefix), batch_size))
            if not batch:
                return deleted
            for key in batch:
                self.delete(key)
            deleted += len(batch)


# --------------------------------------------------------------------------- local disk


class LocalStorage(Storage):
    """Files under a root directory; writes are atomic (temp file in the same dir + os.replace)."""

    def __init__(self, root: str):
        self.root = os.path.realpath(os.fspath(root))
        try:
            os.makedirs(self.root, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create storage root: {exc.strerror}") from exc

    def _path(self, key: str) -> str:
        validate_key(key)
        path = os.path.join(self.root, *key.split("/"))
        # Defence in depth against symlinks planted inside the root.
        real = os.path.realpath(path)
        if real != path or os.path.commonpath([self.root, real]) != self.root:
            raise ValueError("storage key resolves outside the storage root")
        return path

    def put_file(self, key: str, fileobj: BinaryIO) -> None:
        """Store fileobj (from its current position) under key atomically, mode 0600."""
        path = self._path(key)
        directory = os.path.dirname(path)
        try:
            for attempt in range(3):
                os.makedirs(directory, mode=0o700, exist_ok=True)
                try:
                    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=directory)
                    break
                except FileNotFoundError:
                    # A concurrent delete() pruned the empty directory; recreate and retry.
                    if attempt == 2:
                        raise
            try:
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(fileobj, out, _COPY_BUFSIZE)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(tmp, 0o600)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            self._fsync_dir(directory)
        except OSError as exc:
            raise StorageError(f"cannot write {key}: {exc.strerror or exc}") from exc

    @staticmethod
    def _fsync_dir(directory: str) -> None:
        # Makes the rename durable; not supported on every platform/filesystem.
        with contextlib.suppress(OSError):
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def open(self, key: str) -> BinaryIO:
        """Return the file under key opened for binary reading."""
        path = self._path(key)
        try:
            return open(path, "rb")  # noqa: SIM115 - the caller owns the handle
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(key) from None
        except OSError as exc:
            raise StorageError(f"cannot open {key}: {exc.strerror or exc}") from exc

    def delete(self, key: str) -> None:
        """Delete key (no error if missing) and prune directories left empty."""
        path = self._path(key)
        try:
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        except IsADirectoryError:
            return
        except OSError as exc:
            raise StorageError(f"cannot delete {key}: {exc.strerror or exc}") from exc
        directory = os.path.dirname(path)
        while directory != self.root:
            try:
                os.rmdir(directory)
            except OSError:
                # Not empty (or raced with a writer): stop pruning.
                break
            directory = os.path.dirname(directory)

    def exists(self, key: str) -> bool:
        """Return True if a file is stored under key."""
        return os.path.isfile(self._path(key))

    def size(self, key: str) -> int:
        """Return the size in bytes of the file under key."""
        path = self._path(key)
        try:
            if not os.path.isfile(path):
                raise BlobNotFound(key)
            return os.stat(path).st_size
        except (FileNotFoundError, NotADirectoryError):
            raise BlobNotFound(key) from None
        except OSError as exc:
            raise StorageError(f"cannot stat {key}: {exc.strerror or exc}") from exc

    def age_seconds(self, key: str) -> float:
        """Seconds since the blob under key was last written."""
        try:
            return time.time() - os.stat(self._path(key)).st_mtime
        except (FileNotFoundError, NotADirectoryError):
            raise BlobNotFound(key) from None

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Yield stored keys starting with prefix, sorted, skipping in-flight temp files."""
        start = self.root
        if "/" in prefix:
            base = prefix.rsplit("/", 1)[0]
            try:
                start = self._path(base)
            except ValueError:
                # Such a prefix cannot match any valid key.
                return
        if not os.path.isdir(start):
            return
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, self.root)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            for name in sorted(filenames):
                if name.startswith(_TMP_PREFIX):
                    continue
                key = rel_dir + name
                if key.startswith(prefix):
                    yield key

    def ping(self) -> None:
        """Raise StorageUnavailable unless the root is a writable directory."""
        if not os.path.isdir(self.root) or not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable("storage root is missing or not writable")

    def __repr__(self) -> str:
        return f"LocalStorage({self.root!r})"


# --------------------------------------------------------------------------- S3


_NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound", "NoSuchBucket"}
_TRANSIENT_CODES = {
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "RequestTimeout",
    "RequestTimeoutException",
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
}


class _S3ReadStream(io.RawIOBase):
    """Readable wrapper over a botocore StreamingBody that maps network errors to StorageError."""

    def __init__(self, body, key: str, length: int | None):
        super().__init__()
        self._body = body
        self._key = key
        self.length = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        with _map_s3_errors(self._key):
            data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            with _map_s3_errors(self._key):
                return self._body.read()
        with _map_s3_errors(self._key):
            return self._body.read(size)

    def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(Exception):
                self._body.close()
        super().close()


@contextlib.contextmanager
def _map_s3_errors(key: str | None = None):
    from boto3.exceptions import S3UploadFailedError
    from botocore import exceptions as bce

    what = key or "bucket"
    try:
        yield
    except bce.ClientError as exc:
        raise _from_client_error(exc, what) from exc
    except (
        bce.ConnectionError,
        bce.EndpointConnectionError,
        bce.ConnectionClosedError,
        bce.ReadTimeoutError,
        bce.ConnectTimeoutError,
        bce.HTTPClientError,
        bce.IncompleteReadError,
        bce.ResponseStreamingError,
    ) as exc:
        raise StorageUnavailable(f"S3 unreachable while accessing {what}: {type(exc).__name__}") from exc
    except S3UploadFailedError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, bce.ClientError):
            raise _from_client_error(cause, what) from exc
        raise StorageUnavailable(f"S3 upload of {what} failed") from exc
    except bce.BotoCoreError as exc:
        # Credentials/config problems: retrying will not help.
        raise StorageError(f"S3 error while accessing {what}: {type(exc).__name__}") from exc


def _from_client_error(exc, what: str) -> StorageError:
    error = exc.response.get("Error", {}) or {}
    code = str(error.get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    if code in _NOT_FOUND_CODES or status == 404:
        return BlobNotFound(what)
    if status >= 500 or code in _TRANSIENT_CODES:
        return StorageUnavailable(f"S3 {code or status} for {what}")
    return StorageError(f"S3 {code or status} for {what}")


def _position_and_size(fileobj) -> tuple[int | None, int | None]:
    """(current position, bytes left to EOF) of a seekable file; (None, None) if not seekable."""
    try:
        if hasattr(fileobj, "seekable") and not fileobj.seekable():
            return None, None
        start = fileobj.tell()
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(start)
    except (AttributeError, OSError, ValueError):
        return None, None
    return start, max(0, end - start)


def _error_code(exc) -> str:
    return str((exc.response.get("Error", {}) or {}).get("Code", ""))


def _s3_client(endpoint_url, region, access_key, secret_key, connect: float, read: float, attempts: int):
    """A boto3 S3 client with these timeouts and retries, on a private session (boto3's default
    session is not thread-safe; clients are)."""
    import boto3  # only for the S3 backend (heavy)
    from botocore.config import Config

    extra = {}
    if endpoint_url:
        # Custom endpoints (MinIO, moto, Ceph) generally need path-style addressing and
        # choke on the default CRC checksums newer botocore sends.
        extra = {
            "s3": {"addressing_style": "path"},
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
        }
    session = boto3.session.Session(aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
                                    region_name=region or None)
    config = Config(connect_timeout=connect, read_timeout=read, retries={"max_attempts": attempts, "mode": "standard"},
                    **extra)
    return session.client("s3", endpoint_url=endpoint_url or None, config=config)


class S3Storage(Storage):
    """Objects in one S3 (or S3-compatible: MinIO, moto) bucket."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        max_attempts: int = 3,
        multipart_threshold: int = 64 * 1024 * 1024,
        multipart_chunksize: int = 16 * 1024 * 1024,
    ):
        from boto3.s3.transfer import TransferConfig  # boto3 loads only for the S3 backend (heavy)

        if not bucket:
            raise ValueError("S3Storage needs a bucket name")
        self.bucket = bucket
        self.region = region
        self.endpoint_url = endpoint_url
        self._client = _s3_client(endpoint_url, region, access_key, secret_key, connect_timeout, read_timeout,
                                  max_attempts)
        # /readyz must answer fast: one attempt, short timeouts, no backoff.
        self._ping_client = _s3_client(endpoint_url, region, access_key, secret_key, min(connect_timeout, 2),
                                       min(read_timeout, 5), 1)
        # Up to multipart_threshold an object goes up in one PUT (1 request instead of create +
        # parts + complete). S3 stores a PUT atomically: one that fails stores nothing, so it
        # leaves nothing behind. Above it, a multipart upload: s3transfer aborts it if a part
        # fails, and the orphan sweeper aborts one whose client died or whose abort failed.
        # Parts are read from the file on disk as they are sent (see put_file): bounded memory.
        if multipart_chunksize < 5 * 1024 * 1024:
            raise ValueError("S3 multipart parts must be at least 5 MB")
        self.multipart_threshold = max(int(multipart_threshold), multipart_chunksize)
        self._transfer = TransferConfig(
            multipart_threshold=self.multipart_threshold,
            multipart_chunksize=multipart_chunksize,
            max_concurrency=4,
        )
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()
        self.list_page_size = 1000

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet (idempotent)."""
        self._ensure_bucket(self._client)

    def _ensure_bucket(self, client) -> None:
        from botocore.exceptions import ClientError

        with self._bucket_lock:
            if self._bucket_ready:
                return
            with _map_s3_errors():
                try:
                    client.head_bucket(Bucket=self.bucket)
                except ClientError as exc:
                    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                    if status != 404 and _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                        raise
                    self._create_bucket(client)
            self._bucket_ready = True

    def _create_bucket(self, client) -> None:
        from botocore.exceptions import ClientError

        params = {"Bucket": self.bucket}
        region = self.region or client.meta.region_name
        if region and region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            client.create_bucket(**params)
        except ClientError as exc:
            # Another worker created it first.
            if _error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def put_file(self, key: str, fileobj: BinaryIO) -> None:
        """Upload fileobj (from its current position) under key: one PUT up to
        multipart_threshold bytes, a multipart upload above (or when the size is unknown)."""
        validate_key(key)
        if not self._bucket_ready:
            self.ensure_bucket()
        try:
            with _map_s3_errors(key):
                start, size = _position_and_size(fileobj)
                if start == 0 and size is not None and size <= self.multipart_threshold:
                    # One request, streamed from the file by the HTTP client (no thread pool);
                    # botocore rewinds the body to 0 before a retry, hence start == 0 only.
                    self._client.put_object(Bucket=self.bucket, Key=key, Body=fileobj, ContentLength=size)
                    return
                path = getattr(fileobj, "name", None)
                if isinstance(path, str) and os.path.isfile(path) and start == 0:
                    # From the file on disk: boto reads each part lazily instead of buffering
                    # up to ten parts in memory (a 200 MB upload stays flat in the web process).
                    self._client.upload_file(path, self.bucket, key, Config=self._transfer)
                else:
                    self._client.upload_fileobj(fileobj, self.bucket, key, Config=self._transfer)
        except BlobNotFound as exc:
            # The bucket vanished under us (NoSuchBucket); the caller's retry recreates it.
            self._bucket_ready = False
            raise StorageUnavailable(f"bucket missing while writing {key}") from exc

    def open(self, key: str) -> BinaryIO:
        """Return a streaming reader for key (read(n)/close()); raise BlobNotFound if absent."""
        validate_key(key)
        with _map_s3_errors(key):
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        return _S3ReadStream(response["Body"], key, response.get("ContentLength"))

    def delete(self, key: str) -> None:
        """Delete key; missing keys and a missing bucket are not errors."""
        validate_key(key)
        try:
            with _map_s3_errors(key):
                self._client.delete_object(Bucket=self.bucket, Key=key)
        except BlobNotFound:
            return

    def exists(self, key: str) -> bool:
        """Return True if key is stored."""
        validate_key(key)
        try:
            with _map_s3_errors(key):
                self._client.head_object(Bucket=self.bucket, Key=key)
        except BlobNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        """Return the stored size of key in bytes."""
        validate_key(key)
        with _map_s3_errors(key):
            return int(self._client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])

    def age_seconds(self, key: str) -> float:
        """Seconds since the object under key was last written."""
        validate_key(key)
        with _map_s3_errors(key):
            modified = self._client.head_object(Bucket=self.bucket, Key=key)["LastModified"]
        return time.time() - modified.timestamp()

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Yield keys starting with prefix in lexicographic order (paginated)."""
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            with _map_s3_errors(prefix or None):
                for page in paginator.paginate(
                    Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self.list_page_size}
                ):
                    for item in page.get("Contents", ()) or ():
                        yield item["Key"]
        except BlobNotFound:
            # Missing bucket: nothing stored yet.
            return

    def ping(self) -> None:
        """Check that S3 answers (creating the bucket if missing); raise StorageUnavailable if not."""
        try:
            if self._bucket_ready:
                with _map_s3_errors():
                    self._ping_client.head_bucket(Bucket=self.bucket)
            else:
                self._ensure_bucket(self._ping_client)
        except StorageUnavailable:
            raise
        except BlobNotFound as exc:
            self._bucket_ready = False
            raise StorageUnavailable("bucket is missing") from exc
        except StorageError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"


# --------------------------------------------------------------------------- factory


def build_storage(
    backend: str,
    *,
    storage_dir: str,
    bucket: str | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    **s3_options,
) -> Storage:
    """Build the configured backend: "local" (files under storage_dir) or "s3"."""
    name = (backend or "").strip().lower()
    if name in ("local", "fs", "file", "filesystem"):
        if not storage_dir:
            raise ValueError("local storage needs storage_dir")
        return LocalStorage(storage_dir)
    if name in ("s3", "minio"):
        if not bucket:
            raise ValueError("s3 storage needs a bucket")
        return S3Storage(
            bucket,
            endpoint_url=endpoint_url,
            region=region,
            access_key=access_key,
            secret_key=secret_key,
            **s3_options,  # connect_timeout, read_timeout, max_attempts
        )
    raise ValueError(f"unknown storage backend {backend!r} (expected 'local' or 's3')")
