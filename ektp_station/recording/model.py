"""Value types of a recording: statuses, step outcomes, declared exceptions and what a step hands back."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from drivers.interfaces import Eye, Finger


class SessionStatus(str, enum.Enum):
    IN_PROGRESS = "IN_PROGRESS"
    # Dukcapil's enrolment status once photo, signature, ten prints and irises are captured.
    BIO_CAPTURED = "BIO_CAPTURED"
    # Biodata verification refused the applicant (not in the records, not wajib KTP, …).
    REJECTED = "REJECTED"


class Outcome(str, enum.Enum):
    OK = "OK"
    FORCED = "FORCED"  # accepted below the quality bar after the last attempt
    EXCEPTION = "EXCEPTION"  # done with declared missing fingers / eyes
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class BiometricException:
    """A finger or eye that cannot be captured, declared by the operator."""

    kind: str  # "finger" or "eye"
    position: str  # Finger name (R_INDEX …) or eye ("L"/"R")
    reason: str
    permanent: bool

    @classmethod
    def parse(cls, text: str) -> "BiometricException":
        """``finger:R_INDEX:amputasi:permanen`` or ``eye:L:cedera:sementara``."""
        from ektp_station.errors import RecordingError

        parts = text.split(":")
        if len(parts) != 4:
            raise RecordingError(
                f"Pengecualian tidak valid: {text!r} (bentuk: finger:R_INDEX:alasan:permanen|sementara)"
            )
        kind, position, reason, duration = (p.strip() for p in parts)
        kind = kind.lower()
        if kind in ("finger", "jari"):
            kind = "finger"
            names = [f.name for f in Finger]
            if position.upper() not in names:
                raise RecordingError(f"Jari tidak dikenal: {position} (pilihan: {', '.join(names)})")
            position = position.upper()
        elif kind in ("eye", "mata"):
            kind = "eye"
            if position.upper() not in ("L", "R"):
                raise RecordingError(f"Mata tidak dikenal: {position} (pilihan: L, R)")
            position = position.upper()
        else:
            raise RecordingError(f"Jenis pengecualian tidak dikenal: {kind} (finger atau eye)")
        if not reason:
            raise RecordingError("Alasan pengecualian wajib diisi")
        if duration.lower() not in ("permanen", "sementara", "permanent", "temporary"):
            raise RecordingError(f"Sifat pengecualian harus permanen atau sementara, bukan {duration!r}")
        return cls(kind, position, reason, duration.lower() in ("permanen", "permanent"))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "position": self.position, "reason": self.reason, "permanent": self.permanent}

    @property
    def finger(self) -> Finger | None:
        return Finger[self.position] if self.kind == "finger" else None

    @property
    def eye(self) -> Eye | None:
        return Eye(self.position) if self.kind == "eye" else None


@dataclass
class NewArtefact:
    """A capture a step produced; ``data`` goes to the encrypted store, the rest to the database."""

    kind: str
    position: str | None = None
    data: bytes | None = None
    quality: float | None = None
    attempts: int = 1
    forced: bool = False
    exception: BiometricException | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepResult:
    outcome: Outcome = Outcome.OK
    attempts: int = 1
    detail: dict[str, Any] = field(default_factory=dict)
    artefacts: list[NewArtefact] = field(default_factory=list)
    # Set by the verification step when the applicant is refused; the session ends REJECTED.
    reject_reason: str | None = None
