"""Scripted faults for the simulators: what goes wrong, on which attempt, for which finger or eye.

A scenario file (TOML or JSON) lists faults; a simulator asks ``scenario.fault_for(operation, part)`` every time
the host starts an operation, and acts the fault out on the wire. Without a scenario every device is healthy and
the applicant cooperative.

TOML form::

    device = "zfm"                 # optional: the device this scenario was written for

    [[faults]]
    kind = "no_finger"             # one of FAULT_KINDS
    operation = "capture"          # optional: "capture" (default any), "upload", "search", "query", "print", ...
    part = "R_INDEX"               # optional: finger name, slap (RIGHT_FOUR…), eye ("L"/"R"); default any
    attempt = [1, 2]               # optional: which occurrences of (operation, part), 1-based; default every one
    seconds = 3.0                  # optional parameters, read by the fault kinds that need them
    after_bytes = 2000
    code = "105"

Attempts are counted per (operation, part) pair, so "the second capture of the left index finger" is
``operation = "capture", part = "L_INDEX", attempt = 2``.

Optional ``[[touches]]`` entries script things that are no faults but happen on the wire all the same: a finger or
a palm on a signature pad's touch screen during a signature (the ISDV4 simulator sends touch packets for them; see
its docstring for the fields). They are matched like faults (``operation``, default ``"capture"``, ``part``,
``attempt``) and do not hide a fault scripted for the same attempt (a single ``[touches]`` table works too)::

    [[touches]]
    attempt = 2                    # the second signature
    at = 0.4                       # seconds after the pen comes near
    seconds = 0.5
    x = 1800
    y = 2400

An optional ``[applicant]`` table sets who stands at the device and how the simulated device behaves when no
fault is scripted (the wire simulators read it as their settings: ``seed``, ``finger``, ``missing``, ``pace``,
``throttle`` ...; see each simulator's docstring)::

    [applicant]
    seed = 7
    missing = ["R_INDEX"]
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAULT_KINDS = {
    "low_quality": "the capture succeeds with a poor image",
    "no_finger": "nothing on the glass / no eye in view",
    "three_of_four": "a four-finger slap with one finger missing",
    "wrong_finger": "the applicant presents another finger than asked",
    "no_answer": "the device stays silent",
    "garbage": "random bytes instead of the answer",
    "bad_checksum": "the answer with a corrupted checksum",
    "unplug": "the link drops in the middle of a transfer (after_bytes)",
    "slow": "the answer comes late (seconds)",
    "busy": "the device reports it is busy",
    "replug": "the device comes back after an unplug",
    "error_code": "a protocol-level error code (code)",
    "truncated": "the answer is cut short",
}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Fault:
    kind: str
    operation: str | None = None
    part: str | None = None
    attempts: frozenset[int] | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def matches(self, operation: str, part: str | None, occurrence: int) -> bool:
        if self.operation is not None and self.operation != operation:
            return False
        if self.part is not None and self.part != part:
            return False
        return self.attempts is None or occurrence in self.attempts

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


class Scenario:
    """Counts operations and hands out the first fault that matches each one."""

    def __init__(
        self,
        faults: list[Fault] | None = None,
        device: str | None = None,
        applicant: dict[str, Any] | None = None,
        touches: list[Fault] | None = None,
    ):
        self.faults = list(faults or [])
        #: ``[[touches]]`` entries (kind ``"touch"``), matched like faults but never returned by :meth:`fault_for`.
        self.touches = list(touches or [])
        self.device = device
        #: Settings of the simulated applicant/device (the ``[applicant]`` table); empty by default.
        self.applicant: dict[str, Any] = dict(applicant or {})
        self._counts: Counter[tuple[str, str | None]] = Counter()

    @classmethod
    def healthy(cls) -> "Scenario":
        return cls([])

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<scenario>") -> "Scenario":
        if not isinstance(data, dict):
            raise ScenarioError(f"{source}: skenario harus berupa tabel/objek")
        unknown = set(data) - {"device", "faults", "description", "applicant", "touches"}
        if unknown:
            raise ScenarioError(f"{source}: kunci tidak dikenal: {', '.join(sorted(unknown))}")
        faults = [
            _entry(raw, f"{source}: faults[{index}]") for index, raw in enumerate(data.get("faults", []), start=1)
        ]
        raw_touches = data.get("touches", [])
        if isinstance(raw_touches, dict):  # a single [touches] table
            raw_touches = [raw_touches]
        if not isinstance(raw_touches, list):
            raise ScenarioError(f"{source}: touches harus berupa daftar tabel [[touches]]")
        touches = [
            _entry(raw, f"{source}: touches[{index}]", kind="touch", operation="capture")
            for index, raw in enumerate(raw_touches, start=1)
        ]
        device = data.get("device")
        applicant = data.get("applicant", {})
        if not isinstance(applicant, dict):
            raise ScenarioError(f"{source}: applicant harus berupa tabel")
        return cls(faults, device if isinstance(device, str) else None, applicant, touches)

    @classmethod
    def load(cls, path: str | Path) -> "Scenario":
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"berkas skenario tidak dapat dibaca: {p} ({exc.strerror})") from exc
        try:
            data = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ScenarioError(f"{p}: skenario tidak valid: {exc}") from exc
        return cls.from_dict(data, str(p))

    def fault_for(self, operation: str, part: str | None = None) -> Fault | None:
        """Count one more ``operation`` on ``part`` and return the fault scripted for it, if any."""
        self._counts[(operation, part)] += 1
        occurrence = self._counts[(operation, part)]
        for fault in self.faults:
            if fault.matches(operation, part, occurrence):
                return fault
        return None

    def occurrences(self, operation: str, part: str | None = None) -> int:
        return self._counts[(operation, part)]

    def touches_for(self, operation: str, part: str | None = None) -> list[Fault]:
        """The ``[[touches]]`` entries for the occurrence of ``operation`` on ``part`` that :meth:`fault_for` counted
        last (call it after ``fault_for``; it counts nothing itself)."""
        occurrence = self._counts[(operation, part)]
        return [touch for touch in self.touches if touch.matches(operation, part, occurrence)]


def _entry(raw: Any, where: str, *, kind: str | None = None, operation: str | None = None) -> Fault:
    """One ``[[faults]]`` (``kind`` from the entry) or ``[[touches]]`` (``kind`` given) entry."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where} harus berupa tabel")
    raw = dict(raw)
    if kind is None:
        kind = raw.pop("kind", None)
        if kind not in FAULT_KINDS:
            raise ScenarioError(f"{where} jenis gangguan tidak dikenal: {kind!r} "
                                f"(pilihan: {', '.join(sorted(FAULT_KINDS))})")
    attempt = raw.pop("attempt", None)
    if attempt is None:
        attempts = None
    else:
        values = attempt if isinstance(attempt, list) else [attempt]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
            raise ScenarioError(f"{where} attempt harus bilangan bulat >= 1")
        attempts = frozenset(values)
    operation = raw.pop("operation", operation)
    part = raw.pop("part", None)
    for name, value in (("operation", operation), ("part", part)):
        if value is not None and not isinstance(value, str):
            raise ScenarioError(f"{where} {name} harus teks")
    return Fault(kind, operation, part, attempts, raw)
