"""A wire simulator behind an RFC 2217 port (Telnet COM-port control), as a networked serial server is.

The host opens ``rfc2217://host:port`` (pyserial's RFC 2217 client): the line settings it sets (baud rate, data
bits, parity, stop bits, flow control, DTR/RTS, purge) travel in Telnet sub-negotiations, which pyserial's own
server-side :class:`serial.rfc2217.PortManager` answers; data bytes go to the device as over plain TCP, with
the byte 0xFF doubled on the wire both ways.

:class:`Rfc2217Server` is :class:`simulators.wire.tcp_server.TcpServer` with the protocol on its hooks, so the
connection handling, one client at a time, the listening socket closed while the device is unplugged and
re-opened on re-plug (:class:`simulators.wire.link.LinkFollower`) are the TCP server's.

:class:`SimulatedLine` is what the port manager takes for the serial port: the device's line settings. A baud
rate the host sets reaches the device: a throttled simulator (``throttle``, ``ektp-sim DEVICE --baud N``) then
sends at the host's rate, as a UART does after the host reconfigures a real line; an unthrottled one keeps
sending as fast as the transport goes. Each baud rate set is reported as a ``{"event": "line", "baud": N}``
event. A purge of the receive buffer drops what the device sent and the host has not read.
"""

from __future__ import annotations

import serial
from serial.rfc2217 import IAC, M_NORMAL, PortManager

from simulators.wire.device import LinkDown, WireDevice
from simulators.wire.tcp_server import TcpServer

#: The line rate reported before any host sets one, for an unthrottled device (no rate of its own).
DEFAULT_BAUD = 9600


class SimulatedLine:
    """The serial-port face of a :class:`WireDevice` for :class:`serial.rfc2217.PortManager`."""

    def __init__(self, device: WireDevice):
        self.device = device
        self._baudrate = device.throttle or DEFAULT_BAUD
        self.bytesize = serial.EIGHTBITS
        self.parity = serial.PARITY_NONE
        self.stopbits = serial.STOPBITS_ONE
        self.xonxoff = False
        self.rtscts = False
        self.break_condition = False
        self.dtr = True
        self.rts = True
        # The device is always there while the link is up: modem lines as a 3-wire cable with loops.
        self.cts = self.dsr = self.cd = True
        self.ri = False

    @property
    def baudrate(self) -> int:
        return self._baudrate

    @baudrate.setter
    def baudrate(self, value: int) -> None:
        baud = int(value)
        if baud <= 0:
            raise ValueError(f"baud rate tidak valid: {value!r}")
        device = self.device
        with device._lock:
            self._baudrate = baud
            if device.throttle:
                device.throttle = baud  # the simulated UART now runs at the host's rate
        device.emit({"event": "line", "baud": baud})

    def reset_input_buffer(self) -> None:
        try:
            self.device.discard_released()
        except LinkDown:
            pass

    def reset_output_buffer(self) -> None:
        """Host bytes reach the device as they arrive: nothing waits to be sent."""


class _Connection:
    """The ``connection`` of the port manager: its replies go out on the server's client socket."""

    def __init__(self, server: "Rfc2217Server"):
        self.server = server

    def write(self, data: bytes) -> None:
        self.server._queue(bytes(data))


class Rfc2217Server(TcpServer):
    """``device`` served over RFC 2217 on ``host:port`` (0 = a free port)."""

    def __init__(self, device: WireDevice, host: str = "127.0.0.1", port: int = 0):
        super().__init__(device, host, port)
        self.line = SimulatedLine(device)
        self._manager: PortManager | None = None

    @property
    def url(self) -> str:
        return f"rfc2217://{self.host}:{self.port}"

    def _connected(self) -> None:
        self._manager = PortManager(self.line, _Connection(self))  # sends the server's Telnet option requests

    def _drop_client(self) -> None:
        super()._drop_client()
        self._manager = None

    def _decode(self, data: bytes) -> bytes:
        manager = self._manager
        if manager is None:
            return data
        if IAC not in data and manager.mode == M_NORMAL and manager.suboption is None:
            return data  # plain data, nothing for the Telnet state machine
        return b"".join(manager.filter(data))

    def _encode(self, data: bytes) -> bytes:
        return data.replace(IAC, IAC + IAC) if self._manager is not None else data
