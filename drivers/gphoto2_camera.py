"""A DSLR or mirrorless still camera through libgphoto2 (python-gphoto2, the optional extra ``gphoto2``).

URL (``station.toml`` ``url``)::

    gphoto2://                      the first camera libgphoto2 detects
    gphoto2://usb:001,004           the camera on that port (``gphoto2 --auto-detect`` lists them)
    gphoto2://?model=Canon+EOS+1500D
    gphoto2://vcamera?dir=/path     libgphoto2's virtual camera serving the JPEGs of ``dir`` (tests, demos)

Options: ``model``, ``iso``, ``shutterspeed``, ``aperture`` (the ``f-number`` widget), ``imageformat``,
``capturetarget`` (Canon: card or internal RAM), ``keep`` (leave the photo on the card; default false: the photo
is a biometric capture, so it is deleted from the camera once downloaded), ``timeout`` (seconds for a
libgphoto2 call that takes no timeout of its own, default 15).

libgphoto2 calls block in C: each runs on a worker thread bounded by the call's timeout; a stuck camera is a
``DeviceTimeout`` and the next call opens it again. ``frames()`` uses the camera's live view
(``capture_preview``); cameras without it (and the virtual camera) raise ``NotSupported``.

The virtual camera is chosen by ``VCAMERADIR`` before python-gphoto2 is first imported (libgphoto2 reads it
once per process), so a process can use either the virtual camera or real ones.
"""

from __future__ import annotations

import concurrent.futures
import os
import sys
import time
from typing import Any, Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

import cv2
import numpy as np

from drivers.errors import (
    DeviceBusy,
    DeviceConfigError,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnavailable,
    NotSupported,
    ProtocolError,
)
from drivers.interfaces import Camera, DeviceInfo, Still

_SETTINGS = {"iso": "iso", "shutterspeed": "shutterspeed", "aperture": "f-number", "imageformat": "imageformat",
             "capturetarget": "capturetarget"}  # fmt: skip
_OPTIONS = {"model", "keep", "timeout", *_SETTINGS}


def _import_gphoto2(vcamera_dir: str | None):
    if vcamera_dir is not None:
        if "gphoto2" in sys.modules and os.environ.get("VCAMERADIR") != vcamera_dir:
            raise DeviceConfigError("Kamera virtual gphoto2 harus dipilih sebelum gphoto2 dimuat (VCAMERADIR berbeda)")
        os.environ["VCAMERADIR"] = vcamera_dir
    try:
        import gphoto2 as gp
    except ImportError as exc:
        raise DeviceNotFound("python-gphoto2 tidak terpasang (pip install 'ektp-station[gphoto2]')") from exc
    return gp


def _error(gp, exc: Exception, what: str) -> DeviceError:
    code = getattr(exc, "code", None)
    text = f"Kamera DSLR: {what} gagal ({exc})"
    if code in (gp.GP_ERROR_MODEL_NOT_FOUND, gp.GP_ERROR_IO_USB_FIND):
        return DeviceNotFound(text, code=code)
    if code == gp.GP_ERROR_CAMERA_BUSY:
        return DeviceBusy(text, code=code)
    if code == gp.GP_ERROR_TIMEOUT:
        return DeviceTimeout(text, code=code)
    if code == gp.GP_ERROR_NOT_SUPPORTED:
        return NotSupported(text, code=code)
    if code == gp.GP_ERROR_CORRUPTED_DATA:
        return ProtocolError(text, code=code)
    return DeviceUnavailable(text, code=code)


