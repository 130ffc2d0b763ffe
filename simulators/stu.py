"""A simulated Wacom STU-540 signature pad: the HID reports of ``drivers.protocols.stu_reports``, reachable as a
pyusb backend (in process: real control and interrupt transfers through pyusb), over TCP and over a pty (the
framed reports of the same module).

    backend = StuBackend()                       # pyusb backend with one pad 056A:00A8
    StuPad("usb://056A:00A8", backend=backend)   # or StuPad("stusim://") (registered scheme)
    backend.pad.scenario({"kind": "unplug", "operation": "upload"})

The pad (``StuPadModel``) keeps what was shown on its screen (``shown``, ``shown_count``) and, each time the
host switches inking on, lets the applicant (the scenario's ``[applicant]``, default seed 1) sign: the pen
samples of ``simulators.models.signature`` scaled to the pad, as 0x34 timed reports (0x01 in writing mode 0),
paced by ``pace`` (1.0 = real time, 0 = as fast as the host reads; default 0 in process, 1 for ``serve_cli``).

Faults (``simulators.scenario``); operations: ``query`` (capability, information, serial), ``status``,
``upload`` (an image upload, asked at its start report), ``capture`` (inking switched on), ``set`` (other
feature reports):

- ``error_code``: the request is STALLed (USB pipe error / framed STALL);
- ``no_answer``: the transfer times out (no reply frame); ``slow``: it is answered after ``seconds``;
- ``garbage``: a report of random bytes (capture: a pen report with an unknown id); ``truncated``: half a report;
- ``bad_checksum``: upload: the pad reports a CRC error at the end; framed: the reply frame's CRC is corrupted;
- ``busy``: the status report says "image" (busy) for that query;
- ``unplug``: the pad disappears (USB ENODEV; TCP connection closed; pty silent) after ``after_bytes`` image
  bytes of an upload (default half) or at once, for ``seconds`` (default until ``replug``); ``replug``: back;
- ``low_quality``: a hurried scribble; ``no_finger``: nobody signs.

``serve_cli(mode, scenario, host, port)`` (``ektp-sim stu --tcp|--pty``) prints ``{"device": "stu", "host",
"port"}`` (TCP) or ``{"device": "stu", "port": "/dev/pts/N"}`` (pty) and one JSON line per event; JSON lines on
its standard input script it live (``simulators.stdin_control``).
"""

from __future__ import annotations

import array
import collections
import json
import math
import os
import select
import socket
import sys
import threading
import time
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from drivers.interfaces import Subject
from drivers.protocols import stu_reports as r
from drivers.usb_backends import register_usb_backend
from simulators import sim_person, stdin_control
from simulators.models import signature
from simulators.models.seeding import rng
from simulators.scenario import Fault, Scenario
from simulators.usb_sim import SimulatedUsbBackend, descriptor

SCREEN = (800, 480)
CAPABILITY = r.Capability(max_x=9600, max_y=6000, max_pressure=1023, screen_width=SCREEN[0], screen_height=SCREEN[1])
INFORMATION = r.Information("STU-540", (1, 2))
SERIAL = "SIMSTU0001"
STRINGS = {1: "Wacom Co.,Ltd.", 2: "STU-540", 3: SERIAL}


class Stall(Exception):
    """The pad refuses the request (USB STALL)."""


class NoReply(Exception):
    """The pad does not answer this request."""


class Gone(Exception):
    """The pad is unplugged."""


