"""Typed ORM models. Every change here needs an Alembic migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
    }


class Resident(Base):
    """One row of the population extract (data penduduk) the biodata is verified against."""

    __tablename__ = "residents"

    nik: Mapped[str] = mapped_column(String(16), primary_key=True)
    no_kk: Mapped[str] = mapped_column(String(16), index=True)
    nama: Mapped[str] = mapped_column(String(120))
    jenis_kelamin: Mapped[str] = mapped_column(String(1))  # "L" or "P"
    tempat_lahir: Mapped[str] = mapped_column(String(80))
    tanggal_lahir: Mapped[date] = mapped_column(Date)
    alamat: Mapped[str] = mapped_column(String(200))
    rt: Mapped[str] = mapped_column(String(3))
    rw: Mapped[str] = mapped_column(String(3))
    desa: Mapped[str] = mapped_column(String(80), index=True)
    status_kawin: Mapped[str] = mapped_column(String(20))
    agama: Mapped[str] = mapped_column(String(20))
    pekerjaan: Mapped[str] = mapped_column(String(80))
    imported_at: Mapped[datetime]


class RecordingSession(Base):
    """One applicant's e-KTP recording, following SOP PEREKAMAN E-KTP step by step."""

    __tablename__ = "recording_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    desa: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(24), index=True)
    next_ordinal: Mapped[int] = mapped_column(Integer, default=1)
    station_id: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    resumed_count: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)

    steps: Mapped[list[RecordingStep]] = relationship(
        back_populates="session", order_by="RecordingStep.ordinal", cascade="all, delete-orphan"
    )
    artefacts: Mapped[list[Artefact]] = relationship(
        back_populates="session", order_by="Artefact.id", cascade="all, delete-orphan"
    )


class RecordingStep(Base):
    """A finished SOP step of a session: committed in one transaction with its artefacts."""

    __tablename__ = "recording_steps"
    __table_args__ = (UniqueConstraint("session_id", "ordinal", name="uq_step_session_ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("recording_sessions.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(80))
    standard_minutes: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    seconds: Mapped[float] = mapped_column(Float)
    overrun: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    session: Mapped[RecordingSession] = relationship(back_populates="steps")


class Artefact(Base):
    """A biometric capture (or a declared exception in its place). Pixels live encrypted in the blob store."""

    __tablename__ = "artefacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("recording_sessions.id", ondelete="CASCADE"), index=True)
    step_ordinal: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # photo, signature, finger, iris, verification
    position: Mapped[str | None] = mapped_column(String(16))  # finger name or eye, None for photo/signature
    blob_id: Mapped[str | None] = mapped_column(String(64))
    quality: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    exception_reason: Mapped[str | None] = mapped_column(Text)
    exception_permanent: Mapped[bool | None] = mapped_column(Boolean)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    purged_at: Mapped[datetime | None]

    session: Mapped[RecordingSession] = relationship(back_populates="artefacts")
