"""The ZFM fingerprint driver against its wire simulator: the bytes it sends, captures, module-side templates,
and every scripted fault ending in the right typed error within the timeout, then working again."""

from __future__ import annotations

import time

import numpy as np
import pytest

from biometrics.fingerprint_quality import quality
from drivers import registry
from drivers.errors import (
    CaptureFailed,
    DeviceBusy,
    DeviceConfigError,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from drivers.interfaces import Finger, SubjectAware
from drivers.protocols import zfm
from drivers.zfm import ZfmScanner
from simulators.wire.harness import running

TIMEOUT = 1.5
MARGIN = 0.8


def opened(url: str, **options) -> ZfmScanner:
    device = ZfmScanner(url, timeout=0.5, **options)
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


def test_the_driver_speaks_the_manual_s_frames():
    """Golden frames of the ZFM-20 manual: VfyPwd(0), ReadSysPara, GenImg, UpImage, in that order."""
    with running("zfm") as (url, control):
        sent: list[bytes] = []
        handle = control.device.handle
        control.device.handle = lambda data, now: (sent.append(data), handle(data, now))[1]
        device = opened(url)
        device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT)
        device.close()
    wire = b"".join(sent).hex().upper()
    prefix = "EF01FFFFFFFF"
    assert wire.startswith(prefix + "010007130000000000" + "1B")  # VfyPwd(0), sum 0x001B
    frames = [prefix + "0100030F0013", prefix + "010003010005", prefix + "0100030A000E"]  # ReadSysPara, GenImg, UpImage
    positions = [wire.find(frame) for frame in frames]
    assert all(p > 0 for p in positions) and positions == sorted(positions)


def test_a_capture_is_the_module_s_image_unpacked():
    with running("zfm") as (url, control):
        device = opened(url)
        image = device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT)
        assert image.finger is Finger.R_THUMB and image.device_quality is None
        assert image.image.shape == (288, 256) and image.image.dtype == np.uint8
        assert set(np.unique(image.image)) <= {17 * n for n in range(16)}  # 4-bit pixels, nibble x 17
        event = control.events_of("finger")[-1]
        assert event["finger"] == "R_THUMB" and event["quality"] == pytest.approx(quality(image.image), abs=0.1)
        info = device.info()
        assert info.driver == "zfm" and info.extra["capacity"] == 162 and info.extra["packet_size"] == 128
        assert not isinstance(device, SubjectAware)  # a real module cannot be told who stands there


def test_the_simulated_applicant_follows_the_sop_order_then_verifies_with_the_index_finger():
    with running("zfm") as (url, control):
        device = opened(url)
        for finger in Finger:
            device.capture_finger(finger, timeout=TIMEOUT)
        device.capture_finger(Finger.R_INDEX, timeout=TIMEOUT)
        presented = [e["finger"] for e in control.events_of("finger")]
    assert presented == [f.name for f in Finger] + ["R_INDEX"]


def test_a_poor_capture_is_presented_again():
    faults = {"faults": [{"kind": "low_quality", "operation": "capture", "part": "R_THUMB", "attempt": 1}]}
    with running("zfm", scenario=faults) as (url, control):
        device = opened(url)
        poor = device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT)
        good = device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT)
        nxt = device.capture_finger(Finger.R_INDEX, timeout=TIMEOUT)
        assert quality(poor.image) < 40 <= quality(good.image)
        assert [e["finger"] for e in control.events_of("finger")] == ["R_THUMB", "R_THUMB", "R_INDEX"]
        assert nxt.image.shape == (288, 256)


def test_module_side_enrol_verify_search_and_library():
    with running("zfm", finger="R_INDEX") as (url, control):
        device = opened(url)
        assert device.template_count() == 0 and device.stored_pages() == set()
        page = device.enroll(timeout=TIMEOUT * 2)
        assert page == 0 and device.stored_pages() == {0} and device.template_count() == 1
        assert device.enroll(page_id=7, timeout=TIMEOUT * 2) == 7
        result = device.verify(0, timeout=TIMEOUT)
        assert result.matched and result.score > 0
        found = device.search(timeout=TIMEOUT)
        assert found.found and found.page_id in (0, 7)
        control.device.present("L_THUMB")  # another finger on the glass
        assert not device.verify(0, timeout=TIMEOUT).matched
        assert not device.search(timeout=TIMEOUT).found
        device.delete_template(7)
        assert device.stored_pages() == {0}
        device.clear_library()
        assert device.template_count() == 0
        with pytest.raises(DeviceError) as err:
            device.verify(0, timeout=TIMEOUT)  # nothing stored there: template read error, fatal
        assert not err.value.retryable
        with pytest.raises(DeviceConfigError):
            device.verify(500, timeout=TIMEOUT)


