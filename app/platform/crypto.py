"""Envelope encryption at rest: per-object AES-256-GCM data keys wrapped by rotating master keys.

Stream format (documents in blob storage)::

    header  = b"COS1" | version u8 | chunk_size u32 BE | nonce_prefix 8 bytes      (17 bytes)
    chunk_i = AES-GCM(data_key, nonce = nonce_prefix | i u32 BE,
                      aad = header | i u64 BE | final u8 | object_aad)               (<= chunk_size + 16)

Every chunk but the last holds exactly ``chunk_size`` plaintext bytes; the last holds
0..chunk_size bytes and is sealed with final=1, so truncation, extension, reordering and
splicing of chunks between objects all fail authentication.  The data key is wrapped
separately (``Keyring.wrap``) and stored next to the object, e.g. in a DB column.

Blob format (small values kept in DB columns, data key embedded)::

    b"COB1" | version u8 | len(wrapped) u16 BE | wrapped (ascii) | nonce 12 | ciphertext+tag
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import os
import re
import struct
from dataclasses import dataclass
from typing import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "CryptoError",
    "InvalidKeyError",
    "Keyring",
    "SealResult",
    "SealingWriter",
    "generate_master_key",
    "key_id_for",
    "make_aad",
    "seal_stream",
    "open_stream",
    "seal_bytes",
    "open_bytes",
    "rewrap_blob",
    "wrapped_key_id",
    "blob_key_id",
]

MAGIC = b"COS1"
BLOB_MAGIC = b"COB1"
FORMAT_VERSION = 1
KEY_LEN = 32
NONCE_LEN = 12
NONCE_PREFIX_LEN = 8
TAG_LEN = 16
DEFAULT_CHUNK_SIZE = 64 * 1024
# A hostile header must not make the reader allocate arbitrarily large buffers.
MAX_CHUNK_SIZE = 16 * 1024 * 1024
# The chunk counter is the last 4 nonce bytes; past this it would wrap and repeat a nonce.
MAX_CHUNKS = 2**32

_HEADER = struct.Struct(">4sBI8s")
HEADER_LEN = _HEADER.size
_CHUNK_POS = struct.Struct(">QB")
_COUNTER = struct.Struct(">I")
_BLOB_HEADER = struct.Struct(">4sBH")
_WRAP_DOMAIN = b"COS-wrap-v1\x00"

_WRAPPED_RE = re.compile(r"([0-9a-f]{8}):([A-Za-z0-9_-]+)")
_WRAPPED_PAYLOAD_LEN = NONCE_LEN + KEY_LEN + TAG_LEN
_AAD_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_AAD_PURPOSE_RE = re.compile(r"[a-z0-9_.:-]{1,64}")


class CryptoError(Exception):
    """Authentication failure, unknown key id or malformed ciphertext."""


class InvalidKeyError(CryptoError, ValueError):
    """A configured master key is not base64 of exactly 32 bytes, or key ids collide."""


# --------------------------------------------------------------------------- helpers


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    # Accept both alphabets, with or without padding, but reject any stray character.
    text = text.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    return base64.b64decode(text, validate=True)


def _check_aad(aad) -> bytes:
    if isinstance(aad, str):
        # A str here is almost always a caller bug (encoding ambiguity); refuse it loudly.
        raise TypeError("aad must be bytes, not str")
    if not isinstance(aad, (bytes, bytearray, memoryview)):
        raise TypeError("aad must be bytes")
    return bytes(aad)


def _check_chunk_size(chunk_size: int) -> int:
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool):
        raise TypeError("chunk_size must be an int")
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK_SIZE}")
    return chunk_size


def _decode_master_key(value) -> bytes:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str) or not value.strip():
        raise InvalidKeyError("master key is empty")
    try:
        raw = _b64d(value)
    except (binascii.Error, ValueError):
        # Never echo the value: it is (almost) a secret.
        raise InvalidKeyError("master key is not valid base64") from None
    if len(raw) != KEY_LEN:
        raise InvalidKeyError(f"master key must decode to {KEY_LEN} bytes, got {len(raw)}")
    return raw


def _wrap_aad(key_id: str, aad: bytes) -> bytes:
    return _WRAP_DOMAIN + key_id.encode("ascii") + aad


def _chunk_aad(header: bytes, index: int, final: bool, aad: bytes) -> bytes:
    # Fixed-length fields first, variable-length object AAD last: the encoding is unambiguous.
    return header + _CHUNK_POS.pack(index, 1 if final else 0) + aad


def _chunk_nonce(prefix: bytes, index: int) -> bytes:
    return prefix + _COUNTER.pack(index)


def _parse_wrapped(wrapped) -> tuple[str, bytes]:
    if not isinstance(wrapped, str):
        raise CryptoError("wrapped key must be a str")
    match = _WRAPPED_RE.fullmatch(wrapped)
    if not match:
        raise CryptoError("malformed wrapped key")
    try:
        payload = _b64d(match.group(2))
    except (binascii.Error, ValueError):
        raise CryptoError("malformed wrapped key") from None
    if len(payload) != _WRAPPED_PAYLOAD_LEN:
        raise CryptoError("malformed wrapped key")
    return match.group(1), payload


def key_id_for(raw_key: bytes) -> str:
    """Return the public id of a raw master key: first 8 hex chars of its SHA-256."""
    return hashlib.sha256(raw_key).hexdigest()[:8]


def generate_master_key() -> str:
    """Return a new master key: base64 of 32 random bytes (suitable for ENCRYPTION_KEY)."""
    return base64.b64encode(os.urandom(KEY_LEN)).decode("ascii")


def make_aad(organization_id, document_id, purpose: str = "original") -> bytes:
    """Build the canonical AAD binding ciphertext to an organization, a document and a purpose."""
    org, doc = str(organization_id), str(document_id)
    if not _AAD_ID_RE.fullmatch(org) or not _AAD_ID_RE.fullmatch(doc):
        raise ValueError("organization_id and document_id must be plain ids")
    if not _AAD_PURPOSE_RE.fullmatch(purpose):
        raise ValueError("purpose must match [a-z0-9_.:-]{1,64}")
    # The character sets above exclude "/", so the fields cannot bleed into each other.
    return f"caseos/v1/org/{org}/doc/{doc}/{purpose}".encode("ascii")


def wrapped_key_id(wrapped: str) -> str:
    """Return the master key id a wrapped data key was sealed under (for rotation sweeps)."""
    return _parse_wrapped(wrapped)[0]


# --------------------------------------------------------------------------- keyring


class Keyring:
    """The current master key (wraps new data keys) plus old keys that may still unwrap."""

    def __init__(self, current_key_b64: str, old_keys_b64: Iterable[str] = ()):
        if isinstance(old_keys_b64, (str, bytes)):
            raise TypeError("old_keys_b64 must be a list; use Keyring.from_env_values for a comma-separated string")
        self._keys: dict[str, tuple[bytes, AESGCM]] = {}
        self.current_key_id: str = self._add(_decode_master_key(current_key_b64))
        for old in old_keys_b64:
            self._add(_decode_master_key(old))

    def _add(self, raw: bytes) -> str:
        kid = key_id_for(raw)
        fingerprint = hashlib.sha256(raw).digest()
        known = self._keys.get(kid)
        if known is not None:
            if not hmac.compare_digest(known[0], fingerprint):
                # Two distinct keys with one id would make unwrap ambiguous.
                raise InvalidKeyError(f"two configured master keys share key id {kid}")
            return kid
        self._keys[kid] = (fingerprint, AESGCM(raw))
        return kid

    @classmethod
    def from_env_values(cls, current: str, old: str | None) -> "Keyring":
        """Build a keyring from ENCRYPTION_KEY and the comma-separated ENCRYPTION_OLD_KEYS."""
        if not current or not current.strip():
            raise InvalidKeyError("ENCRYPTION_KEY is not set")
        olds = [part.strip() for part in (old or "").split(",") if part.strip()]
        return cls(current.strip(), olds)

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Return the ids of all known master keys, current first."""
        return (self.current_key_id, *(k for k in self._keys if k != self.current_key_id))

    def knows(self, key_id: str) -> bool:
        """Return True if this keyring holds the master key with this id."""
        return key_id in self._keys

    def needs_rewrap(self, wrapped: str) -> bool:
        """Return True if a wrapped data key is not under the current master key."""
        return wrapped_key_id(wrapped) != self.current_key_id

    def wrap(self, data_key: bytes, aad: bytes) -> str:
        """Wrap a 32-byte data key under the current master key; returns "keyid:base64url"."""
        aad = _check_aad(aad)
        data_key = bytes(data_key)
        if len(data_key) != KEY_LEN:
            raise ValueError(f"data key must be {KEY_LEN} bytes")
        kid = self.current_key_id
        nonce = os.urandom(NONCE_LEN)
        sealed = self._keys[kid][1].encrypt(nonce, data_key, _wrap_aad(kid, aad))
        return f"{kid}:{_b64e(nonce + sealed)}"

    def unwrap(self, wrapped: str, aad: bytes) -> bytes:
        """Unwrap a data key with whichever known master key (current or old) it names."""
        aad = _check_aad(aad)
        kid, payload = _parse_wrapped(wrapped)
        entry = self._keys.get(kid)
        if entry is None:
            raise CryptoError(f"unknown master key id {kid}")
        try:
            data_key = entry[1].decrypt(payload[:NONCE_LEN], payload[NONCE_LEN:], _wrap_aad(kid, aad))
        except InvalidTag:
            raise CryptoError("wrapped data key failed authentication (wrong key or AAD)") from None
        return data_key

    def rewrap(self, wrapped: str, aad: bytes) -> str:
        """Re-wrap a data key under the current master key; the object's content is untouched."""
        return self.wrap(self.unwrap(wrapped, aad), aad)

    def __repr__(self) -> str:
        return f"Keyring(current={self.current_key_id!r}, keys={list(self.key_ids)!r})"


