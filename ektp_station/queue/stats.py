"""Waiting and service times per service, compared with the SOP's standard times (see ``service_types``).

Waiting = first call − issue; service = finish − start (the call when the counter never pressed "start").
Per service and period: how many tickets were issued, called, served, not present; mean, median, p90 and max of
both times in minutes, the standard, and how many went over it.
"""

from __future__ import annotations

import statistics
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ektp_station.clock import as_utc
from ektp_station.db.engine import Database
from ektp_station.queue.errors import InvalidInput
from ektp_station.queue.models import QueueTicket
from ektp_station.queue.service import DONE, NO_SHOW
from ektp_station.queue.service_types import all_service_types
from ektp_station.queue.tx import run_read


def _minutes(start: datetime, end: datetime) -> float:
    return (as_utc(end) - as_utc(start)).total_seconds() / 60.0


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def _summary(values: list[float], standard: float | None) -> dict[str, Any]:
    if not values:
        return {"count": 0, "mean": None, "median": None, "p90": None, "max": None, "standard": standard,
                "over_standard": 0}
    return {
        "count": len(values),
        "mean": round(statistics.fmean(values), 2),
        "median": round(statistics.median(values), 2),
        "p90": round(_p90(values), 2),
        "max": round(max(values), 2),
        "standard": standard,
        "over_standard": sum(1 for v in values if standard is not None and v > standard),
    }


def service_times(db: Database, start: date, end: date | None = None) -> dict[str, Any]:
    """Times per service for the WIB days ``start``..``end`` (inclusive)."""
    end = end or start
    if end < start:
        raise InvalidInput("Tanggal akhir sebelum tanggal awal")

    def work(s):
        return s.scalars(select(QueueTicket).where(QueueTicket.day >= start, QueueTicket.day <= end)).all()

    tickets = run_read(db, work)
    rows = []
    for stype in all_service_types():
        mine = [t for t in tickets if t.service_code == stype.code]
        waits = [_minutes(t.issued_at, t.called_at) for t in mine if t.called_at is not None]
        served = [_minutes(t.started_at or t.called_at, t.finished_at)
                  for t in mine if t.status == DONE and t.finished_at is not None and (t.started_at or t.called_at)]
        rows.append({
            "service": stype.code,
            "name": stype.name,
            "issued": sum(1 for t in mine if t.issued_service == stype.code),
            "called": len(waits),
            "done": sum(1 for t in mine if t.status == DONE),
            "no_show": sum(1 for t in mine if t.status == NO_SHOW),
            "waiting_minutes": _summary(waits, stype.wait_standard_minutes),
            "waiting_standard_steps": list(stype.wait_steps),
            "service_minutes": _summary(served, stype.service_standard_minutes),
            "service_standard_steps": list(stype.service_steps),
        })
    return {"from": start.isoformat(), "to": end.isoformat(), "services": rows}
