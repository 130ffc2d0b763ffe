"""A queue display board that keeps what it was told to show (for the simulator and its tests).

A call shows the number and the counter ("Nomor A-012 silakan ke Loket 2"), a text replaces the running
line. ``history`` keeps both in order; ``showing`` is what the board shows now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.interfaces import Call


def call_text(call: Call) -> str:
    """What the board (and its voice announcement) says for a call, in Bahasa Indonesia."""
    service = f" ({call.service})" if call.service else ""
    counter = f"Loket {call.counter}" if call.counter.isdigit() else call.counter
    return f"Nomor antrean {call.number}{service}, silakan menuju {counter}"


@dataclass
class QueueDisplayModel:
    calls: list[Call] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    current_call: Call | None = None
    current_text: str = ""

    def show_call(self, call: Call) -> str:
        line = call_text(call)
        self.calls.append(call)
        self.history.append(line)
        self.current_call = call
        return line

    def show_text(self, text: str) -> str:
        self.texts.append(text)
        self.history.append(text)
        self.current_text = text
        return text

    @property
    def showing(self) -> list[str]:
        """The board's two lines: the current call and the running text."""
        return [call_text(self.current_call) if self.current_call else "", self.current_text]
