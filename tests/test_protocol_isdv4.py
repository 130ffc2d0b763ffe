"""Wacom ISDV4 codec: packets built by hand from the bit layout of wacom_w8001.c (parse_pen_data etc.)."""

from __future__ import annotations

import random

import pytest

from drivers.errors import ProtocolError
from drivers.protocols import isdv4
from drivers.protocols.isdv4 import ControlPacket, PenPacket, QueryReply, TouchPacket, TouchQueryReply


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def test_commands_are_single_ascii_bytes() -> None:
    assert (isdv4.CMD_STOP, isdv4.CMD_START, isdv4.CMD_QUERY, isdv4.CMD_TOUCH_QUERY) == (
        b"0",
        b"1",
        b"*",
        b"%",
    )
    assert isdv4.CMD_TOUCH_RESET == b"&"


# ------------------------------------------------------------------------------------------------------------
# Pen packets
# ------------------------------------------------------------------------------------------------------------

# Pen in proximity, tip down, x = 12345 (0x3039), y = 6789 (0x1A85), pressure 512 (0x200):
#   byte 0 = 0x80 lead | 0x20 proximity | 0x01 tip                      = 0xA1
#   byte 1 = x >> 9 = 24 = 0x18;  byte 2 = (x >> 2) & 0x7F = 3086 & 127 = 14 = 0x0E;  x & 3 = 1
#   byte 3 = y >> 9 = 13 = 0x0D;  byte 4 = (y >> 2) & 0x7F = 1697 & 127 = 33 = 0x21;  y & 3 = 1
#   byte 5 = pressure & 0x7F = 0;  pressure >> 7 = 4
#   byte 6 = (x & 3) << 5 | (y & 3) << 3 | pressure >> 7 = 0x20 | 0x08 | 0x04 = 0x2C
#   bytes 7, 8 = tilt x, tilt y = 0
GOLDEN_PEN = hx("A1 18 0E 0D 21 00 2C 00 00")


def test_decode_golden_pen_packet() -> None:
    pen = PenPacket.decode(GOLDEN_PEN)
    assert pen == PenPacket(proximity=True, tip=True, side=False, eraser=False, x=12345, y=6789, pressure=512)
    assert pen.touching


def test_encode_golden_pen_packet() -> None:
    assert PenPacket(True, True, False, False, 12345, 6789, 512).encode() == GOLDEN_PEN


@pytest.mark.parametrize(
    "status, proximity, tip, side, eraser",
    [
        (0x80, False, False, False, False),  # out of proximity
        (0xA0, True, False, False, False),  # hovering
        (0xA2, True, False, True, False),  # side switch (BTN_STYLUS, f1 = data[0] & 0x02)
        (0xA4, True, False, False, True),  # second switch / eraser (f2 = data[0] & 0x04)
        (0xA5, True, True, False, True),  # eraser pressed down
    ],
)
def test_status_bits(status: int, proximity: bool, tip: bool, side: bool, eraser: bool) -> None:
    pen = PenPacket.decode(bytes([status, 0, 0, 0, 0, 0, 0, 0, 0]))
    assert (pen.proximity, pen.tip, pen.side, pen.eraser) == (proximity, tip, side, eraser)


def test_pen_extremes_and_tilt() -> None:
    # x = y = 0xFFFF: bytes 1..4 = 7F, byte 6 low-bit fields 0x60 | 0x18;
    # pressure 1023: byte 5 = 7F, bits 9..7 = 7 in byte 6
    # tilt x 0x3F, tilt y 0x40 in bytes 7 and 8
    raw = hx("A1 7F 7F 7F 7F 7F 7F 3F 40")
    pen = PenPacket.decode(raw)
    assert (pen.x, pen.y, pen.pressure, pen.tilt_x, pen.tilt_y) == (0xFFFF, 0xFFFF, 1023, 0x3F, 0x40)
    assert pen.encode() == raw


def test_pen_round_trip_random() -> None:
    rng = random.Random(4)
    for _ in range(200):
        pen = PenPacket(
            proximity=rng.random() < 0.9,
            tip=rng.random() < 0.5,
            side=rng.random() < 0.2,
            eraser=rng.random() < 0.1,
            x=rng.randrange(0x10000),
            y=rng.randrange(0x10000),
            pressure=rng.randrange(1024),
            tilt_x=rng.randrange(128),
            tilt_y=rng.randrange(128),
        )
        raw = pen.encode()
        assert raw[0] & 0x80 and all(byte < 0x80 for byte in raw[1:])
        assert PenPacket.decode(raw) == pen


