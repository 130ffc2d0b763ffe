"""A simulated USB receipt printer (an Epson TM-T82 look-alike, 04b8:0202) as a pyusb backend.

The printer is the same :class:`simulators.escpos.EscposPrinterSimulator` the pty/TCP and ``ektpsim://printer``
paths use; only the wire differs. :class:`EscposUsbBackend` implements pyusb's ``usb.backend.IBackend`` (as
pyftdi's virtual USB backend and :mod:`simulators.stu` do), so python-escpos' ``Usb`` printer and the driver
``drivers.escpos_printer`` run their real pyusb calls against it:

* one device, class 0 (defined per interface), one configuration, interface 0 of the USB printer class
  (``bInterfaceClass`` 7, subclass 1, protocol 2 bidirectional) with a bulk OUT endpoint 0x01 and a bulk IN
  endpoint 0x82 (64-byte packets), the endpoints python-escpos uses by default;
* bulk OUT: the host's bytes go, packet by packet, into the printer's ESC/POS decoder (tickets, faults and
  events exactly as over a serial line). A print job (a transfer that starts with ``ESC @``) counts as the
  operation ``usb_write``: a scripted ``no_answer`` there is a printer whose receive buffer is full (offline,
  jammed), which NAKs every packet, so the transfer ends in ``USBTimeoutError`` after its timeout with nothing
  accepted; ``slow`` (``seconds``) accepts the job that much later;
* bulk IN: what the printer sends back, i.e. the answers to real-time status requests (``DLE EOT n``), with
  the transfer's timeout (``USBTimeoutError`` when nothing comes);
* control: string descriptors and the printer-class requests GET_DEVICE_ID (IEEE 1284 id), GET_PORT_STATUS
  (paper empty / selected / no error bits) and SOFT_RESET.

Unplug (a scripted ``unplug`` fault, :meth:`WireControl.unplug`, or ``replug`` power blips): the device leaves
the bus, every transfer on a handle opened before fails with ``USBError`` ENODEV (also a write cut in the
middle), ``usb.core.find`` finds nothing; after the re-plug a new ``find`` + open works again, as on a real bus
where the device comes back with a new address.

URL (``station.toml``, driver ``escpos``; the scheme is in the entry-point group ``ektp_station.usb_backends``)::

    escpossim://                 the process's default simulated USB printer
    escpossim://NAME?paper=near_end&columns=32&scenario=/path/faults.toml   a named one, with settings

Printers are kept by name, so a re-open after an unplug finds the same printer. :func:`running_usb` starts a
fresh one under a unique name for a test and yields ``(url, control)`` as :func:`simulators.wire.harness.running`.
"""

from __future__ import annotations

import array
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

import usb.backend
import usb.core

from simulators.escpos import EscposPrinterSimulator
from simulators.scenario import Scenario
from simulators.usb_sim import SimulatedUsbBackend, descriptor
from simulators.wire.device import LinkDown
from simulators.wire.harness import WireControl

SCHEME = "escpossim"
VENDOR_ID, PRODUCT_ID = 0x04B8, 0x0202
EP_OUT, EP_IN = 0x01, 0x82
PACKET = 64
STRINGS = {1: "EPSON", 2: "TM-T82 (simulasi)", 3: "SIMTM82-0001"}
DEVICE_ID = b"MFG:EPSON;CMD:ESC/POS;MDL:TM-T82;CLS:PRINTER;DES:EPSON TM-T82 (simulasi);"

# libusb error codes and errnos pyusb's own backends report.
_NO_DEVICE = ("No such device (it may have been disconnected)", -4, 19)
_PIPE = ("Pipe error", -9, 32)
_TIMEOUT = ("Operation timed out", -7, 110)

# USB printer class requests (USB Device Class Definition for Printing Devices 1.1).
GET_DEVICE_ID, GET_PORT_STATUS, SOFT_RESET = 0, 1, 2
PORT_PAPER_EMPTY, PORT_SELECT, PORT_NOT_ERROR = 0x20, 0x10, 0x08


class _Dev:
    """pyusb's opaque device identity: one per appearance on the bus (a re-plug is a new device)."""

    def __init__(self, generation: int, address: int):
        self.generation = generation
        self.address = address


class _Handle:
    def __init__(self, dev: _Dev):
        self.dev = dev


def _error(info: tuple[str, int, int]) -> usb.core.USBError:
    text, code, errno = info
    return usb.core.USBError(text, error_code=code, errno=errno)


