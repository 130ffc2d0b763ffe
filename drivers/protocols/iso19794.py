"""ISO/IEC 19794 biometric data interchange records, as MOSIP SBI devices put them in ``bioValue``.

Pure byte layouts, no image codec: a record carries already-compressed image bytes (JPEG 2000 for MOSIP
registration captures) and the metadata around them. Three parts are covered, each in its second-generation
(2011) edition, which is what MOSIP asks for (reference notes sbi.md section 5):

* **ISO/IEC 19794-4:2011 finger image** (format identifier ``"FIR\\0"``, version ``"020\\0"``).
* **ISO/IEC 19794-6:2011 iris image** (``"IIR\\0"``, ``"020\\0"``).
* **ISO/IEC 19794-5:2011 face image** (``"FAC\\0"``, ``"030\\0"``).

All integers are big-endian (19794-1 "byte ordering"). Every record starts with a general header, then one
representation per image. Only one representation per record is written (as MOSIP devices do: one record per
finger, per iris, per face); the decoders accept several.

General headers::

    FIR/IIR: id 4 | version 4 | record length u32 | representations u16 | certification flag u8 | positions/eyes u8
    FAC:     id 4 | version 4 | record length u32 | representations u16 | certification flag u8 | temporal u16

Finger representation (19794-4:2011, 41 bytes + 5 per quality block before the image)::

    length u32 | capture date-time 9 | device technology u8 | vendor u16 | device type u16
    | quality blocks u8 + n x (score u8, algorithm vendor u16, algorithm id u16)
    | position u8 | representation number u8 | scale units u8 (1 = ppi)
    | capture sampling h u16 | v u16 | image sampling h u16 | v u16 | bit depth u8 | compression u8
    | impression type u8 | width u16 | height u16 | image length u32 | image

Iris representation (19794-6:2011, 51 bytes + 5 per quality block)::

    length u32 | date-time 9 | technology u8 | vendor u16 | type u16 | quality blocks
    | representation number u8 | eye label u8 | image type u8 | image format u8 | properties u8
    | width u16 | height u16 | bit depth u8 | range u16 | roll u16 | roll uncertainty u16
    | iris centre x min/max, y min/max 4 x u16 | iris diameter min/max 2 x u16 | image length u32 | image

Face representation (19794-5:2011)::

    length u32 | date-time 9 | technology u8 | vendor u16 | type u16 | quality blocks
    | landmark count u16 | gender u8 | eye colour u8 | hair colour u8 | subject height u8 | property mask 3
    | expression u16 | pose yaw/pitch/roll 3 x u8 | pose uncertainty 3 x u8 | landmarks 8 each
    | face image type u8 | image data type u8 | width u16 | height u16 | spatial sampling level u8
    | post-acquisition processing u16 | cross reference u8 | colour space u8 | image

Capture date-time: year u16, month, day, hour, minute, second u8, millisecond u16 (UTC).
Certification blocks (flag 1) are not written; a record that has them is refused by the decoders.
"""

from __future__ import annotations

import datetime as _dt
import struct
from dataclasses import dataclass, field

from drivers.errors import ProtocolError

FINGER_ID = b"FIR\x00"
IRIS_ID = b"IIR\x00"
FACE_ID = b"FAC\x00"
FINGER_VERSION = b"020\x00"
IRIS_VERSION = b"020\x00"
FACE_VERSION = b"030\x00"

#: 19794-4:2011 Table 9 image compression algorithm codes.
FINGER_COMPRESSION = {"raw": 0, "raw_packed": 1, "wsq": 2, "jpeg": 3, "jpeg2000_lossy": 4,
                      "jpeg2000_lossless": 5, "png": 6}  # fmt: skip
