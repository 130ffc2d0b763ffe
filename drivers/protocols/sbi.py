"""MOSIP Secure Biometric Interface (SBI 0.9.5, "MDS"): the JSON bodies, JWS signatures and hash chain.

Pure: no sockets, no clock unless one is passed in. The client driver (``drivers.sbi``) and the simulator
(``simulators.sbi``) share this module, so both sides speak the same fields. Facts follow the MOSIP SBI
specification (mosip/documentation ``docs/biometrics/mds-specification.md``, 0.9.5) and the reference notes
(shared/reference/sbi.md); section numbers below are those of the notes.

Transport (section 1): HTTP on 127.0.0.1, ports 4501..4600, custom verbs ``MOSIPDISC /device``,
``MOSIPDINFO /info``, ``RCAPTURE /capture``, ``STREAM /stream`` (and ``CAPTURE`` for authentication).

Signatures (section 9): JWS compact serialisation (RFC 7515) ``b64url(header).b64url(payload).b64url(sig)``
with header ``{"alg": "RS256", "typ": "JWT", "x5c": [base64 DER certificate]}``. An unregistered device sends
the payload alone (no dots). ``verify_jws`` checks the signature with the certificate in ``x5c`` and, when the
caller gives trusted certificates, that ``x5c`` is one of them or was issued by one of them.

Hash chain (section 4): ``hash = HEX_UPPER(SHA256(prev || SHA256(bioValue bytes)))`` where ``prev`` is
SHA-256 of the empty string for the first capture, else the bytes of the previous ``hash``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from drivers.errors import (
    CaptureFailed,
    DeviceBusy,
    DeviceConfigError,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from drivers.interfaces import SLAP_FINGERS, Eye, Finger, Slap

SPEC_VERSION = "0.9.5"
PORT_RANGE = range(4501, 4601)
HOST = "127.0.0.1"

VERB_DISCOVER = "MOSIPDISC"
VERB_INFO = "MOSIPDINFO"
VERB_RCAPTURE = "RCAPTURE"
VERB_CAPTURE = "CAPTURE"
VERB_STREAM = "STREAM"
PATHS = {VERB_DISCOVER: "/device", VERB_INFO: "/info", VERB_RCAPTURE: "/capture", VERB_CAPTURE: "/capture",
         VERB_STREAM: "/stream"}  # fmt: skip

TYPE_ANY = "Biometric Device"
TYPE_FINGER, TYPE_IRIS, TYPE_FACE = "Finger", "Iris", "Face"
TYPES = (TYPE_FINGER, TYPE_IRIS, TYPE_FACE)
SUBTYPES = {TYPE_FINGER: ("Slap", "Single", "Touchless"), TYPE_IRIS: ("Single", "Double"), TYPE_FACE: ("Full face",)}
STATUS_READY, STATUS_BUSY, STATUS_NOT_READY, STATUS_NOT_REGISTERED = "Ready", "Busy", "Not Ready", "Not Registered"
PURPOSE_REGISTRATION, PURPOSE_AUTH = "Registration", "Auth"
ENVIRONMENTS = ("Staging", "Developer", "Pre-Production", "Production", "None")

#: Section 3: the exact bioSubType strings.
FINGER_NAMES: dict[Finger, str] = {
    Finger.L_INDEX: "Left IndexFinger", Finger.L_MIDDLE: "Left MiddleFinger", Finger.L_RING: "Left RingFinger",
    Finger.L_LITTLE: "Left LittleFinger", Finger.L_THUMB: "Left Thumb",
    Finger.R_INDEX: "Right IndexFinger", Finger.R_MIDDLE: "Right MiddleFinger", Finger.R_RING: "Right RingFinger",
    Finger.R_LITTLE: "Right LittleFinger", Finger.R_THUMB: "Right Thumb",
}  # fmt: skip
FINGER_BY_NAME = {name: finger for finger, name in FINGER_NAMES.items()}
EYE_NAMES: dict[Eye, str] = {Eye.LEFT: "Left", Eye.RIGHT: "Right"}
EYE_BY_NAME = {name: eye for eye, name in EYE_NAMES.items()}
UNKNOWN = "UNKNOWN"

#: Section 2: deviceSubId of the slap scanner's three positions, and of the dual-iris camera.
SLAP_SUB_ID = {Slap.LEFT_FOUR: 1, Slap.RIGHT_FOUR: 2, Slap.TWO_THUMBS: 3}
SLAP_BY_SUB_ID = {v: k for k, v in SLAP_SUB_ID.items()}
IRIS_SUB_ID = {frozenset({Eye.LEFT}): 1, frozenset({Eye.RIGHT}): 2, frozenset({Eye.LEFT, Eye.RIGHT}): 3}

_TRANSACTION_ID = re.compile(r"^[A-Za-z0-9-]{4,50}$")
EMPTY_HASH = hashlib.sha256(b"").digest()


def slap_of(finger: Finger) -> Slap:
    for slap, fingers in SLAP_FINGERS.items():
        if finger in fingers:
            return slap
    raise ValueError(finger)  # pragma: no cover - every finger is in a slap


# --------------------------------------------------------------------------------------------- error codes

#: Section 8: code -> (meaning, Indonesian operator message, error class). The 1xx are the specification's;
#: the 5xx..7xx are the MOSIP mock's, which real vendors reuse. Unknown 5xx codes are vendor errors.
ERRORS: dict[int, tuple[str, str, type[DeviceError]]] = {
    100: ("device not registered", "Perangkat belum terdaftar di MOSIP", DeviceConfigError),
    101: ("no biometric object detected", "Tidak ada objek biometrik terdeteksi", CaptureFailed),
    102: ("technical error during extraction", "Gangguan teknis saat ekstraksi", CaptureFailed),
    103: ("tamper detected", "Perangkat terdeteksi dibongkar (tamper)", DeviceError),
    104: ("management server not reachable", "Server manajemen perangkat tidak terjangkau", DeviceUnavailable),
    105: ("image orientation error", "Orientasi gambar salah", CaptureFailed),
    106: ("device not found", "Perangkat tidak ditemukan oleh layanan SBI", DeviceUnavailable),
    107: ("device public key expired", "Kunci publik perangkat kedaluwarsa", DeviceConfigError),
    108: ("domain public key missing", "Kunci publik domain tidak ada", DeviceConfigError),
    109: ("requested number of biometrics not supported", "Jumlah biometrik yang diminta tidak didukung",
          DeviceConfigError),
    110: ("device not ready", "Perangkat belum siap", DeviceUnavailable),
    111: ("device busy", "Perangkat sedang sibuk", DeviceBusy),
    112: ("invalid transaction id", "ID transaksi tidak valid", ProtocolError),
    113: ("count mismatch", "Jumlah biometrik tidak cocok", DeviceConfigError),
    114: ("type mismatch", "Jenis biometrik tidak cocok", DeviceConfigError),
    115: ("environment mismatch", "Lingkungan (env) tidak cocok", DeviceConfigError),
    116: ("exception mismatch", "Daftar pengecualian tidak cocok", DeviceConfigError),
    117: ("bio sub type mismatch", "bioSubType tidak cocok", DeviceConfigError),
    118: ("purpose mismatch", "Tujuan (purpose) tidak cocok", DeviceConfigError),
    119: ("spec version mismatch", "Versi spesifikasi tidak cocok", DeviceConfigError),
    500: ("invalid URL", "URL layanan SBI tidak valid", DeviceConfigError),
    501: ("invalid discovery type", "Jenis discovery tidak valid", DeviceConfigError),
    551: ("profile not set", "Profil perangkat belum diatur", DeviceConfigError),
    601: ("stream: device is an auth device", "Perangkat autentikasi tidak mendukung stream", DeviceConfigError),
    604: ("stream: device not ready", "Stream: perangkat belum siap", DeviceUnavailable),
    605: ("stream: device busy", "Stream: perangkat sibuk", DeviceBusy),
    606: ("stream: image missing", "Stream: gambar tidak tersedia", CaptureFailed),
    607: ("stream timeout", "Stream: waktu habis", DeviceTimeout),
    700: ("capture failed, streaming stopped", "Pengambilan gagal: stream berhenti", CaptureFailed),
    701: ("capture timeout", "Waktu pengambilan habis", DeviceTimeout),
    702: ("device id / sub id differ from stream", "deviceId/deviceSubId berbeda dengan stream", DeviceConfigError),
    703: ("capture already in progress", "Pengambilan lain sedang berjalan", DeviceBusy),
    704: ("deviceId missing", "deviceId tidak ada", DeviceConfigError),
    705: ("device not connected", "Perangkat tidak terhubung", DeviceUnavailable),
    706: ("wrong purpose", "Tujuan perangkat salah", DeviceConfigError),
    707: ("bio missing", "Data bio permintaan tidak ada", DeviceConfigError),
    999: ("unknown error", "Kesalahan tidak dikenal pada perangkat", ProtocolError),
}


def error_for(code: int | str, info: str = "", context: str = "SBI") -> DeviceError:
    """The typed error for an SBI ``errorCode`` (the code is kept in ``.code`` as the device sent it)."""
    try:
        number = int(str(code).strip())
    except ValueError:
        return ProtocolError(f"{context}: kode galat tidak valid {code!r}", code=str(code))
    known = ERRORS.get(number)
    detail = f" ({info})" if info else ""
    if known is not None:
        _, message, cls = known
    elif 500 <= number <= 599:
        message, cls = "Galat vendor perangkat", CaptureFailed
    elif 600 <= number <= 899:
        message, cls = "Galat layanan SBI", ProtocolError
    else:
        message, cls = "Kode galat SBI tidak dikenal", ProtocolError
    return cls(f"{context}: {message}{detail} [kode {number}]", code=str(number))


# ------------------------------------------------------------------------------------------------ base64url


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, what: str = "base64url") -> bytes:
    if not isinstance(text, str):
        raise ProtocolError(f"{what} bukan teks")
    cleaned = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-+/]*=*", cleaned):
        raise ProtocolError(f"{what} berisi karakter yang tidak sah")
    try:
        return base64.urlsafe_b64decode(cleaned.replace("+", "-").replace("/", "_").rstrip("=") + "=" * (-len(cleaned.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError(f"{what} tidak dapat didekode ({exc})") from None


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------------------------------------- JWS


@dataclass(frozen=True)
class Jws:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes
    signed: bool

    def json(self, what: str = "payload") -> dict[str, Any]:
        try:
            value = json.loads(self.payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProtocolError(f"{what} JWS bukan JSON ({exc})") from None
        if not isinstance(value, dict):
            raise ProtocolError(f"{what} JWS bukan objek JSON")
        return value

    def certificate_der(self) -> bytes:
        chain = self.header.get("x5c")
        if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
            raise ProtocolError("Header JWS tanpa sertifikat x5c")
        try:
            return base64.b64decode(chain[0], validate=True)  # x5c is standard base64 (RFC 7515 4.1.6)
        except (binascii.Error, ValueError):
            raise ProtocolError("Sertifikat x5c bukan base64") from None


def sign_jws(payload: dict[str, Any] | bytes, private_key: Any, certificate_der: bytes) -> str:
    """RS256 compact JWS with the certificate in ``x5c`` (``private_key``: a cryptography RSA private key)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    header = {"x5c": [base64.b64encode(certificate_der).decode("ascii")], "alg": "RS256", "typ": "JWT"}
    body = payload if isinstance(payload, bytes) else canonical_json(payload)
    signing_input = (b64url_encode(canonical_json(header)) + "." + b64url_encode(body)).encode("ascii")
    signature = private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode("ascii") + "." + b64url_encode(signature)


