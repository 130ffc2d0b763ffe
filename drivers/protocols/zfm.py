"""ZhianTec "EF01" packet codec for ZFM-20, R30x, AS608 and R503 fingerprint modules.

Pure functions and small stateful parsers; no serial port, no clock. The same codec serves the driver (which
builds commands and parses acknowledgements) and the simulator (which parses commands and builds
acknowledgements): the framing is symmetric.

Sources (cited next to each fact below):

* [ZFM20] ZFM-20 Series user manual v2.0 (Hangzhou Zhian, 2010), translated copy in
  adafruit/Adafruit-Fingerprint-Sensor-Library; the ZFM user manual V13 and the ZFM-70 manual (same protocol)
  for the image buffer description ("4.1.1 Image buffer").
* [R503] Grow R503 fingerprint module user manual v1.2.2 (Hangzhou Grow, 2022): ReadSysPara, ReadIndexTable,
  GetRandomCode, HandShake (0x40), CheckSensor (0x36), SoftRst (0x3D), AuraLedConfig (0x35).
* [ADA] adafruit/Adafruit_CircuitPython_Fingerprint ``adafruit_fingerprint.py`` and
  adafruit/Adafruit-Fingerprint-Sensor-Library ``Adafruit_Fingerprint.h`` (instruction and confirmation
  codes).
* [PYFP] bastianraschke/pyfingerprint ``pyfingerprint.py`` (checksum, ReadSysPara decoding, index table bit
  order, image unpacking).
* [R503IMG] adafruit/Adafruit_CircuitPython_Fingerprint issue #24 and bastianraschke/pyfingerprint PR #117
  (tested on an R503): the R503 image is 192 x 192 pixels.

Frame layout ([ZFM20] "Data package format", big-endian)::

    EF 01 | address u32 | PID u8 | length u16 | content (length - 2 bytes) | checksum u16

``length`` counts the content plus the two checksum bytes; the checksum is the arithmetic sum of PID, both
length bytes and every content byte, overflow discarded ([ZFM20], [PYFP] ``__writePacket``). Header and
address are not summed.
"""

from __future__ import annotations

import enum
import struct
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from drivers.errors import (
    CaptureFailed,
    DeviceConfigError,
    DeviceError,
    NotSupported,
    ProtocolError,
)

HEADER = b"\xef\x01"
DEFAULT_ADDRESS = 0xFFFFFFFF  # factory address [ZFM20]
DEFAULT_PASSWORD = 0x00000000  # factory password [ZFM20], [R503] "Module password"
#: Sent once by the R503 after power-on and after SoftRst ([R503] HandShake and SoftRst notes).
READY_BYTE = 0x55

_FRAME_OVERHEAD = 11  # header 2 + address 4 + PID 1 + length 2 + checksum 2
_PREFIX_LEN = 9  # header + address + PID + length
#: Largest content a module sends: a 256-byte data packet (packet-size code 3) [ZFM20] parameter 6.
MAX_CONTENT = 256


class PID(enum.IntEnum):
    """Package identifier [ZFM20]."""

    COMMAND = 0x01
    DATA = 0x02  # data packet, more follow
    ACK = 0x07
    END_DATA = 0x08  # last data packet


_PID_VALUES = frozenset(int(pid) for pid in PID)

# ------------------------------------------------------------------------------------------------------------
# Framing
# ------------------------------------------------------------------------------------------------------------


def checksum(pid: int, content: bytes) -> int:
    """Sum of PID, the two length bytes and the content, modulo 65536 ([ZFM20], [PYFP])."""
    length = len(content) + 2
    return (pid + (length >> 8) + (length & 0xFF) + sum(content)) & 0xFFFF


@dataclass(frozen=True)
class Packet:
    """One EF01 frame. ``content`` is everything between the length field and the checksum."""

    pid: PID
    content: bytes = b""
    address: int = DEFAULT_ADDRESS

    def __post_init__(self) -> None:
        if not 0 <= self.address <= 0xFFFFFFFF:
            raise ValueError(f"address out of range: {self.address:#x}")
        if len(self.content) > 0xFFFF - 2:
            raise ValueError("content too long for the 16-bit length field")

    @property
    def checksum(self) -> int:
        return checksum(self.pid, self.content)

    def encode(self) -> bytes:
        length = len(self.content) + 2
        return (
            HEADER
            + struct.pack(">IBH", self.address, self.pid, length)
            + self.content
            + struct.pack(">H", self.checksum)
        )

    def __bytes__(self) -> bytes:
        return self.encode()


