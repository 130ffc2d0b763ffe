"""Reading driver options as ``station.toml`` and URL query strings give them (``true``, ``"ya"``, ``1``)."""

from __future__ import annotations

from typing import Any

from drivers.errors import DeviceConfigError

_TRUE = ("1", "true", "yes", "ya", "on")
_FALSE = ("0", "false", "no", "tidak", "off")


def flag(value: Any, name: str) -> bool:
    """A yes/no option; ``DeviceConfigError`` naming the option for anything else."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise DeviceConfigError(f"Opsi {name} harus true/false, bukan {value!r}")