# --------------------------------------------------------------------------- streams


@dataclass(frozen=True)
class SealResult:
    """Outcome of sealing a stream: what to store next to the ciphertext."""

    wrapped_key: str
    sha256: str  # hex digest of the plaintext
    size: int  # plaintext bytes
    ciphertext_size: int  # bytes written to dst, header included


def _write_all(dst, data: bytes) -> None:
    while data:
        n = dst.write(data)
        # Raw (unbuffered) files may write partially and report how much.
        if n is None or n >= len(data):
            return
        if n <= 0:
            raise OSError("destination refused to accept data")
        data = data[n:]


class SealingWriter:
    """Writable binary file object that encrypts as it is written; close() returns a SealResult.

    The writer never closes ``dst``.  If it is used as a context manager and the block raises,
    no final chunk is written, so the partial output can never be opened as a complete object.
    """

    def __init__(self, keyring: Keyring, dst, aad: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE):
        self._aad = _check_aad(aad)
        self._chunk_size = _check_chunk_size(chunk_size)
        self._dst = dst
        data_key = AESGCM.generate_key(bit_length=256)
        self._aead = AESGCM(data_key)
        self.wrapped_key: str = keyring.wrap(data_key, self._aad)
        # Fresh random prefix per object plus a strictly increasing counter: no nonce repeats,
        # even if a data key were ever (wrongly) reused.
        self._prefix = os.urandom(NONCE_PREFIX_LEN)
        self._header = _HEADER.pack(MAGIC, FORMAT_VERSION, chunk_size, self._prefix)
        self._buf = bytearray()
        self._index = 0
        self._hash = hashlib.sha256()
        self._size = 0
        self._written = 0
        self._result: SealResult | None = None
        self._closed = False
        self._failed = False
        self._out(self._header)

    # io-like surface so the writer can be handed to shutil.copyfileobj and friends
    def writable(self) -> bool:
        """Return True: this object is a writable stream."""
        return True

    def readable(self) -> bool:
        """Return False: this object cannot be read."""
        return False

    def seekable(self) -> bool:
        """Return False: this object cannot seek."""
        return False

    def flush(self) -> None:
        """Do nothing: plaintext is only emitted in whole authenticated chunks."""

    @property
    def closed(self) -> bool:
        """Return True once close() or abort() has been called."""
        return self._closed

    @property
    def result(self) -> SealResult | None:
        """Return the SealResult after a successful close(), else None."""
        return self._result

    @property
    def size(self) -> int:
        """Return the number of plaintext bytes written so far."""
        return self._size

    @property
    def sha256(self) -> str:
        """Return the hex SHA-256 of the plaintext written so far (callers need not hash it again)."""
        return self._hash.hexdigest()

    def _out(self, data: bytes) -> None:
        try:
            _write_all(self._dst, data)
        except BaseException:
            self._failed = True
            raise
        self._written += len(data)

    def _emit(self, final: bool) -> None:
        if self._index >= MAX_CHUNKS:
            self._failed = True
            raise CryptoError("stream too long for this chunk size")
        # encrypt() takes the bytearray as is (no copy); the ciphertext is a new object.
        sealed = self._aead.encrypt(
            _chunk_nonce(self._prefix, self._index),
            self._buf,
            _chunk_aad(self._header, self._index, final, self._aad),
        )
        self._buf.clear()
        self._index += 1
        self._out(sealed)

    def write(self, data) -> int:
        """Encrypt and write bytes; returns the number of plaintext bytes accepted."""
        if self._closed:
            raise ValueError("write to closed SealingWriter")
        if self._failed:
            raise CryptoError("SealingWriter failed earlier; output is incomplete")
        view = memoryview(data).cast("B")
        total = len(view)
        self._hash.update(view)
        self._size += total
        pos = 0
        while pos < total:
            # A full buffer is only sealed once more data arrives: only close() knows what is final.
            if len(self._buf) == self._chunk_size:
                self._emit(final=False)
            take = min(self._chunk_size - len(self._buf), total - pos)
            self._buf += view[pos : pos + take]
            pos += take
        return total

    def close(self) -> SealResult:
        """Seal the final chunk and return the SealResult (idempotent)."""
        if self._result is not None:
            return self._result
        if self._closed or self._failed:
            self._closed = True
            raise CryptoError("SealingWriter was aborted or failed; output is incomplete")
        self._emit(final=True)
        self._closed = True
        self._result = SealResult(
            wrapped_key=self.wrapped_key,
            sha256=self._hash.hexdigest(),
            size=self._size,
            ciphertext_size=self._written,
        )
        return self._result

    def abort(self) -> None:
        """Stop without sealing a final chunk, leaving output that will never open."""
        self._closed = True
        self._failed = True
        self._buf.clear()

    def __enter__(self) -> "SealingWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _iter_source(src, chunk_size: int) -> Iterator[bytes]:
    if isinstance(src, (bytes, bytearray, memoryview)):
        yield bytes(src)
        return
    read = getattr(src, "read", None)
    if read is not None:
        while True:
            piece = read(chunk_size)
            if not piece:
                return
            yield piece
    else:
        for piece in src:
            if isinstance(piece, str) or not isinstance(piece, (bytes, bytearray, memoryview)):
                raise TypeError("source iterator must yield bytes")
            yield piece


