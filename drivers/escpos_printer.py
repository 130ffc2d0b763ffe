"""ESC/POS thermal ticket printer driver, through python-escpos.

``station.toml``::

    [devices.ticket_printer]
    driver = "escpos"
    url = "tcp://192.168.1.50:9100"   # network printer (raw port 9100)
    # url = "usb://04b8:0202"         # USB printer class (VID:PID, optional ?in_ep=0x82&out_ep=0x01)
    # url = "/dev/ttyUSB0?baud=19200" # serial (any pyserial URL: socket://, rfc2217://, ektpsim://printer)
    columns = 42                      # characters per line of font A: 42 on 80 mm paper, 32 on 58 mm

Options: ``columns`` (default 42), ``baud`` (serial, default 9600), ``timeout`` (seconds per status reply,
default 1.0), ``status`` (ask the printer's real-time status before and after each ticket, default true;
switch off for printers that cannot answer), ``profile`` (python-escpos printer profile, default
``default``), ``qr_size`` (QR module size 1..16, default 6), ``cut`` (``full`` or ``part``).

The ticket (:func:`ticket_bytes`, built with python-escpos's ``Dummy`` printer, so the layout is testable on
its bytes): office name in bold, a rule, "NOMOR ANTREAN", the number three times as wide and tall, the
service, a rule, date and time, how many people wait ahead, a native QR code (``GS ( k``) of the ticket
payload, "Simpan tiket ini sampai dipanggil", feed and cut. All lines centred; text is folded to ASCII
(thermal code pages differ; Bahasa Indonesia needs nothing else).

Status (``DLE EOT n``, one byte each, fixed bits 0xx1xx10): printer status (bit 3 offline), offline cause
(bit 2 cover open, bit 5 stopped by paper end, bit 6 error) and paper sensor (bits 5-6 paper end). The check
after the ticket confirms the printer took it.

Errors: status without answer -> ``DeviceTimeout``; an answer that is not a status byte -> ``ProtocolError``;
offline or cover open -> ``DeviceBusy``; paper end -> :class:`PaperOut` (retryable after a new roll); the
connection lost -> ``DeviceUnavailable`` (the next ticket re-opens it); a printer that cannot be reached at
``open`` -> ``DeviceNotFound``.
"""

from __future__ import annotations

import socket
import time
import unicodedata
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.printer import Dummy

