"""Byte-stream transports opened from a URL, with deadlines and typed errors.

Every serial driver (ZFM, ISDV4, Alpha board, ESC/POS over serial) talks through :class:`SerialLink`, which
opens its port with pyserial's ``serial_for_url``. So the one ``url`` line of ``station.toml`` picks the wire:

* ``/dev/ttyUSB0`` or ``/dev/serial/by-id/...``: a real serial port (or a pty of ``ektp-sim DEVICE --pty``);
* ``socket://host:port``: a serial-to-Ethernet server, or ``ektp-sim DEVICE --tcp``;
* ``rfc2217://host:port``: an RFC 2217 server (the host's baud rate reaches the far end);
* any scheme of a package named in the entry-point group ``ektp_station.serial_url_handlers``, e.g. the
  simulators' in-process ``ektpsim://zfm`` (pyserial's ``protocol_handler_packages`` mechanism: a package
  named there provides a module ``protocol_<scheme>`` with a ``Serial`` class).

The driver-level query key ``baud`` (``/dev/ttyUSB0?baud=9600``, ``socket://host:4000?baud=57600``) is taken
off the URL before pyserial sees it (pyserial's handlers reject keys they do not know); it wins over the
driver's ``baud`` option.

Reads use one fixed short pyserial timeout (``POLL``) and loop until the caller's deadline, so no call ever
blocks longer than its deadline plus ``POLL`` and the port is never reconfigured per read (changing
``timeout`` reconfigures a posix port and renegotiates an RFC 2217 one).

Errors: a port that cannot be opened -> ``DeviceNotFound``; a port that fails while in use (unplugged, pty or
socket closed) -> ``DeviceUnavailable`` and the link is marked lost (:attr:`SerialLink.lost`), so the driver
can re-open it on its next call; a write that cannot finish in time -> ``DeviceTimeout``; a malformed URL ->
``DeviceConfigError``.
"""

from __future__ import annotations

import math
import threading
import time
from importlib.metadata import entry_points
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import serial

try:  # posix ports raise termios.error (not an OSError) when the tty hung up, e.g. in tcflush
    from termios import error as _TermiosError
except ImportError:  # pragma: no cover - not posix
    class _TermiosError(Exception):  # type: ignore[no-redef]
        pass

from drivers.errors import DeviceConfigError, DeviceNotFound, DeviceTimeout, DeviceUnavailable

GROUP = "ektp_station.serial_url_handlers"
#: Query keys the drivers read themselves (removed before pyserial parses the URL).
DRIVER_KEYS = ("baud",)
#: pyserial read timeout: the granularity of every deadline.
POLL = 0.02

#: What a pyserial port raises when the device behind it went away.
_PORT_ERRORS = (serial.SerialException, OSError, _TermiosError)

_register_lock = threading.Lock()
_registered: list[str] | None = None


def register_url_handlers() -> list[str]:
    """Append every package of the ``ektp_station.serial_url_handlers`` group to pyserial's handler list.

    Idempotent; returns the packages that were added (or found already there) in entry-point order.
    """
    global _registered
    with _register_lock:
        if _registered is None:
            packages = []
            for ep in entry_points(group=GROUP):
                package = ep.value.split(":", 1)[0].strip()
                if package and package not in serial.protocol_handler_packages:
                    serial.protocol_handler_packages.append(package)
                packages.append(package)
            _registered = packages
        return list(_registered)


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """``(port URL for pyserial, driver keys)``: ``"/dev/ttyUSB0?baud=9600"`` -> ``("/dev/ttyUSB0", {"baud": "9600"})``.

    A URL without driver keys comes back unchanged.
    """
    if not isinstance(url, str) or not url.strip():
        raise DeviceConfigError(f"URL port serial kosong atau tidak valid: {url!r}")
    url = url.strip()
    if "://" not in url:
        path, sep, query = url.partition("?")
        if not sep:
            return url, {}
        pairs = _query_pairs(query, url)
        ours = {k: v for k, v in pairs if k in DRIVER_KEYS}
        rest = [(k, v) for k, v in pairs if k not in DRIVER_KEYS]
        if rest:
            raise DeviceConfigError(
                f"Opsi tidak dikenal pada port {url!r}: {', '.join(k for k, _ in rest)} (yang dikenal: baud)"
            )
        return path, ours
    parts = urlsplit(url)
    if not parts.query:
        return url, {}
    pairs = _query_pairs(parts.query, url)
    ours = {k: v for k, v in pairs if k in DRIVER_KEYS}
    if not ours:
        return url, {}
    rest = [(k, v) for k, v in pairs if k not in DRIVER_KEYS]
    return urlunsplit(parts._replace(query=urlencode(rest))), ours