def test_a_wrong_finger_does_not_verify():
    faults = {"faults": [{"kind": "wrong_finger", "operation": "capture", "attempt": 3, "finger": "R_MIDDLE"}]}
    with running("zfm", scenario=faults, finger="R_INDEX") as (url, control):
        device = opened(url)
        device.enroll(page_id=1, timeout=TIMEOUT * 2)  # captures 1 and 2
        assert not device.verify(1, timeout=TIMEOUT).matched  # capture 3: the middle finger
        assert device.verify(1, timeout=TIMEOUT).matched


def test_a_poor_image_has_too_few_features_for_a_template():
    faults = {"faults": [{"kind": "low_quality", "operation": "capture", "attempt": 1}]}
    with running("zfm", scenario=faults, finger="R_INDEX") as (url, _):
        device = opened(url)
        error = timed(CaptureFailed, lambda: device.search(timeout=TIMEOUT), TIMEOUT + MARGIN)
        assert error.code in (0x06, 0x07) and error.retryable


# Each fault: where it is scripted, what the capture must raise, retryable or not, and how the device recovers
# ("wait" seconds, or "replug").
FAULTS = [
    ({"kind": "no_answer", "operation": "capture"}, DeviceTimeout, True, None),
    ({"kind": "garbage", "operation": "capture"}, ProtocolError, True, None),
    ({"kind": "bad_checksum", "operation": "capture"}, ProtocolError, True, None),
    ({"kind": "truncated", "operation": "capture"}, ProtocolError, True, None),
    ({"kind": "slow", "operation": "capture", "seconds": 2.5}, DeviceTimeout, True, 2.6),
    ({"kind": "busy", "operation": "status", "seconds": 2.0}, DeviceBusy, True, 2.1),
    ({"kind": "busy", "operation": "capture", "seconds": 2.0}, DeviceBusy, True, 2.1),
    ({"kind": "no_finger", "operation": "capture"}, CaptureFailed, True, None),
    ({"kind": "error_code", "operation": "capture", "code": "0x03"}, CaptureFailed, True, None),
    ({"kind": "error_code", "operation": "status", "code": "0x18"}, DeviceError, False, None),
    ({"kind": "error_code", "operation": "upload"}, ProtocolError, True, None),
    ({"kind": "no_answer", "operation": "upload"}, DeviceTimeout, True, None),
    ({"kind": "garbage", "operation": "upload"}, ProtocolError, True, None),
    ({"kind": "bad_checksum", "operation": "upload"}, ProtocolError, True, None),
    ({"kind": "truncated", "operation": "upload"}, ProtocolError, True, None),
    ({"kind": "unplug", "operation": "upload", "after_bytes": 20000}, DeviceUnavailable, True, "replug"),
    ({"kind": "unplug", "operation": "capture"}, DeviceUnavailable, True, "replug"),
    ({"kind": "replug", "operation": "capture", "seconds": 0.3}, DeviceUnavailable, True, 0.4),
]


@pytest.mark.parametrize("fault, error, retryable, recovery", FAULTS,
                         ids=[f"{f['kind']}-{f['operation']}" for f, *_ in FAULTS])
def test_a_fault_is_a_typed_error_within_the_timeout_and_then_it_works(fault, error, retryable, recovery):
    with running("zfm") as (url, control):
        device = opened(url)
        device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT)
        control.scenario({"faults": [{**fault, "attempt": 1}]})
        caught = timed(error, lambda: device.capture_finger(Finger.R_INDEX, timeout=TIMEOUT), TIMEOUT + MARGIN)
        assert caught.retryable is retryable
        assert any(e["event"] == "fault" and e["kind"] == fault["kind"] for e in control.events)
        if recovery == "replug":
            timed(DeviceUnavailable, lambda: device.capture_finger(Finger.R_INDEX, timeout=TIMEOUT), TIMEOUT)
            control.replug()
        elif recovery is not None:
            time.sleep(recovery)
        image = device.capture_finger(Finger.R_INDEX, timeout=TIMEOUT + 1.0)
        assert quality(image.image) >= 40
        # The person re-presented the finger that did not make it, so the order still holds.
        assert control.events_of("finger")[-1]["finger"] == "R_INDEX"


