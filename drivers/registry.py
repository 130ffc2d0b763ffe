"""Driver registry: drivers are found through the ``ektp_station.drivers`` entry-point group.

Entry names are ``<kind>.<name>`` (for example ``fingerprint.zfm``) pointing at a ``Device`` subclass, in the
manner of python-can's interface registry. ``open_device`` builds and opens one from a name and a URL.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

from drivers.errors import DeviceConfigError, DeviceNotFound
from drivers.interfaces import INTERFACES, Device, DeviceKind

GROUP = "ektp_station.drivers"


@lru_cache(maxsize=1)
def _entries() -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for ep in entry_points(group=GROUP):
        kind, _, name = ep.name.partition(".")
        if name:
            found[(kind, name)] = ep
    return found


def available(kind: DeviceKind | str | None = None) -> list[tuple[str, str]]:
    """``(kind, name)`` pairs of the installed drivers, sorted."""
    kind_value = DeviceKind(kind).value if kind is not None else None
    return sorted(key for key in _entries() if kind_value in (None, key[0]))


def driver_class(kind: DeviceKind | str, name: str) -> type[Device]:
    try:
        kind = DeviceKind(kind)
    except ValueError as exc:
        raise DeviceConfigError(f"Jenis perangkat tidak dikenal: {kind!r}") from exc
    ep = _entries().get((kind.value, name))
    if ep is None:
        names = ", ".join(n for k, n in available(kind)) or "-"
        raise DeviceNotFound(f"Driver {kind.value}.{name} tidak terpasang (tersedia: {names})")
    try:
        cls = ep.load()
    except ImportError as exc:  # e.g. an optional extra (gphoto2) that is not installed
        raise DeviceNotFound(f"Driver {kind.value}.{name} tidak dapat dimuat: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, INTERFACES[kind])):
        raise DeviceConfigError(f"Driver {kind.value}.{name} bukan {INTERFACES[kind].__name__}")
    return cls


def create_device(kind: DeviceKind | str, name: str, url: str, **options: Any) -> Device:
    """Build a driver instance without opening it."""
    return driver_class(kind, name)(url, **options)


def open_device(kind: DeviceKind | str, name: str, url: str, **options: Any) -> Device:
    device = create_device(kind, name, url, **options)
    device.open()
    return device
