"""Surat Panggilan (summons letters) for the e-KTP recording and the life of each letter.

Who is summoned: residents of one desa who are wajib KTP-el today (17 or older, or ever married) and have no
finished recording (no session that reached BIO_CAPTURED), and who hold no letter yet (``again`` summons them
anew). Letter numbers follow the Kab. Malang shape ``470/<nomor:03d>/35.07.11/<tahun>`` (classification 470
Kependudukan, the Kemendagri code of Kecamatan Kalipare), one sequence per year.

Life of a letter (each step stored with its time):

* SUMMONED (``Dipanggil``): the letter is made;
* ARRIVED (``Datang``): the resident took an e-KTP queue ticket with it (``queue issue --service EKTP --letter``);
* RECORDED (``Sudah rekam``): a recording of that NIK was approved (SOP PEREKAMAN E-KTP step 4.6, ordinal 11);
* RETURNED (``Surat dikembalikan``): the letter was handed back to collect the card (step 4.7).

The last two are read from the recording sessions (``sync_recordings``, run by every listing), or set by hand
(``mark``) when the recording was done elsewhere.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ektp_station.clock import WIB, as_utc, utcnow
from ektp_station.db.engine import Database
from ektp_station.db.models import RecordingSession, RecordingStep, Resident
from ektp_station.nik import eligibility, mask_nik
from ektp_station.queue.dates import wib_day
from ektp_station.queue.errors import InvalidInput, SummonsError, UnknownSummons
from ektp_station.queue.models import QueueTicket, SummonsLetter
from ektp_station.queue.numbering import next_seq
from ektp_station.queue.tx import run_read, run_write
from ektp_station.residents import desa_names

SUMMONED, ARRIVED, RECORDED, RETURNED = "SUMMONED", "ARRIVED", "RECORDED", "RETURNED"
ORDER = (SUMMONED, ARRIVED, RECORDED, RETURNED)
STATUS_LABELS = {SUMMONED: "Dipanggil", ARRIVED: "Datang", RECORDED: "Sudah rekam", RETURNED: "Surat dikembalikan"}
NUMBER_FORMAT = "470/{nomor:03d}/35.07.11/{tahun}"
#: The letters' yearly sequence lives in the queue's sequence table under this key (day = 1 January).
SEQUENCE_KEY = "SURAT_PANGGILAN"
APPROVAL_ORDINAL = 11  # "4.6" Persetujuan hasil perekaman
HAND_BACK_ORDINAL = 12  # "4.7" Penyerahan kembali Surat Panggilan


@dataclass(frozen=True)
class LetterView:
    number: str
    token: str
    nik: str
    nama: str
    desa: str
    alamat: str
    appointment: datetime
    status: str
    summoned_at: datetime
    arrived_at: datetime | None
    recorded_at: datetime | None
    returned_at: datetime | None
    ticket_number: str | None

    @property
    def nik_masked(self) -> str:
        return mask_nik(self.nik)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def to_json(self) -> dict[str, Any]:
        """The letter for lists and the API: the NIK masked, never in full."""
        def iso(v):
            return as_utc(v).isoformat() if v else None

        return {
            "number": self.number, "nik": self.nik_masked, "nama": self.nama, "desa": self.desa,
            "appointment": iso(self.appointment), "status": self.status, "status_label": self.status_label,
            "summoned_at": iso(self.summoned_at), "arrived_at": iso(self.arrived_at),
            "recorded_at": iso(self.recorded_at), "returned_at": iso(self.returned_at),
            "ticket": self.ticket_number,
        }  # fmt: skip


def canonical_desa(value: str) -> str:
    """The official spelling of a Kalipare desa (``desa kalipare`` → ``Kalipare``)."""
    names = desa_names()
    key = " ".join((value or "").split()).upper()
    for prefix in ("DESA ", "DS. ", "DS "):
        key = key.removeprefix(prefix)
    if key not in names:
        raise InvalidInput(f"Desa {value!r} tidak ada di Kecamatan Kalipare (pilihan: {', '.join(sorted(names.values()))})")
    return names[key]


def _view(session: Session, letter: SummonsLetter) -> LetterView:
    resident = session.get(Resident, letter.nik)
    alamat = ""
    if resident is not None:
        alamat = f"{resident.alamat} RT {resident.rt} RW {resident.rw}, Desa {resident.desa}"
    ticket_number = None
    if letter.ticket_id is not None:
        ticket = session.get(QueueTicket, letter.ticket_id)
        ticket_number = ticket.number if ticket else None
    return LetterView(
        number=letter.number, token=letter.token, nik=letter.nik, nama=letter.nama, desa=letter.desa, alamat=alamat,
        appointment=as_utc(letter.appointment), status=letter.status, summoned_at=as_utc(letter.summoned_at),
        arrived_at=letter.arrived_at and as_utc(letter.arrived_at),
        recorded_at=letter.recorded_at and as_utc(letter.recorded_at),
        returned_at=letter.returned_at and as_utc(letter.returned_at), ticket_number=ticket_number,
    )  # fmt: skip


def _recorded_niks(session: Session) -> set[str]:
    rows = session.scalars(select(RecordingSession.nik).where(RecordingSession.status == "BIO_CAPTURED"))
    return set(rows)


def candidates(db: Database, desa: str, *, today: date | None = None, again: bool = False) -> list[Resident]:
    """Residents of ``desa`` to summon, by name: wajib KTP-el, not recorded, (unless ``again``) no letter yet."""
    desa = canonical_desa(desa)
    today = today or wib_day(utcnow())

    def work(s: Session) -> list[Resident]:
        residents = s.scalars(select(Resident).where(Resident.desa == desa).order_by(Resident.nama, Resident.nik))
        recorded = _recorded_niks(s)
        summoned = set() if again else set(s.scalars(select(SummonsLetter.nik)))
        chosen = []
        for resident in residents:
            if resident.nik in recorded or resident.nik in summoned:
                continue
            try:
                if not eligibility(resident.tanggal_lahir, resident.status_kawin, today).wajib_ktp:
                    continue
            except ValueError:
                continue  # an unreadable record is not summoned; residents import reports it
            chosen.append(resident)
        return chosen

    return run_read(db, work)


def appointment_time(day: date, at: str = "08.00") -> datetime:
    """The WIB moment residents are asked to come (``at`` as ``08.00`` or ``08:00``)."""
    try:
        hour, minute = (int(part) for part in at.replace(".", ":").split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=WIB)
    except ValueError:
        raise InvalidInput(f"Jam tidak valid: {at!r} (contoh: 08.00)") from None


def create_letters(db: Database, desa: str, appointment: datetime, *, again: bool = False,
                   limit: int | None = None, today: date | None = None,
                   on_created: Callable[[list[LetterView]], None] | None = None) -> list[LetterView]:
    """Make the letters for one desa in one transaction (all of them or none).

    ``on_created(letters)`` runs inside that transaction (e.g. rendering the PDF): if it fails, no letter is kept.
    """
    now = utcnow()
    if as_utc(appointment) < now:
        raise InvalidInput("Waktu kedatangan pada surat panggilan sudah lewat")
    if limit is not None and limit < 1:
        raise InvalidInput("Jumlah surat minimal 1")
    people = candidates(db, desa, today=today, again=again)[:limit]
    if not people:
        return []

    def work(s: Session) -> list[LetterView]:
        made = []
        for person in people:
            seq = next_seq(s, SEQUENCE_KEY, date(now.year, 1, 1))
            letter = SummonsLetter(
                year=now.year, seq=seq, number=NUMBER_FORMAT.format(nomor=seq, tahun=now.year),
                token=secrets.token_urlsafe(12), nik=person.nik, nama=person.nama, desa=person.desa,
                appointment=as_utc(appointment), status=SUMMONED, summoned_at=now,
            )  # fmt: skip
            s.add(letter)
            made.append(letter)
        s.flush()
        views = [_view(s, letter) for letter in made]
        if on_created is not None:
            on_created(views)
        return views

    return run_write(db, work)


def _find(session: Session, ref: str) -> SummonsLetter:
    ref = (ref or "").strip()
    letter = session.scalars(select(SummonsLetter).where(
        (SummonsLetter.number == ref) | (SummonsLetter.token == ref))).first()
    if letter is None:
        raise UnknownSummons(f"Surat Panggilan {ref!r} tidak ditemukan")
    return letter


def attach_ticket(session: Session, ref: str, ticket: QueueTicket, now: datetime) -> str:
    """Inside the ticket's transaction: the resident arrived with letter ``ref`` (number or QR token)."""
    letter = _find(session, ref)
    if letter.status != SUMMONED:
        raise SummonsError(f"Surat Panggilan {letter.number} sudah berstatus {STATUS_LABELS[letter.status].lower()}"
                           f"; tidak dapat dipakai untuk nomor antrean baru")
    letter.status = ARRIVED
    letter.arrived_at = now
    letter.ticket_id = ticket.id
    return letter.number


