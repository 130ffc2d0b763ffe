"""Run one wire simulator behind a pty, a TCP port or an RFC 2217 port until killed, reporting on stdout as JSON
lines.

The first line says where the device is: ``{"device": "zfm", "port": "/tmp/ektp-sim-x/zfm"}`` (pty),
``{"device": "zfm", "host": "127.0.0.1", "port": 40123}`` (TCP) or ``{"device": "zfm", "host": "127.0.0.1",
"port": 40123, "protocol": "rfc2217"}`` (RFC 2217: the host opens ``rfc2217://host:port``). Then one line per
thing the device did (a finger captured, a signature drawn, a ticket printed with its text, a board message
shown, a fault acted out, an unplug or re-plug, a line rate set over RFC 2217). ``SIGTERM``/``SIGINT`` stop it
(exit 0); ``SIGUSR1`` unplugs the device and ``SIGUSR2`` plugs it back in, for trying a driver's recovery by
hand.
"""

from __future__ import annotations

import json
import queue
import signal
import sys
import threading
from typing import Any, TextIO

from simulators.wire.device import WireDevice
from simulators.wire.pty_server import PtyServer
from simulators.wire.rfc2217_server import Rfc2217Server
from simulators.wire.tcp_server import TcpServer

MODES = ("pty", "tcp", "rfc2217")


def _line(out: TextIO, data: dict[str, Any]) -> None:
    out.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    out.flush()


def serve(
    device: WireDevice,
    mode: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    link: str | None = None,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve ``device`` over ``mode`` (``"pty"``, ``"tcp"`` or ``"rfc2217"``) until ``stop`` is set or a signal
    ends it."""
    out = out or sys.stdout
    stop = stop or threading.Event()
    events: queue.Queue[dict[str, Any]] = queue.Queue()
    device.add_listener(events.put)
    server: PtyServer | TcpServer
    if mode == "pty":
        server = PtyServer(device, link)
        ready: dict[str, Any] = {"device": device.name, "port": server.start()}
    elif mode in ("tcp", "rfc2217"):
        server = TcpServer(device, host, port) if mode == "tcp" else Rfc2217Server(device, host, port)
        bound_host, bound_port = server.start()
        ready = {"device": device.name, "host": bound_host, "port": bound_port}
        if mode == "rfc2217":
            ready["protocol"] = "rfc2217"
    else:
        raise ValueError(f"unknown mode {mode!r}")
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        handlers = {
            signal.SIGTERM: lambda *_: stop.set(),
            signal.SIGINT: lambda *_: stop.set(),
            signal.SIGUSR1: lambda *_: device.unplug(),
            signal.SIGUSR2: lambda *_: device.replug(),
        }
        for signum, handler in handlers.items():
            previous[signum] = signal.signal(signum, handler)
    try:
        _line(out, ready)
        while not stop.is_set():
            try:
                event = events.get(timeout=0.1)
            except queue.Empty:
                continue
            _line(out, event)
        while not events.empty():
            _line(out, events.get_nowait())
    except BrokenPipeError:
        pass  # whoever read our output went away
    finally:
        server.stop()
        device.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
