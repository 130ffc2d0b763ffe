"""Read model for looking an application up (``register show``, ``GET …/applications/{id}``, lookup by number).

Plain Core selects on the register tables, no ORM identity map or instrumentation: the rows already carry the
column names the JSON views read, so a lookup costs four indexed queries and little else (the bench target is 5 ms
on a register of a million entries). Writes go through the ORM (``repository.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from ektp_station.register.errors import ApplicationNotFound
from ektp_station.register.models import Application, Event, Letter, StepRun

_APP = Application.__table__
_STEP = StepRun.__table__
_EVENT = Event.__table__
_LETTER = Letter.__table__

_BY_ID = select(_APP).where(_APP.c.id == bindparam("ref"))
_BY_NUMBER = select(_APP).where(_APP.c.id == (
    select(_APP.c.id).where(_APP.c.register_number == bindparam("ref"))
    .union_all(select(_LETTER.c.application_id).where(_LETTER.c.number == bindparam("ref")))
    .limit(1).scalar_subquery()
))
_STEPS = select(_STEP).where(_STEP.c.application_id == bindparam("app")).order_by(_STEP.c.ordinal, _STEP.c.attempt)
_EVENTS = select(_EVENT).where(_EVENT.c.application_id == bindparam("app")).order_by(_EVENT.c.id)
_LETTER_OF = select(_LETTER).where(_LETTER.c.application_id == bindparam("app"))


@dataclass
class Snapshot:
    """An application row with its steps, events and letter, read-only; attributes as on the ORM model."""

    row: Row
    steps: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    letter: Row | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def snapshot(session: Session, ref: str) -> Snapshot:
    """The application with this id, register number or letter number (see ``RegisterRepository.resolve``)."""
    text = " ".join((ref or "").split())
    if not text:
        raise ApplicationNotFound("Berkas tidak ditemukan: nomor berkas kosong.")
    statement = _BY_NUMBER if "/" in text else _BY_ID
    row = session.execute(statement, {"ref": text if "/" in text else text.upper()}).first()
    if row is None:
        raise ApplicationNotFound(f"Berkas tidak ditemukan: {text}")
    params = {"app": row.id}
    return Snapshot(
        row=row,
        steps=list(session.execute(_STEPS, params)),
        events=list(session.execute(_EVENTS, params)),
        letter=session.execute(_LETTER_OF, params).first(),
    )
