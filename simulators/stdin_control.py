"""A control channel for simulators run by ``serve_cli``: JSON lines on standard input.

    {"scenario": {...}}      replace the scenario (the form of ``simulators.scenario``, ``[applicant]`` included)
    {"unplug": 2.5}          the device disappears (seconds, or null until replugged)
    {"replug": true}         it comes back

Unknown or malformed lines are reported as ``{"event": "control_error"}`` and ignored; end of input (no
controller, e.g. ``ektp-sim`` run from a terminal and detached) simply ends the channel.
"""

from __future__ import annotations

import json
import math
import sys
import threading
from typing import Any, Callable


def start(scenario: Callable[[Any], None], unplug: Callable[[float], None], replug: Callable[[], None],
          emit: Callable[[dict[str, Any]], None]) -> threading.Thread:
    def run() -> None:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                command = json.loads(line)
                if "scenario" in command:
                    scenario(command["scenario"])
                elif "unplug" in command:
                    seconds = command["unplug"]
                    unplug(math.inf if seconds is None else float(seconds))
                elif "replug" in command:
                    replug()
                else:
                    raise ValueError(line)
                emit({"event": "control", "command": sorted(command)[0]})
            except (ValueError, TypeError, KeyError) as exc:
                emit({"event": "control_error", "error": str(exc)[:200]})

    thread = threading.Thread(target=run, daemon=True, name="sim-control")
    thread.start()
    return thread
