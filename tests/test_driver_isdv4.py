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
        assert b"".join(sent) == b"0*%"  # stop, the pen query, the touch query; sampling stays off until a capture
        caps = device.capabilities()
        assert caps == PenCapabilities(max_x=24000, max_y=15000, max_pressure=1023)
        assert device.info().firmware == "0x0102"
        device.capture(timeout=TIMEOUT, idle=IDLE)
        assert b"".join(sent) == b"0*%10"  # a capture starts sampling and stops it again
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


# ------------------------------------------------------------------------------------------------------------
# Touch screens: the touch query at open, touch packets in the middle of the pen stream
# ------------------------------------------------------------------------------------------------------------


def _strokes(events):
    return [(e.x, e.y, e.pressure) for e in touching(events)]


def _expected_strokes(attempt: int = 0):
    return [(s.x, s.y, s.pressure) for s in signature.signature_samples(1, attempt=attempt) if s.touching]


@pytest.mark.parametrize("touch, sensor, length", [("93", 0, 5), ("9a", 1, 7), ("2fg", 5, 13)])
def test_the_touch_query_names_the_touch_screen(touch, sensor, length):
    with running("isdv4", touch=touch, touch_max_x=4000, touch_max_y=3000, **FAST) as (url, _):
        device = opened(url)
        reply = device.touch_capabilities()
        assert (reply.sensor_id, reply.packet_length, reply.max_x, reply.max_y) == (sensor, length, 4000, 3000)
        assert device.info().extra["touch_packet"] == length
    with running("isdv4", **FAST) as (url, _):
        device = opened(url)
        assert device.touch_capabilities() is None and "touch_packet" not in device.info().extra


def test_a_pen_only_pad_may_be_opened_without_the_touch_query():
    with running("isdv4", **FAST) as (url, control):
        sent: list[bytes] = []
        handle = control.device.handle
        control.device.handle = lambda data, now: (sent.append(data), handle(data, now))[1]
        device = opened(url, touch_query="false")
        assert b"".join(sent) == b"0*" and device.touch_capabilities() is None
    with pytest.raises(DeviceConfigError):
        Isdv4Pad("ektpsim://isdv4", touch_query="maybe")


TOUCHES = {"touches": [{"attempt": 1, "at": 0.05, "seconds": 0.3, "x": 1000, "y": 2000, "fingers": 2,
                        "x2": 3000, "y2": 500, "capacity": 150}]}  # fmt: skip


