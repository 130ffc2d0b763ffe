"""The weekly report to leadership (SOP PEREKAMAN E-KTP step 5, "Melaporkan hasil pemrosesan KTP").

Per desa and day: recordings finished (BIO_CAPTURED), rejected at verification, still in progress; redo counts
(capture attempts beyond the first, and sessions resumed after an interruption); per SOP step the mean and p90
time against the standard and how many overran it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ektp_station.clock import WIB, to_wib
from ektp_station.db.engine import Database
from ektp_station.db.models import Artefact, RecordingSession, RecordingStep
from ektp_station.sop.catalogue import load_catalogue

HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


def week_bounds(any_day: date) -> tuple[date, date]:
    """Monday..Sunday week containing ``any_day``."""
    monday = any_day - timedelta(days=any_day.weekday())
    return monday, monday + timedelta(days=6)


def parse_week(text: str) -> date:
    """``2026-W48`` (ISO week) or a date ``2026-11-24`` → a day in that week."""
    try:
        if "W" in text.upper():
            year, week = text.upper().split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"Minggu tidak valid: {text!r} (contoh: 2026-W48 atau 2026-11-24)") from exc


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    index = max(0, int(round(0.9 * len(ordered) + 0.5)) - 1)
    return ordered[min(index, len(ordered) - 1)]


def weekly(db: Database, any_day: date) -> dict[str, Any]:
    first, last = week_bounds(any_day)
    start = datetime(first.year, first.month, first.day, tzinfo=WIB)
    end = start + timedelta(days=7)
    with db.transaction() as s:
        sessions = s.scalars(select(RecordingSession).where(RecordingSession.started_at >= start,
                                                            RecordingSession.started_at < end)).all()
        ids = [x.id for x in sessions]
        steps = s.scalars(select(RecordingStep).where(RecordingStep.session_id.in_(ids))).all() if ids else []
        artefacts = s.execute(select(Artefact.session_id, Artefact.attempts).where(
            Artefact.session_id.in_(ids), Artefact.exception_reason.is_(None))).all() if ids else []

    redo_by_session: dict[str, int] = defaultdict(int)
    for session_id, attempts in artefacts:
        redo_by_session[session_id] += max(0, (attempts or 1) - 1)

    per_desa: dict[str, dict[str, Any]] = {}
    per_day: dict[str, dict[str, int]] = {}
    for day_index in range(7):
        d = first + timedelta(days=day_index)
        per_day[d.isoformat()] = {"hari": HARI[d.weekday()], "BIO_CAPTURED": 0, "REJECTED": 0, "IN_PROGRESS": 0}
    for x in sessions:
        desa = x.desa or "(belum terverifikasi)"
        day = to_wib(x.started_at).date().isoformat()
        row = per_desa.setdefault(desa, {"desa": desa, "BIO_CAPTURED": 0, "REJECTED": 0, "IN_PROGRESS": 0,
                                         "ulang_rekam": 0, "dilanjutkan": 0, "per_hari": defaultdict(int)})
        row[x.status] = row.get(x.status, 0) + 1
        row["ulang_rekam"] += redo_by_session.get(x.id, 0)
        row["dilanjutkan"] += x.resumed_count
        if x.status == "BIO_CAPTURED":
            row["per_hari"][day] += 1
        per_day[day][x.status] = per_day[day].get(x.status, 0) + 1

    sop = load_catalogue().get("EKTP")
    by_ordinal: dict[int, list[RecordingStep]] = defaultdict(list)
    for step in steps:
        by_ordinal[step.ordinal].append(step)
    step_rows = []
    for sop_step in sop.steps:
        done = by_ordinal.get(sop_step.ordinal, [])
        seconds = [x.seconds for x in done]
        step_rows.append({
            "label": sop_step.label,
            "ordinal": sop_step.ordinal,
            "activity": sop_step.activity,
            "standard_minutes": sop_step.standard_minutes,
            "count": len(done),
            "mean_minutes": round(sum(seconds) / len(seconds) / 60, 3) if seconds else None,
            "p90_minutes": round(_p90(seconds) / 60, 3) if seconds else None,
            "overruns": sum(1 for x in done if x.overrun),
            "redo_attempts": sum(max(0, x.attempts - 1) for x in done),
        })
    for row in per_desa.values():
        row["per_hari"] = dict(sorted(row["per_hari"].items()))
    totals = {k: sum(r[k] for r in per_desa.values()) for k in ("BIO_CAPTURED", "REJECTED", "IN_PROGRESS",
                                                                  "ulang_rekam", "dilanjutkan")}
    return {
        "week": f"{first.isocalendar().year}-W{first.isocalendar().week:02d}",
        "from": first.isoformat(),
        "to": last.isoformat(),
        "totals": totals,
        "per_desa": sorted(per_desa.values(), key=lambda r: r["desa"]),
        "per_day": per_day,
        "steps": step_rows,
    }