def unsigned(payload: dict[str, Any]) -> str:
    """The form an unregistered device sends: the base64url payload alone."""
    return b64url_encode(canonical_json(payload))


def parse_jws(token: Any, what: str = "JWS") -> Jws:
    """Split a compact JWS (or a bare base64url payload, ``signed=False``)."""
    if not isinstance(token, str) or not token:
        raise ProtocolError(f"{what} kosong atau bukan teks")
    parts = token.split(".")
    if len(parts) == 1:
        return Jws({}, b64url_decode(parts[0], what), b"", b"", False)
    if len(parts) != 3:
        raise ProtocolError(f"{what} harus terdiri dari 3 bagian, bukan {len(parts)}")
    try:
        header = json.loads(b64url_decode(parts[0], f"{what} header"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProtocolError(f"Header {what} bukan JSON") from None
    if not isinstance(header, dict):
        raise ProtocolError(f"Header {what} bukan objek JSON")
    payload = b64url_decode(parts[1], f"{what} payload")
    signature = b64url_decode(parts[2], f"{what} signature")
    return Jws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature, True)


def verify_jws(jws: Jws, trusted: Iterable[bytes] = (), now: _dt.datetime | None = None, what: str = "JWS") -> None:
    """Check the RS256 signature with the ``x5c`` certificate, its validity at ``now``, and, when ``trusted``
    DER certificates are given, that it is one of them or issued (signed) by one of them.

    Raises ``ProtocolError`` (the payload cannot be trusted: tampered, corrupted or from an unknown device).
    """
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    if not jws.signed:
        raise ProtocolError(f"{what} tidak ditandatangani")
    if jws.header.get("alg") != "RS256":
        raise ProtocolError(f"{what}: algoritme tanda tangan tidak didukung: {jws.header.get('alg')!r}")
    der = jws.certificate_der()
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise ProtocolError(f"{what}: sertifikat x5c tidak valid") from None
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
        raise ProtocolError(f"{what}: kunci sertifikat harus RSA >= 2048 bit")
    try:
        key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise ProtocolError(f"{what}: tanda tangan tidak valid (data rusak atau diubah)", code="signature") from None
    moment = now or _dt.datetime.now(_dt.timezone.utc)
    if not (cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc):
        raise ProtocolError(f"{what}: sertifikat perangkat di luar masa berlaku", code="107")
    trusted = list(trusted)
    if trusted:
        for anchor_der in trusted:
            if anchor_der == der:
                return
            anchor = x509.load_der_x509_certificate(anchor_der)
            if anchor.subject != cert.issuer:
                continue
            try:
                cert.verify_directly_issued_by(anchor)
                return
            except (ValueError, TypeError, InvalidSignature):
                continue
        raise ProtocolError(f"{what}: sertifikat perangkat tidak dipercaya (tidak cocok dengan trust)", code="trust")


# --------------------------------------------------------------------------------------------- hash chain


def chain_hash(previous_hash: str, bio_value: bytes) -> str:
    """Section 4: the ``hash`` of one biometric given the previous one (``""`` for the first)."""
    if previous_hash:
        try:
            prev = bytes.fromhex(previous_hash)
        except ValueError:
            raise ProtocolError(f"previousHash bukan heksadesimal: {previous_hash[:20]!r}") from None
    else:
        prev = EMPTY_HASH
    return hashlib.sha256(prev + hashlib.sha256(bio_value).digest()).hexdigest().upper()


# ------------------------------------------------------------------------------------- discovery and info


@dataclass(frozen=True)
class DigitalId:
    serial: str
    make: str
    model: str
    type: str
    sub_type: str
    provider: str
    provider_id: str
    date_time: str

    def to_json(self) -> dict[str, str]:
        return {"serialNo": self.serial, "make": self.make, "model": self.model, "type": self.type,
                "deviceSubType": self.sub_type, "deviceProvider": self.provider,
                "deviceProviderId": self.provider_id, "dateTime": self.date_time}  # fmt: skip

    @classmethod
    def from_json(cls, value: Any) -> "DigitalId":
        if not isinstance(value, dict):
            raise ProtocolError("digitalId bukan objek JSON")
        try:
            return cls(*(str(value[k]) for k in ("serialNo", "make", "model", "type", "deviceSubType",
                                                 "deviceProvider", "deviceProviderId", "dateTime")))
        except KeyError as exc:
            raise ProtocolError(f"digitalId tanpa field {exc.args[0]}") from None


@dataclass(frozen=True)
class Discovered:
    """One element of a MOSIPDISC reply."""

    device_id: str
    status: str
    certification: str
    service_version: str
    sub_ids: tuple[int, ...]
    callback_id: str
    digital_id: DigitalId
    device_code: str
    spec_versions: tuple[str, ...]
    purpose: str
    error_code: int
    error_info: str


def discovery_request(kind: str = TYPE_ANY) -> dict[str, str]:
    return {"type": kind}


def _json(body: bytes | str | Any, what: str) -> Any:
    if isinstance(body, (bytes, bytearray)):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(f"Jawaban {what} bukan UTF-8") from None
    if isinstance(body, str):
        try:
            return json.loads(body)
        except json.JSONDecodeError as exc:
            raise ProtocolError(f"Jawaban {what} bukan JSON ({exc.msg} pada posisi {exc.pos})") from None
    return body


def _error_of(item: dict[str, Any], what: str) -> tuple[int, str]:
    err = item.get("error") or {}
    if not isinstance(err, dict):
        raise ProtocolError(f"{what}: field error bukan objek")
    code = err.get("errorCode", "0")
    try:
        number = int(str(code).strip() or "0")
    except ValueError:
        raise ProtocolError(f"{what}: errorCode tidak valid {code!r}") from None
    return number, str(err.get("errorInfo", ""))


def parse_discovery(body: bytes | str | Any) -> list[Discovered]:
    data = _json(body, VERB_DISCOVER)
    if isinstance(data, dict) and "error" in data and len(data) == 1:
        code, info = _error_of(data, VERB_DISCOVER)
        raise error_for(code, info, VERB_DISCOVER)
    if not isinstance(data, list):
        raise ProtocolError("Jawaban MOSIPDISC harus berupa larik JSON")
    out = []
    for index, item in enumerate(data):
        what = f"MOSIPDISC[{index}]"
        if not isinstance(item, dict):
            raise ProtocolError(f"{what} bukan objek")
        code, info = _error_of(item, what)
        try:
            digital = DigitalId.from_json(parse_jws(item["digitalId"], "digitalId").json("digitalId"))
            sub_ids = tuple(int(s) for s in item.get("deviceSubId", []))
            spec = item.get("specVersion", [])
            out.append(Discovered(
                device_id=str(item["deviceId"]), status=str(item["deviceStatus"]),
                certification=str(item.get("certification", "")), service_version=str(item.get("serviceVersion", "")),
                sub_ids=sub_ids, callback_id=str(item.get("callbackId", "")), digital_id=digital,
                device_code=str(item.get("deviceCode", digital.serial)),
                spec_versions=tuple(str(s) for s in (spec if isinstance(spec, list) else [spec])),
                purpose=str(item.get("purpose", "")), error_code=code, error_info=info))  # fmt: skip
        except KeyError as exc:
            raise ProtocolError(f"{what} tanpa field {exc.args[0]}") from None
        except (TypeError, ValueError):
            raise ProtocolError(f"{what}: deviceSubId harus bilangan") from None
    return out


@dataclass(frozen=True)
class DeviceInfoRecord:
    payload: dict[str, Any]
    digital_id: DigitalId
    signed: bool
    jws: Jws | None
    error_code: int
    error_info: str


def parse_device_info(body: bytes | str | Any, trusted: Iterable[bytes] = (), verify: bool = True,
                      now: _dt.datetime | None = None) -> list[DeviceInfoRecord]:
    """A MOSIPDINFO reply; signed ``deviceInfo`` (and its signed ``digitalId``) are verified when ``verify``."""
    data = _json(body, VERB_INFO)
    if not isinstance(data, list):
        raise ProtocolError("Jawaban MOSIPDINFO harus berupa larik JSON")
    trusted = list(trusted)
    out = []
    for index, item in enumerate(data):
        what = f"MOSIPDINFO[{index}]"
        if not isinstance(item, dict) or "deviceInfo" not in item:
            raise ProtocolError(f"{what} tanpa deviceInfo")
        code, info = _error_of(item, what)
        jws = parse_jws(item["deviceInfo"], "deviceInfo")
        if jws.signed and verify:
            verify_jws(jws, trusted, now, "deviceInfo")
        payload = jws.json("deviceInfo")
        digital_jws = parse_jws(payload.get("digitalId"), "digitalId")
        if digital_jws.signed and verify:
            verify_jws(digital_jws, trusted, now, "digitalId")
        out.append(DeviceInfoRecord(payload, DigitalId.from_json(digital_jws.json("digitalId")), jws.signed,
                                    jws if jws.signed else None, code, info))
    return out


# ------------------------------------------------------------------------------------------------ RCAPTURE


def valid_transaction_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_TRANSACTION_ID.match(value))