@pytest.mark.parametrize("transport", ["pty", "tcp"])
@pytest.mark.parametrize("kind", ["garbage", "truncated", "unplug"])
def test_faults_over_a_pty_and_tcp(transport, kind):
    with running("zfm", transport) as (url, control):
        device = opened(url)
        control.scenario({"faults": [{"kind": kind, "operation": "upload", "attempt": 1}]})
        expected = DeviceUnavailable if kind == "unplug" else ProtocolError
        timed(expected, lambda: device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT), TIMEOUT + MARGIN)
        if kind == "unplug":
            control.replug()
        assert device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT + 1.0).image.shape == (288, 256)


def test_a_slow_answer_within_the_timeout_is_fine():
    faults = {"faults": [{"kind": "slow", "operation": "upload", "seconds": 0.3}]}
    with running("zfm", scenario=faults) as (url, _):
        device = opened(url)
        assert device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT).image.shape == (288, 256)


def test_the_module_is_deaf_just_after_power_on():
    with running("zfm", cold=1, deaf=0.5) as (url, _):
        started = time.monotonic()
        device = opened(url)
        assert time.monotonic() - started >= 0.4  # the handshake was repeated until the module listened
        assert device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT).image.size


@pytest.mark.parametrize("fault, error", [
    ({"kind": "no_answer", "operation": "open"}, DeviceTimeout),
    ({"kind": "garbage", "operation": "open"}, ProtocolError),
    ({"kind": "error_code", "operation": "open", "code": "0x13"}, DeviceError),
])
def test_open_fails_with_a_typed_error(fault, error):
    with running("zfm", scenario={"faults": [fault]}) as (url, _):
        device = ZfmScanner(url, timeout=0.5, open_timeout=1.0)
        caught = timed(error, device.open, 1.0 + MARGIN)
        if fault.get("code") == "0x13":
            assert not caught.retryable and "kata sandi" in caught.message


def test_the_module_password():
    with running("zfm", password=0x1234) as (url, _):
        with pytest.raises(DeviceError) as err:
            opened(url)
        assert not err.value.retryable
        device = opened(url, password="0x1234")
        assert device.capture_finger(Finger.R_THUMB, timeout=TIMEOUT).image.size


def test_a_command_with_a_bad_checksum_is_refused_by_the_module():
    with running("zfm") as (url, control):
        device = opened(url)
        frame = bytearray(zfm.gen_img().encode())
        frame[-1] ^= 0xFF
        device.link.flush_input()
        device.link.write(bytes(frame))
        reply = device._receive(time.monotonic() + 1.0, 12, "GenImg")
        assert zfm.parse_ack(reply).code is zfm.ConfirmationCode.PACKET_RECEIVE_ERROR


def test_configuration_errors():
    with pytest.raises(DeviceConfigError):
        ZfmScanner("ektpsim://zfm", colour="red")
    with pytest.raises(DeviceConfigError):
        ZfmScanner("ektpsim://zfm", sensor="big")
    with pytest.raises(DeviceConfigError):
        ZfmScanner("/dev/ttyUSB0?baud=fast")
    with pytest.raises(DeviceNotFound):
        ZfmScanner("/dev/ttyEKTP-missing").open()
    with pytest.raises(DeviceConfigError):
        ZfmScanner("nosuchscheme://x").open()
    with pytest.raises(DeviceUnavailable):
        ZfmScanner("ektpsim://zfm").capture_finger(Finger.R_THUMB)  # never opened
    for url in ("ektpsim://zfm?scenario=/nonexistent.toml", "ektpsim://zfm?colour=red", "ektpsim://toaster"):
        with pytest.raises(DeviceConfigError):
            ZfmScanner(url).open()


def test_station_toml_picks_the_driver_by_name():
    with running("zfm") as (url, _):
        device = registry.open_device("fingerprint", "zfm", f"{url}", baud=57600, password=0)
        try:
            assert isinstance(device, ZfmScanner) and device.supports_slaps is False
        finally:
            device.close()