def letter_of_ticket(session: Session, ticket_id: int) -> str | None:
    """The number of the letter a ticket was taken with, if any."""
    return session.scalar(select(SummonsLetter.number).where(SummonsLetter.ticket_id == ticket_id))


def sync_recordings(db: Database) -> int:
    """Move letters on from what the recordings show (approved → RECORDED, letter handed back → RETURNED)."""

    def work(s: Session) -> int:
        open_letters = s.scalars(select(SummonsLetter).where(SummonsLetter.status.in_((SUMMONED, ARRIVED, RECORDED))))
        changed = 0
        for letter in open_letters:
            steps = s.execute(
                select(RecordingStep.ordinal, func.min(RecordingStep.ended_at), RecordingSession.id)
                .join(RecordingSession, RecordingSession.id == RecordingStep.session_id)
                .where(RecordingSession.nik == letter.nik, RecordingSession.status != "REJECTED",
                       RecordingStep.ordinal.in_((APPROVAL_ORDINAL, HAND_BACK_ORDINAL)))
                .group_by(RecordingStep.ordinal, RecordingSession.id)
            ).all()
            done: dict[int, tuple[datetime, str]] = {}
            for ordinal, ended, session_id in steps:
                if ordinal not in done or as_utc(ended) < as_utc(done[ordinal][0]):
                    done[ordinal] = (ended, session_id)
            if APPROVAL_ORDINAL in done and letter.status in (SUMMONED, ARRIVED):
                letter.recorded_at, letter.recording_session_id = done[APPROVAL_ORDINAL]
                letter.status = RECORDED
                changed += 1
            if HAND_BACK_ORDINAL in done and letter.status == RECORDED:
                letter.returned_at = done[HAND_BACK_ORDINAL][0]
                letter.status = RETURNED
                changed += 1
        return changed

    return run_write(db, work)