class Gphoto2Camera(Camera):
    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        parts = urlsplit(url)
        if parts.scheme != "gphoto2":
            raise DeviceConfigError(f"URL kamera gphoto2 harus gphoto2://..., bukan {url!r}")
        try:
            query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
        except ValueError:
            raise DeviceConfigError(f"Opsi pada URL {url!r} tidak dapat dibaca") from None
        settings = {**options, **query}
        self.vcamera_dir: str | None = None
        if parts.netloc == "vcamera":
            self.vcamera_dir = settings.pop("dir", None)
            if not self.vcamera_dir or not os.path.isdir(self.vcamera_dir):
                raise DeviceConfigError("gphoto2://vcamera butuh dir=FOLDER berisi berkas JPEG")
            self.port = ""
        else:
            self.port = unquote(parts.netloc + parts.path)
        unknown = set(settings) - _OPTIONS
        if unknown:
            raise DeviceConfigError(f"Opsi gphoto2 tidak dikenal: {', '.join(sorted(unknown))} "
                                    f"(pilihan: {', '.join(sorted(_OPTIONS))})")
        self.model_wanted = settings.get("model")
        self.keep = str(settings.get("keep", "false")).lower() in ("1", "true", "yes")
        try:
            self.call_timeout = float(settings.get("timeout", 15.0))
        except ValueError:
            raise DeviceConfigError("Opsi timeout harus bilangan") from None
        self.settings = {_SETTINGS[k]: str(v) for k, v in settings.items() if k in _SETTINGS}
        self.gp = None
        self.camera = None
        self.model = ""
        self.is_open = False
        self._worker: concurrent.futures.ThreadPoolExecutor | None = None

    def _run(self, fn, timeout: float, what: str):
        if self._worker is None:
            self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="gphoto2")
        future = self._worker.submit(fn)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker, self.camera = None, None
            raise DeviceTimeout(f"Kamera DSLR tidak menjawab dalam {timeout:g} detik ({what})") from None
        except self.gp.GPhoto2Error as exc:
            raise _error(self.gp, exc, what) from None

    def _connect(self) -> None:
        gp = self.gp

        def connect():
            camera = gp.Camera()
            if self.port or self.model_wanted:
                detected = list(gp.Camera.autodetect())
                match = [(m, p) for m, p in detected if (not self.port or p == self.port)
                         and (not self.model_wanted or m == self.model_wanted)]
                if not match:
                    raise gp.GPhoto2Error(gp.GP_ERROR_MODEL_NOT_FOUND)
                model, port = match[0]
                abilities = gp.CameraAbilitiesList()
                abilities.load()
                camera.set_abilities(abilities[abilities.lookup_model(model)])
                ports = gp.PortInfoList()
                ports.load()
                camera.set_port_info(ports[ports.lookup_path(port)])
            camera.init()
            summary_model = ""
            try:
                summary_model = camera.get_abilities().model
            except gp.GPhoto2Error:
                pass
            if self.settings:
                config = camera.get_config()
                for name, value in self.settings.items():
                    widget = config.get_child_by_name(name)
                    widget.set_value(value)
                camera.set_config(config)
            return camera, summary_model

        self.camera, self.model = self._run(connect, self.call_timeout, "membuka kamera")

    def open(self) -> None:
        self.gp = _import_gphoto2(self.vcamera_dir)
        try:
            self._connect()
        except (DeviceUnavailable, DeviceTimeout) as exc:
            raise DeviceNotFound(exc.message, code=exc.code) from exc
        self.is_open = True

    def close(self) -> None:
        self.is_open = False
        camera, self.camera = self.camera, None
        if camera is not None and self._worker is not None:
            try:
                self._worker.submit(camera.exit).result(timeout=5.0)
            except (concurrent.futures.TimeoutError, Exception):  # noqa: BLE001 - closing: nothing to report
                pass
        if self._worker is not None:
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker = None

    def info(self) -> DeviceInfo:
        return DeviceInfo(kind=self.kind, driver="gphoto2", model=self.model or "gphoto2", url=self.url,
                          extra={"virtual": self.vcamera_dir is not None, "settings": dict(self.settings)})

    def _camera(self):
        if not self.is_open:
            raise DeviceUnavailable("Kamera DSLR belum dibuka atau sudah ditutup")
        if self.camera is None:
            self._connect()
        return self.camera

    def still(self, timeout: float = 10.0) -> Still:
        camera = self._camera()
        gp = self.gp

        def shoot() -> bytes:
            path = camera.capture(gp.GP_CAPTURE_IMAGE)
            # Keep the CameraFile alive while copying: its buffer dies with it.
            camera_file = camera.file_get(path.folder, path.name, gp.GP_FILE_TYPE_NORMAL)
            data = bytes(memoryview(camera_file.get_data_and_size()))
            if not self.keep:
                try:
                    camera.file_delete(path.folder, path.name)
                except gp.GPhoto2Error:
                    pass
            return data

        data = self._run(shoot, timeout, "mengambil foto")
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ProtocolError("Kamera DSLR mengirim berkas yang bukan JPEG (atur imageformat ke JPEG)")
        h, w = image.shape[:2]
        return Still(image=image, captured_at=time.monotonic(), width=w, height=h)

    def frames(self) -> Iterator[np.ndarray]:
        camera = self._camera()
        gp = self.gp

        def preview() -> bytes:
            camera_file = camera.capture_preview()
            return bytes(memoryview(camera_file.get_data_and_size()))

        first = self._run(preview, self.call_timeout, "pratinjau")  # NotSupported here, before iterating

        def generate() -> Iterator[np.ndarray]:
            data = first
            while True:
                image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
                if image is None:
                    raise ProtocolError("Pratinjau kamera DSLR bukan JPEG")
                yield image
                data = self._run(preview, self.call_timeout, "pratinjau")

        return generate()