def seal_stream(keyring: Keyring, src, dst, aad: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE) -> SealResult:
    """Encrypt a binary file-like (``.read(n)``) or iterator of bytes from src into dst."""
    writer = SealingWriter(keyring, dst, aad, chunk_size)
    try:
        for piece in _iter_source(src, chunk_size):
            writer.write(piece)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


class _IterReader:
    """Adapt an iterator of bytes to .read(n) without buffering more than one piece."""

    def __init__(self, iterable):
        self._it = iter(iterable)
        self._pending = b""

    def read(self, n: int) -> bytes:
        while not self._pending:
            try:
                piece = next(self._it)
            except StopIteration:
                return b""
            self._pending = bytes(piece)
        out, self._pending = self._pending[:n], self._pending[n:]
        return out


def _as_reader(src):
    if isinstance(src, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(src))
    if hasattr(src, "read"):
        return src
    return _IterReader(src)


def _read_exact(reader, n: int) -> bytes:
    parts = []
    remaining = n
    while remaining > 0:
        piece = reader.read(remaining)
        if not piece:
            break
        parts.append(piece)
        remaining -= len(piece)
    return b"".join(parts)


def _parse_header(header: bytes) -> tuple[int, bytes]:
    if len(header) != HEADER_LEN:
        raise CryptoError("ciphertext truncated: incomplete header")
    magic, version, chunk_size, prefix = _HEADER.unpack(header)
    if magic != MAGIC:
        raise CryptoError("not a CaseOS encrypted stream (bad magic)")
    if version != FORMAT_VERSION:
        raise CryptoError(f"unsupported stream format version {version}")
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise CryptoError("malformed stream header (chunk size)")
    return chunk_size, prefix


