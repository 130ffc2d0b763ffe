"""Contract of every signature pad driver, over every driver + simulator pair (and hardware when named).

Written against ``drivers.interfaces.SignaturePad`` only; whether the pad has a screen is asked through the
interface (``capabilities().has_screen``). ``control`` as in the fingerprint suite: ``scenario(...)`` with
operation ``"capture"`` = one signature, ``unplug()``, ``replug()``, ``events``, optional ``fault_kinds``.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np
import pytest

from drivers.errors import DeviceError, DeviceTimeout, DeviceUnavailable, NotSupported
from drivers.interfaces import DeviceKind, PenCapabilities, PenEvent, SignaturePad
from tests.contract.conftest import pairs_for

PAIRS = pairs_for(DeviceKind.SIGNATURE_PAD)
TIMEOUT = 3.0
IDLE = 0.5
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


def _timed(error: type[DeviceError], call, timeout: float) -> DeviceError:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    elapsed = time.monotonic() - started
    assert elapsed <= timeout + MARGIN, f"{error.__name__} after {elapsed:.2f} s, timeout {timeout} s"
    return caught.value


def _check_signature(events: list[PenEvent], caps: PenCapabilities) -> None:
    assert events and all(isinstance(e, PenEvent) for e in events)
    assert events[0].touching, "events start at the first touch"
    assert not events[-1].touching, "the pen was lifted at the end"
    times = [e.t for e in events]
    assert times == sorted(times)
    for e in events:
        assert 0 <= e.x <= caps.max_x and 0 <= e.y <= caps.max_y
        assert 0 <= e.pressure <= caps.max_pressure
    touching = [e for e in events if e.touching]
    assert len(touching) >= 20
    assert any(e.pressure > caps.max_pressure // 10 for e in touching)
    xs = [e.x for e in touching]
    assert max(xs) - min(xs) >= 0.15 * caps.max_x  # a signature, not a dot


def test_identifies_itself_with_usable_ranges(pair):
    device, _ = pair
    assert isinstance(device, SignaturePad)
    assert device.info().kind is DeviceKind.SIGNATURE_PAD
    caps = device.capabilities()
    assert caps.max_x > 0 and caps.max_y > 0 and caps.max_pressure > 0


def test_a_capture_is_one_signature_with_pressure_and_timestamps(pair):
    device, _ = pair
    started = time.monotonic()
    events = device.capture(timeout=TIMEOUT, idle=IDLE)
    assert time.monotonic() - started <= TIMEOUT + MARGIN
    _check_signature(events, device.capabilities())


def test_two_captures_are_two_signatures(pair):
    device, _ = pair
    first = device.capture(timeout=TIMEOUT, idle=IDLE)
    second = device.capture(timeout=TIMEOUT, idle=IDLE)
    _check_signature(first, device.capabilities())
    _check_signature(second, device.capabilities())


def test_a_screen_only_where_the_pad_has_one(pair):
    device, _ = pair
    image = np.full((120, 200, 3), 255, np.uint8)
    if device.capabilities().has_screen:
        device.show(image)
    else:
        with pytest.raises(NotSupported):
            device.show(image)


def test_a_closed_pad_is_unavailable(pair):
    device, _ = pair
    device.close()
    _timed(DeviceUnavailable, lambda: device.capture(timeout=TIMEOUT, idle=IDLE), 0.0)


def test_a_silent_pad_times_out_within_the_timeout(spec):
    with faulty(spec, "no_answer") as (device, _):
        error = _timed(DeviceTimeout, lambda: device.capture(timeout=TIMEOUT, idle=IDLE), TIMEOUT)
        assert error.retryable


def test_nobody_signing_ends_within_the_timeout_without_a_signature(spec):
    """Either a retryable error or a capture without a single touching sample: never a hang, never a fake."""
    with faulty(spec, "no_finger") as (device, _):
        started = time.monotonic()
        try:
            events = device.capture(timeout=TIMEOUT, idle=IDLE)
        except DeviceError as exc:
            assert exc.retryable
        else:
            assert not any(e.touching for e in events)
        assert time.monotonic() - started <= TIMEOUT + MARGIN
        _check_signature(device.capture(timeout=TIMEOUT, idle=IDLE), device.capabilities())


def test_unplugged_then_replugged_it_works_again(spec):
    with faulty(spec, "unplug") as (device, control):
        error = _timed(DeviceUnavailable, lambda: device.capture(timeout=TIMEOUT, idle=IDLE), TIMEOUT)
        assert error.retryable
        control.scenario({"faults": []})
        control.unplug()
        control.replug()
        _check_signature(device.capture(timeout=TIMEOUT, idle=IDLE), device.capabilities())
