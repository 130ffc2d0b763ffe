"""SBI client drivers: a MOSIP-certified slap scanner, dual-iris camera and face camera behind the station's
interfaces (``FingerprintScanner``, ``IrisCamera``, ``Camera``).

URL (``station.toml`` ``url``)::

    sbi://127.0.0.1                scan the SBI range 127.0.0.1:4501..4600 (the default)
    sbi://127.0.0.1:4502           one known port
    sbi://127.0.0.1:4501-4510      a narrower range
    http://127.0.0.1:4502/         the service's callbackId, as MOSIPDISC reports it

Options (URL query or driver options; the URL wins):

- ``serial``: pick the device with this serial number when a service has several of the kind.
- ``env``: the MOSIP environment sent in requests (default ``Staging``).
- ``requested_score``: the device's auto-capture threshold, 1..100 (defaults: finger 40, iris 60, face 90,
  MOSIP Registration Client's defaults).
- ``signatures``: ``required`` (default: every captured biometric must be signed and verify) or ``optional``
  (unsigned payloads of unregistered development devices are accepted; signed ones are still verified).
- ``trust``: a PEM file of trusted device or device-provider certificates; the ``x5c`` certificate of every
  signed payload must be one of them or issued by one. Without it, the signature is checked against the
  certificate the device presents (integrity, not identity).
- ``scan_timeout`` (seconds per port while scanning, default 0.5), ``info_timeout`` (default 5).

Each capture is one RCAPTURE within the call's ``timeout``: the device is told ``timeout`` minus a margin for
the transfer, and the whole HTTP exchange is cut at ``timeout``. SBI error codes become typed errors that keep
the code (``drivers.protocols.sbi.error_for``). When the service goes away (connection refused or reset) the
call raises ``DeviceUnavailable`` and the next call finds the service again (re-plug).
"""

from __future__ import annotations

import datetime as _dt
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

import cv2
import numpy as np

from drivers.errors import (
    DeviceConfigError,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnavailable,
    NotSupported,
    ProtocolError,
)
from drivers.interfaces import (
    Camera,
    DeviceInfo,
    Eye,
    Finger,
    FingerImage,
    FingerprintScanner,
    IrisCamera,
    IrisImage,
    Slap,
    SlapImage,
    Still,
)
from drivers.protocols import iso19794, mjpeg
from drivers.protocols import sbi as proto
from drivers.sbi import transport

_OPTIONS = {"serial", "env", "requested_score", "signatures", "trust", "scan_timeout", "info_timeout"}
#: Part of a capture's timeout kept for the HTTP transfer and decoding (the rest is the device's).
_TRANSFER_MARGIN = 0.25


@dataclass(frozen=True)
class _Found:
    port: int
    device: proto.Discovered
    info: proto.DeviceInfoRecord | None


def _decode_image(data: bytes, colour: bool, what: str) -> np.ndarray:
    array = np.frombuffer(data, np.uint8)
    try:
        image = cv2.imdecode(array, cv2.IMREAD_COLOR if colour else cv2.IMREAD_GRAYSCALE)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        raise ProtocolError(f"Gambar {what} tidak dapat didekode")
    return image


