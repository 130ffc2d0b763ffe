"""Wacom ISDV4 serial protocol (W8001 family, Tablet-PC digitisers and serial signature pads).

Pure codec: command bytes, packet decoding/encoding and an incremental stream parser. No serial port, no
clock.

Sources:

* [W8001] torvalds/linux ``drivers/input/touchscreen/wacom_w8001.c``: packet lengths, lead byte, command
  bytes, ``parse_pen_data`` (pen bit layout, also applied to the 11-byte query reply), ``parse_touchquery``,
  ``parse_single_touch``/``parse_multi_touch`` and the packet dispatch in ``w8001_interrupt``.
* [ISDV4H] linuxwacom/xf86-input-wacom ``include/isdv4.h``: same layouts, plus the firmware version
  (``buffer[9] << 7 | buffer[10]``) and the data ids of the query replies.

Where the two disagree the kernel is followed and the difference is noted at the spot: tilt maxima order in
the query reply, and the query reply pressure maximum (isdv4.h omits the ``<< 7`` on the high bits).

Every packet starts with a byte that has bit 7 set; all following bytes are 7-bit ([W8001] W8001_LEAD_MASK).
Bit 6 of the first byte marks an 11-byte control/query reply, bit 4 a touch packet; otherwise the packet is a
9-byte pen packet ([W8001] W8001_TAB_MASK / W8001_TOUCH_MASK, [ISDV4H] CONTROL_BIT / TOUCH_CONTROL_BIT).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from drivers.errors import ProtocolError

# --- commands: one ASCII byte each ([W8001] W8001_CMD_*, [ISDV4H] ISDV4_*) ---------------------------------
CMD_STOP = b"0"
CMD_START = b"1"  # "sampling"
CMD_QUERY = b"*"  # pen query -> 11-byte reply
CMD_TOUCH_QUERY = b"%"  # touch query -> 11-byte reply
CMD_TOUCH_RESET = b"&"  # touch panel reset ([ISDV4H] ISDV4_RESET)

LEAD_BIT = 0x80  # [W8001] W8001_LEAD_BYTE
CONTROL_BIT = 0x40  # [W8001] W8001_TAB_BYTE, [ISDV4H] CONTROL_BIT
PROXIMITY_BIT = 0x20  # [W8001] parse_pen_data: rdy = data[0] & 0x20
TOUCH_BIT = 0x10  # [W8001] W8001_TOUCH_BYTE & ~lead
DATA_ID_MASK = 0x3F  # [ISDV4H]

PEN_PACKET_LEN = 9  # W8001_PKTLEN_TPCPEN
CONTROL_PACKET_LEN = 11  # W8001_PKTLEN_TPCCTL
TOUCH_93_LEN = 5  # W8001_PKTLEN_TOUCH93: one finger, no capacity
TOUCH_9A_LEN = 7  # W8001_PKTLEN_TOUCH9A: one finger with capacity
TOUCH_2FG_LEN = 13  # W8001_PKTLEN_TOUCH2FG: two fingers

PEN_RESOLUTION = 100  # points per mm ([W8001] W8001_PEN_RESOLUTION)
TOUCH_RESOLUTION = 10  # [W8001] W8001_TOUCH_RESOLUTION

QUERY_DATA_ID = 0x00  # pen query reply "always 00H" ([ISDV4H])
TOUCH_QUERY_DATA_ID = 0x01  # touch query reply "always 01H" ([ISDV4H])

_MAX16 = 0xFFFF


def _split16(value: int) -> tuple[int, int, int]:
    """16-bit coordinate -> (bits 15..9, bits 8..2, bits 1..0) as split in a pen packet ([W8001])."""
    if not 0 <= value <= _MAX16:
        raise ValueError(f"coordinate out of 16-bit range: {value}")
    return (value >> 9) & 0x7F, (value >> 2) & 0x7F, value & 0x03


def _check_7bit(data: bytes, start: int = 1) -> None:
    for index in range(start, len(data)):
        if data[index] & LEAD_BIT:
            raise ProtocolError(
                f"Byte {index} paket ISDV4 memiliki bit 7 ({data[index]:#04x}) / non-lead byte has bit 7",
                code="sync",
            )


# ------------------------------------------------------------------------------------------------------------
# Pen packets
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PenPacket:
    """One 9-byte pen sample ([W8001] struct w8001_coord / parse_pen_data).

    Byte 0: ``1 0 P 0 0 F2 F1 T`` - P proximity (0x20), T tip switch (0x01), F1 side switch (0x02),
    F2 second side switch or eraser (0x04; the kernel reports an eraser when the pen *enters* proximity with
    F2 set, otherwise a second barrel button). x and y are 16-bit: bytes 1/2 carry bits 15..9 and 8..2, byte 6
    bits 6..5 and 4..3 carry the two low bits. Pressure is 10-bit: byte 5 bits 6..0, byte 6 bits 2..0 for
    bits 9..7. Bytes 7/8: tilt x / tilt y (7 bits).
    """

    proximity: bool
    tip: bool
    side: bool
    eraser: bool
    x: int
    y: int
    pressure: int
    tilt_x: int = 0
    tilt_y: int = 0

    @property
    def touching(self) -> bool:
        return self.proximity and self.tip

    def encode(self) -> bytes:
        if not 0 <= self.pressure <= 0x3FF:
            raise ValueError(f"pressure out of 10-bit range: {self.pressure}")
        if not (0 <= self.tilt_x <= 0x7F and 0 <= self.tilt_y <= 0x7F):
            raise ValueError("tilt out of 7-bit range")
        x_hi, x_mid, x_lo = _split16(self.x)
        y_hi, y_mid, y_lo = _split16(self.y)
        status = (
            LEAD_BIT
            | (PROXIMITY_BIT if self.proximity else 0)
            | (0x04 if self.eraser else 0)
            | (0x02 if self.side else 0)
            | (0x01 if self.tip else 0)
        )
        return bytes(
            [
                status,
                x_hi,
                x_mid,
                y_hi,
                y_mid,
                self.pressure & 0x7F,
                (x_lo << 5) | (y_lo << 3) | (self.pressure >> 7),
                self.tilt_x,
                self.tilt_y,
            ]
        )

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, data: bytes) -> PenPacket:
        data = bytes(data)
        if len(data) != PEN_PACKET_LEN:
            raise ProtocolError(
                f"Paket pena {len(data)} byte, harus 9 / bad pen packet length", code="length"
            )
        if not data[0] & LEAD_BIT or data[0] & (CONTROL_BIT | TOUCH_BIT):
            raise ProtocolError(
                f"Byte status {data[0]:#04x} bukan paket pena / not a pen packet", code="type"
            )
        _check_7bit(data)
        return cls(
            proximity=bool(data[0] & PROXIMITY_BIT),
            tip=bool(data[0] & 0x01),
            side=bool(data[0] & 0x02),
            eraser=bool(data[0] & 0x04),
            x=(data[1] & 0x7F) << 9 | (data[2] & 0x7F) << 2 | (data[6] & 0x60) >> 5,
            y=(data[3] & 0x7F) << 9 | (data[4] & 0x7F) << 2 | (data[6] & 0x18) >> 3,
            pressure=(data[5] & 0x7F) | (data[6] & 0x07) << 7,
            tilt_x=data[7] & 0x7F,
            tilt_y=data[8] & 0x7F,
        )


# ------------------------------------------------------------------------------------------------------------
# Query replies
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryReply:
    """Reply to ``*``: 11 bytes, ``0xC0 | data_id`` then maxima packed like a pen packet.

    [W8001] runs ``parse_pen_data`` over the reply: x_max/y_max/pressure_max from bytes 1..6, tilt_x_max from
    byte 7 and tilt_y_max from byte 8. [ISDV4H] reads byte 7 as tilt_y_max and byte 8 as tilt_x_max, and its
    pressure_max (``buffer[5] | (buffer[6] & 0x7)``) lacks the ``<< 7``; the kernel layout is used here.
    Firmware version = byte 9 << 7 | byte 10 ([ISDV4H]; the kernel ignores it).
    """

    max_x: int
    max_y: int
    max_pressure: int
    max_tilt_x: int = 0
    max_tilt_y: int = 0
    version: int = 0
    data_id: int = QUERY_DATA_ID

    @property
    def has_tilt(self) -> bool:
        return bool(self.max_tilt_x and self.max_tilt_y)  # [W8001] w8001_setup

    def encode(self) -> bytes:
        if not 0 <= self.version <= 0x3FFF:
            raise ValueError(f"version out of 14-bit range: {self.version}")
        if not 0 <= self.data_id <= DATA_ID_MASK or self.data_id & TOUCH_BIT:
            raise ValueError(f"data id {self.data_id:#x} cannot be sent in a control packet")
        body = PenPacket(
            False,
            False,
            False,
            False,
            self.max_x,
            self.max_y,
            self.max_pressure,
            self.max_tilt_x,
            self.max_tilt_y,
        ).encode()
        return (
            bytes([LEAD_BIT | CONTROL_BIT | self.data_id])
            + body[1:]
            + bytes([(self.version >> 7) & 0x7F, self.version & 0x7F])
        )

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, data: bytes) -> QueryReply:
        data = _control_packet(data)
        return cls(
            max_x=(data[1] & 0x7F) << 9 | (data[2] & 0x7F) << 2 | (data[6] & 0x60) >> 5,
            max_y=(data[3] & 0x7F) << 9 | (data[4] & 0x7F) << 2 | (data[6] & 0x18) >> 3,
            max_pressure=(data[5] & 0x7F) | (data[6] & 0x07) << 7,
            max_tilt_x=data[7] & 0x7F,
            max_tilt_y=data[8] & 0x7F,
            version=data[9] << 7 | data[10],
            data_id=data[0] & DATA_ID_MASK,
        )


class TouchSensor(enum.IntEnum):
    """Touch sensor id -> packet length ([W8001] w8001_setup switch, [ISDV4H] ISDV4PacketLengths)."""

    RESISTIVE_93 = 0  # 5-byte packets, product id 0x93
    CAPACITIVE_9A = 1  # 7-byte packets, product id 0x9A
    RESISTIVE_93_B = 2
    CAPACITIVE_9A_B = 3
    CAPACITIVE_9A_C = 4
    TWO_FINGER = 5  # 13-byte packets

    @property
    def packet_length(self) -> int:
        if self in (TouchSensor.RESISTIVE_93, TouchSensor.RESISTIVE_93_B):
            return TOUCH_93_LEN
        if self is TouchSensor.TWO_FINGER:
            return TOUCH_2FG_LEN
        return TOUCH_9A_LEN


@dataclass(frozen=True)
class TouchQueryReply:
    """Reply to ``%`` ([W8001] parse_touchquery, [ISDV4H] isdv4ParseTouchQuery).

    Byte 1 panel resolution, byte 2 bits 2..0 sensor id and bits 6..5 / 4..3 the low bits of x_max / y_max,
    bytes 3/4 and 5/6 the high and middle bits, byte 7 capacity resolution, version in bytes 9/10.
    A reply whose byte 1 is zero means "no touch" ([W8001] w8001_setup). Early single-finger models report
    x_max = y_max = 0; the kernel then assumes 1024 (or ``1 << panel_resolution``): see :meth:`effective_max`.
    """

    panel_resolution: int
    sensor_id: int
    max_x: int
    max_y: int
    capacity_resolution: int = 0
    version: int = 0
    data_id: int = TOUCH_QUERY_DATA_ID

    @property
    def has_touch(self) -> bool:
        return self.panel_resolution != 0

    @property
    def sensor(self) -> TouchSensor | None:
        try:
            return TouchSensor(self.sensor_id)
        except ValueError:
            return None

    @property
    def packet_length(self) -> int | None:
        sensor = self.sensor
        return sensor.packet_length if sensor is not None else None

    def effective_max(self) -> tuple[int, int]:
        """(max_x, max_y) with the kernel's defaults for early models that report zero."""
        if self.max_x or self.max_y:
            return self.max_x, self.max_y
        if self.panel_resolution:
            side = 1 << self.panel_resolution
            return side, side
        return 1024, 1024

    def encode(self) -> bytes:
        x_hi, x_mid, x_lo = _split16(self.max_x)
        y_hi, y_mid, y_lo = _split16(self.max_y)
        if not 0 <= self.sensor_id <= 7:
            raise ValueError(f"sensor id out of 3-bit range: {self.sensor_id}")
        for name in ("panel_resolution", "capacity_resolution"):
            if not 0 <= getattr(self, name) <= 0x7F:
                raise ValueError(f"{name} out of 7-bit range")
        if not 0 <= self.version <= 0x3FFF:
            raise ValueError(f"version out of 14-bit range: {self.version}")
        return bytes(
            [
                LEAD_BIT | CONTROL_BIT | self.data_id,
                self.panel_resolution,
                (x_lo << 5) | (y_lo << 3) | self.sensor_id,
                x_hi,
                x_mid,
                y_hi,
                y_mid,
                self.capacity_resolution,
                0,
                (self.version >> 7) & 0x7F,
                self.version & 0x7F,
            ]
        )

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, data: bytes) -> TouchQueryReply:
        data = _control_packet(data)
        return cls(
            panel_resolution=data[1],
            sensor_id=data[2] & 0x07,
            max_x=data[3] << 9 | data[4] << 2 | (data[2] >> 5) & 0x03,
            max_y=data[5] << 9 | data[6] << 2 | (data[2] >> 3) & 0x03,
            capacity_resolution=data[7],
            version=data[9] << 7 | data[10],
            data_id=data[0] & DATA_ID_MASK,
        )