#: 19794-4:2011 Table 10: live-scan plain impression.
IMPRESSION_LIVE_PLAIN = 0
#: 19794-6:2011 image format codes (monochrome JPEG 2000 and PNG among them).
IRIS_FORMAT = {"mono_raw": 0x02, "mono_jpeg": 0x06, "mono_jpeg_ls": 0x0A, "mono_jpeg2000": 0x0E, "mono_png": 0x20}
#: 19794-6:2011 eye labels.
EYE_UNSPECIFIED, EYE_RIGHT, EYE_LEFT = 0, 1, 2
#: 19794-6:2011 image types: 2 = VGA (640 x 480 uncropped, as K2 in ISO 29794-6).
IRIS_IMAGE_VGA = 2
#: 19794-5:2011 face image types and image data types.
FACE_FULL_FRONTAL = 1
FACE_DATA_JPEG, FACE_DATA_JPEG2000_LOSSY, FACE_DATA_JPEG2000_LOSSLESS, FACE_DATA_PNG = 0, 1, 2, 3
#: 19794-5:2011 colour space: 1 = 24-bit RGB.
FACE_COLOUR_RGB24 = 1

_GENERAL_4_6 = struct.Struct(">4s4sIHBB")  # 16 bytes
_GENERAL_5 = struct.Struct(">4s4sIHBH")  # 17 bytes
_DATETIME = struct.Struct(">HBBBBBH")  # 9 bytes
_CAPTURE = struct.Struct(">I9sBHH")  # length, date-time, technology, vendor, type: 18 bytes
_QUALITY = struct.Struct(">BHH")
_FINGER_TAIL = struct.Struct(">BBBHHHHBBBHHI")  # position .. image length: 22 bytes
_IRIS_TAIL = struct.Struct(">BBBBBHHBHHHHHHHHHI")  # representation number .. image length: 32 bytes
_FACE_INFO = struct.Struct(">HBBBB3sHBBBBBB")  # landmark count .. pose uncertainty: 17 bytes
_FACE_IMAGE = struct.Struct(">BBHHBHBB")  # 11 bytes


@dataclass(frozen=True)
class Quality:
    score: int  # 0..100, 255 = failed to compute
    vendor: int = 0
    algorithm: int = 0


@dataclass(frozen=True)
class CaptureInfo:
    when: _dt.datetime
    technology: int = 0
    vendor: int = 0
    device_type: int = 0
    qualities: tuple[Quality, ...] = ()


@dataclass(frozen=True)
class FingerRecord:
    position: int  # 19794-4 finger position (1 right thumb .. 10 left little; 0 unknown)
    width: int
    height: int
    image: bytes
    capture: CaptureInfo
    compression: int = FINGER_COMPRESSION["jpeg2000_lossless"]
    ppi: int = 500
    bit_depth: int = 8
    impression: int = IMPRESSION_LIVE_PLAIN
    number: int = 1


@dataclass(frozen=True)
class IrisRecord:
    eye: int  # EYE_RIGHT / EYE_LEFT
    width: int
    height: int
    image: bytes
    capture: CaptureInfo
    image_format: int = IRIS_FORMAT["mono_jpeg2000"]
    image_type: int = IRIS_IMAGE_VGA
    bit_depth: int = 8
    number: int = 1
    iris_centre: tuple[int, int, int, int] = (0, 0, 0, 0)  # x min, x max, y min, y max
    iris_diameter: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class FaceRecord:
    width: int
    height: int
    image: bytes
    capture: CaptureInfo
    data_type: int = FACE_DATA_JPEG2000_LOSSLESS
    face_type: int = FACE_FULL_FRONTAL
    colour_space: int = FACE_COLOUR_RGB24
    landmarks: tuple[bytes, ...] = field(default=())  # raw 8-byte landmark blocks


# ----------------------------------------------------------------------------------------------- helpers


