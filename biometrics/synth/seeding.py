"""Deterministic random streams for the device models.

``rng(seed, finger, "impression")`` always yields the same stream for the same keys, in every process:
keys are integers (any sign) or short tags, never Python's randomised ``hash``.
"""

from __future__ import annotations

import numpy as np


def rng(*keys: int | str) -> np.random.Generator:
    words = [k if isinstance(k, int) else int.from_bytes(k.encode(), "little") for k in keys]
    return np.random.default_rng([w % (1 << 64) for w in words])