from drivers.errors import (
    DeviceBusy,
    DeviceConfigError,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from drivers.interfaces import DeviceInfo, Ticket, TicketPrinter
from drivers.transport import SerialLink, positive_number

LABEL = "Printer tiket"
DEFAULT_COLUMNS = 42
DEFAULT_BAUD = 9600
_OPTIONS = {"columns", "baud", "timeout", "status", "profile", "qr_size", "cut", "write_timeout"}

DLE_EOT = b"\x10\x04"
STATUS_PRINTER, STATUS_OFFLINE, STATUS_PAPER = 1, 2, 4
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12
OFFLINE = 0x08
COVER_OPEN, PAPER_STOP, ERROR = 0x04, 0x20, 0x40
PAPER_END = 0x60
CLOSING = "Simpan tiket ini sampai dipanggil"


class PaperOut(DeviceError):
    """The printer has no paper: put in a new roll and print again."""

    retryable = True


def ascii_text(text: str) -> str:
    """Fold to printable ASCII (accents dropped, anything else as ``?``)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    out = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        out.append(ch if 0x20 <= ord(ch) < 0x7F else ("?" if ch not in "\r\n\t" else " "))
    return "".join(out)


def waiting_text(waiting_ahead: int) -> str:
    if waiting_ahead <= 0:
        return "Tidak ada antrean di depan Anda"
    return f"{waiting_ahead} orang menunggu di depan Anda"


def ticket_bytes(
    ticket: Ticket,
    columns: int = DEFAULT_COLUMNS,
    *,
    profile: str | None = None,
    qr_size: int = 6,
    cut: str = "FULL",
) -> bytes:
    """The ESC/POS bytes of one queue ticket (no I/O)."""
    p = Dummy(profile=profile)

    def line(text: str, width: int = columns) -> None:
        p.textln(ascii_text(text)[:width])

    p.hw("INIT")
    p.set(align="center", bold=True, normal_textsize=True)
    line(ticket.office)
    p.set(bold=False)
    line("-" * columns)
    line("NOMOR ANTREAN")
    p.set(bold=True, custom_size=True, width=3, height=3)
    line(ticket.number, max(1, columns // 3))
    p.set(bold=False, normal_textsize=True)
    line(ticket.service)
    line("-" * columns)
    line(ticket.issued_at_text)
    line(waiting_text(ticket.waiting_ahead))
    if ticket.qr_payload:
        p.qr(ticket.qr_payload, native=True, size=qr_size, ec=QR_ECLEVEL_M)
    line(CLOSING)
    p.cut(mode=cut)
    return p.output


# ---------------------------------------------------------------------------------------------- channels


class SerialUrlPrinter(Escpos):
    """A python-escpos printer on :class:`drivers.transport.SerialLink` (any pyserial URL)."""

    def __init__(self, link: SerialLink, **kwargs: Any):
        Escpos.__init__(self, **kwargs)
        self.link = link

    def open(self) -> None:
        self.link.open()
        self.device = self.link

    def close(self) -> None:
        self.link.close()
        self._device = False

    def _raw(self, msg: bytes) -> None:
        self.link.write(msg)

    def _read(self) -> bytes:
        return self.link.read(1, time.monotonic() + 1.0)

    def read_byte(self, deadline: float) -> bytes:
        return self.link.read(1, deadline)


class _NetworkChannel:
    """python-escpos ``Network`` (raw TCP, port 9100) with deadlines and typed errors."""

    def __init__(self, host: str, port: int, timeout: float, profile: str | None):
        from escpos.printer import Network

        self.printer = Network(host, port, timeout=timeout, profile=profile)
        self.where = f"{host}:{port}"

    def open(self) -> None:
        from escpos.exceptions import DeviceNotFoundError

        try:
            self.printer.open()
        except (DeviceNotFoundError, OSError) as exc:
            raise DeviceNotFound(f"{LABEL} tidak ditemukan di {self.where} ({_first_line(exc)})") from exc

    def close(self) -> None:
        try:
            self.printer.close()
        except OSError:
            pass

    def write(self, data: bytes) -> None:
        try:
            self.printer._raw(data)
        except OSError as exc:
            raise DeviceUnavailable(f"{LABEL} terputus ({_first_line(exc)})", code="unplugged") from exc

    def read_byte(self, deadline: float) -> bytes:
        sock: socket.socket = self.printer.device  # type: ignore[assignment]
        try:
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            data = sock.recv(1)
        except socket.timeout:
            return b""
        except OSError as exc:
            raise DeviceUnavailable(f"{LABEL} terputus ({_first_line(exc)})", code="unplugged") from exc
        if not data:
            raise DeviceUnavailable(f"{LABEL} menutup koneksi", code="unplugged")
        return data

    def flush_input(self) -> None:
        sock: socket.socket = self.printer.device  # type: ignore[assignment]
        sock.setblocking(False)
        try:
            while sock.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass
        finally:
            sock.setblocking(True)


class _UsbChannel:
    """python-escpos ``Usb`` (USB printer class, bulk endpoints)."""

    def __init__(self, vendor: int, product: int, timeout: float, profile: str | None, **endpoints: int):
        from escpos.printer import Usb

        self.printer = Usb(vendor, product, timeout=int(timeout * 1000), profile=profile, **endpoints)
        self.where = f"usb {vendor:04x}:{product:04x}"

    def open(self) -> None:
        from escpos.exceptions import DeviceNotFoundError, USBNotFoundError

        try:
            self.printer.open()
        except (DeviceNotFoundError, USBNotFoundError, RuntimeError, OSError) as exc:
            raise DeviceNotFound(f"{LABEL} tidak ditemukan di {self.where} ({_first_line(exc)})") from exc

    def close(self) -> None:
        try:
            self.printer.close()
        except Exception:  # noqa: BLE001 - a vanished USB device fails in any way on release
            pass

    def write(self, data: bytes) -> None:
        import usb.core

        try:
            self.printer._raw(data)
        except usb.core.USBTimeoutError as exc:
            raise DeviceTimeout(f"{LABEL} tidak menerima data", code="write_timeout") from exc
        except (usb.core.USBError, OSError) as exc:
            raise DeviceUnavailable(f"{LABEL} terputus ({_first_line(exc)})", code="unplugged") from exc

    def read_byte(self, deadline: float) -> bytes:
        import usb.core

        ms = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            return bytes(self.printer.device.read(self.printer.in_ep, 16, ms))[:1]
        except usb.core.USBTimeoutError:
            return b""
        except (usb.core.USBError, OSError) as exc:
            raise DeviceUnavailable(f"{LABEL} terputus ({_first_line(exc)})", code="unplugged") from exc

    def flush_input(self) -> None:
        pass


class _SerialChannel:
    def __init__(self, url: str, baud: int, write_timeout: float, profile: str | None):
        self.link = SerialLink(url, baudrate=baud, label=LABEL, write_timeout=write_timeout)
        self.printer = SerialUrlPrinter(self.link, profile=profile)

    def open(self) -> None:
        self.printer.open()

    def close(self) -> None:
        self.printer.close()

    def write(self, data: bytes) -> None:
        self.printer._raw(data)

    def read_byte(self, deadline: float) -> bytes:
        return self.printer.read_byte(deadline)

    def flush_input(self) -> None:
        self.link.flush_input()

    @property
    def lost(self) -> bool:
        return self.link.lost


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "ya", "on"):
        return True
    if text in ("0", "false", "no", "tidak", "off"):
        return False
    raise DeviceConfigError(f"Opsi {name} harus true/false, bukan {value!r}")


# ----------------------------------------------------------------------------------------------- driver


class EscposPrinter(TicketPrinter):
    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        unknown = set(options) - _OPTIONS
        if unknown:
            raise DeviceConfigError(
                f"Opsi driver escpos tidak dikenal: {', '.join(sorted(unknown))} (pilihan: {', '.join(sorted(_OPTIONS))})"
            )
        self.columns = int(positive_number(options.get("columns", DEFAULT_COLUMNS), "columns", integer=True))
        if self.columns < 24:
            raise DeviceConfigError("Opsi columns minimal 24 karakter")
        self.timeout = float(positive_number(options.get("timeout", 1.0), "timeout"))
        self.check_status = _flag(options.get("status", True), "status")
        self.profile = options.get("profile") or None
        self.qr_size = int(positive_number(options.get("qr_size", 6), "qr_size", integer=True))
        if not 1 <= self.qr_size <= 16:
            raise DeviceConfigError("Opsi qr_size harus 1..16")
        self.cut = str(options.get("cut", "full")).upper()
        if self.cut not in ("FULL", "PART"):
            raise DeviceConfigError("Opsi cut harus full atau part")
        baud = int(positive_number(options.get("baud", DEFAULT_BAUD), "baud", integer=True))
        write_timeout = float(positive_number(options.get("write_timeout", 5.0), "write_timeout"))
        self.channel = self._channel(url, baud, write_timeout)
        self._opened = False
        self._lost = False
        self.printed = 0

    def _channel(self, url: str, baud: int, write_timeout: float):
        parts = urlsplit(url) if "://" in url else None
        scheme = parts.scheme.lower() if parts else ""
        if scheme == "tcp":
            if not parts.hostname:
                raise DeviceConfigError(f"URL printer jaringan harus tcp://HOST[:PORT], bukan {url!r}")
            try:
                port = parts.port or 9100
            except ValueError:
                raise DeviceConfigError(f"Port tidak valid pada {url!r}") from None
            return _NetworkChannel(parts.hostname, port, self.timeout, self.profile)
        if scheme == "usb":
            vendor, _, product = parts.netloc.partition(":")
            try:
                ids = int(vendor, 16), int(product, 16)
                endpoints = {k: int(v, 0) for k, v in parse_qsl(parts.query, strict_parsing=bool(parts.query))}
            except ValueError:
                raise DeviceConfigError(f"URL printer USB harus usb://VID:PID[?in_ep=0x82&out_ep=0x01], bukan {url!r}") from None
            bad = set(endpoints) - {"in_ep", "out_ep", "interface"}
            if bad:
                raise DeviceConfigError(f"Opsi URL USB tidak dikenal: {', '.join(sorted(bad))}")
            usb_args = {k: v for k, v in endpoints.items() if k in ("in_ep", "out_ep")}
            if "interface" in endpoints:
                usb_args["usb_args"] = {"bInterfaceNumber": endpoints["interface"]}  # type: ignore[assignment]
            return _UsbChannel(*ids, timeout=self.timeout, profile=self.profile, **usb_args)
        return _SerialChannel(url, baud, write_timeout, self.profile)

    # ------------------------------------------------------------------ life cycle

    def open(self) -> None:
        self.channel.open()
        try:
            if self.check_status:
                self._check(time.monotonic() + self.timeout)
        except BaseException:
            self.channel.close()
            raise
        self._opened = True
        self._lost = False

    def close(self) -> None:
        self._opened = False
        self.channel.close()

    def info(self) -> DeviceInfo:
        return DeviceInfo(kind=self.kind, driver="escpos", model="ESC/POS thermal printer", url=self.url,
                          extra={"columns": self.columns, "status": self.check_status, "printed": self.printed})  # fmt: skip

    def _ready(self) -> None:
        if not self._opened:
            raise DeviceUnavailable(f"{LABEL} belum dibuka atau sudah ditutup", code="closed")
        if self._lost or getattr(self.channel, "lost", False):
            self.channel.close()
            try:
                self.channel.open()
            except DeviceNotFound as exc:
                raise DeviceUnavailable(exc.message, code="unplugged") from exc
            self._lost = False

    def _io(self, action):
        try:
            return action()
        except DeviceUnavailable:
            self._lost = True
            self.channel.close()
            raise

    # ------------------------------------------------------------------ status

    def _status(self, n: int, deadline: float) -> int:
        self._io(self.channel.flush_input)
        self._io(lambda: self.channel.write(DLE_EOT + bytes([n])))
        data = self._io(lambda: self.channel.read_byte(deadline))
        if not data:
            raise DeviceTimeout(f"{LABEL} tidak menjawab permintaan status", code="no_answer")
        value = data[0]
        if value & _FIXED_MASK != _FIXED_BITS:
            raise ProtocolError(f"{LABEL}: jawaban status tidak valid ({value:#04x})", code="status")
        return value

    def _check(self, deadline: float) -> None:
        printer = self._status(STATUS_PRINTER, deadline)
        paper = self._status(STATUS_PAPER, max(deadline, time.monotonic() + self.timeout))
        if paper & PAPER_END == PAPER_END:
            raise PaperOut(f"Kertas {LABEL.lower()} habis; pasang gulungan baru", code="paper_out")
        if printer & OFFLINE:
            cause = self._status(STATUS_OFFLINE, time.monotonic() + self.timeout)
            if cause & COVER_OPEN:
                raise DeviceBusy(f"Tutup {LABEL.lower()} terbuka", code="cover_open")
            if cause & PAPER_STOP:
                raise PaperOut(f"Kertas {LABEL.lower()} habis; pasang gulungan baru", code="paper_out")
            raise DeviceBusy(f"{LABEL} sedang offline", code="offline")

    # ------------------------------------------------------------------ TicketPrinter

    def print_ticket(self, ticket: Ticket) -> None:
        self._ready()
        data = ticket_bytes(ticket, self.columns, profile=self.profile, qr_size=self.qr_size, cut=self.cut)
        if self.check_status:
            self._check(time.monotonic() + self.timeout)
        self._io(lambda: self.channel.write(data))
        if self.check_status:
            self._check(time.monotonic() + self.timeout)
        self.printed += 1
