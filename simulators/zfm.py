"""Wire simulator of a ZhianTec ZFM-20 / R30x / AS608 fingerprint module (EF01 packets, 57600 8N1).

It answers the host's command packets as the module does (:mod:`drivers.protocols.zfm` is the shared codec):
VfyPwd, ReadSysPara, GenImg, UpImage (the 4-bit image in 128-byte data packets), Img2Tz, RegModel, Store,
LoadChar, Match, Search / HighSpeedSearch, DeleteChar, Empty, TempleteNum, ReadConList, SetSysPara, SetPwd,
SetAdder, GetRandomCode, HandShake, CheckSensor, AuraLedConfig and SoftReset, and the three transfers from and to
the host: UpChar (0x08: ack, then the character buffer's template as data packets, the last one PID 0x08),
DownChar (0x09) and DownImage (0x0B: ack "ready", then the host sends data packets until an end packet; data
packets are never acknowledged), all in the configured packet size. The module keeps a template library, so
Store, Search and Match behave as on the real module, compared with :mod:`biometrics.fingerprint_match` (the
module score is the comparator's score x 200; the decision threshold follows the security level, see
:data:`MODULE_THRESHOLDS`).

**Templates.** A real module's template is an opaque vendor format (512 bytes on the ZFM-20/R30x: UpChar sends
four 128-byte packets). The simulated module's template (:func:`encode_template`) is a 512-byte record the
comparator can use again: magic ``SZ``, version and coordinate shift, the number of minutiae, the foreground
block map (one bit per 8 x 8 px block) and up to 120 minutiae of 3 bytes (x 9 bits, y 9 bits, direction
6 bits), then a 16-bit sum. Img2Tz stores exactly what an UpChar would return, so a template uploaded, downloaded
into another (simulated) module and stored there matches as it did at home. Bytes that are not such a record
are kept as they came (UpChar returns them) but match nothing. A data transfer from the host that fails
(a data packet with a bad checksum, packets missing before the end packet, a command in the middle) leaves the
buffer empty: UpChar then answers 0x0D, Img2Tz 0x15, and ReadSysPara clears the image-valid status bit.

**The simulated applicant** (:class:`FingerApplicant`). A real module cannot be told which finger to expect, so
the simulator plays a person who follows the station's SOP order: the ten fingers from the right thumb
(ISO 1) to the left little finger (ISO 10), then, for the index-finger verification, the right index finger
(the left one when the right is ``missing``). The person re-presents the same finger after a capture that did
not reach the host or came out below ``quality_min`` (the station's default 40), at most ``max_attempts``
times (the station's default 3), exactly as an operator asks again. With ``finger = "L_THUMB"`` the person
always presents that finger (for enrol/verify/search tests). The person is ``seed`` (default 1): the same
seed gives the same prints in every process. After the verification capture a new host handshake (VfyPwd)
means the next applicant (same synthetic person) steps up and the order starts again.

A capture is what starts with the first GenImg after the previous image was used and ends when the image is
uploaded (UpImage) or extracted (Img2Tz), or when the host sends another command. The first GenImg after an
image was used answers "no finger" (the previous finger is being lifted), the next one finds the finger the
applicant now presents (after ``place_delay`` seconds).

Settings (``ektpsim://zfm?...``, ``[applicant]`` of a scenario, ``ektp-sim zfm`` options): ``seed``,
``finger``, ``missing`` (comma-separated finger names), ``quality_min``, ``max_attempts``, ``place_delay``,
``password`` (default 0), ``address`` (default 0xFFFFFFFF), ``capacity`` (library size, default 162),
``packet_size`` (32/64/128/256, default 128), ``sensor`` (``256x288`` ZFM-20, or ``192x192`` R503), plus the
common ``throttle``, ``deaf`` (default 0.5 s, the module's start-up deafness) and ``cold``.

**Faults** (``simulators.scenario``), by operation: ``open`` (VfyPwd), ``status`` (ReadSysPara), ``capture``
(GenImg: part = the finger the applicant means to present), ``upload`` (UpImage), ``extract`` (Img2Tz),
``merge`` (RegModel), ``store``, ``load`` (LoadChar), ``match``, ``search``, and the lower-case instruction name
for the rest (``up_char``, ``down_char``, ``down_image``). Kinds:

* ``low_quality``: the image is smudged/dry/faint (Img2Tz then answers 0x07);
* ``no_finger``: GenImg answers 0x02 for the whole capture (or for ``seconds``);
* ``wrong_finger``: the applicant presents ``finger`` (default: the next finger) instead;
* ``busy``: for ``seconds`` (default 30) ReadSysPara reports the busy bit and other commands go unanswered;
* ``error_code``: the answer carries confirmation code ``code`` (default 0x01; 0x0F for ``upload``);
* ``no_answer``, ``garbage``, ``bad_checksum``, ``truncated``, ``slow`` (``seconds``), ``unplug`` (after
  ``after_bytes`` of the answer; ``replug_after`` seconds to come back) and ``replug`` (drop off and come
  back after ``seconds``): the answer on the wire. On ``upload`` and ``up_char`` they hit the data after the
  ack: ``bad_checksum`` corrupts data packet ``packet`` (default the middle one), ``garbage`` replaces the data,
  ``truncated``/``unplug`` cut it. On ``down_char`` and ``down_image`` the line fails while the host's data
  comes in: ``bad_checksum`` (data packet ``packet`` arrives corrupted), ``garbage`` (noise instead of it) and
  ``truncated`` (the packets after the middle one are lost) spoil the transfer, ``unplug`` drops the link after
  the module received ``after_bytes`` (default half) of the data; ``no_answer``, ``slow``, ``replug`` and
  ``error_code`` (default 0x0E) act on the ack.

Events: ``finger`` (an image went to the host: asked, finger, impression, quality), ``enrolled``, ``match``,
``search``, ``deleted``, ``template`` (UpChar/DownChar: direction, buffer, bytes, valid), ``image`` (DownImage:
bytes, quality), ``transfer_failed`` (a download from the host that did not arrive: what, reason), ``fault``,
``unplug``, ``replug``.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from biometrics.fingerprint_match import FingerprintFeatures, compare, extract
from biometrics.fingerprint_match import template as features_from_minutiae
from biometrics.fingerprint_quality import quality as fingerprint_quality
from biometrics.minutiae import MAX_MINUTIAE, Minutiae
from biometrics.ridge import BLOCK
from drivers.errors import ProtocolError
from drivers.interfaces import Finger
from drivers.protocols import zfm
from drivers.protocols.zfm import ConfirmationCode as CC
from drivers.protocols.zfm import Instruction as I  # noqa: E741 - the manuals' own short name
from simulators.models import fingerprint
from simulators.scenario import Fault
from simulators.wire.device import WIRE_FAULTS, Setting, WireDevice, non_negative

#: Below this quality Img2Tz finds too few features (cc 0x07), below half of it the image is too disordered.
FEATURE_QUALITY_MIN = 25.0
#: Module match score per unit of the comparator's score.
SCORE_SCALE = 200
#: The simulated module's decision threshold on the comparator's score, per security level (1 = most lenient).
#: A 256 x 288 image of 4-bit pixels holds much less of a finger than the 400 x 400 images the comparator's own
#: threshold was set on: measured on the synthetic generator (8 persons x 3 fingers x 3 impressions, as the
#: host receives them) genuine pairs scored at least 0.25 (median 0.35) and impostor pairs at most 0.12, so the
#: default level 3 sits between them.
MODULE_THRESHOLDS = {1: 0.14, 2: 0.16, 3: 0.18, 4: 0.21, 5: 0.24}


# ------------------------------------------------------------------------------------------------------------
# The simulated module's template format (see the module docstring)
# ------------------------------------------------------------------------------------------------------------

TEMPLATE_MAGIC = b"SZ"
TEMPLATE_VERSION = 1
#: Template size of the ZFM-20 / R30x ("UpChar": 4 data packets of 128 bytes).
TEMPLATE_SIZE = 512
_ANGLE_STEPS = 64  # 6 bits of direction: 5.6 degree steps, far below the comparator's angle tolerances
_TEMPLATE_HEADER = struct.Struct(">2sBBBB")  # magic, version << 4 | coordinate shift, count, grid h, grid w


def template_size(geometry: zfm.ImageGeometry) -> int:
    """Bytes of a template for this sensor: 512, or more (in 32-byte steps) when the foreground map needs it."""
    grid = (geometry.height // BLOCK) * (geometry.width // BLOCK)
    need = _TEMPLATE_HEADER.size + (grid + 7) // 8 + 3 * MAX_MINUTIAE + 2
    return max(TEMPLATE_SIZE, -(-need // 32) * 32)


def encode_template(features: FingerprintFeatures, size: int = TEMPLATE_SIZE) -> bytes:
    """The simulated module's template of ``features`` (foreground map and minutiae), ``size`` bytes."""
    m = features.minutiae
    grid_h, grid_w = features.foreground.shape
    height, width = m.mask.shape
    shift = 0
    while (max(height, width) - 1) >> shift > 0x1FF:  # coordinates have 9 bits
        shift += 1
    count = min(len(m), MAX_MINUTIAE)
    out = bytearray(_TEMPLATE_HEADER.pack(TEMPLATE_MAGIC, TEMPLATE_VERSION << 4 | shift, count, grid_h, grid_w))
    out += np.packbits(features.foreground.astype(np.uint8).ravel()).tobytes()
    for i in range(count):
        q = int(math.floor((float(m.angle[i]) + math.pi) / (2 * math.pi) * _ANGLE_STEPS)) % _ANGLE_STEPS
        value = (int(m.x[i]) >> shift) << 15 | (int(m.y[i]) >> shift) << 6 | q
        out += value.to_bytes(3, "big")
    if len(out) + 2 > size:
        raise ValueError(f"template needs {len(out) + 2} bytes, only {size} available")
    out += bytes(size - 2 - len(out))
    out += struct.pack(">H", sum(out) & 0xFFFF)
    return bytes(out)


