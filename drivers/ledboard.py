"""Driver for LED queue boards speaking the Alpha Sign Communications Protocol, over a serial URL.

``station.toml``::

    [devices.queue_display]
    driver = "alpha"
    url = "/dev/ttyUSB1"        # or socket://host:port (RS-485/Ethernet converter), ektpsim://ledboard
    address = "01"              # the board's address ("00" = every board on the line)
    framing = "8N1"             # the sources disagree (9600 7E2, 4800 8E2 ...): check the board's manual

Options: ``baud`` (default 9600), ``framing`` (``8N1``, ``7E1``, ``7E2``, ``8E2`` ..., default 8N1),
``address`` (default ``00``), ``type_code`` (default ``Z``, every sign type), ``call_label`` /
``text_label`` (TEXT files for the call and the running text, default ``A`` / ``B``), ``configure`` (at
``open``, allocate both TEXT files and set the run sequence; default true), ``verify`` (read each file back
after writing it and compare; default true; boards that cannot answer need false), ``checksum`` (send
commands with their checksum; default true), ``timeout`` (seconds for a read-back, default 1.0).

:meth:`AlphaSignBoard.show_call` writes the call file as one held line, e.g. ``A012 LOKET 2`` (a numeric
counter becomes ``LOKET n``); :meth:`show_text` writes the running-text file, scrolling. Text is folded to
ASCII (the protocol takes printable ASCII).

Errors: no read-back -> ``DeviceTimeout``; garbage, a bad checksum or a reply cut short -> ``ProtocolError``;
the board still shows the old text after a second write -> ``DeviceBusy``, a damaged one ->
``ProtocolError``; a port that fails ->
``DeviceUnavailable`` (the next call re-opens it); text that cannot be sent -> ``DeviceConfigError``.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from drivers.errors import (
    DeviceBusy,
    DeviceConfigError,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from drivers.interfaces import Call, DeviceInfo, QueueDisplay
from drivers.options import flag as _flag
from drivers.protocols import alpha_sign as alpha
from drivers.transport import SerialLink, positive_number

LABEL = "Papan antrean LED"
DEFAULT_BAUD = 9600
_OPTIONS = {"baud", "framing", "address", "type_code", "call_label", "text_label", "configure", "verify",
            "checksum", "timeout", "write_timeout"}  # fmt: skip
_PARITY = {"N": "N", "E": "E", "O": "O"}
#: Sizes of the two TEXT files allocated at ``open``.
CALL_FILE_SIZE = 64
TEXT_FILE_SIZE = 256


def ascii_line(text: str) -> str:
    """Printable ASCII only: accents dropped, control characters and anything else as a space or ``?``."""
    out = []
    for ch in unicodedata.normalize("NFKD", str(text)):
        if unicodedata.combining(ch):
            continue
        if ch in "\r\n\t":
            out.append(" ")
        elif 0x20 <= ord(ch) < 0x7F:
            out.append(ch)
        else:
            out.append("?")
    return " ".join("".join(out).split())


def call_line(call: Call) -> str:
    """What the board shows for a call: ``A012 LOKET 2`` (or ``A012 PEREKAMAN`` for a named counter)."""
    counter = call.counter.strip()
    where = f"LOKET {counter}" if counter.isdigit() else counter.upper()
    return ascii_line(f"{call.number} {where}")


def _framing(value: Any) -> dict[str, Any]:
    text = str(value).strip().upper()
    if len(text) != 3 or text[0] not in "78" or text[1] not in _PARITY or text[2] not in "12":
        raise DeviceConfigError(f"Opsi framing harus seperti 8N1 atau 7E2, bukan {value!r}")
    return {"bytesize": int(text[0]), "parity": _PARITY[text[1]], "stopbits": int(text[2])}


class AlphaSignBoard(QueueDisplay):
    def __init__(self, url: str, **options: Any):
        super().__init__(url, **options)
        unknown = set(options) - _OPTIONS
        if unknown:
            raise DeviceConfigError(
                f"Opsi driver alpha tidak dikenal: {', '.join(sorted(unknown))} (pilihan: {', '.join(sorted(_OPTIONS))})"
            )
        self.address = str(options.get("address", alpha.BROADCAST))
        self.type_code = str(options.get("type_code", alpha.TYPE_ALL))
        self.call_label = str(options.get("call_label", alpha.DEFAULT_LABEL))
        self.text_label = str(options.get("text_label", "B"))
        try:  # validates address, type code and labels
            alpha.packet(alpha.write_text("", label=self.call_label), type_code=self.type_code, address=self.address)
            alpha.write_text("", label=self.text_label)
        except ValueError as exc:
            raise DeviceConfigError(f"{LABEL}: {exc}") from None
        if self.call_label == self.text_label:
            raise DeviceConfigError("Opsi call_label dan text_label harus berbeda")
        self.configure = _flag(options.get("configure", True), "configure")
        self.verify = _flag(options.get("verify", True), "verify")
        self.checksum = _flag(options.get("checksum", True), "checksum")
        self.timeout = float(positive_number(options.get("timeout", 1.0), "timeout"))
        baud = int(positive_number(options.get("baud", DEFAULT_BAUD), "baud", integer=True))
        write_timeout = float(positive_number(options.get("write_timeout", 2.0), "write_timeout"))
        framing = _framing(options.get("framing", "8N1"))
        self.link = SerialLink(url, baudrate=baud, label=LABEL, write_timeout=write_timeout, **framing)
        self._opened = False
        self.shown: dict[str, str] = {}

    # ------------------------------------------------------------------ life cycle

    def open(self) -> None:
        self.link.open()
        try:
            self._setup()
        except BaseException:
            self.link.close()
            raise
        self._opened = True

    def close(self) -> None:
        self._opened = False
        self.link.close()

    def info(self) -> DeviceInfo:
        return DeviceInfo(kind=self.kind, driver="alpha", model="Alpha protocol LED board", serial=self.address,
                          url=self.url, extra={"baud": self.link.baudrate, "verify": self.verify})  # fmt: skip

    def _setup(self) -> None:
        if not self.configure:
            return
        memory = alpha.configure_memory(
            alpha.MemoryEntry(self.call_label, alpha.FileType.TEXT, CALL_FILE_SIZE),
            alpha.MemoryEntry(self.text_label, alpha.FileType.TEXT, TEXT_FILE_SIZE),
            with_checksum=self.checksum,
        )
        self._send(memory)
        self._send(alpha.set_run_sequence(self.call_label + self.text_label, with_checksum=self.checksum))
        if self.verify:
            self._read_text(self.call_label)  # the board answers: it is there

    def _ready(self) -> None:
        if not self._opened:
            raise DeviceUnavailable(f"{LABEL} belum dibuka atau sudah ditutup", code="closed")
        if self.link.lost or not self.link.is_open:
            self.link.reopen()
            try:
                self._setup()
            except DeviceError:
                self.link.close()
                self.link.lost = True
                raise

    # ------------------------------------------------------------------ wire

    def _send(self, command: alpha.Command) -> None:
        packet = alpha.packet(command, type_code=self.type_code, address=self.address)
        self.link.write(packet.encode())

    def _read_text(self, label: str) -> str:
        """READ TEXT ``label`` and return the text the board holds."""
        self.link.flush_input()
        self._send(alpha.Command(alpha.CommandCode.READ_TEXT.value, label.encode("ascii"), with_checksum=False))
        parser = alpha.SignParser(strict=True)
        raw = bytearray()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            data = self.link.read(1, deadline)
            if not data:
                continue
            data += self.link.read_available()  # the rest of what came (replies are short)
            raw += data
            try:
                packets = parser.feed(data)
            except ProtocolError as exc:
                raise ProtocolError(f"{LABEL}: jawaban rusak ({exc.message})", code=exc.code) from exc
            for packet in packets:
                for command in packet.commands:
                    if command.code == alpha.CommandCode.WRITE_TEXT.value and command.label == label:
                        try:
                            return command.text().text
                        except ProtocolError as exc:
                            raise ProtocolError(f"{LABEL}: isi berkas rusak ({exc.message})", code=exc.code) from exc
        if alpha.SOH in raw:
            raise ProtocolError(f"{LABEL}: jawaban terpotong", code="truncated")
        if any(byte != alpha.NUL for byte in raw) or parser.discarded or parser.errors:
            raise ProtocolError(f"{LABEL}: data rusak di jalur serial", code="garbage")
        raise DeviceTimeout(f"{LABEL} tidak menjawab dalam {self.timeout:g} detik", code="no_answer")

    def _show(self, label: str, text: str, mode: alpha.Mode) -> None:
        self._ready()
        try:
            command = alpha.write_text(text, label=label, mode=mode, with_checksum=self.checksum)
        except ValueError as exc:
            raise DeviceConfigError(f"{LABEL}: teks tidak dapat dikirim ({exc})") from None
        before = self.shown.get(label)
        for attempt in range(2):
            self._send(command)
            if not self.verify:
                break
            shown = self._read_text(label)
            if shown == text:
                break
            if attempt and shown == (before or ""):
                raise DeviceBusy(f"{LABEL} tidak menerima teks baru (masih {shown!r})", code="not_taken")
            if attempt:
                raise ProtocolError(f"{LABEL} menampilkan teks rusak ({shown!r}, bukan {text!r})", code="mismatch")
        self.shown[label] = text

    # ------------------------------------------------------------------ QueueDisplay

    def show_call(self, call: Call) -> None:
        self._show(self.call_label, call_line(call), alpha.Mode.HOLD)

    def show_text(self, text: str) -> None:
        self._show(self.text_label, ascii_line(text), alpha.Mode.ROTATE)
