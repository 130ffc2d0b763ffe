"""ESC/POS thermal ticket printer driver, through python-escpos.

``station.toml``::

    [devices.ticket_printer]
    driver = "escpos"
    url = "tcp://192.168.1.50:9100"   # network printer (raw port 9100)
    # url = "usb://04b8:0202"         # USB printer class (VID:PID, optional ?in_ep=0x82&out_ep=0x01)
    # url = "usb://"                  # the first USB device with a printer-class interface
    # url = "escpossim://"            # a pyusb backend named by its scheme (here the simulated USB printer)
    # url = "/dev/ttyUSB0?baud=19200" # serial (any pyserial URL: socket://, rfc2217://, ektpsim://printer)
    columns = 42                      # characters per line of font A: 42 on 80 mm paper, 32 on 58 mm

Options: ``columns`` (default 42), ``baud`` (serial, default 9600), ``timeout`` (seconds per status reply,
default 1.0), ``status`` (ask the printer's real-time status before and after each ticket, default true;
switch off for printers that cannot answer), ``profile`` (python-escpos printer profile, default
``default``), ``qr_size`` (QR module size 1..16, default 6), ``cut`` (``full`` or ``part``), ``backend`` (a
pyusb backend object for ``usb://`` URLs, for tests and custom transports; python-escpos' ``Usb`` hands it to
``usb.core.find`` through its ``usb_args``).

USB: python-escpos ``Usb`` on pyusb (libusb by default). A URL whose scheme is an entry point of the group
``ektp_station.usb_backends`` (the registry ``drivers.usb_backends`` keeps, e.g. ``escpossim://`` of
``simulators.escpos_usb``) opens the first printer-class device of the pyusb backend that entry point makes of
the URL; the query then belongs to that backend. ``?interface=N`` on ``usb://`` picks the device whose
interface N is a printer interface. Bulk OUT carries the ticket, bulk IN the status answers.

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
from drivers.options import flag as _flag
from drivers.transport import SerialLink, positive_number

LABEL = "Printer tiket"
DEFAULT_COLUMNS = 42
DEFAULT_BAUD = 9600
_OPTIONS = {"columns", "baud", "timeout", "status", "profile", "qr_size", "cut", "write_timeout", "backend"}
#: USB printer class (bInterfaceClass).
USB_PRINTER_CLASS = 7
#: pyserial's own URL schemes: never looked up as pyusb backends.
_SERIAL_SCHEMES = {"socket", "rfc2217", "loop", "spy", "hwgrep", "alt", "cp2110"}

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


class _PrinterInterface:
    """``custom_match`` of ``usb.core.find``: a device with a printer-class interface (number ``interface``)."""

    def __init__(self, interface: int | None = None):
        self.interface = interface

    def __call__(self, device: Any) -> bool:
        try:
            for config in device:
                for intf in config:
                    if intf.bInterfaceClass == USB_PRINTER_CLASS and self.interface in (None, intf.bInterfaceNumber):
                        return True
        except Exception:  # noqa: BLE001 - a device whose descriptors cannot be read is not ours
            return False
        return False

    def __repr__(self) -> str:  # python-escpos puts its usb_args in messages
        return "printer USB" if self.interface is None else f"printer USB interface {self.interface}"


class _UsbChannel:
    """python-escpos ``Usb`` (USB printer class, bulk endpoints) on a pyusb backend.

    ``backend``: a pyusb backend object; ``factory`` + ``url``: a backend made from the URL at each open (an
    entry point of ``ektp_station.usb_backends``). Without VID:PID the first printer-class device is taken.
    """

    def __init__(self, vendor: int | None, product: int | None, timeout: float, profile: str | None, *,
                 backend: Any = None, factory: Any = None, url: str = "", interface: int | None = None,
                 **endpoints: int):
        from escpos.printer import Usb

        usb_args: dict[str, Any] = {}
        if backend is not None:
            usb_args["backend"] = backend
        if vendor is None or interface is not None:
            usb_args["custom_match"] = _PrinterInterface(interface)
        self.printer = Usb(vendor, product, usb_args=usb_args, timeout=max(1, int(timeout * 1000)),
                           profile=profile, **endpoints)
        self.factory, self.url = factory, url
        if factory is not None:
            self.where = url
        elif vendor is None:
            self.where = "USB (printer pertama)"
        else:
            self.where = f"usb {vendor:04x}:{product:04x}"

    def open(self) -> None:
        import usb.core
        from escpos.exceptions import DeviceNotFoundError, USBNotFoundError

        if self.factory is not None:
            try:
                self.printer.usb_args["backend"] = self.factory(self.url)
            except ValueError as exc:
                raise DeviceConfigError(f"{LABEL}: URL {self.url!r} tidak valid ({_first_line(exc)})") from exc
            except Exception as exc:  # noqa: BLE001 - a third-party backend may fail in any way
                raise DeviceNotFound(f"{LABEL} tidak ditemukan di {self.where} ({_first_line(exc)})") from exc
        try:
            self.printer.open()
        except usb.core.NoBackendError as exc:
            raise DeviceNotFound(f"{LABEL}: libusb tidak terpasang (pyusb tidak menemukan backend)") from exc
        except (DeviceNotFoundError, USBNotFoundError) as exc:
            cause = exc.__context__  # python-escpos wraps the USBError / failed assertion without "from"
            detail = "tidak ada di bus USB atau kabel lepas"
            if isinstance(cause, usb.core.USBError):
                detail = _first_line(cause)
            raise DeviceNotFound(f"{LABEL} tidak ditemukan di {self.where} ({detail})") from exc
        except (RuntimeError, OSError) as exc:
            raise DeviceNotFound(f"{LABEL} tidak ditemukan di {self.where} ({_first_line(exc)})") from exc
        if not self.printer.device:  # python-escpos checks with assert, gone under python -O
            raise DeviceNotFound(f"{LABEL} tidak ditemukan di {self.where}")

    def close(self) -> None:
        try:
            self.printer.close()
        except Exception:  # noqa: BLE001 - a vanished USB device fails in any way on release
            pass

    def _device(self) -> Any:
        device = self.printer.device if self.printer._device else None
        if device is None:
            raise DeviceUnavailable(f"{LABEL} terputus; sambungkan kembali", code="unplugged")
        return device

    def write(self, data: bytes) -> None:
        import usb.core

        self._device()
        try:
            self.printer._raw(data)
        except usb.core.USBTimeoutError as exc:
            raise DeviceTimeout(f"{LABEL} tidak menerima data", code="write_timeout") from exc
        except (usb.core.USBError, OSError) as exc:
            raise DeviceUnavailable(f"{LABEL} terputus ({_first_line(exc)})", code="unplugged") from exc

    def read_byte(self, deadline: float) -> bytes:
        import usb.core

        device = self._device()
        ms = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            return bytes(device.read(self.printer.in_ep, 16, ms))[:1]
        except usb.core.USBTimeoutError:
            return b""
        except (usb.core.USBError, OSError) as exc:
            raise DeviceUnavailable(f"{LABEL} terputus ({_first_line(exc)})", code="unplugged") from exc

    def flush_input(self) -> None:
        """Read and drop what the printer sent and nobody read (a late status answer)."""
        import usb.core

        device = self._device()
        for _ in range(16):
            try:
                if not len(device.read(self.printer.in_ep, 64, 1)):
                    return
            except usb.core.USBTimeoutError:
                return
            except (usb.core.USBError, OSError) as exc:
                raise DeviceUnavailable(f"{LABEL} terputus ({_first_line(exc)})", code="unplugged") from exc


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


def _usb_backend_factory(scheme: str) -> Any:
    """The pyusb backend factory registered for ``scheme`` (group ``ektp_station.usb_backends``), or None."""
    from drivers.usb_backends import backend_factory  # the one registry of pyusb backends by URL scheme

    return backend_factory(scheme)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


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
        self.backend = options.get("backend")
        if isinstance(self.backend, (str, bytes, int, float, bool)):
            raise DeviceConfigError(
                "Opsi backend harus objek backend pyusb (untuk pengujian); backend bernama dipilih lewat skema URL, "
                "mis. escpossim://"
            )
        baud = int(positive_number(options.get("baud", DEFAULT_BAUD), "baud", integer=True))
        write_timeout = float(positive_number(options.get("write_timeout", 5.0), "write_timeout"))
        self.channel = self._channel(url, baud, write_timeout)
        self._opened = False
        self._lost = False
        self.printed = 0

    def _channel(self, url: str, baud: int, write_timeout: float):
        parts = urlsplit(url) if "://" in url else None
        scheme = parts.scheme.lower() if parts else ""
        if self.backend is not None and scheme != "usb":
            raise DeviceConfigError("Opsi backend hanya berlaku untuk URL usb://VID:PID")
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
                ids = (int(vendor, 16), int(product, 16)) if parts.netloc else (None, None)
                endpoints = {k: int(v, 0) for k, v in parse_qsl(parts.query, strict_parsing=bool(parts.query))}
            except ValueError:
                raise DeviceConfigError(f"URL printer USB harus usb://VID:PID[?in_ep=0x82&out_ep=0x01], bukan {url!r}") from None
            bad = set(endpoints) - {"in_ep", "out_ep", "interface"}
            if bad:
                raise DeviceConfigError(f"Opsi URL USB tidak dikenal: {', '.join(sorted(bad))}")
            return _UsbChannel(*ids, timeout=self.timeout, profile=self.profile, backend=self.backend, **endpoints)
        if scheme and scheme not in _SERIAL_SCHEMES:
            factory = _usb_backend_factory(scheme)
            if factory is not None:
                return _UsbChannel(None, None, timeout=self.timeout, profile=self.profile, factory=factory, url=url)
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
