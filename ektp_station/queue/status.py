"""The queue as people see it right now: the current call, the last calls, one panel per counter, who waits.

``snapshot`` is what the display screen shows (and resyncs to after a reconnection), what ``queue status``
prints and what ``GET /api/queue/status`` returns. ``version`` is the newest event id: two snapshots with the
same version show the same thing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ektp_station.clock import as_utc, utcnow
from ektp_station.db.engine import Database
from ektp_station.queue.config import settings_in
from ektp_station.queue.counters import list_counters_in
from ektp_station.queue.dates import tanggal, wib_day
from ektp_station.queue.events import CALL_KINDS, latest_event_id
from ektp_station.queue.models import QueueEvent, QueueTicket
from ektp_station.queue.service import ACTIVE, STATUS_LABELS, WAITING
from ektp_station.queue.service_types import NAMES
from ektp_station.queue.tx import run_read

RECENT = 5
CALL_LOG = 12


def _call(event: QueueEvent, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": event.id,
        "number": event.number,
        "counter": event.counter,
        "counter_name": names.get(event.counter, f"Loket {event.counter}"),
        "service": event.service_code,
        "service_name": NAMES.get(event.service_code or "", event.service_code),
        "at": as_utc(event.at).isoformat(),
        "recall": event.kind == "RECALLED",
    }


def _snapshot(s: Session, now: datetime, running_text: str) -> dict[str, Any]:
    day = wib_day(now)
    version = latest_event_id(s)
    configured = {c.number: c for c in list_counters_in(s)}
    names = {n: c.name for n, c in configured.items()}
    holding = s.execute(
        select(QueueTicket.counter, QueueTicket.number, QueueTicket.status, QueueTicket.service_code,
               QueueTicket.called_at)
        .where(QueueTicket.day == day, QueueTicket.status.in_(ACTIVE))
        .order_by(QueueTicket.called_at)
    ).all()
    active_counters = set(s.scalars(select(QueueEvent.counter).where(
        QueueEvent.day == day, QueueEvent.counter.is_not(None)).distinct()))
    current_by_counter = {row.counter: row for row in holding}
    panels = []
    for number in sorted(set(configured) | active_counters | set(current_by_counter)):
        row = current_by_counter.get(number)
        info = configured.get(number)
        panels.append({
            "number": number,
            "name": names.get(number, f"Loket {number}"),
            "services": list(info.services) if info else [],
            "ticket": row.number if row else None,
            "status": row.status if row else None,
            "status_label": STATUS_LABELS[row.status] if row else "Siap",
            "service": row.service_code if row else None,
        })
    waiting = dict(s.execute(
        select(QueueTicket.service_code, func.count())
        .where(QueueTicket.day == day, QueueTicket.status == WAITING)
        .group_by(QueueTicket.service_code)
    ).all())
    call_events = s.scalars(
        select(QueueEvent).where(QueueEvent.day == day, QueueEvent.kind.in_(CALL_KINDS))
        .order_by(QueueEvent.id.desc()).limit(CALL_LOG * 3)
    ).all()
    calls = [_call(e, names) for e in call_events]
    current = calls[0] if calls else None
    recent: list[dict[str, Any]] = []
    seen = {current["number"]} if current else set()
    for call in calls[1:]:
        if call["number"] not in seen and len(recent) < RECENT:
            recent.append(call)
            seen.add(call["number"])
    return {
        "version": version,
        "day": day.isoformat(),
        "day_text": tanggal(day),
        "server_time": now.isoformat(),
        "current": current,
        "recent": recent,
        "calls": calls[:CALL_LOG],
        "counters": panels,
        "waiting": {code: waiting.get(code, 0) for code in sorted(waiting)},
        "waiting_total": sum(waiting.values()),
        "running_text": running_text,
    }


def snapshot(db: Database, *, now: datetime | None = None) -> dict[str, Any]:
    moment = as_utc(now) if now else utcnow()
    return run_read(db, lambda s: _snapshot(s, moment, settings_in(s).running_text))


def current_version(db: Database) -> int:
    """The newest event id (cheap: what a display feed polls to notice other processes' changes)."""
    return run_read(db, latest_event_id)