class EscposUsbBackend(SimulatedUsbBackend):
    """A pyusb backend with one simulated USB receipt printer (see the module docstring)."""

    def __init__(self, printer: EscposPrinterSimulator | None = None, vid: int = VENDOR_ID, pid: int = PRODUCT_ID,
                 name: str = "default"):
        self.printer = printer if printer is not None else EscposPrinterSimulator()
        self.vid, self.pid = vid, pid
        self.name = name
        #: Every byte the host wrote to the bulk OUT endpoint, in order (tests compare it with the ticket bytes).
        self.written = bytearray()
        self._lock = threading.Lock()
        self._dev: _Dev | None = None

    def __repr__(self) -> str:  # python-escpos puts its usb_args in messages
        return f"<simulasi USB {SCHEME}://{self.name}>"

    # ------------------------------------------------------------------ the bus

    def _current(self) -> _Dev | None:
        printer = self.printer
        with self._lock:
            if not printer.plugged or printer.closed:
                return None
            if self._dev is None or self._dev.generation != printer.generation:
                self._dev = _Dev(printer.generation, 5 + printer.generation % 120)
            return self._dev

    def _alive(self, handle_or_dev: Any) -> _Dev:
        dev = handle_or_dev.dev if isinstance(handle_or_dev, _Handle) else handle_or_dev
        if dev is not self._current():
            raise _error(_NO_DEVICE)
        return dev

    def enumerate_devices(self):
        dev = self._current()
        return [] if dev is None else [dev]

    def get_parent(self, dev):
        return None

    def get_device_descriptor(self, dev):
        return descriptor(bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0,
                           bDeviceProtocol=0, bMaxPacketSize0=64, idVendor=self.vid, idProduct=self.pid,
                           bcdDevice=0x0100, iManufacturer=1, iProduct=2, iSerialNumber=3, bNumConfigurations=1,
                           address=dev.address, bus=1, port_number=3, port_numbers=(3,), speed=2)

    def get_configuration_descriptor(self, dev, config):
        if config != 0:
            raise IndexError("no such configuration")
        return descriptor(bLength=9, bDescriptorType=2, wTotalLength=32, bNumInterfaces=1, bConfigurationValue=1,
                           iConfiguration=0, bmAttributes=0xC0, bMaxPower=1, extra_descriptors=[])

    def get_interface_descriptor(self, dev, intf, alt, config):
        if intf != 0 or alt != 0 or config != 0:
            raise IndexError("no such interface")
        return descriptor(bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0, bNumEndpoints=2,
                           bInterfaceClass=7, bInterfaceSubClass=1, bInterfaceProtocol=2, iInterface=0,
                           extra_descriptors=[])

    def get_endpoint_descriptor(self, dev, ep, intf, alt, config):
        if intf != 0 or alt != 0 or config != 0 or ep not in (0, 1):
            raise IndexError("no such endpoint")
        return descriptor(bLength=7, bDescriptorType=5, bEndpointAddress=(EP_OUT, EP_IN)[ep], bmAttributes=2,
                           wMaxPacketSize=PACKET, bInterval=0, bRefresh=0, bSynchAddress=0, extra_descriptors=[])

    # ------------------------------------------------------------------ handles

    def open_device(self, dev):
        return _Handle(self._alive(dev))

    def set_configuration(self, dev_handle, config_value):
        self._alive(dev_handle)
        if config_value not in (0, 1):
            raise _error(_PIPE)

    # ------------------------------------------------------------------ transfers

    def bulk_write(self, dev_handle, ep, intf, data, timeout):
        dev = self._alive(dev_handle)
        if ep != EP_OUT:
            raise _error(_PIPE)
        payload = bytes(data)
        if payload.startswith(b"\x1b@"):
            self._refuse_or_delay(dev, timeout)
        for start in range(0, len(payload), PACKET):
            packet = payload[start : start + PACKET]
            try:
                self.printer.receive(packet, dev.generation)
            except LinkDown:
                raise _error(_NO_DEVICE) from None
            self.written += packet
            if not self.printer.plugged or self.printer.generation != dev.generation:
                raise _error(_NO_DEVICE)  # the cable came out while this transfer was going
        return len(payload)

    def _refuse_or_delay(self, dev: _Dev, timeout: int) -> None:
        """A scripted ``usb_write`` fault on a print job: NAK it until the transfer times out, or take it late."""
        fault = self.printer.fault("usb_write")
        if fault is None or fault.kind not in ("no_answer", "slow"):
            return
        limit = None if not timeout else timeout / 1000.0  # libusb: 0 waits for ever
        hold = float(fault.param("seconds", 1.0)) if fault.kind == "slow" else None
        wait = hold if limit is None else (limit if hold is None else min(hold, limit))
        end = time.monotonic() + (wait if wait is not None else 3600.0)
        while time.monotonic() < end:
            if not self.printer.plugged or self.printer.generation != dev.generation:
                raise _error(_NO_DEVICE)
            time.sleep(min(0.02, max(0.0, end - time.monotonic())))
        if hold is None or (limit is not None and hold >= limit):
            raise usb.core.USBTimeoutError(_TIMEOUT[0], error_code=_TIMEOUT[1], errno=_TIMEOUT[2])

    def bulk_read(self, dev_handle, ep, intf, buff, timeout):
        dev = self._alive(dev_handle)
        if ep != EP_IN:
            raise _error(_PIPE)
        printer = self.printer
        # libusb: timeout 0 waits for ever; still wake up regularly to see an unplug.
        deadline = None if not timeout else time.monotonic() + timeout / 1000.0
        while True:
            try:
                data = printer.read(len(buff), dev.generation)
            except LinkDown:
                raise _error(_NO_DEVICE) from None
            if data:
                buff[: len(data)] = array.array("B", data)
                return len(data)
            if not printer.plugged or printer.generation != dev.generation:
                raise _error(_NO_DEVICE)
            left = 0.05 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                raise usb.core.USBTimeoutError(_TIMEOUT[0], error_code=_TIMEOUT[1], errno=_TIMEOUT[2])
            printer.wait(min(left, 0.05), dev.generation)

    def intr_write(self, dev_handle, ep, intf, data, timeout):
        raise _error(_PIPE)

    def intr_read(self, dev_handle, ep, intf, buff, timeout):
        raise _error(_PIPE)

    def ctrl_transfer(self, dev_handle, bmRequestType, bRequest, wValue, wIndex, data, timeout):
        self._alive(dev_handle)
        if bmRequestType == 0x80 and bRequest == 6 and wValue >> 8 == 3:  # GET_DESCRIPTOR (string)
            index = wValue & 0xFF
            if index == 0:
                raw = bytes([4, 3, 0x09, 0x04])
            elif index in STRINGS:
                encoded = STRINGS[index].encode("utf-16-le")
                raw = bytes([2 + len(encoded), 3]) + encoded
            else:
                raise _error(_PIPE)
            return self._reply(data, raw)
        if bmRequestType == 0xA1 and bRequest == GET_DEVICE_ID:
            return self._reply(data, (len(DEVICE_ID) + 2).to_bytes(2, "big") + DEVICE_ID)  # length counts itself
        if bmRequestType == 0xA1 and bRequest == GET_PORT_STATUS:
            return self._reply(data, bytes([self.port_status()]))
        if bmRequestType == 0x21 and bRequest == SOFT_RESET:
            self.printer.cancel_output()
            return 0
        raise _error(_PIPE)

    @staticmethod
    def _reply(buffer, raw: bytes) -> int:
        n = min(len(raw), len(buffer))
        buffer[:n] = array.array("B", raw[:n])
        return n

    def port_status(self) -> int:
        """The printer-class port status byte: paper empty, selected (online), not error."""
        printer = self.printer
        online = printer.clock() >= printer.cover_open_until and printer.paper_state != "out"
        value = PORT_NOT_ERROR if online else 0
        if online:
            value |= PORT_SELECT
        if printer.paper_state == "out":
            value |= PORT_PAPER_EMPTY
        return value


