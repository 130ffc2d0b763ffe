"""Simulated devices: the synthetic data models, the fingerprint comparator and quality on them, and the
in-process ``sim`` drivers through the driver registry."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from biometrics import fingerprint_match as fm
from biometrics.fingerprint_quality import assess, quality
from drivers import registry
from drivers.errors import CaptureFailed, DeviceConfigError, DeviceTimeout, DeviceUnavailable, NotSupported
from drivers.interfaces import (
    Call,
    Camera,
    Eye,
    Finger,
    FingerprintScanner,
    IrisCamera,
    QueueDisplay,
    SignaturePad,
    Slap,
    Subject,
    SubjectAware,
    Ticket,
    TicketPrinter,
)
from simulators.cli import main as sim_main
from simulators.models import face, fingerprint, iris, signature

ROOT = Path(__file__).resolve().parents[1]
PERSONS = range(9100, 9120)  # 20 synthetic persons
FINGERS = (Finger.R_INDEX, Finger.L_INDEX)
IMPRESSIONS = (0, 1, 2)

TICKET = Ticket(
    office="Kecamatan Kalipare",
    service="Perekaman KTP-el",
    number="A-012",
    issued_at_text="Senin, 23 November 2026 08.15 WIB",
    waiting_ahead=3,
    qr_payload="KLP-20261123-A012",
)


# -------------------------------------------------------------------------------------- determinism


def test_models_are_deterministic_by_seed():
    assert np.array_equal(fingerprint.render_finger(42, 2, 1), fingerprint.render_finger(42, 2, 1))
    a, b = (fingerprint.render_slap(42, Slap.LEFT_FOUR, impression=2) for _ in range(2))
    assert np.array_equal(a.image, b.image) and a.boxes == b.boxes
    assert np.array_equal(face.render(42, 1990, frame=3), face.render(42, 1990, frame=3))
    assert np.array_equal(iris.render(42, "L", 1).image, iris.render(42, "L", 1).image)
    assert signature.signature_samples(42, attempt=1) == signature.signature_samples(42, attempt=1)


def test_persons_fingers_and_impressions_differ():
    base = fingerprint.render_finger(42, 2, 0)
    assert not np.array_equal(base, fingerprint.render_finger(43, 2, 0))  # another person
    assert not np.array_equal(base, fingerprint.render_finger(42, 3, 0))  # another finger
    assert not np.array_equal(base, fingerprint.render_finger(42, 2, 1))  # another impression
    assert fingerprint.finger_identity(42, 2) != fingerprint.finger_identity(43, 2)
    assert not np.array_equal(face.render(42, 1990), face.render(43, 1990))
    assert not np.array_equal(iris.iris_texture(42, "L"), iris.iris_texture(42, "R"))
    assert not np.array_equal(iris.iris_texture(42, "L"), iris.iris_texture(43, "L"))
    assert signature.signature_samples(42) != signature.signature_samples(43)


def test_finger_image_format():
    image = fingerprint.render_finger(7, Finger.R_THUMB, 0)
    assert image.dtype == np.uint8 and image.shape == fingerprint.FINGER_IMAGE_SIZE
    # Dark ridges on a light platen.
    assert np.percentile(image, 95) > 200 and np.percentile(image, 5) < 90


# --------------------------------------------------------------------------- comparator on the generator


@pytest.fixture(scope="module")
def features():
    return {
        (person, finger, k): fm.extract(fingerprint.render_finger(person, finger, k))
        for person in PERSONS
        for finger in FINGERS
        for k in IMPRESSIONS
    }


def test_genuine_impressions_match_and_impostors_do_not(features):
    genuine = [
        fm.compare(features[(p, f, a)], features[(p, f, b)])
        for p in PERSONS
        for f in FINGERS
        for a, b in itertools.combinations(IMPRESSIONS, 2)
    ]
    fingers = [(p, f) for p in PERSONS for f in FINGERS]
    impostor = [fm.compare(features[(*x, 0)], features[(*y, 1)]) for x, y in itertools.combinations(fingers, 2)]
    assert len(genuine) == 120 and len(impostor) == 780
    false_non_matches = sum(not r.match for r in genuine)
    false_matches = [r.score for r in impostor if r.match]
    assert false_matches == []
    assert false_non_matches <= 0.05 * len(genuine)
    assert all(0.0 <= r.score <= 1.0 and r.threshold == fm.THRESHOLD for r in genuine + impostor)
    # Clear margins on both sides of the threshold.
    assert np.median([r.score for r in genuine]) > 1.5 * fm.THRESHOLD > 1.5 * max(r.score for r in impostor)


def test_compare_accepts_images_and_handles_blank_ones():
    a, b = fingerprint.render_finger(9200, 2, 0), fingerprint.render_finger(9200, 2, 1)
    assert fm.compare(a, b).match
    blank = np.full((400, 400), 235, np.uint8)
    result = fm.compare(a, blank)
    assert result.score == 0.0 and not result.match


def test_flat_capture_matches_the_same_finger_in_a_slap():
    slap = fingerprint.render_slap(9201, Slap.RIGHT_FOUR, impression=1)
    x, y, w, h = slap.boxes[Finger.R_INDEX]
    flat = fingerprint.render_finger(9201, Finger.R_INDEX, 5)
    assert fm.compare(flat, slap.image[y : y + h, x : x + w]).match
    x, y, w, h = slap.boxes[Finger.R_MIDDLE]
    assert not fm.compare(flat, slap.image[y : y + h, x : x + w]).match


def test_quality_separates_good_from_poor_captures():
    good = [quality(fingerprint.render_finger(p, 3, 0)) for p in range(9300, 9310)]
    poor = [quality(fingerprint.render_finger(p, 3, 0, poor=True)) for p in range(9300, 9310)]
    assert all(0 <= q <= 100 for q in good + poor)
    assert min(good) >= 50 and max(poor) < 40
    report = assess(fingerprint.render_finger(9300, 3, 0))
    assert 0 < report.area <= 1 and 0 < report.contrast <= 1 and 0 < report.coherence <= 1
    assert quality(np.full((400, 400), 230, np.uint8)) == 0.0


# ------------------------------------------------------------------------------------------------ slaps


def test_slap_boxes_lie_inside_the_image_and_do_not_overlap():
    for slap in Slap:
        capture = fingerprint.render_slap(9400, slap)
        h, w = capture.image.shape
        assert (h, w) == fingerprint.SLAP_IMAGE_SIZE and capture.image.dtype == np.uint8
        assert set(capture.boxes) == set(slap.fingers)
        for x, y, bw, bh in capture.boxes.values():
            assert 0 <= x and 0 <= y and x + bw <= w and y + bh <= h
            assert 150 <= bw <= 500 and 150 <= bh <= 650  # a fingertip (or part of one) at 500 ppi
        for (ax, ay, aw, ah), (bx, by, bw, bh) in itertools.combinations(capture.boxes.values(), 2):
            overlap_w = min(ax + aw, bx + bw) - max(ax, bx)
            overlap_h = min(ay + ah, by + bh) - max(ay, by)
            assert overlap_w <= 0 or overlap_h <= 0 or overlap_w * overlap_h < 0.05 * aw * ah


def test_slap_drops_missing_fingers():
    present = {Finger.R_INDEX, Finger.R_MIDDLE, Finger.R_LITTLE}
    capture = fingerprint.render_slap(9401, Slap.RIGHT_FOUR, present)
    assert set(capture.boxes) == present
    full = fingerprint.render_slap(9401, Slap.RIGHT_FOUR)
    x, y, w, h = full.boxes[Finger.R_RING]
    # Where the ring finger would be, the platen stays empty.
    assert capture.image[y : y + h, x : x + w].min() > 180


# ------------------------------------------------------------------------------------------ face, iris


def _border(image: np.ndarray, width: int = 12) -> np.ndarray:
    # The top band and the upper halves of the sides: background only (shoulders reach the bottom).
    h = image.shape[0]
    return np.concatenate(
        [image[:width].reshape(-1, 3), image[: h // 2, :width].reshape(-1, 3), image[: h // 2, -width:].reshape(-1, 3)]
    )


@pytest.mark.parametrize("birth_year, colour", [(1991, "red"), (1990, "blue"), (2003, "red"), (2004, "blue")])
def test_face_background_follows_birth_year(birth_year, colour):
    assert face.background_name(birth_year) == colour
    for image in (face.render(9500, birth_year, size=face.STILL_SIZE), face.render(9500, birth_year, frame=17)):
        hsv = cv2.cvtColor(_border(image)[None], cv2.COLOR_BGR2HSV)[0]
        hue, saturation = float(np.median(hsv[:, 0])), float(np.median(hsv[:, 1]))
        assert saturation > 150
        if colour == "red":
            assert hue <= 8 or hue >= 172  # OpenCV hue 0..179
        else:
            assert 95 <= hue <= 115


def test_face_geometry_and_preview_jitter():
    still = face.render(9501, 1990, "P", size=(960, 1280))
    assert still.shape == (960, 1280, 3) and still.dtype == np.uint8
    lay = face.layout(9501, "P", (960, 1280))
    eye_distance = lay.right_eye[0] - lay.left_eye[0]
    assert eye_distance >= 120  # ISO/IEC 19794-5: at least 90 px, 120 px preferred
    assert 0.45 <= (lay.left_eye[0] + lay.right_eye[0]) / 2 / 1280 <= 0.55
    assert 0.4 <= (lay.chin[1] - lay.crown[1]) / 960 <= 0.6
    frames = [face.render(9501, 1990, "P", frame=n) for n in range(3)]
    assert frames[0].shape == (*face.PREVIEW_SIZE, 3)
    assert not np.array_equal(frames[0], frames[1])
    assert np.abs(frames[0].astype(int) - frames[1].astype(int)).mean() < 20  # small movement only


def _disc_median(image: np.ndarray, centre, r_in: float, r_out: float, lower_half: bool = False) -> float:
    h, w = image.shape
    ys, xs = np.mgrid[0:h, 0:w]
    d = np.hypot(xs - centre[0], ys - centre[1])
    sel = (d >= r_in) & (d <= r_out)
    if lower_half:
        sel &= ys > centre[1]
    return float(np.median(image[sel]))


def test_iris_pupil_darker_than_iris_darker_than_sclera():
    for seed, eye in ((9600, "L"), (9601, "R")):
        shot = iris.render(seed, eye, 0)
        image = shot.image
        assert image.shape == iris.IRIS_IMAGE_SIZE and image.dtype == np.uint8
        assert 2 * shot.iris_radius >= 210
        pupil = _disc_median(image, shot.pupil_centre, 0, 0.5 * shot.pupil_radius)
        ring = _disc_median(image, shot.iris_centre, shot.pupil_radius + 10, 0.85 * shot.iris_radius, lower_half=True)
        cx, cy = shot.iris_centre
        columns = [int(cx + side * 1.6 * shot.iris_radius) for side in (-1, 1)]
        sclera = float(np.median(image[int(cy) - 3 : int(cy) + 4, columns]))
        assert pupil < ring < sclera
        assert 0.2 <= shot.pupil_radius / shot.iris_radius <= 0.6
        assert shot.quality > 60


# --------------------------------------------------------------------------------------------- signature


def test_signature_events_are_time_ordered_with_pressure_while_touching():
    for seed in (9700, 9701, 9702):
        samples = signature.signature_samples(seed, name="Siti Aminah")
        times = [s.t for s in samples]
        assert times == sorted(times) and times[0] == 0.0 and times[-1] > 1.0
        assert all(s.pressure > 0 for s in samples if s.touching)
        assert all(s.pressure == 0 for s in samples if not s.touching)
        assert all(0 <= s.x <= signature.MAX_X and 0 <= s.y <= signature.MAX_Y for s in samples)
        assert all(s.pressure <= signature.MAX_PRESSURE for s in samples)
        strokes = sum(1 for a, b in zip(samples, samples[1:]) if a.touching and not b.touching)
        assert 2 <= strokes <= 4
        gaps = np.diff(times)
        assert abs(np.median(gaps) - 1 / signature.SAMPLE_RATE_HZ) < 1e-3
        xs = [s.x for s in samples if s.touching]
        assert max(xs) - min(xs) > 0.3 * signature.MAX_X
    ink = signature.render(signature.signature_samples(9700))
    assert ink.dtype == np.uint8 and (ink < 128).mean() > 0.002


# ------------------------------------------------------------------------------------ in-process drivers


@pytest.fixture
def opened():
    devices = []

    def _open(kind: str, url: str, **options):
        device = registry.open_device(kind, "sim", url, **options)
        devices.append(device)
        return device

    yield _open
    for device in devices:
        device.close()


def test_slap_scanner_through_the_registry(opened):
    scanner = opened("fingerprint", "sim://slap")
    assert isinstance(scanner, FingerprintScanner) and isinstance(scanner, SubjectAware)
    assert scanner.supports_slaps
    info = scanner.info()
    assert info.driver == "sim" and info.kind.value == "fingerprint" and info.url == "sim://slap"
    slap = scanner.capture_slap(Slap.RIGHT_FOUR, set(Slap.RIGHT_FOUR.fingers))
    assert slap.present == set(Slap.RIGHT_FOUR.fingers) and slap.image.shape == fingerprint.SLAP_IMAGE_SIZE
    for f in slap.fingers:
        x, y, w, h = f.box
        assert np.array_equal(f.image, slap.image[y : y + h, x : x + w])
        assert 0 <= f.device_quality <= 100
    scanner.present_subject(Subject(seed=9800, missing_fingers=frozenset({Finger.L_RING})))
    left = scanner.capture_slap(Slap.LEFT_FOUR, set(Slap.LEFT_FOUR.fingers))
    assert left.present == {Finger.L_INDEX, Finger.L_MIDDLE, Finger.L_LITTLE}
    with pytest.raises(CaptureFailed):
        scanner.capture_finger(Finger.L_RING)
    flat = scanner.capture_finger(Finger.L_INDEX)
    assert flat.finger is Finger.L_INDEX and flat.box is None and flat.device_quality >= 40
    # The flat capture is a new impression of the finger the slap saw.
    assert fm.compare(flat.image, next(f.image for f in left.fingers if f.finger is Finger.L_INDEX)).match


def test_single_finger_sensor(opened):
    sensor = opened("fingerprint", "sim://single")
    assert not sensor.supports_slaps
    with pytest.raises(NotSupported):
        sensor.capture_slap(Slap.RIGHT_FOUR, set(Slap.RIGHT_FOUR.fingers))
    first, second = sensor.capture_finger(Finger.R_INDEX), sensor.capture_finger(Finger.R_INDEX)
    assert first.image.shape == fingerprint.FINGER_IMAGE_SIZE
    assert not np.array_equal(first.image, second.image)  # the impression counter moves on
    assert fm.compare(first.image, second.image).match


def test_all_fingers_missing_fails_the_slap(opened):
    scanner = opened("fingerprint", "sim://")
    scanner.present_subject(Subject(seed=9801, missing_fingers=frozenset({Finger.L_THUMB, Finger.R_THUMB})))
    with pytest.raises(CaptureFailed):
        scanner.capture_slap(Slap.TWO_THUMBS, set(Slap.TWO_THUMBS.fingers))


def test_poor_attempts_lower_the_first_captures(opened):
    scanner = opened("fingerprint", "sim://single?poor_attempts=1")
    scanner.present_subject(Subject(seed=9802))
    first, second = scanner.capture_finger(Finger.R_THUMB), scanner.capture_finger(Finger.R_THUMB)
    assert first.device_quality < 40 <= second.device_quality
    # Another finger has its own count; presenting the same person again does not restart it.
    assert scanner.capture_finger(Finger.R_INDEX).device_quality < 40
    scanner.present_subject(Subject(seed=9802))
    assert scanner.capture_finger(Finger.R_INDEX).device_quality >= 40

    slaps = opened("fingerprint", "sim://slap", poor_attempts=1)
    bad = slaps.capture_slap(Slap.TWO_THUMBS, set(Slap.TWO_THUMBS.fingers))
    good = slaps.capture_slap(Slap.TWO_THUMBS, set(Slap.TWO_THUMBS.fingers))
    assert max(f.device_quality for f in bad.fingers) < min(f.device_quality for f in good.fingers)

    camera = opened("iris", "sim://iris?poor_attempts=2")
    qualities = [camera.capture({Eye.LEFT})[Eye.LEFT].device_quality for _ in range(3)]
    assert qualities[0] < 40 and qualities[1] < 40 and qualities[2] > 60

    cam = opened("camera", "sim://camera?poor_attempts=1")
    poor_photo, photo = cam.still(), cam.still()
    grey = [cv2.cvtColor(s.image, cv2.COLOR_BGR2GRAY) for s in (poor_photo, photo)]
    sharpness = [cv2.Laplacian(g, cv2.CV_64F).var() for g in grey]
    assert sharpness[0] < sharpness[1] and poor_photo.image.mean() < photo.image.mean()


def test_camera_preview_and_still(opened):
    cam = opened("camera", "sim://camera?resolution=640x360&still=1280x960")
    assert isinstance(cam, Camera)
    cam.present_subject(Subject(seed=9803, birth_year=1991, sex="P"))
    frames = list(itertools.islice(cam.frames(), 3))
    assert all(f.shape == (360, 640, 3) for f in frames) and not np.array_equal(frames[0], frames[1])
    still = cam.still()
    assert (still.width, still.height) == (1280, 960) and still.image.shape == (960, 1280, 3)
    hue = np.median(cv2.cvtColor(still.image[:10].copy(), cv2.COLOR_BGR2HSV)[..., 0])
    assert hue <= 8 or hue >= 172  # odd birth year: red


def test_iris_camera_skips_missing_eyes(opened):
    camera = opened("iris", "sim://")
    assert isinstance(camera, IrisCamera)
    both = camera.capture({Eye.LEFT, Eye.RIGHT})
    assert set(both) == {Eye.LEFT, Eye.RIGHT} and all(0 <= v.device_quality <= 100 for v in both.values())
    camera.present_subject(Subject(seed=9804, missing_eyes=frozenset({Eye.RIGHT})))
    assert set(camera.capture({Eye.LEFT, Eye.RIGHT})) == {Eye.LEFT}
    with pytest.raises(CaptureFailed):
        camera.capture({Eye.RIGHT})


def test_signature_pads(opened):
    pad = opened("signature_pad", "sim://signature")
    assert isinstance(pad, SignaturePad)
    caps = pad.capabilities()
    assert (caps.max_x, caps.max_y, caps.max_pressure) == (10206, 7422, 1023) and not caps.has_screen
    with pytest.raises(NotSupported):
        pad.show(np.zeros((480, 800, 3), np.uint8))
    events = pad.capture()
    assert [e.t for e in events] == sorted(e.t for e in events)
    assert all(e.pressure > 0 for e in events if e.touching)

    stu = opened("signature_pad", "sim://stu")
    caps = stu.capabilities()
    assert caps.has_screen and (caps.screen_width, caps.screen_height) == (800, 480)
    screen = np.full((480, 800, 3), 255, np.uint8)
    stu.show(screen)
    assert stu.shown_count == 1 and np.array_equal(stu.shown, screen)

    hurried = opened("signature_pad", "sim://signature?poor_attempts=1")
    short, full = hurried.capture(), hurried.capture()
    assert short[-1].t - short[0].t < 1.0 < full[-1].t - full[0].t


def test_ticket_printer_and_queue_display_record_what_they_got(opened):
    printer = opened("ticket_printer", "sim://printer")
    assert isinstance(printer, TicketPrinter)
    printer.print_ticket(TICKET)
    assert printer.tickets == [TICKET]
    text = "\n".join(printer.lines)
    for expected in ("A-012", "Kecamatan Kalipare", "3 orang menunggu", "KLP-20261123-A012"):
        assert expected in text
    assert all(len(line) <= 42 for line in printer.lines)
    assert len(printer.paper.receipts) == 1

    display = opened("queue_display", "sim://display")
    assert isinstance(display, QueueDisplay)
    display.show_call(Call(number="A-012", counter="2", service="KTP-el"))
    display.show_text("Selamat datang di Kecamatan Kalipare")
    assert display.calls == [Call("A-012", "2", "KTP-el")]
    assert display.texts == ["Selamat datang di Kecamatan Kalipare"]
    assert display.board.showing[0] == "Nomor antrean A-012 (KTP-el), silakan menuju Loket 2"


@pytest.mark.parametrize(
    "kind, url, call",
    [
        ("camera", "sim://camera", lambda d: d.still()),
        ("camera", "sim://camera", lambda d: d.frames()),
        ("signature_pad", "sim://signature", lambda d: d.capture()),
        ("fingerprint", "sim://slap", lambda d: d.capture_finger(Finger.R_INDEX)),
        ("fingerprint", "sim://slap", lambda d: d.capture_slap(Slap.RIGHT_FOUR, set(Slap.RIGHT_FOUR.fingers))),
        ("iris", "sim://iris", lambda d: d.capture({Eye.LEFT})),
        ("ticket_printer", "sim://printer", lambda d: d.print_ticket(TICKET)),
        ("queue_display", "sim://display", lambda d: d.show_text("x")),
    ],
)
def test_closed_device_is_unavailable(kind, url, call):
    device = registry.create_device(kind, "sim", url)
    with pytest.raises(DeviceUnavailable):
        call(device)  # never opened
    with device:
        pass
    with pytest.raises(DeviceUnavailable) as err:
        call(device)  # closed again
    assert err.value.retryable and "\n" not in err.value.message


def test_camera_preview_stops_when_closed(opened):
    cam = opened("camera", "sim://")
    frames = cam.frames()
    next(frames)
    cam.close()
    with pytest.raises(DeviceUnavailable):
        next(frames)


def test_latency_beyond_the_timeout_is_a_device_timeout(opened):
    scanner = opened("fingerprint", "sim://single?latency=0.05")
    with pytest.raises(DeviceTimeout):
        scanner.capture_finger(Finger.R_INDEX, timeout=0.01)
    assert scanner.capture_finger(Finger.R_INDEX, timeout=1.0).image.size


@pytest.mark.parametrize(
    "url",
    [
        "http://slap",
        "sim://laser",
        "sim://slap?speed=2",
        "sim://slap?poor_attempts=-1",
        "sim://slap?latency=x",
        "sim://slap?poor_attempts",
    ],
)
def test_bad_simulator_urls_are_config_errors(url):
    with pytest.raises(DeviceConfigError) as err:
        registry.create_device("fingerprint", "sim", url)
    assert "\n" not in err.value.message


# ------------------------------------------------------------------------------------------ CLI, layering


def test_cli_lists_models_and_writes_samples(tmp_path, capsys):
    assert sim_main(["list"]) == 0
    listing = capsys.readouterr().out
    for kind in ("camera", "signature_pad", "fingerprint", "iris", "ticket_printer", "queue_display"):
        assert kind in listing
    assert "sim://slap" in listing and "sim://single" in listing and "sim://stu" in listing
    expected = {
        "face": (1080, 1920, 3),
        "finger": (400, 400),
        "slap": (1500, 1600),
        "iris": (480, 640),
        "signature": None,
    }
    for kind, shape in expected.items():
        out = tmp_path / f"{kind}.png"
        assert sim_main(["sample", kind, "--seed", "5", "--impression", "1", "--out", str(out)]) == 0
        image = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
        assert image is not None and (shape is None or image.shape == shape)
    assert sim_main(["sample", "finger", "--seed", "5", "--out", str(tmp_path / "x.txt")]) != 0
    assert sim_main(["sample", "hand", "--seed", "5", "--out", str(tmp_path / "x.png")]) != 0


def _imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_layering_rules():
    assert "ektp_station" not in _imports("simulators")
    assert not {"ektp_station", "drivers", "simulators"} & _imports("biometrics")
    models = _imports("simulators/models")
    assert "ektp_station" not in models
    # The biometric models are adapters over the pure generators: of the library they use only biometrics.synth.
    synth_users = set()
    for path in (ROOT / "simulators" / "models").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("biometrics"):
                synth_users.add(node.module)
    assert synth_users and all(m.startswith("biometrics.synth") for m in synth_users)
    assert not {"drivers", "ektp_station", "simulators"} & _imports("biometrics/synth")