def test_pen_decode_errors() -> None:
    with pytest.raises(ProtocolError):
        PenPacket.decode(GOLDEN_PEN[:8])
    with pytest.raises(ProtocolError):
        PenPacket.decode(hx("A1 18 0E 8D 21 00 2C 00 00"))  # byte 3 with bit 7: lost sync
    with pytest.raises(ProtocolError):
        PenPacket.decode(hx("E1 18 0E 0D 21 00 2C 00 00"))  # control bit set: not a pen packet
    with pytest.raises(ValueError):
        PenPacket(True, True, False, False, 0x10000, 0, 0).encode()
    with pytest.raises(ValueError):
        PenPacket(True, True, False, False, 0, 0, 1024).encode()


# ------------------------------------------------------------------------------------------------------------
# Query replies
# ------------------------------------------------------------------------------------------------------------

# Pen query reply for a 24000 x 15000 tablet, pressure 1023, no tilt, firmware 0x0102:
#   byte 0 = 0x80 | 0x40 | data id 0 = 0xC0
#   x 24000: >> 9 = 46 = 0x2E, (>> 2) & 0x7F = 6000 & 127 = 112 = 0x70, & 3 = 0
#   y 15000: >> 9 = 29 = 0x1D, (>> 2) & 0x7F = 3750 & 127 = 38 = 0x26, & 3 = 0
#   pressure 1023: byte 5 = 0x7F, byte 6 = 1023 >> 7 = 7
#   version 0x0102 = 258: byte 9 = 258 >> 7 = 2, byte 10 = 258 & 0x7F = 2
GOLDEN_QUERY = hx("C0 2E 70 1D 26 7F 07 00 00 02 02")


def test_decode_golden_query_reply() -> None:
    reply = QueryReply.decode(GOLDEN_QUERY)
    assert reply == QueryReply(max_x=24000, max_y=15000, max_pressure=1023, version=0x0102)
    assert not reply.has_tilt
    assert reply.encode() == GOLDEN_QUERY


def test_query_reply_tilt_order_follows_kernel() -> None:
    # wacom_w8001.c: tilt_x = data[7], tilt_y = data[8] (isdv4.h reads them the other way round)
    raw = hx("C0 2E 70 1D 26 7F 07 3F 40 02 02")
    reply = QueryReply.decode(raw)
    assert (reply.max_tilt_x, reply.max_tilt_y) == (0x3F, 0x40) and reply.has_tilt
    assert reply.encode() == raw


def test_query_reply_low_bits_and_pressure_high_bits() -> None:
    # x 24003 (low bits 3), y 15001 (low bits 1), pressure 511: byte 6 = 3 << 5 | 1 << 3 | 511 >> 7 = 0x6B
    raw = hx("C0 2E 70 1D 26 7F 6B 00 00 00 05")
    reply = QueryReply.decode(raw)
    assert (reply.max_x, reply.max_y, reply.max_pressure, reply.version) == (24003, 15001, 511, 5)


def test_decode_golden_touch_query_reply() -> None:
    # Touch query reply, data id 1, panel resolution 10, 2-finger sensor (id 5), x_max 4095, y_max 4094,
    # capacity resolution 6, version 0x0105:
    #   byte 0 = 0xC1; byte 1 = 0x0A
    #   byte 2 = (4095 & 3) << 5 | (4094 & 3) << 3 | 5 = 0x60 | 0x10 | 0x05 = 0x75
    #   x_max: 4095 >> 9 = 7, (4095 >> 2) & 0x7F = 0x7F;  y_max: 4094 >> 9 = 7, (4094 >> 2) & 0x7F = 0x7F
    #   byte 7 = 6; byte 8 unused; version 0x105 = 261: 261 >> 7 = 2, 261 & 0x7F = 5
    raw = hx("C1 0A 75 07 7F 07 7F 06 00 02 05")
    reply = TouchQueryReply.decode(raw)
    assert reply == TouchQueryReply(
        panel_resolution=10,
        sensor_id=5,
        max_x=4095,
        max_y=4094,
        capacity_resolution=6,
        version=0x105,
        data_id=1,
    )
    assert reply.has_touch and reply.sensor is isdv4.TouchSensor.TWO_FINGER and reply.packet_length == 13
    assert reply.encode() == raw


def test_touch_query_without_touch_and_early_models() -> None:
    no_touch = TouchQueryReply.decode(hx("C1 00 00 00 00 00 00 00 00 00 00"))
    assert not no_touch.has_touch
    early = TouchQueryReply(panel_resolution=10, sensor_id=0, max_x=0, max_y=0)
    assert early.effective_max() == (1024, 1024)  # kernel: 1 << panel_res
    assert early.packet_length == 5


@pytest.mark.parametrize("sensor_id, length", [(0, 5), (1, 7), (2, 5), (3, 7), (4, 7), (5, 13)])
def test_touch_sensor_packet_lengths(sensor_id: int, length: int) -> None:
    assert isdv4.TouchSensor(sensor_id).packet_length == length


