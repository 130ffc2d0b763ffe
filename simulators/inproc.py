"""In-process simulated devices: the ``sim`` driver of every device kind (see ``drivers.interfaces``).

They draw their data from ``simulators.models``. The station tells the biometric ones who stands there with
``present_subject(subject)`` (``drivers.interfaces.SubjectAware``); until then they show ``DEFAULT_SUBJECT``.
Missing fingers and eyes of the subject are absent: a slap returns only the present fingers, a single
finger or an iris capture of an absent one raises ``CaptureFailed``.

URL: ``sim://<variant>?option=value&...``; options may also come as driver options (station.toml keys),
the URL winning. Common options:

- ``poor_attempts=N``: the first N captures of each finger / the photo / each eye / the signature of a
  subject come out poor (low quality), so the station's retry and keep-best logic runs. Default 0.
- ``latency=SECONDS``: simulated device time per capture or command (default 0). A latency longer than
  the call's timeout waits the timeout and raises ``DeviceTimeout``.

Variants: fingerprint ``sim://slap`` (4-4-2 slap scanner, the default) or ``sim://single`` (single-finger
sensor); signature pad ``sim://signature`` (no screen, the default) or ``sim://stu`` (with an 800 x 480
screen); camera options ``resolution=1280x720`` (preview), ``still=1920x1080``, ``fps=0`` (0 = as fast as
frames are taken); printer option ``columns=42``.

A device must be opened first: any capture or command on a closed device raises ``DeviceUnavailable``.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Callable, Iterator
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from biometrics.fingerprint_quality import quality as fingerprint_quality
from drivers.errors import CaptureFailed, DeviceConfigError, DeviceTimeout, DeviceUnavailable
from drivers.interfaces import (
    Call,
    Camera,
    DeviceInfo,
    DeviceKind,
    Eye,
    Finger,
    FingerImage,
    FingerprintScanner,
    IrisCamera,
    IrisImage,
    PenCapabilities,
    PenEvent,
    QueueDisplay,
    SignaturePad,
    Slap,
    SlapImage,
    Still,
    Subject,
    Ticket,
    TicketPrinter,
)
from simulators.models import face, fingerprint, iris, signature
from simulators.models.display import QueueDisplayModel
from simulators.models.printer import DEFAULT_COLUMNS, TicketPrinterModel

try:
    FIRMWARE = "sim-" + version("ektp-station")
except PackageNotFoundError:  # pragma: no cover - source tree without installation
    FIRMWARE = "sim"

#: Who stands in front of a simulated device before the station presents anyone.
DEFAULT_SUBJECT = Subject(seed=1, sex="L", birth_year=1990)

#: Screen of the ``sim://stu`` signature pad (as a Wacom STU-540).
STU_SCREEN = (800, 480)

_FINGER_NAMES = {
    Finger.R_THUMB: "ibu jari kanan", Finger.R_INDEX: "telunjuk kanan", Finger.R_MIDDLE: "jari tengah kanan",
    Finger.R_RING: "jari manis kanan", Finger.R_LITTLE: "kelingking kanan", Finger.L_THUMB: "ibu jari kiri",
    Finger.L_INDEX: "telunjuk kiri", Finger.L_MIDDLE: "jari tengah kiri", Finger.L_RING: "jari manis kiri",
    Finger.L_LITTLE: "kelingking kiri",
}  # fmt: skip
_EYE_NAMES = {Eye.LEFT: "mata kiri", Eye.RIGHT: "mata kanan"}
#: How messages name each device for the operator.
_KIND_LABELS = {
    DeviceKind.CAMERA: "Kamera", DeviceKind.SIGNATURE_PAD: "Signature pad",
    DeviceKind.FINGERPRINT: "Pemindai sidik jari", DeviceKind.IRIS: "Kamera iris",
    DeviceKind.TICKET_PRINTER: "Printer tiket", DeviceKind.QUEUE_DISPLAY: "Layar antrean",
}  # fmt: skip


def _non_negative_int(value: Any) -> int:
    number = int(value)
    if number < 0 or isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)
    return number


def _non_negative_float(value: Any) -> float:
    number = float(value)
    if isinstance(value, bool) or not math.isfinite(number) or number < 0:
        raise ValueError(value)
    return number


def _size(value: Any) -> tuple[int, int]:
    """``"1280x720"`` (width x height) -> (height, width)."""
    width, _, height = str(value).lower().partition("x")
    w, h = int(width), int(height)
    if not (64 <= w <= 8192 and 64 <= h <= 8192):
        raise ValueError(value)
    return h, w


_COMMON_OPTIONS: dict[str, Callable[[Any], Any]] = {"poor_attempts": _non_negative_int, "latency": _non_negative_float}


class _Simulated:
    """URL/option parsing, open/close state and simulated device time shared by every ``sim`` driver.

    Mixed in before the interface class, so it provides ``open``, ``close`` and ``info``.
    """

    #: Accepted ``sim://<variant>`` names; the first is the default for a bare ``sim://``.
    variants: tuple[str, ...] = ("",)
    extra_options: dict[str, Callable[[Any], Any]] = {}
    defaults: dict[str, Any] = {}
    models: dict[str, str] = {}

    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)  # type: ignore[call-arg]
        parts = urlsplit(url)
        if parts.scheme != "sim":
            raise DeviceConfigError(f"URL simulator harus berbentuk sim://..., bukan {url!r}")
        variant = (parts.netloc or parts.path.strip("/")).lower() or self.variants[0]
        if variant not in self.variants:
            choices = ", ".join(f"sim://{v}" for v in self.variants)
            raise DeviceConfigError(f"Varian simulator tidak dikenal: {url!r} (pilihan: {choices})")
        self.variant = variant
        try:
            query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
        except ValueError as exc:
            raise DeviceConfigError(f"Opsi pada URL {url!r} tidak dapat dibaca") from exc
        known = {**_COMMON_OPTIONS, **self.extra_options}
        settings: dict[str, Any] = dict(self.defaults, poor_attempts=0, latency=0.0)
        for key, raw in {**options, **query}.items():
            if key not in known:
                raise DeviceConfigError(f"Opsi simulator tidak dikenal: {key} (pilihan: {', '.join(sorted(known))})")
            try:
                settings[key] = known[key](raw)
            except (TypeError, ValueError):
                raise DeviceConfigError(f"Nilai opsi {key} tidak valid: {raw!r}") from None
        self.settings = settings
        self.poor_attempts: int = settings["poor_attempts"]
        self.latency: float = settings["latency"]
        self.is_open = False

    # ------------------------------------------------------------------ life cycle

    def open(self) -> None:
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    @property
    def model_name(self) -> str:
        return self.models.get(self.variant, "Simulator")

    @property
    def label(self) -> str:
        """The device as an operator message names it."""
        return f"{_KIND_LABELS[self.kind]} (simulasi)"  # type: ignore[attr-defined]

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            kind=self.kind,  # type: ignore[attr-defined]
            driver="sim",
            model=self.model_name,
            serial=f"SIM-{self.kind.value.upper()}-{self.variant.upper() or 'STD'}",  # type: ignore[attr-defined]
            firmware=FIRMWARE,
            url=self.url,  # type: ignore[attr-defined]
            extra=dict(self.settings, variant=self.variant),
        )

    def _require_open(self) -> None:
        if not self.is_open:
            raise DeviceUnavailable(f"{self.label} belum dibuka atau sudah ditutup")

    def _device_time(self, timeout: float | None = None) -> None:
        """Spend the simulated device time; beyond ``timeout`` the device does not answer."""
        if timeout is not None and self.latency > timeout:
            time.sleep(max(0.0, timeout))
            raise DeviceTimeout(f"{self.label} tidak merespons dalam {timeout:g} detik")
        if self.latency:
            time.sleep(self.latency)


class _SubjectAware(_Simulated):
    """Remembers who stands at the device and how often each of their parts was captured."""

    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        self.subject: Subject = DEFAULT_SUBJECT
        self._attempts: Counter = Counter()  # per subject: decides poor captures
        self._impressions: Counter = Counter()  # per device life: makes repeated captures differ

    def present_subject(self, subject: Subject) -> None:
        if subject != self.subject:
            self._attempts.clear()
        self.subject = subject

    def _next_capture(self, part: Any) -> tuple[int, bool]:
        """(impression number, poor?) of the next capture of ``part`` of the current subject."""
        attempt = self._attempts[part]
        self._attempts[part] += 1
        key = (self.subject.seed, part)
        impression = self._impressions[key]
        self._impressions[key] += 1
        return impression, attempt < self.poor_attempts


# ------------------------------------------------------------------------------------------------- camera


class SimCamera(_SubjectAware, Camera):
    variants = ("camera",)
    extra_options = {"resolution": _size, "still": _size, "fps": _non_negative_float}
    defaults = {"resolution": face.PREVIEW_SIZE, "still": face.STILL_SIZE, "fps": 0.0}
    models = {"camera": "Simulated portrait camera"}

    def frames(self) -> Iterator[np.ndarray]:
        self._require_open()
        return self._frames()

    def _frames(self) -> Iterator[np.ndarray]:
        period = 1.0 / self.settings["fps"] if self.settings["fps"] else 0.0
        number = 0
        next_at = time.monotonic()
        while True:
            self._require_open()
            s = self.subject
            yield face.render(s.seed, s.birth_year, s.sex, size=self.settings["resolution"], frame=number)
            number += 1
            if period:
                next_at += period
                time.sleep(max(0.0, next_at - time.monotonic()))

    def still(self, timeout: float = 10.0) -> Still:
        self._require_open()
        self._device_time(timeout)
        attempt, poor = self._next_capture("photo")
        s = self.subject
        image = face.render(s.seed, s.birth_year, s.sex, size=self.settings["still"], poor=poor, attempt=attempt)
        h, w = image.shape[:2]
        return Still(image=image, captured_at=time.monotonic(), width=w, height=h)


# -------------------------------------------------------------------------------------------- signature pad


class SimSignaturePad(_SubjectAware, SignaturePad):
    variants = ("signature", "stu")
    models = {"signature": "Simulated signature pad (ISDV4)", "stu": "Simulated signature pad with screen (800x480)"}

    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        #: The last image given to ``show`` (pads with a screen), and how many were shown.
        self.shown: np.ndarray | None = None
        self.shown_count = 0

    @property
    def has_screen(self) -> bool:
        return self.variant == "stu"

    def capabilities(self) -> PenCapabilities:
        width, height = STU_SCREEN if self.has_screen else (0, 0)
        return PenCapabilities(
            max_x=signature.MAX_X,
            max_y=signature.MAX_Y,
            max_pressure=signature.MAX_PRESSURE,
            has_screen=self.has_screen,
            screen_width=width,
            screen_height=height,
        )

    def show(self, image: np.ndarray) -> None:
        if not self.has_screen:
            super().show(image)  # raises NotSupported
        self._require_open()
        if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.size == 0:
            raise DeviceConfigError("Gambar untuk layar signature pad harus array HxW atau HxWx3")
        self.shown = image.copy()
        self.shown_count += 1

    def capture(self, timeout: float = 30.0, idle: float = 1.5) -> list[PenEvent]:
        self._require_open()
        self._device_time(timeout)
        attempt, poor = self._next_capture("signature")
        samples = signature.signature_samples(self.subject.seed, attempt=attempt)
        if poor:
            # A hurried scribble: the pen leaves after the first tenth of a second of the first stroke.
            first_lift = next(i for i, s in enumerate(samples) if not s.touching)
            samples = samples[: max(3, min(first_lift, 14))]
            last = samples[-1]
            samples.append(replace(last, t=last.t + 1.0 / signature.SAMPLE_RATE_HZ, pressure=0, touching=False))
        start = time.monotonic()
        return [PenEvent(start + s.t, s.x, s.y, s.pressure, s.touching) for s in samples]


# ---------------------------------------------------------------------------------------------- fingerprint


class SimFingerprintScanner(_SubjectAware, FingerprintScanner):
    variants = ("slap", "single")
    models = {
        "slap": "Simulated 4-4-2 slap scanner (500 ppi)",
        "single": "Simulated single-finger sensor (500 ppi)",
    }

    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        self.supports_slaps = self.variant == "slap"

    def capture_finger(self, finger: Finger, timeout: float = 10.0) -> FingerImage:
        self._require_open()
        finger = Finger(finger)
        self._device_time(timeout)
        if finger in self.subject.missing_fingers:
            raise CaptureFailed(f"Jari tidak terdeteksi pada pemindai ({_FINGER_NAMES[finger]})")
        impression, poor = self._next_capture(finger)
        image = fingerprint.render_finger(self.subject.seed, finger, impression, poor=poor)
        return FingerImage(finger=finger, image=image, device_quality=fingerprint_quality(image))

    def capture_slap(self, slap: Slap, expected: set[Finger], timeout: float = 10.0) -> SlapImage:
        """The present fingers of ``slap``; ``expected`` is not enforced: compare it with ``.present``."""
        if not self.supports_slaps:
            return super().capture_slap(slap, expected, timeout)  # raises NotSupported
        self._require_open()
        slap = Slap(slap)
        self._device_time(timeout)
        present = [f for f in slap.fingers if f not in self.subject.missing_fingers]
        if not present:
            raise CaptureFailed("Tidak ada jari terdeteksi pada pemindai")
        numbers: dict[Finger, int] = {}
        poor: set[Finger] = set()
        for finger in present:
            numbers[finger], is_poor = self._next_capture(finger)
            if is_poor:
                poor.add(finger)
        placement, _ = self._next_capture(slap)
        capture = fingerprint.render_slap(
            self.subject.seed, slap, set(present), impression=placement, poor=poor, impressions=numbers
        )
        fingers = []
        for finger in present:
            x, y, w, h = capture.boxes[finger]
            crop = capture.image[y : y + h, x : x + w].copy()
            fingers.append(FingerImage(finger, crop, fingerprint_quality(crop), box=(x, y, w, h)))
        return SlapImage(slap=slap, image=capture.image, fingers=tuple(fingers))


# ----------------------------------------------------------------------------------------------------- iris


class SimIrisCamera(_SubjectAware, IrisCamera):
    variants = ("iris",)
    models = {"iris": "Simulated dual-iris camera (NIR, 640x480)"}

    def capture(self, eyes: set[Eye], timeout: float = 10.0) -> dict[Eye, IrisImage]:
        self._require_open()
        wanted = [Eye(e) for e in sorted(eyes, key=lambda e: Eye(e).value)]
        self._device_time(timeout)
        present = [e for e in wanted if e not in self.subject.missing_eyes]
        if not present:
            names = ", ".join(_EYE_NAMES[e] for e in wanted) or "-"
            raise CaptureFailed(f"Mata tidak terdeteksi ({names})")
        out: dict[Eye, IrisImage] = {}
        for eye in present:
            impression, poor = self._next_capture(eye)
            shot = iris.render(self.subject.seed, eye.value, impression, poor=poor)
            out[eye] = IrisImage(eye=eye, image=shot.image, device_quality=shot.quality)
        return out


# ------------------------------------------------------------------------------------ printer and display


class SimTicketPrinter(_Simulated, TicketPrinter):
    variants = ("printer",)
    extra_options = {"columns": _non_negative_int}
    defaults = {"columns": DEFAULT_COLUMNS}
    models = {"printer": "Simulated thermal ticket printer (80 mm)"}

    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        if self.settings["columns"] < 24:
            raise DeviceConfigError("Opsi columns minimal 24 karakter")
        #: Everything printed so far (``tickets``, ``lines``, ``receipts``).
        self.paper = TicketPrinterModel(columns=self.settings["columns"])

    @property
    def tickets(self) -> list[Ticket]:
        return self.paper.tickets

    @property
    def lines(self) -> list[str]:
        return self.paper.lines

    def print_ticket(self, ticket: Ticket) -> None:
        self._require_open()
        self._device_time()
        self.paper.print_ticket(ticket)


class SimQueueDisplay(_Simulated, QueueDisplay):
    variants = ("display",)
    models = {"display": "Simulated queue display board"}

    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        #: What the board was told (``calls``, ``texts``, ``history``, ``showing``).
        self.board = QueueDisplayModel()

    @property
    def calls(self) -> list[Call]:
        return self.board.calls

    @property
    def texts(self) -> list[str]:
        return self.board.texts

    def show_call(self, call: Call) -> None:
        self._require_open()
        self._device_time()
        self.board.show_call(call)

    def show_text(self, text: str) -> None:
        self._require_open()
        self._device_time()
        self.board.show_text(text)


#: The ``sim`` driver class of every device kind (what the entry points name).
SIM_DRIVERS: dict[DeviceKind, type[_Simulated]] = {
    DeviceKind.CAMERA: SimCamera,
    DeviceKind.SIGNATURE_PAD: SimSignaturePad,
    DeviceKind.FINGERPRINT: SimFingerprintScanner,
    DeviceKind.IRIS: SimIrisCamera,
    DeviceKind.TICKET_PRINTER: SimTicketPrinter,
    DeviceKind.QUEUE_DISPLAY: SimQueueDisplay,
}
