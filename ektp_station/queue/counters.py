"""Counters (loket): a number, a name for the display, and the services the counter calls.

A counter nobody configured is ``Loket N`` and calls every service, so a station works out of the box; configure
``ektp-station queue counter set 2 --services KK,PINDAH`` to narrow it. Changes are ``COUNTER`` events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ektp_station.clock import utcnow
from ektp_station.db.engine import Database
from ektp_station.queue import events
from ektp_station.queue.dates import wib_day
from ektp_station.queue.errors import InvalidInput
from ektp_station.queue.models import QueueCounter
from ektp_station.queue.service_types import service_type
from ektp_station.queue.tx import run_read, run_write

MAX_COUNTER = 99


@dataclass(frozen=True)
class CounterInfo:
    number: int
    name: str
    services: tuple[str, ...]  # empty: every service
    configured: bool

    def serves(self, service_code: str) -> bool:
        return not self.services or service_code in self.services

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "services": list(self.services),
                "all_services": not self.services, "configured": self.configured}


def validate_counter(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(f"Nomor loket tidak valid: {value!r} (1..{MAX_COUNTER})") from None
    if not 1 <= number <= MAX_COUNTER:
        raise InvalidInput(f"Nomor loket tidak valid: {value!r} (1..{MAX_COUNTER})")
    return number


def parse_services(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"kk, ektp"`` or ``["KK", "EKTP"]`` → ``("KK", "EKTP")``; unknown SOP codes raise ``UnknownSop``."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    codes: list[str] = []
    for item in items:
        if not str(item).strip():
            continue
        code = service_type(str(item)).code
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def _info(number: int, row: QueueCounter | None) -> CounterInfo:
    if row is None:
        return CounterInfo(number, f"Loket {number}", (), False)
    return CounterInfo(number, row.name, tuple(row.services or ()), True)


def get_counter(session: Session, number: int) -> CounterInfo:
    return _info(number, session.get(QueueCounter, number))


def counter_info(db: Database, number: int) -> CounterInfo:
    number = validate_counter(number)
    return run_read(db, lambda s: get_counter(s, number))


def list_counters(db: Database) -> list[CounterInfo]:
    return run_read(db, list_counters_in)


def list_counters_in(session: Session) -> list[CounterInfo]:
    rows = session.scalars(select(QueueCounter).order_by(QueueCounter.number)).all()
    return [_info(row.number, row) for row in rows]


def set_counter(db: Database, number: Any, *, name: str | None = None,
                services: str | list[str] | None = None) -> CounterInfo:
    number = validate_counter(number)
    codes = parse_services(services) if services is not None else None
    if name is not None:
        name = " ".join(name.split())
        if not name or len(name) > 40:
            raise InvalidInput("Nama loket harus 1..40 karakter")

    def work(s):
        now = utcnow()
        row = s.get(QueueCounter, number)
        if row is None:
            row = QueueCounter(number=number, name=name or f"Loket {number}", services=list(codes or ()),
                               updated_at=now)
            s.add(row)
        else:
            if name is not None:
                row.name = name
            if codes is not None:
                row.services = list(codes)
            row.updated_at = now
        events.record(s, events.EventKind.COUNTER, at=now, day=wib_day(now), counter=number,
                      detail={"name": row.name, "services": list(row.services)})
        return _info(number, row)

    info = run_write(db, work)
    events.notify()
    return info


def remove_counter(db: Database, number: Any) -> None:
    number = validate_counter(number)

    def work(s):
        row = s.get(QueueCounter, number)
        if row is None:
            raise InvalidInput(f"Loket {number} belum diatur")
        s.delete(row)
        now = utcnow()
        events.record(s, events.EventKind.COUNTER, at=now, day=wib_day(now), counter=number, detail={"removed": True})

    run_write(db, work)
    events.notify()
