"""The live feed behind every open display: one watcher per web process pushes the full screen state.

The watcher wakes when this process commits a queue change (``ektp_station.queue.events`` listener: a call made
through this server's API reaches the screens within milliseconds) and otherwise every ``poll_interval`` seconds,
when it compares the newest event id with the last one it sent: calls made by other processes (another counter's
server, the CLI) show up within that interval. Each subscriber holds only the newest state: a slow display skips
stale states instead of falling behind, and every state is complete, so nothing is lost by skipping.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from ektp_station.clock import utcnow
from ektp_station.db.engine import Database
from ektp_station.queue import events
from ektp_station.queue.dates import wib_day
from ektp_station.queue.status import current_version
from queue_display.state import display_state

log = logging.getLogger(__name__)


class Subscriber:
    """One connected display: the newest message not yet sent, and a flag to wake its stream."""

    def __init__(self) -> None:
        self.pending: str | None = None
        self.closed = False
        self.ready = asyncio.Event()

    def offer(self, message: str | None) -> None:
        if message is None:
            self.closed = True
        else:
            self.pending = message
        self.ready.set()

    async def next(self, timeout: float) -> str | None:
        """The newest message, or None after ``timeout`` seconds without one (or when closed)."""
        try:
            await asyncio.wait_for(self.ready.wait(), timeout)
        except asyncio.TimeoutError:
            return None
        self.ready.clear()
        message, self.pending = self.pending, None
        return message


def sse(event: str, data: str, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {data}\n\n"


class DisplayFeed:
    def __init__(self, db: Database, *, poll_interval: float = 0.5):
        self.db = db
        self.poll_interval = poll_interval
        self.subscribers: set[Subscriber] = set()
        self._message: str | None = None
        self._version: tuple[int, str] | None = None
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting = asyncio.Lock()

    # --- life cycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start watching (once; every display connection calls this)."""
        async with self._starting:
            if self._task is not None and not self._task.done():
                return
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            events.add_listener(self._changed)
            await self.refresh(force=True)
            self._task = self._loop.create_task(self._watch())

    def _changed(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def close(self) -> None:
        events.remove_listener(self._changed)
        if self._task is not None:
            self._task.cancel()
            self._task = None
        for subscriber in list(self.subscribers):
            subscriber.offer(None)

    # --- watching --------------------------------------------------------------------------------------------

    async def _watch(self) -> None:
        assert self._wake is not None
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            except asyncio.TimeoutError:
                pass
            changed_here = self._wake.is_set()
            self._wake.clear()
            try:
                await self.refresh(changed=changed_here)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database may be away for a while; keep watching
                log.warning("layar antrean: gagal membaca antrean: %s", exc)
                await asyncio.sleep(min(5.0, self.poll_interval * 4))

    async def refresh(self, *, force: bool = False, changed: bool = False) -> None:
        """Publish the state if it changed. ``changed``: this process just committed something, so skip the cheap
        version check and build the state at once (one database round less on the way to the screens)."""
        if not (force or changed):
            version = (await asyncio.to_thread(current_version, self.db), wib_day(utcnow()).isoformat())
            if version == self._version:
                return
        state = await asyncio.to_thread(display_state, self.db)
        version = (state["version"], state["day"])
        if not force and version == self._version:
            return
        self._version = version
        self.publish(state)

    def publish(self, state: dict[str, Any]) -> None:
        self._message = sse("state", json.dumps(state, ensure_ascii=False, separators=(",", ":")), state["version"])
        for subscriber in list(self.subscribers):
            subscriber.offer(self._message)

    # --- subscribers -----------------------------------------------------------------------------------------

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber()
        if self._message is not None:
            subscriber.offer(self._message)  # a new or reconnected display starts from the full state
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
