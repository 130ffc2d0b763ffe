"""Capture with N attempts: keep the best, stop at the first good one, force the best after the last.

Device-agnostic: an ``attempt`` callable returns ``(value, quality)`` or raises a ``DeviceError``. Retryable
device errors (no finger, corrupt packet, busy) count as failed attempts; fatal ones stop at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Generic, Hashable, TypeVar

from drivers.errors import DeviceError
from ektp_station.errors import RecordingError

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass
class Best(Generic[T]):
    value: T
    quality: float
    attempts: int
    forced: bool
    errors: list[str] = field(default_factory=list)


def best_of(
    attempt: Callable[[int], tuple[T, float]],
    *,
    max_attempts: int,
    min_quality: float,
    what: str,
) -> Best[T]:
    best: T | None = None
    best_q = float("-inf")
    errors: list[str] = []
    for number in range(1, max_attempts + 1):
        try:
            value, quality = attempt(number)
        except DeviceError as exc:
            if not exc.retryable:
                raise
            errors.append(exc.message)
            continue
        if quality > best_q:
            best, best_q = value, quality
        if quality >= min_quality:
            return Best(best, best_q, number, False, errors)
    if best is None:
        last = errors[-1] if errors else "tidak ada hasil"
        raise RecordingError(f"{what} gagal setelah {max_attempts} percobaan: {last}")
    return Best(best, best_q, max_attempts, True, errors)


def best_per_part(
    attempt: Callable[[int], dict[K, tuple[T, float]]],
    expected: set[K],
    *,
    max_attempts: int,
    min_quality: float,
    what: str,
) -> dict[K, Best[T]]:
    """Multi-part captures (a 4-finger slap, both eyes): keep the best of each part over the attempts."""
    best: dict[K, Best[T]] = {}
    errors: list[str] = []
    for number in range(1, max_attempts + 1):
        try:
            parts = attempt(number)
        except DeviceError as exc:
            if not exc.retryable:
                raise
            errors.append(exc.message)
            continue
        for key, (value, quality) in parts.items():
            if key not in expected:
                continue
            if key not in best or quality > best[key].quality:
                best[key] = Best(value, quality, number, False, [])
            else:
                best[key].attempts = number
        for item in best.values():
            item.attempts = number
        if set(best) == expected and all(b.quality >= min_quality for b in best.values()):
            return best
    missing = expected - set(best)
    if missing:
        names = ", ".join(sorted(str(getattr(m, "name", m)) for m in missing))
        hint = f"; terakhir: {errors[-1]}" if errors else ""
        raise RecordingError(
            f"{what}: {names} tidak terekam setelah {max_attempts} percobaan{hint}. "
            "Ulangi, atau nyatakan pengecualian (--exception)."
        )
    for item in best.values():
        item.forced = item.quality < min_quality
    return best
