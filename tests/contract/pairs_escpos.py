"""ESC/POS ticket printer driver pairs: the wire simulator in process, over a pty (serial), over TCP as a
network printer (``tcp://``, python-escpos ``Network``), over RFC 2217 (``rfc2217://``, pyserial), over USB (python-escpos ``Usb`` on pyusb, the simulator
as a pyusb backend: ``escpossim://``), and a real printer when ``EKTP_HW_PRINTER_URL`` names it
(``/dev/ttyUSB0?baud=19200``, ``tcp://192.168.1.50:9100`` or ``usb://04b8:0202``).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from drivers.escpos_printer import EscposPrinter
from drivers.interfaces import DeviceKind
from simulators.escpos_usb import running_usb
from simulators.wire.harness import TRANSPORTS, running
from tests.contract.conftest import Pair

HW_ENV = "EKTP_HW_PRINTER_URL"


def _simulated(transport: str):
    @contextmanager
    def open_pair(scenario=None, **settings):
        if transport == "usb":
            sim = running_usb(scenario, **settings)
        else:
            sim = running("printer", transport, scenario, **settings)
        with sim as (url, control):
            device = EscposPrinter(url)
            device.open()
            try:
                yield device, control
            finally:
                device.close()

    return open_pair


@contextmanager
def _hardware(scenario=None, **_settings):
    device = EscposPrinter(os.environ[HW_ENV])
    device.open()
    try:
        yield device, None
    finally:
        device.close()


PAIRS = [Pair(DeviceKind.TICKET_PRINTER, f"escpos-{transport}", _simulated(transport))
         for transport in (*TRANSPORTS, "rfc2217", "usb")]
PAIRS.append(
    Pair(
        DeviceKind.TICKET_PRINTER,
        "escpos-hardware",
        _hardware,
        skip_reason=None if os.environ.get(HW_ENV) else f"no ESC/POS printer: set {HW_ENV}=tcp://HOST:9100 to test one",
    )
)