def encode_packet(pid: PID | int, content: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    return Packet(PID(pid), bytes(content), address).encode()


def decode_packet(frame: bytes, *, address: int | None = None) -> Packet:
    """Decode exactly one complete frame; raise :class:`ProtocolError` if it is not one."""
    frame = bytes(frame)
    if len(frame) < _FRAME_OVERHEAD:
        raise ProtocolError(f"Paket terlalu pendek ({len(frame)} byte) / frame too short", code="short")
    if frame[:2] != HEADER:
        raise ProtocolError("Header paket bukan EF01 / bad header", code="header")
    addr, pid_value, length = struct.unpack(">IBH", frame[2:_PREFIX_LEN])
    if len(frame) != _PREFIX_LEN + length:
        raise ProtocolError(
            f"Panjang paket {len(frame)} tidak cocok dengan field length {length} / length mismatch",
            code="length",
        )
    return _decode_body(frame, addr, pid_value, length, address)


def _decode_body(
    frame: bytes, addr: int, pid_value: int, length: int, expected_address: int | None
) -> Packet:
    try:
        pid = PID(pid_value)
    except ValueError:
        raise ProtocolError(f"PID tidak dikenal {pid_value:#04x} / unknown PID", code="pid") from None
    content = frame[_PREFIX_LEN : _PREFIX_LEN + length - 2]
    (received,) = struct.unpack(">H", frame[_PREFIX_LEN + length - 2 : _PREFIX_LEN + length])
    expected = checksum(pid, content)
    if received != expected:
        raise ProtocolError(
            f"Checksum salah: diterima {received:#06x}, dihitung {expected:#06x} / bad checksum",
            code="checksum",
        )
    if expected_address is not None and addr != expected_address:
        raise ProtocolError(
            f"Alamat modul {addr:#010x}, diharapkan {expected_address:#010x} / address mismatch",
            code="address",
        )
    return Packet(pid, bytes(content), addr)


class PacketReader:
    """Incremental frame parser: ``feed(chunk) -> [Packet, ...]``.

    * Bytes before ``EF 01`` are discarded (counted in :attr:`discarded`; the bytes thrown away during the
      last call are in :attr:`last_discarded`, so a driver can spot the R503 ready byte ``0x55``).
    * A header followed by an impossible PID or length is treated as garbage: one byte is dropped and the
      search for ``EF 01`` goes on.
    * A complete frame with a bad checksum (or, when ``address`` is given, a foreign address) is dropped as a
      whole and counted in :attr:`errors`. With ``strict=True`` (default) ``feed`` then raises
      :class:`ProtocolError`; packets decoded before the bad frame, and whatever follows it, are kept and
      returned by the next call (``feed(b"")`` continues). With ``strict=False`` the error is only recorded in
      :attr:`error_log`.
    """

    def __init__(self, *, address: int | None = None, strict: bool = True, max_content: int = MAX_CONTENT):
        self.address = address
        self.strict = strict
        self.max_content = max_content
        self._buffer = bytearray()
        self._ready: deque[Packet] = deque()
        self.discarded = 0
        self.last_discarded = b""
        self.errors = 0
        self.error_log: list[ProtocolError] = []

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> None:
        self._buffer.clear()
        self._ready.clear()

    def feed(self, data: bytes = b"") -> list[Packet]:
        self._buffer.extend(data)
        dropped = bytearray()
        error: ProtocolError | None = None
        while error is None:
            start = self._buffer.find(HEADER)
            if start < 0:
                # Keep a trailing 0xEF: it may be the first half of the next header.
                keep = 1 if self._buffer.endswith(HEADER[:1]) else 0
                cut = len(self._buffer) - keep
                dropped += self._buffer[:cut]
                del self._buffer[:cut]
                break
            if start:
                dropped += self._buffer[:start]
                del self._buffer[:start]
            if len(self._buffer) < _PREFIX_LEN:
                break
            addr, pid_value, length = struct.unpack(">IBH", self._buffer[2:_PREFIX_LEN])
            if pid_value not in _PID_VALUES or not 2 <= length <= self.max_content + 2:
                dropped += self._buffer[:1]
                del self._buffer[:1]
                continue
            total = _PREFIX_LEN + length
            if len(self._buffer) < total:
                break
            frame = bytes(self._buffer[:total])
            del self._buffer[:total]
            try:
                self._ready.append(_decode_body(frame, addr, pid_value, length, self.address))
            except ProtocolError as exc:
                self.errors += 1
                self.error_log.append(exc)
                if self.strict:
                    error = exc
        self.discarded += len(dropped)
        self.last_discarded = bytes(dropped)
        if error is not None:
            raise error
        ready = list(self._ready)
        self._ready.clear()
        return ready


# ------------------------------------------------------------------------------------------------------------
# Instructions and confirmation codes
# ------------------------------------------------------------------------------------------------------------


class Instruction(enum.IntEnum):
    """Instruction codes ([ZFM20] chapter 5, [R503] chapter V, [ADA])."""

    GEN_IMG = 0x01
    IMG2TZ = 0x02  # "GenChar" in some manuals
    MATCH = 0x03
    SEARCH = 0x04
    REG_MODEL = 0x05
    STORE = 0x06
    LOAD_CHAR = 0x07
    UP_CHAR = 0x08
    DOWN_CHAR = 0x09
    UP_IMAGE = 0x0A
    DOWN_IMAGE = 0x0B
    DELETE_CHAR = 0x0C
    EMPTY = 0x0D
    SET_SYS_PARA = 0x0E
    READ_SYS_PARA = 0x0F
    SET_PWD = 0x12
    VFY_PWD = 0x13
    GET_RANDOM_CODE = 0x14
    SET_ADDER = 0x15
    HIGH_SPEED_SEARCH = 0x1B  # R30x/R503 [ADA]
    TEMPLATE_NUM = 0x1D  # "TempleteNum" in the manuals
    READ_CON_LIST = 0x1F  # "ReadConList" [ZFM20] / "ReadIndexTable" [R503]
    AURA_LED_CONFIG = 0x35  # R503 [R503]
    CHECK_SENSOR = 0x36  # R503 v1.2 [R503]
    SOFT_RESET = 0x3D  # R503 "SoftRst" [R503]
    HANDSHAKE = 0x40  # R503 v1.2 "HandShake" [R503]


#: Parameter layout of each instruction (struct format after the instruction byte, big-endian).
COMMAND_PARAMS: dict[Instruction, str] = {
    Instruction.GEN_IMG: "",
    Instruction.IMG2TZ: "B",  # buffer id 1/2
    Instruction.MATCH: "",
    Instruction.SEARCH: "BHH",  # buffer id, start page, page count
    Instruction.REG_MODEL: "",
    Instruction.STORE: "BH",  # buffer id, page id
    Instruction.LOAD_CHAR: "BH",  # buffer id, page id
    Instruction.UP_CHAR: "B",
    Instruction.DOWN_CHAR: "B",
    Instruction.UP_IMAGE: "",
    Instruction.DOWN_IMAGE: "",
    Instruction.DELETE_CHAR: "HH",  # first page id, number of templates
    Instruction.EMPTY: "",
    Instruction.SET_SYS_PARA: "BB",  # parameter number, value
    Instruction.READ_SYS_PARA: "",
    Instruction.SET_PWD: "I",
    Instruction.VFY_PWD: "I",
    Instruction.GET_RANDOM_CODE: "",
    Instruction.SET_ADDER: "I",
    Instruction.HIGH_SPEED_SEARCH: "BHH",
    Instruction.TEMPLATE_NUM: "",
    Instruction.READ_CON_LIST: "B",  # index page 0..3
    Instruction.AURA_LED_CONFIG: "BBBB",  # control, speed, colour index, times
    Instruction.CHECK_SENSOR: "",
    Instruction.SOFT_RESET: "",
    Instruction.HANDSHAKE: "",
}


class ConfirmationCode(enum.IntEnum):
    """Confirmation code, the first content byte of every ack ([ZFM20] 5.1, [ADA] header, [R503]).

    Values not in the manuals decode to pseudo-members named ``UNKNOWN_XX`` so an odd module never crashes
    the parser.
    """

    OK = 0x00
    PACKET_RECEIVE_ERROR = 0x01
    NO_FINGER = 0x02
    ENROLL_IMAGE_FAILED = 0x03
    IMAGE_TOO_DISORDERED = 0x06
    TOO_FEW_FEATURES = 0x07
    NO_MATCH = 0x08
    NOT_FOUND = 0x09
    MERGE_FAILED = 0x0A
    PAGE_ID_OUT_OF_RANGE = 0x0B
    TEMPLATE_READ_ERROR = 0x0C
    UPLOAD_TEMPLATE_FAILED = 0x0D
    CANNOT_RECEIVE_DATA = 0x0E
    UPLOAD_IMAGE_FAILED = 0x0F
    DELETE_FAILED = 0x10
    CLEAR_FAILED = 0x11
    WRONG_PASSWORD = 0x13
    NO_VALID_IMAGE = 0x15
    FLASH_ERROR = 0x18
    INVALID_REGISTER = 0x1A
    ADDRESS_ERROR = 0x20
    PASSWORD_NOT_VERIFIED = 0x21
    SENSOR_ABNORMAL = 0x29  # CheckSensor reply [R503]

    @classmethod
    def _missing_(cls, value: object) -> ConfirmationCode | None:
        if isinstance(value, int) and 0 <= value <= 0xFF:
            pseudo = int.__new__(cls, value)
            pseudo._name_ = f"UNKNOWN_{value:02X}"
            pseudo._value_ = value
            return pseudo
        return None

    @property
    def is_known(self) -> bool:
        return self._name_ in type(self).__members__

    @property
    def description_id(self) -> str:
        return _DESCRIPTIONS.get(self.value, (f"kode konfirmasi tidak dikenal {self.value:#04x}", ""))[0]

    @property
    def description_en(self) -> str:
        return _DESCRIPTIONS.get(self.value, ("", f"unknown confirmation code {self.value:#04x}"))[1]

    @property
    def description(self) -> str:
        return f"{self.description_id} / {self.description_en}"


_DESCRIPTIONS: dict[int, tuple[str, str]] = {
    0x00: ("perintah berhasil", "command executed"),
    0x01: ("kesalahan saat menerima paket", "error when receiving the packet"),
    0x02: ("tidak ada jari di sensor", "no finger on the sensor"),
    0x03: ("gagal mengambil gambar jari", "failed to enrol the finger image"),
    0x06: ("gambar jari terlalu kacau", "finger image too disordered to generate features"),
    0x07: ("titik fitur terlalu sedikit", "too few feature points in the finger image"),
    0x08: ("sidik jari tidak cocok", "fingerprints do not match"),
    0x09: ("sidik jari tidak ditemukan di pustaka", "no matching fingerprint in the library"),
    0x0A: ("gagal menggabungkan fitur", "failed to combine the character files"),
    0x0B: ("nomor halaman (PageID) di luar jangkauan", "PageID beyond the finger library"),
    0x0C: ("templat tidak valid atau gagal dibaca", "error reading the template or template invalid"),
    0x0D: ("gagal mengunggah templat", "error uploading the template"),
    0x0E: ("modul tidak dapat menerima paket data", "module cannot receive the following data packets"),
    0x0F: ("gagal mengunggah gambar", "error uploading the image"),
    0x10: ("gagal menghapus templat", "failed to delete the template"),
    0x11: ("gagal mengosongkan pustaka sidik jari", "failed to clear the finger library"),
    0x13: ("kata sandi modul salah", "wrong module password"),
    0x15: ("tidak ada gambar primer yang valid", "no valid primary image in the image buffer"),
    0x18: ("kesalahan baca/tulis flash", "error reading or writing the flash"),
    0x1A: ("nomor register tidak valid", "invalid register number"),
    0x20: ("alamat modul salah", "wrong module address"),
    0x21: ("kata sandi harus diverifikasi dulu", "the password must be verified first"),
    0x29: ("sensor tidak normal", "the sensor is abnormal"),
}

# Codes that mean "ask the person again" rather than "the device is broken". 0x08 and 0x09 are outcomes of
# Match/Search, not faults; when a caller still wants them as exceptions they become retryable CaptureFailed.
_CAPTURE_CODES = {0x02, 0x03, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x15}
_TRANSFER_CODES = {0x01, 0x0D, 0x0E, 0x0F}


def error_for_code(code: ConfirmationCode | int, action: str = "") -> DeviceError:
    """The :mod:`drivers.errors` exception (not raised) for a non-OK confirmation code.

    * finger/image problems (no finger, poor image, no match, merge failed, no valid image) ->
      ``CaptureFailed`` (retryable);
    * packet receive/transfer errors -> ``ProtocolError`` (retryable);
    * wrong address -> ``DeviceConfigError``; invalid register -> ``NotSupported``;
    * wrong or unverified password, flash error, PageID out of range, template/delete/clear failures,
      unknown codes -> ``DeviceError`` (fatal).
    """
    cc = ConfirmationCode(code)
    if cc is ConfirmationCode.OK:
        raise ValueError("confirmation code OK is not an error")
    prefix = f"{action}: " if action else ""
    message = f"{prefix}{cc.description_id} ({cc.description_en}, kode {cc.value:#04x})"
    if cc.value in _CAPTURE_CODES:
        return CaptureFailed(message, code=cc.value)
    if cc.value in _TRANSFER_CODES:
        return ProtocolError(message, code=cc.value)
    if cc is ConfirmationCode.ADDRESS_ERROR:
        return DeviceConfigError(message, code=cc.value)
    if cc is ConfirmationCode.INVALID_REGISTER:
        return NotSupported(message, code=cc.value)
    return DeviceError(message, code=cc.value)


# ------------------------------------------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A decoded command packet (simulator side)."""

    instruction: Instruction | int
    params: bytes = b""
    args: tuple[int, ...] = ()

    @property
    def known(self) -> bool:
        return isinstance(self.instruction, Instruction)


def command(instruction: Instruction, *args: int, address: int = DEFAULT_ADDRESS) -> Packet:
    """Build a command packet from an instruction and its integer parameters (layout from COMMAND_PARAMS)."""
    fmt = COMMAND_PARAMS[instruction]
    if len(args) != len(fmt):
        raise ValueError(f"{instruction.name} takes {len(fmt)} parameter(s), got {len(args)}")
    try:
        params = struct.pack(">" + fmt, *args)
    except struct.error as exc:
        raise ValueError(f"{instruction.name}: parameter out of range ({exc})") from None
    return Packet(PID.COMMAND, bytes([instruction]) + params, address)


def decode_command(packet: Packet) -> Command:
    """Decode a command packet into instruction + integer arguments.

    Unknown instructions decode with their raw parameter bytes (the simulator answers them with 0x01); a known
    instruction with the wrong parameter length raises :class:`ProtocolError`.
    """
    if packet.pid is not PID.COMMAND:
        raise ProtocolError(
            f"Bukan paket perintah (PID {packet.pid:#04x}) / not a command packet", code="pid"
        )
    if not packet.content:
        raise ProtocolError("Paket perintah kosong / empty command packet", code="empty")
    code, params = packet.content[0], packet.content[1:]
    try:
        instruction = Instruction(code)
    except ValueError:
        return Command(code, params)
    fmt = ">" + COMMAND_PARAMS[instruction]
    if len(params) != struct.calcsize(fmt):
        raise ProtocolError(
            f"{instruction.name}: {len(params)} byte parameter, diharapkan {struct.calcsize(fmt)} / "
            "wrong parameter length",
            code="params",
        )
    return Command(instruction, params, struct.unpack(fmt, params))


def _check_buffer(buffer_id: int) -> None:
    if buffer_id not in (1, 2):
        raise ValueError(f"character buffer must be 1 or 2, got {buffer_id}")


def verify_password(password: int = DEFAULT_PASSWORD, *, address: int = DEFAULT_ADDRESS) -> Packet:
    """VfyPwd 0x13: the "handshaking password" check every module supports ([ZFM20], [R503])."""
    return command(Instruction.VFY_PWD, password, address=address)


def handshake(*, address: int = DEFAULT_ADDRESS) -> Packet:
    """HandShake 0x40 (R503 manual v1.2): cc 0x00 means the module takes instructions.

    Older ZFM-20/R30x modules have no such instruction; use :func:`verify_password` as the handshake there.
    """
    return command(Instruction.HANDSHAKE, address=address)


def check_sensor(*, address: int = DEFAULT_ADDRESS) -> Packet:
    """CheckSensor 0x36 (R503 v1.2): cc 0x00 sensor normal, 0x29 abnormal."""
    return command(Instruction.CHECK_SENSOR, address=address)


def set_password(password: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    return command(Instruction.SET_PWD, password, address=address)


def set_address(new_address: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    """SetAdder 0x15; the module acknowledges from the *new* address ([ZFM20])."""
    return command(Instruction.SET_ADDER, new_address, address=address)


def read_sys_para(*, address: int = DEFAULT_ADDRESS) -> Packet:
    return command(Instruction.READ_SYS_PARA, address=address)


class SysParam(enum.IntEnum):
    """SetSysPara parameter numbers ([ZFM20] 4.3, [R503])."""

    BAUD_RATE = 4  # value N: baud = 9600 * N
    SECURITY_LEVEL = 5  # 1..5
    PACKET_SIZE = 6  # code 0..3 -> 32/64/128/256 bytes


PACKET_SIZES = (32, 64, 128, 256)  # [ZFM20] parameter 6, [PYFP] setMaxPacketSize


def packet_size_code(size: int) -> int:
    try:
        return PACKET_SIZES.index(size)
    except ValueError:
        raise ValueError(f"packet size must be one of {PACKET_SIZES}, got {size}") from None


def set_sys_para(param: SysParam | int, value: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    """SetSysPara 0x0E. The module acks with the *old* settings, then applies the new ones ([ZFM20] 4.3)."""
    param = SysParam(param)
    if param is SysParam.BAUD_RATE and not 1 <= value <= 12:
        # [ZFM20]: N = 1..12; [R503] lists only N in {1, 2, 4, 6, 12}.
        raise ValueError(f"baud multiplier N must be 1..12, got {value}")
    if param is SysParam.SECURITY_LEVEL and not 1 <= value <= 5:
        raise ValueError(f"security level must be 1..5, got {value}")
    if param is SysParam.PACKET_SIZE and not 0 <= value <= 3:
        raise ValueError(f"packet size code must be 0..3, got {value}")
    return command(Instruction.SET_SYS_PARA, param, value, address=address)


def set_baud_rate(baud: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    if baud % 9600:
        raise ValueError(f"baud rate must be a multiple of 9600, got {baud}")
    return set_sys_para(SysParam.BAUD_RATE, baud // 9600, address=address)


def set_security_level(level: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    return set_sys_para(SysParam.SECURITY_LEVEL, level, address=address)


def set_packet_size(size: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    return set_sys_para(SysParam.PACKET_SIZE, packet_size_code(size), address=address)


def gen_img(*, address: int = DEFAULT_ADDRESS) -> Packet:
    return command(Instruction.GEN_IMG, address=address)


def up_image(*, address: int = DEFAULT_ADDRESS) -> Packet:
    """UpImage 0x0A: ack, then the image as data packets (module -> host)."""
    return command(Instruction.UP_IMAGE, address=address)


def down_image(*, address: int = DEFAULT_ADDRESS) -> Packet:
    """DownImage 0x0B: ack, then the host sends the image as data packets."""
    return command(Instruction.DOWN_IMAGE, address=address)


def img2tz(buffer_id: int = 1, *, address: int = DEFAULT_ADDRESS) -> Packet:
    _check_buffer(buffer_id)
    return command(Instruction.IMG2TZ, buffer_id, address=address)


def reg_model(*, address: int = DEFAULT_ADDRESS) -> Packet:
    return command(Instruction.REG_MODEL, address=address)


def store(buffer_id: int, page_id: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    _check_buffer(buffer_id)
    return command(Instruction.STORE, buffer_id, page_id, address=address)


def load_char(buffer_id: int, page_id: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    _check_buffer(buffer_id)
    return command(Instruction.LOAD_CHAR, buffer_id, page_id, address=address)


def up_char(buffer_id: int = 1, *, address: int = DEFAULT_ADDRESS) -> Packet:
    _check_buffer(buffer_id)
    return command(Instruction.UP_CHAR, buffer_id, address=address)


def down_char(buffer_id: int = 1, *, address: int = DEFAULT_ADDRESS) -> Packet:
    _check_buffer(buffer_id)
    return command(Instruction.DOWN_CHAR, buffer_id, address=address)


def search(buffer_id: int, start_page: int, page_count: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    _check_buffer(buffer_id)
    return command(Instruction.SEARCH, buffer_id, start_page, page_count, address=address)


def high_speed_search(
    buffer_id: int, start_page: int, page_count: int, *, address: int = DEFAULT_ADDRESS
) -> Packet:
    _check_buffer(buffer_id)
    return command(Instruction.HIGH_SPEED_SEARCH, buffer_id, start_page, page_count, address=address)


def match(*, address: int = DEFAULT_ADDRESS) -> Packet:
    """Match 0x03: compare CharBuffer1 with CharBuffer2."""
    return command(Instruction.MATCH, address=address)


def delete_char(page_id: int, count: int = 1, *, address: int = DEFAULT_ADDRESS) -> Packet:
    return command(Instruction.DELETE_CHAR, page_id, count, address=address)


def empty(*, address: int = DEFAULT_ADDRESS) -> Packet:
    return command(Instruction.EMPTY, address=address)


def template_num(*, address: int = DEFAULT_ADDRESS) -> Packet:
    return command(Instruction.TEMPLATE_NUM, address=address)


def read_con_list(page: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    """ReadConList / ReadIndexTable 0x1F: page p covers templates 256p..256p+255 ([R503])."""
    if not 0 <= page <= 3:
        raise ValueError(f"index page must be 0..3, got {page}")
    return command(Instruction.READ_CON_LIST, page, address=address)


read_index_table = read_con_list


def get_random_code(*, address: int = DEFAULT_ADDRESS) -> Packet:
    return command(Instruction.GET_RANDOM_CODE, address=address)


def soft_reset(*, address: int = DEFAULT_ADDRESS) -> Packet:
    """SoftRst 0x3D (R503): ack, reset, then the single byte 0x55 ([R503])."""
    return command(Instruction.SOFT_RESET, address=address)


class AuraMode(enum.IntEnum):
    """AuraLedConfig control code ([R503] "Aura control")."""

    BREATHING = 0x01
    FLASHING = 0x02
    ON = 0x03
    OFF = 0x04
    FADE_IN = 0x05
    FADE_OUT = 0x06


class AuraColour(enum.IntEnum):
    """AuraLedConfig colour index: 1..3 since v1.1, 4..7 added in manual v1.2 ([R503] revision table)."""

    RED = 0x01
    BLUE = 0x02
    PURPLE = 0x03
    GREEN = 0x04
    YELLOW = 0x05
    CYAN = 0x06
    WHITE = 0x07


def aura_led_config(
    mode: AuraMode | int,
    colour: AuraColour | int,
    speed: int = 0x80,
    times: int = 0,
    *,
    address: int = DEFAULT_ADDRESS,
) -> Packet:
    """AuraLedConfig 0x35: parameters on the wire are control, speed, colour index, times ([R503]).

    ``speed`` 0..255 applies to breathing/flashing/fade; ``times`` 0 = endless, 1..255 cycles.
    """
    return command(
        Instruction.AURA_LED_CONFIG, AuraMode(mode), speed, AuraColour(colour), times, address=address
    )


# ------------------------------------------------------------------------------------------------------------
# Acknowledgements
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ack:
    code: ConfirmationCode
    payload: bytes = b""

    @property
    def ok(self) -> bool:
        return self.code is ConfirmationCode.OK

    def raise_for_code(self, action: str = "") -> None:
        if not self.ok:
            raise error_for_code(self.code, action)


def ack(
    code: ConfirmationCode | int = ConfirmationCode.OK,
    payload: bytes = b"",
    *,
    address: int = DEFAULT_ADDRESS,
) -> Packet:
    """Build an acknowledgement packet (simulator side)."""
    return Packet(PID.ACK, bytes([int(code)]) + bytes(payload), address)


def parse_ack(packet: Packet) -> Ack:
    if packet.pid is not PID.ACK:
        raise ProtocolError(f"Bukan paket ack (PID {packet.pid:#04x}) / not an ack packet", code="pid")
    if not packet.content:
        raise ProtocolError("Paket ack kosong / empty ack", code="empty")
    return Ack(ConfirmationCode(packet.content[0]), bytes(packet.content[1:]))


def expect_ok(packet: Packet, action: str = "") -> Ack:
    """Parse an ack and raise the mapped :mod:`drivers.errors` exception unless the code is OK."""
    result = parse_ack(packet)
    result.raise_for_code(action)
    return result


def _payload(result: Ack, size: int, what: str) -> bytes:
    if len(result.payload) < size:
        raise ProtocolError(
            f"{what}: ack {len(result.payload)} byte, diharapkan {size} / ack payload too short", code="short"
        )
    return result.payload[:size]


@dataclass(frozen=True)
class SearchResult:
    """Search / HighSpeedSearch outcome ([ZFM20]: cc + PageID u16 + MatchScore u16)."""

    found: bool
    page_id: int
    score: int


@dataclass(frozen=True)
class MatchResult:
    """Match outcome ([ZFM20]: cc + MatchScore u16)."""

    matched: bool
    score: int


def parse_search_ack(packet: Packet) -> SearchResult:
    """cc 0x00 -> found, cc 0x09 -> not found (an outcome, not an error); other codes raise."""
    result = parse_ack(packet)
    if result.code is ConfirmationCode.NOT_FOUND:
        page_id, score = struct.unpack(">HH", result.payload[:4]) if len(result.payload) >= 4 else (0, 0)
        return SearchResult(False, page_id, score)
    result.raise_for_code("Search")
    page_id, score = struct.unpack(">HH", _payload(result, 4, "Search"))
    return SearchResult(True, page_id, score)


def search_ack(page_id: int, score: int, *, found: bool = True, address: int = DEFAULT_ADDRESS) -> Packet:
    code = ConfirmationCode.OK if found else ConfirmationCode.NOT_FOUND
    return ack(code, struct.pack(">HH", page_id, score), address=address)


def parse_match_ack(packet: Packet) -> MatchResult:
    """cc 0x00 -> matched, cc 0x08 -> not matched (an outcome); other codes raise."""
    result = parse_ack(packet)
    if result.code is ConfirmationCode.NO_MATCH:
        score = struct.unpack(">H", result.payload[:2])[0] if len(result.payload) >= 2 else 0
        return MatchResult(False, score)
    result.raise_for_code("Match")
    (score,) = struct.unpack(">H", _payload(result, 2, "Match"))
    return MatchResult(True, score)


def match_ack(score: int, *, matched: bool = True, address: int = DEFAULT_ADDRESS) -> Packet:
    code = ConfirmationCode.OK if matched else ConfirmationCode.NO_MATCH
    return ack(code, struct.pack(">H", score), address=address)


def parse_template_count_ack(packet: Packet) -> int:
    result = expect_ok(packet, "TempleteNum")
    return struct.unpack(">H", _payload(result, 2, "TempleteNum"))[0]


def template_count_ack(count: int, *, address: int = DEFAULT_ADDRESS) -> Packet:
    return ack(ConfirmationCode.OK, struct.pack(">H", count), address=address)


def parse_random_code_ack(packet: Packet) -> int:
    result = expect_ok(packet, "GetRandomCode")
    return struct.unpack(">I", _payload(result, 4, "GetRandomCode"))[0]


# --- system parameters ------------------------------------------------------------------------------------

SYS_PARA_LEN = 16
_SYS_PARA_FORMAT = ">HHHHIHH"  # [R503] ReadSysPara table, [ADA] read_sysparam, [PYFP] getSystemParameters


@dataclass(frozen=True)
class SystemParameters:
    """The 16-byte ReadSysPara block."""

    status: int = 0
    system_id: int = 0x0000  # "Fixed value: 0x0000" [R503]
    library_size: int = 162
    security_level: int = 3
    address: int = DEFAULT_ADDRESS
    packet_size_code: int = 2  # 128 bytes, factory setting ([R503]: "128 Bytes before delivery")
    baud_multiplier: int = 6  # 57600, factory setting ([ZFM20]: N = 6)

    # Status register bits ([R503] "System status register", same in [ZFM20]).
    BUSY = 0x0001
    MATCHED = 0x0002  # "Pass": found the matching finger
    PASSWORD_VERIFIED = 0x0004  # "PWD"
    IMAGE_VALID = 0x0008  # "ImgBufStat"

    @property
    def busy(self) -> bool:
        return bool(self.status & self.BUSY)

    @property
    def matched(self) -> bool:
        return bool(self.status & self.MATCHED)

    @property
    def password_verified(self) -> bool:
        return bool(self.status & self.PASSWORD_VERIFIED)

    @property
    def image_valid(self) -> bool:
        return bool(self.status & self.IMAGE_VALID)

    @property
    def packet_size(self) -> int:
        """Data packet payload in bytes (code 0..3 -> 32/64/128/256)."""
        if not 0 <= self.packet_size_code <= 3:
            raise ProtocolError(f"Kode ukuran paket tidak valid: {self.packet_size_code}", code="packet_size")
        return PACKET_SIZES[self.packet_size_code]

    @property
    def baud_rate(self) -> int:
        return 9600 * self.baud_multiplier

    def to_bytes(self) -> bytes:
        return struct.pack(
            _SYS_PARA_FORMAT,
            self.status,
            self.system_id,
            self.library_size,
            self.security_level,
            self.address,
            self.packet_size_code,
            self.baud_multiplier,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> SystemParameters:
        if len(data) != SYS_PARA_LEN:
            raise ProtocolError(
                f"Blok parameter sistem {len(data)} byte, harus 16 / bad length", code="length"
            )
        return cls(*struct.unpack(_SYS_PARA_FORMAT, data))


def parse_sys_para_ack(packet: Packet) -> SystemParameters:
    result = expect_ok(packet, "ReadSysPara")
    return SystemParameters.from_bytes(_payload(result, SYS_PARA_LEN, "ReadSysPara"))


def sys_para_ack(params: SystemParameters, *, address: int = DEFAULT_ADDRESS) -> Packet:
    return ack(ConfirmationCode.OK, params.to_bytes(), address=address)


# --- index table ------------------------------------------------------------------------------------------

INDEX_PAGE_BYTES = 32
TEMPLATES_PER_INDEX_PAGE = 256


def decode_index_table(bitmap: bytes, page: int = 0) -> set[int]:
    """Template ids present on one index page: bit b (LSB first) of byte k <=> template 256*page + 8k + b.

    Bit order from [PYFP] getTemplateIndex and [ADA] read_templates; page ranges from [R503] ReadIndexTable.
    """
    if len(bitmap) != INDEX_PAGE_BYTES:
        raise ProtocolError(f"Tabel indeks {len(bitmap)} byte, harus 32 / bad index table", code="length")
    base = page * TEMPLATES_PER_INDEX_PAGE
    return {base + 8 * k + bit for k, byte in enumerate(bitmap) for bit in range(8) if byte >> bit & 1}


def encode_index_table(template_ids: Iterable[int], page: int = 0) -> bytes:
    base = page * TEMPLATES_PER_INDEX_PAGE
    table = bytearray(INDEX_PAGE_BYTES)
    for template_id in template_ids:
        offset = template_id - base
        if 0 <= offset < TEMPLATES_PER_INDEX_PAGE:
            table[offset // 8] |= 1 << (offset % 8)
    return bytes(table)


def parse_index_table_ack(packet: Packet, page: int = 0) -> set[int]:
    result = expect_ok(packet, "ReadConList")
    return decode_index_table(_payload(result, INDEX_PAGE_BYTES, "ReadConList"), page)


def index_table_ack(template_ids: Iterable[int], page: int = 0, *, address: int = DEFAULT_ADDRESS) -> Packet:
    return ack(ConfirmationCode.OK, encode_index_table(template_ids, page), address=address)


# ------------------------------------------------------------------------------------------------------------
# Data packets (image and template transfer)
# ------------------------------------------------------------------------------------------------------------


def split_data(payload: bytes, packet_size: int = 128, *, address: int = DEFAULT_ADDRESS) -> list[Packet]:
    """Cut a payload into ceil(len/size) data packets, the last one with PID 0x08 ([ZFM20] UpImage/UpChar)."""
    if packet_size not in PACKET_SIZES:
        raise ValueError(f"packet size must be one of {PACKET_SIZES}, got {packet_size}")
    if not payload:
        raise ValueError("nothing to send")
    chunks = [bytes(payload[i : i + packet_size]) for i in range(0, len(payload), packet_size)]
    return [
        Packet(PID.END_DATA if i == len(chunks) - 1 else PID.DATA, chunk, address)
        for i, chunk in enumerate(chunks)
    ]


@dataclass
class DataAssembler:
    """Collect data packets until the end packet: ``add(packet) -> payload | None``.

    ``packet_size`` (when given) checks that every non-final packet is exactly that long.
    """

    packet_size: int | None = None
    _parts: list[bytes] = field(default_factory=list)
    done: bool = False

    def add(self, packet: Packet) -> bytes | None:
        if self.done:
            raise ProtocolError("Paket data setelah paket akhir / data after the end packet", code="sequence")
        if packet.pid not in (PID.DATA, PID.END_DATA):
            raise ProtocolError(
                f"Diharapkan paket data, diterima PID {packet.pid:#04x} / expected data packet", code="pid"
            )
        if (
            packet.pid is PID.DATA
            and self.packet_size is not None
            and len(packet.content) != self.packet_size
        ):
            raise ProtocolError(
                f"Paket data {len(packet.content)} byte, diharapkan {self.packet_size} / wrong packet size",
                code="packet_size",
            )
        self._parts.append(packet.content)
        if packet.pid is PID.END_DATA:
            self.done = True
            return b"".join(self._parts)
        return None


def assemble_data(packets: Iterable[Packet], packet_size: int | None = None) -> bytes:
    """Join a complete sequence of data packets; raise :class:`ProtocolError` if it does not end properly."""
    assembler = DataAssembler(packet_size)
    payload: bytes | None = None
    for packet in packets:
        payload = assembler.add(packet)
    if payload is None:
        raise ProtocolError("Transfer data tidak diakhiri paket 0x08 / no end packet", code="sequence")
    return payload


# ------------------------------------------------------------------------------------------------------------
# Images
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageGeometry:
    width: int
    height: int

    @property
    def packed_size(self) -> int:
        """Bytes over UART: two 4-bit pixels per byte."""
        return self.width * self.height // 2


#: ZFM-20 / R30x / AS608: "the image format is 256*288 pixels" ([ZFM20] 4.1.1 Image buffer).
ZFM20_IMAGE = ImageGeometry(256, 288)
#: R503 capacitive sensor: 192 x 192 ([R503IMG]; the R503 ReadProdInfo 0x3C reply also reports width/height).
R503_IMAGE = ImageGeometry(192, 192)


def pack_image(image: np.ndarray) -> bytes:
    """8-bit greyscale HxW -> UART image bytes.

    "Only the upper 4 bits of the pixel is transferred ... two adjacent pixels of the same row will form a
    byte" ([ZFM20] 4.1.1); the left (even) pixel is the high nibble ([PYFP] downloadImage).
    """
    pixels = np.asarray(image)
    if pixels.ndim != 2 or pixels.dtype != np.uint8:
        raise ValueError(f"expected a 2-D uint8 image, got {pixels.dtype} with shape {pixels.shape}")
    if pixels.shape[1] % 2:
        raise ValueError(f"image width must be even, got {pixels.shape[1]}")
    left = pixels[:, 0::2] >> 4
    right = pixels[:, 1::2] >> 4
    return ((left << 4) | right).astype(np.uint8).tobytes()


def unpack_image(data: bytes, geometry: ImageGeometry = ZFM20_IMAGE) -> np.ndarray:
    """UART image bytes -> HxW uint8, each nibble scaled by 17 (0x0 -> 0, 0xF -> 255) as [PYFP] does.

    A payload of exactly width*height bytes is taken as 8-bit pixels (the native-USB variant, [ZFM20] 4.1.1);
    any other size than width*height/2 or width*height raises :class:`ProtocolError`.
    """
    raw = np.frombuffer(bytes(data), dtype=np.uint8)
    pixel_count = geometry.width * geometry.height
    if raw.size == pixel_count:
        return raw.reshape(geometry.height, geometry.width).copy()
    if raw.size != geometry.packed_size:
        raise ProtocolError(
            f"Gambar {raw.size} byte, diharapkan {geometry.packed_size} untuk "
            f"{geometry.width}x{geometry.height} / image size does not match the configured sensor",
            code="image_size",
        )
    pixels = np.empty((geometry.height, geometry.width), dtype=np.uint8)
    packed = raw.reshape(geometry.height, geometry.width // 2)
    pixels[:, 0::2] = (packed >> 4) * 17
    pixels[:, 1::2] = (packed & 0x0F) * 17
    return pixels
