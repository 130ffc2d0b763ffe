"""A wire simulator behind a TCP port, as a serial device server (or a network printer on port 9100) is.

The host connects with ``socket://host:port`` (pyserial) or a plain socket (python-escpos ``Network``). One
client at a time: a new connection replaces the old one, as on most serial device servers. Bytes of the
device that become due while no client is connected are lost (nobody listens on the line).

When the device's link drops (unplug) the client connection is closed and the listening socket too, so a new
connection is refused as from a device that is switched off; on re-plug the server listens again on the same
port.

A subclass may put a protocol on the connection (:class:`simulators.wire.rfc2217_server.Rfc2217Server`) through
three hooks, all called from the forwarding thread: :meth:`TcpServer._connected` (a client was accepted),
:meth:`TcpServer._decode` (bytes from the client -> bytes for the device) and :meth:`TcpServer._encode` (bytes
of the device -> bytes for the client). Plain TCP passes bytes through unchanged.
"""

from __future__ import annotations

import os
import select
import socket
import threading

from simulators.wire.device import LinkDown, WireDevice
from simulators.wire.link import LinkFollower
from simulators.wire.pty_server import GRANULE, IDLE


class TcpServer(LinkFollower):
    def __init__(self, device: WireDevice, host: str = "127.0.0.1", port: int = 0):
        self.device = device
        self.host = host
        self.port = port
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self._generation = device.generation
        self._pending = bytearray()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._stop = threading.Event()
        self._link_changed = threading.Event()
        self._switched = threading.Event()
        self._ticket_lock = threading.Lock()
        self._requested = 0  # link changes announced by the device
        self._handled = 0  # ... and acted on by the forwarding thread
        self._thread: threading.Thread | None = None
        device.add_link_listener(self._on_link)

    # ------------------------------------------------------------------ life cycle

    def start(self) -> tuple[str, int]:
        self._listen()
        self._thread = threading.Thread(target=self._run, name=f"tcp-{self.device.name}", daemon=True)
        self._thread.start()
        return self.host, self.port

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def stop(self) -> None:
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._drop_client()
        self._close_listener()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> "TcpServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(1)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        self._pending.clear()
        if client is not None:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            client.close()

    # ------------------------------------------------------------------ forwarding loop

    def _run(self) -> None:
        device = self.device
        while not self._stop.is_set():
            if self._link_changed.is_set():
                self._link_changed.clear()
                seen = self._requested
                if device.generation != self._generation:
                    self._drop_client()  # the link dropped (and perhaps came back): the old connection is gone
                    self._generation = device.generation
                if not device.plugged:
                    self._close_listener()
                elif self._listener is None:
                    try:
                        self._listen()
                    except OSError:
                        self._link_changed.set()  # port still in TIME_WAIT: try again shortly
                        continue
                self._handled = seen
                self._switched.set()
            timeout = IDLE
            nxt = device.next_release()
            if nxt is not None:
                timeout = min(IDLE, max(GRANULE, nxt - device.clock()))
            if self._pending:
                timeout = GRANULE
            readers: list = [self._wake_r]
            if self._listener is not None:
                readers.append(self._listener)
            if self._client is not None:
                readers.append(self._client)
            writers = [self._client] if self._client is not None and self._pending else []
            try:
                ready_r, ready_w, _ = select.select(readers, writers, [], timeout)
            except (OSError, ValueError):
                continue
            if self._wake_r in ready_r:
                try:
                    os.read(self._wake_r, 4096)
                except OSError:
                    pass
            if self._listener is not None and self._listener in ready_r:
                self._accept()
            if self._client is not None and self._client in ready_r:
                self._from_host()
            self._to_host()

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()  # type: ignore[union-attr]
        except OSError:
            return
        if not self.device.plugged:
            client.close()
            return
        self._drop_client()
        client.setblocking(False)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client = client
        self._connected()

    # ------------------------------------------------------------------ protocol hooks (subclasses)

    def _connected(self) -> None:
        """A new client is on the line (``_pending`` is empty)."""

    def _decode(self, data: bytes) -> bytes:
        """The client's bytes as the device gets them."""
        return data

    def _encode(self, data: bytes) -> bytes:
        """The device's bytes as the client gets them."""
        return data

    def _queue(self, data: bytes) -> None:
        """Bytes for the client that do not come from the device (protocol replies); forwarding thread only."""
        if self._client is not None:
            self._pending += data

    def _from_host(self) -> None:
        try:
            data = self._client.recv(4096)  # type: ignore[union-attr]
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop_client()  # the host hung up; the device stays as it is
            return
        data = self._decode(data)
        if not data:
            return
        try:
            self.device.receive(data)
        except LinkDown:
            pass

    def _to_host(self) -> None:
        try:
            due = self.device.read(65536)
        except LinkDown:
            return
        if self._client is None:
            return  # nobody on the line
        if due:
            self._pending += self._encode(due)
        if not self._pending:
            return
        try:
            sent = self._client.send(self._pending)
        except BlockingIOError:
            return
        except OSError:
            self._drop_client()
            return
        del self._pending[:sent]
