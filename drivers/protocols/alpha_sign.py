"""Alpha Sign Communications Protocol (Adaptive Micro Systems) for LED queue boards.

Pure codec: packet framing with and without checksum, Write TEXT / Write STRING / a few Write SPECIAL FUNCTION
commands, text control codes (display position, mode, colour, font, speed), and a parser for what a board
receives (used by the simulator). No serial port, no clock.

Sources:

* [PROTO] "Alpha Sign Communications Protocol" (Adaptive Micro Systems, 9708-8061, rev. F 2006; v1.0 1995 as
  published at wls.wwco.com): standard transmission packet ("1-byte"/"^A" format), command codes, TEXT file
  format. The document itself is only partly readable in the stored sources; its tables are taken from the
  libraries below, which cite its page numbers.
* [MSP] msparks/alphasign (Python): ``packet.py`` (NUL x 5, SOH, type "Z", address "00", STX, contents, EOT),
  ``constants.py`` (command codes with protocol page numbers), ``text.py`` ("[WRITE_TEXT][File Label][ESC]
  [Display Position][Mode Code][Special Specifier][ASCII Message]"), ``positions.py``, ``modes.py`` (p89),
  ``colors.py``, ``charsets.py``, ``speeds.py``, ``string.py`` (STRING call 0x10 + label),
  ``interfaces/base.py`` (special functions ``$`` memory configuration, ``,`` soft reset, ``(2`` tone,
  ``.T`` run sequence).
* [PROTOTUX] prototux/python-alphasign ``packet.py`` and [ASPY] lancereinsmith/alphasignpy ``packet.py``:
  ETX only when a checksum follows or commands are nested; checksum = 16-bit sum of STX through ETX inclusive
  as four upper-case hex digits.
* Cross-checks for positions/modes: jon-proulx/alphasign ``lib/alphasign/format.rb`` and
  horsteff/arduino-alphasign ``src/Alphasign.h`` agree with [MSP]. [ASPY] ``protocol.py`` differs (see
  :class:`Position` and :class:`SpecialMode`) and is not followed there.

Not covered: the "ASCII printable" 2-/3-byte formats (for pagers), multiple type-code/address pairs in one
header, DOTS pictures, ACK/NAK replies. Serial framing is not part of the codec: sources disagree (4800 8E2 in
[MSP] ``interfaces/local.py``, 9600 7E2 in jon-proulx/alphasign, 9600 7E1 in [ASPY]); signs autobaud on the
NULs.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from drivers.errors import ProtocolError

NUL = 0x00
SOH = 0x01
STX = 0x02
ETX = 0x03
EOT = 0x04
ESC = 0x1B

SYNC_COUNT = 5  # "at least 5 NUL" for autobauding ([MSP] packet.py, [ASPY])
TYPE_ALL = "Z"  # all sign types ([MSP])
TYPE_RESPONSE = "0"  # type code of packets a sign sends back ([ASPY] TypeCode.RESPONSE)
BROADCAST = "00"  # all addresses ([MSP])
PRIORITY_LABEL = "0"  # priority TEXT file, overrides every other file ([ASPY] "Priority Text File")
DEFAULT_LABEL = "A"

MAX_PACKET = 64 * 1024  # parser safety limit, not a protocol value


class CommandCode(enum.StrEnum):
    """Command codes ([MSP] constants.py, page numbers of [PROTO] in comments there)."""

    WRITE_TEXT = "A"
    READ_TEXT = "B"
    WRITE_SPECIAL = "E"
    READ_SPECIAL = "F"
    WRITE_STRING = "G"
    READ_STRING = "H"
    WRITE_SMALL_DOTS = "I"
    READ_SMALL_DOTS = "J"
    WRITE_RGB_DOTS = "K"
    READ_RGB_DOTS = "L"
    WRITE_LARGE_DOTS = "M"
    READ_LARGE_DOTS = "N"
    WRITE_BULLETIN = "O"
    SET_TIMEOUT = "T"


class Position(enum.IntEnum):
    """Display position byte after ESC ([MSP] positions.py; same in jon-proulx and horsteff).

    [ASPY] maps 0x26 to FILL and 0x30 to TOP_LINE instead; three independent sources say otherwise.
    LEFT and RIGHT are Alpha 3.0 only ([MSP] docs).
    """

    MIDDLE_LINE = 0x20
    TOP_LINE = 0x22
    BOTTOM_LINE = 0x26
    FILL = 0x30
    LEFT = 0x31
    RIGHT = 0x32


class Mode(enum.StrEnum):
    """Display mode code after the position ([MSP] modes.py "Display Modes (p89)")."""

    ROTATE = "a"
    HOLD = "b"
    FLASH = "c"
    ROLL_UP = "e"
    ROLL_DOWN = "f"
    ROLL_LEFT = "g"
    ROLL_RIGHT = "h"
    WIPE_UP = "i"
    WIPE_DOWN = "j"
    WIPE_LEFT = "k"
    WIPE_RIGHT = "l"
    SCROLL = "m"
    SPECIAL = "n"  # followed by a SpecialMode specifier
    AUTOMODE = "o"
    ROLL_IN = "p"
    ROLL_OUT = "q"
    WIPE_IN = "r"
    WIPE_OUT = "s"
    COMPRESSED_ROTATE = "t"  # some models only
    EXPLODE = "u"  # Alpha 3.0
    CLOCK = "v"  # Alpha 3.0


class SpecialMode(enum.StrEnum):
    """Specifier after mode ``n`` ([MSP] modes.py, horsteff Alphasign.h).

    [ASPY] omits SLIDE and shifts SPRAY..NEWS_FLASH down by one; not followed.
    """

    TWINKLE = "0"
    SPARKLE = "1"
    SNOW = "2"
    INTERLOCK = "3"
    SWITCH = "4"
    SLIDE = "5"
    SPRAY = "6"
    STARBURST = "7"
    WELCOME = "8"
    SLOT_MACHINE = "9"
    NEWS_FLASH = "A"
    TRUMPET = "B"
    CYCLE_COLOURS = "C"
    THANK_YOU = "S"
    NO_SMOKING = "U"
    DONT_DRINK_DRIVE = "V"
    RUNNING_ANIMAL = "W"
    FIREWORKS = "X"
    TURBO_CAR = "Y"
    CHERRY_BOMB = "Z"


# --- text control codes -----------------------------------------------------------------------------------
COLOUR_CODE = 0x1C  # + colour char, or "Z"/"Y" + RRGGBB ([MSP] colors.py)
FONT_CODE = 0x1A  # + charset char ([MSP] charsets.py)
CALL_STRING_CODE = 0x10  # + STRING file label ([MSP] string.py call())
SPEED_CODES = (0x15, 0x16, 0x17, 0x18, 0x19)  # speed 1 (slowest) .. 5 ([MSP] speeds.py)


class Colour(enum.StrEnum):
    """Colour selector after 0x1C ([MSP] colors.py; same in jon-proulx and [ASPY])."""

    RED = "1"
    GREEN = "2"
    AMBER = "3"
    DIM_RED = "4"
    DIM_GREEN = "5"
    BROWN = "6"
    ORANGE = "7"
    YELLOW = "8"
    RAINBOW_1 = "9"
    RAINBOW_2 = "A"
    COLOUR_MIX = "B"
    AUTOCOLOUR = "C"


class Font(enum.StrEnum):
    """Character set selector after 0x1A ([MSP] charsets.py)."""

    FIVE_HIGH = "1"
    FIVE_STROKE = "2"
    SEVEN_HIGH = "3"
    SEVEN_STROKE = "4"
    SEVEN_HIGH_FANCY = "5"
    TEN_HIGH = "6"
    SEVEN_SHADOW = "7"
    FULL_HEIGHT_FANCY = "8"
    FULL_HEIGHT = "9"
    SEVEN_SHADOW_FANCY = ":"
    FIVE_WIDE = ";"
    SEVEN_WIDE = "<"
    SEVEN_FANCY_WIDE = "="
    WIDE_STROKE_FIVE = ">"
    FIVE_HIGH_CUSTOM = "W"  # Alpha 2.0/3.0
    SEVEN_HIGH_CUSTOM = "X"
    TEN_HIGH_CUSTOM = "Y"
    FIFTEEN_HIGH_CUSTOM = "Z"


def colour(value: Colour | str) -> bytes:
    return bytes([COLOUR_CODE]) + Colour(value).value.encode("ascii")


def rgb_colour(rgb: str, *, shadow: bool = False) -> bytes:
    """Alpha 3.0 RGB colour: 0x1C "Z" RRGGBB (or "Y" for the shadow colour) ([MSP] colors.rgb/shadow_rgb)."""
    rgb = rgb.lstrip("#")
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", rgb):
        raise ValueError(f"expected RRGGBB, got {rgb!r}")
    return bytes([COLOUR_CODE]) + (b"Y" if shadow else b"Z") + rgb.upper().encode("ascii")


def font(value: Font | str) -> bytes:
    return bytes([FONT_CODE]) + Font(value).value.encode("ascii")


def speed(level: int) -> bytes:
    if not 1 <= level <= 5:
        raise ValueError(f"speed must be 1..5, got {level}")
    return bytes([SPEED_CODES[level - 1]])


def call_string(label: str) -> bytes:
    """Insert the current content of a STRING file into a TEXT message."""
    return bytes([CALL_STRING_CODE]) + _label(label)


def _label(label: str) -> bytes:
    # Valid labels are printable ASCII 0x20..0x7E ([ASPY] "File Labels"; "?" is a wildcard in reads).
    if len(label) != 1 or not 0x20 <= ord(label) <= 0x7E:
        raise ValueError(f"file label must be one printable ASCII character, got {label!r}")
    return label.encode("ascii")


def ascii_text(text: str) -> bytes:
    """Message text as the board takes it: printable ASCII only (Indonesian needs nothing else)."""
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError(f"the sign takes ASCII text only: {text!r}") from None
    if any(byte < 0x20 or byte == 0x7F for byte in data):
        raise ValueError(f"control characters are not allowed in message text: {text!r}")
    return data


def _check_data(data: bytes) -> bytes:
    framing = {NUL, SOH, STX, ETX, EOT}
    if any(byte in framing for byte in data):
        raise ValueError("command data must not contain NUL, SOH, STX, ETX or EOT")
    return bytes(data)


# ------------------------------------------------------------------------------------------------------------
# Framing
# ------------------------------------------------------------------------------------------------------------


def checksum(code: str, data: bytes) -> str:
    """Four upper-case hex digits: 16-bit sum of STX, command code, data and ETX ([PROTOTUX], [ASPY])."""
    total = STX + ord(code) + sum(data) + ETX
    return f"{total & 0xFFFF:04X}"


@dataclass(frozen=True)
class Command:
    """One STX-delimited command of a packet. ``code`` is the command code character."""

    code: str
    data: bytes = b""
    with_checksum: bool = True

    def __post_init__(self) -> None:
        if len(self.code) != 1 or not 0x20 < ord(self.code) < 0x7F:
            raise ValueError(f"command code must be one printable character, got {self.code!r}")
        _check_data(self.data)

    @property
    def checksum(self) -> str:
        return checksum(self.code, self.data)

    def encode(self, nested: bool = False) -> bytes:
        out = bytes([STX]) + self.code.encode("ascii") + self.data
        if self.with_checksum or nested:
            out += bytes([ETX])  # ETX is needed before a checksum and between nested commands
            if self.with_checksum:
                out += self.checksum.encode("ascii")
        return out


@dataclass(frozen=True)
class Packet:
    """A standard transmission packet: NUL x n, SOH, type code, address, commands, EOT."""

    commands: tuple[Command, ...]
    type_code: str = TYPE_ALL
    address: str = BROADCAST

    def __post_init__(self) -> None:
        if not self.commands:
            raise ValueError("a packet needs at least one command")
        if len(self.type_code) != 1:
            raise ValueError(f"type code must be one character, got {self.type_code!r}")
        if not self.address or any(not 0x20 < ord(ch) < 0x7F for ch in self.address):
            raise ValueError(f"bad sign address {self.address!r}")

    def parts(self, sync_count: int = SYNC_COUNT) -> list[bytes]:
        """The packet as the chunks between which a sender must pause.

        Nested packets need a 100 ms pause after each STX ([ASPY] "Timing"; [PROTOTUX] writes a 0xFF marker
        there). A single-command packet is one chunk. This codec has no clock: the transport does the waiting.
        """
        nested = len(self.commands) > 1
        head = bytes([NUL]) * sync_count + bytes([SOH]) + (self.type_code + self.address).encode("ascii")
        if not nested:
            return [head + self.commands[0].encode() + bytes([EOT])]
        chunks: list[bytes] = []
        pending = head
        for command in self.commands:
            encoded = command.encode(nested=True)
            chunks.append(pending + encoded[:1])  # ... STX | pause | code + data ...
            pending = encoded[1:]
        chunks.append(pending + bytes([EOT]))
        return chunks

    def encode(self, sync_count: int = SYNC_COUNT) -> bytes:
        return b"".join(self.parts(sync_count))

    def __bytes__(self) -> bytes:
        return self.encode()


# ------------------------------------------------------------------------------------------------------------
# TEXT files
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextSegment:
    """ESC + position + mode [+ special specifier] followed by message bytes (control codes included)."""

    content: bytes = b""
    position: Position = Position.MIDDLE_LINE
    mode: Mode = Mode.HOLD
    special: SpecialMode | None = None

    def encode(self) -> bytes:
        mode = Mode(self.mode)
        if (mode is Mode.SPECIAL) != (self.special is not None):
            raise ValueError("mode SPECIAL ('n') needs a special specifier, and only it takes one")
        field_ = bytes([ESC, Position(self.position)]) + mode.value.encode("ascii")
        if self.special is not None:
            field_ += SpecialMode(self.special).value.encode("ascii")
        return field_ + _check_data(self.content)

    @property
    def text(self) -> str:
        """The visible characters (control codes removed, STRING calls shown as nothing)."""
        return render_text(self.content)


def text_data(*segments: TextSegment) -> bytes:
    return b"".join(segment.encode() for segment in segments)


def write_text(
    text: str | bytes,
    *,
    label: str = DEFAULT_LABEL,
    position: Position = Position.MIDDLE_LINE,
    mode: Mode = Mode.HOLD,
    special: SpecialMode | None = None,
    with_checksum: bool = False,
) -> Command:
    """Write TEXT file: "A" + label + ESC + position + mode [+ specifier] + message ([MSP] text.py).

    ``text`` as ``str`` must be printable ASCII; pass ``bytes`` to embed control codes (``colour()``,
    ``font()``, ``call_string()`` ...).
    """
    content = ascii_text(text) if isinstance(text, str) else bytes(text)
    segment = TextSegment(content, position, mode, special)
    return Command(CommandCode.WRITE_TEXT.value, _label(label) + segment.encode(), with_checksum)


def write_text_segments(
    *segments: TextSegment, label: str = DEFAULT_LABEL, with_checksum: bool = False
) -> Command:
    """A TEXT file with several mode fields (e.g. number on the top line, counter on the bottom line)."""
    return Command(CommandCode.WRITE_TEXT.value, _label(label) + text_data(*segments), with_checksum)


def write_string(text: str | bytes, *, label: str = "1", with_checksum: bool = False) -> Command:
    """Write STRING file: "G" + label + data ([MSP] string.py); strings update without redrawing the TEXT."""
    content = ascii_text(text) if isinstance(text, str) else bytes(text)
    return Command(CommandCode.WRITE_STRING.value, _label(label) + _check_data(content), with_checksum)


def clear_priority_text(*, with_checksum: bool = False) -> Command:
    """An empty write to the priority file "0" removes it from the display ([ASPY] "Priority Text File")."""
    return Command(CommandCode.WRITE_TEXT.value, _label(PRIORITY_LABEL), with_checksum)


# ------------------------------------------------------------------------------------------------------------
# SPECIAL FUNCTION commands ([MSP] interfaces/base.py)
# ------------------------------------------------------------------------------------------------------------


class FileType(enum.StrEnum):
    TEXT = "A"
    STRING = "B"
    DOTS = "D"


@dataclass(frozen=True)
class MemoryEntry:
    """One memory configuration entry: label, type, lock, size (4 hex), QQQQ (4 hex) ([MSP] allocate()).

    QQQQ: start/stop times for TEXT ("FF00"-style, [MSP] uses "FFFF"), "0000" for STRING.
    """

    label: str
    file_type: FileType
    size: int
    locked: bool = False
    qqqq: str = "FFFF"

    def encode(self) -> bytes:
        if not 0 <= self.size <= 0xFFFF:
            raise ValueError(f"file size out of range: {self.size}")
        if not re.fullmatch(r"[0-9A-Fa-f]{4}", self.qqqq):
            raise ValueError(f"QQQQ must be four hex digits, got {self.qqqq!r}")
        lock = "L" if self.locked else "U"
        return _label(
            self.label
        ) + f"{FileType(self.file_type).value}{lock}{self.size:04X}{self.qqqq.upper()}".encode("ascii")


def configure_memory(*entries: MemoryEntry, with_checksum: bool = False) -> Command:
    """Special function "$": set the memory configuration; with no entries it clears the sign's memory."""
    data = b"$" + b"".join(entry.encode() for entry in entries)
    return Command(CommandCode.WRITE_SPECIAL.value, data, with_checksum)