@pytest.mark.filterwarnings("ignore:set.*is deprecated:DeprecationWarning")  # pyserial 3.5's own thread setup
def test_an_rfc2217_server_in_front_of_the_simulator_carries_the_host_s_baud_rate():
    """``rfc2217://`` URLs work too: pyserial's RFC 2217 port manager serves the in-process simulator."""
    import socket
    import threading

    import serial
    import serial.rfc2217

    from drivers.transport import register_url_handlers

    register_url_handlers()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    seen_baud: list[int] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with running("zfm") as (url, _control):
            port = serial.serial_for_url(url, timeout=0.05)

            class Writer:
                def write(self, data: bytes) -> None:
                    conn.sendall(data)

            manager = serial.rfc2217.PortManager(port, Writer())
            alive = True

            def to_host() -> None:
                while alive:
                    data = port.read(port.in_waiting or 1)
                    if data:
                        conn.sendall(b"".join(manager.escape(data)))

            threading.Thread(target=to_host, daemon=True).start()
            while data := conn.recv(4096):
                port.write(b"".join(manager.filter(data)))
                seen_baud.append(port.baudrate)
            alive = False
        conn.close()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    device = ZfmScanner(f"rfc2217://127.0.0.1:{listener.getsockname()[1]}", baud=57600)
    device.open()
    try:
        assert device.capture_finger(Finger.R_THUMB, timeout=5).image.shape == (288, 256)
    finally:
        device.close()
        server.join(5)
        listener.close()
    assert 57600 in seen_baud  # the far end was told the line speed


def test_the_baud_on_the_url_wins_and_pyserial_gets_a_clean_url():
    device = ZfmScanner("socket://127.0.0.1:4000?baud=115200&logging=debug", baud=57600)
    assert device.link.url == "socket://127.0.0.1:4000?logging=debug" and device.link.baudrate == 115200
    device = ZfmScanner("/dev/serial/by-id/usb-ZFM?baud=9600")
    assert device.link.url == "/dev/serial/by-id/usb-ZFM" and device.link.baudrate == 9600
    assert ZfmScanner("ektpsim://zfm?seed=3").link.url == "ektpsim://zfm?seed=3"


def test_the_scenario_s_applicant_table_sets_the_person_and_missing_fingers():
    """One scenario file may serve every simulator of a station: keys for other simulators (sex) are ignored."""
    scenario = {"applicant": {"seed": 7, "sex": "P", "missing": ["R_INDEX"]}}
    with running("zfm", scenario=scenario) as (url, control):
        assert control.device.seed == 7
        device = opened(url)
        for finger in Finger:
            if finger is not Finger.R_INDEX:  # declared missing: the station skips it (--exception)
                device.capture_finger(finger, timeout=TIMEOUT)
        device.capture_finger(Finger.L_INDEX, timeout=TIMEOUT)  # verification falls back to the left index
        presented = [e["finger"] for e in control.events_of("finger")]
    assert presented == [f.name for f in Finger if f is not Finger.R_INDEX] + ["L_INDEX"]


# ------------------------------------------------------------------------------------------------------------
# Transfers: UpChar, DownChar, DownImage
# ------------------------------------------------------------------------------------------------------------


def _render(finger: Finger, impression: int, seed: int = 1) -> np.ndarray:
    from simulators.models import fingerprint

    return fingerprint.render_finger(seed, finger, impression, poor=False, size=(288, 256))


def _sniff(control) -> list[bytes]:
    sent: list[bytes] = []
    handle = control.device.handle
    control.device.handle = lambda data, now: (sent.append(data), handle(data, now))[1]
    return sent


def test_a_template_goes_up_the_library_is_emptied_and_it_comes_back_down():
    with running("zfm", finger="R_INDEX") as (url, control):
        device = opened(url)
        page = device.enroll(timeout=TIMEOUT * 2)
        sent = _sniff(control)
        device.load_template(page, 1)
        template = device.upload_template(1)
        assert len(template) == 512  # ZFM-20: four data packets of 128 bytes
        wire = b"".join(sent).hex().upper()
        assert "EF01FFFFFFFF010004080100" + "0E" in wire  # UpChar(1), sum 0x000E
        device.clear_library()
        assert device.stored_pages() == set() and not device.search(timeout=TIMEOUT).found
        sent.clear()
        device.download_template(template, 2)
        wire = b"".join(sent)
        assert wire.startswith(bytes.fromhex("EF01FFFFFFFF010004090200" + "10"))  # DownChar(2), sum 0x0010
        assert [e["direction"] for e in control.events_of("template")][-2:] == ["down", "up"]  # read back
        assert device.store_template(9, 2) == 9 and device.stored_pages() == {9}
        found = device.search(timeout=TIMEOUT)
        assert found.found and found.page_id == 9 and found.score > 0
        device.load_template(9, 1)
        assert device.upload_template(1) == template  # the module keeps the bytes as they came


