"""The display's routes in the station's web application.

* ``GET /display``: the page for the office TV (1920x1080); ``?suara=0`` for a screen without speakers.
* ``GET /display/events``: Server-Sent Events; the first message after every (re)connection is the full state
  (``event: state``), then one per change, and ``event: ping`` every ``HEARTBEAT`` seconds so the page notices a
  dead connection.
* ``GET /display/state``: the same state as JSON.
* ``GET /display/voice/{call_id}.wav``: the chime and the spoken call.

``install(app)`` adds them; the station finds it by name (``ektp_station.web.extensions``).
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select

from ektp_station.errors import StationError
from ektp_station.queue.config import load_settings
from ektp_station.queue.events import CALL_KINDS
from ektp_station.queue.models import QueueEvent
from ektp_station.queue.tx import run_read
from ektp_station.web.deps import app_database, error_status
from queue_display.feed import DisplayFeed
from queue_display.state import display_state
from queue_display.voice.announcer import Announcer, backend_for

STATIC = Path(__file__).with_name("static")
HEARTBEAT = 10.0
#: How often an open stream checks whether the server is shutting down (``app.state.should_exit``).
EXIT_CHECK = 1.0

router = APIRouter(include_in_schema=False)
_lock = threading.Lock()


def feed_of(app: Any) -> DisplayFeed:
    with _lock:
        feed = getattr(app.state, "display_feed", None)
        if feed is None:
            feed = DisplayFeed(app_database(app), poll_interval=getattr(app.state, "display_poll_interval", 0.5))
            app.state.display_feed = feed
    return feed


def announcer_of(app: Any) -> Announcer:
    """The announcer for the current voice settings (rebuilt when they change)."""
    backend = backend_for(load_settings(app_database(app)))
    with _lock:
        current = getattr(app.state, "display_announcer", None)
        if current is None or current.backend.key() != backend.key():
            current = Announcer(backend)
            app.state.display_announcer = current
    return current


def _exiting(app: Any) -> bool:
    check = getattr(app.state, "should_exit", None)
    return bool(check()) if callable(check) else False


@router.get("/display")
def page() -> FileResponse:
    return FileResponse(STATIC / "display.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


@router.get("/display/state")
def state(request: Request) -> dict[str, Any]:
    return display_state(app_database(request.app))


@router.get("/display/events")
async def stream(request: Request) -> StreamingResponse:
    app = request.app
    feed = feed_of(app)
    await feed.start()
    subscriber = feed.subscribe()

    async def messages():
        try:
            yield "retry: 1000\n\n"
            idle = 0.0
            while not subscriber.closed and not _exiting(app):
                message = await subscriber.next(EXIT_CHECK)
                if message is not None:
                    idle = 0.0
                    yield message
                    continue
                idle += EXIT_CHECK
                if idle >= HEARTBEAT:
                    idle = 0.0
                    yield "event: ping\ndata: {}\n\n"
        finally:
            feed.unsubscribe(subscriber)

    return StreamingResponse(messages(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _call(db, call_id: int) -> QueueEvent | None:
    return run_read(db, lambda s: s.scalars(
        select(QueueEvent).where(QueueEvent.id == call_id, QueueEvent.kind.in_(CALL_KINDS))).first())


@router.get("/display/voice/{call_id}.wav")
async def voice(call_id: int, request: Request) -> Response:
    app = request.app
    db = app_database(app)
    call = await asyncio.to_thread(_call, db, call_id)
    if call is None:
        return JSONResponse({"detail": f"Panggilan {call_id} tidak ada"}, status_code=404)
    try:
        announcer = await asyncio.to_thread(announcer_of, app)
        wav = await asyncio.to_thread(announcer.call_wav, call.number, call.counter)
    except StationError as exc:
        return JSONResponse({"detail": exc.message}, status_code=error_status(exc))
    return Response(wav, media_type="audio/wav", headers={"Cache-Control": "max-age=86400"})


def install(app: FastAPI) -> None:
    """Add the display to the station's web application."""
    app.include_router(router)
    app.mount("/display/static", StaticFiles(directory=STATIC), name="display-static")
