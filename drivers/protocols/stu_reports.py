"""Wacom STU signature pads (STU-430/530/540): the HID reports, in ONE place, and the framing of those reports
over a byte stream (TCP, pty) for the simulator. Pure: no USB, no sockets, no clock.

The layout is reverse-engineered: Wacom does not publish it. Sources: the WebHID ports pabloko/Wacom-STU-WebHID
``wacomstu540.js`` and netas-ch/Wacom-STU-WebHID ``WacomStu540.js`` (report ids, capability/information offsets,
image upload with 253-byte chunks, pen data layout) and the reference notes devices.md section 4.2. Where the two
ports disagree (the pen flag bits) the choice is marked **verify on hardware**; change it here and nowhere else.

HID over USB (HID 1.11 section 7.2): feature reports through control transfers, GET_REPORT
``bmRequestType 0xA1, bRequest 0x01``, SET_REPORT ``0x21, 0x09``, ``wValue = type << 8 | report id``
(type 3 = feature), ``wIndex`` = interface; the first byte of every report is its id. Pen data comes as input
reports on the interrupt IN endpoint (0x81).

Reports (id, direction, bytes including the id; multi-byte values big-endian unless marked LE):

======  ================  ===  =====================================================================
0x01    pen data (in)       7  b1: bit7 proximity ("rdy"), bits6..4 switch/tip ("sw", non-zero = touching),
                               bits3..0 pressure high; b2 pressure low (12 bits); x u16 @3; y u16 @5
0x34    pen data + time    11  as 0x01, then time count u16 @7 (ms, wraps) and sequence u16 @9
0x03    status (feature)    5  status code @1 (0 ready, 1 image, 2 capture, 3 calculation, 4 image boot,
                               5 ROM busy), last result @2 (0 none, 1 wrong report id, 2 wrong state,
                               3 CRC, 4 bad parameter), status word u16 @3
0x08    information        16  model name ASCII @1..7, firmware major @8, minor @9, secure IC @10..11
0x09    capability         17  tablet max X u16 @1, max Y @3, max pressure @5, screen width @7, height @9,
                               max report rate u8 @11, resolution u16 @12, encodings u8 @14 (bit 0 1-bit,
                               bit 2 24-bit), reserved
0x0E    writing mode        2  0 = pen data 0x01, 1 = pen data with time 0x34
0x0F    e-serial           14  ASCII, NUL-padded
0x20    clear screen        2  0
0x21    inking mode         2  0 off, 1 on (the pad draws the ink itself)
0x25    start image         2  encoding: 0x00 1-bit, 0x04 24-bit BGR
0x26    image data        256  length u16 LE @1, up to 253 bytes @3 (rows top to bottom)
0x27    end image           2  0 = commit
0x2A    writing area        9  x1, y1, x2, y2 u16 LE (screen pixels)
======  ================  ===  =====================================================================

**Stream framing** (simulator over TCP or a pty; not a Wacom format)::

    0xA5 | kind u8 | length u16 LE | payload (length bytes) | CRC-16/CCITT-FALSE u16 LE over kind..payload

Host to pad: ``GET`` 0x01 (payload: report id, length u16 LE), ``SET`` 0x02 (payload: the report), ``READ`` 0x03
(payload: wait u16 LE in ms: an interrupt IN transfer). Pad to host, one reply per request: ``REPORT`` 0x81
(the report read), ``ACK`` 0x82 (empty), ``INPUT`` 0x83 (an input report), ``NONE`` 0x84 (no input report within
the wait), ``STALL`` 0x85 (the pad refused the request, as a USB STALL). Bytes before a 0xA5 are skipped.
"""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass

import numpy as np

from drivers.errors import DeviceConfigError, ProtocolError

VENDOR_ID = 0x056A
PRODUCTS = {0x00A8: "STU-540", 0x00A5: "STU-530", 0x00A4: "STU-430"}

PEN_DATA = 0x01
STATUS = 0x03
INFORMATION = 0x08
CAPABILITY = 0x09
WRITING_MODE = 0x0E
ESERIAL = 0x0F
CLEAR_SCREEN = 0x20
INKING_MODE = 0x21
START_IMAGE = 0x25
IMAGE_DATA = 0x26
END_IMAGE = 0x27
WRITING_AREA = 0x2A
PEN_DATA_TIMED = 0x34

#: Report lengths including the id byte.
LENGTHS = {PEN_DATA: 7, PEN_DATA_TIMED: 11, STATUS: 5, INFORMATION: 16, CAPABILITY: 17, WRITING_MODE: 2,
           ESERIAL: 14, CLEAR_SCREEN: 2, INKING_MODE: 2, START_IMAGE: 2, IMAGE_DATA: 256, END_IMAGE: 2,
           WRITING_AREA: 9}  # fmt: skip
INPUT_REPORTS = {PEN_DATA, PEN_DATA_TIMED}