def _load_trust(path: str) -> list[bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        pem = Path(path).read_bytes()
    except OSError as exc:
        raise DeviceConfigError(f"Berkas trust SBI tidak dapat dibaca: {path} ({exc.strerror})") from None
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise DeviceConfigError(f"Berkas trust SBI bukan sertifikat PEM: {path}") from None
    return [c.public_bytes(Encoding.DER) for c in certs]


class _SbiDevice:
    """Discovery, device info and RCAPTURE plumbing shared by the three SBI drivers (mixed in first)."""

    #: SBI ``type`` this driver drives, preferred ``deviceSubType`` values in order, default requestedScore.
    sbi_type: str = ""
    sub_types: tuple[str, ...] = ()
    default_score: int = 40
    label_text: str = "Perangkat SBI"

    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)  # type: ignore[call-arg]
        parts = urlsplit(url)
        if parts.scheme not in ("sbi", "http"):
            raise DeviceConfigError(f"URL SBI harus sbi://127.0.0.1[:PORT[-PORT]] atau http://127.0.0.1:PORT/, bukan {url!r}")
        try:
            query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
        except ValueError:
            raise DeviceConfigError(f"Opsi pada URL {url!r} tidak dapat dibaca") from None
        settings = {**options, **query}
        unknown = set(settings) - _OPTIONS
        if unknown:
            raise DeviceConfigError(f"Opsi SBI tidak dikenal: {', '.join(sorted(unknown))} "
                                    f"(pilihan: {', '.join(sorted(_OPTIONS))})")
        host, _, port_text = (parts.netloc or proto.HOST).partition(":")
        self.host = host or proto.HOST
        try:
            if not port_text:
                ports = proto.PORT_RANGE if parts.scheme == "sbi" else range(80, 81)
            elif "-" in port_text:
                first, last = (int(p) for p in port_text.split("-", 1))
                ports = range(first, last + 1)
            else:
                ports = range(int(port_text), int(port_text) + 1)
            if not ports or ports[0] < 1 or ports[-1] > 65535 or len(ports) > 1000:
                raise ValueError
            self.requested_score = int(settings.get("requested_score", self.default_score))
            if not 1 <= self.requested_score <= 100:
                raise ValueError
            self.scan_timeout = float(settings.get("scan_timeout", 0.5))
            self.info_timeout = float(settings.get("info_timeout", 5.0))
            if self.scan_timeout <= 0 or self.info_timeout <= 0:
                raise ValueError
        except ValueError:
            raise DeviceConfigError(f"Port atau opsi SBI tidak valid pada {url!r}") from None
        self.ports = ports
        self.serial_wanted = str(settings.get("serial", "")) or None
        self.env = str(settings.get("env", "Staging"))
        if self.env not in proto.ENVIRONMENTS:
            raise DeviceConfigError(f"env SBI tidak dikenal: {self.env!r} (pilihan: {', '.join(proto.ENVIRONMENTS)})")
        signatures = str(settings.get("signatures", "required"))
        if signatures not in ("required", "optional"):
            raise DeviceConfigError("Opsi signatures harus required atau optional")
        self.require_signature = signatures == "required"
        self.trusted: list[bytes] = _load_trust(str(settings["trust"])) if settings.get("trust") else []
        self.found: _Found | None = None
        self.is_open = False
        self._stale = False
        self._previous_hash = ""

    # ------------------------------------------------------------------ discovery

    @property
    def label(self) -> str:
        return self.label_text

    def _discover_port(self, port: int, timeout: float) -> _Found | None:
        label = f"{self.label} (MOSIPDISC 127.0.0.1:{port})"
        reply = transport.exchange(self.host, port, proto.VERB_DISCOVER, proto.PATHS[proto.VERB_DISCOVER],
                                   proto.discovery_request(self.sbi_type), timeout, label)
        devices = [d for d in proto.parse_discovery(reply.body) if d.digital_id.type == self.sbi_type]
        if self.serial_wanted:
            devices = [d for d in devices if self.serial_wanted in (d.digital_id.serial, d.device_code)]
        if not devices:
            return None
        rank = {s: i for i, s in enumerate(self.sub_types)}
        devices.sort(key=lambda d: rank.get(d.digital_id.sub_type, len(rank)))
        chosen = devices[0]
        info_reply = transport.exchange(self.host, port, proto.VERB_INFO, proto.PATHS[proto.VERB_INFO], None,
                                        self.info_timeout, f"{self.label} (MOSIPDINFO 127.0.0.1:{port})")
        info = None
        for record in proto.parse_device_info(info_reply.body, self.trusted):
            if record.digital_id.serial == chosen.digital_id.serial and record.payload.get("deviceId") in (
                    None, chosen.device_id):  # fmt: skip
                info = record
                break
        return _Found(port, chosen, info)

    def _discover(self) -> _Found:
        single = len(self.ports) == 1
        errors: list[DeviceError] = []
        for port in self.ports:
            try:
                found = self._discover_port(port, self.info_timeout if single else self.scan_timeout)
            except (DeviceUnavailable, DeviceTimeout, ProtocolError) as exc:
                if single:
                    raise
                errors.append(exc)
                continue
            if found is not None:
                return found
        where = f"{self.host}:{self.ports[0]}" + (f"-{self.ports[-1]}" if not single else "")
        raise DeviceNotFound(f"{self.label}: tidak ada perangkat SBI {self.sbi_type} di {where}")

    def _check_status(self, found: _Found) -> None:
        dev = found.device
        if dev.status == proto.STATUS_NOT_REGISTERED:
            raise DeviceConfigError(f"{self.label} {dev.digital_id.serial} belum terdaftar (Not Registered)", code="100")
        if dev.status == proto.STATUS_NOT_READY:
            code = dev.error_code or 110
            raise proto.error_for(code, dev.error_info or "Not Ready", self.label)
        if dev.purpose and dev.purpose != proto.PURPOSE_REGISTRATION:
            raise DeviceConfigError(f"{self.label} adalah perangkat {dev.purpose}, bukan Registration", code="118")

    def open(self) -> None:
        try:
            found = self._discover()
        except DeviceUnavailable as exc:  # nothing listening at a single configured port
            raise DeviceNotFound(exc.message, code=exc.code) from exc
        self._check_status(found)
        self.found = found
        self.is_open = True
        self._stale = False
        self._previous_hash = ""

    def close(self) -> None:
        self.is_open = False
        self.found = None

    def info(self) -> DeviceInfo:
        found = self.found
        if found is None:
            return DeviceInfo(kind=self.kind, driver="sbi", model="SBI", url=self.url)  # type: ignore[attr-defined]
        d = found.device
        firmware = str(found.info.payload.get("firmware", d.service_version)) if found.info else d.service_version
        return DeviceInfo(
            kind=self.kind,  # type: ignore[attr-defined]
            driver="sbi",
            model=f"{d.digital_id.make} {d.digital_id.model} ({d.digital_id.sub_type})",
            serial=d.digital_id.serial,
            firmware=firmware,
            url=self.url,
            extra={"port": found.port, "device_id": d.device_id, "certification": d.certification,
                   "spec_version": d.spec_versions[0] if d.spec_versions else "", "status": d.status,
                   "sub_ids": list(d.sub_ids), "provider": d.digital_id.provider,
                   "info_signed": bool(found.info and found.info.signed), "trust": "configured" if self.trusted
                   else "x5c"},  # fmt: skip
        )

    def _require_open(self) -> _Found:
        if not self.is_open:
            raise DeviceUnavailable(f"{self.label} belum dibuka atau sudah ditutup")
        if self._stale or self.found is None:
            found = self._discover()
            self._check_status(found)
            self.found = found
            self._stale = False
        return self.found

    @property
    def sub_type(self) -> str:
        return self.found.device.digital_id.sub_type if self.found else ""

    # ------------------------------------------------------------------ capture

    def _rcapture(self, bio_type: str, sub_id: int, count: int, sub_types: list[str], exceptions: list[str],
                  timeout: float) -> list[proto.Captured]:
        deadline = time.monotonic() + timeout
        found = self._require_open()
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeviceTimeout(f"{self.label}: waktu habis sebelum pengambilan")
        device_ms = max(1, int(1000 * left * (1 - _TRANSFER_MARGIN)))
        transaction = str(uuid.uuid4())
        request = proto.CaptureRequest(
            transaction_id=transaction,
            bio=(proto.BioRequest(bio_type, count, found.device.device_id, sub_id, tuple(sub_types),
                                  tuple(exceptions), self.requested_score, self._previous_hash),),
            timeout_ms=device_ms,
            capture_time=proto.iso_time(_dt.datetime.now(_dt.timezone.utc)),
            env=self.env,
        )
        label = f"{self.label} (RCAPTURE 127.0.0.1:{found.port})"
        try:
            reply = transport.exchange(self.host, found.port, proto.VERB_RCAPTURE, proto.PATHS[proto.VERB_RCAPTURE],
                                       request.to_json(), left, label)
        except DeviceUnavailable:
            self._stale = True
            raise
        if reply.status != 200:
            raise ProtocolError(f"{label}: status HTTP {reply.status} {reply.reason}".rstrip())
        captures, errors, last = proto.parse_capture_response(
            reply.body, transaction_id=transaction, previous_hash=self._previous_hash,
            require_signature=self.require_signature, trusted=self.trusted)
        self._previous_hash = last
        if not captures:
            first = errors[0] if errors else proto.CaptureError(999, "jawaban kosong")
            error = proto.error_for(first.code, first.info, self.label)
            if isinstance(error, DeviceUnavailable):
                self._stale = True
            raise error
        for capture in captures:
            if capture.bio_type != bio_type:
                raise ProtocolError(f"{label}: bioType {capture.bio_type!r}, yang diminta {bio_type!r}")
        return captures


