"""Read side of recordings: session lists for the operator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ektp_station.clock import as_utc
from ektp_station.db.engine import Database
from ektp_station.db.models import RecordingSession
from ektp_station.nik import mask_nik
from ektp_station.recording.steps import PLAN
from ektp_station.sop.catalogue import load_catalogue


def current_step(next_ordinal: int, status: str) -> dict[str, Any] | None:
    if status != "IN_PROGRESS" or next_ordinal > len(PLAN):
        return None
    step = load_catalogue().get("EKTP").steps[next_ordinal - 1]
    return {"label": step.label, "ordinal": step.ordinal, "activity": step.activity}


def list_sessions(db: Database, *, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    with db.transaction() as s:
        query = select(RecordingSession).order_by(RecordingSession.started_at.desc()).limit(limit)
        if status:
            query = query.where(RecordingSession.status == status.upper())
        rows = s.scalars(query).all()
        return [
            {
                "session_id": r.id,
                "nik": mask_nik(r.nik),
                "status": r.status,
                "current_step": current_step(r.next_ordinal, r.status),
                "desa": r.desa,
                "started_at": as_utc(r.started_at).isoformat(),
                "resumed": r.resumed_count,
            }
            for r in rows
        ]