def _query_pairs(query: str, url: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise DeviceConfigError(f"Opsi pada URL {url!r} tidak dapat dibaca") from None


def positive_number(value: Any, name: str, *, integer: bool = False, allow_zero: bool = False) -> float | int:
    """Validate a numeric driver option (station.toml values arrive as int/float, URL values as text)."""
    try:
        if isinstance(value, bool):
            raise ValueError
        if integer and isinstance(value, str):
            text = value.strip().lower()
            number = int(text, 16) if text.startswith("0x") else int(text)
        else:
            number = int(value) if integer else float(value)
        if integer and isinstance(value, float) and not value.is_integer():
            raise ValueError
    except (TypeError, ValueError):
        raise DeviceConfigError(f"Opsi {name} harus berupa angka{' bulat' if integer else ''}, bukan {value!r}") from None
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        rule = "tidak boleh negatif" if allow_zero else "harus lebih besar dari 0"
        raise DeviceConfigError(f"Opsi {name} {rule}, bukan {value!r}")
    return number


class SerialLink:
    """One serial port opened from a URL, used by one driver.

    ``label`` names the device in messages (Bahasa Indonesia, e.g. ``"Pemindai sidik jari ZFM"``).
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int,
        label: str,
        write_timeout: float = 2.0,
        **serial_options: Any,
    ):
        self.url, keys = split_url(url)
        self.baudrate = int(positive_number(keys.get("baud", baudrate), "baud", integer=True))
        self.label = label
        self.write_timeout = write_timeout
        self.serial_options = serial_options
        self._port: serial.SerialBase | None = None
        self.lost = False

    # ------------------------------------------------------------------ life cycle

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        """Open the port; ``DeviceNotFound`` when nothing answers at the URL, ``DeviceConfigError`` when it is malformed."""
        self.close()
        register_url_handlers()
        try:
            # pyserial's RFC 2217 client has no write timeout (and refuses one).
            write_timeout = None if self.url.lower().startswith("rfc2217://") else self.write_timeout
            try:
                port = self._open_port(write_timeout)
            except NotImplementedError:  # another handler without write timeouts
                port = self._open_port(None)
        except ValueError as exc:
            raise DeviceConfigError(f"{self.label}: URL port {self.url!r} tidak valid ({exc})") from exc
        except _PORT_ERRORS as exc:
            raise DeviceNotFound(f"{self.label} tidak ditemukan di {self.url} ({_reason(exc)})") from exc
        self._port = port
        self.lost = False

    def _open_port(self, write_timeout: float | None) -> serial.SerialBase:
        port = serial.serial_for_url(
            self.url,
            baudrate=self.baudrate,
            timeout=POLL,
            write_timeout=write_timeout,
            do_not_open=True,
            **self.serial_options,
        )
        try:
            port.open()
        except NotImplementedError:
            port.close()
            raise
        return port

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:  # noqa: BLE001 - closing a dead port may fail in any way; it is gone either way
                pass

    def reopen(self) -> None:
        """Re-open after the link was lost (``DeviceNotFound`` becomes ``DeviceUnavailable``: it was there)."""
        try:
            self.open()
        except DeviceNotFound as exc:
            self.lost = True
            raise DeviceUnavailable(exc.message, code="unplugged") from exc

    def _require(self) -> serial.SerialBase:
        if self._port is None:
            if self.lost:
                raise DeviceUnavailable(f"{self.label} terputus; sambungkan kembali", code="unplugged")
            raise DeviceUnavailable(f"{self.label} belum dibuka atau sudah ditutup", code="closed")
        return self._port

    def _lose(self, exc: BaseException) -> DeviceUnavailable:
        self.close()
        self.lost = True
        return DeviceUnavailable(f"{self.label} terputus ({_reason(exc)})", code="unplugged")

    # ------------------------------------------------------------------ I/O

    def write(self, data: bytes) -> None:
        port = self._require()
        try:
            port.write(data)
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout(
                f"{self.label} tidak menerima data dalam {self.write_timeout:g} detik", code="write_timeout"
            ) from exc
        except _PORT_ERRORS as exc:
            raise self._lose(exc) from exc

    def read(self, size: int, deadline: float) -> bytes:
        """Up to ``size`` bytes: returns as soon as ``size`` arrived, else what came until ``deadline``."""
        port = self._require()
        out = bytearray()
        try:
            while len(out) < size:
                chunk = port.read(size - len(out))
                if chunk:
                    out += chunk
                elif time.monotonic() >= deadline:
                    break
        except _PORT_ERRORS as exc:
            raise self._lose(exc) from exc
        return bytes(out)

    def read_available(self, limit: int = 65536) -> bytes:
        """What has already arrived (waits at most ``POLL`` when nothing has)."""
        port = self._require()
        try:
            waiting = port.in_waiting
            return port.read(max(1, min(limit, waiting)))
        except _PORT_ERRORS as exc:
            raise self._lose(exc) from exc

    def flush_input(self) -> None:
        """Drop whatever arrived and was not read (late answers, garbage)."""
        port = self._require()
        try:
            port.reset_input_buffer()
        except _PORT_ERRORS as exc:
            raise self._lose(exc) from exc


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
