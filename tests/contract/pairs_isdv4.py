"""ISDV4 signature pad driver pairs: the wire simulator in process, over a pty, TCP and RFC 2217, and a real pad
when ``EKTP_HW_ISDV4_PORT`` names its port (``EKTP_HW_ISDV4_BAUD`` if not 38400).

With real hardware a person must sign each time the suite starts a capture.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from drivers.interfaces import DeviceKind
from drivers.isdv4 import Isdv4Pad
from simulators.wire.harness import TRANSPORTS, running
from tests.contract.conftest import Pair

HW_ENV = "EKTP_HW_ISDV4_PORT"
#: The simulated signer draws four times faster than a person, to keep the suite short.
SIM_SETTINGS = {"pace": 4.0, "sign_delay": 0.1}


def _simulated(transport: str):
    @contextmanager
    def open_pair(scenario=None, **settings):
        with running("isdv4", transport, scenario, **{**SIM_SETTINGS, **settings}) as (url, control):
            device = Isdv4Pad(url, settle=0.05)
            device.open()
            try:
                yield device, control
            finally:
                device.close()

    return open_pair


#: A pad with a two-finger touch screen where the signer's palm rests on the glass as each signature starts: the
#: contract must hold with touch packets interleaved in the pen stream.
PALM = [{"at": 0.0, "seconds": 1.0, "x": 3500, "y": 3600, "fingers": 1}]


def _with_palm(transport: str):
    plain = _simulated(transport)

    @contextmanager
    def open_pair(scenario=None, **settings):
        if scenario is None or isinstance(scenario, dict):
            scenario = {**(scenario or {}), "touches": PALM + list((scenario or {}).get("touches", []))}
        with plain(scenario, **{"touch": "2fg", **settings}) as pair:
            yield pair

    return open_pair


@contextmanager
def _hardware(scenario=None, **_settings):
    device = Isdv4Pad(os.environ[HW_ENV], baud=os.environ.get("EKTP_HW_ISDV4_BAUD", "38400"))
    device.open()
    try:
        yield device, None
    finally:
        device.close()


PAIRS = [Pair(DeviceKind.SIGNATURE_PAD, f"isdv4-{transport}", _simulated(transport))
         for transport in (*TRANSPORTS, "rfc2217")]
PAIRS.append(Pair(DeviceKind.SIGNATURE_PAD, "isdv4-palm-pty", _with_palm("pty")))
PAIRS.append(
    Pair(
        DeviceKind.SIGNATURE_PAD,
        "isdv4-hardware",
        _hardware,
        skip_reason=None if os.environ.get(HW_ENV) else f"no ISDV4 pad: set {HW_ENV}=/dev/ttyS0 to test one",
    )
)
