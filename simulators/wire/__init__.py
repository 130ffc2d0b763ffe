"""Wire-level simulators: the bytes a real device would put on its serial line, reachable four ways.

* in process: the pyserial URL scheme ``ektpsim://DEVICE[/INSTANCE][?setting=value&...]`` (module
  :mod:`simulators.wire.protocol_ektpsim`; this package is named in the entry-point group
  ``ektp_station.serial_url_handlers``, so ``drivers.transport`` adds it to pyserial's handler packages);
* over a pseudo-terminal: :class:`simulators.wire.pty_server.PtyServer` (``ektp-sim DEVICE --pty``);
* over TCP: :class:`simulators.wire.tcp_server.TcpServer` (``ektp-sim DEVICE --tcp``; the host uses
  ``socket://host:port``);
* over RFC 2217: :class:`simulators.wire.rfc2217_server.Rfc2217Server` (``ektp-sim DEVICE --rfc2217``; the host
  uses ``rfc2217://host:port`` and its line settings reach the simulator).

One simulator per device (:data:`DEVICES`), each a :class:`simulators.wire.device.WireDevice` wrapping the
device model of :mod:`simulators.models`: ``zfm`` (fingerprint module), ``isdv4`` (signature pad),
``printer`` (ESC/POS ticket printer) and ``ledboard`` (Alpha LED queue board).

Modules: ``device`` (the byte-stream base: scheduled output, line-speed throttling, link drops, the
wire-level faults), ``protocol_ektpsim`` (the pyserial scheme), ``pty_server`` / ``tcp_server`` /
``rfc2217_server`` (the OS transports; ``link`` is what they share), ``serve`` (``ektp-sim DEVICE
--pty|--tcp|--rfc2217``: readiness and event lines), ``harness`` (one
simulator on one transport with a control handle, for tests and benchmarks).

This package imports no simulator module at import time (pyserial imports it while resolving a URL).
"""

from __future__ import annotations

import importlib
from typing import Any

#: Device name -> "module:class" of its wire simulator.
DEVICES: dict[str, str] = {
    "zfm": "simulators.zfm:ZfmSimulator",
    "isdv4": "simulators.isdv4:Isdv4Simulator",
    "printer": "simulators.escpos:EscposPrinterSimulator",
    "ledboard": "simulators.ledboard:AlphaSignSimulator",
}
#: Other names accepted for the same simulators.
ALIASES = {"escpos": "printer", "alpha": "ledboard", "fingerprint": "zfm", "signature": "isdv4"}


def canonical_name(name: str) -> str:
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in DEVICES:
        raise ValueError(f"simulator tidak dikenal: {name!r} (pilihan: {', '.join(sorted(DEVICES))})")
    return key


def device_class(name: str) -> Any:
    module_name, _, class_name = DEVICES[canonical_name(name)].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def create_device(name: str, scenario_path: str | None = None, **settings: Any) -> Any:
    """A new simulator: ``scenario_path`` is a TOML/JSON scenario (see :mod:`simulators.scenario`)."""
    from simulators.scenario import Scenario

    scenario = Scenario.load(scenario_path) if scenario_path else None
    return device_class(name)(scenario, **settings)
