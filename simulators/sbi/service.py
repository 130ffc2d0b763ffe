"""The simulated SBI service: three registration devices (slap scanner, dual-iris camera, face camera) and what
they answer to MOSIPDISC, MOSIPDINFO, RCAPTURE and STREAM. No sockets here: ``server.py`` carries the bytes.

Images come from the synthetic models (``simulators.models``): a person (``Subject``) stands in front of the
devices; slaps are rendered as one platen image and segmented into fingers, as a slap scanner does; every
capture is a new impression of the same fingers, irises and face. Records are ISO 19794-4/-6/-5 with lossless
JPEG 2000, signed with the simulated device key (``keys.py``) and hash-chained as the specification says.

Scenario faults (``simulators.scenario``), asked once per request with operation ``discover``, ``info``,
``capture`` or ``stream`` and part = slap name (``RIGHT_FOUR``…) for slap captures, finger name for single
finger captures, ``"L"``/``"R"``/``"LR"`` for iris, ``"face"`` for the face:

=============== =======================================================================================
low_quality     the capture succeeds with poor images and low ``qualityScore``
no_finger       error 101 "no biometric object detected" (after ``seconds``, default 0)
three_of_four   one finger (``finger`` = name, default the last asked) comes back as an error-101 element
wrong_finger    slap: vendor error 520 (hand/sequence check); single finger: another finger's print,
                labelled as the one asked (``finger`` = the one presented, default a neighbour)
busy            error 111 "device busy" (and ``Busy`` in discovery)
error_code      the error ``code`` (default 999) with ``info``
bad_checksum    the data's signature corrupted (``target = "hash"``: the hash chain instead)
slow            the answer after ``seconds`` (default 3)
no_answer       the request is read and never answered (until the client leaves or ``seconds``)
garbage         200 OK with random bytes as body
truncated       200 OK with the JSON cut in half (its length consistent)
unplug          the connection is reset after ``after_bytes`` of the body (default half); the device then
                stays unplugged for ``seconds`` (default 0): discovery ``Not Ready``/106, captures 106
replug          the device is plugged back in before this request is served
=============== =======================================================================================

The last five are acted out by the server on the wire; ``Reply.fault`` tells it which.
"""

from __future__ import annotations

import datetime as _dt
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import cv2
import numpy as np

from biometrics.fingerprint_quality import quality as fingerprint_quality
from drivers.errors import DeviceError
from drivers.interfaces import SLAP_FINGERS, Eye, Finger, Slap, Subject
from drivers.protocols import iso19794
from drivers.protocols import sbi as proto
from simulators.models import face, fingerprint, iris
from simulators.sbi.keys import Identity, identity
from simulators.scenario import Fault, Scenario
from simulators.sim_person import DEFAULT_SUBJECT

SERVICE_VERSION = "1.0.0"
MAKE = "ektp-station"
PROVIDER, PROVIDER_ID = "Simulator ektp-station", "SIM-PROVIDER"
WIRE_FAULTS = {"slow", "no_answer", "garbage", "truncated", "unplug"}
VENDOR_WRONG_HAND = 520
#: Face capture size (height, width): a 3:4 portrait as SBI face devices deliver.
FACE_SIZE = (800, 600)
STREAM_SIZE = (360, 480)
_JP2_LOSSLESS = [cv2.IMWRITE_JPEG2000_COMPRESSION_X1000, 1000]
_ERROR_TEXT = {code: meaning for code, (meaning, _msg, _cls) in proto.ERRORS.items()}
_ERROR_TEXT[VENDOR_WRONG_HAND] = "wrong hand or finger placed (sequence check)"


@dataclass
class SimDevice:
    device_id: str
    type: str
    sub_type: str
    sub_ids: tuple[int, ...]
    serial: str
    model: str


