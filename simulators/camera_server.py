"""A simulated IP camera: the synthetic face (``simulators.models.face``) as Motion-JPEG over HTTP, plus writers
of video files and image sequences, so ``drivers.opencv_camera`` runs on every kind of source it accepts.

    GET /stream.mjpg   multipart/x-mixed-replace; boundary=frame (any path but /snapshot.jpg)
    GET /snapshot.jpg  one JPEG

The person is the scenario's ``[applicant]`` (``simulators.sim_person``). Faults (``simulators.scenario``),
asked per connection with operation ``stream`` and per frame with operation ``frame``:

- ``no_answer``: the connection is accepted and nothing is sent (``seconds``, default forever);
- ``slow``: each frame ``seconds`` (default 2) late;
- ``garbage``: a part of random bytes instead of a JPEG; ``truncated``: a part with half a JPEG;
- ``unplug``: the connection is reset after ``after_bytes`` (default one frame) and new connections are reset
  for ``seconds`` (default 0.5); ``replug``: connections are accepted again;
- ``busy``: ``503 Service Unavailable``.

``serve_cli(mode, scenario, host, port)`` (``ektp-sim camera --tcp``) prints ``{"device": "camera", "host",
"port"}`` and one JSON line per connection, fault and disconnection. Only TCP exists (HTTP).
"""

from __future__ import annotations

import json
import math
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from drivers.interfaces import Subject
from drivers.protocols import mjpeg
from simulators import sim_person, stdin_control
from simulators.models import face
from simulators.models.seeding import rng
from simulators.scenario import Scenario

BOUNDARY = "frame"
DEFAULT_SIZE = (480, 640)  # (height, width)


def face_frames(subject: Subject, count: int, size: tuple[int, int] = DEFAULT_SIZE) -> list[np.ndarray]:
    return [face.render(subject.seed, subject.birth_year, subject.sex, size=size, frame=i) for i in range(count)]


