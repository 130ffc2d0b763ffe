"""Driver for ZhianTec ZFM-20 / R30x / AS608 / R503 fingerprint modules (EF01 packets on a serial line).

``station.toml``::

    [devices.fingerprint]
    driver = "zfm"
    url = "/dev/ttyUSB0"        # or socket://host:port, rfc2217://host:port, ektpsim://zfm
    password = 0                # module password (VfyPwd), default 0
    baud = 57600                # the module's rate (factory 57600); "?baud=" on the URL wins

Options: ``password``, ``address`` (default 0xFFFFFFFF), ``baud``, ``timeout`` (seconds per command, default
1.0), ``open_timeout`` (handshake, default 2.0; covers the module's ~500 ms deafness after power-on),
``poll`` (seconds between GenImg polls, default 0.05), ``sensor`` (image ``256x288`` ZFM-20/R30x/AS608,
``192x192`` R503).

A single-finger sensor (``supports_slaps = False``). ``capture_finger`` reads the status register (waits while
the module reports busy), polls GenImg until a finger lies on the glass or ``timeout`` passes, then uploads the
image (UpImage: 4-bit pixels in data packets; the transfer has its own deadline from the line speed, and fails
when no packet arrives within ``timeout`` of the previous one). The module reports no image quality, so
``device_quality`` is ``None`` and the station scores the image itself.

Module-side template functions: :meth:`ZfmScanner.enroll` (two impressions -> RegModel -> Store),
:meth:`verify` (a fresh impression against a stored page: LoadChar + Match), :meth:`search` (against the
library), plus :meth:`template_count`, :meth:`stored_pages`, :meth:`delete_template`, :meth:`clear_library`.

Transfers with the host: :meth:`upload_template` (UpChar: a character buffer's template as bytes),
:meth:`download_template` (DownChar, read back with UpChar to make sure it arrived), :meth:`download_image`
(DownImage, checked with the status register's image-valid bit); and the buffer steps that go with them:
:meth:`extract_template` (Img2Tz), :meth:`load_template` (LoadChar), :meth:`store_template` (Store),
:meth:`match_buffers` (Match), :meth:`search_buffer` (Search). Moving templates between modules:
``load_template(page)`` + ``upload_template()`` on one, ``download_template(data)`` + ``store_template(page)`` on
the other. A transfer fails like a capture: silence -> ``DeviceTimeout``, a corrupt or cut data packet ->
``ProtocolError``, the link gone -> ``DeviceUnavailable``.

Errors (:mod:`drivers.errors`): no finger within ``timeout`` -> ``CaptureFailed``; poor image at Img2Tz ->
``CaptureFailed`` (0x06/0x07); silence -> ``DeviceTimeout``; garbage, bad checksum, a packet cut short ->
``ProtocolError``; the busy bit until the deadline -> ``DeviceBusy``; a port that fails -> ``DeviceUnavailable``
(the next call re-opens the port and repeats the handshake, so the driver works again after a re-plug); wrong
password and flash errors -> ``DeviceError`` (fatal); other confirmation codes as
:func:`drivers.protocols.zfm.error_for_code` maps them.
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Any

import numpy as np

from drivers.errors import (
    CaptureFailed,
    DeviceBusy,
    DeviceConfigError,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from drivers.interfaces import DeviceInfo, Finger, FingerImage, FingerprintScanner
from drivers.protocols import zfm
from drivers.protocols.zfm import ConfirmationCode as CC
from drivers.transport import SerialLink, positive_number

LABEL = "Pemindai sidik jari ZFM"
DEFAULT_BAUD = 57600
_OPTIONS = {"password", "address", "baud", "timeout", "open_timeout", "poll", "sensor", "write_timeout"}
#: Per handshake attempt: short, so a deaf module (just powered on) is asked again soon.
_HANDSHAKE_TRY = 0.25
#: Template size of the ZFM-20 / R30x (UpChar: 4 packets of 128 bytes); only sets the transfer's deadline, a
#: module with larger templates (R503) is read to its end packet all the same.
TEMPLATE_BYTES = 512


def _int_option(value: Any, name: str) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value, 0) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise DeviceConfigError(f"Opsi {name} harus bilangan bulat (desimal atau 0x...), bukan {value!r}") from None
    if not 0 <= number <= 0xFFFFFFFF:
        raise DeviceConfigError(f"Opsi {name} di luar jangkauan 32 bit: {value!r}")
    return number


def _geometry(value: Any) -> zfm.ImageGeometry:
    if isinstance(value, zfm.ImageGeometry):
        return value
    width, _, height = str(value).lower().partition("x")
    try:
        geometry = zfm.ImageGeometry(int(width), int(height))
    except ValueError:
        raise DeviceConfigError(f"Opsi sensor harus LEBARxTINGGI, mis. 256x288, bukan {value!r}") from None
    if geometry.width <= 0 or geometry.height <= 0 or geometry.width % 2:
        raise DeviceConfigError(f"Ukuran sensor tidak valid: {value!r}")
    return geometry


class ZfmScanner(FingerprintScanner):
    supports_slaps = False

    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        unknown = set(options) - _OPTIONS
        if unknown:
            raise DeviceConfigError(
                f"Opsi driver zfm tidak dikenal: {', '.join(sorted(unknown))} (pilihan: {', '.join(sorted(_OPTIONS))})"
            )
        self.password = _int_option(options.get("password", zfm.DEFAULT_PASSWORD), "password")
        self.address = _int_option(options.get("address", zfm.DEFAULT_ADDRESS), "address")
        self.timeout = float(positive_number(options.get("timeout", 1.0), "timeout"))
        self.open_timeout = float(positive_number(options.get("open_timeout", 2.0), "open_timeout"))
        self.poll = float(positive_number(options.get("poll", 0.05), "poll"))
        self.geometry = _geometry(options.get("sensor", "256x288"))
        baud = positive_number(options.get("baud", DEFAULT_BAUD), "baud", integer=True)
        write_timeout = float(positive_number(options.get("write_timeout", 2.0), "write_timeout"))
        self.link = SerialLink(url, baudrate=int(baud), label=LABEL, write_timeout=write_timeout)
        self.params: zfm.SystemParameters | None = None
        self._reader = zfm.PacketReader(address=self.address, strict=True)
        self._queue: deque[zfm.Packet] = deque()
        self._opened = False

    # ------------------------------------------------------------------ life cycle

    def open(self) -> None:
        self.link.open()
        try:
            self._handshake(time.monotonic() + self.open_timeout)
        except BaseException:
            self.link.close()
            raise
        self._opened = True

    def close(self) -> None:
        self._opened = False
        self.link.close()

    def info(self) -> DeviceInfo:
        params = self.params
        extra: dict[str, Any] = {"baud": self.link.baudrate, "image": f"{self.geometry.width}x{self.geometry.height}"}
        if params is not None:
            extra.update(capacity=params.library_size, packet_size=params.packet_size,
                         security_level=params.security_level, module_baud=params.baud_rate)  # fmt: skip
        return DeviceInfo(
            kind=self.kind,
            driver="zfm",
            model="ZFM-20/R30x fingerprint module",
            serial=f"{self.address:08X}",
            url=self.url,
            extra=extra,
        )

    @property
    def capacity(self) -> int:
        return self.params.library_size if self.params is not None else 0

    def _handshake(self, deadline: float) -> None:
        """VfyPwd until the module answers (it is deaf for ~500 ms after power-on), then ReadSysPara."""
        while True:
            remaining = deadline - time.monotonic()
            try:
                ack = zfm.parse_ack(self._transact(zfm.verify_password(self.password, address=self.address),
                                                   min(_HANDSHAKE_TRY, max(remaining, 0.01)), "VfyPwd"))  # fmt: skip
                break
            except DeviceTimeout:
                if time.monotonic() >= deadline:
                    raise DeviceTimeout(
                        f"{LABEL} tidak menjawab jabat tangan (VfyPwd) dalam {self.open_timeout:g} detik",
                        code="handshake",
                    ) from None
        if ack.code is CC.WRONG_PASSWORD:
            raise DeviceError(f"{LABEL}: kata sandi modul salah (opsi password)", code=int(ack.code))
        ack.raise_for_code("VfyPwd")
        self.params = self._read_sys_para(max(0.05, deadline - time.monotonic()) + self.timeout)
        if self.params.packet_size_code not in range(4):
            raise ProtocolError(f"{LABEL}: ukuran paket data tidak valid dari modul", code="packet_size")

    def _ready(self) -> None:
        if not self._opened:
            raise DeviceUnavailable(f"{LABEL} belum dibuka atau sudah ditutup", code="closed")
        if self.link.lost or not self.link.is_open:
            self.link.reopen()
            try:
                self._handshake(time.monotonic() + self.open_timeout)
            except DeviceError:
                self.link.close()
                self.link.lost = True
                raise

    # ------------------------------------------------------------------ packets

    def _transact(self, packet: zfm.Packet, timeout: float, what: str) -> zfm.Packet:
        """Send one command and return the module's answer (an ack packet)."""
        self.link.flush_input()
        self._reader.reset()
        self._queue.clear()
        self.link.write(packet.encode())
        return self._receive(time.monotonic() + timeout, 12, what)

    def _receive(self, deadline: float, expect: int, what: str) -> zfm.Packet:
        discarded = self._reader.discarded
        while not self._queue:
            if time.monotonic() >= deadline:
                raise self._silence(what, discarded)
            data = self.link.read(max(1, expect - self._reader.pending), deadline)
            if not data:
                continue
            try:
                self._queue.extend(self._reader.feed(data))
            except ProtocolError as exc:
                raise ProtocolError(f"{LABEL}, {what}: {exc.message}", code=exc.code) from exc
        return self._queue.popleft()

    def _silence(self, what: str, discarded_before: int) -> DeviceError:
        if self._reader.pending:
            return ProtocolError(f"{LABEL}, {what}: paket terpotong (jawaban tidak lengkap)", code="truncated")
        if self._reader.discarded > discarded_before:
            return ProtocolError(f"{LABEL}, {what}: data rusak di jalur serial (bukan paket EF01)", code="garbage")
        return DeviceTimeout(f"{LABEL} tidak menjawab {what} dalam batas waktu", code="no_answer")

    def _ack(self, packet: zfm.Packet, timeout: float, what: str) -> zfm.Ack:
        return zfm.parse_ack(self._transact(packet, timeout, what))

    def _ok(self, packet: zfm.Packet, timeout: float, what: str) -> zfm.Ack:
        ack = self._ack(packet, timeout, what)
        if not ack.ok:
            raise _error(ack.code, what)
        return ack

    def _read_sys_para(self, timeout: float) -> zfm.SystemParameters:
        return zfm.parse_sys_para_ack(self._transact(zfm.read_sys_para(address=self.address), timeout, "ReadSysPara"))

    def _command_timeout(self, deadline: float) -> float:
        return max(0.02, min(self.timeout, deadline - time.monotonic()))

    # ------------------------------------------------------------------ capture steps

    def _wait_not_busy(self, deadline: float) -> None:
        while True:
            params = self._read_sys_para(self._command_timeout(deadline))
            self.params = params
            if not params.busy:
                return
            if time.monotonic() + self.poll >= deadline:
                raise DeviceBusy(f"{LABEL} sedang sibuk", code="busy")
            time.sleep(self.poll)

    def _busy_or(self, error: DeviceTimeout) -> DeviceError:
        """After a silence: the module may be busy (it still answers ReadSysPara then)."""
        try:
            params = self._read_sys_para(min(self.timeout, 0.5))
        except DeviceError:
            return error
        return DeviceBusy(f"{LABEL} sedang sibuk", code="busy") if params.busy else error

    def _gen_img(self, deadline: float) -> zfm.Ack:
        try:
            return self._ack(zfm.gen_img(address=self.address), self._command_timeout(deadline), "GenImg")
        except DeviceTimeout as exc:
            raise self._busy_or(exc) from exc

    def _wait_finger(self, deadline: float, timeout: float) -> None:
        """Poll GenImg until the module has an image of a finger."""
        while True:
            ack = self._gen_img(deadline)
            if ack.ok:
                return
            if ack.code is not CC.NO_FINGER:
                raise _error(ack.code, "GenImg")
            remaining = deadline - time.monotonic()
            if remaining <= self.poll:
                raise CaptureFailed(f"Tidak ada jari di pemindai dalam {timeout:g} detik", code="no_finger")
            time.sleep(self.poll)

    def _wait_lift(self, deadline: float, timeout: float) -> None:
        """Poll GenImg until the finger is lifted (between the two impressions of an enrolment)."""
        while True:
            ack = self._gen_img(deadline)
            if ack.code is CC.NO_FINGER:
                return
            if not ack.ok:
                raise _error(ack.code, "GenImg")
            if deadline - time.monotonic() <= self.poll:
                raise CaptureFailed(f"Jari tidak diangkat dari pemindai dalam {timeout:g} detik", code="no_lift")
            time.sleep(self.poll)

    @property
    def packet_size(self) -> int:
        return (self.params or zfm.SystemParameters()).packet_size

    def _receive_data(self, what: str, noun: str, expected: int) -> bytes:
        """The data packets that follow an ack (UpImage, UpChar) up to the end packet.

        The whole transfer has a deadline from the line speed (``expected`` payload bytes, 1.5 x the wire time plus
        ``timeout``), and each packet must come within ``timeout`` of the previous one.
        """
        size = self.packet_size
        packets = max(1, math.ceil(expected / size))
        wire_seconds = packets * (size + 11) * 10 / self.link.baudrate
        transfer_deadline = time.monotonic() + 1.5 * wire_seconds + self.timeout
        assembler = zfm.DataAssembler(packet_size=size)
        received = 0
        while True:
            packet_deadline = min(transfer_deadline, time.monotonic() + self.timeout)
            try:
                packet = self._receive(packet_deadline, size + 11, what)
                payload = assembler.add(packet)
            except DeviceTimeout as exc:
                if received:  # the module stopped in the middle of the transfer
                    raise ProtocolError(f"{LABEL}: transfer {noun} terpotong setelah {received} paket",
                                        code="truncated") from exc
                raise DeviceTimeout(f"{LABEL}: data {noun} tidak datang setelah ack {what}", code="transfer") from exc
            except ProtocolError as exc:
                if exc.message.startswith(LABEL):
                    raise
                raise ProtocolError(f"{LABEL}, {what}: {exc.message}", code=exc.code) from exc
            received += 1
            if payload is not None:
                return payload

    def _send_data(self, payload: bytes) -> None:
        """Data packets to the module after its ack (DownChar, DownImage): one write per packet, so every write
        is bounded by ``write_timeout`` however slow the line. The module acknowledges none of them."""
        for packet in zfm.split_data(payload, self.packet_size, address=self.address):
            self.link.write(packet.encode())

    def _upload_image(self) -> np.ndarray:
        self._ok(zfm.up_image(address=self.address), self.timeout, "UpImage")
        payload = self._receive_data("UpImage", "gambar", self.geometry.packed_size)
        return zfm.unpack_image(payload, self.geometry)

    def _image_to_buffer(self, buffer_id: int, deadline: float, timeout: float) -> None:
        self._wait_finger(deadline, timeout)
        self._ok(zfm.img2tz(buffer_id, address=self.address), self.timeout, "Img2Tz")

    # ------------------------------------------------------------------ FingerprintScanner

    def capture_finger(self, finger: Finger, timeout: float = 10.0) -> FingerImage:
        finger = Finger(finger)
        deadline = time.monotonic() + timeout
        self._ready()
        self._wait_not_busy(deadline)
        self._wait_finger(deadline, timeout)
        image = self._upload_image()
        return FingerImage(finger=finger, image=image, device_quality=None)

    def upload_image(self) -> np.ndarray:
        """The image now in the module's image buffer (UpImage), e.g. again after a capture."""
        self._ready()
        return self._upload_image()

    # ------------------------------------------------------------------ transfers (UpChar, DownChar, DownImage)

    def upload_template(self, buffer_id: int = 1) -> bytes:
        """The template in character buffer ``buffer_id`` (UpChar 0x08: ack, then data packets up to the end
        packet). The bytes are the module's own format (512 on the ZFM-20/R30x); keep them as they are."""
        self._ready()
        _check_buffer(buffer_id)
        self._ok(zfm.up_char(buffer_id, address=self.address), self.timeout, "UpChar")
        return self._receive_data("UpChar", "templat", TEMPLATE_BYTES)

    def download_template(self, data: bytes, buffer_id: int = 1, *, verify: bool = True) -> None:
        """Put a template (as :meth:`upload_template` returned it) into character buffer ``buffer_id``
        (DownChar 0x09: the module acks "ready", then the host sends data packets; none is acknowledged).

        With ``verify`` (default) the buffer is read back with UpChar and compared, as pyfingerprint does: a data
        packet the module lost or took corrupted then ends in ``ProtocolError`` instead of a wrong template.
        """
        data = _payload(data, "templat")
        self._ready()
        _check_buffer(buffer_id)
        self._ok(zfm.down_char(buffer_id, address=self.address), self.timeout, "DownChar")
        self._send_data(data)
        if not verify:
            return
        self._ok(zfm.up_char(buffer_id, address=self.address), self.timeout, "DownChar (periksa)")
        echo = self._receive_data("UpChar", "templat", len(data))
        if echo != data:
            raise ProtocolError(f"{LABEL}: templat di modul berbeda dengan yang dikirim (DownChar), ulangi",
                                code="verify")  # fmt: skip

    def download_image(self, image: np.ndarray) -> None:
        """Put an 8-bit greyscale image of the sensor's size into the module's image buffer (DownImage 0x0B:
        ack, then the 4-bit packed pixels as data packets), e.g. to extract (Img2Tz) and search a print taken
        elsewhere. The module acknowledges no data packet; afterwards the status register's image-valid bit
        (ReadSysPara) tells whether the image arrived whole: if not -> ``ProtocolError``."""
        pixels = np.asarray(image)
        expected = (self.geometry.height, self.geometry.width)
        if pixels.dtype != np.uint8 or pixels.shape != expected:
            raise DeviceConfigError(
                f"Gambar untuk {LABEL} harus {expected[1]}x{expected[0]} piksel 8 bit, bukan "
                f"{'x'.join(map(str, pixels.shape[::-1]))} {pixels.dtype}"
            )
        self._ready()
        self._ok(zfm.down_image(address=self.address), self.timeout, "DownImage")
        self._send_data(zfm.pack_image(pixels))
        params = self._read_sys_para(self.timeout)
        self.params = params
        if not params.image_valid:
            raise ProtocolError(f"{LABEL}: gambar tidak diterima utuh oleh modul (DownImage), ulangi",
                                code="not_received")  # fmt: skip

    def extract_template(self, buffer_id: int = 1) -> None:
        """Img2Tz on the image now in the module's image buffer (after a capture or :meth:`download_image`).
        A poor image -> ``CaptureFailed`` (0x06 / 0x07), no image -> ``CaptureFailed`` (0x15)."""
        self._ready()
        _check_buffer(buffer_id)
        self._ok(zfm.img2tz(buffer_id, address=self.address), self.timeout, "Img2Tz")

    def load_template(self, page_id: int, buffer_id: int = 1) -> None:
        """LoadChar: the template stored at ``page_id`` into character buffer ``buffer_id``."""
        self._ready()
        self._check_page(page_id)
        _check_buffer(buffer_id)
        self._ok(zfm.load_char(buffer_id, page_id, address=self.address), self.timeout, "LoadChar")

    def store_template(self, page_id: int | None = None, buffer_id: int = 1) -> int:
        """Store character buffer ``buffer_id`` at ``page_id`` (default: the first free page); returns the page."""
        self._ready()
        _check_buffer(buffer_id)
        if page_id is not None:
            self._check_page(page_id)
        page = self._free_page() if page_id is None else page_id
        self._ok(zfm.store(buffer_id, page, address=self.address), self.timeout, "Store")
        return page

    def match_buffers(self) -> zfm.MatchResult:
        """Match 0x03: character buffer 1 against buffer 2, no new impression."""
        self._ready()
        return zfm.parse_match_ack(self._transact(zfm.match(address=self.address), self.timeout, "Match"))

    def search_buffer(self, buffer_id: int = 1) -> zfm.SearchResult:
        """Search the whole library for the template in ``buffer_id``, no new impression."""
        self._ready()
        _check_buffer(buffer_id)
        packet = zfm.search(buffer_id, 0, self.capacity, address=self.address)
        return zfm.parse_search_ack(self._transact(packet, self.timeout, "Search"))

    # ------------------------------------------------------------------ module-side templates

    def enroll(self, page_id: int | None = None, timeout: float = 10.0) -> int:
        """Enrol a finger on the module: two impressions merged and stored at ``page_id`` (default: the first
        free page). Returns the page id."""
        deadline = time.monotonic() + timeout
        self._ready()
        self._wait_not_busy(deadline)
        if page_id is not None:
            self._check_page(page_id)
        self._image_to_buffer(1, deadline, timeout)
        self._wait_lift(deadline, timeout)
        self._image_to_buffer(2, deadline, timeout)
        self._ok(zfm.reg_model(address=self.address), self.timeout, "RegModel")
        page = self._free_page() if page_id is None else page_id
        self._ok(zfm.store(1, page, address=self.address), self.timeout, "Store")
        return page

    def verify(self, page_id: int, timeout: float = 10.0) -> zfm.MatchResult:
        """Take an impression and compare it with the template stored at ``page_id`` (1:1)."""
        deadline = time.monotonic() + timeout
        self._ready()
        self._check_page(page_id)
        self._wait_not_busy(deadline)
        self._image_to_buffer(1, deadline, timeout)
        self._ok(zfm.load_char(2, page_id, address=self.address), self.timeout, "LoadChar")
        return zfm.parse_match_ack(self._transact(zfm.match(address=self.address), self.timeout, "Match"))

    def search(self, timeout: float = 10.0) -> zfm.SearchResult:
        """Take an impression and search the whole library (1:N)."""
        deadline = time.monotonic() + timeout
        self._ready()
        self._wait_not_busy(deadline)
        self._image_to_buffer(1, deadline, timeout)
        packet = zfm.search(1, 0, self.capacity, address=self.address)
        return zfm.parse_search_ack(self._transact(packet, self.timeout, "Search"))

    def template_count(self) -> int:
        self._ready()
        return zfm.parse_template_count_ack(self._transact(zfm.template_num(address=self.address), self.timeout,
                                                           "TempleteNum"))  # fmt: skip

    def stored_pages(self) -> set[int]:
        self._ready()
        pages: set[int] = set()
        for index_page in range(max(1, math.ceil(self.capacity / zfm.TEMPLATES_PER_INDEX_PAGE))):
            packet = zfm.read_con_list(index_page, address=self.address)
            pages |= zfm.parse_index_table_ack(self._transact(packet, self.timeout, "ReadConList"), index_page)
        return {p for p in pages if p < self.capacity}

    def delete_template(self, page_id: int, count: int = 1) -> None:
        self._ready()
        self._check_page(page_id)
        self._ok(zfm.delete_char(page_id, count, address=self.address), self.timeout, "DeleteChar")

    def clear_library(self) -> None:
        self._ready()
        self._ok(zfm.empty(address=self.address), self.timeout, "Empty")

    def _check_page(self, page_id: int) -> None:
        if not 0 <= page_id < self.capacity:
            raise DeviceConfigError(f"Nomor halaman {page_id} di luar pustaka (0..{self.capacity - 1})")

    def _free_page(self) -> int:
        used = self.stored_pages()
        for page in range(self.capacity):
            if page not in used:
                return page
        raise DeviceError(f"Pustaka sidik jari {LABEL} penuh ({self.capacity} templat)", code="library_full")


def _check_buffer(buffer_id: int) -> None:
    if buffer_id not in (1, 2):
        raise DeviceConfigError(f"Buffer karakter {LABEL} harus 1 atau 2, bukan {buffer_id!r}")


def _payload(data: Any, noun: str) -> bytes:
    try:
        payload = bytes(data)
    except TypeError:
        raise DeviceConfigError(f"Data {noun} untuk {LABEL} harus berupa bytes") from None
    if not payload:
        raise DeviceConfigError(f"Data {noun} untuk {LABEL} kosong")
    return payload


def _error(code: CC, action: str) -> DeviceError:
    error = zfm.error_for_code(code, action)
    error.message = f"{LABEL}, {error.message}"
    error.args = (error.message,)
    return error
