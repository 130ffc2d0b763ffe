"""Number sequences: register book numbers per service per year, and the outgoing-letter sequence.

``allocate`` runs inside the caller's transaction. It bumps a per (scope, year) counter row with
``UPDATE … RETURNING`` (PostgreSQL takes a row lock held to commit, SQLite holds the write lock), and records the
number in ``reg_number_allocations``, whose unique key (scope, year, number) forbids a duplicate outright. A
transaction that rolls back gives its number back, so the sequence has no gaps from failed issues. If the
counter was ever set back by hand, a clash with an existing allocation just moves on to the next free number.

Scopes: ``REGISTER:<SERVICE>`` for the register book; ``SURAT_KELUAR`` for the letters of every service (the
"SOP Surat Keluar" the seed refers to), or ``SURAT_KELUAR:<SERVICE>`` when the office numbers per service.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ektp_station.register.errors import NumberingError
from ektp_station.register.models import Counter, NumberAllocation

MAX_SKIPS = 1000


def register_scope(service: str) -> str:
    return f"REGISTER:{service}"


def _ensure_counter(session: Session, scope: str, year: int) -> None:
    dialect = session.get_bind().dialect.name
    values = {"scope": scope, "year": year, "last_number": 0}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(Counter).values(**values).on_conflict_do_nothing(index_elements=["scope", "year"]))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(Counter).values(**values)
                        .on_conflict_do_nothing(index_elements=["scope", "year"]))
    else:  # pragma: no cover - the station runs on SQLite or PostgreSQL
        if session.get(Counter, (scope, year)) is None:
            try:
                with session.begin_nested():
                    session.execute(insert(Counter).values(**values))
            except IntegrityError:
                pass


def allocate(session: Session, scope: str, year: int, ref: str, at: datetime) -> int:
    """The next number of ``scope`` in ``year``, recorded for ``ref``; part of the caller's transaction."""
    _ensure_counter(session, scope, year)
    for _ in range(MAX_SKIPS):
        number = session.execute(
            update(Counter).where(Counter.scope == scope, Counter.year == year)
            .values(last_number=Counter.last_number + 1).returning(Counter.last_number)
        ).scalar_one()
        taken = session.execute(select(NumberAllocation.id).where(
            NumberAllocation.scope == scope, NumberAllocation.year == year, NumberAllocation.number == number
        )).first()
        if taken is not None:
            continue
        try:
            with session.begin_nested():
                session.add(NumberAllocation(scope=scope, year=year, number=number, ref=ref, allocated_at=at))
        except IntegrityError:
            continue
        return number
    raise NumberingError(f"Tidak ada nomor bebas untuk {scope} tahun {year} setelah {MAX_SKIPS} percobaan.")


def last_number(session: Session, scope: str, year: int) -> int:
    row = session.get(Counter, (scope, year))
    return row.last_number if row is not None else 0
