"""OpenCV camera driver on every source it accepts, written or served from the synthetic face: settings read
back, image sequences and files, and the MJPEG server's faults (garbage, slow, busy, silence, unplug)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from drivers.errors import DeviceConfigError, DeviceError, DeviceNotFound, ProtocolError
from drivers.opencv_camera import OpenCvCamera
from drivers.registry import create_device
from simulators.camera_server import MjpegCameraServer, write_image_sequence, write_video
from tests.contract.sim_process import SimProcess

FAST = {"open_timeout": 2.0, "read_timeout": 1.5}


@pytest.fixture
def server():
    with MjpegCameraServer(fps=20) as cam:
        yield cam


def _timed(fn):
    start = time.monotonic()
    try:
        fn()
    except DeviceError as exc:
        return exc, time.monotonic() - start
    return None, time.monotonic() - start


def test_registry_and_mjpeg_still(server):
    camera = create_device("camera", "opencv", server.url, **FAST)
    with camera:
        still = camera.still()
        assert (still.width, still.height) == (640, 480)
        info = camera.info()
        assert info.extra["source"] == "network" and info.extra["width"] == 640
    assert any(e["event"] == "stream" for e in server.events)


def test_ignored_settings_are_reported_or_refused(server):
    with OpenCvCamera(server.url, resolution="320x240", **FAST) as camera:
        ignored = camera.info().extra["ignored"]
        assert ignored["width"]["diminta"] == 320 and ignored["width"]["didapat"] == 640
        assert camera.still().width == 640  # what the camera really sends
    with pytest.raises(DeviceConfigError, match="mengabaikan"):
        OpenCvCamera(server.url, resolution="320x240", strict="true", **FAST).open()


def test_image_sequence_loops_or_ends(tmp_path):
    pattern = write_image_sequence(tmp_path, count=3)
    with OpenCvCamera(f"images://{pattern}") as camera:
        shots = [camera.still().image for _ in range(5)]  # loops past the third frame
        assert all(s.shape == (480, 640, 3) for s in shots)
        assert np.array_equal(shots[0], shots[3]) and not np.array_equal(shots[0], shots[1])
    with OpenCvCamera(f"images://{pattern}?loop=false") as camera:
        assert len(list(camera.frames())) == 3
        with pytest.raises(ProtocolError):
            camera.still()


def test_video_file(tmp_path):
    path = write_video(tmp_path / "wajah.avi", count=6, fps=10)
    with OpenCvCamera(f"file://{path}") as camera:
        frames = camera.frames()
        assert [next(frames).shape for _ in range(8)] == [(480, 640, 3)] * 8  # loops
        assert camera.info().extra["source"] == "file"


@pytest.mark.parametrize("url", ["opencv://kamera", "ftp://x/y", "file://", "opencv://0?resolution=big",
                                 "opencv://0?fps=-1", "opencv://0?fourcc=MJ", "opencv://0?warna=merah"])
def test_bad_urls(url):
    with pytest.raises(DeviceConfigError):
        OpenCvCamera(url)


def test_missing_sources_are_not_found(tmp_path):
    with pytest.raises(DeviceNotFound):
        OpenCvCamera(f"file://{tmp_path}/tidak-ada.avi", **FAST).open()
    error, took = _timed(lambda: OpenCvCamera("http://127.0.0.1:9/stream.mjpg", **FAST).open())
    assert isinstance(error, DeviceNotFound) and took < 4.0


def test_busy_camera_server(server):
    server.scenario({"kind": "busy", "operation": "stream"})
    with pytest.raises(DeviceNotFound):
        OpenCvCamera(server.url, **FAST).open()


@pytest.mark.parametrize("kind", ["garbage", "truncated"])
def test_corrupt_frames_are_retryable_errors_not_hangs(server, kind):
    with OpenCvCamera(server.url, **FAST) as camera:
        camera.still()
        server.scenario({"kind": kind, "operation": "frame"})
        server.unplug(0.0)  # reconnect: the corrupt frames start with the stream
        errors = 0
        for _ in range(6):
            error, took = _timed(lambda: camera.still(timeout=2.0))
            assert took < 3.5
            if error is not None:
                assert error.retryable
                errors += 1
        assert errors, f"{kind} frames were all accepted"


def test_slow_and_silent_camera(server):
    with OpenCvCamera(server.url, **FAST) as camera:
        server.scenario({"kind": "slow", "operation": "frame", "seconds": 0.3})
        server.unplug(0.0)
        error, _ = _timed(lambda: camera.still(timeout=3.0))
        error, _ = _timed(lambda: camera.still(timeout=3.0)) if error else (None, 0)
        assert error is None
        server.scenario({"kind": "no_answer", "operation": "frame"})
        server.unplug(0.0)
        for _ in range(2):
            error, took = _timed(lambda: camera.still(timeout=1.0))
            assert error is not None and error.retryable and took < 2.0


def test_serve_cli_readiness_line():
    proc = SimProcess("simulators.camera_server", "tcp").start()
    try:
        assert proc.ready["device"] == "camera" and proc.ready["host"] == "127.0.0.1" and proc.ready["port"] > 0
        with OpenCvCamera(f"http://127.0.0.1:{proc.port}/stream.mjpg", **FAST) as camera:
            assert camera.still().image.shape == (480, 640, 3)
        deadline = time.monotonic() + 3
        while not proc.events and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.events[0]["device"] == "camera" and proc.events[0]["event"] == "stream"
    finally:
        proc.close()
