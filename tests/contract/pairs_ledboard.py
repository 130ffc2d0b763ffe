"""Alpha LED queue board driver pairs: the wire simulator in process, over a pty, over TCP and over RFC 2217,
and a real board when ``EKTP_HW_LEDBOARD_PORT`` names its port (``EKTP_HW_LEDBOARD_FRAMING``, e.g. 7E2, if not
8N1).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from drivers.interfaces import DeviceKind
from drivers.ledboard import AlphaSignBoard
from simulators.wire.harness import TRANSPORTS, running
from tests.contract.conftest import Pair

HW_ENV = "EKTP_HW_LEDBOARD_PORT"


def _simulated(transport: str):
    @contextmanager
    def open_pair(scenario=None, **settings):
        with running("ledboard", transport, scenario, **settings) as (url, control):
            device = AlphaSignBoard(url)
            device.open()
            try:
                yield device, control
            finally:
                device.close()

    return open_pair


@contextmanager
def _hardware(scenario=None, **_settings):
    device = AlphaSignBoard(os.environ[HW_ENV], framing=os.environ.get("EKTP_HW_LEDBOARD_FRAMING", "8N1"))
    device.open()
    try:
        yield device, None
    finally:
        device.close()


PAIRS = [Pair(DeviceKind.QUEUE_DISPLAY, f"alpha-{transport}", _simulated(transport))
         for transport in (*TRANSPORTS, "rfc2217")]
PAIRS.append(
    Pair(
        DeviceKind.QUEUE_DISPLAY,
        "alpha-hardware",
        _hardware,
        skip_reason=None if os.environ.get(HW_ENV) else f"no LED board: set {HW_ENV}=/dev/ttyUSB1 to test one",
    )
)