# ----------------------------------------------------------------------------------------------- fingerprint


def _finger_image(capture: proto.Captured, label: str) -> tuple[Finger, np.ndarray]:
    finger = proto.FINGER_BY_NAME.get(capture.bio_sub_type)
    if finger is None:
        raise ProtocolError(f"{label}: bioSubType jari tidak dikenal {capture.bio_sub_type!r}")
    records = iso19794.decode_finger(capture.bio_value)
    record = records[0]
    if record.position not in (0, int(finger)):
        raise ProtocolError(f"{label}: posisi ISO {record.position} tidak cocok dengan {capture.bio_sub_type}")
    image = _decode_image(record.image, False, f"sidik jari {capture.bio_sub_type}")
    if image.shape != (record.height, record.width):
        raise ProtocolError(f"{label}: ukuran gambar {image.shape[::-1]} tidak sama dengan kepala ISO "
                            f"{record.width}x{record.height}")
    return finger, image


#: Where fingertips lie on a plain-slap platen (fractions of a 1600 x 1500 px, 3.2 x 3.0 in image at 500 ppi),
#: left to right as the image shows them: a right hand index..little with the middle finger highest and the
#: little finger lowest, a left hand mirrored, the left thumb left of the right one.
SLAP_CANVAS = (1500, 1600)
_PLATEN = {
    Slap.RIGHT_FOUR: ((Finger.R_INDEX, 0.20, 0.40), (Finger.R_MIDDLE, 0.41, 0.29), (Finger.R_RING, 0.61, 0.33),
                      (Finger.R_LITTLE, 0.80, 0.49)),
    Slap.LEFT_FOUR: ((Finger.L_LITTLE, 0.20, 0.49), (Finger.L_RING, 0.39, 0.33), (Finger.L_MIDDLE, 0.59, 0.29),
                     (Finger.L_INDEX, 0.80, 0.40)),
    Slap.TWO_THUMBS: ((Finger.L_THUMB, 0.31, 0.42), (Finger.R_THUMB, 0.69, 0.42)),
}  # fmt: skip


