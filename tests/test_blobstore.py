"""The encrypted biometric store: at-rest encryption, key handling, tamper detection, durability of ids."""

from __future__ import annotations

import os
import stat

import pytest

from ektp_station.blobstore import BlobStore, load_or_create_key
from ektp_station.errors import BlobStoreError


@pytest.fixture
def store(tmp_path):
    return BlobStore(tmp_path / "blobs", tmp_path / "keys" / "blob.key")


def test_round_trip_and_ciphertext_does_not_contain_plaintext(store, tmp_path):
    secret = b"FINGERPRINT-PIXELS-" * 100
    blob_id = store.put(secret, prefix="abc123")
    assert store.get(blob_id).data == secret
    on_disk = next((tmp_path / "blobs").rglob("*.ekb")).read_bytes()
    assert b"FINGERPRINT" not in on_disk
    assert on_disk.startswith(b"EKB1")


def test_key_file_created_once_with_0600(tmp_path):
    key_path = tmp_path / "k" / "blob.key"
    first = load_or_create_key(key_path)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert load_or_create_key(key_path) == first
    assert len(first) == 32


def test_key_readable_by_others_is_refused(tmp_path):
    key_path = tmp_path / "blob.key"
    load_or_create_key(key_path)
    os.chmod(key_path, 0o644)
    with pytest.raises(BlobStoreError, match="chmod 600"):
        load_or_create_key(key_path)


def test_other_key_cannot_read(store, tmp_path):
    blob_id = store.put(b"data", prefix="s1")
    other = BlobStore(tmp_path / "blobs", tmp_path / "other.key")
    with pytest.raises(BlobStoreError, match="gagal didekripsi"):
        other.get(blob_id)


def test_tampered_or_renamed_blob_is_rejected(store, tmp_path):
    blob_id = store.put(b"data" * 10, prefix="s1")
    path = next((tmp_path / "blobs").rglob("*.ekb"))
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(BlobStoreError):
        store.get(blob_id)
    good = store.put(b"x", prefix="s1")
    src = store._path(good)
    dst = store._path("s1-" + "0" * 24)
    dst.parent.mkdir(exist_ok=True)
    os.replace(src, dst)
    with pytest.raises(BlobStoreError, match="gagal didekripsi"):
        store.get("s1-" + "0" * 24)


def test_ids_per_session_delete_and_bad_ids(store):
    a = store.put(b"a", prefix="sessa")
    b = store.put(b"b", prefix="sessb")
    assert list(store.ids("sessa")) == [a]
    assert sorted(store.ids()) == sorted([a, b])
    assert store.delete(a) is True
    assert store.delete(a) is False
    with pytest.raises(BlobStoreError, match="tidak ada"):
        store.get(a)
    with pytest.raises(BlobStoreError, match="tidak valid"):
        store.get("../../etc/passwd")


def test_repr_hides_bytes(store):
    blob = store.get(store.put(b"secret-bytes", prefix="s"))
    assert "secret" not in repr(blob)