def iso_time(moment: _dt.datetime) -> str:
    """ISO 8601 UTC with milliseconds, as the MOSIP components write it (``2026-11-05T03:04:05.678Z``)."""
    moment = moment.astimezone(_dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(value: Any, what: str = "timestamp") -> _dt.datetime:
    if not isinstance(value, str):
        raise ProtocolError(f"{what} bukan teks")
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise ProtocolError(f"{what} bukan waktu ISO 8601: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment


@dataclass(frozen=True)
class BioRequest:
    """One ``bio`` element of an RCAPTURE request."""

    type: str
    count: int
    device_id: str
    device_sub_id: int
    bio_sub_type: tuple[str, ...] = ()
    exception: tuple[str, ...] = ()
    requested_score: int = 40
    previous_hash: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "count": str(self.count), "bioSubType": list(self.bio_sub_type),
                "exception": list(self.exception), "requestedScore": str(self.requested_score),
                "deviceId": self.device_id, "deviceSubId": str(self.device_sub_id),
                "previousHash": self.previous_hash}  # fmt: skip


@dataclass(frozen=True)
class CaptureRequest:
    transaction_id: str
    bio: tuple[BioRequest, ...]
    timeout_ms: int
    capture_time: str
    env: str = "Staging"
    purpose: str = PURPOSE_REGISTRATION
    spec_version: str = SPEC_VERSION
    custom_opts: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"env": self.env, "purpose": self.purpose, "specVersion": self.spec_version,
                "timeout": str(self.timeout_ms), "captureTime": self.capture_time, "domainUri": "",
                "transactionId": self.transaction_id, "bio": [b.to_json() for b in self.bio],
                "customOpts": dict(self.custom_opts) or None}  # fmt: skip


