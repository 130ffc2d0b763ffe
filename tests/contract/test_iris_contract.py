"""Iris camera contract: every iris driver with its simulator (and a real device when configured).

The station asks for both eyes (or the one left after an exception), keeps the device's quality, retries on a
retryable error and needs every failure within the timeout.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from drivers.errors import CaptureFailed, DeviceConfigError, DeviceError, DeviceUnavailable
from drivers.interfaces import DeviceKind, Eye
from tests.contract.conftest import pairs_for

PAIRS = pairs_for(DeviceKind.IRIS)
BOTH = {Eye.LEFT, Eye.RIGHT}


@pytest.mark.parametrize("pair", PAIRS)
def test_both_eyes(pair):
    with pair.open() as (camera, _control):
        assert camera.info().kind == DeviceKind.IRIS
        images = camera.capture(BOTH, timeout=10.0)
        assert set(images) == BOTH
        for eye, shot in images.items():
            assert shot.eye == eye
            assert shot.image.dtype == np.uint8 and shot.image.ndim == 2
            assert min(shot.image.shape) >= 240  # MOSIP: iris diameter >= 210 px needs at least VGA
            assert shot.device_quality is None or 0 <= shot.device_quality <= 100
        assert not np.array_equal(images[Eye.LEFT].image, images[Eye.RIGHT].image)


@pytest.mark.parametrize("pair", PAIRS)
def test_one_eye_after_an_exception(pair):
    with pair.open() as (camera, _control):
        assert set(camera.capture({Eye.RIGHT}, timeout=10.0)) == {Eye.RIGHT}
        with pytest.raises(DeviceConfigError):
            camera.capture(set(), timeout=2.0)


@pytest.mark.parametrize("pair", PAIRS)
def test_closed_camera_refuses(pair):
    with pair.open() as (camera, _control):
        pass
    with pytest.raises(DeviceUnavailable):
        camera.capture(BOTH, timeout=2.0)


@pytest.mark.parametrize("pair", PAIRS)
def test_no_eye_in_view_then_cooperative(pair):
    with pair.open() as (camera, control):
        if control is None:
            pytest.skip(f"{pair.id}: no simulator to script")
        control.scenario({"kind": "no_finger", "operation": "capture", "attempt": 1})
        with pytest.raises(CaptureFailed) as info:
            camera.capture(BOTH, timeout=5.0)
        assert info.value.retryable
        assert set(camera.capture(BOTH, timeout=10.0)) == BOTH


@pytest.mark.parametrize("pair", PAIRS)
def test_low_quality_is_reported(pair):
    with pair.open() as (camera, control):
        if control is None:
            pytest.skip(f"{pair.id}: no simulator to script")
        good = camera.capture(BOTH, timeout=10.0)
        control.scenario({"kind": "low_quality", "operation": "capture"})
        poor = camera.capture(BOTH, timeout=10.0)
        assert max(p.device_quality for p in poor.values()) < min(g.device_quality for g in good.values())


@pytest.mark.parametrize("pair", PAIRS)
def test_silent_device_times_out_and_unplug_replug(pair):
    with pair.open() as (camera, control):
        if control is None:
            pytest.skip(f"{pair.id}: no simulator to script")
        control.scenario({"kind": "no_answer", "operation": "capture"})
        start = time.monotonic()
        with pytest.raises(DeviceError) as info:
            camera.capture(BOTH, timeout=1.5)
        assert info.value.retryable and time.monotonic() - start < 1.5 + 1.0
        control.scenario(None)
        control.unplug()
        with pytest.raises(DeviceError) as info:
            camera.capture(BOTH, timeout=2.0)
        assert info.value.retryable
        control.replug()
        assert set(camera.capture(BOTH, timeout=10.0)) == BOTH
