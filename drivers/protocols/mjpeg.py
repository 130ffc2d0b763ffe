"""Motion-JPEG over HTTP (``multipart/x-mixed-replace``): framing of the parts, both ways. Pure, no sockets.

A stream is an HTTP response whose ``Content-Type`` is ``multipart/x-mixed-replace; boundary=B``. Each part is::

    --B CRLF
    Content-Type: image/jpeg CRLF
    Content-Length: N CRLF
    CRLF
    <N bytes of JPEG> CRLF

(RFC 2046 section 5.1.1 multipart syntax; MOSIP's mock SBI STREAM and most IP cameras write exactly this,
some with the boundary already starting with ``--``, as the mock's ``--BoundaryString``.) Parts without a
``Content-Length`` are split at the next boundary line. ``MjpegReader.feed`` takes whatever chunk the socket
delivered and returns the complete JPEG payloads found so far.
"""

from __future__ import annotations

from drivers.errors import ProtocolError

#: A part larger than this is refused (a 1080p JPEG is a few hundred kB).
MAX_PART = 16 * 1024 * 1024
_MAX_HEADER = 8192


def content_type(boundary: str) -> str:
    return f"multipart/x-mixed-replace; boundary={boundary}"


def boundary_from_content_type(value: str) -> str:
    """The boundary parameter of a ``multipart/x-mixed-replace`` Content-Type header."""
    kind, _, params = value.partition(";")
    if kind.strip().lower() != "multipart/x-mixed-replace":
        raise ProtocolError(f"Bukan aliran MJPEG (Content-Type {value!r})")
    for param in params.split(";"):
        name, _, val = param.strip().partition("=")
        if name.strip().lower() == "boundary" and val.strip():
            return val.strip().strip('"')
    raise ProtocolError(f"Aliran MJPEG tanpa boundary (Content-Type {value!r})")


def encode_part(boundary: str, jpeg: bytes, mime: str = "image/jpeg") -> bytes:
    """One part, as a server writes it (the boundary line is prefixed with ``--``)."""
    head = f"--{boundary}\r\nContent-Type: {mime}\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode("ascii")
    return head + jpeg + b"\r\n"


class MjpegReader:
    """Incremental parser of a multipart stream body."""

    def __init__(self, boundary: str):
        if not boundary:
            raise ProtocolError("Boundary MJPEG kosong")
        self._marker = b"--" + boundary.encode("ascii").removeprefix(b"--")
        self._alt = boundary.encode("ascii") if boundary.startswith("--") else None
        self._buf = bytearray()

    def _find_boundary(self, start: int = 0) -> tuple[int, int]:
        """(index, length) of the next boundary line marker, or (-1, 0)."""
        i = self._buf.find(self._marker, start)
        return (i, len(self._marker)) if i >= 0 else (-1, 0)

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buf += chunk
        parts: list[bytes] = []
        while True:
            at, size = self._find_boundary()
            if at < 0:
                if len(self._buf) > MAX_PART + _MAX_HEADER:
                    raise ProtocolError("Aliran MJPEG tanpa boundary dalam 16 MB")
                return parts
            end_of_headers = self._buf.find(b"\r\n\r\n", at)
            if end_of_headers < 0:
                if len(self._buf) - at > _MAX_HEADER:
                    raise ProtocolError("Kepala bagian MJPEG terlalu panjang")
                del self._buf[:at]
                return parts
            header_text = bytes(self._buf[at + size : end_of_headers]).decode("latin-1")
            if header_text.startswith("--"):  # closing boundary
                del self._buf[: end_of_headers + 4]
                continue
            length = None
            for line in header_text.split("\r\n"):
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    try:
                        length = int(value.strip())
                    except ValueError:
                        raise ProtocolError(f"Content-Length bagian MJPEG tidak valid: {value.strip()!r}") from None
                    if not 0 <= length <= MAX_PART:
                        raise ProtocolError(f"Bagian MJPEG terlalu besar ({length} bita)")
            body_start = end_of_headers + 4
            if length is not None:
                if len(self._buf) < body_start + length:
                    del self._buf[:at]
                    return parts
                parts.append(bytes(self._buf[body_start : body_start + length]))
                del self._buf[: body_start + length]
            else:
                nxt, _ = self._find_boundary(body_start)
                if nxt < 0:
                    del self._buf[:at]
                    return parts
                parts.append(bytes(self._buf[body_start:nxt]).removesuffix(b"\r\n"))
                del self._buf[:nxt]