def count_rule(bio_type: str, sub_type: str, sub_id: int, count: int, exceptions: int) -> str | None:
    """Section 4 count + exception rule; the reason it is broken, or ``None``."""
    if count < 1:
        return "count minimal 1"
    if bio_type == TYPE_FACE:
        return None if count == 1 else "wajah: count harus 1"
    if bio_type == TYPE_FINGER and sub_type == "Slap":
        want = {1: 4, 2: 4, 3: 2}.get(sub_id)
        if want is None:
            return f"deviceSubId {sub_id} tidak sah untuk slap"
        return None if count + exceptions == want else f"count + exception harus {want} untuk deviceSubId {sub_id}"
    if bio_type == TYPE_IRIS and sub_type == "Double":
        want = 2 if sub_id == 3 else 1
        return None if count + exceptions == want else f"count + exception harus {want} untuk deviceSubId {sub_id}"
    return None if count == 1 and exceptions == 0 else "perangkat tunggal: count 1 tanpa pengecualian"


def parse_capture_request(body: bytes | str | Any) -> CaptureRequest:
    """The device side: validate an RCAPTURE body. Raises ``DeviceError`` with the SBI code to answer."""
    data = _json(body, VERB_RCAPTURE)
    if not isinstance(data, dict):
        raise DeviceConfigError("Permintaan RCAPTURE bukan objek JSON", code="999")
    if not valid_transaction_id(data.get("transactionId")):
        raise ProtocolError("transactionId tidak valid", code="112")
    bios = data.get("bio")
    if not isinstance(bios, list) or not bios:
        raise DeviceConfigError("bio tidak ada", code="707")
    out = []
    for item in bios:
        if not isinstance(item, dict):
            raise DeviceConfigError("bio bukan objek", code="707")
        if not item.get("deviceId"):
            raise DeviceConfigError("deviceId tidak ada", code="704")
        try:
            count = int(str(item.get("count", "")))
            sub_id = int(str(item.get("deviceSubId", "0")))
            score = int(float(str(item.get("requestedScore", "0") or "0")))
        except ValueError:
            raise DeviceConfigError("count/deviceSubId/requestedScore bukan bilangan", code="109") from None
        sub_types = item.get("bioSubType") or []
        exceptions = item.get("exception") or []
        if not isinstance(sub_types, list) or not isinstance(exceptions, list):
            raise DeviceConfigError("bioSubType/exception harus larik", code="117")
        out.append(BioRequest(str(item.get("type", "")), count, str(item["deviceId"]), sub_id,
                              tuple(str(s) for s in sub_types), tuple(str(s) for s in exceptions), score,
                              str(item.get("previousHash", "") or "")))
    try:
        timeout = int(float(str(data.get("timeout", "10000"))))
    except ValueError:
        raise DeviceConfigError("timeout bukan bilangan", code="999") from None
    return CaptureRequest(str(data["transactionId"]), tuple(out), timeout, str(data.get("captureTime", "")),
                          str(data.get("env", "")), str(data.get("purpose", "")), str(data.get("specVersion", "")),
                          dict(data.get("customOpts") or {}))


