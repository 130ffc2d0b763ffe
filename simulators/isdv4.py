"""Wire simulator of a Wacom ISDV4 (W8001) serial signature pad, 38400 8N1.

Commands are single ASCII bytes (:mod:`drivers.protocols.isdv4`): ``*`` (pen query) is answered with the
11-byte query reply carrying the pad's ranges, ``%`` (touch query) with a reply saying "no touch sensor",
``&`` (touch reset) is echoed, ``1`` starts sampling and ``0`` stops it (pen packets not yet sent are
dropped).

**The simulated signer.** Every ``1`` is the operator asking for a signature: ``sign_delay`` seconds later the
person (``seed``) brings the pen near the pad (a few hover packets), signs (the pen strokes of
:func:`simulators.models.signature.signature_samples`, a different attempt each time, at the model's 133 Hz
sample rate divided by ``pace``), lifts the pen between strokes (hover packets) and finally takes it away
(one packet without proximity). Packets go out at their sample times, and with ``throttle`` no faster than
the line allows.

Settings: ``seed``, ``pace`` (drawing speed factor, default 1), ``sign_delay`` (default 0.2 s),
``max_x``/``max_y``/``max_pressure`` (default the model's 10206 x 7422 x 1023), ``version`` (firmware,
default 0x0102), plus the common ``throttle``, ``deaf``, ``cold``.

**Faults**, by operation: ``query`` (the ``*`` command) and ``capture`` (each start of sampling, i.e. each
signature the host asks for). Kinds:

* ``query``: ``no_answer``; ``garbage`` (7-bit noise instead of the reply); ``bad_checksum`` (ISDV4 has no
  checksum: the reply arrives corrupted, with bit 7 set inside it); ``truncated``; ``slow`` (``seconds``);
  ``error_code`` (the reply reports zero ranges); ``busy`` (the pad keeps streaming hover packets for
  ``seconds``, default 30, and ignores stop and query); ``unplug``; ``replug``;
* ``capture``: ``no_finger`` (the pen hovers but never touches); ``low_quality`` (a hurried scribble);
  ``no_answer`` (no packet at all); ``garbage`` (``count`` noise bytes in the middle of the signature);
  ``bad_checksum`` (``count`` packets corrupted, default 3); ``truncated`` (the stream stops in the middle of
  a packet); ``slow`` (the signer starts ``seconds`` late); ``unplug`` (after ``after_bytes``, default half
  the signature); ``replug``.

Events: ``signature`` (attempt, points, strokes, seconds), ``fault``, ``unplug``, ``replug``.
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
                self.send(isdv4.TouchQueryReply(0, 0, 0, 0, version=self.settings["version"]).encode())
            elif command == isdv4.CMD_TOUCH_RESET:
                self.send(command)

    # ------------------------------------------------------------------ query

    def query_reply(self, zero: bool = False) -> bytes:
        s = self.settings
        if zero:
            return isdv4.QueryReply(0, 0, 0, version=s["version"]).encode()
        return isdv4.QueryReply(s["max_x"], s["max_y"], s["max_pressure"], version=s["version"]).encode()

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
            if kind == "truncated":  # stop inside a packet
                default = default // isdv4.PEN_PACKET_LEN * isdv4.PEN_PACKET_LEN + 4
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
        })  # fmt: skip
