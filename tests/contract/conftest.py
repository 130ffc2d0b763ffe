"""Contract suites: one per device kind, parametrised over every driver + simulator pair (and real hardware).

Each ``tests/contract/pairs_<driver>.py`` module defines ``PAIRS: list[Pair]``. A pair opens a driver connected
to its simulator (in-process, over a pty or over TCP) and yields ``(device, control)``, where ``control`` lets the
test script the simulator (``control.scenario(...)``, ``control.events``) or is ``None`` for real hardware.
A hardware pair is listed when an environment variable names its port (e.g. ``EKTP_HW_ZFM_PORT``) and is
otherwise a skipped parameter whose reason says which variable to set.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from drivers.interfaces import DeviceKind


@dataclass(frozen=True)
class Pair:
    kind: DeviceKind
    id: str
    open: Callable[..., AbstractContextManager[tuple[Any, Any]]]
    skip_reason: str | None = None


def all_pairs() -> list[Pair]:
    pairs: list[Pair] = []
    for path in sorted(Path(__file__).parent.glob("pairs_*.py")):
        module = importlib.import_module(f"tests.contract.{path.stem}")
        pairs.extend(module.PAIRS)
    return pairs


def pairs_for(kind: DeviceKind) -> list:
    """``pytest.param`` per pair of ``kind``, for ``@pytest.mark.parametrize("pair", pairs_for(kind))``."""
    params = []
    for pair in all_pairs():
        if pair.kind != kind:
            continue
        marks = [pytest.mark.skip(reason=pair.skip_reason)] if pair.skip_reason else []
        params.append(pytest.param(pair, id=pair.id, marks=marks))
    return params
