"""What every simulated USB device answers alike, as a pyusb backend (``usb.backend.IBackend``).

A simulated device (the STU pad in ``simulators.stu``, the receipt printer in ``simulators.escpos_usb``) subclasses
:class:`SimulatedUsbBackend` and gives its descriptors, its transfers and ``_alive(handle)``, which raises pyusb's
"no such device" error once the device is unplugged. The handle-level calls (claim, release, kernel driver,
halt, reset) are the same for all of them and live here, in the manner of pyftdi's virtual USB backend.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import usb.backend


def descriptor(**fields: Any) -> SimpleNamespace:
    """A USB descriptor as pyusb's backends hand it over: an object with the descriptor's fields."""
    return SimpleNamespace(**fields)


class SimulatedUsbBackend(usb.backend.IBackend):
    def _alive(self, dev_handle: Any = None) -> Any:
        """Raise pyusb's USBError (errno 19) when the device is gone."""
        raise NotImplementedError

    def close_device(self, dev_handle):
        pass

    def get_configuration(self, dev_handle):
        self._alive(dev_handle)
        return 1

    def set_interface_altsetting(self, dev_handle, intf, altsetting):
        self._alive(dev_handle)

    def claim_interface(self, dev_handle, intf):
        self._alive(dev_handle)

    def release_interface(self, dev_handle, intf):
        pass

    def is_kernel_driver_active(self, dev_handle, intf):
        return False

    def detach_kernel_driver(self, dev_handle, intf):
        pass

    def attach_kernel_driver(self, dev_handle, intf):
        pass

    def clear_halt(self, dev_handle, ep):
        self._alive(dev_handle)

    def reset_device(self, dev_handle):
        self._alive(dev_handle)
