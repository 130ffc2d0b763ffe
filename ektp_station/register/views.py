"""JSON shapes of register rows for the CLI (``--json``) and the HTTP API. Lists show the NIK masked."""

from __future__ import annotations

from typing import Any

from ektp_station.clock import as_utc
from ektp_station.nik import mask_nik
from ektp_station.register.models import Application, Event, Letter, StepRun
from ektp_station.register.services import ServiceDef
from ektp_station.register.states import DESCRIPTIONS, State


def _iso(value) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def step_json(run: StepRun) -> dict[str, Any]:
    return {
        "ordinal": run.ordinal,
        "label": run.label,
        "kind": run.kind,
        "actor": run.actor,
        "attempt": run.attempt,
        "standard_minutes": run.standard_minutes,
        "until_event_end": run.until_event_end,
        "deadline": _iso(run.deadline),
        "started_at": _iso(run.started_at),
        "ended_at": _iso(run.ended_at),
        "minutes": round(run.seconds / 60, 2) if run.seconds is not None else None,
        "overrun": run.overrun,
        "outcome": run.outcome,
        "officer": run.officer,
        "detail": run.detail or {},
    }


def event_json(event: Event) -> dict[str, Any]:
    return {"at": _iso(event.at), "action": event.action, "from": event.from_state, "to": event.to_state,
            "officer": event.officer, "note": event.note, "data": event.data or {}}


def letter_json(letter: Letter) -> dict[str, Any]:
    return {
        "number": letter.number,
        "classification": letter.classification,
        "classification_table": letter.classification_table,
        "sequence": letter.sequence,
        "year": letter.year,
        "scope": letter.scope,
        "issued_at": _iso(letter.issued_at),
        "revision": letter.revision,
        "signed_at": _iso(letter.signed_at),
        "signer": None if letter.signed_at is None else {
            "position": letter.signer_key, "title": letter.signer_title, "name": letter.signer_name,
            "nip": letter.signer_nip, "on_behalf": letter.on_behalf, "stand_in_reason": letter.stand_in_reason,
        },
        "verify_code": letter.verify_code,
        "void": letter.void,
        "text": letter.content.get("rendered"),
    }


def pending_steps(app: Application, service: ServiceDef) -> list[dict[str, Any]]:
    done = {run.ordinal for run in app.steps if run.ended_at is not None and run.outcome != "kurang"}
    return [{"ordinal": step.ordinal, "label": step.label, "kind": kind, "activity": step.activity}
            for step, kind in zip(service.steps, service.kinds) if step.ordinal not in done]


def summary_json(app: Application) -> dict[str, Any]:
    """One list row: masked NIK, no details."""
    return {
        "id": app.id,
        "service": app.service,
        "state": app.state,
        "register_number": app.register_number,
        "nik": mask_nik(app.nik),
        "nama": app.nama,
        "desa": app.desa,
        "received_at": _iso(app.received_at),
        "updated_at": _iso(app.updated_at),
    }


def application_json(app: Application, service: ServiceDef, *, letter: Letter | None = None,
                     visits: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None,
                     masked: bool = False) -> dict[str, Any]:
    data = {
        "id": app.id,
        "service": app.service,
        "service_name": service.name,
        "state": app.state,
        "state_description": DESCRIPTIONS[State(app.state)],
        "nik": mask_nik(app.nik) if masked else app.nik,
        "nama": app.nama,
        "alamat": app.alamat,
        "desa": app.desa,
        "details": dict(app.details or {}),
        "checklist": dict(app.checklist or {}),
        "officer": app.officer,
        "received_at": _iso(app.received_at),
        "register_number": app.register_number,
        "registered_at": _iso(app.registered_at),
        "returned_count": app.returned_count,
        "archive": None if app.archive_folder is None else {
            "folder": app.archive_folder, "shelf": app.archive_shelf, "box": app.archive_box},
        "letter": letter_json(letter) if letter is not None else None,
        "site_visits": visits or [],
        "steps": [step_json(run) for run in app.steps],
        "pending_steps": pending_steps(app, service),
        "events": [event_json(event) for event in app.events],
    }
    if extra:
        data.update(extra)
    return data
