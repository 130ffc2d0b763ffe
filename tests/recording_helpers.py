"""Shared set-up for recording tests: a station with sample residents on the in-process simulators."""

from __future__ import annotations

from pathlib import Path

from ektp_station.blobstore import BlobStore
from ektp_station.db.engine import Database
from ektp_station.devices import StationDevices
from ektp_station.recording.service import RecordingService
from ektp_station.residents import import_csv
from ektp_station.station_config import StationConfig, parse

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "penduduk_contoh.csv"
WOMAN_1999 = "3507115501990001"  # Perempuan, lahir 1999-01-15 (odd year: red background)
MAN_1999 = "3507111501990001"


def station(db: Database, tmp_path: Path, config: StationConfig | None = None, **kw):
    import_csv(db, SAMPLE)
    blobs = BlobStore(tmp_path / "blobs", tmp_path / "keys" / "blob.key")
    config = config or StationConfig()
    return RecordingService(db, blobs, config, **kw), blobs, config


def config_with(fingerprint_url: str = "sim://slap", pad_url: str = "sim://signature", extra: str = "") -> StationConfig:
    return parse(
        f"""
[station]
max_attempts = 3
{extra}
[devices.fingerprint]
driver = "sim"
url = "{fingerprint_url}"
[devices.signature_pad]
driver = "sim"
url = "{pad_url}"
"""
    )


def run_one(service: RecordingService, config: StationConfig, nik: str = WOMAN_1999, **start_kw):
    session_id = service.start(nik, **start_kw)
    with StationDevices(config) as devices:
        return service.run(session_id, devices), devices