@pytest.mark.parametrize("transport", ["inproc", "pty"])
@pytest.mark.parametrize("touch", ["93", "9a", "2fg"])
def test_a_palm_on_the_screen_does_not_change_the_strokes(transport, touch):
    with running("isdv4", transport, scenario=TOUCHES, touch=touch, **FAST) as (url, control):
        device = opened(url)
        events = device.capture(timeout=TIMEOUT, idle=IDLE)
        assert _strokes(events) == _expected_strokes(0)  # every pen sample, none from the touch screen
        assert events[0].touching and not events[-1].touching
        sent = control.events_of("touch")[-1]
        assert sent["packets"] == 31 and control.events_of("signature")[-1]["touches"] > 0
        first = [t for t in device.touches if t.finger == 1]
        assert len(first) == 31  # 30 reports while down (100 per second for 0.3 s) and one when it left
        assert all(t.touching for t in first[:-1]) and not first[-1].touching
        assert (first[0].raw_x, first[0].raw_y) == (1000, 2000)
        caps = device.capabilities()
        assert (first[0].x, first[0].y) == (1000 * caps.max_x // 4095, 2000 * caps.max_y // 4095)  # pen units
        assert any(t.pen_near for t in first)  # the pen was near: the kernel would drop these as a palm
        second = [t for t in device.touches if t.finger == 2]
        if touch == "2fg":
            assert len(second) == 31 and (second[0].raw_x, second[0].raw_y) == (3000, 500)
            assert second[0].capacity == 150
        else:
            assert not second  # a one-finger screen reports one finger
        assert (first[0].capacity == 150) is (touch != "93")
        times = [t.t for t in device.touches]
        assert times == sorted(times)
        # the next signature has no touch scripted: no touch events, same strokes as the model's next attempt
        again = device.capture(timeout=TIMEOUT, idle=IDLE)
        assert device.touches == [] and _strokes(again) == _expected_strokes(1)


@pytest.mark.parametrize("transport", ["inproc", "pty"])
def test_a_palm_left_on_the_screen_after_signing_does_not_spoil_the_signature(transport):
    """Touch packets keep coming when the pen is done: the capture ends on the pen's idle time, perhaps with a
    touch packet half received, which is no cut stream (unlike the ``truncated`` fault, where the bytes stop)."""
    palm = {"touches": [{"at": 0.0, "seconds": 20.0, "x": 3500, "y": 3600, "capacity": 300}]}
    with running("isdv4", transport, scenario=palm, touch="2fg", **FAST) as (url, control):
        device = opened(url)
        for attempt in range(3):
            events = device.capture(timeout=TIMEOUT, idle=IDLE)
            assert _strokes(events) == _expected_strokes(attempt) and len(device.touches) > 10


def test_a_pen_only_pad_sends_no_touch_packets():
    with running("isdv4", scenario=TOUCHES, **FAST) as (url, control):
        device = opened(url)
        events = device.capture(timeout=TIMEOUT, idle=IDLE)
        assert _strokes(events) == _expected_strokes(0) and device.touches == []
        assert control.events_of("touch") == [] and control.events_of("signature")[-1]["touches"] == 0


def test_a_touch_and_a_fault_on_the_same_signature_both_happen():
    scenario = {**TOUCHES, "faults": [{"kind": "bad_checksum", "operation": "capture", "attempt": 1, "count": 2}]}
    with running("isdv4", scenario=scenario, touch="9a", **FAST) as (url, _):
        device = opened(url)
        with pytest.raises(ProtocolError):
            device.capture(timeout=TIMEOUT, idle=IDLE)
        assert device.touches  # kept even though the capture failed
        tolerant = opened(url, max_corrupt=10)
        assert _strokes(tolerant.capture(timeout=TIMEOUT, idle=IDLE)) == _expected_strokes(1)


def test_a_stream_cut_among_pen_and_touch_packets_is_truncated():
    scenario = {"touches": [{"attempt": 1, "at": 0.0, "seconds": 3.0}],
                "faults": [{"kind": "truncated", "operation": "capture", "attempt": 1}]}  # fmt: skip
    with running("isdv4", scenario=scenario, touch="2fg", **FAST) as (url, _):
        device = opened(url)
        timed(ProtocolError, lambda: device.capture(timeout=TIMEOUT, idle=IDLE), TIMEOUT + MARGIN)


@pytest.mark.parametrize("fault, error", [({"kind": "garbage"}, ProtocolError),
                                          ({"kind": "bad_checksum"}, ProtocolError),
                                          ({"kind": "truncated"}, ProtocolError)])
def test_a_broken_touch_query_reply_fails_the_open(fault, error):
    scenario = {"faults": [{**fault, "operation": "touch_query", "attempt": 1}]}
    with running("isdv4", scenario=scenario, touch="9a", **FAST) as (url, _):
        device = Isdv4Pad(url, settle=0.05, timeout=0.5)
        timed(error, device.open, 0.5 + 0.3 + MARGIN)
        device.open()
        assert device.touch_capabilities().packet_length == 7


def test_a_silent_touch_query_means_no_touch_screen_as_in_the_kernel():
    scenario = {"faults": [{"kind": "no_answer", "operation": "touch_query", "attempt": 1}]}
    with running("isdv4", scenario=scenario, touch="9a", **FAST) as (url, _):
        device = opened(url, touch_timeout=0.2)
        assert device.touch_capabilities() is None
        assert len(touching(device.capture(timeout=TIMEOUT, idle=IDLE))) > 100


def test_the_stream_decoder_with_touch_packets_split_anywhere():
    import random

    from drivers.isdv4 import PenStream
    from drivers.protocols.isdv4 import PenPacket, QueryReply, TouchPacket, TouchQueryReply

    rnd = random.Random(3)
    query = QueryReply(20000, 15000, 1023)
    touch = TouchQueryReply(10, 5, 4095, 4095)
    pen_only, mixed = PenStream(touch, query), PenStream(touch, query)
    wire = bytearray()
    for i in range(1500):
        pen = PenPacket(True, rnd.random() < 0.8, False, False, rnd.randrange(20000), rnd.randrange(15000),
                        rnd.randrange(1024)).encode()  # fmt: skip
        pen_only.feed(pen, float(i))
        wire += pen
        if i % 7 == 0:
            wire += TouchPacket(13, True, rnd.randrange(4096), rnd.randrange(4096), 9, i % 2 == 0,
                                rnd.randrange(4096), rnd.randrange(4096), 9).encode()  # fmt: skip
    position = 0
    while position < len(wire):  # reads of any size, as a pty or TCP delivers them
        size = rnd.randrange(1, 30)
        mixed.feed(bytes(wire[position : position + size]), 0.0)
        position += size
    assert [(e.x, e.y, e.pressure, e.touching) for e in mixed.events] == \
        [(e.x, e.y, e.pressure, e.touching) for e in pen_only.events]  # fmt: skip
    assert mixed.damaged == 0 and len({t.finger for t in mixed.touches}) == 2
    assert all(0 <= t.x <= 20000 and 0 <= t.y <= 15000 for t in mixed.touches)


def test_a_scenario_file_scripts_a_touch(tmp_path):
    from simulators.scenario import Scenario, ScenarioError

    path = tmp_path / "palm.toml"
    path.write_text('[applicant]\ntouch = "9a"\n\n[touches]\nattempt = 1\nat = 0.0\nseconds = 0.2\nx = 100\ny = 200\n')
    with running("isdv4", scenario=path, **FAST) as (url, control):
        device = opened(url)
        assert _strokes(device.capture(timeout=TIMEOUT, idle=IDLE)) == _expected_strokes(0)
        assert [(t.raw_x, t.raw_y) for t in device.touches][:1] == [(100, 200)] and len(device.touches) == 21
        assert control.events_of("touch")[0]["attempt"] == 1
    for bad in ('[[touches]]\nattempt = 0\n', 'touches = 3\n', 'touches = ["x"]\n'):
        path.write_text(bad)
        with pytest.raises(ScenarioError) as err:
            Scenario.load(path)
        assert "touches" in str(err.value) and "\n" not in str(err.value)
