"""Reports to leadership from the register: weekly per service, monthly with the SKM index.

Weekly (the SOPs' "Melaporkan secara berkala/mingguan … kepada pimpinan"), per service:
- ``counts``: applications received in the week, by their current state;
- ``returned_incomplete``: completeness checks in the week that returned the file (BERKAS_KURANG);
- ``handed_over``: hand-overs in the week; ``open_monitoring`` / ``overdue_monitoring``: Keramaian monitoring
  still open (now), and of those past the event's end;
- ``steps``: per SOP step of the catalogue, the step runs that ended in the week: count, mean and p90 minutes
  against the standard minutes, and how many overran it (monitoring: closed after the event's last day).

Monthly: the same counts for the calendar month and the IKM per service and overall (``skm.py``).

Weeks are ISO weeks (Monday to Sunday) and months are calendar months, both in WIB. p90 is the nearest-rank
90th percentile. Every figure comes from a few indexed range queries, so the report stays fast on a register of
a million entries (bench/bench_register.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ektp_station.clock import WIB, as_utc, utcnow
from ektp_station.register import skm
from ektp_station.register.config import RegisterData
from ektp_station.register.errors import InvalidInput
from ektp_station.register.models import Application, StepRun
from ektp_station.register.states import ORDER

NOT_TIMED = ("tidak_berlaku",)


def parse_week(text: str) -> date:
    """``2026-W48`` or any date ``2026-11-25`` → the Monday of that ISO week."""
    value = (text or "").strip().upper()
    try:
        if "-W" in value:
            year, week = value.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        day = date.fromisoformat(value)
        return day - timedelta(days=day.weekday())
    except ValueError:
        raise InvalidInput(f"Minggu tidak valid: {text!r} (contoh: 2026-W48 atau 2026-11-25).") from None


def parse_month(text: str) -> date:
    """``2026-11`` → 1 November 2026."""
    try:
        year, month = (text or "").strip().split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise InvalidInput(f"Bulan tidak valid: {text!r} (contoh: 2026-11).") from None


def week_label(monday: date) -> str:
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _window(first: date, last_exclusive: date) -> tuple[datetime, datetime]:
    start = datetime(first.year, first.month, first.day, tzinfo=WIB)
    end = datetime(last_exclusive.year, last_exclusive.month, last_exclusive.day, tzinfo=WIB)
    return as_utc(start), as_utc(end)


def p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile (what the database computes in ``_step_stats``)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _services(data: RegisterData, codes: list[str] | None) -> list:
    if not codes:
        return list(data.services.values())
    return [data.service(code) for code in codes]


def _counts(session: Session, start: datetime, end: datetime, codes: list[str]) -> dict[str, dict[str, int]]:
    # Only the time range goes to the database: one range scan of ix_reg_app_received whatever the planner
    # thinks of the service column; the services are picked here.
    apps = Application.__table__.c
    rows = session.connection().execute(
        select(apps.service, apps.state, func.count())
        .where(apps.received_at >= start, apps.received_at < end)
        .group_by(apps.service, apps.state)
    ).all()
    wanted = set(codes)
    result: dict[str, dict[str, int]] = defaultdict(lambda: {state.value: 0 for state in ORDER})
    for service, state, count in rows:
        if service in wanted:
            result[service][state] = count
    return result


def _step_stats(session: Session, start: datetime, end: datetime, codes: list[str]) -> dict[str, list[tuple]]:
    """Per service and step: the runs that ended in the window.

    One range scan of the covering index ``ix_reg_step_ended`` (a week holds some ten thousand runs at a million
    entries); counting, summing and the nearest-rank p90 happen here, which is quicker than window functions on
    SQLite and the same on both databases. Rows are (service, ordinal, timed, count, total seconds, max seconds,
    overruns, p90 seconds, returned, handed over); ``timed`` = 0 for runs that carry no time (monitoring that did
    not apply).
    """
    wanted = set(codes)
    seconds_by: dict[tuple[str, int, int], list[float]] = defaultdict(list)
    extra: dict[tuple[str, int, int], list[int]] = defaultdict(lambda: [0, 0, 0])  # overruns, returned, handed
    runs = StepRun.__table__.c  # Core columns: no ORM row processing for ten thousand rows
    result_rows = session.connection().execute(
        select(runs.service, runs.ordinal, runs.kind, runs.outcome, runs.seconds, runs.overrun)
        .where(runs.ended_at >= start, runs.ended_at < end)
    )
    for service, ordinal, kind, outcome, seconds, overrun in result_rows:
        if service not in wanted:
            continue
        timed = 0 if outcome in NOT_TIMED or seconds is None else 1
        key = (service, ordinal, timed)
        seconds_by[key].append(seconds or 0.0)
        counters = extra[key]
        counters[0] += 1 if overrun else 0
        counters[1] += 1 if kind == "check" and outcome == "kurang" else 0
        counters[2] += 1 if kind == "handover" else 0
    result: dict[str, list[tuple]] = defaultdict(list)
    for (service, ordinal, timed), values in seconds_by.items():
        overruns, returned, handed = extra[(service, ordinal, timed)]
        result[service].append((service, ordinal, timed, len(values), sum(values), max(values), overruns,
                                p90(values), returned, handed))
    return result


def _open_monitoring(session: Session, codes: list[str], now: datetime) -> dict[str, tuple[int, int]]:
    rows = session.execute(
        select(StepRun.service, func.count(),
               func.sum(case((and_(StepRun.deadline.is_not(None), StepRun.deadline < now), 1), else_=0)))
        .where(StepRun.ended_at.is_(None)).group_by(StepRun.service)
    ).all()
    return {service: (count, int(overdue or 0)) for service, count, overdue in rows if service in set(codes)}


def _service_block(service, counts: dict[str, int], stats: list[tuple]) -> dict[str, Any]:
    by_ordinal: dict[int, tuple] = {}
    returned = handed = 0
    for _service, ordinal, timed, count, total, longest, overruns, p90_seconds, back, given in stats:
        returned += int(back or 0)
        handed += int(given or 0)
        if timed:
            by_ordinal[ordinal] = (count, total, longest, int(overruns or 0), p90_seconds)
    steps = []
    for step, kind in zip(service.steps, service.kinds):
        count, total, longest, overruns, p90_seconds = by_ordinal.get(step.ordinal, (0, None, None, 0, None))
        steps.append({
            "ordinal": step.ordinal,
            "label": step.label,
            "kind": kind,
            "actor": step.actor,
            "activity": step.activity,
            "standard_minutes": step.standard_minutes,
            "until_event_end": step.until_event_end,
            "count": count,
            "mean_minutes": round(total / count / 60, 2) if count else None,
            "p90_minutes": round(p90_seconds / 60, 2) if count else None,
            "max_minutes": round(longest / 60, 2) if count else None,
            "overruns": overruns,
        })
    return {
        "code": service.code,
        "name": service.name,
        "received": sum(counts.values()),
        "counts": dict(counts),
        "returned_incomplete": returned,
        "handed_over": handed,
        "overruns": sum(step["overruns"] for step in steps),
        "steps": steps,
    }


def weekly(session: Session, data: RegisterData, any_day: date, services: list[str] | None = None,
           *, now: datetime | None = None) -> dict[str, Any]:
    monday = any_day - timedelta(days=any_day.weekday())
    start, end = _window(monday, monday + timedelta(days=7))
    chosen = _services(data, services)
    codes = [s.code for s in chosen]
    counts = _counts(session, start, end, codes)
    stats = _step_stats(session, start, end, codes)
    monitoring = _open_monitoring(session, codes, as_utc(now) if now else utcnow())
    blocks = []
    for service in chosen:
        block = _service_block(service, counts[service.code], stats[service.code])
        if service.has("monitor"):
            block["open_monitoring"], block["overdue_monitoring"] = monitoring.get(service.code, (0, 0))
        blocks.append(block)
    return {
        "kind": "weekly",
        "period": week_label(monday),
        "from": monday.isoformat(),
        "to": (monday + timedelta(days=6)).isoformat(),
        "services": blocks,
        "totals": _totals(blocks),
    }


def monthly(session: Session, data: RegisterData, first: date, services: list[str] | None = None) -> dict[str, Any]:
    first = first.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start, end = _window(first, following)
    chosen = _services(data, services)
    codes = [s.code for s in chosen]
    counts = _counts(session, start, end, codes)
    stats = _step_stats(session, start, end, codes)
    period = first.strftime("%Y-%m")
    ikm = skm.ikm_by_service(session, period)
    blocks = []
    for service in chosen:
        block = _service_block(service, counts[service.code], stats[service.code])
        block["skm"] = ikm.get(service.code, skm.ikm_from_totals(0, [0] * skm.ELEMENTS)).to_json()
        blocks.append(block)
    overall = ikm["SEMUA"] if not services else _combined(ikm, codes)
    return {
        "kind": "monthly",
        "period": period,
        "from": first.isoformat(),
        "to": (following - timedelta(days=1)).isoformat(),
        "services": blocks,
        "totals": _totals(blocks),
        "skm": {"elements": [{"code": e.code, "name": e.name} for e in data.skm_elements],
                "overall": overall.to_json(), "formula": "IKM = 25 × Σ(NRR_i × 1/9)"},
    }


def _combined(ikm: dict[str, skm.IkmResult], codes: list[str]) -> skm.IkmResult:
    respondents = sum(ikm[c].respondents for c in codes if c in ikm)
    totals = [0] * skm.ELEMENTS
    for code in codes:
        if code in ikm and ikm[code].respondents:
            result = ikm[code]
            totals = [t + int(n * result.respondents) for t, n in zip(totals, result.nrr)]
    return skm.ikm_from_totals(respondents, totals)


def _totals(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {state.value: sum(b["counts"].get(state.value, 0) for b in blocks) for state in ORDER}
    return {
        "received": sum(b["received"] for b in blocks),
        "counts": counts,
        "returned_incomplete": sum(b["returned_incomplete"] for b in blocks),
        "handed_over": sum(b["handed_over"] for b in blocks),
        "overruns": sum(b["overruns"] for b in blocks),
    }
