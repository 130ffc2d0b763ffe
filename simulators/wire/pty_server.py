"""A wire simulator behind a pseudo-terminal: the host opens a tty path as it would open ``/dev/ttyUSB0``.

:class:`PtyServer` creates a pty pair, puts it in raw mode, and forwards bytes between the master side and a
:class:`simulators.wire.device.WireDevice` in a thread: host bytes go to :meth:`WireDevice.receive`, device
bytes are written to the master as they become due (so a throttled device keeps its line timing).

The host is given a stable *link* path (a symlink to the current ``/dev/pts/N``, like the udev links under
``/dev/serial/by-id``). When the device's link drops (unplug) the pty is closed, which makes the host's port
fail with EIO, and the link path disappears; on re-plug a new pty is created and the link points to it, so the
host re-opens the same path. The server keeps its own descriptor on the slave side so the master never sees a
hang-up when the host closes and re-opens the port; pyserial flushes what was pending when it opens.
"""

from __future__ import annotations

import errno
import os
import select
import tempfile
import threading
import tty
from pathlib import Path

from simulators.wire.device import LinkDown, WireDevice
from simulators.wire.link import LinkFollower

#: Longest sleep of the forwarding loop when nothing is scheduled (seconds).
IDLE = 0.05
#: Shortest sleep while bytes are being released at line speed (batches writes).
GRANULE = 0.001


class PtyServer(LinkFollower):
    def __init__(self, device: WireDevice, link: str | os.PathLike | None = None):
        self.device = device
        self._own_dir: str | None = None
        if link is None:
            self._own_dir = tempfile.mkdtemp(prefix="ektp-sim-")
            link = Path(self._own_dir) / device.name
        self.link = Path(link)
        self._master: int | None = None
        self._keeper: int | None = None
        self._generation = device.generation
        self.slave_name: str | None = None
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

    def start(self) -> str:
        """Create the pty and start forwarding; returns the path the host opens."""
        self._open_pty()
        self._thread = threading.Thread(target=self._run, name=f"pty-{self.device.name}", daemon=True)
        self._thread.start()
        return str(self.link)

    @property
    def port(self) -> str:
        return str(self.link)

    def stop(self) -> None:
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._close_pty()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._own_dir is not None:
            try:
                os.rmdir(self._own_dir)
            except OSError:
                pass

    def __enter__(self) -> "PtyServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ pty

    def _open_pty(self) -> None:
        self._generation = self.device.generation
        master, keeper = os.openpty()
        tty.setraw(keeper)  # no echo, no line editing: bytes pass unchanged until the host sets its own mode
        os.set_blocking(master, False)
        self._master, self._keeper = master, keeper
        self.slave_name = os.ttyname(keeper)
        self._pending.clear()
        tmp = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        os.symlink(self.slave_name, tmp)
        os.replace(tmp, self.link)

    def _close_pty(self) -> None:
        try:
            self.link.unlink()
        except FileNotFoundError:
            pass
        for name in ("_master", "_keeper"):
            fd = getattr(self, name)
            setattr(self, name, None)
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._pending.clear()

    # ------------------------------------------------------------------ forwarding loop

    def _run(self) -> None:
        device = self.device
        while not self._stop.is_set():
            if self._link_changed.is_set():
                self._link_changed.clear()
                seen = self._requested
                if self._master is not None and (not device.plugged or device.generation != self._generation):
                    self._close_pty()  # unplugged (perhaps already back: then it is a new port all the same)
                if device.plugged and self._master is None:
                    self._open_pty()
                self._handled = seen
                self._switched.set()
            master = self._master
            timeout = IDLE
            nxt = device.next_release()
            if nxt is not None:
                timeout = min(IDLE, max(GRANULE, nxt - device.clock()))
            try:
                due = device.available() if master is not None else 0
            except LinkDown:
                due = 0
            if self._pending:
                timeout = GRANULE
            elif due:
                timeout = 0
            readers = [self._wake_r] + ([master] if master is not None else [])
            writers = [master] if master is not None and self._pending else []
            try:
                ready_r, ready_w, _ = select.select(readers, writers, [], timeout)
            except (OSError, ValueError):
                continue
            if self._wake_r in ready_r:
                try:
                    os.read(self._wake_r, 4096)
                except OSError:
                    pass
            if master is None or self._master is None:
                continue
            if master in ready_r:
                self._from_host(master)
            self._to_host(master)

    def _from_host(self, master: int) -> None:
        try:
            data = os.read(master, 4096)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno == errno.EIO:
                return  # no slave open (cannot happen while the keeper is open)
            raise
        try:
            self.device.receive(data)
        except LinkDown:
            pass

    def _to_host(self, master: int) -> None:
        try:
            self._pending += self.device.read(65536)
        except LinkDown:
            return
        if not self._pending or self._master is None:
            return
        try:
            written = os.write(master, self._pending)
        except BlockingIOError:
            return
        except OSError:
            return
        del self._pending[:written]