def test_a_template_moves_to_another_module_with_another_packet_size():
    with running("zfm", finger="L_INDEX") as (url_a, _), \
            running("zfm", finger="L_INDEX", packet_size=32) as (url_b, control_b):
        first = opened(url_a)
        page = first.enroll(timeout=TIMEOUT * 2)
        first.load_template(page)
        template = first.upload_template()
        second = opened(url_b)
        assert second.info().extra["packet_size"] == 32
        sent = _sniff(control_b)
        second.download_template(template)
        data_packets = [b for b in b"".join(sent).split(b"\xef\x01\xff\xff\xff\xff")[1:] if b[0] in (0x02, 0x08)]
        assert len(data_packets) == 16 and data_packets[-1][0] == 0x08  # 512 bytes in 32-byte packets
        assert second.store_template() == 0
        assert second.verify(0, timeout=TIMEOUT).matched  # a fresh impression on the second module
        control_b.device.present("R_THUMB")
        assert not second.verify(0, timeout=TIMEOUT).matched


def test_a_downloaded_image_is_extracted_searched_and_matched():
    with running("zfm", finger="R_MIDDLE") as (url, control):
        device = opened(url)
        page = device.enroll(page_id=4, timeout=TIMEOUT * 2)
        device.download_image(_render(Finger.R_MIDDLE, 7))  # another impression of the enrolled finger
        assert control.events_of("image")[-1]["bytes"] == 36864
        device.extract_template(1)
        found = device.search_buffer(1)
        assert found.found and found.page_id == page
        device.load_template(page, 2)
        assert device.match_buffers().matched
        device.download_image(_render(Finger.L_THUMB, 0))  # somebody else's finger
        device.extract_template(1)
        assert not device.search_buffer(1).found
        assert not device.match_buffers().matched
        device.download_image(np.full((288, 256), 200, np.uint8))  # a blank glass: no ridges
        with pytest.raises(CaptureFailed) as poor:
            device.extract_template(1)
        assert poor.value.code in (0x06, 0x07)
        with pytest.raises(DeviceConfigError):
            device.download_image(np.zeros((192, 192), np.uint8))  # not this sensor's size
        with pytest.raises(DeviceConfigError):
            device.download_template(b"")
        with pytest.raises(DeviceConfigError):
            device.upload_template(3)


def test_bytes_that_are_no_template_are_kept_but_match_nothing():
    with running("zfm", finger="R_INDEX") as (url, _):
        device = opened(url)
        device.enroll(page_id=0, timeout=TIMEOUT * 2)
        junk = bytes(range(256)) * 2
        device.download_template(junk, 1)
        assert device.upload_template(1) == junk
        assert not device.search_buffer(1).found


# (operation, fault, error): every transfer meets the wire faults with a typed error within the timeout.
TRANSFER_FAULTS = [
    ("up_char", {"kind": "no_answer"}, DeviceTimeout),
    ("up_char", {"kind": "garbage"}, ProtocolError),
    ("up_char", {"kind": "bad_checksum"}, ProtocolError),
    ("up_char", {"kind": "truncated"}, ProtocolError),
    ("up_char", {"kind": "slow", "seconds": 2.5}, DeviceTimeout),
    ("up_char", {"kind": "error_code"}, ProtocolError),
    ("up_char", {"kind": "unplug"}, DeviceUnavailable),
    ("down_char", {"kind": "no_answer"}, DeviceTimeout),
    ("down_char", {"kind": "garbage"}, ProtocolError),
    ("down_char", {"kind": "bad_checksum"}, ProtocolError),
    ("down_char", {"kind": "truncated"}, ProtocolError),
    ("down_char", {"kind": "error_code"}, ProtocolError),
    ("down_char", {"kind": "unplug"}, DeviceUnavailable),
    ("down_image", {"kind": "no_answer"}, DeviceTimeout),
    ("down_image", {"kind": "garbage"}, ProtocolError),
    ("down_image", {"kind": "bad_checksum", "packet": 200}, ProtocolError),
    ("down_image", {"kind": "truncated"}, ProtocolError),
    ("down_image", {"kind": "error_code", "code": "0x0E"}, ProtocolError),
    ("down_image", {"kind": "unplug", "after_bytes": 20000}, DeviceUnavailable),
    ("down_image", {"kind": "replug", "seconds": 0.3}, DeviceUnavailable),
]


