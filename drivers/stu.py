"""Wacom STU signature pads with a screen (STU-430/530/540), HID driven through pyusb or a framed byte stream.

URL (``station.toml`` ``url``)::

    usb://056A:00A8          a real pad through libusb (pyusb's default backend; ``usb://`` = the first STU)
    stusim://                the in-process simulated pad: a pyusb backend registered under the scheme
                             ``stusim`` (``simulators.stu``; found by ``register_usb_backend`` or the entry-point
                             group ``ektp_station.usb_backends``)
    stu+tcp://127.0.0.1:PORT the pad's HID reports framed over TCP (``ektp-sim stu --tcp``)
    stu+serial:///dev/pts/N  the same framing over a serial line or pty (``ektp-sim stu --pty``)

Options: ``timeout`` (seconds per transfer, default 2), ``backend`` (a pyusb backend object, for tests and
custom transports; any ``usb://`` URL then uses it). The report layout lives in ``drivers.protocols.stu_reports``
only. On Linux the ``usbhid`` kernel driver owns the pad: it is detached on open (needs permission on the
device node, e.g. a udev rule for 056a:00a8) and re-attached on close.

Errors: a STALL is a ``ProtocolError`` (the pad refused the report), a transfer timeout a ``DeviceTimeout``, a
vanished device (ENODEV, EIO, closed stream) ``DeviceUnavailable`` and the next call opens the pad again.
"""

from __future__ import annotations

import collections
import errno
import time
from typing import Any, Callable, Protocol
from urllib.parse import parse_qsl, urlsplit

import cv2
import numpy as np

