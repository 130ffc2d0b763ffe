"""Alpha Sign Communications Protocol codec: golden packets for the queue board and the receiving parser."""

from __future__ import annotations

import pytest

from drivers.errors import ProtocolError
from drivers.protocols import alpha_sign as alpha
from drivers.protocols.alpha_sign import Colour, Font, Mode, Position, SpecialMode, TextSegment

SYNC = b"\x00" * 5
HEADER = SYNC + b"\x01" + b"Z00"  # 5 x NUL, SOH, type "Z" (all signs), address "00" (broadcast)

# Write TEXT file "A", middle line, hold, "A012 LOKET 2":
#   STX "A" (write TEXT) "A" (label) ESC 0x20 (middle line) "b" (hold) message EOT
GOLDEN_TEXT = HEADER + b"\x02" + b"AA" + b"\x1b\x20b" + b"A012 LOKET 2" + b"\x04"

# Same with checksum: 16-bit sum of STX through ETX, four upper-case hex digits.
#   STX 0x02 + "A" 0x41 + "A" 0x41 + ESC 0x1B + 0x20 + "b" 0x62           = 2+65+65+27+32+98 = 289
#   "A012 LOKET 2" = 65+48+49+50+32+76+79+75+69+84+32+50                  = 709
#   ETX 0x03                                                              = 3
#   total 289 + 709 + 3 = 1001 = 0x03E9
GOLDEN_TEXT_CHECKSUM = HEADER + b"\x02AA\x1b\x20bA012 LOKET 2" + b"\x03" + b"03E9" + b"\x04"


def test_golden_write_text() -> None:
    packet = alpha.packet(
        alpha.write_text("A012 LOKET 2", label="A", position=Position.MIDDLE_LINE, mode=Mode.HOLD)
    )
    assert packet.encode() == GOLDEN_TEXT
    assert bytes(packet) == GOLDEN_TEXT
    assert packet.parts() == [GOLDEN_TEXT]


def test_golden_write_text_with_checksum() -> None:
    command = alpha.write_text("A012 LOKET 2", with_checksum=True)
    assert command.checksum == "03E9"
    assert alpha.packet(command).encode() == GOLDEN_TEXT_CHECKSUM


def test_golden_two_line_text() -> None:
    # Number on the top line (0x22) in red, counter on the bottom line (0x26) in green, both "hold":
    command = alpha.write_text_segments(
        TextSegment(alpha.colour(Colour.RED) + b"A012", Position.TOP_LINE, Mode.HOLD),
        TextSegment(alpha.colour(Colour.GREEN) + b"LOKET 2", Position.BOTTOM_LINE, Mode.HOLD),
    )
    assert alpha.packet(command).encode() == (
        HEADER + b"\x02AA" + b"\x1b\x22b\x1c1A012" + b"\x1b\x26b\x1c2LOKET 2" + b"\x04"
    )


def test_control_codes() -> None:
    assert alpha.colour(Colour.RED) == b"\x1c1"
    assert alpha.colour(Colour.AUTOCOLOUR) == b"\x1cC"
    assert alpha.rgb_colour("#ff8000") == b"\x1cZFF8000"
    assert alpha.font(Font.SEVEN_HIGH) == b"\x1a3"
    assert alpha.speed(1) == b"\x15" and alpha.speed(5) == b"\x19"
    assert alpha.call_string("1") == b"\x101"
    with pytest.raises(ValueError):
        alpha.speed(6)


@pytest.mark.parametrize(
    "mode, special, field",
    [
        (Mode.ROTATE, None, b"\x1b\x20a"),
        (Mode.FLASH, None, b"\x1b\x20c"),
        (Mode.ROLL_UP, None, b"\x1b\x20e"),
        (Mode.SPECIAL, SpecialMode.TWINKLE, b"\x1b\x20n0"),
        (Mode.SPECIAL, SpecialMode.WELCOME, b"\x1b\x20n8"),
    ],
)
def test_mode_fields(mode: Mode, special: SpecialMode | None, field: bytes) -> None:
    assert TextSegment(b"X", Position.MIDDLE_LINE, mode, special).encode() == field + b"X"


def test_special_mode_needs_specifier() -> None:
    with pytest.raises(ValueError):
        alpha.write_text("X", mode=Mode.SPECIAL)
    with pytest.raises(ValueError):
        alpha.write_text("X", mode=Mode.HOLD, special=SpecialMode.SNOW)


def test_text_validation() -> None:
    with pytest.raises(ValueError):
        alpha.write_text("Antrean \u00e9")  # not ASCII
    with pytest.raises(ValueError):
        alpha.write_text("A\x04B")  # EOT would end the packet
    with pytest.raises(ValueError):
        alpha.write_text("X", label="AB")


def test_write_string_and_nested_packet() -> None:
    # Nested commands: each ends with ETX; no checksum requested.
    packet = alpha.packet(alpha.write_string("A012", label="1"), alpha.write_text(b"\x101", label="A"))
    assert packet.encode() == HEADER + b"\x02G1A012\x03" + b"\x02AA\x1b\x20b\x101\x03" + b"\x04"
    # the sender pauses after every STX of a nested packet
    parts = packet.parts()
    assert len(parts) == 3 and all(part.endswith(b"\x02") for part in parts[:-1])
    assert b"".join(parts) == packet.encode()