# ------------------------------------------------------------------------------------------- by URL

_BACKENDS: dict[str, EscposUsbBackend] = {}
_BACKENDS_LOCK = threading.Lock()


def register(name: str, backend: EscposUsbBackend) -> str:
    """Make ``backend`` reachable as ``escpossim://NAME``; returns the URL."""
    with _BACKENDS_LOCK:
        _BACKENDS[name] = backend
    return f"{SCHEME}://{name}"


def forget(name: str) -> None:
    with _BACKENDS_LOCK:
        backend = _BACKENDS.pop(name, None)
    if backend is not None:
        backend.printer.close()


def backend_for_url(url: str) -> EscposUsbBackend:
    """The pyusb backend of an ``escpossim://[NAME][?setting=value&scenario=FILE]`` URL (entry point of the group
    ``ektp_station.usb_backends``). ``ValueError`` for an unknown setting or a bad value."""
    parts = urlsplit(url)
    if parts.scheme.lower() != SCHEME:
        raise ValueError(f"bukan URL {SCHEME}://: {url!r}")
    name = (parts.netloc + parts.path).strip("/") or "default"
    with _BACKENDS_LOCK:
        found = _BACKENDS.get(name)
        if found is not None:
            return found
        try:
            settings = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
        except ValueError:
            raise ValueError(f"pengaturan pada URL {url!r} tidak dapat dibaca") from None
        scenario_path = settings.pop("scenario", None)
        scenario = Scenario.load(scenario_path) if scenario_path else None
        backend = EscposUsbBackend(EscposPrinterSimulator(scenario, **settings), name=name)
        _BACKENDS[name] = backend
        return backend


@contextmanager
def running_usb(
    scenario: dict[str, Any] | str | Path | None = None, **settings: Any
) -> Iterator[tuple[str, WireControl]]:
    """A fresh simulated USB printer under a unique ``escpossim://`` name; yields ``(url, control)``.

    ``control.backend`` is the :class:`EscposUsbBackend` (its ``written`` bytes), ``control.device`` the printer.
    """
    if isinstance(scenario, dict):
        scenario = Scenario.from_dict(scenario)
    elif scenario is not None:
        scenario = Scenario.load(scenario)
    printer = EscposPrinterSimulator(scenario, **settings)
    backend = EscposUsbBackend(printer, name=f"test-{uuid.uuid4().hex}")
    control = WireControl(printer)
    control.backend = backend  # type: ignore[attr-defined]
    url = register(backend.name, backend)
    try:
        yield url, control
    finally:
        forget(backend.name)
