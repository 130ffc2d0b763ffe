"""Queue operations: issue a ticket, and at a counter call next, recall, skip (no-show), return, transfer,
start and finish. Each operation is one write transaction that also stores its event with the time.

Several counters in separate processes share one database safely (see ``tx``): "call next" takes the first
waiting ticket with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and under ``BEGIN IMMEDIATE`` on SQLite, so no two
counters ever get the same ticket and none is left behind.

Ticket life: WAITING → CALLED → SERVING → DONE; CALLED → NO_SHOW (skip) → WAITING (returned within the configured
minutes, keeping its place); CALLED/SERVING → WAITING at another counter or service (transfer, keeping its
place). "Call next" first finishes whatever the counter still holds (the operator's "next" button).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ektp_station.clock import as_utc, utcnow
from ektp_station.db.engine import Database
from ektp_station.queue import events, summons
from ektp_station.queue.config import QueueSettings, settings_in
from ektp_station.queue.counters import get_counter, validate_counter
from ektp_station.queue.dates import wib_day
from ektp_station.queue.errors import CounterIdle, InvalidInput, QueueError, ReturnWindowPassed, UnknownTicket
from ektp_station.queue.events import EventKind
from ektp_station.queue.models import QueueTicket
from ektp_station.queue.numbering import format_number, next_seq, parse_number
from ektp_station.queue.service_types import NAMES, service_type
from ektp_station.queue.tx import is_sqlite, run_read, run_write

WAITING, CALLED, SERVING, DONE, NO_SHOW = "WAITING", "CALLED", "SERVING", "DONE", "NO_SHOW"
STATUS_LABELS = {WAITING: "Menunggu", CALLED: "Dipanggil", SERVING: "Dilayani", DONE: "Selesai",
                 NO_SHOW: "Tidak hadir"}
ACTIVE = (CALLED, SERVING)
QR_PREFIX = "ANTREAN-KALIPARE:"


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


@dataclass(frozen=True)
class TicketView:
    """A ticket as the API, the CLI and the printer see it."""

    id: int
    number: str
    day: str
    service: str
    service_name: str
    issued_service: str
    status: str
    counter: int | None
    target_counter: int | None
    token: str
    call_count: int
    issued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    skipped_at: datetime | None
    waiting_ahead: int | None = None
    qr_payload: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number, "day": self.day, "service": self.service, "service_name": self.service_name,
            "issued_service": self.issued_service, "status": self.status, "status_label": self.status_label,
            "counter": self.counter, "target_counter": self.target_counter, "token": self.token,
            "call_count": self.call_count, "issued_at": _iso(self.issued_at), "called_at": _iso(self.called_at),
            "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at),
            "skipped_at": _iso(self.skipped_at), "waiting_ahead": self.waiting_ahead, "qr_payload": self.qr_payload,
        }  # fmt: skip


@dataclass(frozen=True)
class CallResult:
    """What "call next" did: the ticket called (None when nobody waits) and the one it finished first."""

    counter: int
    ticket: TicketView | None
    finished: TicketView | None
    letter: str | None = None  # the Surat Panggilan the called e-KTP ticket was taken with

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "counter": self.counter,
            "ticket": self.ticket.to_json() if self.ticket else None,
            "finished": self.finished.to_json() if self.finished else None,
        }
        if self.ticket is None:
            data["message"] = f"Tidak ada antrean menunggu untuk loket {self.counter}"
        elif self.ticket.service == "EKTP":
            letter = f" --letter {self.letter}" if self.letter else ""
            data["record_hint"] = f"ektp-station record --simulate --nik NIK --ticket {self.ticket.number}{letter}"
            data["letter"] = self.letter
        return data


def qr_payload(token: str, settings: QueueSettings) -> str:
    """What the ticket's QR code holds: the ticket page when the station has a public URL, else the token."""
    if settings.public_url:
        return f"{settings.public_url}/antrean/{token}"
    return f"{QR_PREFIX}{token}"