def decode_template(data: bytes) -> FingerprintFeatures | None:
    """Features of a template made by :func:`encode_template`; ``None`` for any other bytes."""
    data = bytes(data)
    header = _TEMPLATE_HEADER.size
    if len(data) < header + 2 or struct.unpack(">H", data[-2:])[0] != sum(data[:-2]) & 0xFFFF:
        return None
    magic, version_shift, count, grid_h, grid_w = _TEMPLATE_HEADER.unpack_from(data)
    version, shift = version_shift >> 4, version_shift & 0x0F
    grid_bytes = (grid_h * grid_w + 7) // 8
    if magic != TEMPLATE_MAGIC or version != TEMPLATE_VERSION or header + grid_bytes + 3 * count + 2 > len(data):
        return None
    bits = np.unpackbits(np.frombuffer(data, np.uint8, grid_bytes, header))[: grid_h * grid_w]
    foreground = bits.reshape(grid_h, grid_w).astype(bool)
    raw = np.frombuffer(data, np.uint8, 3 * count, header + grid_bytes).reshape(count, 3).astype(np.int64)
    values = raw[:, 0] << 16 | raw[:, 1] << 8 | raw[:, 2]
    xs = ((values >> 15) << shift).astype(np.float32)
    ys = (((values >> 6) & 0x1FF) << shift).astype(np.float32)
    angles = (((values & 0x3F) + 0.5) * (2 * math.pi / _ANGLE_STEPS) - math.pi).astype(np.float32)
    shape = (grid_h * BLOCK, grid_w * BLOCK)
    minutiae = Minutiae(xs, ys, angles, np.ones(count, np.int8), np.zeros(shape, np.uint8), np.zeros(shape, bool), 0.0)
    return features_from_minutiae(minutiae, foreground)


