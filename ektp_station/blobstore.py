"""Encrypted store for biometric artefacts (photos, signatures, fingerprints, irises).

Biometric data is specific personal data under UU 27/2022 (Pasal 4) and protected by UU 24/2013 Pasal 84, so every
blob is encrypted at rest with AES-256-GCM. The key is a 32-byte file created on first use with mode 0600
(``<data dir>/keys/blob.key``, or ``EKTP_BLOB_KEY_FILE`` to keep it on another medium). Blob contents never reach
a log: nothing here logs, and ``Blob.__repr__`` hides the bytes.

On-disk format of one blob: ``b"EKB1" | nonce (12 bytes) | ciphertext+tag``; the associated data is the magic plus
the blob id, so a blob renamed to another id does not decrypt. Writes are atomic and durable (temporary file,
fsync, rename, fsync of the folder): once ``put`` returns, a crash cannot lose the blob.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ektp_station.errors import BlobStoreError

MAGIC = b"EKB1"
KEY_BYTES = 32
NONCE_BYTES = 12
_ID_CHARS = set("0123456789abcdefghijklmnopqrstuvwxyz-")


@dataclass(frozen=True)
class Blob:
    blob_id: str
    data: bytes

    def __repr__(self) -> str:  # never print biometric bytes
        return f"Blob({self.blob_id!r}, {len(self.data)} bytes)"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_or_create_key(path: Path) -> bytes:
    """Read the key file, creating it (0600, exclusive) on first run. Refuses a key readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        try:
            os.write(fd, secrets.token_bytes(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_dir(path.parent)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        key = path.read_bytes()
    except OSError as exc:
        raise BlobStoreError(f"Kunci enkripsi tidak dapat dibaca: {path} ({exc.strerror})") from exc
    if mode & 0o077:
        raise BlobStoreError(f"Izin berkas kunci terlalu terbuka ({oct(mode)}): {path}; jalankan chmod 600")
    if len(key) != KEY_BYTES:
        raise BlobStoreError(f"Berkas kunci rusak (panjang {len(key)} bukan {KEY_BYTES} bita): {path}")
    return key


class BlobStore:
    """Content is addressed by an id ``<session>-<random>``, so a session's blobs can be listed and purged."""

    def __init__(self, root: Path, key_file: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._aead = AESGCM(load_or_create_key(Path(key_file)))

    @classmethod
    def from_settings(cls) -> "BlobStore":
        from ektp_station import settings

        p = settings.paths()
        key_file = os.environ.get("EKTP_BLOB_KEY_FILE") or p.key_file
        return cls(p.blobs, Path(key_file))

    def _path(self, blob_id: str) -> Path:
        if not blob_id or not set(blob_id) <= _ID_CHARS:
            raise BlobStoreError(f"Id blob tidak valid: {blob_id!r}")
        return self.root / blob_id[:2] / f"{blob_id}.ekb"

    def put(self, data: bytes, *, prefix: str) -> str:
        blob_id = f"{prefix}-{secrets.token_hex(12)}"
        path = self._path(blob_id)
        path.parent.mkdir(exist_ok=True, mode=0o700)
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = MAGIC + nonce + self._aead.encrypt(nonce, data, MAGIC + blob_id.encode())
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, sealed)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        return blob_id

    def get(self, blob_id: str) -> Blob:
        path = self._path(blob_id)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise BlobStoreError(f"Blob {blob_id} tidak ada (sudah dihapus?)") from None
        if sealed[:4] != MAGIC or len(sealed) < 4 + NONCE_BYTES + 16:
            raise BlobStoreError(f"Blob {blob_id} rusak (format tidak dikenal)")
        nonce, body = sealed[4 : 4 + NONCE_BYTES], sealed[4 + NONCE_BYTES :]
        try:
            return Blob(blob_id, self._aead.decrypt(nonce, body, MAGIC + blob_id.encode()))
        except InvalidTag:
            raise BlobStoreError(f"Blob {blob_id} gagal didekripsi (kunci salah atau data diubah)") from None

    def delete(self, blob_id: str) -> bool:
        path = self._path(blob_id)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True

    def ids(self, prefix: str = "") -> Iterator[str]:
        """Ids of stored blobs, optionally only those of one session (``prefix``)."""
        pattern = f"{prefix}-*.ekb" if prefix else "*.ekb"
        folders = [self.root / prefix[:2]] if len(prefix) >= 2 else sorted(self.root.iterdir())
        for folder in folders:
            if folder.is_dir():
                for item in sorted(folder.glob(pattern)):
                    yield item.stem
        # Temporary files of a write killed before its rename are garbage: remove them as we go.
        for folder in folders:
            if folder.is_dir():
                for tmp in folder.glob(f"{prefix}*.tmp"):
                    tmp.unlink(missing_ok=True)