from drivers.errors import (
    DeviceBusy,
    DeviceConfigError,
    DeviceError,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from drivers.interfaces import DeviceInfo, PenCapabilities, PenEvent, SignaturePad
from drivers.protocols import stu_reports as r
from drivers.usb_backends import backend_factory, register_usb_backend  # noqa: F401 - re-exported

class HidLink(Protocol):
    def get_feature(self, report_id: int) -> bytes: ...

    def set_feature(self, report: bytes) -> None: ...

    def read_input(self, wait: float) -> bytes | None: ...

    def close(self) -> None: ...


# ------------------------------------------------------------------------------------------------ USB link


class UsbHidLink:
    """Feature reports by control transfer, input reports from the interrupt IN endpoint."""

    def __init__(self, vid: int | None, pid: int | None, backend: Any, timeout: float):
        import usb.core

        self._usb = usb
        self.timeout_ms = max(1, int(timeout * 1000))
        try:
            if vid is None:
                candidates = usb.core.find(find_all=True, idVendor=r.VENDOR_ID, backend=backend)
                found = next((d for d in candidates if d.idProduct in r.PRODUCTS), None)
            else:
                found = usb.core.find(idVendor=vid, idProduct=pid, backend=backend)
        except usb.core.NoBackendError:
            raise DeviceNotFound("libusb tidak terpasang (pyusb tidak menemukan backend)") from None
        except usb.core.USBError as exc:
            raise self._error(exc, "mencari perangkat") from None
        if found is None:
            where = f"{vid:04X}:{pid:04X}" if vid is not None else "Wacom STU"
            raise DeviceNotFound(f"Signature pad {where} tidak ditemukan di USB")
        self.dev = found
        self.detached = False
        try:
            if found.is_kernel_driver_active(0):
                found.detach_kernel_driver(0)
                self.detached = True
        except (NotImplementedError, usb.core.USBError):
            pass

    def _error(self, exc: Exception, what: str) -> DeviceError:
        usb = self._usb
        if isinstance(exc, usb.core.USBTimeoutError):
            return DeviceTimeout(f"Signature pad tidak menjawab ({what})")
        code = getattr(exc, "errno", None)
        if code == errno.EPIPE:
            return ProtocolError(f"Signature pad menolak permintaan (STALL, {what})", code="stall")
        if code in (errno.ENODEV, errno.EIO, errno.ENOENT, errno.ESHUTDOWN):
            return DeviceUnavailable(f"Signature pad terputus ({what})")
        if code == errno.EACCES:
            return DeviceConfigError("Tidak ada izin membuka signature pad (atur udev untuk 056a)")
        return DeviceUnavailable(f"Kesalahan USB saat {what}: {exc}")

    def get_feature(self, report_id: int) -> bytes:
        try:
            data = self.dev.ctrl_transfer(r.REQ_GET, r.GET_REPORT, r.w_value(report_id), 0, r.LENGTHS[report_id],
                                          self.timeout_ms)
        except self._usb.core.USBError as exc:
            raise self._error(exc, f"membaca laporan 0x{report_id:02X}") from None
        return bytes(data)

    def set_feature(self, report: bytes) -> None:
        try:
            written = self.dev.ctrl_transfer(r.REQ_SET, r.SET_REPORT, r.w_value(report[0]), 0, report,
                                             self.timeout_ms)
        except self._usb.core.USBError as exc:
            raise self._error(exc, f"mengirim laporan 0x{report[0]:02X}") from None
        if written != len(report):
            raise ProtocolError(f"Laporan 0x{report[0]:02X} terkirim {written} dari {len(report)} bita")

    def read_input(self, wait: float) -> bytes | None:
        try:
            return bytes(self.dev.read(r.INTERRUPT_IN, 64, max(1, int(wait * 1000))))
        except self._usb.core.USBTimeoutError:
            return None
        except self._usb.core.USBError as exc:
            raise self._error(exc, "membaca data pena") from None

    def close(self) -> None:
        usb = self._usb
        try:
            usb.util.dispose_resources(self.dev)
            if self.detached:
                self.dev.attach_kernel_driver(0)
        except (usb.core.USBError, NotImplementedError):
            pass


# --------------------------------------------------------------------------------------------- stream link


class StreamHidLink:
    """The framed reports of ``stu_reports`` over a socket or serial line: one reply per request."""

    def __init__(self, url: str, timeout: float):
        self.timeout = timeout
        self.reader = r.FrameReader()
        self._frames: collections.deque[tuple[int, bytes]] = collections.deque()
        parts = urlsplit(url)
        self.sock = self.port = None
        if parts.scheme == "stu+tcp":
            import socket

            try:
                self.sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                raise DeviceNotFound(f"Signature pad {parts.netloc} tidak dapat dihubungi ({exc.strerror})") from None
        else:
            import serial

            try:
                self.port = serial.serial_for_url(parts.path, timeout=0.05, exclusive=True)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise DeviceNotFound(f"Port signature pad {parts.path} tidak dapat dibuka ({exc})") from None

    def _write(self, data: bytes) -> None:
        try:
            if self.sock is not None:
                self.sock.sendall(data)
            else:
                self.port.write(data)
        except OSError:
            raise DeviceUnavailable("Sambungan signature pad terputus saat mengirim") from None

    def _read_some(self, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeviceTimeout("Signature pad tidak menjawab")
        try:
            if self.sock is not None:
                self.sock.settimeout(left)
                data = self.sock.recv(4096)
                if not data:
                    raise DeviceUnavailable("Signature pad menutup sambungan")
                return data
            self.port.timeout = min(left, 0.05)
            data = self.port.read(1)  # returns at the first byte (or the timeout), then what else arrived
            waiting = self.port.in_waiting
            return data + (self.port.read(waiting) if data and waiting else b"")
        except (TimeoutError, OSError) as exc:  # pyserial's SerialException is an OSError
            if isinstance(exc, TimeoutError) or "timed out" in str(exc):
                raise DeviceTimeout("Signature pad tidak menjawab") from None
            raise DeviceUnavailable(f"Sambungan signature pad terputus ({exc})") from None

    def _next_frame(self, deadline: float) -> tuple[int, bytes]:
        while not self._frames:
            self._frames.extend(self.reader.feed(self._read_some(deadline)))
        return self._frames.popleft()

    def _exchange(self, kind: int, payload: bytes, wait: float = 0.0) -> tuple[int, bytes]:
        self._write(r.frame(kind, payload))
        return self._next_frame(time.monotonic() + self.timeout + wait)

    def set_many(self, reports: list[bytes], window: int = 32) -> None:
        """Pipelined SET requests (an image upload is thousands of reports): ``window`` in flight."""
        for start in range(0, len(reports), window):
            batch = reports[start : start + window]
            self._write(b"".join(r.frame(r.K_SET, report) for report in batch))
            deadline = time.monotonic() + self.timeout
            for report in batch:
                kind, _ = self._next_frame(deadline)
                if kind == r.K_STALL:
                    raise ProtocolError(f"Signature pad menolak laporan 0x{report[0]:02X} (STALL)", code="stall")
                if kind != r.K_ACK:
                    raise ProtocolError(f"Jawaban bingkai tak terduga 0x{kind:02X}")

    def get_feature(self, report_id: int) -> bytes:
        kind, payload = self._exchange(r.K_GET, bytes([report_id]) + r.LENGTHS[report_id].to_bytes(2, "little"))
        if kind == r.K_STALL:
            raise ProtocolError(f"Signature pad menolak laporan 0x{report_id:02X} (STALL)", code="stall")
        if kind != r.K_REPORT:
            raise ProtocolError(f"Jawaban bingkai tak terduga 0x{kind:02X}")
        return payload

    def set_feature(self, report: bytes) -> None:
        kind, _ = self._exchange(r.K_SET, report)
        if kind == r.K_STALL:
            raise ProtocolError(f"Signature pad menolak laporan 0x{report[0]:02X} (STALL)", code="stall")
        if kind != r.K_ACK:
            raise ProtocolError(f"Jawaban bingkai tak terduga 0x{kind:02X}")

    def read_input(self, wait: float) -> bytes | None:
        kind, payload = self._exchange(r.K_READ, int(wait * 1000).to_bytes(2, "little"), wait)
        if kind == r.K_NONE:
            return None
        if kind != r.K_INPUT:
            raise ProtocolError(f"Jawaban bingkai tak terduga 0x{kind:02X}")
        return payload

    def close(self) -> None:
        try:
            if self.sock is not None:
                self.sock.close()
            if self.port is not None:
                self.port.close()
        except OSError:
            pass


# ------------------------------------------------------------------------------------------------ the driver


class StuPad(SignaturePad):
    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        parts = urlsplit(url)
        try:
            query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
        except ValueError:
            raise DeviceConfigError(f"Opsi pada URL {url!r} tidak dapat dibaca") from None
        settings = {**options, **query}
        self.backend = settings.pop("backend", None)
        try:
            self.timeout = float(settings.pop("timeout", 2.0))
            if not 0 < self.timeout <= 60:
                raise ValueError
        except (TypeError, ValueError):
            raise DeviceConfigError("Opsi timeout harus 0..60 detik") from None
        self.scheme = parts.scheme
        self.vid = self.pid = None
        if self.scheme == "usb":
            ident = parts.netloc
            if ident:
                try:
                    vid, _, pid = ident.partition(":")
                    self.vid, self.pid = int(vid, 16), int(pid, 16)
                except ValueError:
                    raise DeviceConfigError(f"URL USB harus usb://VID:PID (heksadesimal), bukan {url!r}") from None
        elif self.scheme in ("stu+tcp", "stu+serial"):
            pass
        elif backend_factory(self.scheme) is None:
            raise DeviceConfigError(f"URL signature pad STU tidak dikenal: {url!r} (usb://056A:00A8, stusim://, "
                                    "stu+tcp://HOST:PORT, stu+serial:///dev/...)")
        self.extra_settings = settings
        self.link: HidLink | None = None
        self.is_open = False
        self.cap: r.Capability | None = None
        self.information: r.Information | None = None
        self.serial = ""

    # ------------------------------------------------------------------ life cycle

    def _connect(self) -> None:
        if self.scheme in ("stu+tcp", "stu+serial"):
            link: HidLink = StreamHidLink(self.url, self.timeout)
        elif self.scheme == "usb":
            link = UsbHidLink(self.vid, self.pid, self.backend, self.timeout)
        else:
            factory = backend_factory(self.scheme)
            assert factory is not None
            link = UsbHidLink(None, None, factory(self.url), self.timeout)
        try:
            self.cap = r.Capability.decode(link.get_feature(r.CAPABILITY))
            self.information = r.Information.decode(link.get_feature(r.INFORMATION))
            try:
                self.serial = r.decode_eserial(link.get_feature(r.ESERIAL))
            except ProtocolError:
                self.serial = ""
        except BaseException:
            link.close()
            raise
        self.link = link

    def open(self) -> None:
        self._connect()
        self.is_open = True

    def close(self) -> None:
        self.is_open = False
        link, self.link = self.link, None
        if link is not None:
            try:
                link.set_feature(r.simple(r.INKING_MODE, 0))
            except DeviceError:
                pass
            link.close()

    def info(self) -> DeviceInfo:
        info = self.information
        return DeviceInfo(kind=self.kind, driver="stu", model=f"Wacom {info.model}" if info else "Wacom STU",
                          serial=self.serial, firmware=f"{info.firmware[0]}.{info.firmware[1]}" if info else "",
                          url=self.url, extra={"screen": [self.cap.screen_width, self.cap.screen_height]
                                               if self.cap else None, "colour": bool(self.cap and self.cap.colour)})

    def _link(self) -> HidLink:
        if not self.is_open:
            raise DeviceUnavailable("Signature pad belum dibuka atau sudah ditutup")
        if self.link is None:  # re-plugged: open the pad again
            self._connect()
        assert self.link is not None
        return self.link

    def _guard(self, fn: Callable[[HidLink], Any]) -> Any:
        link = self._link()
        try:
            return fn(link)
        except DeviceUnavailable:
            self.link = None
            link.close()
            raise

    def capabilities(self) -> PenCapabilities:
        if self.cap is None:
            self._link()
        cap = self.cap
        assert cap is not None
        return PenCapabilities(max_x=cap.max_x, max_y=cap.max_y, max_pressure=cap.max_pressure, has_screen=True,
                               screen_width=cap.screen_width, screen_height=cap.screen_height)

    # ------------------------------------------------------------------ screen

    def _wait_ready(self, link: HidLink, deadline: float) -> r.Status:
        while True:
            status = r.Status.decode(link.get_feature(r.STATUS))
            if status.code == r.STATUS_READY:
                return status
            if time.monotonic() >= deadline:
                raise DeviceBusy(f"Signature pad sibuk (status {status.code})", code=str(status.code))
            time.sleep(0.02)

    def show(self, image: np.ndarray, timeout: float = 10.0) -> None:
        if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.size == 0:
            raise DeviceConfigError("Gambar untuk layar signature pad harus array HxW atau HxWx3")
        cap = self.capabilities()
        fitted = _fit(image, cap.screen_width, cap.screen_height)
        encoding, pixels = r.image_bytes(fitted, cap.screen_width, cap.screen_height, bool(self.cap and self.cap.colour))
        reports = r.image_reports(encoding, pixels)
        deadline = time.monotonic() + timeout

        def upload(link: HidLink) -> None:
            self._wait_ready(link, deadline)
            if isinstance(link, StreamHidLink):
                link.set_many(reports)
            else:
                for report in reports:
                    if time.monotonic() > deadline:
                        raise DeviceTimeout(f"Pengiriman gambar ke signature pad melebihi {timeout:g} detik")
                    link.set_feature(report)
            status = self._wait_ready(link, deadline)
            if status.last_result != r.RESULT_NONE:
                text = r.RESULT_TEXT.get(status.last_result, f"kode {status.last_result}")
                raise ProtocolError(f"Signature pad menolak gambar ({text})", code=str(status.last_result))

        self._guard(upload)

    # ------------------------------------------------------------------ pen

    def capture(self, timeout: float = 30.0, idle: float = 1.5) -> list[PenEvent]:
        """Pen samples from the first touch until the pen has been off the glass for ``idle`` seconds; an
        empty list when nobody touched the pad within ``timeout``."""
        deadline = time.monotonic() + timeout

        def run(link: HidLink) -> list[PenEvent]:
            try:
                link.set_feature(r.simple(r.WRITING_MODE, 1))
            except ProtocolError:  # STU-430: no timed pen data
                pass
            while link.read_input(0.001) is not None:  # stale reports from before this capture
                if time.monotonic() > deadline:
                    break
            link.set_feature(r.simple(r.INKING_MODE, 1))
            events: list[PenEvent] = []
            last_touch: float | None = None
            clock: tuple[float, int] | None = None  # (host time, device ms) of the first timed report
            wraps = 0
            previous_ms = None
            try:
                while True:
                    now = time.monotonic()
                    if now >= deadline:
                        return events
                    data = link.read_input(max(0.001, min(0.1, deadline - now)))
                    if data is None:  # nothing pending: has the pen been away long enough?
                        if last_touch is not None and time.monotonic() - last_touch >= idle:
                            return events
                        continue
                    pen = r.PenReport.decode(data)
                    host = time.monotonic()
                    t = host
                    if pen.time_ms is not None:
                        if previous_ms is not None and pen.time_ms < previous_ms:
                            wraps += 1
                        previous_ms = pen.time_ms
                        ms = pen.time_ms + wraps * 65536
                        if clock is None:
                            clock = (host, ms)
                        t = clock[0] + (ms - clock[1]) / 1000.0
                    if pen.touching and pen.pressure > 0:
                        last_touch = host
                    if last_touch is None:
                        continue  # hovering before the first touch
                    events.append(PenEvent(t, min(pen.x, self.cap.max_x), min(pen.y, self.cap.max_y),
                                           min(pen.pressure, self.cap.max_pressure), pen.touching and pen.pressure > 0))
            finally:
                try:
                    link.set_feature(r.simple(r.INKING_MODE, 0))
                except DeviceError:
                    pass

        return self._guard(run)


def _fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale into the screen keeping the aspect, centred on white."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    if resized.ndim == 2:
        resized = cv2.cvtColor(resized, cv2.COLOR_GRAY2BGR)
    canvas = np.full((height, width, 3), 255, np.uint8)
    x, y = (width - size[0]) // 2, (height - size[1]) // 2
    canvas[y : y + size[1], x : x + size[0]] = resized[..., :3]
    return canvas