def _control_packet(data: bytes) -> bytes:
    data = bytes(data)
    if len(data) != CONTROL_PACKET_LEN:
        raise ProtocolError(
            f"Paket kontrol {len(data)} byte, harus 11 / bad control packet length", code="length"
        )
    if (data[0] & (LEAD_BIT | CONTROL_BIT)) != (LEAD_BIT | CONTROL_BIT):
        raise ProtocolError(
            f"Byte status {data[0]:#04x} bukan paket kontrol / not a control packet", code="type"
        )
    _check_7bit(data)
    return data


@dataclass(frozen=True)
class ControlPacket:
    """An 11-byte control packet as it arrives: which reply it is depends on the command that was sent."""

    raw: bytes

    @property
    def data_id(self) -> int:
        return self.raw[0] & DATA_ID_MASK

    def as_query(self) -> QueryReply:
        return QueryReply.decode(self.raw)

    def as_touch_query(self) -> TouchQueryReply:
        return TouchQueryReply.decode(self.raw)


# ------------------------------------------------------------------------------------------------------------
# Touch packets
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TouchPacket:
    """Touch data ([W8001] parse_single_touch / parse_multi_touch, [ISDV4H] isdv4ParseTouchData).

    Byte 0: ``0x90`` | bit 0 finger 1 down | bit 1 finger 2 down. x = b1 << 7 | b2, y = b3 << 7 | b4 (14 bits,
    touch units); 7-byte packets add capacity b5 << 7 | b6; 13-byte packets put finger 2 at b7..b10 and its
    capacity at b11/b12.
    """

    length: int
    finger1: bool
    x: int
    y: int
    capacity: int = 0
    finger2: bool = False
    x2: int = 0
    y2: int = 0
    capacity2: int = 0

    def encode(self) -> bytes:
        if self.length not in (TOUCH_93_LEN, TOUCH_9A_LEN, TOUCH_2FG_LEN):
            raise ValueError(f"touch packet length must be 5, 7 or 13, got {self.length}")
        for value in (self.x, self.y, self.capacity, self.x2, self.y2, self.capacity2):
            if not 0 <= value <= 0x3FFF:
                raise ValueError(f"touch value out of 14-bit range: {value}")
        status = LEAD_BIT | TOUCH_BIT | (0x01 if self.finger1 else 0) | (0x02 if self.finger2 else 0)
        out = bytearray([status, self.x >> 7, self.x & 0x7F, self.y >> 7, self.y & 0x7F])
        if self.length == TOUCH_9A_LEN:
            out += bytes([self.capacity >> 7, self.capacity & 0x7F])
        elif self.length == TOUCH_2FG_LEN:
            out += bytes(
                [
                    self.capacity >> 7,
                    self.capacity & 0x7F,
                    self.x2 >> 7,
                    self.x2 & 0x7F,
                    self.y2 >> 7,
                    self.y2 & 0x7F,
                    self.capacity2 >> 7,
                    self.capacity2 & 0x7F,
                ]
            )
        return bytes(out)

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, data: bytes) -> TouchPacket:
        data = bytes(data)
        if len(data) not in (TOUCH_93_LEN, TOUCH_9A_LEN, TOUCH_2FG_LEN):
            raise ProtocolError(f"Paket sentuh {len(data)} byte / bad touch packet length", code="length")
        if (data[0] & (LEAD_BIT | TOUCH_BIT)) != (LEAD_BIT | TOUCH_BIT):
            raise ProtocolError(
                f"Byte status {data[0]:#04x} bukan paket sentuh / not a touch packet", code="type"
            )
        _check_7bit(data)
        packet = cls(
            length=len(data),
            finger1=bool(data[0] & 0x01),
            x=data[1] << 7 | data[2],
            y=data[3] << 7 | data[4],
        )
        if len(data) == TOUCH_9A_LEN:
            return replace(packet, capacity=data[5] << 7 | data[6])
        if len(data) == TOUCH_2FG_LEN:
            # [W8001] parse_multi_touch: finger i at data[6*i + 1 .. 6*i + 4]; "data[5,6] and [11,12] is
            # finger capacity".
            return replace(
                packet,
                capacity=data[5] << 7 | data[6],
                finger2=bool(data[0] & 0x02),
                x2=data[7] << 7 | data[8],
                y2=data[9] << 7 | data[10],
                capacity2=data[11] << 7 | data[12],
            )
        return packet