def soft_reset(*, with_checksum: bool = False) -> Command:
    """Special function ",": non-destructive reset."""
    return Command(CommandCode.WRITE_SPECIAL.value, b",", with_checksum)


def set_run_sequence(labels: str, *, locked: bool = False, with_checksum: bool = False) -> Command:
    """Special function "." + "T" + U/L + labels: the order in which TEXT files are shown."""
    data = b".T" + (b"L" if locked else b"U") + b"".join(_label(label) for label in labels)
    return Command(CommandCode.WRITE_SPECIAL.value, data, with_checksum)


def tone(
    frequency: int = 0, duration_tenths: int = 1, repeat: int = 0, *, with_checksum: bool = False
) -> Command:
    """Special function "(2" + FF + D + R: programmable beep ([MSP] beep(): frequency 0..254 as two hex
    digits, duration 1..15 tenths of a second and repeat 0..15 as one hex digit each)."""
    if not (0 <= frequency <= 254 and 1 <= duration_tenths <= 15 and 0 <= repeat <= 15):
        raise ValueError("tone: frequency 0..254, duration 1..15, repeat 0..15")
    data = f"(2{frequency:02X}{duration_tenths:X}{repeat:X}".encode("ascii")
    return Command(CommandCode.WRITE_SPECIAL.value, data, with_checksum)


