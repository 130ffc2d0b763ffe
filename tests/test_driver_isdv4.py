"""The ISDV4 signature pad driver against its wire simulator: the init sequence on the wire, signatures as pen
events, and every scripted fault ending in the right typed error within the timeout, then working again."""

from __future__ import annotations

import time

import pytest

from drivers import registry
from drivers.errors import (
    CaptureFailed,
    DeviceBusy,
    DeviceConfigError,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from drivers.interfaces import PenCapabilities, SubjectAware
from drivers.isdv4 import Isdv4Pad
from simulators.models import signature
from simulators.wire.harness import running

FAST = {"pace": 4.0, "sign_delay": 0.1}
TIMEOUT = 2.0
IDLE = 0.4
MARGIN = 0.8


def opened(url: str, **options) -> Isdv4Pad:
    device = Isdv4Pad(url, settle=0.05, timeout=0.5, **options)
    device.open()
    return device


def timed(error, call, limit):
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    elapsed = time.monotonic() - started
    assert elapsed <= limit, f"{type(caught.value).__name__} after {elapsed:.2f} s (limit {limit} s)"
    assert caught.value.message and "\n" not in caught.value.message
    return caught.value


def touching(events):
    return [e for e in events if e.touching]


def test_init_stops_queries_and_reads_the_ranges():
    with running("isdv4", max_x=24000, max_y=15000, version=0x0102, **FAST) as (url, control):
        sent: list[bytes] = []
        handle = control.device.handle
        control.device.handle = lambda data, now: (sent.append(data), handle(data, now))[1]
        device = opened(url)
        assert b"".join(sent) == b"0*"  # stop, then the pen query; sampling stays off until a capture
        caps = device.capabilities()
        assert caps == PenCapabilities(max_x=24000, max_y=15000, max_pressure=1023)
        assert device.info().firmware == "0x0102"
        device.capture(timeout=TIMEOUT, idle=IDLE)
        assert b"".join(sent) == b"0*10"  # a capture starts sampling and stops it again
        assert not isinstance(device, SubjectAware)


def test_a_signature_arrives_as_timed_pen_events():
    with running("isdv4", **FAST) as (url, control):
        device = opened(url)
        started = time.monotonic()
        events = device.capture(timeout=TIMEOUT, idle=IDLE)
        elapsed = time.monotonic() - started
        expected = [s for s in signature.signature_samples(1, attempt=0) if s.touching]
        got = touching(events)
        assert [(e.x, e.y, e.pressure) for e in got] == [(s.x, s.y, s.pressure) for s in expected]
        assert events[0].touching and not events[-1].touching
        drawn = (expected[-1].t - expected[0].t) / FAST["pace"]
        assert events[-1].t - events[0].t == pytest.approx(drawn, abs=0.1)  # stamped as they arrived
        assert drawn + IDLE <= elapsed <= drawn + IDLE + 0.6
        assert control.events_of("signature")[-1]["points"] == len(got)
        second = device.capture(timeout=TIMEOUT, idle=IDLE)
        assert [(e.x, e.y) for e in touching(second)] != [(e.x, e.y) for e in got]  # another attempt


def test_a_hurried_scribble_is_returned_for_the_station_to_judge():
    faults = {"faults": [{"kind": "low_quality", "operation": "capture", "attempt": 1}]}
    with running("isdv4", scenario=faults, **FAST) as (url, _):
        device = opened(url)
        scribble = device.capture(timeout=TIMEOUT, idle=IDLE)
        assert 0 < len(touching(scribble)) < 20
        assert len(touching(device.capture(timeout=TIMEOUT, idle=IDLE))) > 100


def test_a_slow_signer_within_the_timeout_is_fine():
    faults = {"faults": [{"kind": "slow", "operation": "capture", "seconds": 0.5}]}
    with running("isdv4", scenario=faults, **FAST) as (url, _):
        device = opened(url)
        assert len(touching(device.capture(timeout=TIMEOUT + 1, idle=IDLE))) > 100


# (fault, error, retryable, recovery): faults on the pen query are met when the pad is (re-)opened.
QUERY_FAULTS = [
    ({"kind": "no_answer"}, DeviceTimeout, True),
    ({"kind": "garbage"}, ProtocolError, True),
    ({"kind": "bad_checksum"}, ProtocolError, True),
    ({"kind": "truncated"}, ProtocolError, True),
    ({"kind": "slow", "seconds": 2.0}, DeviceTimeout, True),
    ({"kind": "busy", "seconds": 1.5}, DeviceBusy, True),
    ({"kind": "error_code"}, DeviceError, False),
]


@pytest.mark.parametrize("fault, error, retryable", QUERY_FAULTS, ids=[f["kind"] for f, *_ in QUERY_FAULTS])
def test_a_fault_on_the_query_is_a_typed_error_at_open(fault, error, retryable):
    with running("isdv4", scenario={"faults": [{**fault, "operation": "query", "attempt": 1}]}, **FAST) as (url, _):
        device = Isdv4Pad(url, settle=0.05, timeout=0.5)
        caught = timed(error, device.open, 0.5 + MARGIN)
        assert caught.retryable is retryable
        if fault["kind"] in ("slow", "busy"):
            time.sleep(fault["seconds"])
        device.open()  # the second query is answered
        assert device.capabilities().max_x == signature.MAX_X
        assert touching(device.capture(timeout=TIMEOUT, idle=IDLE))


CAPTURE_FAULTS = [
    ({"kind": "no_answer"}, DeviceTimeout, None),
    ({"kind": "no_finger"}, CaptureFailed, None),
    ({"kind": "garbage"}, ProtocolError, None),
    ({"kind": "bad_checksum"}, ProtocolError, None),
    ({"kind": "truncated"}, ProtocolError, None),
    ({"kind": "slow", "seconds": 3.0}, DeviceTimeout, None),
    ({"kind": "unplug"}, DeviceUnavailable, "replug"),
    ({"kind": "replug", "seconds": 0.3}, DeviceUnavailable, 0.4),
]


@pytest.mark.parametrize("fault, error, recovery", CAPTURE_FAULTS, ids=[f["kind"] for f, *_ in CAPTURE_FAULTS])
def test_a_fault_during_a_signature_is_a_typed_error_within_the_timeout(fault, error, recovery):
    with running("isdv4", **FAST) as (url, control):
        device = opened(url)
        control.scenario({"faults": [{**fault, "operation": "capture", "attempt": 1}]})
        caught = timed(error, lambda: device.capture(timeout=TIMEOUT, idle=IDLE), TIMEOUT + MARGIN)
        assert caught.retryable
        if recovery == "replug":
            timed(DeviceUnavailable, lambda: device.capture(timeout=TIMEOUT, idle=IDLE), TIMEOUT)
            control.replug()
        elif recovery is not None:
            time.sleep(recovery)
        assert len(touching(device.capture(timeout=TIMEOUT, idle=IDLE))) > 100


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_unplug_and_replug_over_a_pty_and_tcp(transport):
    with running("isdv4", transport, **FAST) as (url, control):
        device = opened(url)
        assert touching(device.capture(timeout=TIMEOUT, idle=IDLE))
        control.scenario({"faults": [{"kind": "unplug", "operation": "capture", "attempt": 1}]})
        timed(DeviceUnavailable, lambda: device.capture(timeout=TIMEOUT, idle=IDLE), TIMEOUT + MARGIN)
        control.replug()
        assert len(touching(device.capture(timeout=TIMEOUT, idle=IDLE))) > 100


def test_a_throttled_line_still_carries_the_signature():
    with running("isdv4", "pty", throttle=19200, **FAST) as (url, _):
        device = opened(url, baud=19200)
        assert len(touching(device.capture(timeout=TIMEOUT + 1, idle=IDLE))) > 100


def test_corrupt_packets_can_be_tolerated_by_option():
    faults = {"faults": [{"kind": "bad_checksum", "operation": "capture", "count": 2}]}
    with running("isdv4", scenario=faults, **FAST) as (url, _):
        device = opened(url, max_corrupt=10)
        assert len(touching(device.capture(timeout=TIMEOUT, idle=IDLE))) > 100


def test_configuration_and_life_cycle_errors():
    with pytest.raises(DeviceConfigError):
        Isdv4Pad("ektpsim://isdv4", speed=3)
    with pytest.raises(DeviceConfigError):
        Isdv4Pad("ektpsim://isdv4", settle=-1)
    with pytest.raises(DeviceUnavailable):
        Isdv4Pad("ektpsim://isdv4").capture(timeout=1)
    with running("isdv4", **FAST) as (url, _):
        device = registry.open_device("signature_pad", "isdv4", url, settle=0.05)
        device.close()
        with pytest.raises(DeviceUnavailable):
            device.capture(timeout=1)


def test_the_driver_s_fast_decode_path_agrees_with_the_codec():
    import random

    from drivers.isdv4 import PenStream
    from drivers.protocols.isdv4 import PenPacket

    rnd = random.Random(7)
    whole, split = PenStream(), PenStream()
    for i in range(2000):
        packet = PenPacket(rnd.random() < 0.9, rnd.random() < 0.7, False, False,
                           rnd.randrange(65536), rnd.randrange(65536), rnd.randrange(1024))  # fmt: skip
        data = packet.encode()
        whole.feed(data, float(i))  # one whole packet per read: the inline path
        split.feed(data[:4], float(i))  # split reads: the codec's parser
        split.feed(data[4:], float(i))
    assert whole.events == split.events and len(whole.events) > 1000
    assert whole.packets == split.packets == 2000 and whole.damaged == split.damaged == 0