@dataclass(frozen=True)
class Captured:
    """One element of the RCAPTURE reply, checked and decoded (``bio_value``: the ISO record bytes)."""

    bio_type: str
    bio_sub_type: str
    bio_value: bytes
    quality: float
    requested_score: float
    transaction_id: str
    timestamp: _dt.datetime
    hash: str
    signed: bool
    payload: dict[str, Any]


@dataclass(frozen=True)
class CaptureError:
    """An element of the reply that carries an error instead of data (e.g. one finger not detected)."""

    code: int
    info: str
    bio_sub_type: str = ""


def biometric_payload(*, digital_id: str, device_code: str, service_version: str, bio_type: str, bio_sub_type: str,
                      purpose: str, env: str, bio_value: bytes, transaction_id: str, timestamp: str,
                      requested_score: float, quality: float) -> dict[str, Any]:
    """The ``data`` payload of one captured biometric (the device signs it)."""
    return {"digitalId": digital_id, "deviceCode": device_code, "deviceServiceVersion": service_version,
            "bioType": bio_type, "bioSubType": bio_sub_type, "purpose": purpose, "env": env,
            "bioValue": b64url_encode(bio_value), "transactionId": transaction_id, "timestamp": timestamp,
            "requestedScore": f"{requested_score:g}", "qualityScore": f"{quality:g}"}  # fmt: skip