def view(ticket: QueueTicket, *, waiting_ahead: int | None = None, settings: QueueSettings | None = None) -> TicketView:
    return TicketView(
        id=ticket.id, number=ticket.number, day=ticket.day.isoformat(), service=ticket.service_code,
        service_name=NAMES.get(ticket.service_code, ticket.service_code), issued_service=ticket.issued_service,
        status=ticket.status, counter=ticket.counter, target_counter=ticket.target_counter, token=ticket.token,
        call_count=ticket.call_count, issued_at=as_utc(ticket.issued_at),
        called_at=as_utc(ticket.called_at) if ticket.called_at else None,
        started_at=as_utc(ticket.started_at) if ticket.started_at else None,
        finished_at=as_utc(ticket.finished_at) if ticket.finished_at else None,
        skipped_at=as_utc(ticket.skipped_at) if ticket.skipped_at else None,
        waiting_ahead=waiting_ahead,
        qr_payload=qr_payload(ticket.token, settings or QueueSettings()),
    )  # fmt: skip


def waiting_ahead(session: Session, ticket: QueueTicket) -> int:
    """Tickets of the same service and day that will be called before this one."""
    return int(session.scalar(
        select(func.count()).select_from(QueueTicket).where(
            QueueTicket.day == ticket.day,
            QueueTicket.service_code == ticket.service_code,
            QueueTicket.status == WAITING,
            QueueTicket.id != ticket.id,
            or_(QueueTicket.rank_at < ticket.rank_at,
                and_(QueueTicket.rank_at == ticket.rank_at, QueueTicket.id < ticket.id)),
        )
    ) or 0)


