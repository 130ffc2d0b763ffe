"""Contract of every queue display driver, over every driver + simulator pair (and a real board when named).

A simulated board reports what it shows as ``{"event": "board", "file", "text"}`` events; faults are scripted on
the operations ``write`` (a file written) and ``read`` (a read-back).
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest

from drivers.errors import DeviceTimeout, DeviceUnavailable
from drivers.interfaces import Call, DeviceKind, QueueDisplay
from tests.contract.conftest import pairs_for

PAIRS = pairs_for(DeviceKind.QUEUE_DISPLAY)
MARGIN = 1.0


@pytest.fixture(params=PAIRS)
def spec(request):
    return request.param


@pytest.fixture
def pair(spec):
    with spec.open() as (device, control):
        yield device, control


@contextmanager
def faulty(spec, kind: str, operation: str, **fields):
    """The pair, opened healthy, then with one scripted fault on the next ``operation``."""
    with spec.open() as (device, control):
        if control is None:
            pytest.skip("this pair has no scriptable simulator")
        control.scenario({"faults": [{"kind": kind, "operation": operation, "attempt": 1, **fields}]})
        yield device, control


def _shown(control) -> list[str]:
    return [e["text"] for e in control.events if e.get("event") == "board"]


def test_identifies_itself_as_a_queue_display(pair):
    device, _ = pair
    assert isinstance(device, QueueDisplay)
    assert device.info().kind is DeviceKind.QUEUE_DISPLAY


def test_a_call_and_a_running_text_are_shown(pair):
    device, control = pair
    device.show_call(Call(number="A012", counter="2", service="EKTP"))
    device.show_text("Selamat datang di Kecamatan Kalipare")
    device.show_call(Call(number="A013", counter="Perekaman"))
    if control is None:
        return
    shown = _shown(control)
    assert shown[0] == "A012 LOKET 2"
    assert shown[1] == "Selamat datang di Kecamatan Kalipare"
    assert shown[2].startswith("A013") and "PEREKAMAN" in shown[2].upper()


def test_a_closed_board_is_unavailable(pair):
    device, _ = pair
    device.close()
    with pytest.raises(DeviceUnavailable):
        device.show_call(Call(number="A012", counter="2"))


def test_a_silent_board_times_out(spec):
    with faulty(spec, "no_answer", "read") as (device, _):
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            device.show_call(Call(number="A012", counter="2"))
        assert time.monotonic() - started <= 1.0 + MARGIN
        device.show_call(Call(number="A012", counter="2"))


def test_unplugged_then_replugged_it_works_again(spec):
    with faulty(spec, "unplug", "write") as (device, control):
        with pytest.raises(DeviceUnavailable):
            device.show_call(Call(number="A012", counter="2"))
        control.replug()
        device.show_call(Call(number="A012", counter="2"))
        assert _shown(control)[-1] == "A012 LOKET 2"