def packet(*commands: Command, type_code: str = TYPE_ALL, address: str = BROADCAST) -> Packet:
    return Packet(tuple(commands), type_code, address)


# ------------------------------------------------------------------------------------------------------------
# Receiving side (simulator)
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedCommand:
    code: str
    data: bytes
    checksum: str | None = None  # as received; None when the sender sent none

    @property
    def checksum_ok(self) -> bool | None:
        if self.checksum is None:
            return None
        return self.checksum.upper() == checksum(self.code, self.data)

    @property
    def label(self) -> str | None:
        """File label for TEXT/STRING reads and writes."""
        if self.code in "ABGH" and self.data:
            return chr(self.data[0])
        return None

    def text(self) -> TextFile:
        if self.code != CommandCode.WRITE_TEXT.value:
            raise ValueError(f"command {self.code!r} is not Write TEXT")
        return parse_text_file(self.data)


@dataclass(frozen=True)
class ReceivedPacket:
    type_code: str
    address: str
    commands: tuple[ReceivedCommand, ...]

    def addressed_to(self, type_code: str, address: str) -> bool:
        """True if a sign of this type and address should act on the packet ("Z" / "00" / "?" wildcards)."""
        type_ok = self.type_code in (TYPE_ALL, "?", type_code)
        if self.address == BROADCAST:
            return type_ok
        if len(self.address) != len(address):
            return False
        return type_ok and all(
            a in ("?", b) for a, b in zip(self.address.upper(), address.upper(), strict=True)
        )