def mark(db: Database, ref: str, status: str) -> LetterView:
    """Set a letter's state by hand, forwards only; skipped states get the same time (a resident recorded
    elsewhere may go straight from SUMMONED to RETURNED)."""
    status = status.upper()
    if status not in ORDER[1:]:
        raise InvalidInput(f"Status surat {status!r} tidak dikenal (pilihan: {', '.join(ORDER[1:])})")

    def work(s: Session) -> LetterView:
        letter = _find(s, ref)
        if ORDER.index(status) <= ORDER.index(letter.status):
            raise SummonsError(f"Surat Panggilan {letter.number} sudah berstatus "
                               f"{STATUS_LABELS[letter.status].lower()}")
        now = utcnow()
        for step in ORDER[ORDER.index(letter.status) + 1: ORDER.index(status) + 1]:
            setattr(letter, {ARRIVED: "arrived_at", RECORDED: "recorded_at", RETURNED: "returned_at"}[step], now)
        letter.status = status
        return _view(s, letter)

    return run_write(db, work)


def list_letters(db: Database, *, desa: str | None = None, status: str | None = None) -> list[LetterView]:
    sync_recordings(db)
    desa = canonical_desa(desa) if desa else None
    if status and status.upper() not in ORDER:
        raise InvalidInput(f"Status surat {status!r} tidak dikenal (pilihan: {', '.join(ORDER)})")

    def work(s: Session) -> list[LetterView]:
        query = select(SummonsLetter).order_by(SummonsLetter.year, SummonsLetter.seq)
        if desa:
            query = query.where(SummonsLetter.desa == desa)
        if status:
            query = query.where(SummonsLetter.status == status.upper())
        return [_view(s, letter) for letter in s.scalars(query)]

    return run_read(db, work)


def get_letter(db: Database, ref: str) -> LetterView:
    sync_recordings(db)
    return run_read(db, lambda s: _view(s, _find(s, ref)))


def summary(db: Database) -> dict[str, dict[str, int]]:
    """Per desa, how many letters are in each state."""
    def work(s: Session) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        rows = s.execute(select(SummonsLetter.desa, SummonsLetter.status, func.count())
                         .group_by(SummonsLetter.desa, SummonsLetter.status))
        for desa, status, count in rows:
            out.setdefault(desa, {k: 0 for k in ORDER})[status] = count
        return out

    sync_recordings(db)
    return run_read(db, work)
