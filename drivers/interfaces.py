"""Small typed interfaces, one per device kind, and the value types that cross them.

A driver is a class constructed as ``Driver(url: str, **options)``; ``open()`` connects, ``close()`` releases,
and the instance is a context manager. Images are numpy arrays: colour frames are ``HxWx3 uint8`` in BGR order
(OpenCV's), fingerprint and iris images are ``HxW uint8`` greyscale. Times are ``time.monotonic()`` seconds
unless a field says otherwise.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol, runtime_checkable

import numpy as np


class DeviceKind(str, enum.Enum):
    CAMERA = "camera"
    SIGNATURE_PAD = "signature_pad"
    FINGERPRINT = "fingerprint"
    IRIS = "iris"
    TICKET_PRINTER = "ticket_printer"
    QUEUE_DISPLAY = "queue_display"


class Finger(enum.IntEnum):
    """Finger positions as numbered by ANSI/NIST-ITL and ISO/IEC 19794-4 (1 right thumb … 10 left little)."""

    R_THUMB = 1
    R_INDEX = 2
    R_MIDDLE = 3
    R_RING = 4
    R_LITTLE = 5
    L_THUMB = 6
    L_INDEX = 7
    L_MIDDLE = 8
    L_RING = 9
    L_LITTLE = 10


class Slap(enum.IntEnum):
    """Plain (flat) multi-finger positions of the 4-4-2 capture."""

    RIGHT_FOUR = 13
    LEFT_FOUR = 14
    TWO_THUMBS = 15

    @property
    def fingers(self) -> tuple[Finger, ...]:
        return SLAP_FINGERS[self]


SLAP_FINGERS: dict[Slap, tuple[Finger, ...]] = {
    Slap.RIGHT_FOUR: (Finger.R_INDEX, Finger.R_MIDDLE, Finger.R_RING, Finger.R_LITTLE),
    Slap.LEFT_FOUR: (Finger.L_INDEX, Finger.L_MIDDLE, Finger.L_RING, Finger.L_LITTLE),
    Slap.TWO_THUMBS: (Finger.L_THUMB, Finger.R_THUMB),
}


class Eye(str, enum.Enum):
    LEFT = "L"
    RIGHT = "R"


@dataclass(frozen=True)
class DeviceInfo:
    kind: DeviceKind
    driver: str
    model: str
    serial: str = ""
    firmware: str = ""
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Still:
    """A photo for the card: colour pixels plus what the camera reports."""

    image: np.ndarray
    captured_at: float
    width: int
    height: int


@dataclass(frozen=True)
class PenEvent:
    """One pen sample. ``x``/``y`` in device units (0..max_x, 0..max_y), ``pressure`` 0..max_pressure."""

    t: float
    x: int
    y: int
    pressure: int
    touching: bool


@dataclass(frozen=True)
class PenCapabilities:
    max_x: int
    max_y: int
    max_pressure: int
    has_screen: bool = False
    screen_width: int = 0
    screen_height: int = 0


@dataclass(frozen=True)
class FingerImage:
    """One finger: 500 ppi greyscale image plus the device's own quality (0..100) if it reports one."""

    finger: Finger
    image: np.ndarray
    device_quality: float | None = None
    # Position of this finger inside a slap image (x, y, w, h), when it came from one.
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class SlapImage:
    slap: Slap
    image: np.ndarray
    fingers: tuple[FingerImage, ...]

    @property
    def present(self) -> set[Finger]:
        return {f.finger for f in self.fingers}


@dataclass(frozen=True)
class IrisImage:
    eye: Eye
    image: np.ndarray
    device_quality: float | None = None


@dataclass(frozen=True)
class Ticket:
    office: str
    service: str
    number: str
    issued_at_text: str
    waiting_ahead: int
    qr_payload: str


@dataclass(frozen=True)
class Call:
    number: str
    counter: str
    service: str = ""


class Device(ABC):
    """Common life cycle of every driver."""

    kind: DeviceKind

    def __init__(self, url: str, **options: Any):
        self.url = url
        self.options = options

    @abstractmethod
    def open(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def info(self) -> DeviceInfo: ...

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Camera(Device):
    kind = DeviceKind.CAMERA

    @abstractmethod
    def frames(self) -> Iterator[np.ndarray]:
        """Live preview frames (BGR) until the caller stops iterating."""

    @abstractmethod
    def still(self, timeout: float = 10.0) -> Still:
        """Take the photo."""


class SignaturePad(Device):
    kind = DeviceKind.SIGNATURE_PAD

    @abstractmethod
    def capabilities(self) -> PenCapabilities: ...

    @abstractmethod
    def capture(self, timeout: float = 30.0, idle: float = 1.5) -> list[PenEvent]:
        """Pen events from the first touch until the pen has been away for ``idle`` seconds."""

    def show(self, image: np.ndarray) -> None:
        """Show an image on the pad's screen (pads without one raise ``NotSupported``)."""
        from drivers.errors import NotSupported

        raise NotSupported("Signature pad ini tidak memiliki layar")


class FingerprintScanner(Device):
    kind = DeviceKind.FINGERPRINT

    #: True for 4-4-2 slap scanners; single-finger sensors capture finger by finger.
    supports_slaps: bool = False

    @abstractmethod
    def capture_finger(self, finger: Finger, timeout: float = 10.0) -> FingerImage: ...

    def capture_slap(self, slap: Slap, expected: set[Finger], timeout: float = 10.0) -> SlapImage:
        from drivers.errors import NotSupported

        raise NotSupported("Pemindai ini tidak mendukung slap 4-4-2")


class IrisCamera(Device):
    kind = DeviceKind.IRIS

    @abstractmethod
    def capture(self, eyes: set[Eye], timeout: float = 10.0) -> dict[Eye, IrisImage]: ...


class TicketPrinter(Device):
    kind = DeviceKind.TICKET_PRINTER

    @abstractmethod
    def print_ticket(self, ticket: Ticket) -> None: ...


class QueueDisplay(Device):
    kind = DeviceKind.QUEUE_DISPLAY

    @abstractmethod
    def show_call(self, call: Call) -> None: ...

    @abstractmethod
    def show_text(self, text: str) -> None: ...


INTERFACES: dict[DeviceKind, type[Device]] = {
    DeviceKind.CAMERA: Camera,
    DeviceKind.SIGNATURE_PAD: SignaturePad,
    DeviceKind.FINGERPRINT: FingerprintScanner,
    DeviceKind.IRIS: IrisCamera,
    DeviceKind.TICKET_PRINTER: TicketPrinter,
    DeviceKind.QUEUE_DISPLAY: QueueDisplay,
}


@dataclass(frozen=True)
class Subject:
    """Who stands in front of a simulated device: only simulators use this, real devices see a person.

    ``seed`` makes the synthetic face, prints and irises of one person the same every time.
    """

    seed: int
    sex: str = "L"
    birth_year: int = 2000
    missing_fingers: frozenset[Finger] = frozenset()
    missing_eyes: frozenset[Eye] = frozenset()


@runtime_checkable
class SubjectAware(Protocol):
    """Implemented by simulated devices: the station tells them who the simulated applicant is."""

    def present_subject(self, subject: Subject) -> None: ...