# ------------------------------------------------------------------------------------------------------------
# Touch packets
# ------------------------------------------------------------------------------------------------------------


def test_touch_packets() -> None:
    # single touch 0x93 style: 0x90 | finger down, x = 0x0123 -> 02 23, y = 0x0456 -> 08 56
    single = TouchPacket.decode(hx("91 02 23 08 56"))
    assert (single.finger1, single.x, single.y) == (True, 0x123, 0x456)
    # 0x9A style with capacity 0x0101 -> 02 01
    assert TouchPacket.decode(hx("91 02 23 08 56 02 01")).capacity == 0x101
    # two fingers: status 0x93, finger 2 at bytes 7..10, capacities at 5/6 and 11/12
    two = TouchPacket.decode(hx("93 00 10 00 20 00 03 01 00 01 01 00 04"))
    assert (two.x, two.y, two.capacity, two.finger2, two.x2, two.y2, two.capacity2) == (
        16,
        32,
        3,
        True,
        128,
        129,
        4,
    )
    assert two.encode() == hx("93 00 10 00 20 00 03 01 00 01 01 00 04")


# ------------------------------------------------------------------------------------------------------------
# Stream parser
# ------------------------------------------------------------------------------------------------------------


def test_parser_resyncs_on_lead_bit() -> None:
    parser = isdv4.PacketParser()
    out = parser.feed(hx("12 34 7F") + GOLDEN_PEN)
    assert out == [PenPacket.decode(GOLDEN_PEN)]
    assert parser.discarded == 3 and parser.corrupt == 0


def test_parser_byte_by_byte() -> None:
    parser = isdv4.PacketParser()
    stream = GOLDEN_QUERY + GOLDEN_PEN + GOLDEN_PEN
    out = []
    for byte in stream:
        out += parser.feed(bytes([byte]))
    assert isinstance(out[0], ControlPacket) and out[0].as_query().max_x == 24000
    assert out[1:] == [PenPacket.decode(GOLDEN_PEN)] * 2
    assert parser.packets == 3 and not parser.in_packet


def test_parser_flags_truncated_packet() -> None:
    parser = isdv4.PacketParser()
    # 5 bytes of a pen packet, then a new lead byte: the first is corrupt, the second decodes
    out = parser.feed(GOLDEN_PEN[:5] + GOLDEN_PEN)
    assert out == [PenPacket.decode(GOLDEN_PEN)]
    assert parser.corrupt == 1


def test_parser_touch_length_from_touch_query() -> None:
    parser = isdv4.PacketParser(touch_length=7)
    out = parser.feed(hx("91 02 23 08 56 02 01") + GOLDEN_PEN)
    assert isinstance(out[0], TouchPacket) and out[0].capacity == 0x101
    assert isinstance(out[1], PenPacket)


def test_packet_length_dispatch() -> None:
    assert isdv4.packet_length(0xA1) == 9
    assert isdv4.packet_length(0xC0) == 11
    assert isdv4.packet_length(0x91, 13) == 13
    assert isdv4.packet_length(0xD1, 13) == 13  # touch bit wins over control bit (w8001_interrupt)


# ------------------------------------------------------------------------------------------------------------
# Touch: the query reply and the packets, byte by byte from wacom_w8001.c (parse_touchquery,
# parse_single_touch, parse_multi_touch, w8001_interrupt)
# ------------------------------------------------------------------------------------------------------------

# Touch query reply of a one-finger capacitive screen (sensor id 1 -> 7-byte packets), panel resolution 10,
# x_max = y_max = 4095, capacity resolution 6, version 0x0102:
#   byte 0 = 0x80 lead | 0x40 control | data id 1                        = 0xC1
#   byte 2 = (4095 & 3) << 5 | (4095 & 3) << 3 | sensor id 1 = 0x60 | 0x18 | 0x01 = 0x79
#   bytes 3/4 = 4095 >> 9 = 7, (4095 >> 2) & 0x7F = 0x7F; bytes 5/6 the same for y
#   byte 7 = 6; byte 8 unused; bytes 9/10 = 0x0102 >> 7 = 2, 0x0102 & 0x7F = 2
GOLDEN_TOUCH_QUERY_9A = hx("C1 0A 79 07 7F 07 7F 06 00 02 02")


