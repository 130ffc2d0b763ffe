"""ZFM / R30x / R503 "EF01" codec: golden frames from the manuals, acks, stream parsing, data and images.

Checksum rule ([ZFM20]): PID + length high + length low + every content byte, modulo 65536. Each golden frame
below shows that sum worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from drivers.errors import CaptureFailed, DeviceConfigError, DeviceError, NotSupported, ProtocolError
from drivers.protocols import zfm
from drivers.protocols.zfm import PID, ConfirmationCode, Instruction

HEAD = "EF 01 FF FF FF FF"  # header + factory address, not part of the checksum


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


# ------------------------------------------------------------------------------------------------------------
# Golden command frames
# ------------------------------------------------------------------------------------------------------------

GOLDEN_COMMANDS = [
    # GenImg: 01 + 00 + 03 + 01 = 0x05
    (zfm.gen_img(), HEAD + " 01 0003 01 0005"),
    # Img2Tz(1): 01 + 00 + 04 + 02 + 01 = 0x08
    (zfm.img2tz(1), HEAD + " 01 0004 02 01 0008"),
    # Search(buf 1, start 0, count 163): 01 + 00 + 08 + 04 + 01 + 00 + 00 + 00 + A3 = 1+8+4+1+163 = 177 = 0xB1
    (zfm.search(1, 0, 163), HEAD + " 01 0008 04 01 0000 00A3 00B1"),
    # VfyPwd(0): 01 + 00 + 07 + 13 + 00*4 = 1+7+19 = 27 = 0x1B
    (zfm.verify_password(0), HEAD + " 01 0007 13 00000000 001B"),
    # UpImage: 01 + 00 + 03 + 0A = 0x0E
    (zfm.up_image(), HEAD + " 01 0003 0A 000E"),
    # ReadSysPara: 01 + 00 + 03 + 0F = 0x13
    (zfm.read_sys_para(), HEAD + " 01 0003 0F 0013"),
    # DownImage: 01 + 00 + 03 + 0B = 0x0F (the ZFM-70 manual prints "000fH")
    (zfm.down_image(), HEAD + " 01 0003 0B 000F"),
    # UpChar(buffer 1): 01 + 00 + 04 + 08 + 01 = 0x0E
    (zfm.up_char(1), HEAD + " 01 0004 08 01 000E"),
    # UpChar(buffer 2): 01 + 00 + 04 + 08 + 02 = 0x0F
    (zfm.up_char(2), HEAD + " 01 0004 08 02 000F"),
    # DownChar(buffer 1): 01 + 00 + 04 + 09 + 01 = 0x0F
    (zfm.down_char(1), HEAD + " 01 0004 09 01 000F"),
    # DownChar(buffer 2): 01 + 00 + 04 + 09 + 02 = 0x10
    (zfm.down_char(2), HEAD + " 01 0004 09 02 0010"),
    # LoadChar(buf 2, page 5): 01 + 00 + 06 + 07 + 02 + 00 + 05 = 1+6+7+2+5 = 21 = 0x15
    (zfm.load_char(2, 5), HEAD + " 01 0006 07 02 0005 0015"),
    # GetRandomCode: 01 + 00 + 03 + 14 = 0x18 (R503 manual prints "0018H")
    (zfm.get_random_code(), HEAD + " 01 0003 14 0018"),
    # TempleteNum: 01 + 00 + 03 + 1D = 0x21 (R503 manual prints "0021H")
    (zfm.template_num(), HEAD + " 01 0003 1D 0021"),
    # ReadConList page 1: 01 + 00 + 04 + 1F + 01 = 1+4+31+1 = 37 = 0x25
    (zfm.read_con_list(1), HEAD + " 01 0004 1F 01 0025"),
    # Store(buf 1, page 5): 01 + 00 + 06 + 06 + 01 + 00 + 05 = 1+6+6+1+5 = 19 = 0x13
    (zfm.store(1, 5), HEAD + " 01 0006 06 01 0005 0013"),
    # RegModel: 01 + 00 + 03 + 05 = 0x09
    (zfm.reg_model(), HEAD + " 01 0003 05 0009"),
    # Match: 01 + 00 + 03 + 03 = 0x07
    (zfm.match(), HEAD + " 01 0003 03 0007"),
    # DeleteChar(page 7, 1 template): 01 + 00 + 07 + 0C + 00 + 07 + 00 + 01 = 1+7+12+7+1 = 28 = 0x1C
    (zfm.delete_char(7), HEAD + " 01 0007 0C 0007 0001 001C"),
    # SetSysPara(6 packet size, code 3 = 256 bytes): 01 + 00 + 05 + 0E + 06 + 03 = 1+5+14+6+3 = 29 = 0x1D
    (zfm.set_packet_size(256), HEAD + " 01 0005 0E 06 03 001D"),
    # AuraLedConfig(breathing, speed 0x80, blue, endless): 01 + 00 + 07 + 35 + 01 + 80 + 02 + 00
    #   = 1+7+53+1+128+2 = 192 = 0xC0 (parameter order on the wire: control, speed, colour, times)
    (
        zfm.aura_led_config(zfm.AuraMode.BREATHING, zfm.AuraColour.BLUE, 0x80, 0),
        HEAD + " 01 0007 35 01 80 02 00 00C0",
    ),
    # SoftRst: 01 + 00 + 03 + 3D = 0x41
    (zfm.soft_reset(), HEAD + " 01 0003 3D 0041"),
    # HandShake (R503): 01 + 00 + 03 + 40 = 0x44
    (zfm.handshake(), HEAD + " 01 0003 40 0044"),
]


@pytest.mark.parametrize("packet, expected", GOLDEN_COMMANDS, ids=lambda v: getattr(v, "content", b"").hex())
def test_golden_command_frames(packet: zfm.Packet, expected: str) -> None:
    assert packet.encode() == hx(expected)
    assert bytes(packet) == hx(expected)
    assert zfm.decode_packet(hx(expected)) == packet


def test_command_to_other_address() -> None:
    # Address 0x12345678, GenImg: checksum ignores the address, still 0x0005.
    assert zfm.gen_img(address=0x12345678).encode() == hx("EF01 12345678 01 0003 01 0005")


# ------------------------------------------------------------------------------------------------------------
# Golden acks and their decoding
# ------------------------------------------------------------------------------------------------------------


def test_golden_ack_ok() -> None:
    # ack OK: 07 + 00 + 03 + 00 = 0x0A
    frame = hx(HEAD + " 07 0003 00 000A")
    assert zfm.ack(ConfirmationCode.OK).encode() == frame
    result = zfm.expect_ok(zfm.decode_packet(frame))
    assert result.ok and result.code is ConfirmationCode.OK and result.payload == b""


def test_golden_search_ack_found() -> None:
    # found page 5, score 120: 07 + 00 + 07 + 00 + 00 + 05 + 00 + 78 = 7+7+5+120 = 139 = 0x8B
    frame = hx(HEAD + " 07 0007 00 0005 0078 008B")
    assert zfm.search_ack(5, 120).encode() == frame
    assert zfm.parse_search_ack(zfm.decode_packet(frame)) == zfm.SearchResult(True, 5, 120)


def test_search_ack_not_found_is_an_outcome() -> None:
    # cc 09, page 0, score 0: 07 + 00 + 07 + 09 = 0x17
    frame = hx(HEAD + " 07 0007 09 0000 0000 0017")
    assert zfm.parse_search_ack(zfm.decode_packet(frame)) == zfm.SearchResult(False, 0, 0)


def test_search_ack_no_finger_image_raises_capture_failed() -> None:
    # cc 15 (no valid primary image) -> CaptureFailed, retryable
    with pytest.raises(CaptureFailed) as info:
        zfm.parse_search_ack(zfm.ack(ConfirmationCode.NO_VALID_IMAGE, bytes(4)))
    assert info.value.retryable and info.value.code == 0x15


def test_match_ack() -> None:
    # matched, score 0x0150: 07 + 00 + 05 + 00 + 01 + 50 = 7+5+1+80 = 93 = 0x5D
    frame = hx(HEAD + " 07 0005 00 0150 005D")
    assert zfm.match_ack(0x150).encode() == frame
    assert zfm.parse_match_ack(zfm.decode_packet(frame)) == zfm.MatchResult(True, 336)
    # cc 08: no match, an outcome
    assert zfm.parse_match_ack(zfm.match_ack(0, matched=False)) == zfm.MatchResult(False, 0)


def test_template_count_ack() -> None:
    # 12 templates: 07 + 00 + 05 + 00 + 00 + 0C = 7+5+12 = 24 = 0x18
    frame = hx(HEAD + " 07 0005 00 000C 0018")
    assert zfm.template_count_ack(12).encode() == frame
    assert zfm.parse_template_count_ack(zfm.decode_packet(frame)) == 12


def test_read_sys_para_ack_golden() -> None:
    # status 0x0004 (password verified), id 0, capacity 162, level 3, address FFFFFFFF, size code 2, N 6.
    # 07 + 00 + 13 + 00 + (00 04 00 00 00 A2 00 03 FF FF FF FF 00 02 00 06)
    #   = 7 + 19 + (4 + 162 + 3 + 4*255 + 2 + 6) = 26 + 1197 = 1223 = 0x04C7
    frame = hx(HEAD + " 07 0013 00 0004 0000 00A2 0003 FFFFFFFF 0002 0006 04C7")
    params = zfm.parse_sys_para_ack(zfm.decode_packet(frame))
    assert params == zfm.SystemParameters(
        status=4,
        system_id=0,
        library_size=162,
        security_level=3,
        address=0xFFFFFFFF,
        packet_size_code=2,
        baud_multiplier=6,
    )
    assert params.password_verified and not params.busy and not params.matched and not params.image_valid
    assert params.packet_size == 128
    assert params.baud_rate == 57600
    assert zfm.sys_para_ack(params).encode() == frame


@pytest.mark.parametrize("code, size", [(0, 32), (1, 64), (2, 128), (3, 256)])
def test_packet_size_codes(code: int, size: int) -> None:
    assert zfm.SystemParameters(packet_size_code=code).packet_size == size
    assert zfm.packet_size_code(size) == code


def test_index_table_ack() -> None:
    # byte 0 = 0b0010_0101 -> templates 0, 2, 5; byte 1 = 0x80 -> template 15; byte 31 bit 7 -> 255
    bitmap = bytes([0x25, 0x80]) + bytes(29) + bytes([0x80])
    packet = zfm.ack(ConfirmationCode.OK, bitmap)
    assert zfm.parse_index_table_ack(packet, page=0) == {0, 2, 5, 15, 255}
    assert zfm.parse_index_table_ack(packet, page=1) == {256, 258, 261, 271, 511}
    assert zfm.encode_index_table({0, 2, 5, 15, 255, 300}, page=0) == bitmap  # 300 is on page 1: ignored


def test_random_code_ack() -> None:
    # 07 + 00 + 07 + 00 + DE + AD + BE + EF = 7+7+222+173+190+239 = 838 = 0x0346
    frame = hx(HEAD + " 07 0007 00 DEADBEEF 0346")
    assert zfm.parse_random_code_ack(zfm.decode_packet(frame)) == 0xDEADBEEF


def test_parse_ack_rejects_other_packets() -> None:
    with pytest.raises(ProtocolError):
        zfm.parse_ack(zfm.gen_img())


# ------------------------------------------------------------------------------------------------------------
# Confirmation codes -> errors
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, error_class, retryable",
    [
        (ConfirmationCode.NO_FINGER, CaptureFailed, True),
        (ConfirmationCode.IMAGE_TOO_DISORDERED, CaptureFailed, True),
        (ConfirmationCode.TOO_FEW_FEATURES, CaptureFailed, True),
        (ConfirmationCode.MERGE_FAILED, CaptureFailed, True),
        (ConfirmationCode.PACKET_RECEIVE_ERROR, ProtocolError, True),
        (ConfirmationCode.UPLOAD_IMAGE_FAILED, ProtocolError, True),
        (ConfirmationCode.UPLOAD_TEMPLATE_FAILED, ProtocolError, True),  # UpChar 0x0D
        (ConfirmationCode.CANNOT_RECEIVE_DATA, ProtocolError, True),  # DownChar / DownImage 0x0E
        (ConfirmationCode.NO_VALID_IMAGE, CaptureFailed, True),  # Img2Tz after a failed DownImage
        (ConfirmationCode.WRONG_PASSWORD, DeviceError, False),
        (ConfirmationCode.PASSWORD_NOT_VERIFIED, DeviceError, False),
        (ConfirmationCode.FLASH_ERROR, DeviceError, False),
        (ConfirmationCode.PAGE_ID_OUT_OF_RANGE, DeviceError, False),
        (ConfirmationCode.ADDRESS_ERROR, DeviceConfigError, False),
        (ConfirmationCode.INVALID_REGISTER, NotSupported, False),
    ],
)
def test_error_for_code(code: ConfirmationCode, error_class: type[DeviceError], retryable: bool) -> None:
    error = zfm.error_for_code(code, "GenImg")
    assert type(error) is error_class
    assert error.retryable is retryable
    assert error.code == int(code)
    assert error.message.startswith("GenImg: ")


def test_expect_ok_raises_mapped_error() -> None:
    # GenImg ack "no finger": 07 + 00 + 03 + 02 = 0x0C
    frame = hx(HEAD + " 07 0003 02 000C")
    with pytest.raises(CaptureFailed, match="tidak ada jari"):
        zfm.expect_ok(zfm.decode_packet(frame), "GenImg")


def test_unknown_confirmation_code() -> None:
    code = ConfirmationCode(0x77)
    assert code.name == "UNKNOWN_77" and not code.is_known and int(code) == 0x77
    assert "0x77" in code.description_en
    error = zfm.error_for_code(0x77)
    assert type(error) is DeviceError and not error.retryable
    assert ConfirmationCode.NO_FINGER.description == "tidak ada jari di sensor / no finger on the sensor"


def test_ok_is_not_an_error() -> None:
    with pytest.raises(ValueError):
        zfm.error_for_code(ConfirmationCode.OK)


# ------------------------------------------------------------------------------------------------------------
# Stream parser
# ------------------------------------------------------------------------------------------------------------

ACK_OK = hx(HEAD + " 07 0003 00 000A")
SEARCH_ACK = hx(HEAD + " 07 0007 00 0005 0078 008B")


def test_reader_skips_garbage_before_packet() -> None:
    reader = zfm.PacketReader()
    packets = reader.feed(b"\x55\x00\xef\x13\x37" + ACK_OK)
    assert packets == [zfm.Packet(PID.ACK, b"\x00")]
    assert reader.discarded == 5
    assert reader.last_discarded == b"\x55\x00\xef\x13\x37"  # the R503 ready byte 0x55 is visible here


def test_reader_split_packet_byte_by_byte() -> None:
    reader = zfm.PacketReader()
    stream = SEARCH_ACK + ACK_OK
    out: list[zfm.Packet] = []
    for index in range(len(stream)):
        got = reader.feed(stream[index : index + 1])
        # nothing comes out before the last byte of each frame
        if index not in (len(SEARCH_ACK) - 1, len(stream) - 1):
            assert got == []
        out += got
    assert [zfm.parse_ack(p).code for p in out] == [ConfirmationCode.OK, ConfirmationCode.OK]
    assert zfm.parse_search_ack(out[0]) == zfm.SearchResult(True, 5, 120)
    assert reader.pending == 0 and reader.discarded == 0


def test_reader_two_packets_in_one_chunk() -> None:
    assert len(zfm.PacketReader().feed(ACK_OK + SEARCH_ACK)) == 2


def test_reader_bad_checksum_raises_then_continues() -> None:
    bad = bytearray(ACK_OK)
    bad[-1] ^= 0x01  # checksum 0x000B instead of 0x000A
    reader = zfm.PacketReader()
    with pytest.raises(ProtocolError) as info:
        reader.feed(SEARCH_ACK + bytes(bad) + ACK_OK)
    assert info.value.code == "checksum" and info.value.retryable
    # the good packets around the bad one are not lost
    rest = reader.feed()
    assert [zfm.parse_ack(p).payload for p in rest] == [bytes.fromhex("00050078"), b""]
    assert reader.errors == 1


def test_reader_non_strict_records_bad_checksum() -> None:
    bad = bytearray(ACK_OK)
    bad[9] = 0x02  # confirmation code changed, checksum not
    reader = zfm.PacketReader(strict=False)
    assert reader.feed(bytes(bad) + ACK_OK) == [zfm.Packet(PID.ACK, b"\x00")]
    assert reader.errors == 1 and reader.error_log[0].code == "checksum"


def test_reader_resyncs_on_false_header() -> None:
    # EF 01 followed by an impossible PID (0x55) is garbage: the reader slides forward one byte at a time.
    reader = zfm.PacketReader()
    assert reader.feed(hx("EF 01 FF FF FF FF 55 00 03") + ACK_OK) == [zfm.Packet(PID.ACK, b"\x00")]
    assert reader.discarded == 9


def test_reader_keeps_half_header_across_chunks() -> None:
    reader = zfm.PacketReader()
    assert reader.feed(b"\x00\x00" + ACK_OK[:1]) == []
    assert reader.feed(ACK_OK[1:]) == [zfm.Packet(PID.ACK, b"\x00")]


def test_reader_address_check() -> None:
    foreign = zfm.ack(address=0x00000001).encode()
    reader = zfm.PacketReader(address=zfm.DEFAULT_ADDRESS)
    with pytest.raises(ProtocolError, match="address"):
        reader.feed(foreign)


def test_decode_packet_errors() -> None:
    with pytest.raises(ProtocolError):
        zfm.decode_packet(ACK_OK[:-1])
    with pytest.raises(ProtocolError):
        zfm.decode_packet(b"\xef\x02" + ACK_OK[2:])


# ------------------------------------------------------------------------------------------------------------
# Commands seen from the simulator side
# ------------------------------------------------------------------------------------------------------------


def test_decode_command() -> None:
    cmd = zfm.decode_command(zfm.decode_packet(hx(HEAD + " 01 0008 04 01 0000 00A3 00B1")))
    assert cmd.instruction is Instruction.SEARCH and cmd.args == (1, 0, 163) and cmd.known
    assert zfm.decode_command(zfm.verify_password(0x01020304)).args == (0x01020304,)
    assert zfm.decode_command(zfm.gen_img()).args == ()


def test_decode_command_bad_length_and_unknown() -> None:
    with pytest.raises(ProtocolError):
        zfm.decode_command(zfm.Packet(PID.COMMAND, bytes([Instruction.SEARCH, 1])))
    unknown = zfm.decode_command(zfm.Packet(PID.COMMAND, b"\x99\x01\x02"))
    assert unknown.instruction == 0x99 and unknown.params == b"\x01\x02" and not unknown.known


def test_builder_validation() -> None:
    with pytest.raises(ValueError):
        zfm.img2tz(3)
    with pytest.raises(ValueError):
        zfm.read_con_list(4)
    with pytest.raises(ValueError):
        zfm.search(1, 0, 70000)
    with pytest.raises(ValueError):
        zfm.set_security_level(6)
    with pytest.raises(ValueError):
        zfm.set_packet_size(100)
    assert zfm.set_baud_rate(115200).content == bytes([0x0E, 4, 12])


# ------------------------------------------------------------------------------------------------------------
# Data packets
# ------------------------------------------------------------------------------------------------------------


def test_split_and_assemble_data() -> None:
    payload = bytes(range(256)) + bytes(44)  # 300 bytes
    packets = zfm.split_data(payload, 128)
    assert [p.pid for p in packets] == [PID.DATA, PID.DATA, PID.END_DATA]
    assert [len(p.content) for p in packets] == [128, 128, 44]
    assert zfm.assemble_data(packets, 128) == payload


def test_golden_end_data_packet() -> None:
    # last data packet with 2 bytes 0x12 0x34: 08 + 00 + 04 + 12 + 34 = 8+4+18+52 = 82 = 0x52
    assert zfm.split_data(b"\x12\x34", 32)[0].encode() == hx(HEAD + " 08 0004 1234 0052")


def test_assemble_rejects_bad_sequences() -> None:
    with pytest.raises(ProtocolError):
        zfm.assemble_data(zfm.split_data(bytes(200), 128)[:1])  # no end packet
    assembler = zfm.DataAssembler(packet_size=128)
    with pytest.raises(ProtocolError):
        assembler.add(zfm.ack())
    with pytest.raises(ProtocolError):
        assembler.add(zfm.Packet(PID.DATA, bytes(64)))  # short non-final packet


# ------------------------------------------------------------------------------------------------------------
# Images
# ------------------------------------------------------------------------------------------------------------


def test_pack_image_by_hand() -> None:
    image = np.array([[0x00, 0xFF, 0x12, 0x34], [0xAB, 0xCD, 0xF0, 0x0F]], dtype=np.uint8)
    # left pixel -> high nibble, right pixel -> low nibble; only the upper 4 bits of each pixel travel
    assert zfm.pack_image(image) == bytes([0x0F, 0x13, 0xAC, 0xF0])
    unpacked = zfm.unpack_image(bytes([0x0F, 0x13, 0xAC, 0xF0]), zfm.ImageGeometry(4, 2))
    assert unpacked.tolist() == [[0x00, 0xFF, 0x11, 0x33], [0xAA, 0xCC, 0xFF, 0x00]]  # nibble * 17


def test_image_sizes() -> None:
    assert zfm.ZFM20_IMAGE.packed_size == 36864 == 288 * 128  # 288 packets of 128 bytes
    assert zfm.R503_IMAGE.packed_size == 18432 == 144 * 128
    with pytest.raises(ProtocolError):
        zfm.unpack_image(bytes(zfm.R503_IMAGE.packed_size), zfm.ZFM20_IMAGE)


def test_unpack_accepts_8_bit_variant() -> None:
    raw = bytes(range(256)) * 2
    image = zfm.unpack_image(raw, zfm.ImageGeometry(32, 16))
    assert image.shape == (16, 32) and image.tobytes() == raw


def test_pack_rejects_odd_width_and_wrong_dtype() -> None:
    with pytest.raises(ValueError):
        zfm.pack_image(np.zeros((2, 3), dtype=np.uint8))
    with pytest.raises(ValueError):
        zfm.pack_image(np.zeros((2, 4), dtype=np.float32))


def test_full_image_upload_through_the_wire() -> None:
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, size=(288, 256), dtype=np.uint8)
    wire = zfm.ack().encode() + b"".join(p.encode() for p in zfm.split_data(zfm.pack_image(image), 128))
    reader = zfm.PacketReader(address=zfm.DEFAULT_ADDRESS)
    packets = []
    for start in range(0, len(wire), 61):  # awkward chunk size
        packets += reader.feed(wire[start : start + 61])
    assert len(packets) == 1 + 288
    zfm.expect_ok(packets[0], "UpImage")
    payload = zfm.assemble_data(packets[1:], 128)
    restored = zfm.unpack_image(payload, zfm.ZFM20_IMAGE)
    assert np.array_equal(restored, (image >> 4) * 17)


# ------------------------------------------------------------------------------------------------------------
# Template and image transfers: UpChar, DownChar, DownImage ([ZFM20]: the ack comes first, then the data
# packets, PID 02, the last one PID 08, never acknowledged)
# ------------------------------------------------------------------------------------------------------------


def test_golden_up_char_transfer() -> None:
    """UpChar(1) on a module with 32-byte packets and a 64-byte template: ack, one 02 packet, one 08 packet."""
    template = bytes(range(64))
    # data packet 1: 02 + 00 + 22 + (0 + 1 + ... + 31 = 496 = 0x1F0) = 2 + 34 + 496 = 532 = 0x0214
    # end packet:    08 + 00 + 22 + (32 + ... + 63 = 1520 = 0x5F0) = 8 + 34 + 1520 = 1562 = 0x061A
    wire = hx(
        HEAD + " 07 0003 00 000A"
        + HEAD + " 02 0022 " + template[:32].hex() + " 0214"
        + HEAD + " 08 0022 " + template[32:].hex() + " 061A"
    )
    assert zfm.ack().encode() + b"".join(p.encode() for p in zfm.split_data(template, 32)) == wire
    packets = zfm.PacketReader(address=zfm.DEFAULT_ADDRESS).feed(wire)
    assert [p.pid for p in packets] == [PID.ACK, PID.DATA, PID.END_DATA]
    zfm.expect_ok(packets[0], "UpChar")
    assert zfm.assemble_data(packets[1:], 32) == template


def test_golden_down_char_and_down_image_sequences() -> None:
    """The host's side: the command, then (after the module's ack) the data packets it sends."""
    # DownChar(2) then a 2-byte last packet AB CD: 08 + 00 + 04 + AB + CD = 8+4+171+205 = 388 = 0x0184
    assert zfm.down_char(2).encode() + zfm.split_data(b"\xab\xcd", 128)[0].encode() == hx(
        HEAD + " 01 0004 09 02 0010" + HEAD + " 08 0004 ABCD 0184"
    )
    # A 256 x 288 image is 36 864 packed bytes: 288 packets of 128 bytes, 287 with PID 02 and the last 08.
    image = np.full((288, 256), 0xF0, np.uint8)
    packets = zfm.split_data(zfm.pack_image(image), 128)
    assert len(packets) == 288 and packets[-1].pid is PID.END_DATA
    assert {p.pid for p in packets[:-1]} == {PID.DATA}
    # each: 02 + 00 + 82 (length 130) + 128 x 0xFF = 2 + 130 + 32640 = 32772 = 0x8004
    assert packets[0].encode() == hx(HEAD + " 02 0082 " + "FF" * 128 + " 8004")


def test_golden_transfer_failure_acks() -> None:
    # UpChar "error uploading the template": 07 + 00 + 03 + 0D = 0x17
    with pytest.raises(ProtocolError, match="templat") as up:
        zfm.expect_ok(zfm.decode_packet(hx(HEAD + " 07 0003 0D 0017")), "UpChar")
    assert up.value.code == 0x0D and up.value.retryable
    # DownChar / DownImage "cannot receive the following data packets": 07 + 00 + 03 + 0E = 0x18
    with pytest.raises(ProtocolError, match="tidak dapat menerima") as down:
        zfm.expect_ok(zfm.decode_packet(hx(HEAD + " 07 0003 0E 0018")), "DownChar")
    assert down.value.code == 0x0E


def test_decode_transfer_commands() -> None:
    assert zfm.decode_command(zfm.up_char(2)) == zfm.Command(Instruction.UP_CHAR, b"\x02", (2,))
    assert zfm.decode_command(zfm.down_char(1)) == zfm.Command(Instruction.DOWN_CHAR, b"\x01", (1,))
    assert zfm.decode_command(zfm.down_image()) == zfm.Command(Instruction.DOWN_IMAGE, b"", ())
    with pytest.raises(ValueError):
        zfm.up_char(3)
    with pytest.raises(ValueError):
        zfm.down_char(0)
