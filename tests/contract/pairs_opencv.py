"""OpenCV camera driver pairs: MJPEG over HTTP from ``simulators.camera_server`` (in process and in a child
process through ``serve_cli``), a video file and an image sequence written from the synthetic face, and a
real camera when ``EKTP_HW_CAMERA_URL`` names it (``opencv://0``, ``rtsp://...``)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from drivers.interfaces import DeviceKind
from drivers.opencv_camera import OpenCvCamera
from simulators.camera_server import MjpegCameraServer, write_image_sequence, write_video
from tests.contract.conftest import Pair
from tests.contract.sim_process import SimProcess, scenario_json

HW_VAR = "EKTP_HW_CAMERA_URL"
FAST = {"open_timeout": 2.0, "read_timeout": 1.5}


class MjpegControl:
    def __init__(self, cam: MjpegCameraServer):
        self.cam = cam

    def scenario(self, value: Any) -> None:
        self.cam.scenario(value)
        self.cam.unplug(0.0)  # drop the open streams: the next read reconnects and meets the scenario

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.cam.events

    def unplug(self) -> None:
        self.cam.unplug()

    def replug(self) -> None:
        self.cam.replug()


class ProcessControl:
    def __init__(self, proc: SimProcess):
        self.proc = proc

    def scenario(self, value: Any) -> None:
        self.proc.control({"scenario": scenario_json(value)})
        self.proc.control({"unplug": 0})  # drop the open streams: the next read meets the scenario

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.proc.events

    def unplug(self) -> None:
        self.proc.control({"unplug": None})

    def replug(self) -> None:
        self.proc.control({"replug": True})


@contextmanager
def _mjpeg_inproc(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    with MjpegCameraServer(scenario) as cam:
        device = OpenCvCamera(cam.url, **{**FAST, **options})
        device.open()
        try:
            yield device, MjpegControl(cam)
        finally:
            device.close()


@contextmanager
def _mjpeg_process(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    proc = SimProcess("simulators.camera_server", "tcp", scenario=scenario).start()
    try:
        device = OpenCvCamera(f"http://127.0.0.1:{proc.port}/stream.mjpg", **{**FAST, **options})
        device.open()
        try:
            yield device, ProcessControl(proc)
        finally:
            device.close()
    finally:
        proc.close()


@contextmanager
def _video_file(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_video(Path(tmp) / "wajah.avi", count=12)
        with OpenCvCamera(f"file://{path}", **{**FAST, **options}) as device:
            yield device, None


@contextmanager
def _image_sequence(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        pattern = write_image_sequence(tmp, count=5)
        with OpenCvCamera(f"images://{pattern}", **{**FAST, **options}) as device:
            yield device, None


@contextmanager
def _hardware(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    with OpenCvCamera(os.environ[HW_VAR], **options) as device:
        yield device, None


PAIRS = [
    Pair(DeviceKind.CAMERA, "opencv-mjpeg-inproc", _mjpeg_inproc),
    Pair(DeviceKind.CAMERA, "opencv-mjpeg-tcp", _mjpeg_process),
    Pair(DeviceKind.CAMERA, "opencv-video-file", _video_file),
    Pair(DeviceKind.CAMERA, "opencv-image-sequence", _image_sequence),
    Pair(DeviceKind.CAMERA, "opencv-hw", _hardware,
         None if os.environ.get(HW_VAR) else f"set {HW_VAR} (e.g. opencv://0 or rtsp://...) to test a real camera"),
]
