"""SBI drivers against the simulated SBI service over real HTTP on 127.0.0.1: captures, every scripted fault,
the error codes, signatures and trust, discovery, unplug and re-plug."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from biometrics.fingerprint_match import compare
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
from drivers.interfaces import Eye, Finger, Slap, Subject
from drivers.registry import create_device
from drivers.sbi import SbiFaceCamera, SbiFingerprintScanner, SbiIrisCamera
from simulators.sbi import SbiSimulator

RIGHT = set(Slap.RIGHT_FOUR.fingers)


@pytest.fixture(scope="module")
def sim():
    with SbiSimulator() as s:
        yield s


@pytest.fixture
def scanner(sim):
    sim.scenario(None)
    sim.present(Subject(seed=1, sex="L", birth_year=1990))
    sim.replug()
    with SbiFingerprintScanner(sim.url) as device:
        yield device


def _elapsed(fn):
    start = time.monotonic()
    try:
        fn()
    except DeviceError as exc:
        return exc, time.monotonic() - start
    return None, time.monotonic() - start


# ------------------------------------------------------------------------------------------ healthy device


def test_registry_builds_the_sbi_drivers(sim):
    device = create_device("fingerprint", "sbi", sim.url)
    assert isinstance(device, SbiFingerprintScanner)
    assert isinstance(create_device("iris", "sbi", sim.url), SbiIrisCamera)
    assert isinstance(create_device("camera", "sbi", sim.url), SbiFaceCamera)


def test_open_discovers_the_slap_scanner_and_its_signed_info(scanner, sim):
    info = scanner.info()
    assert scanner.supports_slaps
    assert info.serial == "SIM-SLAP-0001" and "Slap" in info.model
    assert info.extra["port"] == sim.port and info.extra["info_signed"] and info.extra["spec_version"] == "0.9.5"


def test_four_finger_slap(scanner, sim):
    slap = scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT)
    assert slap.present == RIGHT
    for f in slap.fingers:
        assert f.image.dtype == np.uint8 and f.image.ndim == 2 and min(f.image.shape) > 150
        assert 40 <= f.device_quality <= 100  # a cooperative applicant
        x, y, w, h = f.box
        assert np.array_equal(slap.image[y:y + h, x:x + w], f.image)
    event = sim.events[-1]
    assert event["event"] == "rcapture" and event["count"] == 4 and event["subId"] == 2


def test_thumbs_and_exceptions(scanner, sim):
    thumbs = scanner.capture_slap(Slap.TWO_THUMBS, {Finger.L_THUMB, Finger.R_THUMB})
    assert thumbs.present == {Finger.L_THUMB, Finger.R_THUMB}
    # The station excepts an amputated finger: the device is asked for three and told of the exception.
    three = scanner.capture_slap(Slap.LEFT_FOUR, {Finger.L_INDEX, Finger.L_MIDDLE, Finger.L_RING})
    assert three.present == {Finger.L_INDEX, Finger.L_MIDDLE, Finger.L_RING}
    assert sim.events[-1]["count"] == 3 and sim.events[-1]["subId"] == 1


def test_index_finger_verification_matches_the_slap_print(scanner):
    """The same synthetic person presents the same finger later: the station's step 4.6 succeeds."""
    enrolled = {f.finger: f.image for f in scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT).fingers}
    probe = scanner.capture_finger(Finger.R_INDEX)
    assert probe.finger == Finger.R_INDEX and probe.image.shape == (400, 400)
    assert compare(enrolled[Finger.R_INDEX], probe.image).match
    assert not compare(enrolled[Finger.R_MIDDLE], probe.image).match


def test_hash_chain_runs_across_requests(scanner, sim):
    scanner.capture_finger(Finger.R_THUMB)
    first = scanner._previous_hash
    scanner.capture_finger(Finger.L_THUMB)
    assert scanner._previous_hash and scanner._previous_hash != first


def test_closed_device_refuses(sim):
    device = SbiFingerprintScanner(sim.url)
    with pytest.raises(DeviceUnavailable):
        device.capture_finger(Finger.R_INDEX)


@pytest.mark.parametrize("url", ["usb://1", "sbi://127.0.0.1:99999", "sbi://127.0.0.1:4501?colour=red",
                                 "sbi://127.0.0.1:4501?requested_score=0", "sbi://127.0.0.1?env=Mars",
                                 "sbi://127.0.0.1?signatures=never"])
