"""Wacom STU driver + simulator pairs for the signature-pad contract suite.

* ``stu-usb-inproc``: ``drivers.stu.StuPad`` on ``usb://056A:00A8`` through the simulated pad's pyusb backend
  (real control and interrupt transfers through pyusb);
* ``stu-stusim-url``: the same pad selected by the ``stusim://`` URL (the registered backend scheme);
* ``stu-tcp``: the framed reports over TCP to ``simulators.stu.serve_cli("tcp", ...)`` in a child process;
* ``stu-pty``: the same over a pty (``serve_cli("pty", ...)``; an unplugged pad on a pty is only silent);
* ``stu-hw``: a real pad when ``EKTP_HW_STU_URL`` names it (e.g. ``usb://056A:00A8``).

``control``: ``scenario(value)``, ``events``, ``unplug()``, ``replug()``, ``pad`` (in process: the model, with
``shown`` and ``shown_count``). The simulated applicant signs as fast as the host reads (pace 0).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

from drivers.interfaces import DeviceKind
from drivers.stu import StuPad
from simulators.scenario import Scenario
from simulators.sim_person import as_scenario
from simulators.stu import StuBackend, StuPadModel, backend_for_url
from tests.contract.conftest import Pair
from simulators.scenario import FAULT_KINDS
from tests.contract.sim_process import SimProcess, scenario_json

HW_VAR = "EKTP_HW_STU_URL"


def fast(value: Any) -> Scenario:
    scenario = as_scenario(value)
    scenario.applicant.setdefault("pace", 0.0)
    return scenario


class PadControl:
    def __init__(self, pad: StuPadModel):
        self.pad = pad

    def scenario(self, value: Any) -> None:
        self.pad.scenario(fast(value))

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.pad.events

    def unplug(self) -> None:
        self.pad.unplug()

    def replug(self) -> None:
        self.pad.replug()


class ProcessControl:
    """Scripts the child process live through its control channel (``simulators.stdin_control``)."""

    def __init__(self, proc: SimProcess, pty: bool = False):
        self.proc = proc
        if pty:  # a pty cannot disappear and come back: an unplugged pad there is merely silent
            self.fault_kinds = set(FAULT_KINDS) - {"unplug", "replug"}

    def scenario(self, value: Any) -> None:
        self.proc.control({"scenario": scenario_json(fast(value))})

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.proc.events

    def unplug(self) -> None:
        self.proc.control({"unplug": None})

    def replug(self) -> None:
        self.proc.control({"replug": True})


@contextmanager
def _usb(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    backend = StuBackend(StuPadModel(fast(scenario)))
    with StuPad("usb://056A:00A8", backend=backend, **options) as pad:
        yield pad, PadControl(backend.pad)


@contextmanager
def _stusim(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    url = f"stusim://contract-{os.getpid()}-{id(options)}"
    backend = backend_for_url(url)
    backend.pad.scenario(fast(scenario))
    with StuPad(url, **options) as pad:
        yield pad, PadControl(backend.pad)


@contextmanager
def _tcp(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    proc = SimProcess("simulators.stu", "tcp", scenario=fast(scenario)).start()
    try:
        with StuPad(f"stu+tcp://127.0.0.1:{proc.port}", **options) as pad:
            yield pad, ProcessControl(proc)
    finally:
        proc.close()


@contextmanager
def _pty(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    proc = SimProcess("simulators.stu", "pty", scenario=fast(scenario)).start()
    try:
        with StuPad(f"stu+serial://{proc.ready['port']}", **options) as pad:
            yield pad, ProcessControl(proc, pty=True)
    finally:
        proc.close()


@contextmanager
def _hardware(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    with StuPad(os.environ[HW_VAR], **options) as pad:
        yield pad, None


PAIRS = [
    Pair(DeviceKind.SIGNATURE_PAD, "stu-usb-inproc", _usb),
    Pair(DeviceKind.SIGNATURE_PAD, "stu-stusim-url", _stusim),
    Pair(DeviceKind.SIGNATURE_PAD, "stu-tcp", _tcp),
    Pair(DeviceKind.SIGNATURE_PAD, "stu-pty", _pty),
    Pair(DeviceKind.SIGNATURE_PAD, "stu-hw", _hardware,
         None if os.environ.get(HW_VAR) else f"set {HW_VAR} (e.g. usb://056A:00A8) to test a real Wacom STU pad"),
]