def _platen(slap: Slap, images: dict[Finger, np.ndarray]) -> tuple[np.ndarray, dict[Finger, tuple[int, int, int, int]]]:
    """SBI returns segmented fingers only: rebuild a slap image by placing each at its usual platen position,
    so the slap record and the fingertip boxes keep the hand's shape (order, heights) for later checks."""
    height, width = SLAP_CANVAS
    canvas = np.full((height, width), 255, np.uint8)
    boxes: dict[Finger, tuple[int, int, int, int]] = {}
    for finger, fx, fy in _PLATEN[slap]:
        image = images.get(finger)
        if image is None:
            continue
        h, w = image.shape
        x0 = int(min(max(0, fx * width - w / 2), max(0, width - w)))
        y0 = int(min(max(0, fy * height - h / 2), max(0, height - h)))
        crop = image[: height - y0, : width - x0]
        region = canvas[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]]
        np.minimum(region, crop, out=region)
        boxes[finger] = (x0, y0, crop.shape[1], crop.shape[0])
    return canvas, boxes


class SbiFingerprintScanner(_SbiDevice, FingerprintScanner):
    """A 4-4-2 slap scanner (or single-finger scanner) behind an SBI service."""

    supports_slaps = True
    sbi_type = proto.TYPE_FINGER
    sub_types = ("Slap", "Single", "Touchless")
    default_score = 40
    label_text = "Pemindai sidik jari SBI"

    def open(self) -> None:
        super().open()
        self.supports_slaps = self.sub_type == "Slap"

    def capture_slap(self, slap: Slap, expected: set[Finger], timeout: float = 10.0) -> SlapImage:
        """The fingers the device found of ``expected`` (the others of ``slap`` are sent as exceptions).

        A finger the device did not detect is missing from the result (compare ``expected`` with
        ``.present``); ``CaptureFailed`` when none was.
        """
        slap = Slap(slap)
        wanted = [f for f in slap.fingers if f in {Finger(e) for e in expected}]
        if not wanted:
            raise DeviceConfigError("Tidak ada jari yang diminta untuk slap ini")
        self._require_open()
        if not self.supports_slaps:
            raise NotSupported("Pemindai SBI ini bukan pemindai slap 4-4-2")
        others = [f for f in slap.fingers if f not in wanted]
        captures = self._rcapture(proto.TYPE_FINGER, proto.SLAP_SUB_ID[slap], len(wanted),
                                  [proto.FINGER_NAMES[f] for f in wanted], [proto.FINGER_NAMES[f] for f in others],
                                  timeout)
        got: dict[Finger, tuple[np.ndarray, float]] = {}
        for capture in captures:
            finger, image = _finger_image(capture, self.label)
            if finger not in wanted:
                raise ProtocolError(f"{self.label}: perangkat mengirim {capture.bio_sub_type} yang tidak diminta")
            got[finger] = (image, capture.quality)
        canvas, boxes = _platen(slap, {f: image for f, (image, _q) in got.items()})
        fingers = tuple(FingerImage(f, got[f][0], got[f][1], box=boxes[f]) for f in slap.fingers if f in got)
        return SlapImage(slap=slap, image=canvas, fingers=fingers)

    def capture_finger(self, finger: Finger, timeout: float = 10.0) -> FingerImage:
        finger = Finger(finger)
        self._require_open()
        if self.supports_slaps:
            slap = proto.slap_of(finger)
            others = [proto.FINGER_NAMES[f] for f in slap.fingers if f != finger]
            sub_id = proto.SLAP_SUB_ID[slap]
        else:
            others, sub_id = [], 0
        captures = self._rcapture(proto.TYPE_FINGER, sub_id, 1, [proto.FINGER_NAMES[finger]], others, timeout)
        for capture in captures:
            got, image = _finger_image(capture, self.label)
            if got == finger:
                return FingerImage(finger, image, capture.quality)
        raise ProtocolError(f"{self.label}: jawaban tanpa {proto.FINGER_NAMES[finger]}")