def test_bad_urls_are_config_errors(url):
    with pytest.raises(DeviceConfigError):
        SbiFingerprintScanner(url)


# ------------------------------------------------------------------------------------ applicant faults


def test_three_of_four(scanner, sim):
    sim.scenario({"kind": "three_of_four", "finger": "R_RING"})
    slap = scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT)
    assert slap.present == RIGHT - {Finger.R_RING}


def test_missing_finger_of_the_applicant(scanner, sim):
    sim.present(Subject(seed=5, missing_fingers=frozenset({Finger.R_LITTLE})))
    assert scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT).present == RIGHT - {Finger.R_LITTLE}
    with pytest.raises(CaptureFailed) as info:
        scanner.capture_finger(Finger.R_LITTLE)
    assert info.value.code == "101"


def test_low_quality(scanner, sim):
    good = scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT)
    sim.scenario({"kind": "low_quality"})
    poor = scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT)
    assert poor.present == RIGHT  # the capture succeeds ...
    assert max(f.device_quality for f in poor.fingers) < min(f.device_quality for f in good.fingers)
    assert np.mean([f.device_quality for f in poor.fingers]) < 40  # ... below MOSIP's slap threshold


def test_no_finger_is_error_101(scanner, sim):
    sim.scenario({"kind": "no_finger"})
    with pytest.raises(CaptureFailed) as info:
        scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT)
    assert info.value.code == "101" and info.value.retryable


def test_wrong_hand_on_a_slap_and_wrong_finger_on_a_single_capture(scanner, sim):
    sim.scenario({"kind": "wrong_finger"})
    with pytest.raises(CaptureFailed) as info:
        scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT)
    assert info.value.code == "520"
    sim.scenario(None)
    enrolled = {f.finger: f.image for f in scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT).fingers}
    sim.scenario({"kind": "wrong_finger", "finger": "R_MIDDLE"})
    probe = scanner.capture_finger(Finger.R_INDEX)  # a single-finger device cannot tell ...
    assert not compare(enrolled[Finger.R_INDEX], probe.image).match  # ... the station's verification can
    assert compare(enrolled[Finger.R_MIDDLE], probe.image).match


# -------------------------------------------------------------------------------------- device faults


def test_busy_is_device_busy_with_code_111(scanner, sim):
    sim.scenario({"kind": "busy"})
    with pytest.raises(DeviceBusy) as info:
        scanner.capture_finger(Finger.R_INDEX)
    assert info.value.code == "111" and info.value.retryable


def test_parallel_capture_is_703(sim):
    sim.scenario({"kind": "no_finger", "seconds": 1.0, "attempt": 1})
    with SbiFingerprintScanner(sim.url) as a, SbiFingerprintScanner(sim.url) as b:
        results = {}
        first = threading.Thread(target=lambda: results.update(a=_elapsed(lambda: a.capture_finger(Finger.R_INDEX))))
        first.start()
        time.sleep(0.3)
        error, _ = _elapsed(lambda: b.capture_finger(Finger.L_INDEX))
        first.join()
    assert isinstance(error, DeviceBusy) and error.code == "703"
    assert isinstance(results["a"][0], CaptureFailed)


@pytest.mark.parametrize("code,cls", [(102, CaptureFailed), (103, DeviceError), (105, CaptureFailed),
                                      (106, DeviceUnavailable), (107, DeviceConfigError), (110, DeviceUnavailable),
                                      (112, ProtocolError), (701, DeviceTimeout), (999, ProtocolError)])
def test_error_codes(scanner, sim, code, cls):
    sim.scenario({"kind": "error_code", "code": code, "info": "simulated"})
    with pytest.raises(cls) as info:
        scanner.capture_finger(Finger.R_INDEX)
    assert info.value.code == str(code) and "simulated" in info.value.message
    sim.scenario(None)
    scanner.capture_finger(Finger.R_INDEX)  # the device works again after the error


def test_no_answer_times_out_within_the_timeout(scanner, sim):
    sim.scenario({"kind": "no_answer"})
    error, took = _elapsed(lambda: scanner.capture_finger(Finger.R_INDEX, timeout=1.0))
    assert isinstance(error, DeviceTimeout) and error.retryable
    assert 0.9 <= took < 1.5


