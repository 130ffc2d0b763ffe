"""Camera contract: every camera driver with its simulator (and a real camera when configured).

What the station relies on: ``still()`` gives a BGR photo of the applicant in front of the e-KTP cloth,
``frames()`` a live preview, a closed device refuses, and a silent or unplugged camera is a retryable typed
error within the timeout, after which the camera works again.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from drivers.errors import DeviceError, DeviceUnavailable, NotSupported
from drivers.interfaces import DeviceKind
from tests.contract.conftest import pairs_for

PAIRS = pairs_for(DeviceKind.CAMERA)
#: The simulators' default applicant was born in 1990 (even year): blue cloth, BGR (255, 144, 0).
BLUE_CLOTH = np.array([255, 144, 0])


@pytest.mark.parametrize("pair", PAIRS)
def test_still_is_a_colour_photo(pair):
    with pair.open() as (camera, control):
        info = camera.info()
        assert info.kind == DeviceKind.CAMERA
        still = camera.still(timeout=5.0)
        image = still.image
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        assert image.shape[:2] == (still.height, still.width)
        assert still.width >= 320 and still.height >= 240
        if control is not None or any(k in pair.id for k in ("video", "sequence", "vcamera")):
            corner = image[: image.shape[0] // 10, : image.shape[1] // 12].reshape(-1, 3).mean(axis=0)
            assert np.abs(corner - BLUE_CLOTH).max() < 60, f"background {corner} is not the blue e-KTP cloth"
            centre = image[image.shape[0] // 3 : 2 * image.shape[0] // 3, image.shape[1] // 3 : 2 * image.shape[1] // 3]
            assert np.abs(centre.reshape(-1, 3).mean(axis=0) - BLUE_CLOTH).max() > 60, "no person in the middle"


@pytest.mark.parametrize("pair", PAIRS)
def test_preview_frames(pair):
    with pair.open() as (camera, _control):
        try:
            frames = camera.frames()
            shots = [next(frames) for _ in range(3)]
        except NotSupported:
            pytest.skip(f"{pair.id}: no live preview")
        frames.close()
        assert len({s.shape for s in shots}) == 1 and shots[0].ndim == 3


@pytest.mark.parametrize("pair", PAIRS)
def test_closed_camera_refuses(pair):
    with pair.open() as (camera, _control):
        pass
    with pytest.raises(DeviceUnavailable):
        camera.still(timeout=2.0)


@pytest.mark.parametrize("pair", PAIRS)
def test_silent_camera_is_a_retryable_error_within_the_timeout(pair):
    with pair.open() as (camera, control):
        if control is None:
            pytest.skip(f"{pair.id}: no simulator to script")
        camera.still(timeout=5.0)
        control.scenario({"kind": "no_answer"})
        errors, deadline = [], time.monotonic() + 12.0
        for _ in range(2):  # the first call may see the link drop, the second the silence
            start = time.monotonic()
            with pytest.raises(DeviceError) as info:
                camera.still(timeout=2.0)
            assert time.monotonic() - start < 2.0 + 1.5, "the camera call outlived its timeout"
            assert info.value.retryable
            errors.append(type(info.value).__name__)
        control.scenario(None)
        while True:
            try:
                camera.still(timeout=3.0)
                break
            except DeviceError:
                assert time.monotonic() < deadline, "the camera did not come back"


@pytest.mark.parametrize("pair", PAIRS)
def test_unplug_and_replug(pair):
    with pair.open() as (camera, control):
        if control is None:
            pytest.skip(f"{pair.id}: no simulator to script")
        camera.still(timeout=5.0)
        control.unplug()
        start = time.monotonic()
        with pytest.raises(DeviceError) as info:
            for _ in range(3):  # frames already buffered may still arrive before the link is seen down
                camera.still(timeout=2.0)
        assert info.value.retryable and time.monotonic() - start < 8.0
        control.replug()
        deadline = time.monotonic() + 10.0
        while True:
            try:
                assert camera.still(timeout=3.0).image.ndim == 3
                break
            except DeviceError:
                assert time.monotonic() < deadline, "the camera did not come back after re-plug"
                time.sleep(0.2)
