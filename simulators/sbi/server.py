"""The SBI simulator's HTTP server: 127.0.0.1, the spec's custom verbs, and the wire faults acted out.

Response headers as the specification lists them (reference notes sbi.md section 1): ``CACHE-CONTROL:no-store``,
``LOCATION``, ``Content-Type: application/json``, ``Content-Length``, ``Connection: Closed``; CORS headers as
MOSIP's mock (methods ``OPTIONS, RCAPTURE, CAPTURE, MOSIPDINFO, MOSIPDISC, STREAM, GET, POST``, origin ``*``).
A plain ``GET``/``POST`` on ``/`` is discovery, as in the mock. ``STREAM`` answers ``multipart/x-mixed-replace``
with boundary ``--BoundaryString``.
"""

from __future__ import annotations

import json
import math
import select
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from drivers.protocols import mjpeg
from drivers.protocols import sbi as proto
from simulators.models.seeding import rng
from simulators.sbi.service import Reply, SbiService

BOUNDARY = "--BoundaryString"
CORS_METHODS = "OPTIONS, RCAPTURE, CAPTURE, MOSIPDINFO, MOSIPDISC, STREAM, GET, POST"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    service: SbiService
    connections: set[socket.socket]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "SimSBI/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: events are the log
        pass

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    # ------------------------------------------------------------------ plumbing

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {"__invalid__": True}

    def _head(self, length: int, content_type: str = "application/json") -> None:
        self.send_response(200)
        self.send_header("CACHE-CONTROL", "no-store")
        self.send_header("LOCATION", f"http://127.0.0.1:{self.server.server_address[1]}")
        self.send_header("Content-Type", content_type)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", CORS_METHODS)
        if length >= 0:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "Closed")
        self.end_headers()

    def _client_gone(self, wait: float) -> bool:
        """Wait up to ``wait`` seconds; True when the client closed its side (or the server stops)."""
        if self.server.service.stopping.is_set():
            return True
        try:
            ready, _, _ = select.select([self.connection], [], [], wait)
            if ready:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True
        return False

    def _hold(self, seconds: float) -> bool:
        """Hold the connection for ``seconds``; False when the client left or the server stops first."""
        service = self.server.service
        remaining = seconds
        while remaining > 0:
            step = min(0.05, remaining)
            if self._client_gone(step) or service.stopping.is_set():
                return False
            remaining -= step
        return True

    def _reset(self) -> None:
        """Drop the connection hard (RST), as an unplugged USB device takes its service's socket down."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def _answer(self, reply: Reply) -> None:
        service = self.server.service
        if reply.event:
            service.emit(reply.event)
        body = json.dumps(reply.body).encode("utf-8") if reply.body is not None else b""
        fault = reply.fault
        self.close_connection = True
        if fault is None:
            if reply.stream is not None:
                return self._stream(reply)
            self._head(len(body))
            self.wfile.write(body)
            return
        kind = fault.kind
        if kind == "slow":
            if not self._hold(float(fault.param("seconds", 3.0))):
                return
            self._head(len(body))
            self.wfile.write(body)
        elif kind == "no_answer":
            self._hold(float(fault.param("seconds", math.inf)))
        elif kind == "garbage":
            noise = rng(len(service.events), "garbage").integers(0, 256, size=int(fault.param("size", 512)),
                                                                 dtype="uint8").tobytes()
            self._head(len(noise))
            self.wfile.write(noise)
        elif kind == "truncated":
            cut = body[: max(1, len(body) // 2)] if body else b'{"biometrics": ['
            self._head(len(cut))
            self.wfile.write(cut)
        elif kind == "unplug":
            after = int(fault.param("after_bytes", max(1, len(body) // 2)))
            self._head(len(body) if body else 1024)
            self.wfile.write(body[:after])
            self.wfile.flush()
            service.unplug(float(fault.param("seconds", 0.0)))
            self._reset()

    def _stream(self, reply: Reply) -> None:
        assert reply.stream is not None
        self._head(-1, mjpeg.content_type(BOUNDARY))
        try:
            for jpeg in reply.stream:
                self.wfile.write(mjpeg.encode_part(BOUNDARY, jpeg))
                self.wfile.flush()
        except OSError:
            return  # the client stopped watching

    # ------------------------------------------------------------------ verbs

    def do_MOSIPDISC(self) -> None:  # noqa: N802 - HTTP verb names
        body = self._body()
        self._answer(self.server.service.discover(body if isinstance(body, dict) else {"type": proto.TYPE_ANY}))

    def do_GET(self) -> None:  # noqa: N802
        self._body()
        if self.path.rstrip("/") in ("", "/device"):
            self._answer(self.server.service.discover({"type": proto.TYPE_ANY}))
        else:
            self.send_error(404)

    def do_POST(self) -> None:  # noqa: N802
        self.do_MOSIPDISC()

    def do_MOSIPDINFO(self) -> None:  # noqa: N802
        self._body()
        self._answer(self.server.service.info())

    def do_RCAPTURE(self) -> None:  # noqa: N802
        self._answer(self.server.service.rcapture(self._body()))

    def do_CAPTURE(self) -> None:  # noqa: N802 - authentication capture: not a registration device's verb
        self._body()
        self._answer(Reply({"biometrics": [{"specVersion": proto.SPEC_VERSION, "data": "", "hash": "",
                                            "error": {"errorCode": "118", "errorInfo": "purpose mismatch"}}]},
                           event={"event": "capture", "error": 118}))

    def do_STREAM(self) -> None:  # noqa: N802
        self._answer(self.server.service.stream(self._body() or {}))

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._body()
        self._head(0)


class SbiHttpServer:
    """Serves one ``SbiService`` on 127.0.0.1; ``start``/``stop`` may repeat (a re-plugged service)."""

    def __init__(self, service: SbiService, host: str = proto.HOST, port: int = 0):
        self.service = service
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def _bind(self) -> _Server:
        candidates = [self.port] if self.port else list(proto.PORT_RANGE)
        last: OSError | None = None
        for port in candidates:
            try:
                server = _Server((self.host, port), _Handler)
            except OSError as exc:
                last = exc
                continue
            return server
        raise OSError(f"no free port for the SBI simulator in {candidates[0]}..{candidates[-1]}: {last}")

    def start(self) -> "SbiHttpServer":
        server = self._bind()
        server.service = self.service
        server.connections = set()
        self.port = server.server_address[1]
        self.service.port = self.port
        self.service.stopping.clear()
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sbi-sim-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server = self._server
        if server is None:
            return
        self.service.stopping.set()
        server.shutdown()
        for conn in list(server.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None
