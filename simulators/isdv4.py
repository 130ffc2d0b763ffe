"""Wire simulator of a Wacom ISDV4 (W8001) serial signature pad, 38400 8N1.

Commands are single ASCII bytes (:mod:`drivers.protocols.isdv4`): ``*`` (pen query) is answered with the
11-byte query reply carrying the pad's ranges, ``%`` (touch query) with the touch query reply (byte 1 zero, "no
touch sensor", unless ``touch`` names one), ``&`` (touch reset) is echoed, ``1`` starts sampling and ``0`` stops
it (packets not yet sent are dropped).

**Touch.** With ``touch`` = ``93`` (resistive, 5-byte packets), ``9a`` (capacitive, 7-byte packets with the
finger's capacity) or ``2fg`` (two fingers, 13-byte packets) the pad has a touch screen of ``touch_max_x`` x
``touch_max_y`` (default 4095 x 4095) and says so in the touch query reply (sensor id 0, 1 or 5, as
wacom_w8001.c reads it). A ``[[touches]]`` entry of the scenario (see :mod:`simulators.scenario`) puts a finger
or a palm on the screen during a signature: fields ``attempt`` (which signature), ``at`` (seconds after the pen
comes near, default 0), ``seconds`` (how long, default 0.3), ``x``/``y`` (touch units, default the centre),
``fingers`` (2: a second finger at ``x2``/``y2``, on a ``2fg`` screen only) and ``capacity``. The screen then
reports the finger :data:`TOUCH_RATE_HZ` times a second and once more when it leaves (finger bit clear), in the
middle of the pen packets, as a real pad does. A pad without a touch screen sends nothing for them.

**The simulated signer.** Every ``1`` is the operator asking for a signature: ``sign_delay`` seconds later the
person (``seed``) brings the pen near the pad (a few hover packets), signs (the pen strokes of
:func:`simulators.models.signature.signature_samples`, a different attempt each time, at the model's 133 Hz
sample rate divided by ``pace``), lifts the pen between strokes (hover packets) and finally takes it away
(one packet without proximity). Packets go out at their sample times, and with ``throttle`` no faster than
the line allows.

Settings: ``seed``, ``pace`` (drawing speed factor, default 1), ``sign_delay`` (default 0.2 s),
``max_x``/``max_y``/``max_pressure`` (default the model's 10206 x 7422 x 1023), ``version`` (firmware,
default 0x0102), ``touch`` (``none``, ``93``, ``9a``, ``2fg``; default ``none``), ``touch_max_x``/``touch_max_y``,
plus the common ``throttle``, ``deaf``, ``cold``.

**Faults**, by operation: ``query`` (the ``*`` command), ``touch_query`` (the ``%`` command: the wire faults
of :meth:`WireDevice.answer`) and ``capture`` (each start of sampling, i.e. each signature the host asks for).
Kinds:

* ``query``: ``no_answer``; ``garbage`` (7-bit noise instead of the reply); ``bad_checksum`` (ISDV4 has no
  checksum: the reply arrives corrupted, with bit 7 set inside it); ``truncated``; ``slow`` (``seconds``);
  ``error_code`` (the reply reports zero ranges); ``busy`` (the pad keeps streaming hover packets for
  ``seconds``, default 30, and ignores stop and query); ``unplug``; ``replug``;
* ``capture``: ``no_finger`` (the pen hovers but never touches); ``low_quality`` (a hurried scribble);
  ``no_answer`` (no packet at all); ``garbage`` (``count`` noise bytes in the middle of the signature);
  ``bad_checksum`` (``count`` packets corrupted, default 3); ``truncated`` (the stream stops in the middle of
  a packet); ``slow`` (the signer starts ``seconds`` late); ``unplug`` (after ``after_bytes``, default half
  the signature); ``replug``.

Events: ``signature`` (attempt, points, strokes, seconds, touches), ``touch`` (one per scripted touch the
screen reported: attempt, at, x, y, fingers, packets), ``fault``, ``unplug``, ``replug``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from drivers.protocols import isdv4
from simulators.models import signature
from simulators.scenario import Fault
from simulators.wire.device import Setting, WireDevice, non_negative

#: Hover reports before the first touch-down.
APPROACH_SAMPLES = 6
#: Touch reports per second while a finger lies on the screen (a simulator choice: the protocol sets no rate).
TOUCH_RATE_HZ = 100.0
#: ``touch`` setting -> sensor id of the touch query reply ([W8001] w8001_setup: 0/2 -> 5-byte packets,
#: 1/3/4 -> 7-byte, 5 -> 13-byte two-finger packets).
TOUCH_SENSORS = {"93": isdv4.TouchSensor.RESISTIVE_93, "9a": isdv4.TouchSensor.CAPACITIVE_9A,
                 "2fg": isdv4.TouchSensor.TWO_FINGER}  # fmt: skip


def _touch_sensor(value: Any) -> isdv4.TouchSensor | None:
    text = str(value).strip().lower()
    if text in ("", "none", "no", "0x0", "off"):
        return None
    if text in TOUCH_SENSORS:
        return TOUCH_SENSORS[text]
    return isdv4.TouchSensor(int(text))


def _positive(value: Any) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(value)
    return number


class Isdv4Simulator(WireDevice):
    name = "isdv4"
    SETTINGS = {
        "pace": Setting(_positive, 1.0, "drawing speed factor (2 = twice as fast)"),
        "sign_delay": Setting(non_negative(float), 0.2, "seconds from start of sampling to the pen"),
        "max_x": Setting(non_negative(int), signature.MAX_X, "x range"),
        "max_y": Setting(non_negative(int), signature.MAX_Y, "y range"),
        "max_pressure": Setting(non_negative(int), signature.MAX_PRESSURE, "pressure range"),
        "version": Setting(lambda v: int(str(v), 0), 0x0102, "firmware version"),
        "touch": Setting(_touch_sensor, None, "touch screen: none, 93, 9a or 2fg"),
        "touch_max_x": Setting(non_negative(int), 4095, "touch x range (14 bits at most)"),
        "touch_max_y": Setting(non_negative(int), 4095, "touch y range (14 bits at most)"),
    }

    def __init__(self, scenario=None, **settings: Any):
        super().__init__(scenario, **settings)
        self.sampling = False
        self.signatures = 0
        self._busy_until = float("-inf")

    def power_on(self) -> None:
        self.sampling = False
        self._busy_until = float("-inf")

    def garbage(self, size: int) -> bytes:
        return bytes(self._rng.randrange(0x00, 0x80) for _ in range(max(1, size)))  # never a lead byte

    # ------------------------------------------------------------------ host bytes

    def handle(self, data: bytes, now: float) -> None:
        for byte in data:
            command = bytes([byte])
            if now < self._busy_until:
                continue  # busy streaming: commands are not taken
            if command == isdv4.CMD_STOP:
                self.sampling = False
                self.cancel_output()
            elif command == isdv4.CMD_START:
                self.sampling = True
                self.cancel_output()
                self._sign(now)
            elif command == isdv4.CMD_QUERY:
                self._query(now)
            elif command == isdv4.CMD_TOUCH_QUERY:
                self.answer(self.touch_query_reply(), self.fault("touch_query"), corrupt=self._corrupt)
            elif command == isdv4.CMD_TOUCH_RESET:
                self.send(command)

    # ------------------------------------------------------------------ query

    def query_reply(self, zero: bool = False) -> bytes:
        s = self.settings
        if zero:
            return isdv4.QueryReply(0, 0, 0, version=s["version"]).encode()
        return isdv4.QueryReply(s["max_x"], s["max_y"], s["max_pressure"], version=s["version"]).encode()

    def touch_query_reply(self) -> bytes:
        s = self.settings
        sensor = s["touch"]
        if sensor is None:  # "their second byte is empty, which indicates touch is not supported" ([W8001])
            return isdv4.TouchQueryReply(0, 0, 0, 0, version=s["version"]).encode()
        capacity = 0 if sensor.packet_length == isdv4.TOUCH_93_LEN else 6
        return isdv4.TouchQueryReply(10, int(sensor), min(s["touch_max_x"], 0x3FFF), min(s["touch_max_y"], 0x3FFF),
                                     capacity, version=s["version"]).encode()  # fmt: skip

    @staticmethod
    def _corrupt(reply: bytes) -> bytes:
        middle = len(reply) // 2
        return reply[:middle] + bytes([reply[middle] | 0x80]) + reply[middle + 1 :]

    def _query(self, now: float) -> None:
        fault = self.fault("query")
        kind = fault.kind if fault is not None else None
        if kind == "busy":
            seconds = float(fault.param("seconds", 30.0))
            self._busy_until = now + seconds
            self._hover(now, seconds)
            return
        self.answer(self.query_reply(zero=kind == "error_code"), fault, corrupt=self._corrupt)

    def _hover(self, start: float, seconds: float) -> None:
        """The pen lying on (near) the pad: proximity reports without tip, for ``seconds``."""
        dt = 1.0 / signature.SAMPLE_RATE_HZ
        x, y = self.settings["max_x"] // 3, self.settings["max_y"] // 2
        for k in range(max(1, int(seconds / dt))):
            packet = isdv4.PenPacket(True, False, False, False, x + k % 7, y, 0)
            self.send(packet.encode(), at=start + k * dt)

    # ------------------------------------------------------------------ signature

    def _samples(self, attempt: int, fault: Fault | None) -> list[signature.PenSample]:
        samples = signature.signature_samples(self.seed, attempt=attempt)
        kind = fault.kind if fault is not None else None
        if kind == "low_quality":
            # A hurried scribble: the pen leaves early in the first stroke.
            first_lift = next((i for i, s in enumerate(samples) if not s.touching), len(samples))
            samples = samples[: max(3, min(first_lift, 14))]
            last = samples[-1]
            samples.append(replace(last, t=last.t + 1.0 / signature.SAMPLE_RATE_HZ, pressure=0, touching=False))
        elif kind == "no_finger":
            samples = [replace(s, pressure=0, touching=False) for s in samples[: int(signature.SAMPLE_RATE_HZ)]]
        return samples

    def _packets(self, samples: list[signature.PenSample]) -> list[tuple[float, bytes]]:
        s = self.settings
        sx = s["max_x"] / signature.MAX_X
        sy = s["max_y"] / signature.MAX_Y
        sp = s["max_pressure"] / signature.MAX_PRESSURE
        dt = 1.0 / signature.SAMPLE_RATE_HZ
        out: list[tuple[float, bytes]] = []
        first = samples[0]
        for k in range(APPROACH_SAMPLES, 0, -1):  # the pen comes near before it touches
            approach = isdv4.PenPacket(True, False, False, False, int(first.x * sx), int(first.y * sy), 0)
            out.append((first.t - k * dt, approach.encode()))
        for sample in samples:
            packet = isdv4.PenPacket(
                proximity=True,
                tip=sample.touching,
                side=False,
                eraser=False,
                x=min(s["max_x"], int(round(sample.x * sx))),
                y=min(s["max_y"], int(round(sample.y * sy))),
                pressure=min(s["max_pressure"], int(round(sample.pressure * sp))) if sample.touching else 0,
            )
            out.append((sample.t, packet.encode()))
        last = samples[-1]
        away = isdv4.PenPacket(False, False, False, False, int(last.x * sx), int(last.y * sy), 0)
        out.append((last.t + dt, away.encode()))
        return out

    def _sign(self, now: float) -> None:
        fault = self.fault("capture")
        kind = fault.kind if fault is not None else None
        attempt = self.signatures
        self.signatures += 1
        if kind == "no_answer":
            return
        if kind == "replug":
            self.answer(b"", fault)
            return
        samples = self._samples(attempt, fault)
        packets = self._packets(samples)
        pace = self.settings["pace"]
        start = now + self.settings["sign_delay"] + (float(fault.param("seconds", 2.0)) if kind == "slow" else 0.0)
        t0 = packets[0][0]
        timed = [(start + (t - t0) / pace, data) for t, data in packets]
        touch_packets = self._touches(self.scenario.touches_for("capture"), start, attempt + 1)
        if touch_packets:  # one wire: touch reports go out between the pen packets, in time order
            timed = sorted(timed + touch_packets, key=lambda item: item[0])
        if kind == "bad_checksum":
            count = int(fault.param("count", 3))
            middle = len(timed) // 2
            for index in range(middle, min(len(timed), middle + count)):
                t, data = timed[index]
                timed[index] = (t, self._corrupt(data))
        total = sum(len(data) for _, data in timed)
        cut_at = None
        if kind in ("truncated", "unplug"):
            default = total // 2
            if kind == "truncated":  # stop inside a packet: 4 bytes into the packet that holds the middle byte
                offset = 0
                for _, data in timed:
                    if offset + len(data) > default:
                        default = offset + min(4, len(data) - 1)
                        break
                    offset += len(data)
            cut_at = max(0, min(total, int(fault.param("after_bytes", default))))
        sent = 0
        for index, (t, data) in enumerate(timed):
            if kind == "garbage" and index == len(timed) // 2:
                self.send(self.garbage(int(fault.param("count", 18))), at=t)
            if cut_at is not None and sent + len(data) >= cut_at:
                piece = data[: cut_at - sent]
                if kind == "unplug":
                    replug = fault.param("replug_after")
                    self.send(piece, at=t, cut=True, replug_after=None if replug is None else float(replug))
                elif piece:
                    self.send(piece, at=t)
                break
            self.send(data, at=t)
            sent += len(data)
        touching = [p for p in samples if p.touching]
        strokes = sum(1 for a, b in zip([False] + [p.touching for p in samples], [p.touching for p in samples]) if b and not a)
        self.emit({
            "event": "signature",
            "attempt": attempt + 1,
            "points": len(touching),
            "strokes": strokes,
            "seconds": round((samples[-1].t - samples[0].t) / pace, 2),
            "touches": len(touch_packets),
        })  # fmt: skip

    def _touches(self, touches: list[Fault], start: float, attempt: int) -> list[tuple[float, bytes]]:
        """Touch packets (time, bytes) for the scripted touches of one signature; none without a touch screen."""
        s = self.settings
        sensor: isdv4.TouchSensor | None = s["touch"]
        if sensor is None or not touches:
            return []
        length = sensor.packet_length
        max_x, max_y = min(s["touch_max_x"], 0x3FFF), min(s["touch_max_y"], 0x3FFF)
        with_capacity = length != isdv4.TOUCH_93_LEN
        dt = 1.0 / TOUCH_RATE_HZ
        out: list[tuple[float, bytes]] = []
        for touch in touches:
            at = float(touch.param("at", 0.0))
            seconds = float(touch.param("seconds", 0.3))
            x = max(0, min(max_x, int(touch.param("x", max_x // 2))))
            y = max(0, min(max_y, int(touch.param("y", max_y // 2))))
            two = int(touch.param("fingers", 1)) >= 2 and sensor is isdv4.TouchSensor.TWO_FINGER
            x2 = max(0, min(max_x, int(touch.param("x2", x + max_x // 8)))) if two else 0
            y2 = max(0, min(max_y, int(touch.param("y2", y)))) if two else 0
            capacity = max(0, min(0x3FFF, int(touch.param("capacity", 200)))) if with_capacity else 0
            reports = max(1, int(round(seconds * TOUCH_RATE_HZ)))
            down = isdv4.TouchPacket(length, True, x, y, capacity, two, x2, y2, capacity if two else 0).encode()
            for k in range(reports):
                out.append((start + at + k * dt, down))
            up = isdv4.TouchPacket(length, False, x, y, 0, False, x2, y2, 0).encode()  # the finger leaves
            out.append((start + at + reports * dt, up))
            self.emit({"event": "touch", "attempt": attempt, "at": at, "x": x, "y": y, "fingers": 2 if two else 1,
                       "packets": reports + 1})  # fmt: skip
        return out
