"""What one display shows: the queue snapshot plus, for each call, the words it says and where its audio is."""

from __future__ import annotations

from typing import Any

from ektp_station.db.engine import Database
from ektp_station.queue.status import snapshot
from queue_display.voice.words import call_announcement


def _with_voice(call: dict[str, Any] | None) -> dict[str, Any] | None:
    if call is None:
        return None
    announcement = call_announcement(call["number"], call["counter"])
    return {**call, "words": announcement.words, "text": announcement.text,
            "audio": f"/display/voice/{call['id']}.wav"}


def display_state(db: Database) -> dict[str, Any]:
    state = snapshot(db)
    state["current"] = _with_voice(state["current"])
    state["recent"] = [_with_voice(c) for c in state["recent"]]
    state["calls"] = [_with_voice(c) for c in state["calls"]]
    return state
