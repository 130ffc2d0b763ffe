"""pyserial URL handler ``ektpsim://``: a serial port wired to a simulator in the same process.

URL: ``ektpsim://DEVICE[/INSTANCE][?setting=value&...]``, for example ``ektpsim://zfm``,
``ektpsim://isdv4/desk2?pace=4``, ``ektpsim://zfm?scenario=/path/faults.toml&throttle=57600``.

* ``DEVICE``: ``zfm``, ``isdv4``, ``printer`` or ``ledboard`` (see :data:`simulators.wire.DEVICES`);
* ``INSTANCE``: several ports with the same URL reach one simulator (its template library, its fault counts,
  whether it is unplugged), as one physical device would be re-opened after an error. A new URL (another
  instance name or other settings) makes a new simulator;
* settings: ``scenario`` (a scenario file) and the device's settings (common ones: ``seed``, ``throttle``,
  ``deaf``, ``cold``; see each simulator).

No OS resource is used: bytes move through the simulator object under its lock. The port behaves like a
posix one: ``read`` honours ``timeout``, ``in_waiting`` counts the bytes due, ``reset_input_buffer`` drops them,
opening discards what was due before. When the simulator's link drops (fault ``unplug``, ``replug``,
:meth:`WireDevice.unplug`), reads and writes raise ``SerialException`` until the port is closed and opened again
after the device came back; opening an unplugged device raises ``SerialException`` as a missing tty would.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from serial.serialutil import PortNotOpenError, SerialBase, SerialException, Timeout

from simulators.scenario import ScenarioError
from simulators.wire import canonical_name, create_device
from simulators.wire.device import LinkDown, WireDevice

SCHEME = "ektpsim"

_lock = threading.Lock()
_instances: dict[str, WireDevice] = {}


def parse_url(url: str) -> tuple[str, str, str | None, dict[str, str]]:
    """``(key, device name, scenario path, settings)`` of an ``ektpsim://`` URL; ``ValueError`` when malformed."""
    parts = urlsplit(url)
    if parts.scheme.lower() != SCHEME:
        raise ValueError(f"expected a URL of the form {SCHEME}://DEVICE, got {url!r}")
    name = canonical_name(parts.netloc or "")
    instance = parts.path.strip("/") or "default"
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise ValueError(f"cannot parse the settings of {url!r}") from None
    settings = dict(pairs)
    scenario = settings.pop("scenario", None) or None
    key = f"{name}/{instance}?{'&'.join(f'{k}={v}' for k, v in sorted(pairs))}"
    return key, name, scenario, settings


def device_for(url: str) -> WireDevice:
    """The simulator behind ``url`` (created on first use, then shared by every port with that URL)."""
    key, name, scenario, settings = parse_url(url)
    with _lock:
        device = _instances.get(key)
        if device is None:
            try:
                device = create_device(name, scenario, **settings)
            except ScenarioError as exc:
                raise ValueError(str(exc)) from None
            _instances[key] = device
        return device


def register(url: str, device: WireDevice) -> None:
    """Put an already made simulator behind ``url`` (for tests and tools that build it themselves)."""
    key = parse_url(url)[0]
    with _lock:
        if key in _instances:
            raise ValueError(f"{url!r} already has a simulator")
        _instances[key] = device


def forget(url: str | None = None) -> None:
    """Drop the simulator of ``url`` (all of them with ``None``), e.g. between tests."""
    with _lock:
        keys = list(_instances) if url is None else [parse_url(url)[0]]
        for key in keys:
            device = _instances.pop(key, None)
            if device is not None:
                device.close()


class Serial(SerialBase):
    """The pyserial port class of the ``ektpsim://`` scheme."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.device: WireDevice | None = None
        self._generation: int | None = None
        super().__init__(*args, **kwargs)

    # ------------------------------------------------------------------ life cycle

    def open(self) -> None:
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        if self.is_open:
            raise SerialException("Port is already open.")
        device = self.from_url(self.portstr)
        with device._lock:
            if not device.plugged or device.closed:
                raise SerialException(f"could not open port {self.portstr}: device not connected")
            self._generation = device.generation
        self.device = device
        self.is_open = True
        self._reconfigure_port()
        self.reset_input_buffer()  # as pyserial's posix ports do on open

    def from_url(self, url: str) -> WireDevice:
        """The simulator behind ``url``; ``ValueError`` for a malformed URL or a bad setting (a configuration
        error, not a missing device)."""
        return device_for(url)

    def close(self) -> None:
        self.is_open = False
        self.device = None
        self._generation = None

    def _reconfigure_port(self) -> None:
        """Line settings do not matter in process (the simulator has its own ``throttle``)."""

    def _device(self) -> WireDevice:
        if not self.is_open or self.device is None:
            raise PortNotOpenError()
        return self.device

    def _link(self, action):
        try:
            return action()
        except LinkDown as exc:
            raise SerialException(f"{self.portstr}: device disconnected ({exc})") from None

    # ------------------------------------------------------------------ I/O

    @property
    def in_waiting(self) -> int:
        device = self._device()
        return self._link(lambda: device.available(self._generation))

    def read(self, size: int = 1) -> bytes:
        device = self._device()
        out = bytearray()
        timeout = Timeout(self._timeout)
        while len(out) < size:
            out += self._link(lambda: device.read(size - len(out), self._generation))
            if len(out) >= size or timeout.expired():
                break
            wait = 0.5 if timeout.is_infinite else timeout.time_left()
            self._link(lambda: device._check_link(self._generation))
            device.wait(wait, self._generation)
        return bytes(out)

    def write(self, data: bytes) -> int:
        device = self._device()
        payload = bytes(memoryview(data))
        self._link(lambda: device.receive(payload, self._generation))
        return len(payload)

    def flush(self) -> None:
        self._device()

    def reset_input_buffer(self) -> None:
        device = self._device()
        self._link(lambda: device.discard_released(self._generation))

    def reset_output_buffer(self) -> None:
        self._device()

    def send_break(self, duration: float = 0.25) -> None:
        self._device()
        time.sleep(duration)

    def _update_break_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return True