def _transfer(device: ZfmScanner, operation: str, template: bytes, image: np.ndarray):
    if operation == "up_char":
        device.load_template(0, 1)
        return lambda: device.upload_template(1)
    if operation == "down_char":
        return lambda: device.download_template(template, 2)
    return lambda: device.download_image(image)


@pytest.mark.parametrize("operation, fault, error", TRANSFER_FAULTS,
                         ids=[f"{op}-{f['kind']}" for op, f, _ in TRANSFER_FAULTS])
def test_a_fault_during_a_transfer_is_a_typed_error_within_the_timeout(operation, fault, error):
    image = _render(Finger.R_INDEX, 5)
    with running("zfm", finger="R_INDEX") as (url, control):
        device = opened(url)
        device.enroll(page_id=0, timeout=TIMEOUT * 2)
        device.load_template(0, 1)
        template = device.upload_template(1)
        control.scenario({"faults": [{**fault, "operation": operation, "attempt": 1}]})
        caught = timed(error, _transfer(device, operation, template, image), TIMEOUT + MARGIN)
        assert caught.retryable
        assert any(e["event"] == "fault" and e["operation"] == operation for e in control.events)
        if fault["kind"] == "unplug":
            control.replug()
        elif fault["kind"] in ("slow", "replug"):
            time.sleep(fault["seconds"] + 0.1)
        # The same transfer works the second time, and the buffers hold what they should.
        result = _transfer(device, operation, template, image)()
        if operation == "up_char":
            assert result == template
        elif operation == "down_char":
            device.load_template(0, 1)
            assert device.match_buffers().matched
        else:
            device.extract_template(1)
            assert device.search_buffer(1).found


def test_a_failed_download_leaves_the_buffer_empty():
    faults = {"faults": [{"kind": "bad_checksum", "operation": "down_image", "attempt": 1}]}
    with running("zfm", scenario=faults, finger="R_INDEX") as (url, control):
        device = opened(url)
        with pytest.raises(ProtocolError):
            device.download_image(_render(Finger.R_INDEX, 1))
        assert control.events_of("transfer_failed")[-1] == {"event": "transfer_failed", "what": "image",
                                                            "reason": "checksum"}  # fmt: skip
        with pytest.raises(CaptureFailed) as empty:
            device.extract_template(1)  # 0x15: no valid image in the buffer
        assert empty.value.code == 0x15
        with pytest.raises(ProtocolError) as nothing:
            device.upload_template(2)  # 0x0D: nothing to upload
        assert nothing.value.code == 0x0D
        device.download_template(b"\x01" * 512, 1, verify=False)
        device.link.write(zfm.split_data(b"\x02" * 64, 32)[0].encode())  # a stray data packet: ignored
        assert device.upload_template(1) == b"\x01" * 512


@pytest.mark.parametrize("transport", ["pty", "tcp"])
@pytest.mark.parametrize("operation, kind", [("up_char", "bad_checksum"), ("down_image", "unplug"),
                                             ("down_char", "truncated")])
def test_transfer_faults_over_a_pty_and_tcp(transport, operation, kind):
    image = _render(Finger.R_INDEX, 5)
    with running("zfm", transport, finger="R_INDEX") as (url, control):
        device = opened(url)
        device.enroll(page_id=0, timeout=TIMEOUT * 2)
        device.load_template(0, 1)
        template = device.upload_template(1)
        control.scenario({"faults": [{"kind": kind, "operation": operation, "attempt": 1}]})
        expected = DeviceUnavailable if kind == "unplug" else ProtocolError
        timed(expected, _transfer(device, operation, template, image), TIMEOUT + MARGIN)
        if kind == "unplug":
            control.replug()
        _transfer(device, operation, template, image)()
        device.extract_template(1) if operation == "down_image" else device.load_template(0, 1)
        assert device.search_buffer(1).found
