"""MOSIP SBI codec: golden JSON of the spec's messages, JWS, hash chain, error codes; ISO 19794 records; MJPEG.

Golden values are written from the MOSIP SBI 0.9.5 specification (field names and string forms) and the
ISO/IEC 19794-4/-5/-6:2011 layouts (worked out byte by byte in the comments), never from the code under test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from drivers.errors import CaptureFailed, DeviceBusy, DeviceConfigError, DeviceTimeout, DeviceUnavailable, ProtocolError
from drivers.interfaces import Eye, Finger, Slap
from drivers.protocols import iso19794, mjpeg
from drivers.protocols import sbi

UTC = dt.timezone.utc
WHEN = dt.datetime(2026, 11, 5, 3, 4, 5, 678000, tzinfo=UTC)


# ------------------------------------------------------------------------------------------ names and codes


def test_bio_subtype_strings_are_the_specs():
    assert sbi.FINGER_NAMES[Finger.R_INDEX] == "Right IndexFinger"
    assert sbi.FINGER_NAMES[Finger.L_LITTLE] == "Left LittleFinger"
    assert sbi.FINGER_NAMES[Finger.L_THUMB] == "Left Thumb"
    assert sorted(sbi.FINGER_NAMES.values()) == sorted([
        "Left IndexFinger", "Left MiddleFinger", "Left RingFinger", "Left LittleFinger", "Left Thumb",
        "Right IndexFinger", "Right MiddleFinger", "Right RingFinger", "Right LittleFinger", "Right Thumb"])
    assert sbi.EYE_NAMES == {Eye.LEFT: "Left", Eye.RIGHT: "Right"}
    # deviceSubId: 1 left slap, 2 right slap, 3 two thumbs
    assert sbi.SLAP_SUB_ID == {Slap.LEFT_FOUR: 1, Slap.RIGHT_FOUR: 2, Slap.TWO_THUMBS: 3}


@pytest.mark.parametrize("code,cls,retryable", [
    ("101", CaptureFailed, True), ("102", CaptureFailed, True), ("105", CaptureFailed, True),
    ("106", DeviceUnavailable, True), ("110", DeviceUnavailable, True), ("111", DeviceBusy, True),
    ("112", ProtocolError, True), ("100", DeviceConfigError, False), ("109", DeviceConfigError, False),
    ("103", None, False), ("701", DeviceTimeout, True), ("703", DeviceBusy, True), ("520", CaptureFailed, True),
    ("999", ProtocolError, True),
])
def test_error_codes_map_to_typed_errors_and_keep_the_code(code, cls, retryable):
    error = sbi.error_for(code, "detail from device", "Pemindai")
    if cls is not None:
        assert type(error) is cls
    assert error.retryable is retryable
    assert error.code == code
    assert "detail from device" in error.message and f"[kode {code}]" in error.message


def test_error_code_garbage_is_a_protocol_error():
    error = sbi.error_for("abc")
    assert isinstance(error, ProtocolError) and error.code == "abc"


# ------------------------------------------------------------------------------------------ base64url, JWS


def test_base64url_without_padding():
    assert sbi.b64url_encode(b'{"a":1}') == "eyJhIjoxfQ"  # RFC 7515 appendix C style: no '=' padding
    assert sbi.b64url_decode("eyJhIjoxfQ") == b'{"a":1}'
    assert sbi.b64url_encode(b"\xfb\xff") == "-_8"  # '-' and '_' instead of '+' and '/'
    with pytest.raises(ProtocolError):
        sbi.b64url_decode("a")  # a single base64 character cannot encode a byte
    with pytest.raises(ProtocolError):
        sbi.b64url_decode("ab$c")


def test_unsigned_payload_is_the_bare_base64url_json():
    token = sbi.unsigned({"serialNo": "X1"})
    assert token == "eyJzZXJpYWxObyI6IlgxIn0"  # base64url('{"serialNo":"X1"}')
    jws = sbi.parse_jws(token)
    assert not jws.signed and jws.json() == {"serialNo": "X1"}


def _key_and_cert(days: int = 30, start_days_ago: int = 1, issuer_key=None, issuer_name: str | None = None):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "device")])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]) if issuer_name else name
    now = dt.datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=start_days_ago))
            .not_valid_after(now - dt.timedelta(days=start_days_ago) + dt.timedelta(days=days))
            .sign(issuer_key or key, hashes.SHA256()))
    return key, cert


@pytest.fixture(scope="module")
def device_key():
    return _key_and_cert()


def test_jws_header_payload_and_signature(device_key):
    key, cert = device_key
    der = cert.public_bytes(Encoding.DER)
    token = sbi.sign_jws({"bioType": "Finger"}, key, der)
    head, body, sig = token.split(".")
    header = json.loads(sbi.b64url_decode(head))
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["x5c"][0] == __import__("base64").b64encode(der).decode()  # x5c is standard base64 DER
    assert body == sbi.b64url_encode(b'{"bioType":"Finger"}')
    jws = sbi.parse_jws(token)
    assert jws.signed and len(jws.signature) == 256  # RSA-2048 signature
    sbi.verify_jws(jws)  # valid
    sbi.verify_jws(jws, trusted=[der])  # the certificate itself is trusted


def test_tampered_payload_fails_verification(device_key):
    key, cert = device_key
    token = sbi.sign_jws({"qualityScore": "40"}, key, cert.public_bytes(Encoding.DER))
    head, _, sig = token.split(".")
    forged_body = sbi.b64url_encode(b'{"qualityScore":"99"}')
    forged = f"{head}.{forged_body}.{sig}"
    with pytest.raises(ProtocolError, match="tanda tangan tidak valid"):
        sbi.verify_jws(sbi.parse_jws(forged))


def test_untrusted_and_expired_certificates_are_refused(device_key):
    key, cert = device_key
    token = sbi.sign_jws({"a": 1}, key, cert.public_bytes(Encoding.DER))
    _, other = _key_and_cert()
    with pytest.raises(ProtocolError, match="tidak dipercaya"):
        sbi.verify_jws(sbi.parse_jws(token), trusted=[other.public_bytes(Encoding.DER)])
    old_key, old = _key_and_cert(days=30, start_days_ago=60)
    stale = sbi.sign_jws({"a": 1}, old_key, old.public_bytes(Encoding.DER))
    with pytest.raises(ProtocolError) as info:
        sbi.verify_jws(sbi.parse_jws(stale))
    assert info.value.code == "107"


def test_certificate_issued_by_a_trusted_provider_ca():
    ca_key, ca = _key_and_cert(days=365)
    ca_name = ca.subject.rfc4514_string().removeprefix("CN=")
    key, cert = _key_and_cert(issuer_key=ca_key, issuer_name=ca_name)
    token = sbi.sign_jws({"a": 1}, key, cert.public_bytes(Encoding.DER))
    sbi.verify_jws(sbi.parse_jws(token), trusted=[ca.public_bytes(Encoding.DER)])


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "!!!.e30.e30", "e30.e30"])
def test_malformed_jws(token):
    with pytest.raises(ProtocolError):
        jws = sbi.parse_jws(token)
        sbi.verify_jws(jws)


# ------------------------------------------------------------------------------------------------ hash chain


def test_hash_chain_from_the_spec_rule():
    empty = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"  # SHA-256("")
    assert sbi.EMPTY_HASH.hex().upper() == empty
    bio = b"ISO-RECORD"
    first = hashlib.sha256(bytes.fromhex(empty) + hashlib.sha256(bio).digest()).hexdigest().upper()
    assert sbi.chain_hash("", bio) == first
    assert sbi.chain_hash(empty, bio) == first  # previousHash = hash of the empty string: same start
    second = hashlib.sha256(bytes.fromhex(first) + hashlib.sha256(b"NEXT").digest()).hexdigest().upper()
    assert sbi.chain_hash(first, b"NEXT") == second
    with pytest.raises(ProtocolError):
        sbi.chain_hash("not-hex", bio)


# ------------------------------------------------------------------------------------------ requests, rules


def test_rcapture_request_json_has_the_specs_fields_and_string_forms():
    req = sbi.CaptureRequest(
        transaction_id="TX-0001", timeout_ms=10000, capture_time="2026-11-05T03:04:05.678Z",
        bio=(sbi.BioRequest("Finger", 1, "1", 2, ("Right IndexFinger",),
                            ("Right MiddleFinger", "Right RingFinger", "Right LittleFinger"), 40, ""),))
    assert req.to_json() == {
        "env": "Staging", "purpose": "Registration", "specVersion": "0.9.5", "timeout": "10000",
        "captureTime": "2026-11-05T03:04:05.678Z", "domainUri": "", "transactionId": "TX-0001",
        "bio": [{"type": "Finger", "count": "1", "bioSubType": ["Right IndexFinger"],
                 "exception": ["Right MiddleFinger", "Right RingFinger", "Right LittleFinger"],
                 "requestedScore": "40", "deviceId": "1", "deviceSubId": "2", "previousHash": ""}],
        "customOpts": None,
    }
    parsed = sbi.parse_capture_request(json.dumps(req.to_json()))
    assert parsed.bio[0].count == 1 and parsed.bio[0].device_sub_id == 2 and parsed.transaction_id == "TX-0001"


@pytest.mark.parametrize("tx,ok", [("abcd", True), ("a" * 50, True), ("abc", False), ("a" * 51, False),
                                   ("tx_1", False), ("550e8400-e29b-41d4-a716-446655440000", True)])
def test_transaction_id_rule(tx, ok):
    assert sbi.valid_transaction_id(tx) is ok


def test_invalid_transaction_id_is_code_112():
    with pytest.raises(ProtocolError) as info:
        sbi.parse_capture_request({"transactionId": "x", "bio": [{"deviceId": "1", "count": "1"}]})
    assert info.value.code == "112"


@pytest.mark.parametrize("bio_type,sub_type,sub_id,count,exc,ok", [
    ("Finger", "Slap", 2, 4, 0, True), ("Finger", "Slap", 1, 1, 3, True), ("Finger", "Slap", 3, 2, 0, True),
    ("Finger", "Slap", 3, 1, 1, True), ("Finger", "Slap", 2, 3, 0, False), ("Finger", "Slap", 0, 4, 0, False),
    ("Iris", "Double", 3, 2, 0, True), ("Iris", "Double", 3, 1, 1, True), ("Iris", "Double", 1, 1, 0, True),
    ("Iris", "Single", 0, 1, 1, False), ("Face", "Full face", 0, 1, 0, True), ("Face", "Full face", 0, 2, 0, False),
])
def test_count_and_exception_rule(bio_type, sub_type, sub_id, count, exc, ok):
    assert (sbi.count_rule(bio_type, sub_type, sub_id, count, exc) is None) is ok


# ------------------------------------------------------------------------------------ discovery and replies

GOLDEN_DISCOVERY = [{
    "deviceId": "1", "deviceStatus": "Ready", "certification": "L0", "serviceVersion": "1.0.0",
    "deviceSubId": ["1", "2", "3"], "callbackId": "http://127.0.0.1:4501/",
    # base64url of {"serialNo":"SN1","make":"M","model":"X","type":"Finger","deviceSubType":"Slap",
    #               "deviceProvider":"P","deviceProviderId":"P1","dateTime":"2026-11-05T03:04:05.678Z"}
    "digitalId": sbi.b64url_encode(b'{"serialNo":"SN1","make":"M","model":"X","type":"Finger",'
                                   b'"deviceSubType":"Slap","deviceProvider":"P","deviceProviderId":"P1",'
                                   b'"dateTime":"2026-11-05T03:04:05.678Z"}'),
    "deviceCode": "SN1", "specVersion": ["0.9.5"], "purpose": "Registration",
    "error": {"errorCode": "0", "errorInfo": "Success"},
}]


def test_parse_discovery_golden():
    (dev,) = sbi.parse_discovery(json.dumps(GOLDEN_DISCOVERY).encode())
    assert dev.device_id == "1" and dev.status == "Ready" and dev.sub_ids == (1, 2, 3)
    assert dev.digital_id.type == "Finger" and dev.digital_id.sub_type == "Slap" and dev.digital_id.serial == "SN1"
    assert dev.spec_versions == ("0.9.5",) and dev.error_code == 0


@pytest.mark.parametrize("body", [b"not json", b'{"a": 1}', b"[1]", json.dumps([{"deviceId": "1"}]).encode(),
                                  b"\xff\xfe"])
def test_parse_discovery_rejects_garbage(body):
    with pytest.raises(ProtocolError):
        sbi.parse_discovery(body)


def _reply(device_key, records, tx="TX-0001", prev="", stamp=None, quality="81.5"):
    key, cert = device_key
    der = cert.public_bytes(Encoding.DER)
    items, chain = [], prev
    for name, value in records:
        payload = sbi.biometric_payload(
            digital_id="x", device_code="SN1", service_version="1.0", bio_type="Finger", bio_sub_type=name,
            purpose="Registration", env="Staging", bio_value=value, transaction_id=tx,
            timestamp=sbi.iso_time(stamp or dt.datetime.now(UTC)), requested_score=40, quality=float(quality))
        chain = sbi.chain_hash(chain, value)
        items.append({"specVersion": "0.9.5", "data": sbi.sign_jws(payload, key, der), "hash": chain,
                      "error": {"errorCode": "0", "errorInfo": "Success"}})
    return {"biometrics": items}


def test_capture_reply_round_trip_and_chain(device_key):
    body = _reply(device_key, [("Right IndexFinger", b"A"), ("Right MiddleFinger", b"B")])
    caps, errors, last = sbi.parse_capture_response(json.dumps(body), transaction_id="TX-0001", previous_hash="")
    assert [c.bio_sub_type for c in caps] == ["Right IndexFinger", "Right MiddleFinger"]
    assert [c.bio_value for c in caps] == [b"A", b"B"] and caps[0].quality == 81.5 and caps[0].signed
    assert errors == [] and last == sbi.chain_hash(sbi.chain_hash("", b"A"), b"B")
    assert caps[0].payload["qualityScore"] == "81.5"  # scores travel as strings


def test_capture_reply_checks(device_key):
    body = _reply(device_key, [("Right IndexFinger", b"A")])
    with pytest.raises(ProtocolError, match="transactionId"):
        sbi.parse_capture_response(json.dumps(body), transaction_id="OTHER", previous_hash="")
    with pytest.raises(ProtocolError, match="hash"):
        sbi.parse_capture_response(json.dumps(body), transaction_id="TX-0001", previous_hash=sbi.EMPTY_HASH.hex()[:-2] + "00")
    late = _reply(device_key, [("Right IndexFinger", b"A")], stamp=dt.datetime.now(UTC) - dt.timedelta(minutes=9))
    with pytest.raises(ProtocolError, match="jam perangkat"):
        sbi.parse_capture_response(json.dumps(late), transaction_id="TX-0001", previous_hash="")
    bad_q = _reply(device_key, [("Right IndexFinger", b"A")], quality="140")
    with pytest.raises(ProtocolError, match="qualityScore"):
        sbi.parse_capture_response(json.dumps(bad_q), transaction_id="TX-0001", previous_hash="")


def test_unsigned_data_needs_consent():
    payload = sbi.biometric_payload(digital_id="x", device_code="S", service_version="1", bio_type="Iris",
                                    bio_sub_type="Left", purpose="Registration", env="Staging", bio_value=b"I",
                                    transaction_id="TX-0001", timestamp=sbi.iso_time(dt.datetime.now(UTC)),
                                    requested_score=60, quality=70)
    body = {"biometrics": [{"data": sbi.unsigned(payload), "hash": sbi.chain_hash("", b"I"),
                            "error": {"errorCode": "0"}}]}
    with pytest.raises(ProtocolError, match="tidak ditandatangani"):
        sbi.parse_capture_response(body, transaction_id="TX-0001", previous_hash="")
    caps, _, _ = sbi.parse_capture_response(body, transaction_id="TX-0001", previous_hash="", require_signature=False)
    assert not caps[0].signed


def test_error_elements_are_returned_apart(device_key):
    body = _reply(device_key, [("Right IndexFinger", b"A")])
    body["biometrics"].append({"specVersion": "0.9.5", "data": "", "hash": "",
                               "error": {"errorCode": "101", "errorInfo": "No Biometric Object Detected"}})
    caps, errors, _ = sbi.parse_capture_response(body, transaction_id="TX-0001", previous_hash="")
    assert len(caps) == 1 and errors == [sbi.CaptureError(101, "No Biometric Object Detected")]


# ------------------------------------------------------------------------------------------- ISO records

CAPTURE = iso19794.CaptureInfo(dt.datetime(2026, 11, 5, 3, 4, 5, 678000), 1, 0x1234, 0x0001,
                               (iso19794.Quality(80, 0x0001, 0x0002),))


def test_finger_record_golden_bytes():
    record = iso19794.FingerRecord(position=2, width=300, height=400, image=b"\xff\x4f\xff\x51", capture=CAPTURE)
    data = iso19794.encode_finger(record)
    rep_len = 41 + 5 + 4  # representation header with one quality block + 4 image bytes
    expected = bytes.fromhex(
        "46495200" "30323000" f"{16 + rep_len:08X}" "0001" "00" "01"  # FIR, 020, length, 1 repr, no cert, 1 pos
        f"{rep_len:08X}" "07EA" "0B" "05" "03" "04" "05" "02A6"  # 2026-11-05 03:04:05.678
        "01" "1234" "0001" "01" "50" "0001" "0002"  # technology, vendor, type, 1 quality block (80)
        "02" "01" "01" "01F4" "01F4" "01F4" "01F4" "08" "05" "00"  # R_INDEX, repr 1, ppi, 500 x4, 8 bit, J2K lossless, plain
        "012C" "0190" "00000004" "FF4FFF51")  # 300 x 400, 4 image bytes
    assert data == expected
    (back,) = iso19794.decode_finger(data)
    assert back.position == 2 and (back.width, back.height) == (300, 400) and back.image == b"\xff\x4f\xff\x51"
    assert back.capture.qualities[0].score == 80 and back.capture.when.year == 2026 and back.ppi == 500


def test_iris_record_golden_layout():
    record = iso19794.IrisRecord(eye=iso19794.EYE_LEFT, width=640, height=480, image=b"J2K!", capture=CAPTURE,
                                 iris_centre=(320, 320, 240, 240), iris_diameter=(230, 230))
    data = iso19794.encode_iris(record)
    assert data[:8] == b"IIR\x00" + b"020\x00" and int.from_bytes(data[8:12], "big") == len(data) == 16 + 51 + 5 + 4
    rep = data[16:]
    tail = rep[19 + 5:]  # after length, date-time, device ids, quality count and one block
    assert tail[:5] == bytes([1, 2, 2, 0x0E, 0])  # repr 1, left eye (2), VGA (2), mono JPEG 2000 (0x0E), props
    assert tail[5:9] == bytes.fromhex("02800" "1E0")  # 640 x 480
    (back,) = iso19794.decode_iris(data)
    assert back.eye == iso19794.EYE_LEFT and back.iris_diameter == (230, 230) and back.image == b"J2K!"


def test_face_record_golden_layout():
    record = iso19794.FaceRecord(width=600, height=800, image=b"\x00\x00\x00\x0cjP  ", capture=CAPTURE)
    data = iso19794.encode_face(record)
    assert data[:8] == b"FAC\x00030\x00" and int.from_bytes(data[8:12], "big") == len(data)
    assert data[12:17] == bytes.fromhex("0001" "00" "0000")  # 1 representation, no cert, no temporal semantics
    (back,) = iso19794.decode_face(data)
    assert (back.width, back.height) == (600, 800) and back.image.startswith(b"\x00\x00\x00\x0cjP")
    assert back.face_type == iso19794.FACE_FULL_FRONTAL and back.data_type == iso19794.FACE_DATA_JPEG2000_LOSSLESS


@pytest.mark.parametrize("mutate", [
    lambda b: b[:20],  # cut short
    lambda b: b"FIX\x00" + b[4:],  # wrong identifier
    lambda b: b[:4] + b"010\x00" + b[8:],  # first-generation version
    lambda b: b[:8] + (len(b) + 1).to_bytes(4, "big") + b[12:],  # length field lies
    lambda b: b[:14] + b"\x01" + b[15:],  # certification blocks
    lambda b: b + b"\x00",  # trailing byte (length then also lies)
])
def test_finger_record_damage_is_a_protocol_error(mutate):
    data = iso19794.encode_finger(iso19794.FingerRecord(2, 10, 10, b"abcd", CAPTURE))
    with pytest.raises(ProtocolError):
        iso19794.decode_finger(mutate(data))


# ----------------------------------------------------------------------------------------------------- MJPEG


def test_mjpeg_parts_split_across_chunks():
    stream = mjpeg.encode_part("--BoundaryString", b"\xff\xd8one\xff\xd9") + mjpeg.encode_part(
        "--BoundaryString", b"\xff\xd8two\xff\xd9")
    assert stream.startswith(b"----BoundaryString\r\nContent-Type: image/jpeg\r\nContent-Length: 7\r\n\r\n")
    reader = mjpeg.MjpegReader(mjpeg.boundary_from_content_type(mjpeg.content_type("--BoundaryString")))
    parts = []
    for i in range(0, len(stream), 5):
        parts += reader.feed(stream[i:i + 5])
    assert parts == [b"\xff\xd8one\xff\xd9", b"\xff\xd8two\xff\xd9"]


def test_mjpeg_without_content_length_and_bad_headers():
    reader = mjpeg.MjpegReader("frame")
    body = b"--frame\r\nContent-Type: image/jpeg\r\n\r\nAAA\r\n--frame\r\nContent-Type: image/jpeg\r\n\r\nBB\r\n--frame"
    assert reader.feed(body) == [b"AAA", b"BB"]
    with pytest.raises(ProtocolError):
        mjpeg.boundary_from_content_type("application/json")
    with pytest.raises(ProtocolError):
        mjpeg.MjpegReader("x").feed(b"--x\r\nContent-Length: zz\r\n\r\n")
