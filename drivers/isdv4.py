"""Driver for Wacom ISDV4 (W8001) serial pen digitisers used as signature pads.

``station.toml``::

    [devices.signature_pad]
    driver = "isdv4"
    url = "/dev/ttyS0"          # or socket://host:port, rfc2217://..., ektpsim://isdv4
    baud = 38400                # 19200 on older units (WACf007 and before)

Options: ``baud`` (default 38400), ``timeout`` (seconds for the query reply, default 1.0), ``settle``
(seconds after the stop command before the input is flushed, default 0.25 as the linuxwacom tools wait),
``max_corrupt`` (corrupt packets or stray bytes tolerated in one signature, default 0).

``open()`` stops sampling (``0``), waits ``settle``, flushes, asks the pen query (``*``) and reads the pad's
ranges from the 11-byte reply (:meth:`capabilities`). The pad is left *stopped*: ``capture()`` flushes, starts
sampling (``1``), reads 9-byte pen packets until the pen has been away (no touching sample) for ``idle``
seconds after the first touch, or until ``timeout``, and stops sampling again, so no pen data piles up
between captures and every capture starts with fresh data. Samples are stamped with their arrival time
(ISDV4 packets carry no clock) and returned from the first touch on, hover and lift-off samples included.

Errors: no reply to the query -> ``DeviceTimeout``; a reply that is garbage, corrupted or cut short ->
``ProtocolError``; pen packets instead of the reply (the pad did not stop) -> ``DeviceBusy``; ranges of zero
-> ``DeviceError`` (fatal); a port that fails -> ``DeviceUnavailable`` (the next call re-opens it and repeats
the query, so the pad works again after a re-plug); no packet at all during a capture -> ``DeviceTimeout``;
the pen seen but never touching -> ``CaptureFailed``; more than ``max_corrupt`` corrupt packets, stray bytes or
a stream cut inside a packet -> ``ProtocolError`` (ask for the signature again).
"""

from __future__ import annotations

import time
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
from drivers.protocols import isdv4
from drivers.transport import SerialLink, positive_number

LABEL = "Signature pad ISDV4"
#: A pen packet's first byte: lead bit set, control and touch bits clear.
_LEAD_TYPE_MASK = isdv4.LEAD_BIT | isdv4.CONTROL_BIT | isdv4.TOUCH_BIT
_PROXIMITY_TIP = isdv4.PROXIMITY_BIT | 0x01
DEFAULT_BAUD = 38400
_OPTIONS = {"baud", "timeout", "settle", "max_corrupt", "write_timeout"}


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
        self.query: isdv4.QueryReply | None = None
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
        stream = PenStream()
        idle_ended = False
        self.link.flush_input()
        self.link.write(isdv4.CMD_START)
        try:
            while True:
                now = time.monotonic()
                last = stream.last_touch
                end = deadline if last is None else min(deadline, last + idle)
                if now >= end:
                    idle_ended = last is not None and end < deadline
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
    """The decoding half of a capture: bytes as they arrive -> pen events from the first touch on."""

    def __init__(self) -> None:
        self.parser = isdv4.PacketParser()
        self.events: list[PenEvent] = []
        self.packets = 0
        self.first_touch: float | None = None
        self.last_touch: float | None = None

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
            if not isinstance(packet, isdv4.PenPacket):
                continue
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
        touching = d[0] & _PROXIMITY_TIP == _PROXIMITY_TIP
        if touching:
            self.last_touch = arrived
            if self.first_touch is None:
                self.first_touch = arrived
        if self.first_touch is not None:
            x = d[1] << 9 | d[2] << 2 | (d[6] & 0x60) >> 5
            y = d[3] << 9 | d[4] << 2 | (d[6] & 0x18) >> 3
            self.events.append(PenEvent(arrived, x, y, d[5] | (d[6] & 0x07) << 7, touching))
