"""What the pty and TCP servers share: acting on a device's unplug/re-plug from their forwarding thread.

The device calls ``_on_link`` from any thread; the server's forwarding thread (woken through its wake pipe) closes
or reopens the host side and counts the request handled. A re-plug asked from another thread returns once the
forwarding thread has acted on it, so the host can open the port again straight away.
"""

from __future__ import annotations

import os
import threading
import time


class LinkFollower:
    """Mixin; the server sets ``_ticket_lock``, ``_requested``, ``_handled``, ``_switched``, ``_link_changed``,
    ``_stop``, ``_thread`` and ``_wake_w`` in its constructor."""

    def _on_link(self, plugged: bool) -> None:
        with self._ticket_lock:
            self._requested += 1
            ticket = self._requested
        self._switched.clear()
        self._link_changed.set()
        self._wake()
        if plugged and self._thread is not None and threading.current_thread() is not self._thread:
            deadline = time.monotonic() + 2.0
            while self._handled < ticket and time.monotonic() < deadline and not self._stop.is_set():
                self._switched.wait(0.01)
                self._switched.clear()

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass
