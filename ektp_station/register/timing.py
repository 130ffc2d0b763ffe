"""Step runs: each SOP step of an application, timed against the catalogue's standard ("Mutu Baku Waktu").

A step starts when the file became available to it: when the previous step of the application ended (the
intake's arrival time for the first step, the re-submission for a re-check after a return). It ends when the
action that completes it is recorded. Steps completed by one action follow each other: the second starts where
the first ended. ``overrun`` = the step took longer than its standard; a monitoring step ("sampai dengan jadwal
kegiatan berakhir") has no minutes but a deadline (the end of the event's last day) and overruns when closed
after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ektp_station.clock import as_utc
from ektp_station.register.models import Application, StepRun
from ektp_station.sop.catalogue import Step

DONE = "selesai"
COMPLETE = "lengkap"
INCOMPLETE = "kurang"
OPEN = "terbuka"
NOT_APPLICABLE = "tidak_berlaku"


def last_end(app: Application) -> datetime:
    """When the application's latest finished step ended (its intake time before any step)."""
    ends = [as_utc(run.ended_at) for run in app.steps if run.ended_at is not None]
    return max(ends) if ends else as_utc(app.received_at)


def next_attempt(app: Application, ordinal: int) -> int:
    return 1 + sum(1 for run in app.steps if run.ordinal == ordinal)


def is_done(app: Application, ordinal: int) -> bool:
    return any(run.ordinal == ordinal and run.ended_at is not None and run.outcome != INCOMPLETE
               for run in app.steps)


def open_run(app: Application, ordinal: int) -> StepRun | None:
    return next((run for run in app.steps if run.ordinal == ordinal and run.ended_at is None), None)


def overran(step: Step, seconds: float) -> bool:
    return step.standard_minutes is not None and seconds > step.standard_minutes * 60


def record(app: Application, step: Step, kind: str, *, started_at: datetime, ended_at: datetime,
           officer: str | None, outcome: str = DONE, detail: dict[str, Any] | None = None) -> StepRun:
    """A finished step run, appended to the application (the caller's transaction writes it)."""
    start, end = as_utc(started_at), as_utc(ended_at)
    if end < start:
        start = end  # a clock set back, or an explicit --at before the previous step: never a negative time
    seconds = (end - start).total_seconds()
    run = StepRun(
        service=app.service, ordinal=step.ordinal, label=step.label, kind=kind, actor=step.actor,
        attempt=next_attempt(app, step.ordinal), standard_minutes=step.standard_minutes,
        until_event_end=step.until_event_end, deadline=None, started_at=start, ended_at=end, seconds=seconds,
        overrun=overran(step, seconds), outcome=outcome, officer=officer, detail=dict(detail or {}),
    )
    app.steps.append(run)
    return run


def open_monitoring(app: Application, step: Step, *, started_at: datetime, deadline: datetime,
                    officer: str | None, detail: dict[str, Any] | None = None) -> StepRun:
    run = StepRun(
        service=app.service, ordinal=step.ordinal, label=step.label, kind="monitor", actor=step.actor,
        attempt=next_attempt(app, step.ordinal), standard_minutes=None, until_event_end=True,
        deadline=as_utc(deadline), started_at=as_utc(started_at), ended_at=None, seconds=None, overrun=None,
        outcome=OPEN, officer=officer, detail=dict(detail or {}),
    )
    app.steps.append(run)
    return run


def close_monitoring(run: StepRun, *, ended_at: datetime, officer: str | None, notes: str | None) -> None:
    end = as_utc(ended_at)
    start = as_utc(run.started_at)
    run.ended_at = max(end, start)
    run.seconds = (run.ended_at - start).total_seconds()
    run.overrun = run.deadline is not None and run.ended_at > as_utc(run.deadline)
    run.outcome = DONE
    run.officer = officer or run.officer
    run.detail = {**(run.detail or {}), "catatan": notes}
