"""Where the station keeps its data and which database it uses.

Environment:
- ``EKTP_DATA_DIR``: data folder (SQLite file, encrypted biometric blobs, key file). Default
  ``$XDG_DATA_HOME/ektp-station`` (``~/.local/share/ektp-station``).
- ``EKTP_DATABASE_URL``: SQLAlchemy URL; when unset, ``sqlite:///<data dir>/station.db``.
- ``EKTP_STATION_CONFIG``: path of ``station.toml``; default ``<data dir>/station.toml`` if it exists,
  else the built-in simulated configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def data_dir() -> Path:
    explicit = os.environ.get("EKTP_DATA_DIR")
    if explicit:
        path = Path(explicit).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "ektp-station"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    url = os.environ.get("EKTP_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'station.db'}"


@dataclass(frozen=True)
class Paths:
    data: Path

    @property
    def blobs(self) -> Path:
        return self.data / "blobs"

    @property
    def key_file(self) -> Path:
        return self.data / "keys" / "blob.key"


def paths() -> Paths:
    return Paths(data=data_dir())