def open_stream(keyring: Keyring, src, wrapped_key: str, aad: bytes) -> Iterator[bytes]:
    """Decrypt a sealed stream, yielding verified plaintext chunks; raises CryptoError on tampering.

    Key and header problems raise immediately; chunk problems raise during iteration.  Each
    yielded chunk is authentic, but the object is only known to be complete (not truncated)
    once the iterator is exhausted without error, so consumers must not commit results before
    then.  Errors raised by ``src.read`` (e.g. storage outages) propagate unchanged.
    """
    aad = _check_aad(aad)
    data_key = keyring.unwrap(wrapped_key, aad)
    reader = _as_reader(src)
    header = _read_exact(reader, HEADER_LEN)
    chunk_size, prefix = _parse_header(header)
    return _open_chunks(AESGCM(data_key), reader, header, prefix, chunk_size, aad)


def _open_chunks(aead: AESGCM, reader, header: bytes, prefix: bytes, chunk_size: int, aad: bytes) -> Iterator[bytes]:
    sealed_len = chunk_size + TAG_LEN
    current = _read_exact(reader, sealed_len)
    index = 0
    while True:
        if len(current) < TAG_LEN:
            raise CryptoError("ciphertext truncated")
        if len(current) < sealed_len:
            final, following = True, b""
        else:
            # Look one chunk ahead: a full chunk is final only if nothing follows it.
            following = _read_exact(reader, sealed_len)
            final = not following
        if index >= MAX_CHUNKS:
            raise CryptoError("ciphertext too long")
        try:
            plain = aead.decrypt(_chunk_nonce(prefix, index), current, _chunk_aad(header, index, final, aad))
        except InvalidTag:
            raise CryptoError(f"chunk {index} failed authentication (tampered, truncated or reordered)") from None
        yield plain
        if final:
            return
        current = following
        index += 1