def write_image_sequence(directory: str | Path, count: int = 10, subject: Subject = sim_person.DEFAULT_SUBJECT,
                         size: tuple[int, int] = DEFAULT_SIZE, pattern: str = "frame_%03d.png") -> str:
    """PNG frames ``frame_000.png``…; returns the printf pattern OpenCV's CAP_IMAGES opens."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for number, image in enumerate(face_frames(subject, count, size)):
        cv2.imwrite(str(directory / (pattern % number)), image)
    return str(directory / pattern)


def write_video(path: str | Path, count: int = 30, subject: Subject = sim_person.DEFAULT_SUBJECT,
                size: tuple[int, int] = DEFAULT_SIZE, fps: float = 15.0) -> str:
    """An MJPG AVI of the face (OpenCV's built-in writer; FFMPEG reads it back)."""
    h, w = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    if not writer.isOpened():  # pragma: no cover - the OpenCV wheels carry the MJPG writer
        raise RuntimeError("OpenCV cannot write MJPG video here")
    for image in face_frames(subject, count, size):
        writer.write(image)
    writer.release()
    return str(path)


def _seconds(value: Any) -> float | None:
    """A wait for ``Event.wait``: None (forever) when no finite number of seconds is given."""
    return None if value is None or not math.isfinite(float(value)) else float(value)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "MjpegCameraServer"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reset(self) -> None:
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def do_GET(self) -> None:  # noqa: N802
        cam = self.server.owner
        self.server.owner.connections.add(self.connection)
        try:
            self._serve(cam)
        finally:
            cam.connections.discard(self.connection)

    def _serve(self, cam: "MjpegCameraServer") -> None:
        if cam.unplugged:
            cam.emit({"event": "refused", "reason": "unplugged"})
            return self._reset()
        fault = cam.fault("stream")
        if fault is not None:
            cam.emit({"event": "fault", "operation": "stream", "kind": fault.kind})
            if fault.kind == "busy":
                self.send_error(503, "Service Unavailable")
                return
            if fault.kind == "no_answer":
                cam.stopping.wait(_seconds(fault.param("seconds")))
                return
            if fault.kind == "unplug":
                cam.unplug(float(fault.param("seconds", 0.5)))
                return self._reset()
        if self.path.startswith("/snapshot"):
            jpeg = cam.jpeg(0)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(jpeg)))
            self.end_headers()
            self.wfile.write(jpeg)
            return
        self.send_response(200)
        self.send_header("Content-Type", mjpeg.content_type(BOUNDARY))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        cam.emit({"event": "stream", "path": self.path})
        number, sent = 0, 0
        try:
            while not cam.stopping.is_set() and not cam.unplugged:
                fault = cam.fault("frame")
                payload = cam.jpeg(number)
                kind = fault.kind if fault else None
                if fault is not None:
                    cam.emit({"event": "fault", "operation": "frame", "kind": kind, "frame": number})
                if kind == "no_answer":
                    cam.stopping.wait(_seconds(fault.param("seconds")))
                    return
                if kind == "slow":
                    cam.stopping.wait(float(fault.param("seconds", 2.0)))
                if kind == "garbage":
                    payload = rng(number, "camera-garbage").integers(0, 256, size=len(payload), dtype="uint8").tobytes()
                if kind == "truncated":
                    payload = payload[: len(payload) // 2]
                part = mjpeg.encode_part(BOUNDARY, payload)
                if kind == "unplug":
                    self.wfile.write(part[: int(fault.param("after_bytes", len(part) // 2))])
                    self.wfile.flush()
                    cam.unplug(float(fault.param("seconds", 0.5)))
                    return self._reset()
                self.wfile.write(part)
                self.wfile.flush()
                sent += 1
                number += 1
                if cam.period:
                    cam.stopping.wait(cam.period)
        except OSError:
            pass
        finally:
            cam.emit({"event": "disconnected", "frames": sent})


class MjpegCameraServer:
    def __init__(self, scenario: Any = None, subject: Subject | None = None, host: str = "127.0.0.1", port: int = 0,
                 fps: float = 15.0, size: tuple[int, int] = DEFAULT_SIZE,
                 on_event: Callable[[dict[str, Any]], None] | None = None):
        self.scenario_obj: Scenario = sim_person.as_scenario(scenario)
        self.subject = subject or sim_person.subject_of(self.scenario_obj)
        self.host, self.port = host, port
        self.period = 1.0 / fps if fps > 0 else 0.0
        self.size = size
        self.events: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.unplugged_until = 0.0
        self._on_event = on_event
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._cache: dict[int, bytes] = {}

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/stream.mjpg"

    def emit(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(event)
        if self._on_event is not None:
            self._on_event(event)

    def scenario(self, value: Any) -> None:
        scenario = sim_person.as_scenario(value)
        if scenario.applicant:
            self.subject = sim_person.subject_of(scenario)
            self._cache.clear()
        with self._lock:
            self.scenario_obj = scenario

    def fault(self, operation: str):
        with self._lock:
            fault = self.scenario_obj.fault_for(operation, None)
        if fault is not None and fault.kind == "replug":
            self.replug()
            return None
        return fault

    def jpeg(self, number: int) -> bytes:
        key = number % 30  # a 2-second loop of distinct frames at 15 fps
        if key not in self._cache:
            s = self.subject
            image = face.render(s.seed, s.birth_year, s.sex, size=self.size, frame=key)
            self._cache[key] = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
        return self._cache[key]

    @property
    def unplugged(self) -> bool:
        return time.monotonic() < self.unplugged_until

    def unplug(self, seconds: float = math.inf) -> None:
        self.unplugged_until = time.monotonic() + seconds
        for conn in list(self.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.emit({"event": "unplug", "seconds": None if math.isinf(seconds) else seconds})

    def replug(self) -> None:
        self.unplugged_until = 0.0
        self.emit({"event": "replug"})

    def start(self) -> "MjpegCameraServer":
        server = _Server((self.host, self.port), _Handler)
        server.owner = self
        self.port = server.server_address[1]
        self.stopping.clear()
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                         name=f"camera-sim-{self.port}").start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        for conn in list(self.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()

    def __enter__(self) -> "MjpegCameraServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_cli(mode: str, scenario: str | None, host: str, port: int) -> None:
    """Serve the MJPEG camera until killed (``ektp-sim camera --tcp [--scenario FILE]``)."""
    if mode != "tcp":
        raise ValueError("Simulator kamera hanya tersedia melalui TCP (HTTP MJPEG); gunakan --tcp")
    loaded, subject = sim_person.load(scenario)
    lock = threading.Lock()

    def emit(event: dict[str, Any]) -> None:
        with lock:
            sys.stdout.write(json.dumps({"device": "camera", **event}) + "\n")
            sys.stdout.flush()

    cam = MjpegCameraServer(loaded, subject, host or "127.0.0.1", port, on_event=emit).start()
    with lock:
        sys.stdout.write(json.dumps({"device": "camera", "host": cam.host, "port": cam.port,
                                     "url": cam.url}) + "\n")
        sys.stdout.flush()
    stdin_control.start(cam.scenario, cam.unplug, cam.replug, emit)
    try:
        threading.Event().wait()
    finally:
        cam.stop()