class QueueService:
    """Queue operations on one database. ``now`` is injectable so tests can move the clock (daily reset,
    the no-show window)."""

    def __init__(self, db: Database, *, now: Callable[[], datetime] = utcnow):
        self.db = db
        self.now = now

    # --- helpers ---------------------------------------------------------------------------------------------

    def _lock(self, query):
        """Row locks on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers."""
        return query if is_sqlite(self.db) else query.with_for_update()

    def _find(self, session: Session, ref: str, *, lock: bool = False) -> QueueTicket:
        """A ticket by today's number (``E-012``, ``e12``) or by the token of its QR code."""
        ref = (ref or "").strip()
        if ref.startswith(QR_PREFIX):
            ref = ref[len(QR_PREFIX):]
        elif "/antrean/" in ref:
            ref = ref.rsplit("/antrean/", 1)[1]
        parsed = parse_number(ref)
        if parsed is not None:
            query = select(QueueTicket).where(QueueTicket.day == wib_day(self.now()),
                                              QueueTicket.number == format_number(*parsed))
        elif ref and len(ref) <= 32:
            query = select(QueueTicket).where(QueueTicket.token == ref)
        else:
            raise InvalidInput(f"Nomor antrean tidak valid: {ref!r} (contoh: E-012)")
        ticket = session.scalars(self._lock(query) if lock else query).first()
        if ticket is None:
            raise UnknownTicket(f"Nomor antrean {ref} tidak ditemukan hari ini")
        return ticket

    def _current(self, session: Session, counter: int, *, lock: bool = True) -> QueueTicket | None:
        query = (select(QueueTicket)
                 .where(QueueTicket.day == wib_day(self.now()), QueueTicket.counter == counter,
                        QueueTicket.status.in_(ACTIVE))
                 .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc()))
        return session.scalars(self._lock(query) if lock else query).first()

    def _require_current(self, session: Session, counter: int) -> QueueTicket:
        ticket = self._current(session, counter)
        if ticket is None:
            raise CounterIdle(f"Loket {counter} tidak sedang memanggil atau melayani siapa pun")
        return ticket

    def _finish(self, session: Session, ticket: QueueTicket, now: datetime, *, automatic: bool) -> None:
        ticket.status = DONE
        ticket.finished_at = now
        events.record(session, EventKind.FINISHED, at=now, day=ticket.day, ticket=ticket, counter=ticket.counter,
                      detail={"otomatis": automatic, "tanpa_mulai": ticket.started_at is None})

    def _write(self, work: Callable[[Session], Any]) -> Any:
        result = run_write(self.db, work)
        events.notify()
        return result

    # --- issuing ---------------------------------------------------------------------------------------------

    def issue(self, service: str, *, letter: str | None = None) -> TicketView:
        """A new ticket for ``service`` (an SOP code) with the day's next number of that service.

        ``letter``: the Surat Panggilan the resident brings (e-KTP only); the letter is marked arrived with this
        ticket in the same transaction.
        """
        stype = service_type(service)
        if letter is not None and stype.code != "EKTP":
            raise InvalidInput("Surat Panggilan hanya untuk layanan perekaman e-KTP (EKTP)")

        def work(s: Session) -> TicketView:
            now = self.now()
            day = wib_day(now)
            seq = next_seq(s, stype.code, day)
            ticket = QueueTicket(
                day=day, issued_service=stype.code, service_code=stype.code, seq=seq,
                number=format_number(stype.prefix, seq), status=WAITING, rank_at=now,
                token=secrets.token_urlsafe(12), call_count=0, issued_at=now,
            )  # fmt: skip
            s.add(ticket)
            s.flush()
            ahead = waiting_ahead(s, ticket)
            settings = settings_in(s)
            detail: dict[str, Any] = {"di_depan": ahead}
            if letter is not None:
                detail["surat_panggilan"] = summons.attach_ticket(s, letter, ticket, now)
            events.record(s, EventKind.ISSUED, at=now, day=day, ticket=ticket, detail=detail)
            return view(ticket, waiting_ahead=ahead, settings=settings)

        try:
            return self._write(work)
        except IntegrityError as exc:  # the unique rules are the backstop; the sequence row should prevent this
            raise QueueError(f"Nomor antrean {stype.code} bentrok, silakan ulangi: {exc.orig}") from exc

    # --- counter operations ------------------------------------------------------------------------------------

    def call_next(self, counter: Any) -> CallResult:
        """Finish what the counter holds, then call the longest-waiting ticket among the services it serves
        (and tickets transferred to this counter)."""
        counter = validate_counter(counter)

        def work(s: Session) -> CallResult:
            now = self.now()
            day = wib_day(now)
            info = get_counter(s, counter)
            settings = settings_in(s)
            finished = None
            current = self._current(s, counter)
            if current is not None:
                self._finish(s, current, now, automatic=True)
                finished = view(current, settings=settings)
            query = select(QueueTicket).where(
                QueueTicket.day == day, QueueTicket.status == WAITING,
                or_(QueueTicket.target_counter.is_(None), QueueTicket.target_counter == counter),
            )
            if info.services:
                query = query.where(or_(QueueTicket.service_code.in_(info.services),
                                        QueueTicket.target_counter == counter))
            query = query.order_by(QueueTicket.rank_at, QueueTicket.id).limit(1)
            if not is_sqlite(self.db):
                query = query.with_for_update(skip_locked=True)
            ticket = s.scalars(query).first()
            if ticket is None:
                return CallResult(counter, None, finished)
            returned = ticket.skipped_at is not None
            ticket.status = CALLED
            ticket.counter = counter
            ticket.target_counter = None
            ticket.called_at = ticket.called_at or now
            ticket.call_count += 1
            events.record(s, EventKind.CALLED, at=now, day=day, ticket=ticket, counter=counter,
                          detail={"loket": info.name, "kembali": returned})
            letter = summons.letter_of_ticket(s, ticket.id) if ticket.service_code == "EKTP" else None
            return CallResult(counter, view(ticket, settings=settings), finished, letter)

        return self._write(work)

    def recall(self, counter: Any) -> TicketView:
        """Announce the counter's called ticket again (the person did not come yet)."""
        counter = validate_counter(counter)

        def work(s: Session) -> TicketView:
            now = self.now()
            ticket = self._require_current(s, counter)
            if ticket.status != CALLED:
                raise QueueError(f"Nomor {ticket.number} sedang dilayani di loket {counter}; tidak perlu dipanggil ulang")
            ticket.call_count += 1
            info = get_counter(s, counter)
            events.record(s, EventKind.RECALLED, at=now, day=ticket.day, ticket=ticket, counter=counter,
                          detail={"loket": info.name, "panggilan_ke": ticket.call_count})
            return view(ticket)

        return self._write(work)

    def skip(self, counter: Any) -> TicketView:
        """The called person did not come: NO_SHOW. The ticket may return within ``no_show_minutes``."""
        counter = validate_counter(counter)

        def work(s: Session) -> TicketView:
            now = self.now()
            minutes = settings_in(s).no_show_minutes
            ticket = self._require_current(s, counter)
            if ticket.status != CALLED:
                raise QueueError(f"Nomor {ticket.number} sudah dilayani; selesaikan atau alihkan, jangan dilewati")
            ticket.status = NO_SHOW
            ticket.skipped_at = now
            events.record(s, EventKind.SKIPPED, at=now, day=ticket.day, ticket=ticket, counter=counter,
                          detail={"batas_kembali_menit": minutes})
            return view(ticket)

        return self._write(work)

    def return_ticket(self, ref: str) -> TicketView:
        """A skipped person came back in time: the ticket waits again in its old place."""
        def work(s: Session) -> TicketView:
            now = self.now()
            minutes = settings_in(s).no_show_minutes
            ticket = self._find(s, ref, lock=True)
            if ticket.status != NO_SHOW:
                raise QueueError(f"Nomor {ticket.number} tidak sedang dilewati (status: "
                                 f"{STATUS_LABELS.get(ticket.status, ticket.status)})")
            late = now - as_utc(ticket.skipped_at)
            if late > timedelta(minutes=minutes):
                raise ReturnWindowPassed(
                    f"Nomor {ticket.number} dilewati {int(late.total_seconds() // 60)} menit lalu; batas kembali "
                    f"{minutes} menit. Silakan ambil nomor baru."
                )
            previous = ticket.counter
            ticket.status = WAITING
            ticket.counter = None
            events.record(s, EventKind.RETURNED, at=now, day=ticket.day, ticket=ticket, counter=previous,
                          detail={"terlambat_detik": round(late.total_seconds())})
            return view(ticket, waiting_ahead=waiting_ahead(s, ticket))

        return self._write(work)

    def transfer(self, counter: Any, *, to_counter: Any = None, to_service: str | None = None) -> TicketView:
        """Send the counter's ticket to another counter and/or service; it keeps its place in line."""
        counter = validate_counter(counter)
        target = validate_counter(to_counter) if to_counter not in (None, "") else None
        new_service = service_type(to_service).code if to_service else None
        if target is None and new_service is None:
            raise InvalidInput("Sebutkan loket tujuan dan/atau layanan tujuan")
        if target == counter and new_service is None:
            raise InvalidInput(f"Loket tujuan sama dengan loket {counter}")

        def work(s: Session) -> TicketView:
            now = self.now()
            ticket = self._require_current(s, counter)
            old_service = ticket.service_code
            ticket.status = WAITING
            ticket.counter = None
            ticket.target_counter = target
            if new_service is not None:
                ticket.service_code = new_service
            events.record(s, EventKind.TRANSFERRED, at=now, day=ticket.day, ticket=ticket, counter=counter,
                          detail={"dari_loket": counter, "ke_loket": target, "dari_layanan": old_service,
                                  "ke_layanan": ticket.service_code})
            return view(ticket, waiting_ahead=waiting_ahead(s, ticket))

        return self._write(work)

    def start(self, counter: Any) -> TicketView:
        """The called person sits at the counter: service starts now."""
        counter = validate_counter(counter)

        def work(s: Session) -> TicketView:
            now = self.now()
            ticket = self._require_current(s, counter)
            if ticket.status == SERVING:
                raise QueueError(f"Nomor {ticket.number} sudah mulai dilayani")
            ticket.status = SERVING
            ticket.started_at = now
            events.record(s, EventKind.STARTED, at=now, day=ticket.day, ticket=ticket, counter=counter)
            return view(ticket)

        return self._write(work)

    def finish(self, counter: Any) -> TicketView:
        counter = validate_counter(counter)

        def work(s: Session) -> TicketView:
            ticket = self._require_current(s, counter)
            self._finish(s, ticket, self.now(), automatic=False)
            return view(ticket)

        return self._write(work)

    # --- reading ---------------------------------------------------------------------------------------------

    def ticket(self, ref: str) -> TicketView:
        def work(s: Session) -> TicketView:
            settings = settings_in(s)
            ticket = self._find(s, ref)
            ahead = waiting_ahead(s, ticket) if ticket.status == WAITING else None
            return view(ticket, waiting_ahead=ahead, settings=settings)

        return run_read(self.db, work)

    def current(self, counter: Any) -> TicketView | None:
        counter = validate_counter(counter)
        return run_read(self.db, lambda s: (lambda t: view(t) if t else None)(self._current(s, counter, lock=False)))

    def events_of(self, ref: str) -> list[dict[str, Any]]:
        """The ticket's history, oldest first."""
        from ektp_station.queue.models import QueueEvent

        def work(s: Session) -> list[dict[str, Any]]:
            ticket = self._find(s, ref)
            rows = s.scalars(select(QueueEvent).where(QueueEvent.ticket_id == ticket.id).order_by(QueueEvent.id))
            return [{"kind": e.kind, "label": events.EVENT_LABELS.get(e.kind, e.kind), "at": _iso(e.at),
                     "counter": e.counter, "service": e.service_code, "detail": e.detail} for e in rows]

        return run_read(self.db, work)