def test_slow_device(scanner, sim):
    sim.scenario({"kind": "slow", "seconds": 0.4})
    start = time.monotonic()
    assert scanner.capture_finger(Finger.R_INDEX, timeout=5.0).finger == Finger.R_INDEX
    assert time.monotonic() - start >= 0.4
    sim.scenario({"kind": "slow", "seconds": 3.0})
    error, took = _elapsed(lambda: scanner.capture_finger(Finger.R_INDEX, timeout=1.0))
    assert isinstance(error, DeviceTimeout) and took < 1.5


@pytest.mark.parametrize("fault", [{"kind": "garbage"}, {"kind": "truncated"},
                                   {"kind": "bad_checksum"}, {"kind": "bad_checksum", "target": "hash"}])
def test_corrupt_answers_are_protocol_errors(scanner, sim, fault):
    sim.scenario(fault)
    with pytest.raises(ProtocolError) as info:
        scanner.capture_finger(Finger.R_INDEX, timeout=3.0)
    assert info.value.retryable
    sim.scenario(None)
    scanner.capture_finger(Finger.R_INDEX)


def test_unplug_in_the_middle_of_a_transfer_then_replug(scanner, sim):
    sim.scenario({"kind": "unplug", "operation": "capture", "after_bytes": 3000, "seconds": 0.5, "attempt": 1})
    error, took = _elapsed(lambda: scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT, timeout=5.0))
    assert isinstance(error, DeviceUnavailable) and took < 5.0
    with pytest.raises(DeviceUnavailable) as info:  # the sensor is gone: the service answers 106
        scanner.capture_finger(Finger.R_INDEX)
    assert info.value.code == "106"
    time.sleep(0.6)  # plugged back in
    assert scanner.capture_slap(Slap.RIGHT_FOUR, RIGHT).present == RIGHT


def test_replug_fault_brings_the_device_back(scanner, sim):
    sim.unplug()
    with pytest.raises(DeviceUnavailable):
        scanner.capture_finger(Finger.R_INDEX)
    sim.scenario({"kind": "replug"})
    assert scanner.capture_finger(Finger.R_INDEX).finger == Finger.R_INDEX
    assert any(e["event"] == "replug" for e in sim.events)


def test_service_stopped_and_restarted(scanner, sim):
    sim.stop()
    try:
        error, took = _elapsed(lambda: scanner.capture_finger(Finger.R_INDEX, timeout=2.0))
        assert isinstance(error, DeviceUnavailable) and took < 2.0
    finally:
        sim.start()
    assert scanner.capture_finger(Finger.R_INDEX).finger == Finger.R_INDEX


# ------------------------------------------------------------------------------- discovery and signatures


def test_discovery_scans_a_port_range(sim):
    with SbiIrisCamera(f"sbi://127.0.0.1:{sim.port - 2}-{sim.port + 2}") as device:
        assert device.info().extra["port"] == sim.port


def test_nothing_listening_is_device_not_found():
    error, took = _elapsed(lambda: SbiFingerprintScanner("sbi://127.0.0.1:4590-4599").open())
    assert isinstance(error, DeviceNotFound) and not error.retryable and took < 3.0


def test_trust_file(sim, tmp_path):
    ca = tmp_path / "provider-ca.pem"
    ca.write_bytes(sim.identity.ca_pem)
    with SbiFingerprintScanner(sim.url, trust=str(ca)) as device:
        assert device.capture_finger(Finger.R_INDEX).finger == Finger.R_INDEX
    other = SbiSimulator(port=0)
    other.stop()
    from tests.test_protocol_sbi import _key_and_cert
    from cryptography.hazmat.primitives.serialization import Encoding

    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(_key_and_cert()[1].public_bytes(Encoding.PEM))
    with pytest.raises(ProtocolError, match="tidak dipercaya"):
        SbiFingerprintScanner(sim.url, trust=str(stranger)).open()


def test_unsigned_development_device():
    with SbiSimulator(signed=False) as dev_sim:
        with SbiFingerprintScanner(dev_sim.url) as strict:
            with pytest.raises(ProtocolError, match="tidak ditandatangani"):
                strict.capture_finger(Finger.R_INDEX)
        with SbiFingerprintScanner(dev_sim.url, signatures="optional") as lax:
            assert lax.capture_finger(Finger.R_INDEX).finger == Finger.R_INDEX


# ----------------------------------------------------------------------------------------------- iris, face


