"""Envelope encryption: round trips, tamper detection, nonce uniqueness and key rotation."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.platform import crypto
from app.platform.crypto import (
    CryptoError,
    InvalidKeyError,
    Keyring,
    SealingWriter,
    generate_master_key,
    make_aad,
    open_bytes,
    open_stream,
    rewrap_blob,
    seal_bytes,
    seal_stream,
)

KEY_A = generate_master_key()
KEY_B = generate_master_key()
AAD = make_aad("org-1", "doc-1")
OTHER_AAD = make_aad("org-1", "doc-2")
SMALL = 64  # tiny chunks make multi-chunk property tests cheap

PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def ring() -> Keyring:
    return Keyring(KEY_A)


def seal(keyring, data: bytes, aad: bytes = AAD, chunk_size: int = crypto.DEFAULT_CHUNK_SIZE):
    out = io.BytesIO()
    result = seal_stream(keyring, io.BytesIO(data), out, aad, chunk_size=chunk_size)
    return out.getvalue(), result


def unseal(keyring, sealed: bytes, wrapped: str, aad: bytes = AAD) -> bytes:
    return b"".join(open_stream(keyring, io.BytesIO(sealed), wrapped, aad))


# --------------------------------------------------------------------------- keys


def test_generate_master_key_is_32_random_bytes():
    keys = {generate_master_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(base64.b64decode(k)) == 32 for k in keys)


def test_key_id_is_sha256_prefix():
    raw = base64.b64decode(KEY_A)
    assert Keyring(KEY_A).current_key_id == hashlib.sha256(raw).hexdigest()[:8]


@pytest.mark.parametrize("bad", ["", "   ", "not base64!!", base64.b64encode(b"x" * 16).decode(), base64.b64encode(b"x" * 33).decode()])
def test_invalid_master_keys_rejected(bad):
    with pytest.raises(InvalidKeyError):
        Keyring(bad)


def test_invalid_key_error_does_not_echo_key():
    secretish = base64.b64encode(b"s" * 31).decode()
    with pytest.raises(InvalidKeyError) as info:
        Keyring(secretish)
    assert secretish not in str(info.value)


def test_urlsafe_and_unpadded_master_keys_accepted():
    raw = os.urandom(32)
    std = Keyring(base64.b64encode(raw).decode())
    url = Keyring(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    assert std.current_key_id == url.current_key_id


def test_from_env_values_parses_comma_separated_old_keys():
    key_c = generate_master_key()
    ring = Keyring.from_env_values(KEY_B, f" {KEY_A} ,, {key_c} ,")
    assert ring.key_ids == (Keyring(KEY_B).current_key_id, Keyring(KEY_A).current_key_id, Keyring(key_c).current_key_id)
    assert Keyring.from_env_values(KEY_B, None).key_ids == (ring.current_key_id,)
    assert Keyring.from_env_values(KEY_B, "").key_ids == (ring.current_key_id,)
    with pytest.raises(InvalidKeyError):
        Keyring.from_env_values("", None)


def test_old_keys_as_string_is_a_type_error():
    with pytest.raises(TypeError):
        Keyring(KEY_B, KEY_A)


def test_repr_does_not_leak_key_material(ring):
    assert KEY_A not in repr(ring)
    assert ring.current_key_id in repr(ring)


def test_wrap_unwrap_round_trip_and_format(ring):
    data_key = os.urandom(32)
    wrapped = ring.wrap(data_key, AAD)
    kid, _, payload = wrapped.partition(":")
    assert kid == ring.current_key_id
    assert len(wrapped) <= 200  # fits documents.wrapped_key
    assert ring.unwrap(wrapped, AAD) == data_key
    assert crypto.wrapped_key_id(wrapped) == kid


def test_unwrap_failures(ring):
    wrapped = ring.wrap(os.urandom(32), AAD)
    with pytest.raises(CryptoError):
        ring.unwrap(wrapped, OTHER_AAD)
    with pytest.raises(CryptoError):
        Keyring(KEY_B).unwrap(wrapped, AAD)  # unknown key id
    with pytest.raises(CryptoError):
        ring.unwrap("garbage", AAD)
    with pytest.raises(CryptoError):
        ring.unwrap(wrapped[:-2], AAD)
    # Claiming another key's id makes that key try, and fail, to authenticate.
    forged = Keyring(KEY_B).current_key_id + wrapped[8:]
    with pytest.raises(CryptoError):
        Keyring(KEY_B).unwrap(forged, AAD)


def test_aad_must_be_bytes(ring):
    with pytest.raises(TypeError):
        ring.wrap(os.urandom(32), "org-1/doc-1")


def test_make_aad_rejects_ambiguous_ids():
    assert make_aad("o", "d", "page:3") != make_aad("o", "d", "page:4")
    with pytest.raises(ValueError):
        make_aad("o/x", "d")
    with pytest.raises(ValueError):
        make_aad("o", "d", "Bad Purpose")


# --------------------------------------------------------------------------- stream round trips


@pytest.mark.parametrize(
    "size",
    [0, 1, SMALL - 1, SMALL, SMALL + 1, 2 * SMALL, 3 * SMALL + 7],
)
def test_round_trip_small_chunks(ring, size):
    data = os.urandom(size)
    sealed, result = seal(ring, data, chunk_size=SMALL)
    assert unseal(ring, sealed, result.wrapped_key) == data
    assert result.size == size
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.ciphertext_size == len(sealed)
    chunks = max(1, -(-size // SMALL))
    assert len(sealed) == crypto.HEADER_LEN + size + chunks * crypto.TAG_LEN


@pytest.mark.parametrize("size", [0, 10, crypto.DEFAULT_CHUNK_SIZE, crypto.DEFAULT_CHUNK_SIZE + 1, 3 * 1024 * 1024 + 123])
def test_round_trip_default_chunk_size(ring, size):
    data = os.urandom(size)
    sealed, result = seal(ring, data)
    assert unseal(ring, sealed, result.wrapped_key) == data
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_empty_stream_is_header_plus_one_tag(ring):
    sealed, result = seal(ring, b"")
    assert len(sealed) == crypto.HEADER_LEN + crypto.TAG_LEN
    assert sealed[:4] == b"COS1"
    assert unseal(ring, sealed, result.wrapped_key) == b""


def test_seal_stream_accepts_iterators_and_open_stream_accepts_iterators(ring):
    pieces = [b"a", b"", b"bc" * 50, os.urandom(300)]
    out = io.BytesIO()
    result = seal_stream(ring, iter(pieces), out, AAD, chunk_size=SMALL)
    sealed = out.getvalue()
    assert result.size == sum(map(len, pieces))
    ragged = (sealed[i : i + 7] for i in range(0, len(sealed), 7))
    assert b"".join(open_stream(ring, ragged, result.wrapped_key, AAD)) == b"".join(pieces)


def test_seal_stream_rejects_str_items(ring):
    with pytest.raises(TypeError):
        seal_stream(ring, iter(["text"]), io.BytesIO(), AAD)


@given(data=st.binary(max_size=700), cuts=st.lists(st.integers(0, 700), max_size=8), chunk=st.integers(1, 130))
@PROPS
def test_sealing_writer_independent_of_write_boundaries(ring, data, cuts, chunk):
    out = io.BytesIO()
    writer = SealingWriter(ring, out, AAD, chunk_size=chunk)
    edges = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    for lo, hi in zip(edges, edges[1:]):
        writer.write(memoryview(data)[lo:hi])
        assert len(writer._buf) <= chunk  # bounded memory
    result = writer.close()
    assert writer.close() is result
    assert writer.result is result
    assert result.ciphertext_size == len(out.getvalue())
    assert unseal(ring, out.getvalue(), result.wrapped_key) == data


def test_sealing_writer_context_manager_aborts_on_error(ring):
    out = io.BytesIO()
    with pytest.raises(RuntimeError):
        with SealingWriter(ring, out, AAD, chunk_size=SMALL) as writer:
            writer.write(os.urandom(3 * SMALL))
            raise RuntimeError("upload interrupted")
    assert writer.result is None
    # The partial output must never open as a complete object.
    with pytest.raises(CryptoError):
        unseal(ring, out.getvalue(), writer.wrapped_key)
    with pytest.raises(ValueError):
        writer.write(b"more")
    with pytest.raises(CryptoError):
        writer.close()


def test_sealing_writer_works_with_copyfileobj(ring):
    import shutil

    data = os.urandom(200_000)
    out = io.BytesIO()
    writer = SealingWriter(ring, out, AAD)
    shutil.copyfileobj(io.BytesIO(data), writer)
    result = writer.close()
    assert unseal(ring, out.getvalue(), result.wrapped_key) == data


def test_open_stream_memory_is_bounded(ring, tmp_path):
    src_path = tmp_path / "sealed.bin"
    data_size = 8 * 1024 * 1024
    with open(src_path, "wb") as dst:
        # Generate plaintext piecewise so the test itself stays small in memory too.
        result = seal_stream(ring, (os.urandom(1 << 16) for _ in range(data_size >> 16)), dst, AAD)
    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        with open(src_path, "rb") as src:
            for piece in open_stream(ring, src, result.wrapped_key, AAD):
                digest.update(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == result.sha256
    assert peak < 8 * crypto.DEFAULT_CHUNK_SIZE


def test_ciphertext_contains_no_plaintext_marker(ring):
    marker = b"PRIVILEGED-ATTORNEY-CLIENT-MARKER"
    data = marker * 5000
    sealed, result = seal(ring, data)
    assert marker not in sealed
    assert marker[:12] not in sealed
    assert marker not in seal_bytes(ring, data, AAD)
    assert marker not in result.wrapped_key.encode()


# --------------------------------------------------------------------------- tamper detection


@given(data=st.binary(max_size=300), where=st.integers(min_value=0), bit=st.integers(0, 7))
@PROPS
def test_any_bit_flip_is_detected(ring, data, where, bit):
    sealed, result = seal(ring, data, chunk_size=SMALL)
    pos = where % len(sealed)
    tampered = bytearray(sealed)
    tampered[pos] ^= 1 << bit
    with pytest.raises(CryptoError):
        unseal(ring, bytes(tampered), result.wrapped_key)


@given(data=st.binary(max_size=300), cut=st.integers(min_value=0))
@PROPS
def test_any_truncation_is_detected(ring, data, cut):
    sealed, result = seal(ring, data, chunk_size=SMALL)
    cut %= len(sealed)  # strictly shorter than the original
    with pytest.raises(CryptoError):
        unseal(ring, sealed[:cut], result.wrapped_key)


@given(chunks=st.integers(2, 6), tail=st.integers(0, SMALL - 1))
@PROPS
def test_truncation_at_every_chunk_boundary_is_detected(ring, chunks, tail):
    data = os.urandom((chunks - 1) * SMALL + tail + 1)
    sealed, result = seal(ring, data, chunk_size=SMALL)
    step = SMALL + crypto.TAG_LEN
    boundaries = range(crypto.HEADER_LEN, len(sealed), step)
    assert len(boundaries) == chunks
    for boundary in boundaries:
        with pytest.raises(CryptoError):
            unseal(ring, sealed[:boundary], result.wrapped_key)


@given(data=st.binary(max_size=300), extra=st.binary(min_size=1, max_size=200))
@PROPS
def test_appended_data_is_detected(ring, data, extra):
    sealed, result = seal(ring, data, chunk_size=SMALL)
    with pytest.raises(CryptoError):
        unseal(ring, sealed + extra, result.wrapped_key)


def test_appending_a_valid_chunk_copy_is_detected(ring):
    data = os.urandom(3 * SMALL)
    sealed, result = seal(ring, data, chunk_size=SMALL)
    step = SMALL + crypto.TAG_LEN
    first_chunk = sealed[crypto.HEADER_LEN : crypto.HEADER_LEN + step]
    with pytest.raises(CryptoError):
        unseal(ring, sealed + first_chunk, result.wrapped_key)


def _chunks(sealed: bytes, chunk_size: int) -> tuple[bytes, list[bytes]]:
    step = chunk_size + crypto.TAG_LEN
    body = sealed[crypto.HEADER_LEN :]
    return sealed[: crypto.HEADER_LEN], [body[i : i + step] for i in range(0, len(body), step)]


@given(chunks=st.integers(2, 6), i=st.integers(0, 5), j=st.integers(0, 5))
@PROPS
def test_reordering_chunks_is_detected(ring, chunks, i, j):
    i, j = i % chunks, j % chunks
    if i == j:
        j = (i + 1) % chunks
    data = os.urandom(chunks * SMALL)  # all chunks full size, so any order parses
    sealed, result = seal(ring, data, chunk_size=SMALL)
    header, parts = _chunks(sealed, SMALL)
    parts[i], parts[j] = parts[j], parts[i]
    with pytest.raises(CryptoError):
        unseal(ring, header + b"".join(parts), result.wrapped_key)


@given(index=st.integers(0, 3))
@settings(max_examples=10, deadline=None)
def test_swapping_chunks_between_objects_is_detected(ring, index):
    one, r1 = seal(ring, os.urandom(4 * SMALL), chunk_size=SMALL)
    two, r2 = seal(ring, os.urandom(4 * SMALL), chunk_size=SMALL)
    h1, p1 = _chunks(one, SMALL)
    _, p2 = _chunks(two, SMALL)
    p1[index] = p2[index]
    with pytest.raises(CryptoError):
        unseal(ring, h1 + b"".join(p1), r1.wrapped_key)
    # Nor does another object's header + body open with this object's key.
    with pytest.raises(CryptoError):
        unseal(ring, two, r1.wrapped_key)


def test_wrong_aad_is_detected(ring):
    sealed, result = seal(ring, os.urandom(500), chunk_size=SMALL)
    with pytest.raises(CryptoError):
        unseal(ring, sealed, result.wrapped_key, aad=OTHER_AAD)


def test_wrong_master_key_is_detected(ring):
    sealed, result = seal(ring, os.urandom(500), chunk_size=SMALL)
    with pytest.raises(CryptoError):
        unseal(Keyring(KEY_B), sealed, result.wrapped_key)


def test_key_and_header_errors_raise_before_iteration(ring):
    sealed, result = seal(ring, os.urandom(100))
    with pytest.raises(CryptoError):
        open_stream(Keyring(KEY_B), io.BytesIO(sealed), result.wrapped_key, AAD)
    with pytest.raises(CryptoError):
        open_stream(ring, io.BytesIO(b"XXXX" + sealed[4:]), result.wrapped_key, AAD)
    with pytest.raises(CryptoError):
        open_stream(ring, io.BytesIO(sealed[:5]), result.wrapped_key, AAD)
    huge = bytearray(sealed)
    huge[5:9] = (crypto.MAX_CHUNK_SIZE + 1).to_bytes(4, "big")
    with pytest.raises(CryptoError):
        open_stream(ring, io.BytesIO(bytes(huge)), result.wrapped_key, AAD)


def test_source_errors_propagate_unchanged(ring):
    sealed, result = seal(ring, os.urandom(1000), chunk_size=SMALL)

    class Flaky(io.BytesIO):
        def read(self, n=-1):
            if self.tell() > 300:
                raise ConnectionResetError("storage went away")
            return super().read(n)

    with pytest.raises(ConnectionResetError):
        b"".join(open_stream(ring, Flaky(sealed), result.wrapped_key, AAD))


# --------------------------------------------------------------------------- nonce uniqueness


def test_nonces_and_data_keys_never_repeat(ring):
    chunk_nonces, wrap_nonces, data_keys = set(), set(), set()
    total_chunks = 0
    for _ in range(300):
        sealed, result = seal(ring, os.urandom(5 * SMALL + 3), chunk_size=SMALL)
        prefix = sealed[9 : crypto.HEADER_LEN]
        count = 6
        for i in range(count):
            chunk_nonces.add(prefix + i.to_bytes(4, "big"))
        total_chunks += count
        wrap_nonces.add(crypto._b64d(result.wrapped_key.split(":")[1])[: crypto.NONCE_LEN])
        data_keys.add(ring.unwrap(result.wrapped_key, AAD))
    for _ in range(100):
        blob = seal_bytes(ring, b"x", AAD)
        wrapped, body = crypto._parse_blob(blob)
        wrap_nonces.add(crypto._b64d(wrapped.split(":")[1])[: crypto.NONCE_LEN])
        chunk_nonces.add(body[: crypto.NONCE_LEN])
        total_chunks += 1
    assert len(chunk_nonces) == total_chunks
    assert len(wrap_nonces) == 400
    assert len(data_keys) == 300


# --------------------------------------------------------------------------- rotation


def test_rotation_of_streams():
    ring_a = Keyring(KEY_A)
    data = os.urandom(5000)
    sealed, result = seal(ring_a, data, chunk_size=SMALL)

    rotating = Keyring(KEY_B, [KEY_A])
    assert rotating.current_key_id == Keyring(KEY_B).current_key_id
    assert unseal(rotating, sealed, result.wrapped_key) == data
    assert rotating.needs_rewrap(result.wrapped_key)

    rewrapped = rotating.rewrap(result.wrapped_key, AAD)
    assert crypto.wrapped_key_id(rewrapped) == rotating.current_key_id
    assert not rotating.needs_rewrap(rewrapped)

    only_b = Keyring(KEY_B)
    assert unseal(only_b, sealed, rewrapped) == data  # ciphertext untouched
    with pytest.raises(CryptoError):
        unseal(only_b, sealed, result.wrapped_key)
    with pytest.raises(CryptoError):
        rotating.rewrap(result.wrapped_key, OTHER_AAD)


def test_rotation_of_blobs():
    ring_a = Keyring(KEY_A)
    payload = b'{"summary": "motion to dismiss"}'
    blob = seal_bytes(ring_a, payload, AAD)
    assert crypto.blob_key_id(blob) == ring_a.current_key_id

    rotating = Keyring(KEY_B, [KEY_A])
    assert open_bytes(rotating, blob, AAD) == payload
    new_blob = rewrap_blob(rotating, blob, AAD)
    assert crypto.blob_key_id(new_blob) == rotating.current_key_id
    # Content ciphertext (nonce + sealed data) is byte-for-byte unchanged.
    assert crypto._parse_blob(new_blob)[1] == crypto._parse_blob(blob)[1]

    only_b = Keyring(KEY_B)
    assert open_bytes(only_b, new_blob, AAD) == payload
    with pytest.raises(CryptoError):
        open_bytes(only_b, blob, AAD)


def test_duplicate_keys_are_tolerated():
    ring = Keyring(KEY_A, [KEY_A, KEY_B, KEY_B])
    assert len(ring.key_ids) == 2


# --------------------------------------------------------------------------- blobs


@pytest.mark.parametrize("size", [0, 1, 100, 100_000])
def test_blob_round_trip(ring, size):
    data = os.urandom(size)
    assert open_bytes(ring, seal_bytes(ring, data, AAD), AAD) == data


def test_blob_wrong_aad_or_key(ring):
    blob = seal_bytes(ring, b"text of page 3", make_aad("o", "d", "page:3"))
    with pytest.raises(CryptoError):
        open_bytes(ring, blob, make_aad("o", "d", "page:4"))
    with pytest.raises(CryptoError):
        open_bytes(Keyring(KEY_B), blob, make_aad("o", "d", "page:3"))


@given(data=st.binary(max_size=200), where=st.integers(min_value=0), bit=st.integers(0, 7))
@PROPS
def test_blob_bit_flips_are_detected(ring, data, where, bit):
    blob = bytearray(seal_bytes(ring, data, AAD))
    blob[where % len(blob)] ^= 1 << bit
    with pytest.raises(CryptoError):
        open_bytes(ring, bytes(blob), AAD)


@given(data=st.binary(max_size=200), cut=st.integers(min_value=0))
@PROPS
def test_blob_truncation_is_detected(ring, data, cut):
    blob = seal_bytes(ring, data, AAD)
    with pytest.raises(CryptoError):
        open_bytes(ring, blob[: cut % len(blob)], AAD)


def test_blob_swapping_wrapped_keys_is_detected(ring):
    one = seal_bytes(ring, b"one", AAD)
    two = seal_bytes(ring, b"two", AAD)
    w1, _ = crypto._parse_blob(one)
    _, s2 = crypto._parse_blob(two)
    with pytest.raises(CryptoError):
        open_bytes(ring, crypto._build_blob(w1, s2), AAD)


@pytest.mark.parametrize("junk", [b"", b"COB1", b"nonsense" * 10, "not bytes"])
def test_malformed_blobs(ring, junk):
    with pytest.raises(CryptoError):
        open_bytes(ring, junk, AAD)
