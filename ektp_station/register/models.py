"""ORM models of the counter-service register, on the station's shared ``Base``.

Migration: ``ektp_station/db/migrations/versions/0002_register.py`` (every change here needs one there; a test
compares the two). All tables are prefixed ``reg_``. Times are stored in UTC.

Personal data: an application holds the applicant's NIK, name and address (needed for the register book and the
letter); SKM answers live in ``reg_skm_responses`` with the service and month only, never with an application,
a NIK or a timestamp, and with a random key so that row order cannot be matched against hand-overs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ektp_station.db.models import Base


class Application(Base):
    """One applicant's request for one service: the register book entry once the file is complete."""

    __tablename__ = "reg_applications"
    __table_args__ = (
        UniqueConstraint("service", "register_year", "register_seq", name="uq_reg_app_service_year_seq"),
        Index("ix_reg_app_received", "received_at", "service", "state"),
        Index("ix_reg_app_service_received", "service", "received_at"),
        Index("ix_reg_app_state_received", "state", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    service: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    nik: Mapped[str] = mapped_column(String(16), index=True)
    nama: Mapped[str] = mapped_column(String(120))
    alamat: Mapped[str | None] = mapped_column(String(200))
    desa: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    checklist: Mapped[dict[str, Any]] = mapped_column(default=dict)
    officer: Mapped[str | None] = mapped_column(String(80))
    received_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    register_year: Mapped[int | None] = mapped_column(Integer)
    register_seq: Mapped[int | None] = mapped_column(Integer)
    register_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    registered_at: Mapped[datetime | None]
    verify_code: Mapped[str] = mapped_column(String(16), unique=True)
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    archive_folder: Mapped[str | None] = mapped_column(String(40))
    archive_shelf: Mapped[str | None] = mapped_column(String(40))
    archive_box: Mapped[str | None] = mapped_column(String(40))

    steps: Mapped[list[StepRun]] = relationship(
        back_populates="application", order_by=lambda: [StepRun.ordinal, StepRun.attempt],
        cascade="all, delete-orphan",
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="application", order_by="Event.id", cascade="all, delete-orphan"
    )
    letter: Mapped[Letter | None] = relationship(back_populates="application", cascade="all, delete-orphan")


class StepRun(Base):
    """One SOP step of one application, timed against its standard. A re-check after a return is attempt 2."""

    __tablename__ = "reg_step_runs"
    __table_args__ = (
        UniqueConstraint("application_id", "ordinal", "attempt", name="uq_reg_step_app_ordinal_attempt"),
        # Covers the weekly report: a range scan of one week answers it without touching the table.
        Index("ix_reg_step_ended", "ended_at", "service", "ordinal", "kind", "outcome", "seconds", "overrun"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("reg_applications.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(String(16))
    ordinal: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    standard_minutes: Mapped[float | None] = mapped_column(Float)
    until_event_end: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[datetime | None]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    seconds: Mapped[float | None] = mapped_column(Float)
    overrun: Mapped[bool | None] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(16))
    officer: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    application: Mapped[Application] = relationship(back_populates="steps")


class Event(Base):
    """A state transition or a recorded act (correction, reopen, …), timestamped."""

    __tablename__ = "reg_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("reg_applications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    officer: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    application: Mapped[Application] = relationship(back_populates="events")


class Letter(Base):
    """The outgoing letter of an application: official number, content snapshot, signer snapshot."""

    __tablename__ = "reg_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("reg_applications.id", ondelete="CASCADE"), unique=True)
    service: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(64), unique=True)
    classification: Mapped[str] = mapped_column(String(20))
    classification_table: Mapped[str] = mapped_column(String(4))
    scope: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    variant: Mapped[str | None] = mapped_column(String(24))
    issued_at: Mapped[datetime]
    revision: Mapped[int] = mapped_column(Integer, default=1)
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    signed_at: Mapped[datetime | None]
    signer_key: Mapped[str | None] = mapped_column(String(24))
    signer_title: Mapped[str | None] = mapped_column(String(120))
    signer_name: Mapped[str | None] = mapped_column(String(120))
    signer_nip: Mapped[str | None] = mapped_column(String(40))
    on_behalf: Mapped[str | None] = mapped_column(String(120))
    stand_in_reason: Mapped[str | None] = mapped_column(Text)
    verify_code: Mapped[str] = mapped_column(String(16), unique=True)
    void: Mapped[bool] = mapped_column(Boolean, default=False)

    application: Mapped[Application] = relationship(back_populates="letter")


class Counter(Base):
    """The last number handed out in one sequence (scope) and year; updated under a row lock."""

    __tablename__ = "reg_counters"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class NumberAllocation(Base):
    """Every number ever handed out: the unique key (scope, year, number) forbids a duplicate outright."""

    __tablename__ = "reg_number_allocations"
    __table_args__ = (UniqueConstraint("scope", "year", "number", name="uq_reg_number_scope_year_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(64))
    allocated_at: Mapped[datetime]


class SiteVisit(Base):
    """SKU: the officer's visit to the business premises (peninjauan lokasi)."""

    __tablename__ = "reg_site_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("reg_applications.id", ondelete="CASCADE"), index=True)
    officer: Mapped[str] = mapped_column(String(80))
    visit_date: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]


class Attachment(Base):
    """A file attached to an application (SKU site-visit photos)."""

    __tablename__ = "reg_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("reg_applications.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("reg_site_visits.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class ReportSubmission(Base):
    """A weekly report handed to leadership for one service (the SOPs' last step)."""

    __tablename__ = "reg_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(16), index=True)
    period: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime]
    submitted_at: Mapped[datetime]
    officer: Mapped[str | None] = mapped_column(String(80))
    entries: Mapped[int] = mapped_column(Integer)


class SkmToken(Base):
    """A one-time permission to answer the SKM, handed out at hand-over; not linked to the application."""

    __tablename__ = "reg_skm_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    service: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(7))
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class SkmResponse(Base):
    """One anonymous SKM questionnaire: service, month and the nine scores (1..4). Nothing else."""

    __tablename__ = "reg_skm_responses"
    __table_args__ = tuple(
        CheckConstraint(f"u{i} BETWEEN 1 AND 4", name=f"ck_reg_skm_u{i}") for i in range(1, 10)
    ) + (Index("ix_reg_skm_period_service", "period", "service"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(7))
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