# HID class requests (HID 1.11 section 7.2).
REQ_GET = 0xA1
REQ_SET = 0x21
GET_REPORT = 0x01
SET_REPORT = 0x09
FEATURE = 3
INTERRUPT_IN = 0x81

ENCODING_1BIT = 0x00
ENCODING_24BIT = 0x04
CHUNK = 253

STATUS_READY, STATUS_IMAGE, STATUS_CAPTURE, STATUS_CALCULATION, STATUS_IMAGE_BOOT, STATUS_ROM_BUSY = range(6)
RESULT_NONE, RESULT_WRONG_REPORT, RESULT_WRONG_STATE, RESULT_CRC, RESULT_BAD_PARAMETER = range(5)
RESULT_TEXT = {RESULT_WRONG_REPORT: "id laporan salah", RESULT_WRONG_STATE: "keadaan salah",
               RESULT_CRC: "CRC gambar salah", RESULT_BAD_PARAMETER: "parameter salah"}  # fmt: skip

# Pen word flags (byte 1 of the pen report). Verify on hardware: netas-ch reads bit 7 / bit 4 (as here),
# pabloko bit 0 / bit 1 of a different byte order.
_RDY = 0x80
_SW_MASK = 0x70
_PRESSURE_HIGH = 0x0F


def w_value(report_id: int) -> int:
    return FEATURE << 8 | report_id


def _check(data: bytes, report_id: int, what: str) -> None:
    if len(data) < LENGTHS[report_id]:
        raise ProtocolError(f"Laporan {what} STU terlalu pendek ({len(data)} dari {LENGTHS[report_id]} bita)")
    if data[0] != report_id:
        raise ProtocolError(f"Laporan {what} STU ber-id 0x{data[0]:02X}, bukan 0x{report_id:02X}")


def simple(report_id: int, *values: int) -> bytes:
    """A small feature report: id then the values as bytes, zero-padded to its length."""
    body = bytes([report_id, *values])
    return body.ljust(LENGTHS[report_id], b"\x00")


# ---------------------------------------------------------------------------------------------- capability


@dataclass(frozen=True)
class Capability:
    max_x: int
    max_y: int
    max_pressure: int
    screen_width: int
    screen_height: int
    report_rate: int = 200
    resolution: int = 2540
    encodings: int = 0b101  # 1-bit and 24-bit

    def encode(self) -> bytes:
        body = struct.pack(">BHHHHHBHB", CAPABILITY, self.max_x, self.max_y, self.max_pressure, self.screen_width,
                           self.screen_height, self.report_rate, self.resolution, self.encodings)
        return body.ljust(LENGTHS[CAPABILITY], b"\x00")

    @classmethod
    def decode(cls, data: bytes) -> "Capability":
        _check(data, CAPABILITY, "kapabilitas")
        fields = struct.unpack_from(">HHHHHBHB", data, 1)
        cap = cls(*fields)
        if min(cap.max_x, cap.max_y, cap.max_pressure, cap.screen_width, cap.screen_height) == 0:
            raise ProtocolError("Laporan kapabilitas STU berisi nol")
        return cap

    @property
    def colour(self) -> bool:
        return bool(self.encodings & 0b100)


@dataclass(frozen=True)
class Information:
    model: str
    firmware: tuple[int, int]

    def encode(self) -> bytes:
        name = self.model.encode("ascii")[:7].ljust(7, b"\x00")
        return (bytes([INFORMATION]) + name + bytes(self.firmware)).ljust(LENGTHS[INFORMATION], b"\x00")

    @classmethod
    def decode(cls, data: bytes) -> "Information":
        _check(data, INFORMATION, "informasi")
        raw = data[1:8].split(b"\x00")[0]
        try:
            model = raw.decode("ascii")
        except UnicodeDecodeError:
            raise ProtocolError("Nama model STU bukan ASCII") from None
        return cls(model, (data[8], data[9]))


def encode_eserial(serial: str) -> bytes:
    return (bytes([ESERIAL]) + serial.encode("ascii")[:13]).ljust(LENGTHS[ESERIAL], b"\x00")


def decode_eserial(data: bytes) -> str:
    _check(data, ESERIAL, "nomor seri")
    return data[1:].split(b"\x00")[0].decode("ascii", "replace")


@dataclass(frozen=True)
class Status:
    code: int
    last_result: int = RESULT_NONE
    word: int = 0

    def encode(self) -> bytes:
        return struct.pack(">BBBH", STATUS, self.code, self.last_result, self.word)

    @classmethod
    def decode(cls, data: bytes) -> "Status":
        _check(data, STATUS, "status")
        return cls(*struct.unpack_from(">BBH", data, 1))


# ------------------------------------------------------------------------------------------------ pen data


