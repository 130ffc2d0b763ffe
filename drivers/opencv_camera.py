"""A camera through OpenCV's ``VideoCapture``: a webcam or capture card, a video file, an image sequence, an
RTSP or MJPEG-over-HTTP stream.

URL (``station.toml`` ``url``)::

    opencv://0                         device index 0 (V4L2 on Linux)
    v4l2:///dev/video2                 a V4L2 device node
    file:///srv/foto/uji.avi           a video file (FFMPEG)
    images:///srv/foto/f_%03d.png      an image sequence, printf pattern (CAP_IMAGES; "%" is literal here)
    rtsp://192.168.1.64/stream1        an IP camera (FFMPEG)
    http://127.0.0.1:8080/stream.mjpg  MJPEG over HTTP (FFMPEG)

Options (URL query or driver options; the URL wins): ``resolution`` (``1280x720``), ``fps``, ``fourcc``
(e.g. ``MJPG``, set before the size as UVC cameras want), ``exposure`` (backend units; V4L2: 1..5000 in
100 µs), ``auto_exposure`` (``true``/``false``; V4L2 values 3/1), ``buffersize`` (default 1 for live sources),
``loop`` (files and sequences start again at the end; default true), ``strict`` (a setting the backend ignores
is a ``DeviceConfigError`` instead of a note in ``info().extra["ignored"]``), ``open_timeout`` and
``read_timeout`` (seconds, default 5 and 3), ``flush`` (frames dropped before a still, default 0).

``set()`` returning True is not trusted: every setting is read back with ``get()`` (OpenCV backends accept
what they then ignore). Every ``read()`` runs on a worker thread bounded by ``read_timeout`` and FFMPEG is given
the same open/read timeouts, so a silent camera is a ``DeviceTimeout``, never a hang; a source that stops
delivering is ``DeviceUnavailable`` and the next call opens it again (re-plug).
"""

from __future__ import annotations

import concurrent.futures
import math
import time
from typing import Any, Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

import cv2
import numpy as np

from drivers.errors import DeviceConfigError, DeviceNotFound, DeviceTimeout, DeviceUnavailable, ProtocolError
from drivers.interfaces import Camera, DeviceInfo, Still
from drivers.options import flag as _flag

_OPTIONS = {"resolution", "fps", "fourcc", "exposure", "auto_exposure", "buffersize", "loop", "strict",
            "open_timeout", "read_timeout", "flush"}  # fmt: skip
#: V4L2's CAP_PROP_AUTO_EXPOSURE values: 3 = aperture priority (auto), 1 = manual.
_V4L2_AUTO, _V4L2_MANUAL = 3.0, 1.0


