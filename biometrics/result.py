"""The one shape every quality check of the library returns.

``{"passed": bool, "checks": [{"name", "passed", "value", "threshold", "hint"}, ...]}``: ``name`` is a stable
snake_case identifier, ``value`` what was measured (a number, or a short word such as a colour), ``threshold``
the rule as text (``">= 90 px"``, ``"0.45..0.55"``), and ``hint`` what the operator should do, in Bahasa
Indonesia, when the check fails ("Wajah terlalu kecil, minta pemohon mendekat"). Passed checks keep their hint
too, so a front end can show every rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    value: float | int | str | None
    threshold: str
    hint: str

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, float):
            value = round(value, 4) if math.isfinite(value) else None
        return {"name": self.name, "passed": bool(self.passed), "value": value, "threshold": self.threshold,
                "hint": self.hint}


@dataclass
class Result:
    checks: list[Check] = field(default_factory=list)
    #: Measurements beside the checks (positions, scores), for callers that need them; not in ``to_dict``.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def add(self, name: str, passed: bool, value: Any, threshold: str, hint: str) -> bool:
        self.checks.append(Check(name, bool(passed), value, threshold, hint))
        return bool(passed)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def hints(self) -> list[str]:
        return [c.hint for c in self.failed()]

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    @property
    def score(self) -> float:
        """Share of checks passed, 0..100."""
        return round(100.0 * sum(c.passed for c in self.checks) / len(self.checks), 1) if self.checks else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "checks": [c.to_dict() for c in self.checks]}


def in_range(value: float, low: float, high: float) -> bool:
    return math.isfinite(value) and low <= value <= high