def test_special_functions() -> None:
    memory = alpha.configure_memory(
        alpha.MemoryEntry("A", alpha.FileType.TEXT, 64),
        alpha.MemoryEntry("1", alpha.FileType.STRING, 16, locked=True, qqqq="0000"),
    )
    assert alpha.packet(memory).encode() == HEADER + b"\x02E$AAU0040FFFF1BL00100000\x04"
    assert alpha.packet(alpha.configure_memory()).encode() == HEADER + b"\x02E$\x04"  # clear memory
    assert alpha.soft_reset().data == b","
    assert alpha.set_run_sequence("AB").data == b".TUAB"
    assert alpha.tone(0, 1, 0).data == b"(2" + b"0010"


# ------------------------------------------------------------------------------------------------------------
# Receiving side
# ------------------------------------------------------------------------------------------------------------


def test_parse_golden_text() -> None:
    [received] = alpha.SignParser().feed(GOLDEN_TEXT)
    assert (received.type_code, received.address) == ("Z", "00")
    [command] = received.commands
    assert command.code == "A" and command.label == "A" and command.checksum is None
    text = command.text()
    assert text.label == "A"
    assert text.segments == (TextSegment(b"A012 LOKET 2", Position.MIDDLE_LINE, Mode.HOLD),)
    assert text.text == "A012 LOKET 2"


def test_parse_checksum_packet_byte_by_byte_after_garbage() -> None:
    parser = alpha.SignParser()
    stream = b"\xff\x55noise" + GOLDEN_TEXT_CHECKSUM
    out = []
    for byte in stream:
        out += parser.feed(bytes([byte]))
    [received] = out
    assert received.commands[0].checksum == "03E9" and received.commands[0].checksum_ok
    assert parser.discarded == 7  # 0xFF 0x55 "noise"; the sync NULs are not counted


def test_bad_checksum_is_dropped() -> None:
    bad = GOLDEN_TEXT_CHECKSUM.replace(b"03E9", b"03E8")
    parser = alpha.SignParser()
    assert parser.feed(bad + GOLDEN_TEXT) == [alpha.parse_frame(GOLDEN_TEXT[5:])]
    assert parser.errors == 1 and parser.error_log[0].code == "checksum"
    strict = alpha.SignParser(strict=True)
    with pytest.raises(ProtocolError):
        strict.feed(bad + GOLDEN_TEXT)
    assert len(strict.feed()) == 1  # the good packet after the bad one is kept


def test_truncated_packet_is_abandoned() -> None:
    parser = alpha.SignParser()
    out = parser.feed(GOLDEN_TEXT[:-6] + GOLDEN_TEXT)  # EOT lost, next packet starts
    assert len(out) == 1 and out[0].commands[0].text().text == "A012 LOKET 2"
    assert parser.corrupt == 1


def test_parse_nested_and_two_line_text() -> None:
    wire = alpha.packet(
        alpha.write_string("A012", label="1", with_checksum=True),
        alpha.write_text_segments(
            TextSegment(alpha.colour(Colour.RED) + alpha.call_string("1"), Position.TOP_LINE, Mode.HOLD),
            TextSegment(b"LOKET 2", Position.BOTTOM_LINE, Mode.SPECIAL, SpecialMode.SNOW),
        ),
    ).encode()
    [received] = alpha.SignParser().feed(wire)
    string_cmd, text_cmd = received.commands
    assert string_cmd.code == "G" and string_cmd.data == b"1A012" and string_cmd.checksum_ok
    assert text_cmd.checksum is None
    segments = text_cmd.text().segments
    assert [s.position for s in segments] == [Position.TOP_LINE, Position.BOTTOM_LINE]
    assert segments[1].special is SpecialMode.SNOW
    assert alpha.render_text(segments[0].content, {"1": "A012"}) == "A012"
    assert text_cmd.text().text == "\nLOKET 2"  # STRING calls render empty without the strings


def test_render_text_strips_control_codes() -> None:
    content = (
        alpha.colour(Colour.AMBER)
        + alpha.font(Font.TEN_HIGH)
        + alpha.speed(3)
        + b"LOKET"
        + alpha.rgb_colour("00FF00")
        + b" 2"
    )
    assert alpha.render_text(content) == "LOKET 2"


def test_addressing() -> None:
    [broadcast] = alpha.SignParser().feed(GOLDEN_TEXT)
    assert broadcast.addressed_to("c", "07")
    wire = alpha.packet(alpha.write_text("X"), type_code="Z", address="07").encode()
    [own] = alpha.SignParser().feed(wire)
    assert own.addressed_to("c", "07") and not own.addressed_to("c", "08")


def test_malformed_frames() -> None:
    with pytest.raises(ProtocolError):
        alpha.parse_frame(b"\x01Z\x02AA\x04")  # address missing
    with pytest.raises(ProtocolError):
        alpha.parse_frame(b"\x01Z00\x02AA\x03XYZ!\x04")  # checksum not hex
    with pytest.raises(ProtocolError):
        alpha.parse_frame(b"\x01Z00\x02AA\x1b\x20zX\x04").commands[0].text()  # unknown mode "z"