def _datetime(when: _dt.datetime) -> bytes:
    if when.tzinfo is not None:
        when = when.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return _DATETIME.pack(when.year, when.month, when.day, when.hour, when.minute, when.second,
                          when.microsecond // 1000)


def _parse_datetime(raw: bytes) -> _dt.datetime:
    year, month, day, hour, minute, second, milli = _DATETIME.unpack(raw)
    try:
        return _dt.datetime(year, month, day, hour, minute, second, milli * 1000, tzinfo=_dt.timezone.utc)
    except ValueError as exc:
        raise ProtocolError(f"Rekaman ISO: tanggal pengambilan tidak valid ({exc})") from None


def _capture_prefix(length: int, capture: CaptureInfo) -> bytes:
    if len(capture.qualities) > 255:
        raise ValueError("too many quality blocks")
    out = _CAPTURE.pack(length, _datetime(capture.when), capture.technology, capture.vendor, capture.device_type)
    out += bytes([len(capture.qualities)])
    for q in capture.qualities:
        out += _QUALITY.pack(q.score, q.vendor, q.algorithm)
    return out


def _capture_size(capture: CaptureInfo) -> int:
    return _CAPTURE.size + 1 + _QUALITY.size * len(capture.qualities)


class _Reader:
    def __init__(self, data: bytes, what: str):
        self.data = memoryview(data)
        self.pos = 0
        self.what = what

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolError(f"Rekaman {self.what} terpotong (butuh {n} bita pada posisi {self.pos})")
        out = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return out

    def unpack(self, fmt: struct.Struct) -> tuple:
        return fmt.unpack(self.take(fmt.size))


def _read_capture(r: _Reader) -> tuple[int, CaptureInfo]:
    length, when, technology, vendor, device_type = r.unpack(_CAPTURE)
    (count,) = r.take(1)
    qualities = tuple(Quality(*r.unpack(_QUALITY)) for _ in range(count))
    return length, CaptureInfo(_parse_datetime(when), technology, vendor, device_type, qualities)


def _check_general(r: _Reader, ident: bytes, version: bytes, header: struct.Struct) -> tuple:
    if len(r.data) < header.size:
        raise ProtocolError(f"Rekaman {r.what} terlalu pendek ({len(r.data)} bita)")
    fields = r.unpack(header)
    if fields[0] != ident:
        raise ProtocolError(f"Bukan rekaman {r.what}: penanda {fields[0]!r}")
    if fields[1] != version:
        raise ProtocolError(f"Versi rekaman {r.what} tidak didukung: {fields[1]!r}")
    if fields[2] != len(r.data):
        raise ProtocolError(f"Panjang rekaman {r.what} {fields[2]} tidak sama dengan {len(r.data)} bita yang diterima")
    if fields[4] not in (0, 1):
        raise ProtocolError(f"Rekaman {r.what}: penanda sertifikasi tidak valid ({fields[4]})")
    if fields[4] == 1:
        raise ProtocolError(f"Rekaman {r.what} dengan blok sertifikasi tidak didukung")
    if fields[3] < 1:
        raise ProtocolError(f"Rekaman {r.what} tanpa representasi")
    return fields


def _check_length(r: _Reader, start: int, length: int) -> None:
    if r.pos - start != length:
        raise ProtocolError(f"Rekaman {r.what}: panjang representasi {length} tidak cocok ({r.pos - start} bita)")


# ------------------------------------------------------------------------------------------------ finger


def encode_finger(rec: FingerRecord) -> bytes:
    length = _capture_size(rec.capture) + _FINGER_TAIL.size + len(rec.image)
    rep = _capture_prefix(length, rec.capture) + _FINGER_TAIL.pack(
        rec.position, rec.number, 1, rec.ppi, rec.ppi, rec.ppi, rec.ppi, rec.bit_depth, rec.compression,
        rec.impression, rec.width, rec.height, len(rec.image)) + rec.image  # fmt: skip
    header = _GENERAL_4_6.pack(FINGER_ID, FINGER_VERSION, _GENERAL_4_6.size + len(rep), 1, 0, 1)
    return header + rep


def decode_finger(data: bytes) -> list[FingerRecord]:
    r = _Reader(data, "sidik jari ISO 19794-4")
    _, _, _, count, _, _ = _check_general(r, FINGER_ID, FINGER_VERSION, _GENERAL_4_6)
    out = []
    for _ in range(count):
        start = r.pos
        length, capture = _read_capture(r)
        (position, number, units, _ch, _cv, ppi_h, ppi_v, depth, compression, impression, width, height,
         size) = r.unpack(_FINGER_TAIL)  # fmt: skip
        if units != 1 or ppi_h != ppi_v:
            raise ProtocolError(f"Rekaman sidik jari: resolusi tidak didukung (unit {units}, {ppi_h}x{ppi_v})")
        if compression not in FINGER_COMPRESSION.values():
            raise ProtocolError(f"Rekaman sidik jari: kompresi tidak dikenal ({compression})")
        image = r.take(size)
        _check_length(r, start, length)
        out.append(FingerRecord(position, width, height, image, capture, compression, ppi_h, depth, impression,
                                number))
    if r.pos != len(r.data):
        raise ProtocolError("Rekaman sidik jari: ada data sisa setelah representasi terakhir")
    return out


# -------------------------------------------------------------------------------------------------- iris


def encode_iris(rec: IrisRecord) -> bytes:
    length = _capture_size(rec.capture) + _IRIS_TAIL.size + len(rec.image)
    rep = _capture_prefix(length, rec.capture) + _IRIS_TAIL.pack(
        rec.number, rec.eye, rec.image_type, rec.image_format, 0, rec.width, rec.height, rec.bit_depth,
        (1 << rec.bit_depth) - 1 if rec.bit_depth < 16 else 0xFFFF, 0xFFFF, 0xFFFF, *rec.iris_centre,
        *rec.iris_diameter, len(rec.image)) + rec.image  # fmt: skip
    header = _GENERAL_4_6.pack(IRIS_ID, IRIS_VERSION, _GENERAL_4_6.size + len(rep), 1, 0, 1)
    return header + rep


def decode_iris(data: bytes) -> list[IrisRecord]:
    r = _Reader(data, "iris ISO 19794-6")
    _, _, _, count, _, _ = _check_general(r, IRIS_ID, IRIS_VERSION, _GENERAL_4_6)
    out = []
    for _ in range(count):
        start = r.pos
        length, capture = _read_capture(r)
        (number, eye, image_type, image_format, _props, width, height, depth, _range, _roll, _unc,
         cx0, cx1, cy0, cy1, d0, d1, size) = r.unpack(_IRIS_TAIL)  # fmt: skip
        if eye not in (EYE_UNSPECIFIED, EYE_RIGHT, EYE_LEFT):
            raise ProtocolError(f"Rekaman iris: label mata tidak dikenal ({eye})")
        image = r.take(size)
        _check_length(r, start, length)
        out.append(IrisRecord(eye, width, height, image, capture, image_format, image_type, depth, number,
                              (cx0, cx1, cy0, cy1), (d0, d1)))
    if r.pos != len(r.data):
        raise ProtocolError("Rekaman iris: ada data sisa setelah representasi terakhir")
    return out


# -------------------------------------------------------------------------------------------------- face


def encode_face(rec: FaceRecord) -> bytes:
    landmarks = b"".join(rec.landmarks)
    if any(len(block) != 8 for block in rec.landmarks):
        raise ValueError("landmark blocks are 8 bytes each")
    info = _FACE_INFO.pack(len(rec.landmarks), 0, 0, 0, 0, b"\x00\x00\x01", 0, 0, 0, 0, 0, 0, 0)
    image_info = _FACE_IMAGE.pack(rec.face_type, rec.data_type, rec.width, rec.height, 0, 0, 0, rec.colour_space)
    length = _capture_size(rec.capture) + len(info) + len(landmarks) + len(image_info) + len(rec.image)
    rep = _capture_prefix(length, rec.capture) + info + landmarks + image_info + rec.image
    header = _GENERAL_5.pack(FACE_ID, FACE_VERSION, _GENERAL_5.size + len(rep), 1, 0, 0)
    return header + rep


def decode_face(data: bytes) -> list[FaceRecord]:
    r = _Reader(data, "wajah ISO 19794-5")
    _, _, _, count, _, _ = _check_general(r, FACE_ID, FACE_VERSION, _GENERAL_5)
    out = []
    for _ in range(count):
        start = r.pos
        length, capture = _read_capture(r)
        info = r.unpack(_FACE_INFO)
        landmarks = tuple(r.take(8) for _ in range(info[0]))
        face_type, data_type, width, height, _level, _post, _xref, colour = r.unpack(_FACE_IMAGE)
        size = length - (r.pos - start)
        if size < 0:
            raise ProtocolError("Rekaman wajah: panjang representasi lebih kecil dari kepalanya")
        image = r.take(size)
        out.append(FaceRecord(width, height, image, capture, data_type, face_type, colour, landmarks))
    if r.pos != len(r.data):
        raise ProtocolError("Rekaman wajah: ada data sisa setelah representasi terakhir")
    return out
