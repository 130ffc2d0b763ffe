"""Run a wire simulator for a test, a bench or a training session, and control it while it runs.

:func:`running` starts one simulator on one transport and yields ``(url, control)``: the URL a driver opens
(``ektpsim://...``, a pty path, ``socket://host:port`` or, for printers, ``tcp://host:port``;
``rfc2217://host:port``) and a :class:`WireControl`. The same driver code then runs against each transport, as
in labgrid where a ``NetworkSerialPort`` is just another resource.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from simulators.scenario import FAULT_KINDS, Scenario
from simulators.wire import canonical_name, device_class
from simulators.wire import protocol_ektpsim
from simulators.wire.device import WireDevice
from simulators.wire.pty_server import PtyServer
from simulators.wire.rfc2217_server import Rfc2217Server
from simulators.wire.tcp_server import TcpServer

TRANSPORTS = ("inproc", "pty", "tcp")
#: Also accepted by :func:`running` (not in :data:`TRANSPORTS`, which the contract suites run every device over).
MORE_TRANSPORTS = ("rfc2217",)


class WireControl:
    """What a test does to a running simulator: script faults, pull the cable, read what it did.

    The control protocol of the contract suites: ``scenario(spec)``, ``events``, ``unplug()``, ``replug()``,
    ``fault_kinds``.
    """

    fault_kinds = frozenset(FAULT_KINDS)

    def __init__(self, device: WireDevice):
        self.device = device

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.device.events

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.device.events if e.get("event") == kind]

    def scenario(self, spec: dict[str, Any] | Scenario | str | Path | None) -> None:
        """Script faults from now on: a scenario dict (``{"faults": [...]}``), a Scenario or a file; None clears."""
        self.device.set_scenario(_scenario(spec) or Scenario.healthy())

    def unplug(self, replug_after: float | None = None) -> None:
        self.device.unplug(replug_after)

    def replug(self) -> None:
        self.device.replug()


@contextmanager
def running(
    name: str,
    transport: str = "inproc",
    scenario: dict[str, Any] | str | Path | None = None,
    *,
    printer_network: bool = True,
    **settings: Any,
) -> Iterator[tuple[str, WireControl]]:
    """Start simulator ``name`` on ``transport`` (``inproc``, ``pty``, ``tcp``, ``rfc2217``); yield ``(url, control)``.

    For ``printer`` over TCP the URL is ``tcp://host:port`` (python-escpos ``Network``) unless
    ``printer_network`` is False (then ``socket://``, through pyserial).
    """
    name = canonical_name(name)
    if transport not in TRANSPORTS + MORE_TRANSPORTS:
        raise ValueError(f"transport must be one of {TRANSPORTS + MORE_TRANSPORTS}, got {transport!r}")
    # The scenario goes in at creation, so its [applicant] table sets the device up too.
    device = device_class(name)(_scenario(scenario), **settings)
    control = WireControl(device)
    if transport == "inproc":
        url = f"{protocol_ektpsim.SCHEME}://{name}/{uuid.uuid4().hex}"
        protocol_ektpsim.register(url, device)
        try:
            yield url, control
        finally:
            protocol_ektpsim.forget(url)
        return
    server: PtyServer | TcpServer
    if transport == "pty":
        server = PtyServer(device)
        url = server.start()
    elif transport == "rfc2217":
        server = Rfc2217Server(device)
        server.start()
        url = server.url
    else:
        server = TcpServer(device)
        host, port = server.start()
        scheme = "tcp" if name == "printer" and printer_network else "socket"
        url = f"{scheme}://{host}:{port}"
    try:
        yield url, control
    finally:
        server.stop()
        device.close()


def _scenario(spec: dict[str, Any] | Scenario | str | Path | None) -> Scenario | None:
    if spec is None or isinstance(spec, Scenario):
        return spec
    if isinstance(spec, dict):
        return Scenario.from_dict(spec)
    return Scenario.load(spec)