# ------------------------------------------------------------------------------------------------------------
# Stream parser
# ------------------------------------------------------------------------------------------------------------

IsdPacket = PenPacket | ControlPacket | TouchPacket


def packet_length(status: int, touch_length: int = TOUCH_93_LEN) -> int:
    """Length of the packet announced by its first byte.

    Touch (bit 4) wins over control (bit 6), as in [W8001] w8001_interrupt (a byte 0 with both bits is a
    2-finger touch packet there) and [ISDV4H] (pen parsing rejects bit 4).
    """
    if status & TOUCH_BIT:
        return touch_length
    if status & CONTROL_BIT:
        return CONTROL_PACKET_LEN
    return PEN_PACKET_LEN


class PacketParser:
    """Incremental ISDV4 parser: ``feed(chunk) -> [PenPacket | ControlPacket | TouchPacket, ...]``.

    Synchronisation is on bit 7: bytes without it are dropped until a lead byte arrives (the kernel does the
    same at index 0). Unlike the kernel, a lead byte arriving *inside* a packet is taken as the start of a new
    packet and the truncated one is counted as corrupt: the kernel would only resynchronise at the next packet
    boundary, after having reported one wrong sample.

    ``touch_length`` is the touch packet length learned from the touch query (5 by default, 0x93 sensors).
    Counters: :attr:`corrupt` (truncated packets), :attr:`discarded` (stray bytes), :attr:`packets`.
    """

    def __init__(self, touch_length: int = TOUCH_93_LEN):
        if touch_length not in (TOUCH_93_LEN, TOUCH_9A_LEN, TOUCH_2FG_LEN):
            raise ValueError(f"touch packet length must be 5, 7 or 13, got {touch_length}")
        self.touch_length = touch_length
        self._packet = bytearray()
        self.corrupt = 0
        self.discarded = 0
        self.packets = 0

    @property
    def in_packet(self) -> bool:
        return bool(self._packet)

    def reset(self) -> None:
        self._packet.clear()

    def feed(self, data: bytes) -> list[IsdPacket]:
        out: list[IsdPacket] = []
        for byte in bytes(data):
            if byte & LEAD_BIT:
                if self._packet:
                    self.corrupt += 1
                self._packet = bytearray([byte])
            elif not self._packet:
                self.discarded += 1
                continue
            else:
                self._packet.append(byte)
            if len(self._packet) == packet_length(self._packet[0], self.touch_length):
                out.append(self._decode(bytes(self._packet)))
                self._packet.clear()
                self.packets += 1
        return out

    @staticmethod
    def _decode(raw: bytes) -> IsdPacket:
        status = raw[0]
        if status & TOUCH_BIT:
            return TouchPacket.decode(raw)
        if status & CONTROL_BIT:
            return ControlPacket(raw)
        return PenPacket.decode(raw)
