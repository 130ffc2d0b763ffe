"""Run a wire simulator's ``serve_cli`` in a child process, as ``ektp-sim DEVICE --tcp|--pty`` does.

The child prints one JSON readiness line and then one JSON line per event; ``SimProcess`` waits for the first
(bounded), collects the others in ``events`` and can be restarted with another scenario file (on the same port,
for TCP) or stopped (an unplug of the whole device/service).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from simulators.scenario import Scenario
from simulators.sim_person import as_scenario

ROOT = Path(__file__).resolve().parents[2]


def scenario_json(value: Any) -> dict[str, Any]:
    """A JSON scenario file's content for anything ``as_scenario`` accepts."""
    scenario: Scenario = as_scenario(value)
    faults = []
    for f in scenario.faults:
        item: dict[str, Any] = {"kind": f.kind, **f.params}
        if f.operation is not None:
            item["operation"] = f.operation
        if f.part is not None:
            item["part"] = f.part
        if f.attempts is not None:
            item["attempt"] = sorted(f.attempts)
        faults.append(item)
    out: dict[str, Any] = {"faults": faults}
    if scenario.applicant:
        out["applicant"] = scenario.applicant
    return out


class SimProcess:
    def __init__(self, module: str, mode: str, port: int = 0, scenario: Any = None, ready_timeout: float = 30.0):
        self.module, self.mode, self.port = module, mode, port
        self.ready_timeout = ready_timeout
        self.events: list[dict[str, Any]] = []
        self.ready: dict[str, Any] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="ektp-sim-")
        self._proc: subprocess.Popen | None = None
        self._scenario = scenario

    def _scenario_file(self) -> str | None:
        if self._scenario is None:
            return None
        path = Path(self._dir.name) / f"scenario-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(scenario_json(self._scenario)), encoding="utf-8")
        return str(path)

    def start(self) -> "SimProcess":
        code = (f"from {self.module} import serve_cli; "
                f"serve_cli({self.mode!r}, {self._scenario_file()!r}, '127.0.0.1', {self.port})")
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        self._proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
        box: dict[str, Any] = {}
        got = threading.Event()

        def reader(proc: subprocess.Popen) -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if not got.is_set():
                    box["ready"] = item
                    got.set()
                else:
                    self.events.append(item)
            got.set()

        threading.Thread(target=reader, args=(self._proc,), daemon=True).start()
        if not got.wait(self.ready_timeout) or "ready" not in box:
            self.stop()
            raise RuntimeError(f"{self.module} serve_cli not ready within {self.ready_timeout} s")
        self.ready = box["ready"]
        if "port" in self.ready and self.mode == "tcp":
            self.port = int(self.ready["port"])
        return self

    def send(self, command: dict[str, Any]) -> None:
        """One JSON line on the simulator's control channel (``simulators.stdin_control``)."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(command) + "\n")
        self._proc.stdin.flush()

    def control(self, command: dict[str, Any], event_count: int | None = None, timeout: float = 5.0) -> None:
        """Send ``command`` and wait until the simulator confirms it."""
        before = sum(1 for e in self.events if e.get("event") == "control")
        self.send(command)
        deadline = time.monotonic() + timeout
        while sum(1 for e in self.events if e.get("event") == "control") <= before:
            if time.monotonic() > deadline:
                raise RuntimeError(f"simulator did not confirm {command}")
            time.sleep(0.01)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def restart(self, scenario: Any = None) -> None:
        self.stop()
        self._scenario = scenario
        self.start()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()