# ---------------------------------------------------------------------------------------------------- iris


class SbiIrisCamera(_SbiDevice, IrisCamera):
    """A dual (or single) iris camera behind an SBI service."""

    sbi_type = proto.TYPE_IRIS
    sub_types = ("Double", "Single")
    default_score = 60
    label_text = "Kamera iris SBI"

    def _capture_set(self, eyes: list[Eye], timeout: float) -> dict[Eye, IrisImage]:
        double = self.sub_type == "Double"
        # As MOSIP's Registration Client: a dual-iris camera is always asked on deviceSubId 3 ("both"), a
        # missing eye sent as an exception (count + exceptions = 2).
        sub_id = 3 if double else 0
        others = [proto.EYE_NAMES[e] for e in (Eye.LEFT, Eye.RIGHT) if e not in eyes] if double else []
        captures = self._rcapture(proto.TYPE_IRIS, sub_id, len(eyes), [proto.EYE_NAMES[e] for e in eyes], others,
                                  timeout)
        out: dict[Eye, IrisImage] = {}
        for capture in captures:
            eye = proto.EYE_BY_NAME.get(capture.bio_sub_type)
            if eye is None or eye not in eyes:
                raise ProtocolError(f"{self.label}: bioSubType iris tidak diminta {capture.bio_sub_type!r}")
            record = iso19794.decode_iris(capture.bio_value)[0]
            label = {Eye.LEFT: iso19794.EYE_LEFT, Eye.RIGHT: iso19794.EYE_RIGHT}[eye]
            if record.eye not in (iso19794.EYE_UNSPECIFIED, label):
                raise ProtocolError(f"{self.label}: label mata ISO {record.eye} tidak cocok dengan {capture.bio_sub_type}")
            image = _decode_image(record.image, False, f"iris {capture.bio_sub_type}")
            out[eye] = IrisImage(eye, image, capture.quality)
        return out

    def capture(self, eyes: set[Eye], timeout: float = 10.0) -> dict[Eye, IrisImage]:
        wanted = sorted({Eye(e) for e in eyes}, key=lambda e: e.value)
        if not wanted:
            raise DeviceConfigError("Tidak ada mata yang diminta")
        deadline = time.monotonic() + timeout
        self._require_open()
        if self.sub_type == "Double":
            return self._capture_set(wanted, timeout)
        out: dict[Eye, IrisImage] = {}
        for eye in wanted:  # a single-iris camera: one eye after the other
            out.update(self._capture_set([eye], max(0.0, deadline - time.monotonic())))
        return out