def _score(value: Any, what: str) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise ProtocolError(f"{what} bukan bilangan: {value!r}") from None
    if not 0.0 <= number <= 100.0:
        raise ProtocolError(f"{what} di luar 0..100: {number:g}")
    return number


def parse_capture_response(
    body: bytes | str | Any,
    *,
    transaction_id: str,
    previous_hash: str,
    require_signature: bool = True,
    trusted: Iterable[bytes] = (),
    now: _dt.datetime | None = None,
    max_lag: _dt.timedelta = _dt.timedelta(minutes=5),
) -> tuple[list[Captured], list[CaptureError], str]:
    """Check an RCAPTURE reply as the Registration Client does (section 10): signature, transactionId echo,
    device clock within ``max_lag``, quality present, hash chain. Returns (captures, errors, last hash).

    A reply whose elements all carry errors yields no captures; the caller decides (``error_for``).
    """
    data = _json(body, VERB_RCAPTURE)
    if not isinstance(data, dict) or not isinstance(data.get("biometrics"), list):
        raise ProtocolError("Jawaban RCAPTURE tanpa larik biometrics")
    trusted = list(trusted)
    moment = now or _dt.datetime.now(_dt.timezone.utc)
    captures: list[Captured] = []
    errors: list[CaptureError] = []
    chain = previous_hash
    for index, item in enumerate(data["biometrics"]):
        what = f"biometrics[{index}]"
        if not isinstance(item, dict):
            raise ProtocolError(f"{what} bukan objek")
        code, info = _error_of(item, what)
        token = item.get("data")
        if code != 0 or not token:
            errors.append(CaptureError(code if code else 999, info or "data kosong"))
            continue
        jws = parse_jws(token, f"{what}.data")
        if jws.signed:
            verify_jws(jws, trusted, moment, f"{what}.data")
        elif require_signature:
            raise ProtocolError(f"{what}.data tidak ditandatangani perangkat")
        payload = jws.json(f"{what}.data")
        for key in ("bioType", "bioSubType", "bioValue", "transactionId", "timestamp", "qualityScore"):
            if key not in payload:
                raise ProtocolError(f"{what}.data tanpa field {key}")
        if payload["transactionId"] != transaction_id:
            raise ProtocolError(f"{what}: transactionId {payload['transactionId']!r} bukan milik permintaan ini")
        stamp = parse_time(payload["timestamp"], f"{what}.timestamp")
        if abs(stamp - moment) > max_lag:
            raise ProtocolError(f"{what}: jam perangkat berselisih {abs(stamp - moment)} (maks {max_lag})")
        bio_value = b64url_decode(payload["bioValue"], f"{what}.bioValue")
        expected = chain_hash(chain, bio_value)
        got = str(item.get("hash", "")).upper()
        if got != expected:
            raise ProtocolError(f"{what}: hash rantai tidak cocok (data rusak)", code="hash")
        chain = expected
        captures.append(Captured(str(payload["bioType"]), str(payload["bioSubType"]), bio_value,
                                 _score(payload["qualityScore"], f"{what}.qualityScore"),
                                 _score(payload.get("requestedScore", 0), f"{what}.requestedScore"),
                                 transaction_id, stamp, got, jws.signed, payload))
    return captures, errors, chain
