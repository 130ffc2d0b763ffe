"""A simulated MOSIP SBI service (slap scanner, dual-iris camera, face camera) over HTTP on 127.0.0.1.

    with SbiSimulator() as sim:               # binds the first free port of 4501..4600
        url = sim.url                         # "sbi://127.0.0.1:4501"
        sim.scenario({"kind": "busy"})        # script faults (simulators.scenario)
        sim.unplug(); sim.replug()            # the device leaves / comes back (the service stays)
        sim.stop(); sim.start()               # the whole service goes away / comes back on the same port
        sim.events                            # one dict per thing the service did

``serve_cli(mode, scenario, host, port)`` is what ``ektp-sim sbi --tcp`` runs: SBI is HTTP, so only the TCP
mode exists; it prints ``{"device": "sbi", "host": ..., "port": ...}`` and then one JSON line per event; JSON
lines on its standard input script it live (``simulators.stdin_control``).
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from drivers.interfaces import Subject
from drivers.protocols import sbi as proto
from simulators import sim_person, stdin_control
from simulators.sbi.server import SbiHttpServer
from simulators.sbi.service import DEVICES, SbiService
from simulators.scenario import Scenario

__all__ = ["DEVICES", "SbiService", "SbiSimulator", "serve_cli"]


class SbiSimulator:
    def __init__(self, scenario: Any = None, subject: Subject | None = None, port: int = 0,
                 types: tuple[str, ...] = proto.TYPES, signed: bool = True, on_event=None,
                 stream_fps: float = 10.0):
        self.service = SbiService(sim_person.as_scenario(scenario), subject or sim_person.DEFAULT_SUBJECT, types,
                                  signed=signed, on_event=on_event, stream_fps=stream_fps)
        self.server = SbiHttpServer(self.service, port=port)

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return f"sbi://127.0.0.1:{self.port}"

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.service.events

    @property
    def identity(self):
        return self.service.identity

    def scenario(self, value: Any) -> None:
        """Script faults (a Scenario, a fault dict, a list of them or a file); an ``[applicant]`` changes the
        person too."""
        scenario = sim_person.as_scenario(value)
        if scenario.applicant:
            self.service.subject = sim_person.subject_of(scenario)
        self.service.set_scenario(scenario)

    def present(self, subject: Subject) -> None:
        self.service.subject = subject

    def unplug(self, seconds: float = float("inf")) -> None:
        self.service.unplug(seconds)

    def replug(self) -> None:
        self.service.replug()

    def start(self) -> "SbiSimulator":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> "SbiSimulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_cli(mode: str, scenario: str | None, host: str, port: int) -> None:
    """Run the SBI service until killed (``ektp-sim sbi --tcp [--scenario FILE]``)."""
    if mode != "tcp":
        raise ValueError("Simulator SBI hanya tersedia melalui TCP (HTTP); gunakan --tcp")
    loaded, subject = sim_person.load(scenario)
    lock = threading.Lock()

    def emit(event: dict[str, Any]) -> None:
        with lock:
            sys.stdout.write(json.dumps({"device": "sbi", **event}) + "\n")
            sys.stdout.flush()

    sim = SbiSimulator(loaded, subject, port=port, on_event=emit)
    sim.server.host = host or proto.HOST
    sim.start()
    with lock:
        sys.stdout.write(json.dumps({"device": "sbi", "host": sim.server.host, "port": sim.port}) + "\n")
        sys.stdout.flush()
    stdin_control.start(sim.scenario, sim.unplug, sim.replug, emit)
    try:
        threading.Event().wait()
    finally:
        sim.stop()