@dataclass(frozen=True)
class TextFile:
    label: str
    segments: tuple[TextSegment, ...]

    @property
    def text(self) -> str:
        return "\n".join(segment.text for segment in self.segments)


def parse_text_file(data: bytes) -> TextFile:
    """Split Write TEXT data (label + [ESC pos mode [spec]] message ...) into segments.

    Text before any mode field is reported as MIDDLE_LINE / HOLD; what a real sign does then is model-specific
    and not stated in the sources used here.
    """
    if not data:
        raise ProtocolError("Perintah TEXT tanpa label / TEXT command without a label", code="label")
    label, body = chr(data[0]), data[1:]
    segments: list[TextSegment] = []
    position, mode, special = Position.MIDDLE_LINE, Mode.HOLD, None
    index = 0
    content = bytearray()
    started = False
    while index < len(body):
        byte = body[index]
        if byte != ESC:
            content.append(byte)
            index += 1
            continue
        if started or content:
            segments.append(TextSegment(bytes(content), position, mode, special))
        content = bytearray()
        started = True
        if index + 2 >= len(body):
            raise ProtocolError("Field mode TEXT terpotong / truncated mode field", code="mode")
        try:
            position = Position(body[index + 1])
            mode = Mode(chr(body[index + 2]))
        except ValueError:
            raise ProtocolError(
                f"Posisi/mode tidak dikenal {body[index + 1 : index + 3]!r} / unknown position or mode",
                code="mode",
            ) from None
        index += 3
        special = None
        if mode is Mode.SPECIAL:
            if index >= len(body):
                raise ProtocolError(
                    "Mode khusus tanpa spesifier / special mode without specifier", code="mode"
                )
            try:
                special = SpecialMode(chr(body[index]))
            except ValueError:
                raise ProtocolError(
                    f"Spesifier mode khusus tidak dikenal {body[index]:#04x}", code="mode"
                ) from None
            index += 1
    if started or content or not segments:
        segments.append(TextSegment(bytes(content), position, mode, special))
    return TextFile(label, tuple(segments))


