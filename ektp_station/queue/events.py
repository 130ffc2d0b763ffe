"""The queue's event log and the in-process listeners that hear about committed changes.

Every change is one ``QueueEvent`` row written in the same transaction as the change, with its time, so the
history (waiting and service times, the display's last calls) is the log itself. ``notify()`` runs after a
commit: listeners in this process (the display feed) wake at once; other processes see the new rows when they
next look at the log (``latest_event_id``).
"""

from __future__ import annotations

import enum
import logging
import threading
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ektp_station.queue.models import QueueEvent, QueueTicket

log = logging.getLogger(__name__)


class EventKind(str, enum.Enum):
    ISSUED = "ISSUED"
    CALLED = "CALLED"
    RECALLED = "RECALLED"
    SKIPPED = "SKIPPED"
    RETURNED = "RETURNED"
    TRANSFERRED = "TRANSFERRED"
    STARTED = "STARTED"
    FINISHED = "FINISHED"
    PRINTED = "PRINTED"
    PRINT_FAILED = "PRINT_FAILED"
    SETTINGS = "SETTINGS"
    COUNTER = "COUNTER"


#: Events the display announces.
CALL_KINDS = (EventKind.CALLED.value, EventKind.RECALLED.value)

EVENT_LABELS = {
    "ISSUED": "Nomor diambil", "CALLED": "Dipanggil", "RECALLED": "Dipanggil ulang", "SKIPPED": "Dilewati",
    "RETURNED": "Kembali ke antrean", "TRANSFERRED": "Dialihkan", "STARTED": "Mulai dilayani",
    "FINISHED": "Selesai", "PRINTED": "Tiket dicetak", "PRINT_FAILED": "Gagal cetak",
    "SETTINGS": "Pengaturan diubah", "COUNTER": "Loket diatur",
}  # fmt: skip


def record(
    session: Session,
    kind: EventKind,
    *,
    at: datetime,
    day: date,
    ticket: QueueTicket | None = None,
    counter: int | None = None,
    detail: dict[str, Any] | None = None,
) -> QueueEvent:
    event = QueueEvent(
        ticket_id=ticket.id if ticket is not None else None,
        day=day,
        kind=kind.value,
        at=at,
        counter=counter,
        service_code=ticket.service_code if ticket is not None else None,
        number=ticket.number if ticket is not None else None,
        detail=detail or {},
    )
    session.add(event)
    return event


def latest_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(QueueEvent.id))) or 0)


_listeners: list[Callable[[], None]] = []
_lock = threading.Lock()


def add_listener(callback: Callable[[], None]) -> None:
    """Call ``callback()`` (from any thread) after each committed queue change in this process."""
    with _lock:
        _listeners.append(callback)


def remove_listener(callback: Callable[[], None]) -> None:
    with _lock:
        if callback in _listeners:
            _listeners.remove(callback)


def notify() -> None:
    with _lock:
        listeners = list(_listeners)
    for callback in listeners:
        try:
            callback()
        except Exception:  # noqa: BLE001 - a broken listener must not undo a committed call
            log.exception("queue listener failed")
