"""ZFM fingerprint module driver pairs: the wire simulator in process, over a pty, TCP and RFC 2217, and a real
module when ``EKTP_HW_ZFM_PORT`` names its port (a pyserial URL; ``EKTP_HW_ZFM_PASSWORD`` if not 0).

With real hardware a person must present the fingers in the SOP order (right thumb ... left little finger,
then the right index finger again) when the suite asks for them.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from drivers.interfaces import DeviceKind
from drivers.zfm import ZfmScanner
from simulators.wire.harness import TRANSPORTS, running
from tests.contract.conftest import Pair

HW_ENV = "EKTP_HW_ZFM_PORT"


def _simulated(transport: str):
    @contextmanager
    def open_pair(scenario=None, **settings):
        with running("zfm", transport, scenario, **settings) as (url, control):
            device = ZfmScanner(url, timeout=1.0)
            device.open()
            try:
                yield device, control
            finally:
                device.close()

    return open_pair


@contextmanager
def _hardware(scenario=None, **_settings):
    device = ZfmScanner(os.environ[HW_ENV], password=os.environ.get("EKTP_HW_ZFM_PASSWORD", "0"))
    device.open()
    try:
        yield device, None
    finally:
        device.close()


PAIRS = [Pair(DeviceKind.FINGERPRINT, f"zfm-{transport}", _simulated(transport))
         for transport in (*TRANSPORTS, "rfc2217")]
PAIRS.append(
    Pair(
        DeviceKind.FINGERPRINT,
        "zfm-hardware",
        _hardware,
        skip_reason=None if os.environ.get(HW_ENV) else f"no ZFM module: set {HW_ENV}=/dev/ttyUSB0 to test one",
    )
)