# Control codes with their argument length, for render_text(). Only codes from the sources above are listed;
# any other byte below 0x20 is dropped on its own.
_CONTROL_ARGS = {COLOUR_CODE: 1, FONT_CODE: 1, CALL_STRING_CODE: 1}


def render_text(content: bytes, strings: dict[str, str] | None = None) -> str:
    """Visible text of a message: control codes removed, STRING calls replaced from ``strings``."""
    out: list[str] = []
    index = 0
    while index < len(content):
        byte = content[index]
        if byte >= 0x20 and byte != 0x7F:
            out.append(chr(byte))
            index += 1
            continue
        args = _CONTROL_ARGS.get(byte, 0)
        if byte == COLOUR_CODE and index + 1 < len(content) and content[index + 1] in b"ZY":
            args = 7  # RGB colour: Z/Y + RRGGBB
        if byte == CALL_STRING_CODE and strings is not None and index + 1 < len(content):
            out.append(strings.get(chr(content[index + 1]), ""))
        index += 1 + args
    return "".join(out)


@dataclass
class SignParser:
    """Incremental parser of the byte stream a sign receives: ``feed(chunk) -> [ReceivedPacket, ...]``.

    A packet runs from SOH to EOT (neither may appear inside command data). Leading NULs are sync; other bytes
    outside a packet are counted in :attr:`discarded`. A second SOH before EOT abandons the first packet
    (counted in :attr:`corrupt`). A packet with a bad checksum or malformed framing is dropped, as a sign
    would, and counted in :attr:`errors`; with ``strict=True`` ``feed`` also raises :class:`ProtocolError`
    (packets already decoded and the unread rest are kept for the next call, ``feed(b"")`` continues).
    """

    strict: bool = False
    max_packet: int = MAX_PACKET
    discarded: int = 0
    corrupt: int = 0
    errors: int = 0
    error_log: list[ProtocolError] = field(default_factory=list)
    _buffer: bytearray = field(default_factory=bytearray)
    _ready: list[ReceivedPacket] = field(default_factory=list)

    def feed(self, data: bytes = b"") -> list[ReceivedPacket]:
        self._buffer.extend(data)
        error: ProtocolError | None = None
        while error is None:
            start = self._buffer.find(bytes([SOH]))
            if start < 0:
                self._drop(len(self._buffer))
                break
            self._drop(start)
            end = self._buffer.find(bytes([EOT]))
            if end < 0:
                if len(self._buffer) > self.max_packet:
                    self.corrupt += 1
                    self._drop(len(self._buffer), counted=False)
                break
            frame = bytes(self._buffer[: end + 1])
            last_soh = frame.rfind(bytes([SOH]))
            if last_soh > 0:
                self.corrupt += 1
                frame = frame[last_soh:]
            del self._buffer[: end + 1]
            try:
                self._ready.append(parse_frame(frame))
            except ProtocolError as exc:
                self.errors += 1
                self.error_log.append(exc)
                if self.strict:
                    error = exc
        if error is not None:
            raise error
        ready, self._ready = self._ready, []
        return ready

    def _drop(self, count: int, *, counted: bool = True) -> None:
        if counted:
            self.discarded += sum(1 for byte in self._buffer[:count] if byte != NUL)
        del self._buffer[:count]


