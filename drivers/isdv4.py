"""Driver for Wacom ISDV4 (W8001) serial pen digitisers used as signature pads.

``station.toml``::

    [devices.signature_pad]
    driver = "isdv4"
    url = "/dev/ttyS0"          # or socket://host:port, rfc2217://..., ektpsim://isdv4
    baud = 38400                # 19200 on older units (WACf007 and before)

Options: ``baud`` (default 38400), ``timeout`` (seconds for the query reply, default 1.0), ``settle``
(seconds after the stop command before the input is flushed, default 0.25 as the linuxwacom tools wait),
``max_corrupt`` (corrupt packets or stray bytes tolerated in one signature, default 0), ``touch_query``
(ask the touch query at open, default true; false for a pen-only pad that stays silent to it, saving
``touch_timeout``), ``touch_timeout`` (seconds to wait for the touch query reply, default 0.3).

``open()`` stops sampling (``0``), waits ``settle``, flushes, asks the pen query (``*``) and reads the pad's
ranges from the 11-byte reply (:meth:`capabilities`), then asks the touch query (``%``) as wacom_w8001.c does:
a reply whose byte 1 is not zero names the touch sensor and so the length of its packets (5, 7 or 13 bytes;
:meth:`touch_capabilities`); no reply or byte 1 zero means no touch screen. The pad is left *stopped*:
``capture()`` flushes, starts sampling (``1``), reads 9-byte pen packets until the pen has been away (no
touching sample) for ``idle`` seconds after the first touch, or until ``timeout``, and stops sampling again, so
no pen data piles up between captures and every capture starts with fresh data. Samples are stamped with their
arrival time (ISDV4 packets carry no clock) and returned from the first touch on, hover and lift-off samples
included.

**Touch packets.** A pad with a touch screen sends touch packets when a finger or the signer's palm touches the
screen, in the middle of the pen packets. They never become pen events and never end or extend a stroke; the
capture keeps them in :attr:`Isdv4Pad.touches` (:class:`TouchEvent`: arrival time, finger 1/2, position scaled
to the pen's range as the kernel scales it, the raw touch position, capacity, whether the finger is down and
whether the pen was in proximity then, when the kernel would take the touch for a palm and drop it).

Errors: no reply to the query -> ``DeviceTimeout``; a reply that is garbage, corrupted or cut short ->
``ProtocolError``; pen packets instead of the reply (the pad did not stop) -> ``DeviceBusy``; ranges of zero
-> ``DeviceError`` (fatal); a port that fails -> ``DeviceUnavailable`` (the next call re-opens it and repeats
the query, so the pad works again after a re-plug); no packet at all during a capture -> ``DeviceTimeout``;
the pen seen but never touching -> ``CaptureFailed``; more than ``max_corrupt`` corrupt packets, stray bytes or
a stream cut inside a packet -> ``ProtocolError`` (ask for the signature again).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from drivers.errors import (
    CaptureFailed,
    DeviceBusy,
    DeviceConfigError,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from drivers.interfaces import DeviceInfo, PenCapabilities, PenEvent, SignaturePad
from drivers.options import flag as _flag
from drivers.protocols import isdv4
from drivers.transport import SerialLink, positive_number

LABEL = "Signature pad ISDV4"
#: A pen packet's first byte: lead bit set, control and touch bits clear.
_LEAD_TYPE_MASK = isdv4.LEAD_BIT | isdv4.CONTROL_BIT | isdv4.TOUCH_BIT
_PROXIMITY_TIP = isdv4.PROXIMITY_BIT | 0x01
DEFAULT_BAUD = 38400
#: How long a capture that is over waits for a packet already on its way (13 bytes at 19200 baud take 7 ms).
PACKET_GRACE = 0.1
_OPTIONS = {"baud", "timeout", "settle", "max_corrupt", "write_timeout", "touch_query", "touch_timeout"}


@dataclass(frozen=True)
class TouchEvent:
    """One finger of one touch packet, as the capture saw it."""

    t: float  # arrival time (time.monotonic)
    finger: int  # 1, or 2 on a two-finger screen
    x: int  # scaled to the pen's range (wacom_w8001.c scale_touch_coordinates): comparable with PenEvent.x
    y: int
    touching: bool  # False: the finger left the screen
    raw_x: int  # touch sensor units
    raw_y: int
    capacity: int = 0  # 7- and 13-byte packets only
    pen_near: bool = False  # the pen was in proximity: the kernel drops such a touch as the signer's palm


class Isdv4Pad(SignaturePad):
    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        unknown = set(options) - _OPTIONS
        if unknown:
            raise DeviceConfigError(
                f"Opsi driver isdv4 tidak dikenal: {', '.join(sorted(unknown))} (pilihan: {', '.join(sorted(_OPTIONS))})"
            )
        self.timeout = float(positive_number(options.get("timeout", 1.0), "timeout"))
        self.settle = float(positive_number(options.get("settle", 0.25), "settle", allow_zero=True))
        self.max_corrupt = int(positive_number(options.get("max_corrupt", 0), "max_corrupt", integer=True, allow_zero=True))
        baud = int(positive_number(options.get("baud", DEFAULT_BAUD), "baud", integer=True))
        write_timeout = float(positive_number(options.get("write_timeout", 2.0), "write_timeout"))
        self.link = SerialLink(url, baudrate=baud, label=LABEL, write_timeout=write_timeout)
        self.touch_query = _flag(options.get("touch_query", True), "touch_query")
        self.touch_timeout = float(positive_number(options.get("touch_timeout", 0.3), "touch_timeout"))
        self.query: isdv4.QueryReply | None = None
        #: The touch query reply when the pad has a touch screen, else None.
        self.touch: isdv4.TouchQueryReply | None = None
        #: Touch events of the last capture (also when it ended in an error).
        self.touches: list[TouchEvent] = []
        self._opened = False

    # ------------------------------------------------------------------ life cycle

    def open(self) -> None:
        self.link.open()
        try:
            self._init()
        except BaseException:
            self.link.close()
            raise
        self._opened = True

    def close(self) -> None:
        if self._opened and self.link.is_open:
            try:
                self.link.write(isdv4.CMD_STOP)
            except DeviceError:
                pass
        self._opened = False
        self.link.close()

    def info(self) -> DeviceInfo:
        extra: dict[str, Any] = {"baud": self.link.baudrate}
        firmware = ""
        if self.query is not None:
            firmware = f"{self.query.version:#06x}"
            extra.update(max_x=self.query.max_x, max_y=self.query.max_y, max_pressure=self.query.max_pressure)
        if self.touch is not None:
            touch_x, touch_y = self.touch.effective_max()
            extra.update(touch_sensor=self.touch.sensor_id, touch_packet=self.touch.packet_length,
                         touch_max_x=touch_x, touch_max_y=touch_y)  # fmt: skip
        return DeviceInfo(kind=self.kind, driver="isdv4", model="Wacom ISDV4 pen digitiser", firmware=firmware,
                          url=self.url, extra=extra)  # fmt: skip

    def _init(self) -> None:
        """Stop, flush, query the ranges."""
        self.link.write(isdv4.CMD_STOP)
        if self.settle:
            time.sleep(self.settle)
        self.link.flush_input()
        self.link.write(isdv4.CMD_QUERY)
        reply = self._read_query(time.monotonic() + self.timeout)
        if not (reply.max_x and reply.max_y and reply.max_pressure):
            raise DeviceError(
                f"{LABEL} melaporkan rentang tidak valid (x {reply.max_x}, y {reply.max_y}, tekanan {reply.max_pressure})",
                code="ranges",
            )
        self.query = reply
        self.touch = self._ask_touch() if self.touch_query else None

    def _ask_touch(self) -> isdv4.TouchQueryReply | None:
        """The touch query (``%``). Silence or byte 1 zero: no touch screen (as the kernel decides); a reply that
        is corrupt -> ``ProtocolError``, since touch packets of unknown length would then spoil the pen stream."""
        self.link.write(isdv4.CMD_TOUCH_QUERY)
        deadline = time.monotonic() + self.touch_timeout
        parser = isdv4.PacketParser()
        while time.monotonic() < deadline:
            data = self.link.read(isdv4.CONTROL_PACKET_LEN, deadline)
            for packet in parser.feed(data):
                if isinstance(packet, isdv4.ControlPacket):
                    try:
                        reply = packet.as_touch_query()
                    except ProtocolError as exc:
                        raise ProtocolError(f"{LABEL}: jawaban query sentuh rusak ({exc.message})",
                                            code=exc.code) from exc  # fmt: skip
                    if not reply.has_touch:
                        return None
                    if reply.sensor is None:
                        raise ProtocolError(f"{LABEL}: sensor sentuh tidak dikenal (id {reply.sensor_id})",
                                            code="touch_sensor")  # fmt: skip
                    return reply
        if parser.corrupt or parser.in_packet or parser.discarded or parser.packets:
            raise ProtocolError(f"{LABEL}: jawaban query sentuh rusak atau terpotong", code="touch_query")
        return None

    def touch_capabilities(self) -> isdv4.TouchQueryReply | None:
        """The touch screen the pad reported at open (sensor, ranges), ``None`` for a pen-only pad."""
        if self.query is None:
            raise DeviceUnavailable(f"{LABEL} belum dibuka", code="closed")
        return self.touch

    def _read_query(self, deadline: float) -> isdv4.QueryReply:
        parser = isdv4.PacketParser()
        pens = others = 0
        while True:
            if time.monotonic() >= deadline:
                break
            data = self.link.read(isdv4.CONTROL_PACKET_LEN, deadline)
            try:
                packets = parser.feed(data)
            except ProtocolError as exc:
                raise ProtocolError(f"{LABEL}: jawaban query rusak ({exc.message})", code=exc.code) from exc
            for packet in packets:
                if isinstance(packet, isdv4.ControlPacket):
                    if packet.data_id != isdv4.QUERY_DATA_ID:
                        raise ProtocolError(f"{LABEL}: jawaban query tak terduga (id {packet.data_id:#04x})",
                                            code="data_id")  # fmt: skip
                    try:
                        return packet.as_query()
                    except ProtocolError as exc:
                        raise ProtocolError(f"{LABEL}: jawaban query rusak ({exc.message})", code=exc.code) from exc
                if isinstance(packet, isdv4.PenPacket):
                    pens += 1
                else:
                    others += 1
        if parser.corrupt or others:
            raise ProtocolError(f"{LABEL}: jawaban query rusak (paket terpotong atau tak dikenal)", code="corrupt")
        if pens:
            raise DeviceBusy(f"{LABEL} masih mengirim data pena dan tidak menjawab query", code="busy")
        if parser.in_packet:
            raise ProtocolError(f"{LABEL}: jawaban query terpotong", code="truncated")
        if parser.discarded:
            raise ProtocolError(f"{LABEL}: data rusak di jalur serial, bukan jawaban query", code="garbage")
        raise DeviceTimeout(f"{LABEL} tidak menjawab query dalam {self.timeout:g} detik", code="no_answer")

    def _ready(self) -> None:
        if not self._opened:
            raise DeviceUnavailable(f"{LABEL} belum dibuka atau sudah ditutup", code="closed")
        if self.link.lost or not self.link.is_open:
            self.link.reopen()
            try:
                self._init()
            except DeviceError:
                self.link.close()
                self.link.lost = True
                raise

    # ------------------------------------------------------------------ SignaturePad

    def capabilities(self) -> PenCapabilities:
        if self.query is None:
            raise DeviceUnavailable(f"{LABEL} belum dibuka", code="closed")
        return PenCapabilities(max_x=self.query.max_x, max_y=self.query.max_y, max_pressure=self.query.max_pressure)

    def capture(self, timeout: float = 30.0, idle: float = 1.5) -> list[PenEvent]:
        self._ready()
        deadline = time.monotonic() + timeout
        stream = PenStream(self.touch, self.query)
        self.touches = stream.touches
        idle_ended = False
        grace: float | None = None
        self.link.flush_input()
        self.link.write(isdv4.CMD_START)
        try:
            while True:
                now = time.monotonic()
                last = stream.last_touch
                end = deadline if last is None else min(deadline, last + idle)
                if grace is not None:
                    if not stream.parser.in_packet:  # the packet on its way has come in whole
                        idle_ended = True
                        break
                    end = grace
                if now >= end:
                    idle_ended = last is not None and end < deadline
                    # The pad keeps sending (hover, a palm on a touch screen): a packet may be on its way when
                    # the signature is over. Let it finish before calling the stream cut.
                    if idle_ended and grace is None and stream.parser.in_packet:
                        grace = now + PACKET_GRACE
                        continue
                    break
                data = self.link.read(isdv4.PEN_PACKET_LEN, end)
                if data:
                    stream.feed(data, time.monotonic())
        finally:
            if self.link.is_open:
                try:
                    self.link.write(isdv4.CMD_STOP)
                except DeviceError:
                    pass
        if stream.damaged > self.max_corrupt:
            raise ProtocolError(f"{LABEL}: {stream.damaged} paket/byte rusak selama tanda tangan, ulangi", code="corrupt")
        if idle_ended and stream.parser.in_packet:
            raise ProtocolError(f"{LABEL}: aliran data pena terpotong di tengah paket, ulangi", code="truncated")
        if stream.first_touch is None:
            if stream.packets:
                raise CaptureFailed(f"Tidak ada goresan pena di signature pad dalam {timeout:g} detik", code="no_touch")
            raise DeviceTimeout(f"{LABEL} tidak mengirim data pena dalam {timeout:g} detik", code="no_answer")
        return stream.events


class PenStream:
    """The decoding half of a capture: bytes as they arrive -> pen events from the first touch on, and touch events
    (finger or palm on a touch screen) apart from them.

    ``touch`` (the touch query reply) sets the touch packet length; without it touch packets are taken as the
    5-byte kind. ``pen`` (the query reply) lets touch positions be scaled to the pen's range.
    """

    def __init__(self, touch: isdv4.TouchQueryReply | None = None, pen: isdv4.QueryReply | None = None) -> None:
        length = touch.packet_length if touch is not None else None
        self.parser = isdv4.PacketParser(length or isdv4.TOUCH_93_LEN)
        self.events: list[PenEvent] = []
        self.touches: list[TouchEvent] = []
        self.packets = 0
        self.first_touch: float | None = None
        self.last_touch: float | None = None
        self.pen_near = False  # the last pen packet had the proximity bit
        touch_max = touch.effective_max() if touch is not None else (0, 0)
        pen_max = (pen.max_x, pen.max_y) if pen is not None else (0, 0)
        # [W8001] scale_touch_coordinates: x * max_pen_x / max_touch_x when both are known.
        self._scale = (
            (pen_max[0], touch_max[0]) if pen_max[0] and touch_max[0] else (1, 1),
            (pen_max[1], touch_max[1]) if pen_max[1] and touch_max[1] else (1, 1),
        )

    @property
    def damaged(self) -> int:
        """Corrupt packets plus stray bytes seen so far."""
        return self.parser.corrupt + self.parser.discarded

    def feed(self, data: bytes, arrived: float) -> None:
        """Decode ``data`` that arrived at ``arrived`` (ISDV4 packets carry no clock of their own)."""
        if (
            len(data) == isdv4.PEN_PACKET_LEN
            and not self.parser.in_packet
            and data[0] & _LEAD_TYPE_MASK == isdv4.LEAD_BIT
            and max(data[1:]) < isdv4.LEAD_BIT
        ):
            self._pen(data, arrived)  # the common case: exactly one whole pen packet, decoded inline
            return
        try:
            decoded = self.parser.feed(data)
        except ProtocolError:
            self.parser.reset()
            self.parser.corrupt += 1
            return
        for packet in decoded:
            self.packets += 1
            if isinstance(packet, isdv4.TouchPacket):
                self._touch(packet, arrived)
                continue
            if not isinstance(packet, isdv4.PenPacket):
                continue
            self.pen_near = packet.proximity
            if packet.touching:
                self.last_touch = arrived
                if self.first_touch is None:
                    self.first_touch = arrived
            if self.first_touch is not None:
                self.events.append(PenEvent(arrived, packet.x, packet.y, packet.pressure, packet.touching))

    def _pen(self, d: bytes, arrived: float) -> None:
        """One 9-byte pen packet, bit layout as :class:`drivers.protocols.isdv4.PenPacket`."""
        self.packets += 1
        self.parser.packets += 1
        self.pen_near = bool(d[0] & isdv4.PROXIMITY_BIT)
        touching = d[0] & _PROXIMITY_TIP == _PROXIMITY_TIP
        if touching:
            self.last_touch = arrived
            if self.first_touch is None:
                self.first_touch = arrived
        if self.first_touch is not None:
            x = d[1] << 9 | d[2] << 2 | (d[6] & 0x60) >> 5
            y = d[3] << 9 | d[4] << 2 | (d[6] & 0x18) >> 3
            self.events.append(PenEvent(arrived, x, y, d[5] | (d[6] & 0x07) << 7, touching))

    def _touch(self, packet: isdv4.TouchPacket, arrived: float) -> None:
        """A touch packet: one event per finger the packet carries ([W8001] parse_single_touch and
        parse_multi_touch; in a 13-byte packet finger 2 is reported only while it is down)."""
        (pen_x, touch_x), (pen_y, touch_y) = self._scale
        fingers = [(1, packet.finger1, packet.x, packet.y, packet.capacity)]
        if packet.length == isdv4.TOUCH_2FG_LEN and (packet.finger2 or self._finger2_down()):
            fingers.append((2, packet.finger2, packet.x2, packet.y2, packet.capacity2))
        for finger, down, x, y, capacity in fingers:
            self.touches.append(TouchEvent(arrived, finger, x * pen_x // touch_x, y * pen_y // touch_y, down, x, y,
                                           capacity, self.pen_near))  # fmt: skip

    def _finger2_down(self) -> bool:
        for event in reversed(self.touches):
            if event.finger == 2:
                return event.touching
        return False
