"""Tables of the queue and of the summons letters, on the station's shared ``Base`` (migration ``0002_queue``).

Times are UTC; ``day`` is the service day in WIB, which is what daily numbering and "today" mean.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ektp_station.db.models import Base


class QueueTicket(Base):
    """One queue number. ``service_code`` is where it waits now (a transfer may change it); the number comes
    from ``issued_service``'s sequence of ``day`` and never changes."""

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("issued_service", "day", "seq", name="uq_queue_ticket_service_day_seq"),
        UniqueConstraint("day", "number", name="uq_queue_ticket_day_number"),
        Index("ix_queue_tickets_day_status_service", "day", "status", "service_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    issued_service: Mapped[str] = mapped_column(String(16))
    service_code: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    # The counter that holds the ticket (called, serving, done, no-show); None while it waits.
    counter: Mapped[int | None] = mapped_column(Integer)
    # Set by a transfer to one counter: only that counter calls it.
    target_counter: Mapped[int | None] = mapped_column(Integer)
    # First in, first out on this key: the issue time, kept through transfers and a no-show's return.
    rank_at: Mapped[datetime]
    token: Mapped[str] = mapped_column(String(32), unique=True)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime]
    called_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    skipped_at: Mapped[datetime | None]


class QueueDaySequence(Base):
    """Last number given per service and WIB day: the daily reset is simply a new row."""

    __tablename__ = "queue_day_sequences"

    service_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class QueueEvent(Base):
    """Everything that happened, in order (``id``), with its time: the display follows this log."""

    __tablename__ = "queue_events"
    __table_args__ = (Index("ix_queue_events_day_kind", "day", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("queue_tickets.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    counter: Mapped[int | None] = mapped_column(Integer)
    service_code: Mapped[str | None] = mapped_column(String(16))
    number: Mapped[str | None] = mapped_column(String(12))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class QueueCounter(Base):
    """A counter (loket) and the services it calls; an empty list means every service."""

    __tablename__ = "queue_counters"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(40))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime]


class QueueSetting(Base):
    """One queue setting (running text, no-show window, voice …) shared by every process of the station."""

    __tablename__ = "queue_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class SummonsLetter(Base):
    """A Surat Panggilan to a wajib-KTP resident who has not recorded, and where it is in its life:
    SUMMONED → ARRIVED (took a ticket) → RECORDED → RETURNED (handed back, SOP PEREKAMAN E-KTP step 4.7)."""

    __tablename__ = "summons_letters"
    __table_args__ = (UniqueConstraint("year", "seq", name="uq_summons_year_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(48), unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    nama: Mapped[str] = mapped_column(String(120))
    desa: Mapped[str] = mapped_column(String(80), index=True)
    appointment: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), index=True)
    summoned_at: Mapped[datetime]
    arrived_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("queue_tickets.id", ondelete="SET NULL"))
    recording_session_id: Mapped[str | None] = mapped_column(String(32))
