"""Wacom STU driver against the simulated pad: real pyusb control/interrupt transfers through the simulated
backend, and the framed reports over TCP and a pty; screen upload, pen capture and every USB fault (STALL,
timeout, disconnect in the middle of an upload, re-plug)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from drivers.errors import DeviceBusy, DeviceConfigError, DeviceError, DeviceNotFound, DeviceTimeout, DeviceUnavailable, ProtocolError
from drivers.protocols import stu_reports as r
from drivers.registry import create_device
from drivers.stu import StuPad
from simulators.models import signature
from simulators.scenario import Scenario
from simulators.stu import StuBackend, StuPadModel, StuTcpServer
from tests.contract.sim_process import SimProcess


def _pad(scenario=None, **options) -> tuple[StuPad, StuPadModel]:
    model = StuPadModel(Scenario.from_dict({"faults": scenario or []}) if isinstance(scenario, list) else scenario)
    device = StuPad("usb://056A:00A8", backend=StuBackend(model), **options)
    return device, model


def _timed(fn):
    start = time.monotonic()
    try:
        fn()
    except DeviceError as exc:
        return exc, time.monotonic() - start
    return None, time.monotonic() - start


# --------------------------------------------------------------------------------------------- report codec


def test_report_codec_golden_bytes():
    pen = r.PenReport(True, True, 0x2A5, 0x1234, 0x0567, time_ms=0xBEEF, sequence=3)
    # 0x34 | flags 0x80 (proximity) | 0x10 (tip) | pressure high 0x2 | pressure low 0xA5 | x | y | time | seq
    assert pen.encode() == bytes.fromhex("34 92 A5 1234 0567 BEEF 0003")
    assert r.PenReport.decode(pen.encode()) == pen
    hover = r.PenReport(True, False, 0, 10, 20)
    assert hover.encode() == bytes.fromhex("01 80 00 000A 0014")
    cap = r.Capability(9600, 6000, 1023, 800, 480)
    assert cap.encode()[:12] == bytes.fromhex("09 2580 1770 03FF 0320 01E0 C8")  # BE u16 fields, rate 200
    assert r.Capability.decode(cap.encode()) == cap
    assert r.simple(r.INKING_MODE, 1) == b"\x21\x01"
    chunks = r.image_reports(r.ENCODING_24BIT, bytes(600))
    assert chunks[0] == b"\x25\x04" and chunks[-1] == b"\x27\x00"
    assert chunks[1][:3] == b"\x26\xfd\x00" and len(chunks[1]) == 256  # 253 bytes, length little-endian
    assert chunks[3][:3] == b"\x26\x5e\x00"  # 600 = 253 + 253 + 94
    assert r.crc16(b"123456789") == 0x29B1
    framed = r.frame(r.K_GET, b"\x09\x11\x00")
    assert framed[:4] == b"\xa5\x01\x03\x00" and r.FrameReader().feed(framed[:3]) == []
    reader = r.FrameReader()
    assert reader.feed(b"\x00junk" + framed) == [(r.K_GET, b"\x09\x11\x00")]
    with pytest.raises(ProtocolError):
        reader.feed(framed[:-1] + bytes([framed[-1] ^ 1]))
    with pytest.raises(ProtocolError):
        r.PenReport.decode(b"\x77" + bytes(6))


# --------------------------------------------------------------------------------------------- in-process USB


def test_open_reads_capability_information_serial():
    device, _ = _pad()
    with device:
        caps = device.capabilities()
        assert (caps.max_x, caps.max_y, caps.max_pressure) == (9600, 6000, 1023)
        assert caps.has_screen and (caps.screen_width, caps.screen_height) == (800, 480)
        info = device.info()
        assert info.model == "Wacom STU-540" and info.serial == "SIMSTU0001" and info.firmware == "1.2"


def test_registry_and_stusim_url():
    import simulators.stu  # noqa: F401 - registers the stusim scheme

    device = create_device("signature_pad", "stu", "stusim://registry-test")
    with device:
        assert device.capture(timeout=5.0, idle=0.2)


def test_show_puts_the_image_on_the_screen():
    device, model = _pad()
    image = np.zeros((240, 400, 3), np.uint8)
    image[:, :, 2] = 200  # red, half the screen size: scaled up to fill it
    with device:
        device.show(image)
    assert model.shown_count == 1
    assert model.shown.shape == (480, 800, 3)
    assert tuple(model.shown[240, 400]) == (0, 0, 200)


def test_capture_returns_the_applicants_signature():
    device, model = _pad()
    with device:
        events = device.capture(timeout=10.0, idle=0.2)
    samples = signature.signature_samples(1, attempt=0)
    assert sum(e.touching for e in events) == sum(s.touching and s.pressure > 0 for s in samples)
    assert all(0 <= e.x <= 9600 and 0 <= e.y <= 6000 and 0 <= e.pressure <= 1023 for e in events)
    touching = [e for e in events if e.touching]
    # Times come from the pad's clock: the signature lasts as long as the person signed.
    assert touching[-1].t - touching[0].t == pytest.approx(samples[-2].t - samples[0].t, abs=0.05)
    assert not model.inking  # inking switched off again


def test_nobody_signs_returns_nothing_within_the_timeout():
    device, _ = _pad([{"kind": "no_finger", "operation": "capture"}])
    with device:
        error, took = _timed(lambda: device.capture(timeout=1.0, idle=0.2))
        assert error is None and took < 1.5
        assert device.capture(timeout=1.0, idle=0.2) == []


def test_low_quality_scribble():
    device, _ = _pad([{"kind": "low_quality", "operation": "capture"}])
    with device:
        events = device.capture(timeout=5.0, idle=0.2)
    assert 0 < sum(e.touching for e in events) < 20


def test_stall_is_a_protocol_error():
    device, _ = _pad([{"kind": "error_code", "operation": "capture", "attempt": 1}])
    with device:
        with pytest.raises(ProtocolError) as info:
            device.capture(timeout=5.0, idle=0.2)
        assert info.value.code == "stall" and info.value.retryable
        assert device.capture(timeout=5.0, idle=0.2)  # the next attempt works


def test_truncated_and_garbage_reports():
    device, _ = _pad([{"kind": "truncated", "operation": "query"}])
    with pytest.raises(ProtocolError):
        device.open()
    device, _ = _pad([{"kind": "garbage", "operation": "capture"}])
    with device:
        with pytest.raises(ProtocolError):
            device.capture(timeout=5.0, idle=0.2)


def test_transfer_timeout_within_the_timeout():
    device, _ = _pad([{"kind": "no_answer", "operation": "status"}], timeout=0.5)
    with device:
        error, took = _timed(lambda: device.show(np.zeros((480, 800, 3), np.uint8)))
    assert isinstance(error, DeviceTimeout) and took < 1.2


def test_busy_pad():
    device, _ = _pad([{"kind": "busy", "operation": "status"}])
    with device:
        error, took = _timed(lambda: device.show(np.zeros((480, 800, 3), np.uint8), timeout=0.5))
    assert isinstance(error, DeviceBusy) and error.retryable and took < 1.0


def test_image_crc_error():
    device, _ = _pad([{"kind": "bad_checksum", "operation": "upload"}])
    with device:
        with pytest.raises(ProtocolError) as info:
            device.show(np.zeros((480, 800, 3), np.uint8))
        assert info.value.code == str(r.RESULT_CRC)


def test_unplug_in_the_middle_of_an_upload_then_replug():
    device, model = _pad([{"kind": "unplug", "operation": "upload", "after_bytes": 100_000, "attempt": 1}])
    with device:
        error, took = _timed(lambda: device.show(np.zeros((480, 800, 3), np.uint8)))
        assert isinstance(error, DeviceUnavailable) and took < 2.0
        with pytest.raises(DeviceNotFound):  # still unplugged: the pad is not on the bus
            device.capture(timeout=1.0)
        model.replug()
        device.show(np.zeros((480, 800, 3), np.uint8))  # opened again
        assert model.shown_count == 1


def test_bad_urls():
    for url in ("ftp://x", "usb://zz:00A8", "usb://056A:00A8?timeout=0"):
        with pytest.raises(DeviceConfigError):
            StuPad(url)
    with pytest.raises(DeviceNotFound):
        StuPad("usb://056A:0001", backend=StuBackend()).open()


# --------------------------------------------------------------------------------------------- framed links


def test_tcp_framing_show_capture_crc_and_unplug():
    model = StuPadModel()
    server = StuTcpServer(model).start()
    try:
        with StuPad(f"stu+tcp://127.0.0.1:{server.port}") as device:
            device.show(np.full((480, 800, 3), 90, np.uint8))
            assert model.shown_count == 1 and model.shown[0, 0, 0] == 90
            assert device.capture(timeout=5.0, idle=0.2)
            model.scenario({"kind": "bad_checksum", "operation": "status", "attempt": 1})
            with pytest.raises(ProtocolError, match="CRC"):
                device.show(np.zeros((480, 800, 3), np.uint8))
            model.scenario({"kind": "unplug", "operation": "capture"})
            with pytest.raises(DeviceUnavailable):
                device.capture(timeout=2.0, idle=0.2)
            model.scenario(None)
            model.replug()
            assert device.capture(timeout=5.0, idle=0.2)
    finally:
        server.stop()


@pytest.mark.parametrize("mode", ["tcp", "pty"])
def test_serve_cli_readiness_and_capture(mode):
    proc = SimProcess("simulators.stu", mode, scenario={"applicant": {"pace": 0.0}}).start()
    try:
        ready = proc.ready
        assert ready["device"] == "stu"
        url = f"stu+tcp://127.0.0.1:{ready['port']}" if mode == "tcp" else f"stu+serial://{ready['port']}"
        if mode == "tcp":
            assert ready["host"] == "127.0.0.1"
        else:
            assert str(ready["port"]).startswith("/dev/")
        with StuPad(url) as device:
            device.show(np.zeros((100, 100, 3), np.uint8))
            assert sum(e.touching for e in device.capture(timeout=5.0, idle=0.3)) > 100
        deadline = time.monotonic() + 3
        while not any(e.get("event") == "signature" for e in proc.events) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(e.get("event") == "image" for e in proc.events)
        assert any(e.get("event") == "signature" for e in proc.events)
    finally:
        proc.close()