class StuPadModel:
    def __init__(self, scenario: Scenario | None = None, subject: Subject | None = None, pace: float = 0.0,
                 on_event: Callable[[dict[str, Any]], None] | None = None):
        self.scenario_obj = scenario or Scenario.healthy()
        self.subject = subject or sim_person.subject_of(self.scenario_obj)
        self.pace = pace
        self.events: list[dict[str, Any]] = []
        self._on_event = on_event
        self._lock = threading.RLock()
        self.writing_mode = 0
        self.inking = False
        self.pending: collections.deque[tuple[float, bytes]] = collections.deque()
        self.signatures = 0
        self.shown: np.ndarray | None = None
        self.shown_count = 0
        self.unplugged_until = 0.0
        self.last_result = r.RESULT_NONE
        self._upload: dict[str, Any] | None = None
        self._frame_fault: Fault | None = None

    # ------------------------------------------------------------------ control

    def emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if self._on_event is not None:
            self._on_event(event)

    def scenario(self, value: Any) -> None:
        scenario = sim_person.as_scenario(value)
        with self._lock:
            if scenario.applicant:
                self.subject = sim_person.subject_of(scenario)
                self.pace = float(scenario.applicant.get("pace", self.pace))
            self.scenario_obj = scenario

    @property
    def unplugged(self) -> bool:
        return time.monotonic() < self.unplugged_until

    def unplug(self, seconds: float = math.inf) -> None:
        self.unplugged_until = time.monotonic() + seconds
        self.pending.clear()
        self._upload = None
        self.emit({"event": "unplug", "seconds": None if math.isinf(seconds) else seconds})

    def replug(self) -> None:
        self.unplugged_until = 0.0
        self.inking = False
        self.emit({"event": "replug"})

    def _fault(self, operation: str) -> Fault | None:
        fault = self.scenario_obj.fault_for(operation, None)
        if fault is not None:
            if fault.kind == "replug":
                self.replug()
                return None
            self.emit({"event": "fault", "operation": operation, "kind": fault.kind})
        return fault

    def _common(self, fault: Fault | None) -> None:
        if self.unplugged:
            raise Gone()
        if fault is None:
            return
        if fault.kind == "error_code":
            raise Stall()
        if fault.kind == "no_answer":
            raise NoReply()
        if fault.kind == "slow":
            time.sleep(float(fault.param("seconds", 1.0)))
        if fault.kind == "unplug" and fault.operation != "upload":
            self.unplug(float(fault.param("seconds", math.inf)))
            raise Gone()
        if fault.kind == "bad_checksum":
            self._frame_fault = fault

    # ------------------------------------------------------------------ HID reports

    def get_feature(self, report_id: int) -> bytes:
        with self._lock:
            operation = "status" if report_id == r.STATUS else "query"
            fault = self._fault(operation) if report_id in (r.STATUS, r.CAPABILITY, r.INFORMATION, r.ESERIAL) else None
            self._common(fault)
            if report_id == r.CAPABILITY:
                data = CAPABILITY.encode()
            elif report_id == r.INFORMATION:
                data = INFORMATION.encode()
            elif report_id == r.ESERIAL:
                data = r.encode_eserial(SERIAL)
            elif report_id == r.STATUS:
                busy = fault is not None and fault.kind == "busy"
                code = r.STATUS_IMAGE if busy or self._upload is not None else r.STATUS_READY
                data = r.Status(code, self.last_result).encode()
            elif report_id == r.WRITING_MODE:
                data = r.simple(r.WRITING_MODE, self.writing_mode)
            elif report_id == r.INKING_MODE:
                data = r.simple(r.INKING_MODE, int(self.inking))
            else:
                raise Stall()
            if fault is not None and fault.kind == "garbage":
                data = bytes([0x77]) + rng(report_id, "stu-garbage").integers(0, 256, len(data) - 1, dtype="uint8").tobytes()
            if fault is not None and fault.kind == "truncated":
                data = data[: len(data) // 2]
            return data

    def set_feature(self, report: bytes) -> None:
        with self._lock:
            if not report:
                raise Stall()
            rid = report[0]
            if rid == r.START_IMAGE:
                fault = self._fault("upload")
            elif rid == r.INKING_MODE and len(report) > 1 and report[1] == 1:
                fault = self._fault("capture")
            elif rid in (r.IMAGE_DATA, r.END_IMAGE):
                fault = None
            else:
                fault = self._fault("set")
            if fault is None or fault.kind != "unplug" or rid != r.START_IMAGE:
                self._common(fault)
            if len(report) < r.LENGTHS.get(rid, 2):
                self.last_result = r.RESULT_BAD_PARAMETER
                raise Stall()
            if rid == r.WRITING_MODE:
                if report[1] not in (0, 1):
                    raise Stall()
                self.writing_mode = report[1]
            elif rid == r.CLEAR_SCREEN:
                self.shown = np.full((SCREEN[1], SCREEN[0], 3), 255, np.uint8)
            elif rid == r.INKING_MODE:
                on = report[1] == 1
                if on and not self.inking:
                    self._sign(fault)
                self.inking = on
            elif rid == r.START_IMAGE:
                if report[1] not in (r.ENCODING_24BIT, r.ENCODING_1BIT):
                    self.last_result = r.RESULT_BAD_PARAMETER
                    raise Stall()
                self.last_result = r.RESULT_NONE
                self._upload = {"encoding": report[1], "data": bytearray(), "fault": fault}
            elif rid == r.IMAGE_DATA:
                self._image_data(report)
            elif rid == r.END_IMAGE:
                self._end_image()
            elif rid == r.WRITING_AREA:
                pass
            else:
                raise Stall()

    def _image_data(self, report: bytes) -> None:
        upload = self._upload
        if upload is None:
            self.last_result = r.RESULT_WRONG_STATE
            raise Stall()
        upload["data"] += r.image_chunk(report)
        fault = upload["fault"]
        if fault is not None and fault.kind == "unplug":
            size = SCREEN[0] * SCREEN[1] * 3
            if len(upload["data"]) >= int(fault.param("after_bytes", size // 2)):
                self.unplug(float(fault.param("seconds", math.inf)))
                raise Gone()

    def _end_image(self) -> None:
        upload, self._upload = self._upload, None
        if upload is None:
            self.last_result = r.RESULT_WRONG_STATE
            raise Stall()
        w, h = SCREEN
        data = bytes(upload["data"])
        fault = upload["fault"]
        if fault is not None and fault.kind == "bad_checksum":
            self.last_result = r.RESULT_CRC
        elif upload["encoding"] == r.ENCODING_24BIT and len(data) == w * h * 3:
            self.shown = np.frombuffer(data, np.uint8).reshape(h, w, 3).copy()
        elif upload["encoding"] == r.ENCODING_1BIT and len(data) == (w + 7) // 8 * h:
            bits = np.unpackbits(np.frombuffer(data, np.uint8).reshape(h, -1), axis=1)[:, :w]
            self.shown = np.where(bits[..., None] == 1, 0, 255).astype(np.uint8).repeat(3, axis=2)
        else:
            self.last_result = r.RESULT_BAD_PARAMETER
        if self.last_result == r.RESULT_NONE:
            self.shown_count += 1
        self.emit({"event": "image", "bytes": len(data), "result": self.last_result})

    def _sign(self, fault: Fault | None) -> None:
        kind = fault.kind if fault else None
        self.pending.clear()
        attempt = self.signatures
        self.signatures += 1
        if kind == "no_finger":
            self.emit({"event": "signature", "samples": 0})
            return
        samples = signature.signature_samples(self.subject.seed, attempt=attempt)
        if kind == "low_quality":
            first_lift = next(i for i, s in enumerate(samples) if not s.touching)
            samples = samples[: max(3, min(first_lift, 14))] + [samples[first_lift]]
        sx = CAPABILITY.max_x / signature.MAX_X
        sy = CAPABILITY.max_y / signature.MAX_Y
        sp = CAPABILITY.max_pressure / signature.MAX_PRESSURE
        start = time.monotonic() + 0.05 * self.pace
        base_ms = int(time.monotonic() * 1000) & 0xFFFF
        for number, s in enumerate(samples):
            report = r.PenReport(True, s.touching, int(s.pressure * sp), int(s.x * sx), int(s.y * sy),
                                 (base_ms + int(s.t * 1000)) & 0xFFFF if self.writing_mode else None, number)
            data = report.encode()
            if kind == "garbage" and number == len(samples) // 2:
                data = bytes([0x77]) + data[1:]
            self.pending.append((start + s.t * self.pace, data))
        last = samples[-1]
        out = r.PenReport(False, False, 0, int(last.x * sx), int(last.y * sy),
                          (base_ms + int(last.t * 1000) + 8) & 0xFFFF if self.writing_mode else None, len(samples))
        self.pending.append((start + (last.t + 0.008) * self.pace, out.encode()))
        self.emit({"event": "signature", "samples": len(samples), "attempt": attempt})

    def read_input(self, wait: float) -> bytes | None:
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                if self.unplugged:
                    raise Gone()
                due = self.pending[0][0] if self.pending else None
                now = time.monotonic()
                if due is not None and due <= now:
                    return self.pending.popleft()[1]
            now = time.monotonic()
            if now >= deadline:
                return None
            time.sleep(max(0.0, min(deadline, due if due is not None else deadline) - now) if due else
                       min(0.01, deadline - now))


# ----------------------------------------------------------------------------------------- pyusb backend


class StuBackend(SimulatedUsbBackend):
    """A pyusb backend (``usb.backend.IBackend`` duck type) with one simulated STU-540."""

    def __init__(self, pad: StuPadModel | None = None, vid: int = r.VENDOR_ID, pid: int = 0x00A8):
        import usb.core

        self._usb = usb
        self.pad = pad or StuPadModel()
        self.vid, self.pid = vid, pid
        self.handle = object()
        self.device = object()

    # enumeration and descriptors
    def enumerate_devices(self):
        return [] if self.pad.unplugged else [self.device]

    def get_parent(self, dev):
        return None

    def get_device_descriptor(self, dev):
        return descriptor(bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0,
                           bDeviceProtocol=0, bMaxPacketSize0=64, idVendor=self.vid, idProduct=self.pid,
                           bcdDevice=0x0102, iManufacturer=1, iProduct=2, iSerialNumber=3, bNumConfigurations=1,
                           address=7, bus=1, port_number=2, port_numbers=(2,), speed=3)

    def get_configuration_descriptor(self, dev, config):
        return descriptor(bLength=9, bDescriptorType=2, wTotalLength=34, bNumInterfaces=1, bConfigurationValue=1,
                           iConfiguration=0, bmAttributes=0x80, bMaxPower=250, extra_descriptors=[])

    def get_interface_descriptor(self, dev, intf, alt, config):
        if intf != 0 or alt != 0:
            raise IndexError("no such interface")
        hid = [0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x00, 0x04]  # HID 1.11 class descriptor
        return descriptor(bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0, bNumEndpoints=1,
                           bInterfaceClass=3, bInterfaceSubClass=0, bInterfaceProtocol=0, iInterface=0,
                           extra_descriptors=hid)

    def get_endpoint_descriptor(self, dev, ep, intf, alt, config):
        if ep != 0:
            raise IndexError("no such endpoint")
        return descriptor(bLength=7, bDescriptorType=5, bEndpointAddress=r.INTERRUPT_IN, bmAttributes=3,
                           wMaxPacketSize=64, bInterval=1, bRefresh=0, bSynchAddress=0, extra_descriptors=[])

    # handles
    def _alive(self, dev_handle: Any = None) -> None:
        if self.pad.unplugged:
            raise self._usb.core.USBError("No such device (it may have been disconnected)", error_code=-4, errno=19)

    def open_device(self, dev):
        self._alive()
        return self.handle

    def set_configuration(self, dev_handle, config_value):
        self._alive()

    # transfers
    def _translate(self, fn, timeout_ms: int):
        usb = self._usb
        try:
            return fn()
        except Stall:
            raise usb.core.USBError("Pipe error", error_code=-9, errno=32) from None
        except NoReply:
            time.sleep(timeout_ms / 1000.0)
            raise usb.core.USBTimeoutError("Operation timed out", error_code=-7, errno=110) from None
        except Gone:
            raise usb.core.USBError("No such device (it may have been disconnected)", error_code=-4, errno=19) from None

    def ctrl_transfer(self, dev_handle, bmRequestType, bRequest, wValue, wIndex, data, timeout):
        self._alive()
        if bmRequestType == 0x80 and bRequest == 6 and wValue >> 8 == 3:  # GET_DESCRIPTOR string
            index = wValue & 0xFF
            if index == 0:
                raw = bytes([4, 3, 0x09, 0x04])
            else:
                text = STRINGS.get(index)
                if text is None:
                    raise self._usb.core.USBError("Pipe error", error_code=-9, errno=32)
                encoded = text.encode("utf-16-le")
                raw = bytes([2 + len(encoded), 3]) + encoded
            n = min(len(raw), len(data))
            data[:n] = array.array("B", raw[:n])
            return n
        if bmRequestType == r.REQ_GET and bRequest == r.GET_REPORT and wValue >> 8 == r.FEATURE:
            report = self._translate(lambda: self.pad.get_feature(wValue & 0xFF), timeout)
            n = min(len(report), len(data))
            data[:n] = array.array("B", report[:n])
            return n
        if bmRequestType == r.REQ_SET and bRequest == r.SET_REPORT and wValue >> 8 == r.FEATURE:
            payload = bytes(data)
            self._translate(lambda: self.pad.set_feature(payload), timeout)
            return len(payload)
        raise self._usb.core.USBError("Pipe error", error_code=-9, errno=32)

    def intr_read(self, dev_handle, ep, intf, buff, timeout):
        report = self._translate(lambda: self.pad.read_input(timeout / 1000.0), timeout)
        if report is None:
            raise self._usb.core.USBTimeoutError("Operation timed out", error_code=-7, errno=110)
        buff[: len(report)] = array.array("B", report)
        return len(report)

    def intr_write(self, dev_handle, ep, intf, data, timeout):
        raise self._usb.core.USBError("Pipe error", error_code=-9, errno=32)


#: ``stusim://`` pads by URL (without options), so a re-open after an unplug finds the same pad.
_PADS: dict[str, StuBackend] = {}


def backend_for_url(url: str) -> StuBackend:
    """The in-process pad of a ``stusim://[NAME][?seed=N&pace=S]`` URL (``drivers.stu`` scheme factory)."""
    parts = urlsplit(url)
    key = parts.netloc or parts.path or "default"
    if key not in _PADS:
        query = dict(parse_qsl(parts.query))
        scenario = Scenario.from_dict({"applicant": {k: (int(v) if k == "seed" else float(v))
                                                     for k, v in query.items() if k in ("seed", "pace")}})
        _PADS[key] = StuBackend(StuPadModel(scenario, pace=float(query.get("pace", 0.0))))
    return _PADS[key]


register_usb_backend("stusim", backend_for_url)


# ----------------------------------------------------------------------------------------- framed server


def handle_frame(pad: StuPadModel, kind: int, payload: bytes) -> bytes | None:
    """The reply frame to one request frame (None: no reply). Raises ``Gone`` when the pad is unplugged."""
    try:
        if kind == r.K_GET:
            reply = r.frame(r.K_REPORT, pad.get_feature(payload[0]))
        elif kind == r.K_SET:
            pad.set_feature(payload)
            reply = r.frame(r.K_ACK)
        elif kind == r.K_READ:
            wait = int.from_bytes(payload[:2], "little") / 1000.0
            report = pad.read_input(wait)
            reply = r.frame(r.K_NONE) if report is None else r.frame(r.K_INPUT, report)
        else:
            reply = r.frame(r.K_STALL)
    except Stall:
        reply = r.frame(r.K_STALL)
    except NoReply:
        return None
    if pad._frame_fault is not None:
        pad._frame_fault = None
        reply = reply[:-2] + bytes([reply[-2] ^ 0xFF, reply[-1]])
    return reply


def _serve_stream(pad: StuPadModel, read: Callable[[float], bytes | None], write: Callable[[bytes], None],
                  stop: threading.Event) -> None:
    reader = r.FrameReader()
    while not stop.is_set():
        data = read(0.1)
        if data is None:
            continue
        if data == b"":
            return
        try:
            frames = reader.feed(data)
        except Exception:  # a corrupt request frame: ignore it, as the pad would
            frames = []
        for kind, payload in frames:
            try:
                reply = handle_frame(pad, kind, payload)
            except Gone:
                raise
            if reply is not None:
                write(reply)


class StuTcpServer:
    """One host at a time on 127.0.0.1; an unplugged pad closes the connection and refuses new ones."""

    def __init__(self, pad: StuPadModel, host: str = "127.0.0.1", port: int = 0):
        self.pad = pad
        self.stop_event = threading.Event()
        self.listener = socket.create_server((host, port), reuse_port=False)
        self.listener.settimeout(0.1)
        self.host, self.port = self.listener.getsockname()[:2]
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"stu-sim-{self.port}")

    def start(self) -> "StuTcpServer":
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if self.pad.unplugged:
                    continue
                self.pad.emit({"event": "connected"})

                def read(wait: float) -> bytes | None:
                    ready, _, _ = select.select([conn], [], [], wait)
                    if not ready:
                        return None
                    try:
                        return conn.recv(65536)
                    except OSError:
                        return b""

                try:
                    _serve_stream(self.pad, read, conn.sendall, self.stop_event)
                except (Gone, OSError):
                    pass
                self.pad.emit({"event": "disconnected"})

    def stop(self) -> None:
        self.stop_event.set()
        self.listener.close()
        self.thread.join(timeout=2)


class StuPtyServer:
    """The pad on a pseudo-terminal; an unplugged pad stays silent (a pty cannot vanish and come back)."""

    def __init__(self, pad: StuPadModel):
        import tty

        self.pad = pad
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="stu-sim-pty")

    def start(self) -> "StuPtyServer":
        self.thread.start()
        return self

    def _run(self) -> None:
        def read(wait: float) -> bytes | None:
            ready, _, _ = select.select([self.master], [], [], wait)
            if not ready:
                return None
            try:
                return os.read(self.master, 65536)
            except OSError:
                return None

        def write(data: bytes) -> None:
            for i in range(0, len(data), 64):  # split writes, as a serial line delivers them
                os.write(self.master, data[i : i + 64])

        while not self.stop_event.is_set():
            try:
                _serve_stream(self.pad, read, write, self.stop_event)
            except Gone:
                time.sleep(0.05)

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=2)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


def serve_cli(mode: str, scenario: str | None, host: str, port: int) -> None:
    """Serve a simulated STU-540 until killed (``ektp-sim stu --tcp|--pty [--scenario FILE]``)."""
    loaded, subject = sim_person.load(scenario)
    lock = threading.Lock()

    def emit(event: dict[str, Any]) -> None:
        with lock:
            sys.stdout.write(json.dumps({"device": "stu", **event}) + "\n")
            sys.stdout.flush()

    pad = StuPadModel(loaded, subject, pace=float(loaded.applicant.get("pace", 1.0)), on_event=emit)
    if mode == "tcp":
        server: Any = StuTcpServer(pad, host or "127.0.0.1", port).start()
        ready = {"device": "stu", "host": server.host, "port": server.port}
    elif mode == "pty":
        server = StuPtyServer(pad).start()
        ready = {"device": "stu", "port": server.path}
    else:
        raise ValueError(f"Mode simulator STU tidak dikenal: {mode!r} (tcp atau pty)")
    with lock:
        sys.stdout.write(json.dumps(ready) + "\n")
        sys.stdout.flush()
    stdin_control.start(pad.scenario, pad.unplug, pad.replug, emit)
    try:
        threading.Event().wait()
    finally:
        server.stop()
