"""Contract of every fingerprint scanner driver, over every driver + simulator pair (and hardware when named).

Written against ``drivers.interfaces.FingerprintScanner`` only: what differs between devices (slaps or one
finger at a time) is asked through the interface (``supports_slaps``). The pair's ``control`` (None for
hardware and for the in-process ``sim`` drivers) follows this protocol: ``scenario({"faults": [...]})`` scripts
faults from now on (kinds and fields of ``simulators.scenario``, operation ``"capture"`` = taking a print),
``unplug()`` / ``replug()`` pull and re-insert the cable, ``events`` lists what the simulator did, and the
optional ``fault_kinds`` lists the kinds it can act out.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np
import pytest

from biometrics.fingerprint_match import THRESHOLD, compare
from biometrics.fingerprint_quality import quality
from drivers.errors import CaptureFailed, DeviceError, DeviceTimeout, DeviceUnavailable, NotSupported, ProtocolError
from drivers.interfaces import DeviceKind, Finger, FingerImage, FingerprintScanner, Slap, SlapImage
from tests.contract.conftest import pairs_for

PAIRS = pairs_for(DeviceKind.FINGERPRINT)
TIMEOUT = 2.0
#: What a driver may take beyond its timeout to report (one packet time, a status check).
MARGIN = 1.0


@pytest.fixture(params=PAIRS)
def spec(request):
    return request.param


@pytest.fixture
def pair(spec):
    with spec.open() as (device, control):
        yield device, control


@contextmanager
def faulty(spec, kind: str, **fields):
    """The pair opened with one scripted fault on the first ``capture`` (skipped where faults cannot be scripted)."""
    scenario = {"faults": [{"kind": kind, "operation": "capture", "attempt": 1, **fields}]}
    try:
        opened = spec.open(scenario=scenario)
    except TypeError:
        pytest.skip("this pair takes no scenario")
    with opened as (device, control):
        if control is None:
            pytest.skip("this pair has no scriptable simulator")
        if kind not in getattr(control, "fault_kinds", {kind}):
            pytest.skip(f"this simulator cannot act out {kind!r}")
        yield device, control


def _expect(error: type[DeviceError], call, timeout: float) -> DeviceError:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    elapsed = time.monotonic() - started
    assert elapsed <= timeout + MARGIN, f"{error.__name__} after {elapsed:.2f} s, timeout {timeout} s"
    assert "\n" not in caught.value.message
    return caught.value


def test_identifies_itself_as_a_fingerprint_scanner(pair):
    device, _ = pair
    assert isinstance(device, FingerprintScanner)
    info = device.info()
    assert info.kind is DeviceKind.FINGERPRINT and info.driver
    assert isinstance(device.supports_slaps, bool)


def test_a_capture_is_a_greyscale_print_of_the_asked_finger(pair):
    device, _ = pair
    image = device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT)
    assert isinstance(image, FingerImage) and image.finger is Finger.R_THUMB
    assert image.image.ndim == 2 and image.image.dtype == np.uint8
    assert min(image.image.shape) >= 150  # at least 7.6 mm at 500 ppi
    assert image.device_quality is None or 0 <= image.device_quality <= 100
    assert quality(image.image) >= 40  # ridges, not an empty platen


def test_slaps_only_where_the_device_says_so(pair):
    device, _ = pair
    if not device.supports_slaps:
        with pytest.raises(NotSupported):
            device.capture_slap(Slap.RIGHT_FOUR, set(Slap.RIGHT_FOUR.fingers), timeout=TIMEOUT)
        return
    slap = device.capture_slap(Slap.RIGHT_FOUR, set(Slap.RIGHT_FOUR.fingers), timeout=TIMEOUT)
    assert isinstance(slap, SlapImage) and slap.slap is Slap.RIGHT_FOUR
    assert slap.present <= set(Slap.RIGHT_FOUR.fingers) and slap.present
    for finger in slap.fingers:
        assert finger.image.ndim == 2 and finger.image.size


def test_ten_prints_then_the_index_finger_is_found_again_as_the_station_does(pair):
    """SOP 4.4 then 4.6: ten prints (by slap or one by one, in the SOP order), then a new capture of the right
    index finger is closest to the index print of the ten (rank-1 among them, whatever the matcher's current
    threshold) and clearly apart from a different finger."""
    device, _ = pair
    prints: dict[Finger, np.ndarray] = {}
    if device.supports_slaps:
        for slap in (Slap.RIGHT_FOUR, Slap.LEFT_FOUR, Slap.TWO_THUMBS):
            captured = device.capture_slap(slap, set(slap.fingers), timeout=TIMEOUT)
            prints.update({f.finger: f.image for f in captured.fingers})
    else:
        for finger in Finger:
            prints[finger] = device.capture_finger(finger, timeout=TIMEOUT).image
    assert set(prints) == set(Finger)
    probe = device.capture_finger(Finger.R_INDEX, timeout=TIMEOUT).image
    scores = {finger: compare(image, probe).score for finger, image in prints.items()}
    assert max(scores, key=scores.get) is Finger.R_INDEX, scores
    assert scores[Finger.R_MIDDLE] < THRESHOLD


def test_a_closed_device_is_unavailable(pair):
    device, _ = pair
    device.close()
    _expect(DeviceUnavailable, lambda: device.capture_finger(Finger.R_INDEX, timeout=TIMEOUT), 0.0)


def test_a_silent_device_times_out_within_the_timeout(spec):
    with faulty(spec, "no_answer") as (device, _):
        error = _expect(DeviceTimeout, lambda: device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT), TIMEOUT)
        assert error.retryable


def test_no_finger_on_the_glass_is_a_retryable_capture_failure(spec):
    with faulty(spec, "no_finger") as (device, _):
        error = _expect(CaptureFailed, lambda: device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT), TIMEOUT)
        assert error.retryable
        assert device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT).image.size  # now the person puts it on


def test_garbage_on_the_line_is_a_protocol_error(spec):
    with faulty(spec, "garbage") as (device, _):
        _expect(ProtocolError, lambda: device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT), TIMEOUT)
        assert device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT).image.size


def test_unplugged_then_replugged_it_works_again(spec):
    with faulty(spec, "unplug") as (device, control):
        error = _expect(DeviceUnavailable, lambda: device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT), TIMEOUT)
        assert error.retryable
        control.scenario({"faults": []})  # whatever made it drop is over
        control.unplug()  # the operator pulls the cable (already out) and puts it back in
        control.replug()
        image = device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT + 1.0)
        assert image.finger is Finger.R_THUMB and quality(image.image) >= 40
