"""pyusb backends chosen by URL scheme: the USB counterpart of pyserial's URL handlers (``drivers.transport``).

A USB driver (the STU signature pad, the ESC/POS printer's USB path) normally lets pyusb find libusb. A URL whose
scheme names a registered backend (``stusim://``, ``escpossim://``) opens the device through that backend instead,
e.g. a simulator inside the process, in the manner of pyftdi's virtual USB backend. Backends are found in
``register_usb_backend`` calls or in the entry-point group ``ektp_station.usb_backends`` (``scheme = module:factory``,
where ``factory(url)`` returns a ``usb.backend.IBackend``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from drivers.errors import DeviceNotFound

#: scheme -> factory(url) returning a pyusb backend (``register_usb_backend``).
USB_BACKENDS: dict[str, Callable[[str], Any]] = {}
BACKEND_GROUP = "ektp_station.usb_backends"


def register_usb_backend(scheme: str, factory: Callable[[str], Any]) -> None:
    """Let ``scheme://`` URLs open a USB device through the pyusb backend ``factory(url)`` returns."""
    USB_BACKENDS[scheme] = factory


def backend_factory(scheme: str) -> Callable[[str], Any] | None:
    """The backend factory for ``scheme``, or None when no backend is registered under it."""
    if scheme in USB_BACKENDS:
        return USB_BACKENDS[scheme]
    for ep in entry_points(group=BACKEND_GROUP):
        if ep.name == scheme:
            try:
                return ep.load()
            except ImportError as exc:
                raise DeviceNotFound(f"Backend USB {scheme} tidak dapat dimuat: {exc}") from exc
    return None
