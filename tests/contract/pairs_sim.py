"""The in-process ``sim`` drivers (``simulators.inproc``) as contract pairs: they must keep the same contract
as the drivers of real devices. They have no scriptable wire, so their control is ``None`` (fault tests skip).
"""

from __future__ import annotations

from contextlib import contextmanager

from drivers import registry
from drivers.interfaces import DeviceKind
from tests.contract.conftest import Pair


def _sim(kind: DeviceKind, url: str):
    @contextmanager
    def open_pair(scenario=None, **_settings):
        device = registry.open_device(kind, "sim", url)
        try:
            yield device, None
        finally:
            device.close()

    return open_pair


PAIRS = [
    Pair(DeviceKind.FINGERPRINT, "sim-slap", _sim(DeviceKind.FINGERPRINT, "sim://slap")),
    Pair(DeviceKind.FINGERPRINT, "sim-single", _sim(DeviceKind.FINGERPRINT, "sim://single")),
    Pair(DeviceKind.SIGNATURE_PAD, "sim-signature", _sim(DeviceKind.SIGNATURE_PAD, "sim://signature")),
    Pair(DeviceKind.SIGNATURE_PAD, "sim-stu", _sim(DeviceKind.SIGNATURE_PAD, "sim://stu")),
    Pair(DeviceKind.TICKET_PRINTER, "sim-printer", _sim(DeviceKind.TICKET_PRINTER, "sim://printer")),
    Pair(DeviceKind.QUEUE_DISPLAY, "sim-display", _sim(DeviceKind.QUEUE_DISPLAY, "sim://display")),
]