def parse_frame(frame: bytes) -> ReceivedPacket:
    """Parse one SOH ... EOT frame (sync NULs already stripped)."""
    if len(frame) < 2 or frame[0] != SOH or frame[-1] != EOT:
        raise ProtocolError(
            "Frame harus diawali SOH dan diakhiri EOT / frame must run SOH..EOT", code="frame"
        )
    body = frame[1:-1]
    first_stx = body.find(bytes([STX]))
    if first_stx < 2:
        raise ProtocolError("Header tanpa kode tipe dan alamat / missing type code or address", code="header")
    header = body[:first_stx].decode("latin-1")
    type_code, address = header[0], header[1:]
    commands: list[ReceivedCommand] = []
    index = first_stx
    while index < len(body):
        if body[index] != STX:
            raise ProtocolError(f"Diharapkan STX, diterima {body[index]:#04x} / expected STX", code="stx")
        index += 1
        if index >= len(body):
            raise ProtocolError("STX tanpa kode perintah / STX without command code", code="command")
        code = chr(body[index])
        index += 1
        stop = index
        while stop < len(body) and body[stop] not in (STX, ETX):
            stop += 1
        data = bytes(body[index:stop])
        received_checksum: str | None = None
        if stop < len(body) and body[stop] == ETX:
            stop += 1
            if stop < len(body) and body[stop] != STX:
                digits = body[stop : stop + 4]
                if len(digits) != 4 or not re.fullmatch(rb"[0-9A-Fa-f]{4}", digits):
                    raise ProtocolError(
                        f"Checksum bukan 4 digit heksa: {digits!r} / bad checksum field", code="checksum"
                    )
                received_checksum = digits.decode("ascii")
                stop += 4
        elif stop < len(body) and body[stop] == STX:
            raise ProtocolError("Perintah bersarang tanpa ETX / nested command without ETX", code="etx")
        command = ReceivedCommand(code, data, received_checksum)
        if command.checksum_ok is False:
            raise ProtocolError(
                f"Checksum salah: diterima {received_checksum}, dihitung {checksum(code, data)}"
                " / bad checksum",
                code="checksum",
            )
        commands.append(command)
        index = stop
    if not commands:
        raise ProtocolError("Paket tanpa perintah / packet without commands", code="command")
    return ReceivedPacket(type_code, address, tuple(commands))
