"""Daily queue numbers: ``E-012`` = prefix of the service, dash, sequence of that service on that WIB day.

The sequence row ``(service, day)`` is bumped with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite and
PostgreSQL both have it), so concurrent issuers on several processes each get their own number; the unique
constraint on the tickets is the backstop. A new day is a new row: numbering restarts at 1 every day.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy.orm import Session

from ektp_station.queue.errors import InvalidInput
from ektp_station.queue.models import QueueDaySequence

_NUMBER = re.compile(r"\s*([A-Za-z])\s*-?\s*0*([0-9]{1,4})\s*\Z")


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}-{seq:03d}"


def parse_number(text: str) -> tuple[str, int] | None:
    """``"e12"``, ``"E-012"``, ``"E 012"`` → ``("E", 12)``; None when it is not a queue number."""
    match = _NUMBER.match(text or "")
    if not match or int(match.group(2)) == 0:
        return None
    return match.group(1).upper(), int(match.group(2))


def normalise_number(text: str) -> str:
    parsed = parse_number(text)
    if parsed is None:
        raise InvalidInput(f"Nomor antrean tidak valid: {text!r} (contoh: E-012)")
    return format_number(*parsed)


def next_seq(session: Session, service_code: str, day: date) -> int:
    """Take the next number of ``service_code`` on ``day`` inside the caller's transaction."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the station supports these two
        raise InvalidInput(f"Basis data {dialect} tidak didukung untuk antrean")
    table = QueueDaySequence.__table__
    statement = (
        insert(table)
        .values(service_code=service_code, day=day, last_seq=1)
        .on_conflict_do_update(index_elements=["service_code", "day"], set_={"last_seq": table.c.last_seq + 1})
        .returning(table.c.last_seq)
    )
    return int(session.execute(statement).scalar_one())
