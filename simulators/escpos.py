"""Wire simulator of an ESC/POS thermal ticket printer: ESC/POS bytes in, printed text lines out.

Two parts, each with one job:

* :class:`EscposParser`, a pure incremental parser of the ESC/POS subset python-escpos emits for tickets
  (text and line feeds, ``ESC @``, alignment, emphasis, print mode, character size, code table, feed, cut,
  native QR ``GS ( k``, raster images ``GS v 0``, graphics ``GS ( L``, barcodes ``GS k``) plus the real-time
  status request ``DLE EOT n``. It yields :class:`Line`, :class:`Qr`, :class:`Cut`, :class:`StatusRequest`,
  :class:`Init` and :class:`Unknown` items. No I/O.
* :class:`EscposPrinterSimulator`, the printer: it lays the lines out on paper of ``columns`` characters
  (centred lines centred by character count), prints a QR code as the line ``[QR] <payload>``, ends a
  receipt at each cut, and reads each receipt back into a :class:`drivers.interfaces.Ticket` that it records
  with :class:`simulators.models.printer.TicketPrinterModel` (the same model the in-process ``sim`` printer
  uses). It answers status requests from its state: online/offline, cover, paper.

Settings: ``columns`` (default 42), ``paper`` (``ok``, ``near_end``, ``out``), plus the common ``throttle``,
``deaf``, ``cold``, ``seed``.

**Faults**, by operation: ``status`` (each status request) and ``print`` (each job, from ``ESC @``). Kinds:
``no_answer``, ``garbage`` (a byte that is not a status byte), ``slow`` (``seconds``), ``unplug``, ``replug``
(on a status request); ``busy`` (offline for ``seconds``, default 30: cover open); ``error_code`` (the paper
runs out: ``code = "paper_out"``, the default, or ``"near_end"``; on ``print`` after ``after_lines`` printed
lines of the job, default 3); ``unplug`` on ``print`` (the cable comes out after ``after_lines`` lines);
``replug`` on ``print`` (a power blip as the job starts).

Events: ``ticket`` (number, text), ``status``, ``fault``, ``unplug``, ``replug``.

The same printer is reached over a serial line (pty, ``ektpsim://printer``), TCP (port 9100 or ``socket://``),
RFC 2217, and USB: :mod:`simulators.escpos_usb` presents it as a USB printer-class device to pyusb
(``escpossim://``), bulk OUT into :meth:`EscposPrinterSimulator.handle`, status answers on bulk IN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Union

from drivers.interfaces import Ticket
from simulators.models.printer import DEFAULT_COLUMNS, TicketPrinterModel
from simulators.scenario import Fault
from simulators.wire.device import Setting, WireDevice

ESC, GS, DLE, FS, LF, CR = 0x1B, 0x1D, 0x10, 0x1C, 0x0A, 0x0D
EOT = 0x04

#: ESC t n -> Python codec (the tables python-escpos' profiles use most).
CODE_PAGES = {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 17: "cp866", 19: "cp858"}

# ESC commands with a fixed number of parameter bytes (ESC/POS command reference).
_ESC_ARGS = {
    ord("!"): 1, ord("-"): 1, ord("2"): 0, ord("3"): 1, ord("="): 1, ord("@"): 0, ord("E"): 1, ord("G"): 1,
    ord("J"): 1, ord("M"): 1, ord("R"): 1, ord("V"): 1, ord("a"): 1, ord("c"): 2, ord("d"): 1, ord("e"): 1,
    ord("p"): 3, ord("t"): 1, ord("{"): 1, ord("B"): 2, ord("D"): -1, ord(" "): 1, ord("$"): 2, ord("\\"): 2,
    ord("A"): 1, ord("+"): 1, ord("?"): 2, ord("K"): 1, ord("i"): 0, ord("m"): 0,
}  # fmt: skip
# GS commands with a fixed number of parameter bytes.
_GS_ARGS = {
    ord("!"): 1, ord("B"): 1, ord("b"): 1, ord("H"): 1, ord("f"): 1, ord("h"): 1, ord("w"): 1, ord("|"): 1,
    ord("L"): 2, ord("W"): 2, ord("a"): 1, ord("I"): 1, ord("r"): 1, ord("P"): 2,
}  # fmt: skip
_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


@dataclass(frozen=True)
class Line:
    text: str
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True)
class Qr:
    payload: str
    align: str = "left"


@dataclass(frozen=True)
class Cut:
    partial: bool = False


@dataclass(frozen=True)
class StatusRequest:
    n: int


@dataclass(frozen=True)
class Init:
    pass


@dataclass(frozen=True)
class Image:
    width: int
    height: int


@dataclass(frozen=True)
class Unknown:
    data: bytes


Item = Union[Line, Qr, Cut, StatusRequest, Init, Image, Unknown]


class _Incomplete(Exception):
    """The command is not complete in the buffer yet."""


@dataclass
class EscposParser:
    """Incremental ESC/POS parser: ``feed(chunk) -> [Item, ...]`` (see the module docstring)."""

    _buffer: bytearray = field(default_factory=bytearray)
    _text: bytearray = field(default_factory=bytearray)
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1
    code_page: int = 0
    _qr_data: bytes = b""

    def reset_modes(self) -> None:
        self.align, self.bold, self.width, self.height, self.code_page = "left", False, 1, 1, 0

    def feed(self, data: bytes) -> list[Item]:
        self._buffer += data
        out: list[Item] = []
        while self._buffer:
            try:
                used = self._one(out)
            except _Incomplete:
                break
            del self._buffer[:used]
        return out

    @property
    def pending(self) -> int:
        return len(self._buffer) + len(self._text)

    def _need(self, count: int) -> None:
        if len(self._buffer) < count:
            raise _Incomplete

    def _flush_line(self, out: list[Item], *, force: bool = False) -> None:
        if self._text or force:
            text = bytes(self._text).decode(CODE_PAGES.get(self.code_page, "cp437"), errors="replace")
            out.append(Line(text, self.align, self.bold, self.width, self.height))
            self._text.clear()

    def _one(self, out: list[Item]) -> int:
        b = self._buffer
        first = b[0]
        if first == LF:
            self._flush_line(out, force=True)
            return 1
        if first == CR:
            return 1
        if first == DLE:
            self._need(3)
            if b[1] == EOT:
                out.append(StatusRequest(b[2]))
                return 3
            out.append(Unknown(bytes(b[:2])))
            return 2
        if first == ESC:
            return self._esc(out)
        if first == GS:
            return self._gs(out)
        if first == FS:
            self._need(2)
            return 2  # FS . / FS & (kanji modes): nothing to print
        if first < 0x20:
            return 1  # other control characters (HT, BEL ...) print nothing here
        self._text.append(first)
        return 1

    def _esc(self, out: list[Item]) -> int:
        b = self._buffer
        self._need(2)
        code = b[1]
        args = _ESC_ARGS.get(code)
        if args is None:
            out.append(Unknown(bytes(b[:2])))
            return 2
        if args == -1:  # ESC D n1 ... NUL (tab positions)
            end = b.find(b"\x00", 2)
            if end < 0:
                raise _Incomplete
            return end + 1
        self._need(2 + args)
        value = b[2] if args else 0
        if code == ord("@"):
            self._flush_line(out)
            self.reset_modes()
            out.append(Init())
        elif code == ord("E"):
            self.bold = bool(value & 1)
        elif code == ord("a"):
            self._flush_line(out)
            self.align = _ALIGN.get(value, "left")
        elif code == ord("!"):
            self.bold = bool(value & 0x08)
            self.height = 2 if value & 0x10 else 1
            self.width = 2 if value & 0x20 else 1
        elif code == ord("t"):
            self.code_page = value
        elif code == ord("d"):
            self._flush_line(out)
            for _ in range(value):
                out.append(Line("", self.align, self.bold, self.width, self.height))
        return 2 + args

    def _gs(self, out: list[Item]) -> int:
        b = self._buffer
        self._need(2)
        code = b[1]
        if code == ord("V"):  # cut: m in 0, 1, 48, 49; m 65, 66 take n
            self._need(3)
            m = b[2]
            length = 4 if m in (65, 66) else 3
            self._need(length)
            self._flush_line(out)
            out.append(Cut(partial=m in (1, 49, 66)))
            return length
        if code == ord("("):  # GS ( k / GS ( L: pL pH then that many bytes
            self._need(5)
            size = b[3] | b[4] << 8
            self._need(5 + size)
            body = bytes(b[5 : 5 + size])
            if b[2] == ord("k") and len(body) >= 2 and body[0] == 0x31:
                fn = body[1]
                if fn == 80:  # store: cn fn m data
                    self._qr_data = body[3:]
                elif fn == 81:  # print the stored symbol
                    self._flush_line(out)
                    out.append(Qr(self._qr_data.decode("utf-8", errors="replace"), self.align))
            return 5 + size
        if code == ord("v"):  # GS v 0 m xL xH yL yH data
            self._need(8)
            width_bytes = b[4] | b[5] << 8
            height = b[6] | b[7] << 8
            self._need(8 + width_bytes * height)
            self._flush_line(out)
            out.append(Image(width_bytes * 8, height))
            return 8 + width_bytes * height
        if code == ord("k"):  # barcode: type A (m 0..6) ends with NUL, type B (m 65..) has a length byte
            self._need(3)
            m = b[2]
            if m >= 65:
                self._need(4)
                self._need(4 + b[3])
                return 4 + b[3]
            end = b.find(b"\x00", 3)
            if end < 0:
                raise _Incomplete
            return end + 1
        args = _GS_ARGS.get(code)
        if args is None:
            out.append(Unknown(bytes(b[:2])))
            return 2
        self._need(2 + args)
        if code == ord("!"):
            value = b[2]
            self.width = (value >> 4 & 0x07) + 1
            self.height = (value & 0x07) + 1
        return 2 + args


# --------------------------------------------------------------------------------------------- the printer

_WAITING = re.compile(r"(\d+) orang menunggu")


def ticket_from_receipt(lines: list[str]) -> Ticket | None:
    """Read a queue ticket back from its printed lines (the layout of ``simulators.models.printer``)."""
    text = [line.strip() for line in lines if line.strip()]
    try:
        header = text.index("NOMOR ANTREAN")
    except ValueError:
        return None
    if header < 1 or len(text) < header + 7:
        return None
    qr = next((line for line in text if line.startswith("[QR] ")), None)
    waiting_line = text[header + 5]
    match = _WAITING.search(waiting_line)
    return Ticket(
        office=text[0],
        service=text[header + 2],
        number=text[header + 1],
        issued_at_text=text[header + 4],
        waiting_ahead=int(match.group(1)) if match else 0,
        qr_payload=qr[5:] if qr else "",
    )


def _paper_state(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("ok", "near_end", "out"):
        raise ValueError(value)
    return text


class EscposPrinterSimulator(WireDevice):
    name = "printer"
    SETTINGS = {
        "columns": Setting(int, DEFAULT_COLUMNS, "characters per line"),
        "paper": Setting(_paper_state, "ok", "paper roll: ok, near_end, out"),
    }

    def __init__(self, scenario=None, **settings: Any):
        super().__init__(scenario, **settings)
        self.columns: int = self.settings["columns"]
        self.paper_state: str = self.settings["paper"]
        self.cover_open_until = float("-inf")
        #: Everything printed, as the model records it (``tickets``, ``lines``, ``receipts``).
        self.paper = TicketPrinterModel(columns=self.columns)
        #: The receipts as they came out of the printer, one list of lines per cut.
        self.receipts: list[list[str]] = []
        #: Uncut pieces torn off when the paper ran out and a new roll went in.
        self.torn: list[list[str]] = []
        self._lines: list[str] = []
        self._parser = EscposParser()
        self._job_fault: Fault | None = None
        self._job_lines = 0
        self._job_fail_at = 0

    @property
    def tickets(self) -> list[Ticket]:
        return self.paper.tickets

    def refill(self) -> None:
        """A new paper roll (what was printed of an uncut ticket goes with the old one)."""
        with self._lock:
            self.paper_state = "ok"
            if self._lines:
                self.torn.append(self._lines)
                self._lines = []

    def power_on(self) -> None:
        self._parser = EscposParser()
        self._lines = []
        self._job_fault = None

    def garbage(self, size: int) -> bytes:
        return bytes([0xFF]) * max(1, size)  # fixed bits wrong: never a status byte

    # ------------------------------------------------------------------ host bytes

    def handle(self, data: bytes, now: float) -> None:
        for item in self._parser.feed(data):
            if not self.plugged:
                return  # the cable came out in the middle of the job
            if isinstance(item, StatusRequest):
                self._status(item.n, now)
                continue
            if isinstance(item, Init):
                self._start_job(now)
                continue
            if self.paper_state == "out":
                continue  # no paper: nothing comes out
            if isinstance(item, Line):
                self._lines.append(self._lay_out(item.text, item.align))
            elif isinstance(item, Qr):
                self._lines.append(self._lay_out(f"[QR] {item.payload}", item.align))
            elif isinstance(item, Image):
                self._lines.append(self._lay_out(f"[GAMBAR {item.width}x{item.height}]", "center"))
            elif isinstance(item, Cut):
                self._cut()
                continue
            else:
                continue
            self._job_lines += 1
            if self._job_fault is not None and self._job_lines >= self._job_fail_at:
                self._job_fails()

    def _start_job(self, now: float) -> None:
        """``ESC @`` starts a job: a scripted ``print`` fault strikes after ``after_lines`` printed lines."""
        self._job_lines = 0
        fault = self.fault("print")
        kind = fault.kind if fault is not None else None
        self._job_fault = fault if kind in ("unplug", "error_code") else None
        self._job_fail_at = int(fault.param("after_lines", 3)) if fault is not None else 0
        if kind == "replug":
            self.answer(b"", fault)
        elif self._job_fault is not None and self._job_fail_at <= 0:
            self._job_fails()

    def _job_fails(self) -> None:
        fault, self._job_fault = self._job_fault, None
        assert fault is not None
        if fault.kind == "error_code":
            self.paper_state = "near_end" if str(fault.param("code", "paper_out")) == "near_end" else "out"
            return
        replug = fault.param("replug_after")
        self.unplug(replug_after=None if replug is None else float(replug))

    def _lay_out(self, text: str, align: str) -> str:
        text = text[: self.columns]
        if align == "center":
            return text.center(self.columns).rstrip()
        if align == "right":
            return text.rjust(self.columns)
        return text.rstrip()

    def _cut(self) -> None:
        lines = self._lines
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        self._lines = []
        if not lines:
            return
        self.receipts.append(lines)
        ticket = ticket_from_receipt(lines)
        if ticket is not None:
            self.paper.print_ticket(ticket)
        self.emit({"event": "ticket", "number": ticket.number if ticket else None, "text": "\n".join(lines)})

    # ------------------------------------------------------------------ status

    def status_byte(self, n: int, now: float) -> int:
        offline = now < self.cover_open_until or self.paper_state == "out"
        value = 0x12
        if n == 1 and offline:
            value |= 0x08
        elif n == 2:
            if now < self.cover_open_until:
                value |= 0x04
            if self.paper_state == "out":
                value |= 0x20
        elif n == 4:
            if self.paper_state in ("near_end", "out"):
                value |= 0x0C
            if self.paper_state == "out":
                value |= 0x60
        return value

    def _status(self, n: int, now: float) -> None:
        fault = self.fault("status")
        kind = fault.kind if fault is not None else None
        if kind == "busy":
            self.cover_open_until = now + float(fault.param("seconds", 30.0))
        elif kind == "error_code":
            self.paper_state = "near_end" if str(fault.param("code", "paper_out")) == "near_end" else "out"
        value = self.status_byte(n, now)
        self.answer(bytes([value]), fault, default_cut=0)