@dataclass(frozen=True)
class PenReport:
    proximity: bool
    touching: bool
    pressure: int
    x: int
    y: int
    time_ms: int | None = None
    sequence: int | None = None

    def encode(self) -> bytes:
        if not 0 <= self.pressure <= 0x0FFF:
            raise ValueError("pressure is 12 bits")
        flags = (_RDY if self.proximity else 0) | (0x10 if self.touching else 0) | (self.pressure >> 8)
        body = struct.pack(">BBBHH", PEN_DATA_TIMED if self.time_ms is not None else PEN_DATA, flags,
                           self.pressure & 0xFF, self.x, self.y)
        if self.time_ms is not None:
            body += struct.pack(">HH", self.time_ms & 0xFFFF, (self.sequence or 0) & 0xFFFF)
        return body

    @classmethod
    def decode(cls, data: bytes) -> "PenReport":
        if not data or data[0] not in INPUT_REPORTS:
            raise ProtocolError(f"Laporan masukan STU tidak dikenal (id 0x{data[0]:02X})" if data
                                else "Laporan masukan STU kosong")
        _check(data, data[0], "pena")
        flags, low, x, y = struct.unpack_from(">BBHH", data, 1)
        time_ms = sequence = None
        if data[0] == PEN_DATA_TIMED:
            time_ms, sequence = struct.unpack_from(">HH", data, 7)
        return cls(bool(flags & _RDY), bool(flags & _SW_MASK), (flags & _PRESSURE_HIGH) << 8 | low, x, y, time_ms,
                   sequence)


# --------------------------------------------------------------------------------------------------- image


def image_bytes(image: np.ndarray, width: int, height: int, colour: bool) -> tuple[int, bytes]:
    """(encoding, pixel bytes) of a ``height x width`` image: 24-bit BGR rows, or 1 bit per pixel (MSB first,
    1 = black) for monochrome pads. The caller has already scaled it to the screen."""
    if image.shape[:2] != (height, width):
        raise DeviceConfigError(f"Gambar harus {width}x{height} piksel, bukan {image.shape[1]}x{image.shape[0]}")
    if colour:
        bgr = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
        return ENCODING_24BIT, np.ascontiguousarray(bgr[..., :3], dtype=np.uint8).tobytes()
    grey = image if image.ndim == 2 else image[..., :3].mean(axis=2)
    return ENCODING_1BIT, np.packbits(np.asarray(grey) < 128, axis=1).tobytes()


def image_reports(encoding: int, data: bytes) -> list[bytes]:
    """START, the IMAGE_DATA chunks (253 bytes, length LE) and END reports of one upload."""
    reports = [simple(START_IMAGE, encoding)]
    for offset in range(0, len(data), CHUNK):
        chunk = data[offset : offset + CHUNK]
        reports.append((bytes([IMAGE_DATA]) + struct.pack("<H", len(chunk)) + chunk).ljust(LENGTHS[IMAGE_DATA], b"\x00"))
    reports.append(simple(END_IMAGE, 0))
    return reports


def image_chunk(data: bytes) -> bytes:
    """The pixel bytes of one IMAGE_DATA report."""
    _check(data, IMAGE_DATA, "data gambar")
    (length,) = struct.unpack_from("<H", data, 1)
    if length > CHUNK:
        raise ProtocolError(f"Potongan gambar STU {length} bita melebihi {CHUNK}")
    return data[3 : 3 + length]


def writing_area(x1: int, y1: int, x2: int, y2: int) -> bytes:
    return struct.pack("<BHHHH", WRITING_AREA, x1, y1, x2, y2)


# ------------------------------------------------------------------------------------------- stream framing

SYNC = 0xA5
K_GET, K_SET, K_READ = 0x01, 0x02, 0x03
K_REPORT, K_ACK, K_INPUT, K_NONE, K_STALL = 0x81, 0x82, 0x83, 0x84, 0x85
MAX_PAYLOAD = 1024


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): check value 0x29B1 for b"123456789"."""
    return binascii.crc_hqx(data, 0xFFFF)  # the same polynomial, MSB first, without reflection


def frame(kind: int, payload: bytes = b"") -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ValueError("payload too long")
    body = bytes([kind]) + struct.pack("<H", len(payload)) + payload
    return bytes([SYNC]) + body + struct.pack("<H", crc16(body))


class FrameReader:
    """Incremental frame parser; a bad CRC raises ``ProtocolError`` (the frame is dropped)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buf += data
        out: list[tuple[int, bytes]] = []
        while True:
            start = self._buf.find(bytes([SYNC]))
            if start < 0:
                self._buf.clear()
                return out
            del self._buf[:start]
            if len(self._buf) < 4:
                return out
            kind = self._buf[1]
            (length,) = struct.unpack_from("<H", self._buf, 2)
            if length > MAX_PAYLOAD:
                del self._buf[:1]
                continue
            if len(self._buf) < 4 + length + 2:
                return out
            body = bytes(self._buf[1 : 4 + length])
            (crc,) = struct.unpack_from("<H", self._buf, 4 + length)
            del self._buf[: 4 + length + 2]
            if crc != crc16(body):
                raise ProtocolError(f"CRC bingkai STU salah (jenis 0x{kind:02X})")
            out.append((kind, body[3:]))
