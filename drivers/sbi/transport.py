"""HTTP/1.1 over a loopback socket with SBI's custom verbs, under one deadline per exchange.

SBI services speak plain HTTP with verbs such as ``RCAPTURE`` (reference notes sbi.md section 1). The stdlib and
``requests`` bound each socket read, not the whole exchange, so a device that trickles bytes could hold the
station past its timeout; this small client sets the socket timeout to what is left of the deadline before
every ``recv`` and so never waits longer than asked. It reads ``Content-Length`` bodies, chunked bodies and
bodies delimited by the connection's close, and streams ``multipart/x-mixed-replace`` bodies for ``STREAM``.

Failures become typed errors: refused or reset connections ``DeviceUnavailable`` (the service or device went
away), an exhausted deadline ``DeviceTimeout``, a malformed status line or headers ``ProtocolError``.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Any, Iterator

from drivers.errors import DeviceTimeout, DeviceUnavailable, ProtocolError

#: Largest body accepted (a 4-finger slap of lossless JPEG 2000 records is well under 4 MB).
MAX_BODY = 64 * 1024 * 1024
_MAX_HEAD = 64 * 1024
USER_AGENT = "ektp-station"


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProtocolError(f"Jawaban bukan JSON: {exc}") from None


class Connection:
    """One request and its response on a fresh TCP connection (SBI answers with ``Connection: close``)."""

    def __init__(self, host: str, port: int, deadline: float, label: str):
        self.host, self.port, self.deadline, self.label = host, port, deadline, label
        self.sock: socket.socket | None = None
        self._buf = bytearray()
        self._eof = False

    # ------------------------------------------------------------------ socket with the deadline

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeviceTimeout(f"{self.label} tidak menjawab dalam batas waktu")
        return left

    def connect(self) -> None:
        try:
            self.sock = socket.create_connection((self.host, self.port), timeout=self._left())
        except ConnectionRefusedError:
            raise DeviceUnavailable(f"{self.label}: tidak ada layanan di {self.host}:{self.port}") from None
        except (socket.timeout, TimeoutError):
            raise DeviceTimeout(f"{self.label}: sambungan ke {self.host}:{self.port} tidak terjawab") from None
        except OSError as exc:
            raise DeviceUnavailable(f"{self.label}: sambungan ke {self.host}:{self.port} gagal ({exc.strerror})") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data: bytes) -> None:
        assert self.sock is not None
        try:
            self.sock.settimeout(self._left())
            self.sock.sendall(data)
        except (socket.timeout, TimeoutError):
            raise DeviceTimeout(f"{self.label}: pengiriman permintaan tidak selesai dalam batas waktu") from None
        except OSError as exc:
            raise DeviceUnavailable(f"{self.label}: sambungan terputus saat mengirim ({exc.strerror})") from None

    def _fill(self) -> bool:
        """Read more bytes into the buffer; False at end of stream."""
        if self._eof:
            return False
        assert self.sock is not None
        try:
            self.sock.settimeout(self._left())
            chunk = self.sock.recv(262144)
        except (socket.timeout, TimeoutError):
            raise DeviceTimeout(f"{self.label} tidak menjawab dalam batas waktu") from None
        except OSError as exc:  # reset by peer: the device or its service went away mid-transfer
            raise DeviceUnavailable(f"{self.label}: sambungan terputus di tengah transfer ({exc.strerror})") from None
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    # ------------------------------------------------------------------ HTTP

    def read_head(self) -> tuple[int, str, dict[str, str]]:
        while b"\r\n\r\n" not in self._buf:
            if len(self._buf) > _MAX_HEAD:
                raise ProtocolError(f"{self.label}: kepala jawaban HTTP terlalu panjang")
            if not self._fill():
                if not self._buf:
                    raise DeviceUnavailable(f"{self.label}: sambungan ditutup tanpa jawaban")
                raise ProtocolError(f"{self.label}: jawaban HTTP terpotong sebelum akhir kepala")
        end = self._buf.index(b"\r\n\r\n")
        head = bytes(self._buf[:end]).decode("latin-1")
        del self._buf[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ProtocolError(f"{self.label}: baris status HTTP tidak valid: {lines[0][:60]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise ProtocolError(f"{self.label}: kepala HTTP tidak valid: {line[:60]!r}")
            headers[name.strip().lower()] = value.strip()
        return int(parts[1]), (parts[2] if len(parts) > 2 else ""), headers

    def read_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            if not self._fill():
                raise DeviceUnavailable(
                    f"{self.label}: sambungan terputus di tengah transfer ({len(self._buf)} dari {n} bita)")
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def read_line(self) -> bytes:
        while b"\r\n" not in self._buf:
            if len(self._buf) > _MAX_HEAD or not self._fill():
                raise ProtocolError(f"{self.label}: potongan (chunk) HTTP tidak valid")
        end = self._buf.index(b"\r\n")
        line = bytes(self._buf[:end])
        del self._buf[: end + 2]
        return line

    def read_body(self, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size_text = self.read_line().split(b";")[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise ProtocolError(f"{self.label}: ukuran chunk tidak valid {size_text[:20]!r}") from None
                if size == 0:
                    return bytes(out)
                if len(out) + size > MAX_BODY:
                    raise ProtocolError(f"{self.label}: jawaban terlalu besar")
                out += self.read_exact(size)
                self.read_exact(2)
        if "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise ProtocolError(f"{self.label}: Content-Length tidak valid") from None
            if not 0 <= length <= MAX_BODY:
                raise ProtocolError(f"{self.label}: Content-Length di luar batas ({length})")
            return self.read_exact(length)
        while self._fill():
            if len(self._buf) > MAX_BODY:
                raise ProtocolError(f"{self.label}: jawaban terlalu besar")
        out = bytes(self._buf)
        self._buf.clear()
        return out

    def stream(self, per_chunk_timeout: float) -> Iterator[bytes]:
        """Body chunks as they arrive; each waits at most ``per_chunk_timeout``."""
        if self._buf:
            yield bytes(self._buf)
            self._buf.clear()
        while True:
            self.deadline = time.monotonic() + per_chunk_timeout
            if not self._fill():
                return
            yield bytes(self._buf)
            self._buf.clear()


def request_bytes(verb: str, path: str, host: str, port: int, body: bytes) -> bytes:
    head = (f"{verb} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nEXT: {USER_AGENT}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + body


def exchange(host: str, port: int, verb: str, path: str, payload: Any, timeout: float, label: str) -> Response:
    """Send one request and read the whole response within ``timeout`` seconds."""
    body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode("utf-8")
    conn = Connection(host, port, time.monotonic() + max(0.0, timeout), label)
    try:
        conn.connect()
        conn.send(request_bytes(verb, path, host, port, body))
        status, reason, headers = conn.read_head()
        return Response(status, reason, headers, conn.read_body(headers))
    finally:
        conn.close()


def open_stream(host: str, port: int, verb: str, path: str, payload: Any, timeout: float,
                label: str) -> tuple[Connection, int, dict[str, str]]:
    """Send a request whose answer is a long-lived stream; returns the connection after the response head."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    conn = Connection(host, port, time.monotonic() + max(0.0, timeout), label)
    try:
        conn.connect()
        conn.send(request_bytes(verb, path, host, port, body))
        status, _reason, headers = conn.read_head()
    except BaseException:
        conn.close()
        raise
    return conn, status, headers
