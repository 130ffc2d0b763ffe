"""SBI driver + simulator pairs for the fingerprint, iris and camera contract suites.

* ``sbi-inproc``: the simulated SBI service on a thread of the test process (real HTTP on 127.0.0.1);
* ``sbi-tcp``: the service in a child process through ``simulators.sbi.serve_cli("tcp", ...)``;
* ``sbi-hw``: a real SBI service when ``EKTP_HW_SBI_URL`` names it (e.g. ``sbi://127.0.0.1``).

``control``: ``scenario(value)`` scripts faults (and the ``[applicant]``), ``events`` lists what the service
did, ``unplug()``/``replug()`` take the device away and bring it back (in process: the whole service stops and
restarts on the same port; in the child process: the sensor leaves the running service, error 106), and
``present(subject)`` changes the person (in process only).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

from drivers.interfaces import DeviceKind, Subject
from drivers.sbi import SbiFaceCamera, SbiFingerprintScanner, SbiIrisCamera
from simulators.sbi import SbiSimulator
from tests.contract.conftest import Pair
from tests.contract.sim_process import SimProcess, scenario_json

DRIVERS = {DeviceKind.FINGERPRINT: SbiFingerprintScanner, DeviceKind.IRIS: SbiIrisCamera,
           DeviceKind.CAMERA: SbiFaceCamera}
HW_VAR = "EKTP_HW_SBI_URL"


class InprocControl:
    def __init__(self, sim: SbiSimulator):
        self.sim = sim

    def scenario(self, value: Any) -> None:
        self.sim.scenario(value)

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.sim.events

    def present(self, subject: Subject) -> None:
        self.sim.present(subject)

    def unplug(self) -> None:
        self.sim.stop()

    def replug(self) -> None:
        self.sim.start()


class ProcessControl:
    def __init__(self, proc: SimProcess):
        self.proc = proc

    def scenario(self, value: Any) -> None:
        self.proc.control({"scenario": scenario_json(value)})

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.proc.events

    def unplug(self) -> None:  # the sensor leaves the (running) service: discovery "Not Ready", captures 106
        self.proc.control({"unplug": None})

    def replug(self) -> None:
        self.proc.control({"replug": True})


def _inproc(kind: DeviceKind):
    @contextmanager
    def open_pair(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
        with SbiSimulator(scenario) as sim:
            device = DRIVERS[kind](sim.url, **options)
            device.open()
            try:
                yield device, InprocControl(sim)
            finally:
                device.close()
    return open_pair


def _process(kind: DeviceKind):
    @contextmanager
    def open_pair(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
        proc = SimProcess("simulators.sbi", "tcp", scenario=scenario).start()
        try:
            device = DRIVERS[kind](f"sbi://127.0.0.1:{proc.port}", **options)
            device.open()
            try:
                yield device, ProcessControl(proc)
            finally:
                device.close()
        finally:
            proc.close()
    return open_pair


def _hardware(kind: DeviceKind):
    @contextmanager
    def open_pair(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
        device = DRIVERS[kind](os.environ[HW_VAR], **options)
        device.open()
        try:
            yield device, None
        finally:
            device.close()
    return open_pair


PAIRS: list[Pair] = []
for _kind in DRIVERS:
    PAIRS.append(Pair(_kind, f"sbi-inproc-{_kind.value}", _inproc(_kind)))
    PAIRS.append(Pair(_kind, f"sbi-tcp-{_kind.value}", _process(_kind)))
    PAIRS.append(Pair(_kind, f"sbi-hw-{_kind.value}", _hardware(_kind),
                      None if os.environ.get(HW_VAR) else f"set {HW_VAR} (e.g. sbi://127.0.0.1) to test a real SBI device"))
