"""Queue settings shared by every process of the station, kept in the database (``queue_settings``).

| key | meaning | default |
|---|---|---|
| ``running_text`` | the display's running line | a welcome line |
| ``no_show_minutes`` | how long a skipped (no-show) ticket may come back | 30 |
| ``voice_backend`` | ``espeak`` (espeak-ng's Indonesian voice) or ``clips`` (recorded WAV clips) | ``espeak`` |
| ``voice_clips_dir`` | folder of the clips (``nomor.wav``, ``antrian.wav``, ``dua.wav`` …) | empty |
| ``voice_rate`` | espeak-ng speed, words per minute (80..260) | 140 |
| ``public_url`` | base URL put into the ticket's QR code (``<url>/antrean/<token>``); empty: the token only | empty |

A change is an event (``SETTINGS``), so connected displays pick it up like a call.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ektp_station.clock import utcnow
from ektp_station.db.engine import Database
from ektp_station.queue import events
from ektp_station.queue.dates import wib_day
from ektp_station.queue.errors import InvalidInput
from ektp_station.queue.models import QueueSetting
from ektp_station.queue.tx import run_read, run_write

DEFAULT_RUNNING_TEXT = (
    "Selamat datang di Kantor Kecamatan Kalipare. Siapkan berkas persyaratan Anda dan tunggu nomor Anda dipanggil. "
    "Pelayanan tidak dipungut biaya."
)
VOICE_BACKENDS = ("espeak", "clips")


@dataclass(frozen=True)
class QueueSettings:
    running_text: str = DEFAULT_RUNNING_TEXT
    no_show_minutes: int = 30
    voice_backend: str = "espeak"
    voice_clips_dir: str = ""
    voice_rate: int = 140
    public_url: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


KEYS = tuple(f.name for f in fields(QueueSettings))


def _validate(key: str, value: Any) -> Any:
    if key == "running_text":
        if not isinstance(value, str) or len(value) > 500:
            raise InvalidInput("Teks berjalan harus teks, paling banyak 500 karakter")
        return " ".join(value.split())
    if key == "no_show_minutes":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 480:
            raise InvalidInput(f"Batas kembali nomor terlewat harus 0..480 menit, bukan {value!r}")
        return value
    if key == "voice_backend":
        if value not in VOICE_BACKENDS:
            raise InvalidInput(f"Suara panggilan {value!r} tidak dikenal (pilihan: {', '.join(VOICE_BACKENDS)})")
        return value
    if key == "voice_clips_dir":
        if not isinstance(value, str):
            raise InvalidInput("Folder rekaman suara harus teks")
        return value.strip()
    if key == "voice_rate":
        if isinstance(value, bool) or not isinstance(value, int) or not 80 <= value <= 260:
            raise InvalidInput(f"Kecepatan suara harus 80..260 kata per menit, bukan {value!r}")
        return value
    if key == "public_url":
        if not isinstance(value, str) or (value and not value.startswith(("http://", "https://"))):
            raise InvalidInput(f"Alamat publik harus diawali http:// atau https://, bukan {value!r}")
        return value.rstrip("/")
    raise InvalidInput(f"Pengaturan antrean tidak dikenal: {key!r} (pilihan: {', '.join(KEYS)})")


def settings_in(session: Session) -> QueueSettings:
    """The settings, read inside the caller's transaction."""
    stored = {row.key: row.value for row in session.scalars(select(QueueSetting))}
    return QueueSettings(**{key: stored[key] for key in KEYS if key in stored})


def load_settings(db: Database) -> QueueSettings:
    return run_read(db, settings_in)


def update_settings(db: Database, **changes: Any) -> QueueSettings:
    """Validate every change first, then store them and one ``SETTINGS`` event in one transaction."""
    clean = {key: _validate(key, value) for key, value in changes.items() if value is not None}
    if not clean:
        return load_settings(db)

    def work(s):
        now = utcnow()
        for key, value in clean.items():
            row = s.get(QueueSetting, key)
            if row is None:
                s.add(QueueSetting(key=key, value=value, updated_at=now))
            else:
                row.value = value
                row.updated_at = now
        events.record(s, events.EventKind.SETTINGS, at=now, day=wib_day(now), detail={"keys": sorted(clean)})

    run_write(db, work)
    events.notify()
    return load_settings(db)
