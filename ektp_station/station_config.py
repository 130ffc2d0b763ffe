"""``station.toml``: which driver and URL per device, and the station's own settings.

Example::

    [station]
    id = "kalipare-1"
    office = "Kecamatan Kalipare"
    operator = "Operator 1"
    kasi = "Kasi Pemerintahan"
    max_attempts = 3

    [devices.fingerprint]
    driver = "zfm"
    url = "/dev/ttyUSB0"
    baudrate = 57600          # any other key is passed to the driver as an option

A device left out uses the built-in simulator (driver ``sim``, URL ``sim://``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.interfaces import DeviceKind
from ektp_station import settings
from ektp_station.errors import ConfigError


@dataclass(frozen=True)
class DeviceConfig:
    kind: DeviceKind
    driver: str = "sim"
    url: str = "sim://"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StationConfig:
    station_id: str = "kalipare-1"
    office: str = "Kecamatan Kalipare"
    region_code: str = "35.07.11"
    operator: str = "Operator Perekaman"
    kasi: str = "Kasi Pemerintahan"
    max_attempts: int = 3
    finger_quality_min: float = 40.0
    verify_threshold: float | None = None
    devices: dict[DeviceKind, DeviceConfig] = field(default_factory=dict)
    source: str = "<bawaan>"

    def device(self, kind: DeviceKind) -> DeviceConfig:
        return self.devices.get(kind, DeviceConfig(kind))


_STATION_KEYS = {
    "id": ("station_id", str),
    "office": ("office", str),
    "region_code": ("region_code", str),
    "operator": ("operator", str),
    "kasi": ("kasi", str),
    "max_attempts": ("max_attempts", int),
    "finger_quality_min": ("finger_quality_min", float),
    "verify_threshold": ("verify_threshold", float),
}


def parse(text: str, source: str = "<teks>") -> StationConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: TOML tidak valid: {exc}") from exc
    unknown = set(raw) - {"station", "devices"}
    if unknown:
        raise ConfigError(f"{source}: bagian tidak dikenal: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key, value in (raw.get("station") or {}).items():
        if key not in _STATION_KEYS:
            raise ConfigError(f"{source}: [station] kunci tidak dikenal: {key}")
        attr, typ = _STATION_KEYS[key]
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, typ) or isinstance(value, bool):
            raise ConfigError(f"{source}: [station] {key} harus {typ.__name__}, bukan {value!r}")
        values[attr] = value
    if values.get("max_attempts", 3) < 1:
        raise ConfigError(f"{source}: [station] max_attempts minimal 1")
    devices: dict[DeviceKind, DeviceConfig] = {}
    for kind_name, table in (raw.get("devices") or {}).items():
        try:
            kind = DeviceKind(kind_name)
        except ValueError:
            kinds = ", ".join(k.value for k in DeviceKind)
            raise ConfigError(f"{source}: perangkat tidak dikenal [devices.{kind_name}] (pilihan: {kinds})") from None
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [devices.{kind_name}] harus berupa tabel")
        table = dict(table)
        driver = table.pop("driver", "sim")
        url = table.pop("url", "sim://")
        if not isinstance(driver, str) or not isinstance(url, str) or not driver or not url:
            raise ConfigError(f"{source}: [devices.{kind_name}] driver dan url harus teks")
        devices[kind] = DeviceConfig(kind, driver, url, table)
    return StationConfig(devices=devices, source=source, **values)


def load(path: str | os.PathLike | None = None) -> StationConfig:
    """Load ``path``, else ``$EKTP_STATION_CONFIG``, else ``<data dir>/station.toml``, else the defaults."""
    candidate = path or os.environ.get("EKTP_STATION_CONFIG")
    if candidate is None:
        default = settings.data_dir() / "station.toml"
        if not default.exists():
            return StationConfig()
        candidate = default
    p = Path(candidate)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Berkas konfigurasi tidak dapat dibaca: {p} ({exc.strerror})") from exc
    return parse(text, str(p))