def _positive(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DeviceConfigError(f"Opsi {name} harus bilangan, bukan {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise DeviceConfigError(f"Opsi {name} harus lebih dari 0")
    return number


class OpenCvCamera(Camera):
    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        parts = urlsplit(url)
        try:
            query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
        except ValueError:
            raise DeviceConfigError(f"Opsi pada URL {url!r} tidak dapat dibaca") from None
        settings = {**options, **query}
        unknown = set(settings) - _OPTIONS
        if unknown:
            raise DeviceConfigError(f"Opsi kamera OpenCV tidak dikenal: {', '.join(sorted(unknown))} "
                                    f"(pilihan: {', '.join(sorted(_OPTIONS))})")
        scheme = parts.scheme.lower()
        if scheme == "opencv":
            index = parts.netloc or parts.path.strip("/")
            if not index.isdigit():
                raise DeviceConfigError(f"Indeks kamera harus bilangan: {url!r} (contoh opencv://0)")
            self.source: Any = int(index)
            self.api, self.live, self.kind_name = cv2.CAP_V4L2, True, "device"
        elif scheme == "v4l2":
            self.source, self.api, self.live, self.kind_name = unquote(parts.path), cv2.CAP_V4L2, True, "device"
        elif scheme == "file":
            self.source, self.api, self.live, self.kind_name = unquote(parts.path), cv2.CAP_FFMPEG, False, "file"
        elif scheme == "images":
            # No unquoting: the printf pattern's "%03d" is not a URL escape.
            self.source, self.api, self.live, self.kind_name = parts.path, cv2.CAP_IMAGES, False, "images"
        elif scheme in ("rtsp", "rtsps", "http", "https"):
            network = parts._replace(query="").geturl()
            self.source, self.api, self.live, self.kind_name = network, cv2.CAP_FFMPEG, True, "network"
        else:
            raise DeviceConfigError(f"URL kamera OpenCV tidak dikenal: {url!r} (opencv://0, v4l2://, file://, "
                                    "images://, rtsp://, http://)")
        if not self.source and self.source != 0:
            raise DeviceConfigError(f"URL kamera tanpa sumber: {url!r}")
        self.resolution: tuple[int, int] | None = None
        if "resolution" in settings:
            w, _, h = str(settings["resolution"]).lower().partition("x")
            if not (w.isdigit() and h.isdigit() and 16 <= int(w) <= 16384 and 16 <= int(h) <= 16384):
                raise DeviceConfigError(f"resolution harus LEBARxTINGGI, bukan {settings['resolution']!r}")
            self.resolution = (int(w), int(h))
        self.fps = _positive(settings["fps"], "fps") if "fps" in settings else None
        self.fourcc = str(settings["fourcc"]) if "fourcc" in settings else None
        if self.fourcc is not None and len(self.fourcc) != 4:
            raise DeviceConfigError("fourcc harus 4 karakter, misalnya MJPG")
        self.exposure = float(settings["exposure"]) if "exposure" in settings else None
        self.auto_exposure = _flag(settings["auto_exposure"], "auto_exposure") if "auto_exposure" in settings else None
        self.buffersize = int(_positive(settings.get("buffersize", 1), "buffersize"))
        self.loop = _flag(settings.get("loop", True), "loop")
        self.strict = _flag(settings.get("strict", False), "strict")
        self.open_timeout = _positive(settings.get("open_timeout", 5.0), "open_timeout")
        self.read_timeout = _positive(settings.get("read_timeout", 3.0), "read_timeout")
        try:
            self.flush = int(settings.get("flush", 0))
        except ValueError:
            raise DeviceConfigError("flush harus bilangan bulat") from None
        self._cap: Any = None
        self._worker: concurrent.futures.ThreadPoolExecutor | None = None
        self.is_open = False
        self._broken = False
        self.ignored: dict[str, Any] = {}

    # ------------------------------------------------------------------ worker with a deadline

    def _run(self, fn, timeout: float, what: str):
        if self._worker is None:
            self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="opencv-cam")
        future = self._worker.submit(fn)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            # The backend is stuck in a call: abandon that worker (and its capture) and start afresh next time.
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker, self._cap, self._broken = None, None, True
            raise DeviceTimeout(f"Kamera tidak menjawab dalam {timeout:g} detik ({what})") from None

    def _params(self, open_timeout: float) -> list[int]:
        return [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, max(1, int(open_timeout * 1000)),
                cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.read_timeout * 1000)]

    def _open_capture(self, limit: float | None = None) -> None:
        """Open the source within ``limit`` seconds (default ``open_timeout``)."""
        open_timeout = min(self.open_timeout, limit) if limit is not None else self.open_timeout

        def create():
            if self.api == cv2.CAP_IMAGES:
                return cv2.VideoCapture(self.source, self.api)
            return cv2.VideoCapture(self.source, self.api, self._params(open_timeout))

        cap = self._run(create, open_timeout + 0.25, "membuka")
        if cap is None or not cap.isOpened():
            raise DeviceUnavailable(f"Kamera {self.url} tidak dapat dibuka")
        self._cap = cap
        self._broken = False
        self._apply_settings()

    def _apply_settings(self) -> None:
        cap = self._cap
        wanted: list[tuple[str, int, float]] = []
        if self.fourcc:
            wanted.append(("fourcc", cv2.CAP_PROP_FOURCC, float(cv2.VideoWriter_fourcc(*self.fourcc))))
        if self.resolution:
            wanted += [("width", cv2.CAP_PROP_FRAME_WIDTH, float(self.resolution[0])),
                       ("height", cv2.CAP_PROP_FRAME_HEIGHT, float(self.resolution[1]))]
        if self.fps:
            wanted.append(("fps", cv2.CAP_PROP_FPS, self.fps))
        if self.live and self.kind_name == "device":
            wanted.append(("buffersize", cv2.CAP_PROP_BUFFERSIZE, float(self.buffersize)))
        if self.auto_exposure is not None:
            wanted.append(("auto_exposure", cv2.CAP_PROP_AUTO_EXPOSURE,
                           _V4L2_AUTO if self.auto_exposure else _V4L2_MANUAL))
        if self.exposure is not None:
            wanted.append(("exposure", cv2.CAP_PROP_EXPOSURE, self.exposure))
        ignored: dict[str, Any] = {}
        for name, prop, value in wanted:
            cap.set(prop, value)
            got = cap.get(prop)
            if not math.isclose(got, value, rel_tol=0.01, abs_tol=0.5):
                ignored[name] = {"diminta": value, "didapat": got}
        self.ignored = ignored
        if ignored and self.strict:
            names = ", ".join(f"{k} (diminta {v['diminta']:g}, didapat {v['didapat']:g})" for k, v in ignored.items())
            raise DeviceConfigError(f"Kamera mengabaikan pengaturan: {names}")

    # ------------------------------------------------------------------ life cycle

    def open(self) -> None:
        try:
            self._open_capture()
        except DeviceUnavailable as exc:
            raise DeviceNotFound(exc.message) from exc
        except DeviceTimeout as exc:
            raise DeviceNotFound(f"Kamera {self.url} tidak menjawab saat dibuka") from exc
        self.is_open = True

    def close(self) -> None:
        self.is_open = False
        cap, self._cap = self._cap, None
        worker, self._worker = self._worker, None
        if cap is not None and worker is not None:
            try:
                worker.submit(cap.release).result(timeout=2.0)
            except concurrent.futures.TimeoutError:
                pass
        if worker is not None:
            worker.shutdown(wait=False, cancel_futures=True)

    def info(self) -> DeviceInfo:
        extra: dict[str, Any] = {"source": self.kind_name, "ignored": dict(self.ignored)}
        backend = ""
        if self._cap is not None:
            extra.update(width=int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                         height=int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)), fps=self._cap.get(cv2.CAP_PROP_FPS))
            try:
                backend = self._cap.getBackendName()
            except cv2.error:
                backend = ""
        return DeviceInfo(kind=self.kind, driver="opencv", model=f"OpenCV {backend or '?'} ({self.kind_name})",
                          url=self.url, extra=extra)

    # ------------------------------------------------------------------ frames

    def _read(self, timeout: float) -> np.ndarray:
        if not self.is_open:
            raise DeviceUnavailable(f"Kamera {self.url} belum dibuka atau sudah ditutup")
        start = time.monotonic()
        if self._cap is None or self._broken:
            self._open_capture(max(0.05, timeout - 0.3))
        cap = self._cap
        ok, frame = self._run(cap.read, max(0.05, timeout - (time.monotonic() - start)), "membaca gambar")
        if not ok and not self.live and self.loop:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._run(cap.read, timeout, "membaca gambar")
        if not ok or frame is None:
            if not self.live:
                raise ProtocolError(f"Sumber {self.url} tidak menghasilkan gambar (berkas habis atau rusak)")
            self._broken = True
            raise DeviceUnavailable(f"Kamera {self.url} berhenti mengirim gambar (terputus?)")
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        elif frame.shape[2] == 4:
            frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
        return frame

    def frames(self) -> Iterator[np.ndarray]:
        if not self.is_open:
            raise DeviceUnavailable(f"Kamera {self.url} belum dibuka atau sudah ditutup")
        return self._frames()

    def _frames(self) -> Iterator[np.ndarray]:
        while True:
            try:
                yield self._read(self.read_timeout)
            except ProtocolError:
                if not self.live and not self.loop:
                    return
                raise

    def still(self, timeout: float = 10.0) -> Still:
        deadline = time.monotonic() + timeout
        for _ in range(self.flush):
            self._read(max(0.01, min(self.read_timeout, deadline - time.monotonic())))
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeviceTimeout(f"Kamera tidak menjawab dalam {timeout:g} detik")
        frame = self._read(min(left, self.read_timeout if self.live else left))
        h, w = frame.shape[:2]
        return Still(image=frame, captured_at=time.monotonic(), width=w, height=h)