def _finger(value: Any) -> Finger:
    if isinstance(value, Finger):
        return value
    text = str(value).strip().upper()
    return Finger(int(text)) if text.isdigit() else Finger[text]


def _finger_or_none(value: Any) -> Finger | None:
    return None if value in (None, "", "sequence") else _finger(value)


def _fingers(value: Any) -> frozenset[Finger]:
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        items = [v for v in str(value).split(",") if v.strip()]
    return frozenset(_finger(v) for v in items)


def _geometry(value: Any) -> zfm.ImageGeometry:
    if isinstance(value, zfm.ImageGeometry):
        return value
    width, _, height = str(value).lower().partition("x")
    geometry = zfm.ImageGeometry(int(width), int(height))
    if not (32 <= geometry.width <= 1024 and 32 <= geometry.height <= 1024) or geometry.width % 2:
        raise ValueError(value)
    return geometry


def _packet_size(value: Any) -> int:
    size = int(value)
    zfm.packet_size_code(size)
    return size


class FingerApplicant:
    """Which finger the simulated person puts on the glass, capture after capture (see the module docstring)."""

    def __init__(self, *, fixed: Finger | None, missing: frozenset[Finger], quality_min: float, max_attempts: int):
        self.fixed = fixed
        self.missing = missing
        self.quality_min = quality_min
        self.max_attempts = max(1, max_attempts)
        self.order = [f for f in Finger if f not in missing] or list(Finger)
        self.impressions: Counter[Finger] = Counter()  # per device life: repeated captures differ
        self.new_session()

    def new_session(self) -> None:
        self.index = 0
        self.attempts: Counter[Finger] = Counter()
        self.verifications = 0

    @property
    def verifying(self) -> bool:
        return self.fixed is None and self.index >= len(self.order)

    def current(self) -> Finger:
        if self.fixed is not None:
            return self.fixed
        if self.index < len(self.order):
            return self.order[self.index]
        for finger in (Finger.R_INDEX, Finger.L_INDEX):
            if finger not in self.missing:
                return finger
        return self.order[0]

    def started(self, finger: Finger) -> None:
        self.attempts[finger] += 1
        if self.verifying:
            self.verifications += 1

    def finished(self, finger: Finger, quality: float | None) -> None:
        """A capture of ``finger`` ended; ``quality`` of the image the host received, ``None`` if none."""
        if self.fixed is not None or self.index >= len(self.order) or self.order[self.index] != finger:
            return
        good = quality is not None and quality >= self.quality_min
        if good or self.attempts[finger] >= self.max_attempts:
            self.index += 1

    def impression(self, finger: Finger) -> int:
        number = self.impressions[finger]
        self.impressions[finger] += 1
        return number


@dataclass
class _Image:
    pixels: np.ndarray  # as the host receives it (4-bit, unpacked)
    finger: Finger | None  # None: an image the host downloaded
    quality: float
    impression: int


@dataclass
class _Template:
    data: bytes  # what UpChar sends
    features: FingerprintFeatures | None  # None: bytes that are no template of this module
    finger: Finger | None

    def score(self, other: _Template) -> float:
        if self.features is None or other.features is None:
            return 0.0
        return compare(self.features, other.features).score


