"""A simulated device at the byte level: the host's bytes go in, scheduled bytes come out.

:class:`WireDevice` is the base of every wire simulator (ZFM, ISDV4, ESC/POS printer, Alpha LED board). It knows
nothing of a transport: the in-process pyserial scheme, the pty server and the TCP server all move bytes with
the same four calls (:meth:`receive`, :meth:`read`, :meth:`wait`, :meth:`discard_released`).

Output is a queue of *segments*, each released at a time of its own: an answer now, an answer late (fault
``slow``), a pen packet 7.5 ms after the previous one. With ``throttle`` (a baud rate) the bytes of a segment
leave at the speed of an 8N1 line (10 bits per byte) and segments queue behind each other as on a real wire,
so a transport that forwards bytes as they are released sees the line's timing. No thread is needed: a reader
asks what is due now, and :meth:`wait` sleeps until the next byte is due.

The link can drop (``unplug``) and come back (``replug``), either from a scripted fault, at a given byte of an
answer, or from the controller (tests, ``SIGUSR1``/``SIGUSR2`` of ``ektp-sim``). Each drop increments
:attr:`generation`; a transport that opened the link under an older generation gets :class:`LinkDown` and
must be re-opened, as a real port after a USB re-plug. After power-on (re-plug) the device ignores the host for
``deaf`` seconds, as ZFM modules do for about 500 ms.

Settings (URL query of ``ektpsim://``, ``[applicant]`` table of a scenario, ``ektp-sim`` options) common to all
devices: ``seed`` (the synthetic person, default 1), ``throttle`` (line speed in baud, 0 = as fast as the
transport goes), ``deaf`` (seconds of deafness after power-on), ``cold`` (power on at creation, so the first
``deaf`` seconds are deaf too; the CLI starts cold, an in-process device warm).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from simulators.scenario import Fault, Scenario

#: Faults acted out on one answer by :meth:`WireDevice.answer`, the same way on every device.
WIRE_FAULTS = frozenset({"no_answer", "garbage", "bad_checksum", "truncated", "slow", "unplug", "replug"})


class LinkDown(Exception):
    """The host's link to the device is gone (unplugged, or re-plugged since the host opened it)."""


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "ya", "on"):
        return True
    if text in ("0", "false", "no", "tidak", "off", ""):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def non_negative(kind: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(value)
        number = kind(value)
        if number < 0:
            raise ValueError(value)
        return number

    return convert


@dataclass(frozen=True)
class Setting:
    convert: Callable[[Any], Any]
    default: Any
    help: str = ""


COMMON_SETTINGS: dict[str, Setting] = {
    "seed": Setting(int, 1, "synthetic person (fingerprints, signature)"),
    "throttle": Setting(non_negative(int), 0, "line speed in baud (8N1); 0 = unthrottled"),
    "deaf": Setting(non_negative(float), 0.0, "seconds the device ignores the host after power-on"),
    "cold": Setting(to_bool, False, "power on at creation (deaf at start)"),
}


@dataclass
class _Segment:
    data: bytes
    start: float
    rate: float | None  # bytes per second; None = all at once at ``start``
    sent: int = 0
    cut: bool = False  # the link drops once this segment has gone out
    replug_after: float | None = None

    def released(self, now: float) -> int:
        if now < self.start:
            return 0
        if self.rate is None:
            return len(self.data)
        return min(len(self.data), int((now - self.start) * self.rate + 1e-9))

    @property
    def end(self) -> float:
        return self.start if self.rate is None else self.start + len(self.data) / self.rate


class WireDevice:
    """Base of the wire simulators. Subclasses implement :meth:`handle` (and :meth:`power_on`)."""

    name = "device"
    #: Device-specific settings (beyond :data:`COMMON_SETTINGS`); a subclass may also override defaults there.
    SETTINGS: dict[str, Setting] = {}
    DEFAULTS: dict[str, Any] = {}

    def __init__(self, scenario: Scenario | None = None, *, clock: Callable[[], float] = time.monotonic, **settings: Any):
        self.clock = clock
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self.scenario = scenario or Scenario.healthy()
        # Keys of the scenario's [applicant] table that this device does not know belong to other simulators
        # (one scenario file may serve a whole station); explicit settings must all be known.
        specs = self.setting_specs()
        applicant = {k: v for k, v in getattr(self.scenario, "applicant", {}).items() if k in specs}
        self.settings = self.parse_settings({**applicant, **settings})
        self.seed: int = self.settings["seed"]
        self.throttle: int = self.settings["throttle"]
        self.deaf: float = self.settings["deaf"]
        self._rng = random.Random(self.seed * 7919 + 17)
        self._segments: deque[_Segment] = deque()
        self._wire_free = 0.0
        self.plugged = True
        self.generation = 0
        self._powered_at = self.clock() if self.settings["cold"] else float("-inf")
        self.events: list[dict[str, Any]] = []
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._link_listeners: list[Callable[[bool], None]] = []
        self._timers: list[threading.Timer] = []
        self.closed = False

    # ------------------------------------------------------------------ settings

    @classmethod
    def setting_specs(cls) -> dict[str, Setting]:
        specs = dict(COMMON_SETTINGS)
        specs.update(cls.SETTINGS)
        for key, default in cls.DEFAULTS.items():
            specs[key] = Setting(specs[key].convert, default, specs[key].help)
        return specs

    @classmethod
    def parse_settings(cls, raw: dict[str, Any]) -> dict[str, Any]:
        """Validate settings; raises ``ValueError`` with a one-line message naming the bad one."""
        specs = cls.setting_specs()
        values = {key: spec.default for key, spec in specs.items()}
        for key, value in raw.items():
            if key not in specs:
                raise ValueError(f"pengaturan simulator {cls.name} tidak dikenal: {key} (pilihan: {', '.join(sorted(specs))})")
            try:
                values[key] = specs[key].convert(value)
            except (TypeError, ValueError, KeyError):
                raise ValueError(f"nilai pengaturan {key} tidak valid: {value!r}") from None
        return values

    def set_scenario(self, scenario: Scenario) -> None:
        """Replace the scripted faults (occurrence counts start again)."""
        with self._lock:
            self.scenario = scenario

    # ------------------------------------------------------------------ observers

    def add_listener(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """``callback(event)`` for every event (the CLI prints them as JSON lines)."""
        with self._lock:
            self._listeners.append(callback)

    def add_link_listener(self, callback: Callable[[bool], None]) -> None:
        """``callback(plugged)`` when the link drops or comes back (servers close/re-create their ends)."""
        with self._lock:
            self._link_listeners.append(callback)

    def emit(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(event)
            listeners = list(self._listeners)
        for callback in listeners:
            callback(event)

    # ------------------------------------------------------------------ host side (transports)

    def _check_link(self, generation: int | None) -> None:
        if not self.plugged or (generation is not None and generation != self.generation):
            raise LinkDown(f"{self.name}: link down")

    def receive(self, data: bytes, generation: int | None = None) -> None:
        """Bytes from the host."""
        if not data:
            return
        with self._lock:
            self._check_link(generation)
            now = self.clock()
            if now < self._powered_at + self.deaf:
                return  # still starting up: the bytes are lost, as on the real module
            self.handle(bytes(data), now)
            self._cond.notify_all()

    def read(self, limit: int = 65536, generation: int | None = None) -> bytes:
        """The bytes due by now (at most ``limit``). Raises :class:`LinkDown` when the link is gone.

        When the bytes of a segment marked ``cut`` have all been read, the link drops after this call.
        """
        with self._lock:
            self._check_link(generation)
            now = self.clock()
            out = bytearray()
            while self._segments:
                seg = self._segments[0]
                if now < seg.start:
                    break
                released = seg.released(now)
                if seg.sent < released and len(out) < limit:
                    take = min(released - seg.sent, limit - len(out))
                    out += seg.data[seg.sent : seg.sent + take]
                    seg.sent += take
                if seg.sent < len(seg.data):
                    break
                self._segments.popleft()
                if seg.cut:
                    self._drop_link(seg.replug_after)
                    break
            return bytes(out)

    def available(self, generation: int | None = None) -> int:
        with self._lock:
            self._check_link(generation)
            now = self.clock()
            total = 0
            for seg in self._segments:
                released = seg.released(now)
                total += released - seg.sent
                if released < len(seg.data):
                    break
            return total

    def next_release(self) -> float | None:
        """When the next byte not yet due becomes due (``None``: nothing scheduled)."""
        with self._lock:
            now = self.clock()
            for seg in self._segments:
                released = seg.released(now)
                if released >= len(seg.data):
                    continue
                if now < seg.start:
                    return seg.start
                return seg.start + (released + 1) / seg.rate  # type: ignore[operator]
            return None

    def wait(self, timeout: float, generation: int | None = None) -> None:
        """Sleep until a byte may be due, the link changes, or ``timeout`` passes."""
        with self._cond:
            if not self.plugged or (generation is not None and generation != self.generation):
                return
            if self.available() > 0:
                return
            nxt = self.next_release()
            if nxt is not None:
                timeout = min(timeout, max(0.0, nxt - self.clock()))
            if timeout > 0:
                self._cond.wait(timeout)

    def discard_released(self, generation: int | None = None) -> None:
        """The host flushed its input: bytes already due and unread are lost."""
        with self._lock:
            self._check_link(generation)
            now = self.clock()
            while self._segments:
                seg = self._segments[0]
                released = seg.released(now)
                if released < len(seg.data):
                    seg.sent = max(seg.sent, released)
                    break
                self._segments.popleft()
                if seg.cut:
                    self._drop_link(seg.replug_after)
                    break

    # ------------------------------------------------------------------ device side

    def handle(self, data: bytes, now: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def power_on(self) -> None:
        """Reset volatile state after a (re-)plug; the subclass keeps what a device keeps in flash."""

    @property
    def byte_time(self) -> float:
        """Seconds per byte on the simulated line (0 when unthrottled)."""
        return 10.0 / self.throttle if self.throttle else 0.0

    def send(
        self,
        data: bytes,
        *,
        delay: float = 0.0,
        at: float | None = None,
        cut: bool = False,
        replug_after: float | None = None,
    ) -> None:
        """Queue ``data``: due at ``at`` (or ``delay`` seconds from now), behind what is already on the wire."""
        with self._lock:
            now = self.clock()
            start = max(now + delay if at is None else at, self._wire_free)
            if not data:
                if cut:
                    # An empty cut: the link drops after what is queued, or at once.
                    if self._segments:
                        self._segments[-1].cut = True
                        self._segments[-1].replug_after = replug_after
                    else:
                        self._drop_link(replug_after)
                return
            rate = self.throttle / 10.0 if self.throttle else None
            seg = _Segment(bytes(data), start, rate, cut=cut, replug_after=replug_after)
            self._segments.append(seg)
            self._wire_free = seg.end
            self._cond.notify_all()

    def cancel_output(self) -> None:
        """Drop every byte not yet due (a stop command); bytes already due stay in the host's buffer."""
        with self._lock:
            now = self.clock()
            kept: deque[_Segment] = deque()
            for seg in self._segments:
                released = seg.released(now)
                if released > seg.sent:
                    whole = released == len(seg.data)
                    kept.append(_Segment(seg.data[:released], seg.start, seg.rate, seg.sent,
                                         cut=seg.cut and whole, replug_after=seg.replug_after))
            self._segments = kept
            self._wire_free = now

    def output_pending(self) -> bool:
        """True while bytes are scheduled and not yet due."""
        return self.next_release() is not None

    def fault(self, operation: str, part: str | None = None) -> Fault | None:
        """Count one ``operation`` on ``part`` and return its scripted fault (emitting a ``fault`` event)."""
        found = self.scenario.fault_for(operation, part)
        if found is not None:
            event: dict[str, Any] = {"event": "fault", "kind": found.kind, "operation": operation}
            if part is not None:
                event["part"] = part
            self.emit(event)
        return found

    def garbage(self, size: int) -> bytes:
        """Line noise for fault ``garbage``; devices override it so that noise never parses as a valid packet."""
        return bytes(self._rng.randrange(256) for _ in range(max(1, size)))

    def answer(
        self,
        data: bytes,
        fault: Fault | None,
        *,
        corrupt: Callable[[bytes], bytes] | None = None,
        default_cut: int | None = None,
    ) -> bool:
        """Send one answer through the wire-level faults. Returns True when the answer went out intact
        (or only late).

        ``corrupt(data)`` makes a copy with a bad checksum (``bad_checksum``); ``default_cut`` is where
        ``truncated``/``unplug`` cut the answer when the fault names no ``after_bytes`` (default: half).
        """
        kind = fault.kind if fault is not None and fault.kind in WIRE_FAULTS else None
        if kind is None:
            self.send(data)
            return True
        assert fault is not None
        cut_at = int(fault.param("after_bytes", default_cut if default_cut is not None else len(data) // 2))
        cut_at = max(0, min(cut_at, len(data)))
        if kind == "no_answer":
            return False
        if kind == "garbage":
            self.send(self.garbage(int(fault.param("count", len(data)))))
            return False
        if kind == "bad_checksum":
            self.send(corrupt(data) if corrupt else self.garbage(len(data)))
            return False
        if kind == "truncated":
            self.send(data[:cut_at])
            return False
        if kind == "slow":
            self.send(data, delay=float(fault.param("seconds", 2.0)))
            return True
        if kind == "unplug":
            replug = fault.param("replug_after")
            self.send(data[:cut_at], cut=True, replug_after=None if replug is None else float(replug))
            return False
        # replug: the device drops off the bus at once and comes back after ``seconds`` (a power blip).
        self.unplug(replug_after=float(fault.param("seconds", 0.3)))
        return False

    # ------------------------------------------------------------------ link

    def _drop_link(self, replug_after: float | None) -> None:
        if not self.plugged:
            return
        self.plugged = False
        self.generation += 1
        self._segments.clear()
        self._wire_free = 0.0
        self._cond.notify_all()
        self.emit({"event": "unplug"})
        for callback in list(self._link_listeners):
            callback(False)
        if replug_after is not None:
            self._later(replug_after, self.replug)

    def unplug(self, replug_after: float | None = None) -> None:
        """Pull the cable: the host's port fails; with ``replug_after`` it comes back by itself."""
        with self._lock:
            self._drop_link(replug_after)

    def replug(self) -> None:
        """Plug the cable back in: the device powers on (deaf for ``deaf`` seconds) and the host may re-open."""
        with self._lock:
            if self.plugged or self.closed:
                return
            self.plugged = True
            self._powered_at = self.clock()
            self.power_on()
            self._cond.notify_all()
            self.emit({"event": "replug"})
            listeners = list(self._link_listeners)
        for callback in listeners:  # outside the lock: a server may wait until its port is back
            callback(True)

    def _later(self, seconds: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(max(0.0, seconds), action)
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def close(self) -> None:
        """Stop timers (the device is being thrown away)."""
        with self._lock:
            self.closed = True
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
            self._cond.notify_all()
