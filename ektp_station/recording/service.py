"""Runs a recording session step by step and makes every finished step durable.

For each step: the handler captures; its biometric bytes go to the encrypted blob store (fsynced); then ONE
database transaction inserts the step row and its artefact rows and moves the session's ``next_ordinal`` on,
guarded by the ordinal it expected (two processes cannot both finish the same step). Only after that commit is
the step reported done. A process killed at any point therefore either has the step (and its blobs) or does not;
``resume`` drops the blobs of a step that never committed and starts that step again.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import select, update

from drivers.interfaces import Subject
from ektp_station.blobstore import BlobStore
from ektp_station.clock import as_utc, to_wib, utcnow
from ektp_station.db.engine import Database
from ektp_station.db.models import Artefact, RecordingSession, RecordingStep, Resident
from ektp_station.queue.service import QueueService
from ektp_station.errors import RecordingError, UnknownSession
from ektp_station.recording.model import BiometricException, Outcome, SessionStatus, StepResult
from ektp_station.recording.steps import PLAN, StepContext
from ektp_station.sop.catalogue import Sop, load_catalogue
from ektp_station.station_config import StationConfig

EKTP = "EKTP"


def ektp_sop() -> Sop:
    """The catalogue's SOP PEREKAMAN E-KTP, checked against the station's step plan."""
    sop = load_catalogue().get(EKTP)
    labels = [s.label for s in sop.steps]
    expected = [label for label, _key, _fn in PLAN]
    if labels != expected:
        raise RecordingError(f"Katalog SOP EKTP tidak sesuai urutan perekaman: {labels} != {expected}")
    return sop


def subject_for(resident: Resident | None, nik: str, exceptions: list[BiometricException]) -> Subject:
    """The simulated applicant: same synthetic biometrics for the same NIK, missing what was declared."""
    seed = int.from_bytes(hashlib.sha256(nik.encode()).digest()[:4], "big")
    return Subject(
        seed=seed,
        sex=resident.jenis_kelamin if resident else "L",
        birth_year=resident.tanggal_lahir.year if resident else 2000,
        # A declared finger or eye is absent (amputated, bandaged): the simulated device cannot capture it.
        missing_fingers=frozenset(e.finger for e in exceptions if e.kind == "finger"),
        missing_eyes=frozenset(e.eye for e in exceptions if e.kind == "eye"),
    )


@dataclass
class RunResult:
    session_id: str
    status: str
    resumed: bool
    steps: list[dict[str, Any]]
    reject_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"session_id": self.session_id, "status": self.status, "resumed": self.resumed, "steps": self.steps}
        if self.reject_reason:
            data["reason"] = self.reject_reason
        return data


def step_json(step: RecordingStep) -> dict[str, Any]:
    return {
        "label": step.label,
        "ordinal": step.ordinal,
        "actor": step.actor,
        "standard_minutes": step.standard_minutes,
        "started_at": as_utc(step.started_at).isoformat(),
        "ended_at": as_utc(step.ended_at).isoformat(),
        "seconds": round(step.seconds, 3),
        "overrun": step.overrun,
        "outcome": step.outcome,
    }


class RecordingService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        config: StationConfig,
        *,
        pace: float = 0.0,
        on_event: Callable[[dict], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        today: date | None = None,
    ):
        self.db = db
        self.blobs = blobs
        self.config = config
        self.pace = max(0.0, pace)
        self.on_event = on_event or (lambda _e: None)
        self.sleep = sleep
        self.today = today
        self.sop = ektp_sop()

    # -- session life cycle -------------------------------------------------------------------------------------

    def start(self, nik: str, *, operator: str | None = None, options: dict[str, Any] | None = None) -> str:
        """Create the session row. The NIK must be well formed; whether it is registered is step 4.1's call."""
        options = dict(options or {})
        nik = self.validate_start(nik, options.get("exceptions", []))
        session_id = secrets.token_hex(16)
        with self.db.transaction() as s:
            s.add(RecordingSession(
                id=session_id, nik=nik, status=SessionStatus.IN_PROGRESS.value, next_ordinal=1,
                station_id=self.config.station_id, operator=operator or self.config.operator,
                started_at=utcnow(), resumed_count=0, options=options,
            ))
        return session_id

    def validate_start(self, nik: str, exceptions: list[str]) -> str:
        """The normalised NIK, or a typed error for a malformed NIK or exception text; writes nothing."""
        from ektp_station.nik import require_valid_nik

        for text in exceptions:
            BiometricException.parse(text)
        return require_valid_nik(nik, today=self.today).nik

    def load(self, session_id: str) -> RecordingSession:
        with self.db.transaction() as s:
            session = s.get(RecordingSession, session_id)
            if session is None:
                raise UnknownSession(f"Sesi perekaman tidak ditemukan: {session_id}")
            s.expunge(session)
            return session

    def run(self, session_id: str, devices, *, resumed: bool = False) -> RunResult:
        """Run from the session's next step to the end. ``devices`` is an open ``StationDevices``."""
        session = self.load(session_id)
        if session.status != SessionStatus.IN_PROGRESS.value:
            raise RecordingError(f"Sesi {session_id} sudah selesai dengan status {session.status}")
        if resumed:
            self._drop_uncommitted_blobs(session_id)
            with self.db.transaction() as s:
                s.execute(update(RecordingSession).where(RecordingSession.id == session_id)
                          .values(resumed_count=RecordingSession.resumed_count + 1))
        options = dict(session.options or {})
        exceptions = [BiometricException.parse(t) for t in options.get("exceptions", [])]
        resident = self._resident(session.nik)
        devices.present_subject(subject_for(resident, session.nik, exceptions))
        ctx = StepContext(
            session_id=session_id, nik=session.nik, config=self.config, devices=devices, options=options,
            resident=resident, today=self.today or to_wib(utcnow()).date(), pause=self._pause,
            load_artefact=lambda kind, pos: self._load_artefact(session_id, kind, pos), emit=self.on_event,
            ticket_number=self._next_ticket, exceptions=exceptions,
        )
        reject_reason = None
        status = SessionStatus.IN_PROGRESS.value
        for ordinal in range(session.next_ordinal, len(PLAN) + 1):
            label, key, handler = PLAN[ordinal - 1]
            sop_step = self.sop.steps[ordinal - 1]
            started = utcnow()
            self.on_event({"event": "step_started", "label": label, "ordinal": ordinal, "key": key,
                           "activity": sop_step.activity})
            result = handler(ctx)
            status = self._commit(session_id, ordinal, label, sop_step, started, result, options)
            self.on_event({"event": "step_done", "label": label, "ordinal": ordinal, "key": key,
                           "outcome": result.outcome.value, "status": status})
            if result.reject_reason:
                reject_reason = result.reject_reason
                break
            if key == "verifikasi_biodata":
                ctx.resident = resident = self._resident(session.nik)
        return RunResult(session_id, status, resumed, self.timeline(session_id), reject_reason)

    # -- persistence --------------------------------------------------------------------------------------------

    def _commit(self, session_id: str, ordinal: int, label: str, sop_step, started: datetime,
                result: StepResult, options: dict[str, Any]) -> str:
        written: list[str] = []
        try:
            for art in result.artefacts:
                if art.data is not None:
                    written.append(self.blobs.put(art.data, prefix=session_id))
            ended = utcnow()
            seconds = (ended - started).total_seconds()
            standard = sop_step.standard_minutes
            last = ordinal == len(PLAN)
            if result.reject_reason:
                status = SessionStatus.REJECTED.value
            elif last:
                status = SessionStatus.BIO_CAPTURED.value
            else:
                status = SessionStatus.IN_PROGRESS.value
            with self.db.transaction() as s:
                values: dict[str, Any] = {"next_ordinal": ordinal + 1, "status": status, "options": options}
                if status != SessionStatus.IN_PROGRESS.value:
                    values["ended_at"] = ended
                if result.detail.get("desa"):
                    values["desa"] = result.detail["desa"]
                moved = s.execute(
                    update(RecordingSession)
                    .where(RecordingSession.id == session_id, RecordingSession.next_ordinal == ordinal,
                           RecordingSession.status == SessionStatus.IN_PROGRESS.value)
                    .values(**values)
                ).rowcount
                if moved != 1:
                    raise RecordingError(f"Sesi {session_id} langkah {label} sudah diselesaikan proses lain")
                s.add(RecordingStep(
                    session_id=session_id, ordinal=ordinal, label=label, actor=sop_step.actor,
                    standard_minutes=standard, started_at=started, ended_at=ended, seconds=seconds,
                    overrun=standard is not None and seconds > standard * 60, outcome=result.outcome.value,
                    attempts=result.attempts, detail=dict(result.detail, reject_reason=result.reject_reason)
                    if result.reject_reason else result.detail,
                ))
                blob_ids = iter(written)
                for art in result.artefacts:
                    s.add(Artefact(
                        session_id=session_id, step_ordinal=ordinal, kind=art.kind, position=art.position,
                        blob_id=next(blob_ids) if art.data is not None else None, quality=art.quality,
                        attempts=art.attempts, forced=art.forced,
                        exception_reason=art.exception.reason if art.exception else None,
                        exception_permanent=art.exception.permanent if art.exception else None,
                        meta=art.meta, created_at=ended,
                    ))
            return status
        except BaseException:
            for blob_id in written:
                self.blobs.delete(blob_id)
            raise

    def _drop_uncommitted_blobs(self, session_id: str) -> int:
        with self.db.transaction() as s:
            known = set(s.scalars(select(Artefact.blob_id).where(Artefact.session_id == session_id,
                                                                 Artefact.blob_id.is_not(None))))
        dropped = 0
        for blob_id in list(self.blobs.ids(session_id)):
            if blob_id not in known:
                dropped += self.blobs.delete(blob_id)
        return dropped

    def _resident(self, nik: str) -> Resident | None:
        with self.db.transaction() as s:
            resident = s.get(Resident, nik)
            if resident is not None:
                s.expunge(resident)
            return resident

    def _load_artefact(self, session_id: str, kind: str, position: str | None) -> bytes:
        with self.db.transaction() as s:
            query = select(Artefact.blob_id).where(Artefact.session_id == session_id, Artefact.kind == kind,
                                                   Artefact.blob_id.is_not(None))
            if position is not None:
                query = query.where(Artefact.position == position)
            blob_id = s.scalars(query.order_by(Artefact.id.desc())).first()
        if blob_id is None:
            raise RecordingError(f"Hasil rekam {kind} {position or ''} tidak ditemukan untuk sesi {session_id}")
        return self.blobs.get(blob_id).data

    def _next_ticket(self) -> str:
        """An applicant at the recording desk without a ticket gets the day's next EKTP ticket of the queue,
        so recording and queue never hand out the same number."""
        return QueueService(self.db).issue(EKTP).number

    def _pause(self, fraction: float) -> None:
        if self.pace:
            self.sleep(self.pace * fraction)

    # -- reading ------------------------------------------------------------------------------------------------

    def timeline(self, session_id: str) -> list[dict[str, Any]]:
        with self.db.transaction() as s:
            steps = s.scalars(select(RecordingStep).where(RecordingStep.session_id == session_id)
                              .order_by(RecordingStep.ordinal)).all()
            return [step_json(step) for step in steps]