@dataclass
class _Download:
    """A DownChar / DownImage transfer in progress: the host's data packets until the end packet."""

    what: str  # "template" or "image"
    buffer_id: int
    fault: Fault | None
    assembler: zfm.DataAssembler
    expected: int  # payload bytes the module expects
    packet_size: int
    received: int = 0  # bytes (whole frames) so far
    packets: int = 0

    @property
    def expected_packets(self) -> int:
        return max(1, math.ceil(self.expected / self.packet_size))


@dataclass
class _Capture:
    part: Finger
    fault: Fault | None
    started: float
    replies: int = 0
    image: _Image | None = None
    used: bool = False  # uploaded or extracted
    delivered_quality: float | None = None
    lifted: bool = False


@dataclass
class _State:
    verified: bool = False
    image: _Image | None = None
    buffers: dict[int, _Template | None] = field(default_factory=lambda: {1: None, 2: None})
    busy_until: float = float("-inf")
    processing_until: float = float("-inf")


class ZfmSimulator(WireDevice):
    name = "zfm"
    SETTINGS = {
        "finger": Setting(_finger_or_none, None, "always present this finger (default: the SOP order)"),
        "missing": Setting(_fingers, frozenset(), "fingers the applicant does not have"),
        "quality_min": Setting(non_negative(float), 40.0, "below this the applicant presents the finger again"),
        "max_attempts": Setting(non_negative(int), 3, "captures per finger before the applicant moves on"),
        "place_delay": Setting(non_negative(float), 0.0, "seconds from the host's GenImg to the finger on the glass"),
        "password": Setting(lambda v: int(str(v), 0) & 0xFFFFFFFF, zfm.DEFAULT_PASSWORD, "module password"),
        "address": Setting(lambda v: int(str(v), 0) & 0xFFFFFFFF, zfm.DEFAULT_ADDRESS, "module address"),
        "capacity": Setting(non_negative(int), 162, "template library size"),
        "packet_size": Setting(_packet_size, 128, "data packet payload (32/64/128/256)"),
        "sensor": Setting(_geometry, zfm.ZFM20_IMAGE, "image width x height"),
        "security": Setting(non_negative(int), 3, "security level 1..5"),
    }
    DEFAULTS = {"deaf": 0.5}

    def __init__(self, scenario=None, **settings: Any):
        super().__init__(scenario, **settings)
        s = self.settings
        self.address: int = s["address"]
        self.password: int = s["password"]
        self.capacity: int = s["capacity"]
        self.packet_size: int = s["packet_size"]
        self.geometry: zfm.ImageGeometry = s["sensor"]
        self.security: int = s["security"]
        self.baud_multiplier = 6
        self.applicant = FingerApplicant(
            fixed=s["finger"], missing=s["missing"], quality_min=s["quality_min"], max_attempts=s["max_attempts"]
        )
        #: The template library (flash): page id -> template.
        self.library: dict[int, _Template] = {}
        self._reader = zfm.PacketReader(strict=False)
        self._errors_seen = 0
        self._state = _State()
        self._capture: _Capture | None = None
        self._lifting = False
        self._download: _Download | None = None
        #: Bytes of one template (UpChar / DownChar).
        self.template_size = template_size(self.geometry)

    @property
    def threshold(self) -> float:
        return MODULE_THRESHOLDS.get(self.security, MODULE_THRESHOLDS[3])

    # ------------------------------------------------------------------ test helpers

    def present(self, finger: Finger | str | None) -> None:
        """Make the applicant present ``finger`` from now on (``None``: back to the SOP order)."""
        with self._lock:
            self.applicant.fixed = _finger_or_none(finger)

    # ------------------------------------------------------------------ device life

    def power_on(self) -> None:
        self._end_capture()  # the applicant saw how the last capture went before the module went off
        self._reader.reset()
        self._state = _State()
        self._capture = None
        self._lifting = False
        self._download = None

    def garbage(self, size: int) -> bytes:
        return bytes(self._rng.choice(range(0x00, 0xEF)) for _ in range(max(1, size)))

    def _ack(self, code: int = CC.OK, payload: bytes = b"") -> bytes:
        return zfm.ack(code, payload, address=self.address).encode()

    @staticmethod
    def _corrupt(frame: bytes) -> bytes:
        return frame[:-1] + bytes([frame[-1] ^ 0x5A])

    def _reply(self, frame: bytes, fault: Fault | None) -> None:
        if fault is not None and fault.kind == "error_code":
            frame = self._ack(_code(fault, CC.PACKET_RECEIVE_ERROR))
        elif fault is not None and fault.kind == "busy":
            self._state.busy_until = self.clock() + float(fault.param("seconds", 30.0))
            return
        if fault is not None and fault.kind == "slow":
            self._state.processing_until = self.clock() + float(fault.param("seconds", 2.0))
        self.answer(frame, fault, corrupt=self._corrupt)

    # ------------------------------------------------------------------ host bytes

    def handle(self, data: bytes, now: float) -> None:
        packets = self._reader.feed(data)
        if self._reader.errors > self._errors_seen:
            self._errors_seen = self._reader.errors
            if self._download is not None:
                # Data packets are never acknowledged: a corrupt one silently spoils the transfer.
                self._fail_download("checksum")
            elif now >= self._state.processing_until:
                self.send(self._ack(CC.PACKET_RECEIVE_ERROR))  # a command with a bad checksum
        for packet in packets:
            if packet.address != self.address:
                continue  # another module's packet
            if packet.pid in (zfm.PID.DATA, zfm.PID.END_DATA):
                if self._download is not None:
                    self._download_data(packet, now)
                continue  # data nobody asked for
            if packet.pid is not zfm.PID.COMMAND:
                continue
            if self._download is not None:
                self._fail_download("command")  # the host gave up on the transfer
            if now < self._state.processing_until:
                continue  # half duplex: still working on the previous command
            try:
                command = zfm.decode_command(packet)
            except Exception:  # noqa: BLE001 - a malformed command is a receive error on the module too
                self.send(self._ack(CC.PACKET_RECEIVE_ERROR))
                continue
            self._command(command, now)

    def _command(self, command: zfm.Command, now: float) -> None:
        inst = command.instruction
        if inst is I.READ_SYS_PARA and now < self._state.busy_until:
            self._end_capture()
            self._reply(self._ack(CC.OK, self._sys_para(busy=True).to_bytes()), None)
            return
        if now < self._state.busy_until:
            return  # busy: nothing but ReadSysPara is answered
        if inst not in (I.GEN_IMG, I.UP_IMAGE, I.IMG2TZ):
            self._end_capture()
        if self.password and not self._state.verified and inst not in (I.VFY_PWD, I.HANDSHAKE):
            self.send(self._ack(CC.PASSWORD_NOT_VERIFIED))
            return
        handler = getattr(self, f"_do_{inst.name.lower()}", None) if isinstance(inst, I) else None
        if handler is None:
            operation = inst.name.lower() if isinstance(inst, I) else f"instruction_{int(inst):02x}"
            self._reply(self._ack(CC.PACKET_RECEIVE_ERROR), self.fault(operation))
            return
        handler(command, now)

    # ------------------------------------------------------------------ session

    def _do_vfy_pwd(self, command: zfm.Command, now: float) -> None:
        fault = self.fault("open")
        if self.applicant.verifying and self.applicant.verifications:
            self.applicant.new_session()  # the last applicant is done: the next one steps up
            self.emit({"event": "applicant", "session": "new"})
        ok = command.args[0] == self.password
        self._state.verified = self._state.verified or ok
        self._reply(self._ack(CC.OK if ok else CC.WRONG_PASSWORD), fault)

    def _do_handshake(self, command: zfm.Command, now: float) -> None:
        self._reply(self._ack(), self.fault("handshake"))

    def _do_check_sensor(self, command: zfm.Command, now: float) -> None:
        self._reply(self._ack(), self.fault("check_sensor"))

    def _sys_para(self, busy: bool = False) -> zfm.SystemParameters:
        status = 0
        if busy:
            status |= zfm.SystemParameters.BUSY
        if self._state.verified or not self.password:
            status |= zfm.SystemParameters.PASSWORD_VERIFIED
        if self._state.image is not None:
            status |= zfm.SystemParameters.IMAGE_VALID
        return zfm.SystemParameters(
            status=status,
            library_size=self.capacity,
            security_level=self.security,
            address=self.address,
            packet_size_code=zfm.packet_size_code(self.packet_size),
            baud_multiplier=self.baud_multiplier,
        )

    def _do_read_sys_para(self, command: zfm.Command, now: float) -> None:
        fault = self.fault("status")
        if fault is not None and fault.kind == "busy":
            self._state.busy_until = now + float(fault.param("seconds", 30.0))
            self.send(self._ack(CC.OK, self._sys_para(busy=True).to_bytes()))
            return
        self._reply(self._ack(CC.OK, self._sys_para().to_bytes()), fault)

    def _do_set_sys_para(self, command: zfm.Command, now: float) -> None:
        param, value = command.args
        fault = self.fault("set_sys_para")
        valid = {4: range(1, 13), 5: range(1, 6), 6: range(0, 4)}
        if param not in valid or value not in valid[param]:
            self._reply(self._ack(CC.INVALID_REGISTER), fault)
            return
        self._reply(self._ack(), fault)  # acked at the old settings, then applied
        if param == 4:
            self.baud_multiplier = value
        elif param == 5:
            self.security = value
        else:
            self.packet_size = zfm.PACKET_SIZES[value]

    def _do_set_pwd(self, command: zfm.Command, now: float) -> None:
        fault = self.fault("set_pwd")
        self._reply(self._ack(), fault)
        self.password = command.args[0]

    def _do_set_adder(self, command: zfm.Command, now: float) -> None:
        fault = self.fault("set_adder")
        self.address = command.args[0]
        self._reply(self._ack(), fault)  # sent from the new address

    def _do_get_random_code(self, command: zfm.Command, now: float) -> None:
        self._reply(self._ack(CC.OK, struct.pack(">I", self._rng.getrandbits(32))), self.fault("get_random_code"))

    def _do_aura_led_config(self, command: zfm.Command, now: float) -> None:
        self.emit({"event": "led", "control": command.args[0], "colour": command.args[2]})
        self._reply(self._ack(), self.fault("aura_led_config"))

    def _do_soft_reset(self, command: zfm.Command, now: float) -> None:
        fault = self.fault("soft_reset")
        self._reply(self._ack(), fault)
        self.power_on()
        self.send(bytes([zfm.READY_BYTE]), delay=0.2)

    # ------------------------------------------------------------------ capture

    def _end_capture(self) -> None:
        capture, self._capture = self._capture, None
        if capture is None:
            return
        if capture.image is not None:
            self._lifting = True  # the finger leaves the glass before the next one comes
        self.applicant.finished(capture.part, capture.delivered_quality)

    def _do_gen_img(self, command: zfm.Command, now: float) -> None:
        capture = self._capture
        if capture is None or capture.used:
            self._end_capture()
            part = self.applicant.current()
            capture = _Capture(part, self.fault("capture", part.name), now)
            self.applicant.started(part)
            self._capture = capture
        capture.replies += 1
        first = capture.replies == 1
        fault = capture.fault
        kind = fault.kind if fault is not None else None
        wire_fault = fault if first and kind not in ("low_quality", "no_finger", "wrong_finger") else None
        if self._lifting:
            self._lifting = False
            capture.lifted = True
            self._reply(self._ack(CC.NO_FINGER), wire_fault)
            return
        if capture.image is None and self._finger_placed(capture, now):
            capture.image = self._render(capture)
        if capture.image is None:
            self._reply(self._ack(CC.NO_FINGER), wire_fault)
            return
        self._state.image = capture.image
        self._reply(self._ack(), wire_fault)

    def _finger_placed(self, capture: _Capture, now: float) -> bool:
        fault = capture.fault
        if fault is not None and fault.kind == "no_finger":
            seconds = fault.param("seconds")
            if seconds is None or now < capture.started + float(seconds):
                return False
        return now >= capture.started + self.settings["place_delay"]

    def _render(self, capture: _Capture) -> _Image:
        fault = capture.fault
        kind = fault.kind if fault is not None else None
        finger = capture.part
        if kind == "wrong_finger":
            wanted = fault.param("finger") if fault is not None else None
            finger = _finger(wanted) if wanted else Finger(capture.part % 10 + 1)
        impression = self.applicant.impression(finger)
        h, w = self.geometry.height, self.geometry.width
        image = fingerprint.render_finger(self.seed, finger, impression, poor=kind == "low_quality", size=(h, w))
        pixels = zfm.unpack_image(zfm.pack_image(image), self.geometry)  # what the host will see
        return _Image(pixels, finger, round(float(fingerprint_quality(pixels)), 1), impression)

    def _do_up_image(self, command: zfm.Command, now: float) -> None:
        capture = self._capture
        part = capture.part.name if capture is not None else None
        fault = self.fault("upload", part)
        image = self._state.image
        if image is None:
            self._reply(self._ack(CC.NO_VALID_IMAGE), fault)
            return
        delivered = self._send_data(zfm.pack_image(image.pixels), fault, CC.UPLOAD_IMAGE_FAILED)
        if delivered is None:
            return
        if capture is not None:
            capture.used = True
            if delivered:
                capture.delivered_quality = image.quality
        if delivered:
            self.emit({"event": "finger", "asked": part, "finger": image.finger.name,
                       "impression": image.impression, "quality": image.quality})  # fmt: skip

    def _send_data(self, payload: bytes, fault: Fault | None, failed_code: int) -> bool | None:
        """Ack, then ``payload`` as data packets through the scripted fault. Returns whether the host got the data
        intact (``None``: not even the ack went out as it should)."""
        kind = fault.kind if fault is not None else None
        if kind == "error_code":
            self.send(self._ack(_code(fault, failed_code)))
            return None
        if kind in ("no_answer", "replug", "busy"):
            self._reply(self._ack(), fault)
            return None
        packets = [p.encode() for p in zfm.split_data(payload, self.packet_size, address=self.address)]
        if kind == "bad_checksum":
            index = int(fault.param("packet", len(packets) // 2)) % len(packets)
            packets[index] = self._corrupt(packets[index])
        elif kind == "garbage":
            packets = [self.garbage(sum(len(p) for p in packets))]
        data = b"".join(packets)
        self.send(self._ack())
        if kind in ("truncated", "unplug", "slow"):
            self.answer(data, fault, default_cut=len(data) // 2 + 5)  # inside a data packet
            return kind == "slow"
        self.send(data)
        return kind not in WIRE_FAULTS  # bad_checksum and garbage spoil the data

    # ------------------------------------------------------------------ transfers to and from the host

    def _do_up_char(self, command: zfm.Command, now: float) -> None:
        buffer_id = command.args[0]
        fault = self.fault("up_char")
        if buffer_id not in (1, 2):
            self._reply(self._ack(CC.INVALID_REGISTER), fault)
            return
        template = self._state.buffers[buffer_id]
        if template is None:
            self._reply(self._ack(CC.UPLOAD_TEMPLATE_FAILED), fault)  # nothing in the buffer to upload
            return
        if self._send_data(template.data, fault, CC.UPLOAD_TEMPLATE_FAILED):
            self.emit({"event": "template", "direction": "up", "buffer": buffer_id, "bytes": len(template.data),
                       "valid": template.features is not None})  # fmt: skip

    def _do_down_char(self, command: zfm.Command, now: float) -> None:
        buffer_id = command.args[0]
        fault = self.fault("down_char")
        if buffer_id not in (1, 2):
            self._reply(self._ack(CC.INVALID_REGISTER), fault)
            return
        self._start_download("template", buffer_id, fault, self.template_size)

    def _do_down_image(self, command: zfm.Command, now: float) -> None:
        self._start_download("image", 0, self.fault("down_image"), self.geometry.packed_size)

    def _start_download(self, what: str, buffer_id: int, fault: Fault | None, expected: int) -> None:
        kind = fault.kind if fault is not None else None
        if kind == "error_code":
            self.send(self._ack(_code(fault, CC.CANNOT_RECEIVE_DATA)))
            return
        # The buffer is overwritten from here on: a transfer that does not complete leaves it empty.
        if what == "template":
            self._state.buffers[buffer_id] = None
        else:
            self._state.image = None
        ack_fault = fault if kind in ("no_answer", "slow", "replug", "busy") else None
        self._reply(self._ack(), ack_fault)
        if kind in ("replug", "busy"):
            return
        assembler = zfm.DataAssembler(packet_size=self.packet_size)
        self._download = _Download(what, buffer_id, fault, assembler, expected, self.packet_size)

    def _download_data(self, packet: zfm.Packet, now: float) -> None:
        download = self._download
        assert download is not None
        fault = download.fault
        kind = fault.kind if fault is not None else None
        index = download.packets
        download.packets += 1
        size = len(packet.encode())
        middle = download.expected_packets // 2
        if kind == "unplug":
            cut = fault.param("after_bytes")
            wire = download.expected + 11 * download.expected_packets
            limit = int(cut) if cut is not None else wire // 2
            if download.received + size > limit:
                self._download = None
                replug = fault.param("replug_after")
                self.emit({"event": "transfer_failed", "what": download.what, "reason": "unplug"})
                self.unplug(replug_after=None if replug is None else float(replug))
                return
        download.received += size
        if kind in ("bad_checksum", "garbage") and index == int(fault.param("packet", middle)):
            self._fail_download("checksum" if kind == "bad_checksum" else "garbage")
            return
        if kind == "truncated" and index >= int(fault.param("packet", middle)):
            if packet.pid is zfm.PID.END_DATA:
                self._fail_download("truncated")
            return  # lost on the line
        try:
            payload = download.assembler.add(packet)
        except ProtocolError:
            self._fail_download("sequence")
            return
        if payload is None:
            return
        self._download = None
        if download.what == "template":
            template = _Template(payload, decode_template(payload), None)
            self._state.buffers[download.buffer_id] = template
            self.emit({"event": "template", "direction": "down", "buffer": download.buffer_id, "bytes": len(payload),
                       "valid": template.features is not None})  # fmt: skip
            return
        try:
            pixels = zfm.unpack_image(payload, self.geometry)
        except ProtocolError:
            self.emit({"event": "transfer_failed", "what": "image", "reason": "size", "bytes": len(payload)})
            return
        pixels = zfm.unpack_image(zfm.pack_image(pixels), self.geometry)  # the buffer holds 4-bit pixels
        image = _Image(pixels, None, round(float(fingerprint_quality(pixels)), 1), 0)
        self._state.image = image
        self.emit({"event": "image", "direction": "down", "bytes": len(payload), "quality": image.quality})

    def _fail_download(self, reason: str) -> None:
        download, self._download = self._download, None
        if download is None:
            return
        if download.what == "template":
            self._state.buffers[download.buffer_id] = None
        else:
            self._state.image = None
        self.emit({"event": "transfer_failed", "what": download.what, "reason": reason})

    # ------------------------------------------------------------------ templates

    def _template(self, image: _Image) -> _Template:
        """Img2Tz: the features of the image, exactly as an UpChar would carry them."""
        data = encode_template(extract(image.pixels), self.template_size)
        return _Template(data, decode_template(data), image.finger)

    def _do_img2tz(self, command: zfm.Command, now: float) -> None:
        buffer_id = command.args[0]
        capture = self._capture
        fault = self.fault("extract", capture.part.name if capture is not None else None)
        image = self._state.image
        if buffer_id not in (1, 2):
            code = CC.INVALID_REGISTER
        elif image is None:
            code = CC.NO_VALID_IMAGE
        elif image.quality < FEATURE_QUALITY_MIN / 2:
            code = CC.IMAGE_TOO_DISORDERED
        elif image.quality < FEATURE_QUALITY_MIN:
            code = CC.TOO_FEW_FEATURES
        else:
            code = CC.OK
            self._state.buffers[buffer_id] = self._template(image)
        if capture is not None:
            capture.used = True
            if code is CC.OK and (fault is None or fault.kind == "slow"):
                capture.delivered_quality = image.quality if image else None
        self._reply(self._ack(code), fault)

    def _do_reg_model(self, command: zfm.Command, now: float) -> None:
        fault = self.fault("merge")
        one, two = self._state.buffers[1], self._state.buffers[2]
        if one is None or two is None:
            self._reply(self._ack(CC.MERGE_FAILED), fault)
            return
        if one.score(two) < self.threshold:
            self._reply(self._ack(CC.MERGE_FAILED), fault)
            return
        self._state.buffers[2] = one
        self._reply(self._ack(), fault)

    def _do_store(self, command: zfm.Command, now: float) -> None:
        buffer_id, page = command.args
        fault = self.fault("store")
        template = self._state.buffers.get(buffer_id)
        if page >= self.capacity:
            code = CC.PAGE_ID_OUT_OF_RANGE
        elif template is None:
            code = CC.PACKET_RECEIVE_ERROR
        else:
            code = CC.OK
        if code is CC.OK and (fault is None or fault.kind in ("slow",)):
            self.library[page] = template  # type: ignore[assignment]
            finger = template.finger.name if template.finger is not None else None  # type: ignore[union-attr]
            self.emit({"event": "enrolled", "page": page, "finger": finger})
        self._reply(self._ack(code), fault)

    def _do_load_char(self, command: zfm.Command, now: float) -> None:
        buffer_id, page = command.args
        fault = self.fault("load")
        if page >= self.capacity:
            code = CC.PAGE_ID_OUT_OF_RANGE
        elif page not in self.library:
            code = CC.TEMPLATE_READ_ERROR
        else:
            code = CC.OK
            self._state.buffers[buffer_id] = self.library[page]
        self._reply(self._ack(code), fault)

    def _do_match(self, command: zfm.Command, now: float) -> None:
        fault = self.fault("match")
        one, two = self._state.buffers[1], self._state.buffers[2]
        if one is None or two is None:
            self._reply(self._ack(CC.PACKET_RECEIVE_ERROR), fault)
            return
        value = one.score(two)
        matched = value >= self.threshold
        score = int(round(value * SCORE_SCALE))
        self.emit({"event": "match", "matched": matched, "score": score})
        self._reply(zfm.match_ack(score, matched=matched, address=self.address).encode(), fault)

    def _do_search(self, command: zfm.Command, now: float) -> None:
        buffer_id, start, count = command.args
        fault = self.fault("search")
        probe = self._state.buffers.get(buffer_id)
        if probe is None:
            self._reply(self._ack(CC.PACKET_RECEIVE_ERROR), fault)
            return
        best_page, best_score = 0, 0.0
        for page in sorted(p for p in self.library if start <= p < start + count):
            score = self.library[page].score(probe)
            if score > best_score:
                best_page, best_score = page, score
        found = best_score >= self.threshold
        module_score = int(round(best_score * SCORE_SCALE))
        self.emit({"event": "search", "found": found, "page": best_page if found else None, "score": module_score})
        frame = zfm.search_ack(best_page if found else 0, module_score if found else 0, found=found,
                               address=self.address).encode()  # fmt: skip
        self._reply(frame, fault)

    _do_high_speed_search = _do_search

    def _do_delete_char(self, command: zfm.Command, now: float) -> None:
        first, count = command.args
        fault = self.fault("delete")
        if first >= self.capacity:
            self._reply(self._ack(CC.DELETE_FAILED), fault)
            return
        removed = [p for p in list(self.library) if first <= p < first + count]
        for page in removed:
            del self.library[page]
        self.emit({"event": "deleted", "pages": removed})
        self._reply(self._ack(), fault)

    def _do_empty(self, command: zfm.Command, now: float) -> None:
        fault = self.fault("empty")
        removed = sorted(self.library)
        self.library.clear()
        self.emit({"event": "deleted", "pages": removed})
        self._reply(self._ack(), fault)

    def _do_template_num(self, command: zfm.Command, now: float) -> None:
        self._reply(zfm.template_count_ack(len(self.library), address=self.address).encode(), self.fault("template_num"))

    def _do_read_con_list(self, command: zfm.Command, now: float) -> None:
        page = command.args[0]
        fault = self.fault("read_con_list")
        if page > 3:
            self._reply(self._ack(CC.INVALID_REGISTER), fault)
            return
        self._reply(zfm.index_table_ack(self.library, page, address=self.address).encode(), fault)


def _code(fault: Fault | None, default: int) -> int:
    value = fault.param("code", default) if fault is not None else default
    return int(str(value), 0) & 0xFF