DEVICES = {
    proto.TYPE_FINGER: SimDevice("1", proto.TYPE_FINGER, "Slap", (1, 2, 3), "SIM-SLAP-0001", "SLAP-442"),
    proto.TYPE_IRIS: SimDevice("2", proto.TYPE_IRIS, "Double", (3,), "SIM-IRIS-0001", "IRIS-DUAL"),
    proto.TYPE_FACE: SimDevice("3", proto.TYPE_FACE, "Full face", (0,), "SIM-FACE-0001", "FACE-CAM"),
}


@dataclass
class Reply:
    """What to send: a JSON value, or a wire-level fault for the server to act out."""

    body: Any = None
    fault: Fault | None = None
    stream: Iterator[bytes] | None = None
    event: dict[str, Any] = field(default_factory=dict)


def _encode_jp2(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jp2", image, _JP2_LOSSLESS)
    if not ok:  # pragma: no cover - the OpenCV wheels carry OpenJPEG
        raise RuntimeError("JPEG 2000 encoder unavailable")
    return data.tobytes()


def _error(code: int, info: str | None = None) -> dict[str, str]:
    return {"errorCode": str(code), "errorInfo": info if info is not None else _ERROR_TEXT.get(code, "error")}


class SbiService:
    """Thread-safe: the HTTP server calls it from one thread per connection."""

    def __init__(self, scenario: Scenario | None = None, subject: Subject = DEFAULT_SUBJECT,
                 types: tuple[str, ...] = proto.TYPES, port: int = 0, signed: bool = True,
                 on_event: Callable[[dict[str, Any]], None] | None = None, stream_fps: float = 10.0):
        self.scenario = scenario or Scenario.healthy()
        self.subject = subject
        self.devices = {t: DEVICES[t] for t in types}
        self.port = port
        self.signed = signed
        self.stream_fps = stream_fps
        self.identity: Identity = identity("SIM-SBI")
        self.events: list[dict[str, Any]] = []
        self._on_event = on_event
        self._lock = threading.Lock()
        self._capturing = threading.Lock()
        self._impressions: Counter = Counter()
        self.unplugged_until = 0.0
        self.stopping = threading.Event()

    # ------------------------------------------------------------------ state

    def emit(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(event)
        if self._on_event is not None:
            self._on_event(event)

    def set_scenario(self, scenario: Scenario) -> None:
        with self._lock:
            self.scenario = scenario

    def _fault(self, operation: str, part: str | None) -> Fault | None:
        with self._lock:
            fault = self.scenario.fault_for(operation, part)
        if fault is not None and fault.kind == "replug":
            self.replug()
            return None
        return fault

    def unplug(self, seconds: float = math.inf) -> None:
        self.unplugged_until = time.monotonic() + seconds
        self.emit({"event": "unplug", "seconds": None if math.isinf(seconds) else seconds})

    def replug(self) -> None:
        self.unplugged_until = 0.0
        self.emit({"event": "replug"})

    @property
    def unplugged(self) -> bool:
        return time.monotonic() < self.unplugged_until

    def _next_impression(self, key: Any) -> int:
        with self._lock:
            number = self._impressions[key]
            self._impressions[key] += 1
            return number

    # ------------------------------------------------------------------ identity blocks

    def _now(self) -> str:
        return proto.iso_time(_dt.datetime.now(_dt.timezone.utc))

    def _digital_id(self, dev: SimDevice) -> dict[str, str]:
        return proto.DigitalId(dev.serial, MAKE, dev.model, dev.type, dev.sub_type, PROVIDER, PROVIDER_ID,
                               self._now()).to_json()

    def _sign(self, payload: dict[str, Any]) -> str:
        if not self.signed:
            return proto.unsigned(payload)
        return proto.sign_jws(payload, self.identity.key, self.identity.cert_der)

    def _status(self, dev: SimDevice, busy: bool) -> tuple[str, dict[str, str]]:
        if self.unplugged:
            return proto.STATUS_NOT_READY, _error(106)
        if busy or self._capturing.locked():
            return proto.STATUS_BUSY, _error(111)
        return proto.STATUS_READY, _error(0, "Success")

    def _discovery_entry(self, dev: SimDevice, busy: bool) -> dict[str, Any]:
        status, err = self._status(dev, busy)
        return {"deviceId": dev.device_id, "deviceStatus": status, "certification": "L0",
                "serviceVersion": SERVICE_VERSION, "deviceSubId": [str(s) for s in dev.sub_ids],
                "callbackId": f"http://127.0.0.1:{self.port}/", "digitalId": proto.unsigned(self._digital_id(dev)),
                "deviceCode": dev.serial, "specVersion": [proto.SPEC_VERSION], "purpose": proto.PURPOSE_REGISTRATION,
                "error": err}  # fmt: skip

    # ------------------------------------------------------------------ verbs

    def discover(self, body: Any) -> Reply:
        fault = self._fault("discover", None)
        if fault is not None and fault.kind in WIRE_FAULTS:
            return Reply(fault=fault, event={"event": "discover", "fault": fault.kind})
        wanted = body.get("type") if isinstance(body, dict) else None
        if wanted not in (proto.TYPE_ANY, *proto.TYPES):
            return Reply([{"deviceId": "", "deviceStatus": proto.STATUS_NOT_READY, "error": _error(501)}],
                         event={"event": "discover", "type": wanted, "error": 501})
        busy = fault is not None and fault.kind == "busy"
        found = [self._discovery_entry(d, busy) for t, d in self.devices.items() if wanted in (proto.TYPE_ANY, t)]
        return Reply(found, event={"event": "discover", "type": wanted, "devices": len(found),
                                   "fault": fault.kind if fault else None})

    def info(self) -> Reply:
        fault = self._fault("info", None)
        if fault is not None and fault.kind in WIRE_FAULTS:
            return Reply(fault=fault, event={"event": "info", "fault": fault.kind})
        out = []
        for dev in self.devices.values():
            entry = self._discovery_entry(dev, False)
            entry.update(firmware=SERVICE_VERSION, env="Staging", digitalId=self._sign(self._digital_id(dev)))
            err = entry.pop("error")
            out.append({"deviceInfo": self._sign(entry), "error": err})
        return Reply(out, event={"event": "info", "devices": len(out)})

    def _part(self, dev: SimDevice, bio: proto.BioRequest, wanted: list[Any]) -> str:
        if dev.type == proto.TYPE_FACE:
            return "face"
        if dev.type == proto.TYPE_IRIS:
            return "".join(sorted(e.value for e in wanted))
        if bio.count == 1 and len(wanted) == 1:
            return wanted[0].name
        return proto.SLAP_BY_SUB_ID.get(bio.device_sub_id, Slap.RIGHT_FOUR).name

    def rcapture(self, body: Any) -> Reply:
        try:
            request = proto.parse_capture_request(body)
        except DeviceError as exc:
            code = int(exc.code or 999)
            return Reply({"biometrics": [{"specVersion": proto.SPEC_VERSION, "data": "", "hash": "",
                                          "error": _error(code)}]}, event={"event": "rcapture", "error": code})
        if not self._capturing.acquire(blocking=False):
            return self._errors(request, 703, "rcapture")
        try:
            return self._rcapture(request)
        finally:
            self._capturing.release()

    def _errors(self, request: proto.CaptureRequest, code: int, name: str, info: str | None = None,
                extra: dict[str, Any] | None = None) -> Reply:
        event = {"event": name, "transactionId": request.transaction_id, "error": code, **(extra or {})}
        return Reply({"biometrics": [{"specVersion": proto.SPEC_VERSION, "data": "", "hash": "",
                                      "error": _error(code, info)}]}, event=event)

    def _rcapture(self, request: proto.CaptureRequest) -> Reply:
        bio = request.bio[0]
        dev = next((d for d in self.devices.values() if d.device_id == bio.device_id), None)
        if dev is None:
            return self._errors(request, 705, "rcapture")
        if request.purpose != proto.PURPOSE_REGISTRATION:
            return self._errors(request, 118, "rcapture")
        if bio.type != dev.type:
            return self._errors(request, 114, "rcapture")
        rule = proto.count_rule(dev.type, dev.sub_type, bio.device_sub_id, bio.count, len(bio.exception))
        if rule is not None:
            return self._errors(request, 109, "rcapture", f"Requested number of biometrics not supported: {rule}")
        try:
            wanted = self._wanted(dev, bio)
        except ValueError as exc:
            return self._errors(request, 117, "rcapture", str(exc))
        part = self._part(dev, bio, wanted)
        fault = self._fault("capture", part)
        base = {"type": dev.type, "subId": bio.device_sub_id, "count": bio.count, "part": part,
                "fault": fault.kind if fault else None}
        if fault is not None and fault.kind in WIRE_FAULTS:
            reply = self._capture_reply(request, dev, bio, wanted, None) if fault.kind in ("slow", "unplug") else None
            return Reply(reply.body if reply else None, fault=fault, event={"event": "rcapture", **base})
        if self.unplugged:
            return self._errors(request, 106, "rcapture", extra=base)
        if fault is not None:
            if fault.kind == "busy":
                return self._errors(request, 111, "rcapture", extra=base)
            if fault.kind == "error_code":
                return self._errors(request, int(fault.param("code", 999)), "rcapture", fault.param("info"), base)
            if fault.kind == "no_finger":
                self.stopping.wait(float(fault.param("seconds", 0.0)))
                return self._errors(request, 101, "rcapture", extra=base)
            if fault.kind == "wrong_finger" and dev.type == proto.TYPE_FINGER and len(wanted) > 1:
                return self._errors(request, VENDOR_WRONG_HAND, "rcapture", extra=base)
        reply = self._capture_reply(request, dev, bio, wanted, fault)
        reply.event = {"event": "rcapture", **base, **reply.event}
        return reply

    def _wanted(self, dev: SimDevice, bio: proto.BioRequest) -> list[Any]:
        names = [s for s in bio.bio_sub_type if s != proto.UNKNOWN]
        if dev.type == proto.TYPE_FACE:
            return ["face"]
        if dev.type == proto.TYPE_IRIS:
            table, default = proto.EYE_BY_NAME, [Eye.LEFT, Eye.RIGHT] if bio.device_sub_id == 3 else (
                [Eye.LEFT] if bio.device_sub_id == 1 else [Eye.RIGHT])
        else:
            slap = proto.SLAP_BY_SUB_ID.get(bio.device_sub_id)
            table, default = proto.FINGER_BY_NAME, list(SLAP_FINGERS[slap]) if slap else []
        for name in (*names, *bio.exception):
            if name not in table:
                raise ValueError(f"unknown bioSubType/exception {name!r}")
        excluded = {table[n] for n in bio.exception}
        wanted = [table[n] for n in names] if names else [p for p in default if p not in excluded]
        if dev.type == proto.TYPE_FINGER and dev.sub_type == "Slap":
            slap_fingers = SLAP_FINGERS[proto.SLAP_BY_SUB_ID[bio.device_sub_id]]
            if any(f not in slap_fingers for f in wanted):
                raise ValueError("finger not on this slap position")
        if len(wanted) != bio.count:
            raise ValueError(f"{len(wanted)} biometrics named for count {bio.count}")
        return wanted

    # ------------------------------------------------------------------ images

    def _capture_reply(self, request: proto.CaptureRequest, dev: SimDevice, bio: proto.BioRequest,
                       wanted: list[Any], fault: Fault | None) -> Reply:
        kind = fault.kind if fault else None
        items: list[tuple[str, bytes | None, float]] = []  # (bioSubType, ISO record or None = not detected, q)
        when = _dt.datetime.now(_dt.timezone.utc)
        s = self.subject
        if dev.type == proto.TYPE_FINGER:
            items = self._fingers(bio, wanted, fault, when)
        elif dev.type == proto.TYPE_IRIS:
            for eye in wanted:
                name = proto.EYE_NAMES[eye]
                if eye in s.missing_eyes or kind == "three_of_four" and eye == wanted[-1]:
                    items.append((name, None, 0.0))
                    continue
                shot = iris.render(s.seed, eye.value, self._next_impression((s.seed, "iris", eye)),
                                   poor=kind == "low_quality")
                h, w = shot.image.shape
                cx, cy, r = shot.iris_centre[0], shot.iris_centre[1], shot.iris_radius
                record = iso19794.IrisRecord(
                    {Eye.LEFT: iso19794.EYE_LEFT, Eye.RIGHT: iso19794.EYE_RIGHT}[eye], w, h,
                    _encode_jp2(shot.image), iso19794.CaptureInfo(when, 1, 0, 0, (iso19794.Quality(int(shot.quality)),)),
                    iris_centre=(int(cx), int(cx), int(cy), int(cy)), iris_diameter=(int(2 * r), int(2 * r)))
                items.append((name, iso19794.encode_iris(record), float(shot.quality)))
        else:
            poor = kind == "low_quality"
            attempt = self._next_impression((s.seed, "face"))
            image = face.render(s.seed, s.birth_year, s.sex, size=FACE_SIZE, poor=poor, attempt=attempt)
            quality = 35.0 if poor else 92.0
            h, w = image.shape[:2]
            rgb_record = iso19794.FaceRecord(w, h, _encode_jp2(image),
                                             iso19794.CaptureInfo(when, 0, 0, 0, (iso19794.Quality(int(quality)),)))
            items.append(("", iso19794.encode_face(rgb_record), quality))
        return self._sign_items(request, dev, bio, items, fault)

    def _fingers(self, bio: proto.BioRequest, wanted: list[Finger], fault: Fault | None,
                 when: _dt.datetime) -> list[tuple[str, bytes | None, float]]:
        s = self.subject
        kind = fault.kind if fault else None
        absent = {f for f in wanted if f in s.missing_fingers}
        if kind == "three_of_four":
            name = fault.param("finger")
            absent.add(Finger[name] if name else wanted[-1])
        poor = set(wanted) if kind == "low_quality" else set()
        images: dict[Finger, np.ndarray] = {}
        if len(wanted) == 1:
            finger = wanted[0]
            shown = finger
            if kind == "wrong_finger":
                name = fault.param("finger")
                neighbours = SLAP_FINGERS[proto.slap_of(finger)]
                shown = Finger[name] if name else next(f for f in (*neighbours, *Finger) if f != finger)
            if finger not in absent:
                number = self._next_impression((s.seed, "finger", shown))
                images[finger] = fingerprint.render_finger(s.seed, shown, number, poor=bool(poor))
        else:
            slap = proto.SLAP_BY_SUB_ID[bio.device_sub_id]
            present = [f for f in wanted if f not in absent]
            if present:
                numbers = {f: self._next_impression((s.seed, "finger", f)) for f in present}
                capture = fingerprint.render_slap(s.seed, slap, set(present),
                                                  impression=self._next_impression((s.seed, "slap", slap)),
                                                  poor=poor & set(present), impressions=numbers)
                for f in present:
                    x, y, w, h = capture.boxes[f]
                    images[f] = capture.image[y : y + h, x : x + w].copy()
        items: list[tuple[str, bytes | None, float]] = []
        for finger in wanted:
            name = proto.FINGER_NAMES[finger]
            image = images.get(finger)
            if image is None:
                items.append((name, None, 0.0))
                continue
            q = float(fingerprint_quality(image))
            h, w = image.shape
            record = iso19794.FingerRecord(int(finger), w, h, _encode_jp2(image),
                                           iso19794.CaptureInfo(when, 1, 0, 0, (iso19794.Quality(int(q)),)))
            items.append((name, iso19794.encode_finger(record), q))
        return items

    def _sign_items(self, request: proto.CaptureRequest, dev: SimDevice, bio: proto.BioRequest,
                    items: list[tuple[str, bytes | None, float]], fault: Fault | None) -> Reply:
        chain = bio.previous_hash
        digital = self._sign(self._digital_id(dev))
        out = []
        qualities = []
        for name, record, quality in items:
            if record is None:
                out.append({"specVersion": proto.SPEC_VERSION, "data": "", "hash": "",
                            "error": _error(101, f"No Biometric Object Detected ({name})")})
                continue
            payload = proto.biometric_payload(
                digital_id=digital, device_code=dev.serial, service_version=SERVICE_VERSION, bio_type=dev.type,
                bio_sub_type=name, purpose=proto.PURPOSE_REGISTRATION, env=request.env or "Staging",
                bio_value=record, transaction_id=request.transaction_id, timestamp=self._now(),
                requested_score=bio.requested_score, quality=round(quality, 1))
            data = self._sign(payload)
            chain = proto.chain_hash(chain, record)
            digest = chain
            if fault is not None and fault.kind == "bad_checksum":
                if fault.param("target", "signature") == "hash":
                    digest = ("0" if chain[0] != "0" else "1") + chain[1:]
                elif "." in data:
                    head, body, sig = data.split(".")
                    sig = ("A" if sig[0] != "A" else "B") + sig[1:]
                    data = f"{head}.{body}.{sig}"
            out.append({"specVersion": proto.SPEC_VERSION, "data": data, "hash": digest, "error": _error(0, "Success")})
            qualities.append(round(quality, 1))
        return Reply({"biometrics": out}, event={"transactionId": request.transaction_id, "captured": len(qualities),
                                                 "quality": qualities})

    # ------------------------------------------------------------------ stream

    def stream(self, body: Any) -> Reply:
        device_id = str(body.get("deviceId", "")) if isinstance(body, dict) else ""
        dev = next((d for d in self.devices.values() if d.device_id == device_id), None)
        fault = self._fault("stream", None)
        if fault is not None and fault.kind in WIRE_FAULTS:
            return Reply(fault=fault, event={"event": "stream", "fault": fault.kind})
        if dev is None:
            return Reply({"error": _error(604 if device_id else 704)}, event={"event": "stream", "error": 604})
        if self.unplugged:
            return Reply({"error": _error(604)}, event={"event": "stream", "error": 604})
        if fault is not None and fault.kind == "busy":
            return Reply({"error": _error(605)}, event={"event": "stream", "error": 605})
        try:
            seconds = int(str(body.get("timeout", "300000"))) / 1000.0
        except ValueError:
            seconds = 300.0
        return Reply(stream=self._frames(dev, seconds), event={"event": "stream", "type": dev.type})

    def _frames(self, dev: SimDevice, seconds: float) -> Iterator[bytes]:
        s = self.subject
        period = 1.0 / self.stream_fps if self.stream_fps > 0 else 0.0
        end = time.monotonic() + seconds
        number = 0
        while time.monotonic() < end and not self.stopping.is_set() and not self.unplugged:
            if dev.type == proto.TYPE_FACE:
                image = face.render(s.seed, s.birth_year, s.sex, size=STREAM_SIZE, frame=number)
            elif dev.type == proto.TYPE_IRIS:
                image = iris.render(s.seed, "R", number).image
            else:
                image = cv2.resize(fingerprint.render_slap(s.seed, Slap.RIGHT_FOUR, impression=number % 4).image,
                                   (400, 375))
            cv2.putText(image, f"{number}", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 255, 0), 2)
            ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
            yield jpeg.tobytes()
            number += 1
            if period:
                self.stopping.wait(period)
