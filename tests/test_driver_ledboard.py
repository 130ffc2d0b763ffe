"""The Alpha LED queue board driver against its wire simulator: the packets it writes (golden bytes), the
read-back, and the board's faults as typed errors within the timeout, then showing again."""

from __future__ import annotations

import time

import pytest

from drivers import registry
from drivers.errors import DeviceBusy, DeviceConfigError, DeviceTimeout, DeviceUnavailable, ProtocolError
from drivers.interfaces import Call
from drivers.ledboard import AlphaSignBoard, ascii_line, call_line
from simulators.ledboard import call_from_text
from simulators.wire.harness import running

CALL = Call(number="A012", counter="2", service="EKTP")


def opened(url: str, **options) -> AlphaSignBoard:
    device = AlphaSignBoard(url, timeout=0.5, **options)
    device.open()
    return device


def timed(error, call, limit):
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    elapsed = time.monotonic() - started
    assert elapsed <= limit, f"{type(caught.value).__name__} after {elapsed:.2f} s"
    assert caught.value.message and "\n" not in caught.value.message
    return caught.value


def test_the_packets_on_the_wire():
    with running("ledboard") as (url, control):
        sent: list[bytes] = []
        handle = control.device.handle
        control.device.handle = lambda data, now: (sent.append(data), handle(data, now))[1]
        device = opened(url)
        sent.clear()
        device.show_call(CALL)
    # NUL x 5, SOH, type Z, address 00, STX, Write TEXT "A" label "A", ESC, middle line, hold, text, ETX, checksum, EOT
    write = b"\x00" * 5 + b"\x01Z00\x02AA\x1b bA012 LOKET 2\x0303E9\x04"
    read = b"\x00" * 5 + b"\x01Z00\x02BA\x04"  # READ TEXT "A"
    assert b"".join(sent) == write + read


def test_open_allocates_the_files_and_the_run_sequence():
    with running("ledboard") as (url, control):
        opened(url)
        assert control.device.memory == [b"AAU0040FFFF", b"BAU0100FFFF"]
        assert control.device.run_sequence == "AB"


def test_calls_and_running_text_as_the_display_model_records_them():
    with running("ledboard") as (url, control):
        device = opened(url)
        device.show_call(CALL)
        device.show_text("Selamat datang — Kecamatan Kalipare")
        device.show_call(Call(number="B007", counter="Perekaman"))
        board = control.device.board
        assert board.calls == [Call("A012", "2"), Call("B007", "PEREKAMAN")]
        assert board.texts == ["Selamat datang ? Kecamatan Kalipare"]
        assert [e["text"] for e in control.events_of("board")] == [
            "A012 LOKET 2", "Selamat datang ? Kecamatan Kalipare", "B007 PEREKAMAN"]
        assert control.device.text_of("A") == "B007 PEREKAMAN"


def test_call_lines_and_ascii():
    assert call_line(Call("A012", "2")) == "A012 LOKET 2"
    assert call_line(Call("C-003", "Loket Khusus")) == "C-003 LOKET KHUSUS"
    assert ascii_line("Désa\tKalipare\n") == "Desa Kalipare"
    assert call_from_text("A012 LOKET 2") == Call("A012", "2")


READ_FAULTS = [
    ({"kind": "no_answer"}, DeviceTimeout, None),
    ({"kind": "garbage"}, ProtocolError, None),
    ({"kind": "bad_checksum"}, ProtocolError, None),
    ({"kind": "truncated"}, ProtocolError, None),
    ({"kind": "slow", "seconds": 1.0}, DeviceTimeout, 1.1),
    ({"kind": "unplug"}, DeviceUnavailable, "replug"),
    ({"kind": "replug", "seconds": 0.3}, DeviceUnavailable, 0.4),
]
WRITE_FAULTS = [
    ({"kind": "busy"}, DeviceBusy, None),
    ({"kind": "error_code"}, ProtocolError, None),
    ({"kind": "unplug"}, DeviceUnavailable, "replug"),
    ({"kind": "replug", "seconds": 0.3}, DeviceUnavailable, 0.4),
]


@pytest.mark.parametrize(
    "operation, fault, error, recovery",
    [("read", *f) for f in READ_FAULTS] + [("write", *f) for f in WRITE_FAULTS],
    ids=[f"read-{f[0]['kind']}" for f in READ_FAULTS] + [f"write-{f[0]['kind']}" for f in WRITE_FAULTS],
)
def test_a_board_fault_is_a_typed_error_within_the_timeout(operation, fault, error, recovery):
    with running("ledboard") as (url, control):
        device = opened(url)
        device.show_call(Call("A011", "1"))
        attempts = [1, 2] if fault["kind"] in ("busy", "error_code") else [1]  # the driver writes twice
        control.scenario({"faults": [{**fault, "operation": operation, "attempt": attempts}]})
        caught = timed(error, lambda: device.show_call(CALL), 0.5 * 2 + 1.0)
        assert caught.retryable
        if recovery == "replug":
            control.replug()
        elif recovery is not None:
            time.sleep(recovery)
        device.show_call(CALL)
        assert control.device.text_of("A") == "A012 LOKET 2"


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_unplug_and_replug_over_a_pty_and_tcp(transport):
    with running("ledboard", transport) as (url, control):
        device = opened(url)
        control.scenario({"faults": [{"kind": "unplug", "operation": "write", "attempt": 1}]})
        timed(DeviceUnavailable, lambda: device.show_text("Istirahat"), 2.0)
        control.replug()
        device.show_text("Istirahat")
        assert control.device.board.texts[-1] == "Istirahat"


def test_a_board_that_cannot_answer_works_without_read_back():
    with running("ledboard", scenario={"faults": [{"kind": "no_answer", "operation": "read"}]}) as (url, control):
        with pytest.raises(DeviceTimeout):
            opened(url)
        device = opened(url, verify=False)
        device.show_call(CALL)
        assert control.device.board.calls[-1] == Call("A012", "2")


def test_options():
    with pytest.raises(DeviceConfigError):
        AlphaSignBoard("ektpsim://ledboard", framing="9Q1")
    with pytest.raises(DeviceConfigError):
        AlphaSignBoard("ektpsim://ledboard", call_label="B", text_label="B")
    with pytest.raises(DeviceConfigError):
        AlphaSignBoard("ektpsim://ledboard", address="")
    with pytest.raises(DeviceConfigError):
        AlphaSignBoard("ektpsim://ledboard", brightness=3)
    with running("ledboard", address="07") as (url, control):
        device = registry.open_device("queue_display", "alpha", url, address="07", framing="7E2")
        device.show_call(CALL)
        assert control.device.board.calls == [Call("A012", "2")]
        device.close()
        with pytest.raises(DeviceUnavailable):
            device.show_text("x")
    with running("ledboard", address="07") as (url, control):
        with pytest.raises(DeviceTimeout):  # addressed to another board: nobody answers
            opened(url, address="08")