# --------------------------------------------------------------------------- small blobs


def _blob_content_aad(aad: bytes) -> bytes:
    return BLOB_MAGIC + bytes([FORMAT_VERSION]) + aad


def _parse_blob(blob) -> tuple[str, bytes]:
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise CryptoError("sealed blob must be bytes")
    blob = bytes(blob)
    if len(blob) < _BLOB_HEADER.size:
        raise CryptoError("sealed blob truncated")
    magic, version, wrapped_len = _BLOB_HEADER.unpack_from(blob)
    if magic != BLOB_MAGIC:
        raise CryptoError("not a CaseOS sealed blob (bad magic)")
    if version != FORMAT_VERSION:
        raise CryptoError(f"unsupported blob format version {version}")
    body = _BLOB_HEADER.size + wrapped_len
    if len(blob) < body + NONCE_LEN + TAG_LEN:
        raise CryptoError("sealed blob truncated")
    try:
        wrapped = blob[_BLOB_HEADER.size : body].decode("ascii")
    except UnicodeDecodeError:
        raise CryptoError("malformed sealed blob") from None
    return wrapped, blob[body:]


def _build_blob(wrapped: str, sealed: bytes) -> bytes:
    raw = wrapped.encode("ascii")
    return _BLOB_HEADER.pack(BLOB_MAGIC, FORMAT_VERSION, len(raw)) + raw + sealed


def seal_bytes(keyring: Keyring, data: bytes, aad: bytes) -> bytes:
    """Encrypt a small value into a self-contained blob (wrapped data key embedded)."""
    aad = _check_aad(aad)
    data_key = AESGCM.generate_key(bit_length=256)
    wrapped = keyring.wrap(data_key, aad)
    nonce = os.urandom(NONCE_LEN)
    sealed = AESGCM(data_key).encrypt(nonce, bytes(data), _blob_content_aad(aad))
    return _build_blob(wrapped, nonce + sealed)


def open_bytes(keyring: Keyring, blob: bytes, aad: bytes) -> bytes:
    """Decrypt a blob made by seal_bytes; raises CryptoError on tampering, wrong AAD or key."""
    aad = _check_aad(aad)
    wrapped, sealed = _parse_blob(blob)
    data_key = keyring.unwrap(wrapped, aad)
    try:
        return AESGCM(data_key).decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], _blob_content_aad(aad))
    except InvalidTag:
        raise CryptoError("sealed blob failed authentication") from None


def rewrap_blob(keyring: Keyring, blob: bytes, aad: bytes) -> bytes:
    """Re-wrap a blob's embedded data key under the current master key; content ciphertext unchanged."""
    aad = _check_aad(aad)
    wrapped, sealed = _parse_blob(blob)
    return _build_blob(keyring.rewrap(wrapped, aad), sealed)


def blob_key_id(blob: bytes) -> str:
    """Return the master key id a seal_bytes blob's data key is wrapped under."""
    return wrapped_key_id(_parse_blob(blob)[0])
