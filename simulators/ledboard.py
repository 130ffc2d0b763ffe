"""Wire simulator of an LED queue board speaking the Alpha Sign Communications Protocol.

It parses what the host sends with :class:`drivers.protocols.alpha_sign.SignParser` (packets with a bad
checksum are dropped, as a sign drops them), keeps its TEXT and STRING files, its memory configuration and run
sequence, and answers READ TEXT with a response packet (type ``0``, its address, the file as a Write TEXT
command with checksum). What the board shows is recorded with :class:`simulators.models.display.QueueDisplayModel`
(the model the in-process ``sim`` display uses): the call file (``A``) is read back into a
:class:`drivers.interfaces.Call` (``A012 LOKET 2`` -> number ``A012``, counter ``2``), the other files are
running text.

Settings: ``address`` (the board's own address, default ``01``; it also takes broadcasts ``00``),
``type_code`` (default ``Z``), ``call_label`` (default ``A``), plus the common ``throttle``, ``deaf``, ``cold``.

**Faults**, by operation: ``write`` (each Write TEXT/STRING) and ``read`` (each READ TEXT). Kinds: on ``read``
``no_answer``, ``garbage``, ``bad_checksum``, ``truncated``, ``slow`` (``seconds``), ``unplug``, ``replug``; on
``write`` ``busy`` (the write is not taken: the board keeps showing the old text), ``error_code`` (the write is
taken wrongly: the text arrives damaged), ``unplug`` and ``replug`` (the cable comes out as the write arrives).

Events: ``board`` (file, text), ``fault``, ``unplug``, ``replug``.
"""

from __future__ import annotations

import re
from typing import Any

from drivers.interfaces import Call
from drivers.protocols import alpha_sign as alpha
from simulators.models.display import QueueDisplayModel
from simulators.wire.device import Setting, WireDevice

_CALL = re.compile(r"^(\S+)\s+LOKET\s+(\S+)$")
_CALL_NAMED = re.compile(r"^(\S+)\s+(.+)$")


def call_from_text(text: str) -> Call | None:
    """``A012 LOKET 2`` -> ``Call("A012", "2")``; ``A012 PEREKAMAN`` -> ``Call("A012", "PEREKAMAN")``."""
    text = text.strip()
    match = _CALL.match(text) or _CALL_NAMED.match(text)
    return Call(number=match.group(1), counter=match.group(2)) if match else None


def _label(value: Any) -> str:
    text = str(value)
    if len(text) != 1 or not 0x20 <= ord(text) <= 0x7E:
        raise ValueError(value)
    return text


class AlphaSignSimulator(WireDevice):
    name = "ledboard"
    SETTINGS = {
        "address": Setting(str, "01", "the board's address"),
        "type_code": Setting(str, "Z", "the board's sign type code"),
        "call_label": Setting(_label, "A", "the TEXT file that holds the call"),
    }

    def __init__(self, scenario=None, **settings: Any):
        super().__init__(scenario, **settings)
        self.address: str = self.settings["address"]
        self.type_code: str = self.settings["type_code"]
        self.call_label: str = self.settings["call_label"]
        #: What the board was told to show, as the display model records it.
        self.board = QueueDisplayModel()
        #: TEXT files: label -> raw TEXT data (after the label); STRING files: label -> text.
        self.files: dict[str, bytes] = {}
        self.strings: dict[str, str] = {}
        self.memory: list[bytes] = []
        self.run_sequence = ""
        self._parser = alpha.SignParser(strict=False)

    def power_on(self) -> None:
        self._parser = alpha.SignParser(strict=False)

    def garbage(self, size: int) -> bytes:
        return bytes(self._rng.randrange(0x20, 0x7F) for _ in range(max(1, size)))  # never SOH/EOT

    def text_of(self, label: str) -> str:
        data = self.files.get(label, b"")
        return alpha.parse_text_file(label.encode("ascii") + data).text if data else ""

    # ------------------------------------------------------------------ host bytes

    def handle(self, data: bytes, now: float) -> None:
        for packet in self._parser.feed(data):
            if not packet.addressed_to(self.type_code, self.address):
                continue
            for command in packet.commands:
                if not self.plugged:
                    return
                self._command(command)

    def _command(self, command: alpha.ReceivedCommand) -> None:
        code = command.code
        if code == alpha.CommandCode.WRITE_TEXT.value:
            self._write_text(command)
        elif code == alpha.CommandCode.WRITE_STRING.value and command.data:
            if self._write_fault() is None:
                self.strings[chr(command.data[0])] = alpha.render_text(command.data[1:])
        elif code == alpha.CommandCode.READ_TEXT.value and command.data:
            self._read_text(chr(command.data[0]))
        elif code == alpha.CommandCode.WRITE_SPECIAL.value and command.data:
            if command.data[:1] == b"$":
                self.memory = [command.data[1 + i : 12 + i] for i in range(0, len(command.data) - 1, 11)]
            elif command.data[:2] == b".T":
                self.run_sequence = command.data[3:].decode("ascii", errors="replace")
            elif command.data[:1] == b",":
                self.power_on()

    def _write_fault(self):
        """The scripted fault of this write, if it changes what happens to the write."""
        fault = self.fault("write")
        if fault is None:
            return None
        if fault.kind in ("unplug", "replug"):
            self.answer(b"", fault)
        return fault if fault.kind in ("unplug", "replug", "busy", "error_code") else None

    def _write_text(self, command: alpha.ReceivedCommand) -> None:
        if not command.data:
            return
        label, body = chr(command.data[0]), bytes(command.data[1:])
        fault = self._write_fault()
        if fault is not None and fault.kind in ("unplug", "replug", "busy"):
            return
        if fault is not None and fault.kind == "error_code":
            body = body[:-2] + b"##" if len(body) > 5 else body + b"#"
        try:
            text = alpha.parse_text_file(label.encode("ascii") + body).text
        except Exception:  # noqa: BLE001 - a board shows nothing for a file it cannot read
            return
        self.files[label] = body
        if label == self.call_label:
            call = call_from_text(text)
            if call is not None:
                self.board.show_call(call)
            else:
                self.board.show_text(text)
        else:
            self.board.show_text(text)
        self.emit({"event": "board", "file": label, "text": text})

    def _read_text(self, label: str) -> None:
        fault = self.fault("read")
        body = self.files.get(label, b"")
        reply = alpha.Packet(
            (alpha.Command(alpha.CommandCode.WRITE_TEXT.value, label.encode("ascii") + body, with_checksum=True),),
            type_code=alpha.TYPE_RESPONSE,
            address=self.address,
        ).encode()
        self.answer(reply, fault, corrupt=self._corrupt)

    @staticmethod
    def _corrupt(reply: bytes) -> bytes:
        # The four checksum digits sit just before EOT: change the last one.
        digit = reply[-2:-1]
        return reply[:-2] + (b"0" if digit != b"0" else b"1") + reply[-1:]