def test_iris_both_eyes_and_one_eye(sim):
    sim.scenario(None)
    sim.present(Subject(seed=3))
    with SbiIrisCamera(sim.url) as camera:
        both = camera.capture({Eye.LEFT, Eye.RIGHT})
        assert set(both) == {Eye.LEFT, Eye.RIGHT}
        assert all(img.image.shape == (480, 640) and img.device_quality >= 60 for img in both.values())
        assert sim.events[-1]["subId"] == 3 and sim.events[-1]["count"] == 2
        left = camera.capture({Eye.LEFT})
        assert set(left) == {Eye.LEFT} and sim.events[-1]["count"] == 1
        sim.scenario({"kind": "low_quality"})
        poor = camera.capture({Eye.LEFT, Eye.RIGHT})
        assert all(img.device_quality < 40 for img in poor.values())
        sim.present(Subject(seed=3, missing_eyes=frozenset({Eye.RIGHT})))
        sim.scenario(None)
        with pytest.raises(CaptureFailed):
            camera.capture({Eye.RIGHT})
        assert set(camera.capture({Eye.LEFT, Eye.RIGHT})) == {Eye.LEFT}


def test_face_still_and_preview(sim):
    sim.scenario(None)
    sim.present(Subject(seed=2, birth_year=1991))
    with SbiFaceCamera(sim.url) as camera:
        still = camera.still()
        assert still.image.shape == (800, 600, 3) and (still.width, still.height) == (600, 800)
        assert still.image[5, 5, 2] > 150 and still.image[5, 5, 0] < 80  # red cloth for an odd birth year
        frames = camera.frames()
        shots = [next(frames) for _ in range(3)]
        frames.close()
        assert all(s.shape == (360, 480, 3) for s in shots)
        sim.scenario({"kind": "busy", "operation": "stream"})
        with pytest.raises(DeviceBusy):
            next(camera.frames())


def test_serve_cli_readiness_events_and_applicant():
    from tests.contract.sim_process import SimProcess

    proc = SimProcess("simulators.sbi", "tcp", scenario={"applicant": {"seed": 7},
                                                         "faults": [{"kind": "busy", "attempt": 1,
                                                                     "operation": "capture"}]}).start()
    try:
        assert proc.ready["device"] == "sbi" and proc.ready["host"] == "127.0.0.1"
        assert 4501 <= proc.ready["port"] <= 4600  # the SBI range, for discovery
        with SbiFingerprintScanner(f"sbi://127.0.0.1:{proc.port}") as device:
            with pytest.raises(DeviceBusy):
                device.capture_finger(Finger.R_INDEX)
            probe = device.capture_finger(Finger.R_INDEX)
        from simulators.models import fingerprint

        assert compare(fingerprint.render_finger(7, Finger.R_INDEX, 5), probe.image).match  # person 7
        deadline = time.monotonic() + 3
        while len([e for e in proc.events if e.get("event") == "rcapture"]) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        kinds = [e["event"] for e in proc.events]
        assert kinds[:2] == ["discover", "info"] and kinds.count("rcapture") == 2
        assert all(e["device"] == "sbi" for e in proc.events)
        assert not any("bioValue" in str(e) for e in proc.events)  # no biometrics in the log
    finally:
        proc.close()


def test_slap_images_keep_the_hands_shape_for_the_stations_sequence_check(scanner):
    """SBI sends segmented fingers only; the rebuilt slap keeps platen order and heights, so the station's
    check that left and right slaps are not swapped passes for a cooperative applicant."""
    from ektp_station.recording.checks import slap_sequence_verdict

    slaps = {s: scanner.capture_slap(s, set(s.fingers)) for s in (Slap.RIGHT_FOUR, Slap.LEFT_FOUR, Slap.TWO_THUMBS)}
    assert slap_sequence_verdict({s: img.fingers for s, img in slaps.items()}).passed
    right = {f.finger: f.box for f in slaps[Slap.RIGHT_FOUR].fingers}
    assert right[Finger.R_INDEX][0] < right[Finger.R_LITTLE][0]  # index on the image's left for a right hand
    left = {f.finger: f.box for f in slaps[Slap.LEFT_FOUR].fingers}
    assert left[Finger.L_LITTLE][0] < left[Finger.L_INDEX][0]
    assert slaps[Slap.RIGHT_FOUR].image.shape == (1500, 1600)