# ---------------------------------------------------------------------------------------------------- face


class SbiFaceCamera(_SbiDevice, Camera):
    """A face camera behind an SBI service: RCAPTURE for the photo, STREAM for the live preview."""

    sbi_type = proto.TYPE_FACE
    sub_types = ("Full face",)
    default_score = 90
    label_text = "Kamera wajah SBI"

    def still(self, timeout: float = 10.0) -> Still:
        captures = self._rcapture(proto.TYPE_FACE, 0, 1, [], [], timeout)
        record = iso19794.decode_face(captures[0].bio_value)[0]
        image = _decode_image(record.image, True, "wajah")
        h, w = image.shape[:2]
        if (w, h) != (record.width, record.height):
            raise ProtocolError(f"{self.label}: ukuran gambar {w}x{h} tidak sama dengan kepala ISO")
        return Still(image=image, captured_at=time.monotonic(), width=w, height=h)

    def frames(self, frame_timeout: float = 5.0) -> Iterator[np.ndarray]:
        found = self._require_open()
        return self._stream(found, frame_timeout)

    def _stream(self, found: _Found, frame_timeout: float) -> Iterator[np.ndarray]:
        label = f"{self.label} (STREAM 127.0.0.1:{found.port})"
        payload = {"deviceId": found.device.device_id, "deviceSubId": "0", "timeout": "300000"}
        try:
            conn, status, headers = transport.open_stream(self.host, found.port, proto.VERB_STREAM,
                                                          proto.PATHS[proto.VERB_STREAM], payload, frame_timeout,
                                                          label)
        except DeviceUnavailable:
            self._stale = True
            raise
        try:
            kind = headers.get("content-type", "")
            if not kind.lower().startswith("multipart/"):
                body = conn.read_body(headers)
                try:
                    err = transport.Response(status, "", headers, body).json().get("error", {})
                except (ProtocolError, AttributeError):
                    raise ProtocolError(f"{label}: jawaban bukan aliran MJPEG") from None
                raise proto.error_for(err.get("errorCode", "999"), str(err.get("errorInfo", "")), self.label)
            reader = mjpeg.MjpegReader(mjpeg.boundary_from_content_type(kind))
            for chunk in conn.stream(frame_timeout):
                for part in reader.feed(chunk):
                    yield _decode_image(part, True, "pratinjau")
            self._stale = True
            raise DeviceUnavailable(f"{label}: aliran pratinjau berhenti")
        finally:
            conn.close()