def test_golden_touch_query_reply_of_a_one_finger_capacitive_screen() -> None:
    reply = TouchQueryReply.decode(GOLDEN_TOUCH_QUERY_9A)
    assert reply == TouchQueryReply(panel_resolution=10, sensor_id=1, max_x=4095, max_y=4095,
                                    capacity_resolution=6, version=0x0102, data_id=1)  # fmt: skip
    assert reply.sensor is isdv4.TouchSensor.CAPACITIVE_9A and reply.packet_length == 7
    assert reply.encode() == GOLDEN_TOUCH_QUERY_9A
    assert isinstance(isdv4.PacketParser().feed(GOLDEN_TOUCH_QUERY_9A)[0], ControlPacket)


def test_touch_query_defaults_of_early_models() -> None:
    # x_max = y_max = 0 and panel resolution 12: the kernel takes 1 << 12 for both ranges
    early = TouchQueryReply.decode(hx("C1 0C 00 00 00 00 00 00 00 00 00"))
    assert early.has_touch and early.sensor is isdv4.TouchSensor.RESISTIVE_93
    assert early.effective_max() == (4096, 4096)
    # "Some non-touch devices may reply to the touch query. But their second byte is empty" (w8001_setup)
    assert not TouchQueryReply.decode(hx("C1 00 79 07 7F 07 7F 06 00 02 02")).has_touch


# One finger at x = 1800, y = 2400 (touch units):
#   x: 1800 >> 7 = 14 = 0x0E, 1800 & 0x7F = 8 = 0x08;  y: 2400 >> 7 = 18 = 0x12, 2400 & 0x7F = 96 = 0x60
#   capacity 200: 200 >> 7 = 1, 200 & 0x7F = 72 = 0x48
GOLDEN_TOUCH_93_DOWN = hx("91 0E 08 12 60")
GOLDEN_TOUCH_93_UP = hx("90 0E 08 12 60")  # tsw = data[0] & 0x01 clear: the finger left
GOLDEN_TOUCH_9A_DOWN = hx("91 0E 08 12 60 01 48")


def test_golden_single_touch_packets() -> None:
    down = TouchPacket(5, True, 1800, 2400)
    assert down.encode() == GOLDEN_TOUCH_93_DOWN and TouchPacket.decode(GOLDEN_TOUCH_93_DOWN) == down
    up = TouchPacket.decode(GOLDEN_TOUCH_93_UP)
    assert not up.finger1 and (up.x, up.y) == (1800, 2400)
    capacitive = TouchPacket(7, True, 1800, 2400, capacity=200)
    assert capacitive.encode() == GOLDEN_TOUCH_9A_DOWN and TouchPacket.decode(GOLDEN_TOUCH_9A_DOWN) == capacitive


def test_golden_two_finger_packet_with_only_the_second_finger_down() -> None:
    # status 0x92: bit 0 (finger 1) clear, bit 1 (finger 2) set; finger 2 at bytes 7..10 = x 1800, y 2400,
    # its capacity (bytes 11/12) 200
    raw = hx("92 00 00 00 00 00 00 0E 08 12 60 01 48")
    packet = TouchPacket.decode(raw)
    assert (packet.finger1, packet.finger2, packet.x2, packet.y2, packet.capacity2) == (False, True, 1800, 2400, 200)
    assert TouchPacket(13, False, 0, 0, 0, True, 1800, 2400, 200).encode() == raw


def test_touch_packets_interleaved_with_pen_packets() -> None:
    stream = GOLDEN_PEN + GOLDEN_TOUCH_9A_DOWN + GOLDEN_PEN + hx("90 0E 08 12 60 00 00") + GOLDEN_PEN
    parser = isdv4.PacketParser(touch_length=7)
    out = []
    for byte in stream:  # byte by byte, as a slow line delivers them
        out += parser.feed(bytes([byte]))
    assert [type(p) for p in out] == [PenPacket, TouchPacket, PenPacket, TouchPacket, PenPacket]
    assert out[1].finger1 and not out[3].finger1 and out[1].capacity == 200
    assert parser.corrupt == parser.discarded == 0
    # Parsed with the wrong length (no touch query), the capacity bytes of each 7-byte packet are strays.
    wrong = isdv4.PacketParser(touch_length=5)
    assert [type(p) for p in wrong.feed(stream)] == [PenPacket, TouchPacket, PenPacket, TouchPacket, PenPacket]
    assert wrong.discarded == 4


def test_two_finger_packets_are_not_control_packets() -> None:
    # byte 0 = 0xD3 carries both the control bit (0x40) and the touch bit (0x10): w8001_interrupt takes it as
    # touch data (the control case breaks out on the touch bit), so it is 13 bytes long, not 11.
    raw = hx("D3 00 10 00 20 00 03 01 00 01 01 00 04")
    parser = isdv4.PacketParser(touch_length=13)
    (packet,) = parser.feed(raw)
    assert isinstance(packet, TouchPacket) and packet.finger1 and packet.finger2 and packet.x2 == 128
