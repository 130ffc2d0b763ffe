"""Accuracy figures of a comparator from its genuine and impostor scores (ISO/IEC 19795-1 terms).

``higher_is_better``: True for similarity scores (fingerprints), False for distances (iris Hamming distance).
Pure numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Accuracy:
    genuine: int
    impostor: int
    eer: float  # 0..1
    d_prime: float
    fnmr_at: dict[float, float]  # FMR target -> FNMR (0..1); NaN when too few impostors to reach the target
    threshold_at: dict[float, float]  # FMR target -> threshold


def _oriented(genuine, impostor, higher_is_better: bool) -> tuple[np.ndarray, np.ndarray]:
    g, i = np.asarray(genuine, np.float64), np.asarray(impostor, np.float64)
    return (g, i) if higher_is_better else (-g, -i)


def threshold_for_fmr(impostor, fmr: float, higher_is_better: bool = True) -> float:
    """The least strict threshold whose false match rate is at most ``fmr`` (NaN if not estimable)."""
    _, imp = _oriented([], impostor, higher_is_better)
    n = len(imp)
    if n == 0 or fmr * n < 1:
        return float("nan")
    allowed = int(math.floor(fmr * n))  # impostor scores allowed at or above the threshold
    ordered = np.sort(imp)[::-1]
    value = ordered[allowed] if allowed < n else ordered[-1]
    value = float(np.nextafter(value, np.inf))  # strictly above the (allowed + 1)-th highest impostor
    return value if higher_is_better else -value


def fnmr(genuine, threshold: float, higher_is_better: bool = True) -> float:
    g = np.asarray(genuine, np.float64)
    return float(np.mean(g < threshold)) if higher_is_better else float(np.mean(g > threshold))


def fmr(impostor, threshold: float, higher_is_better: bool = True) -> float:
    i = np.asarray(impostor, np.float64)
    return float(np.mean(i >= threshold)) if higher_is_better else float(np.mean(i <= threshold))


def eer(genuine, impostor, higher_is_better: bool = True) -> float:
    g, i = _oriented(genuine, impostor, higher_is_better)
    if len(g) == 0 or len(i) == 0:
        return float("nan")
    candidates = np.unique(np.concatenate([g, i, [np.inf]]))
    gs, is_ = np.sort(g), np.sort(i)
    false_non_match = np.searchsorted(gs, candidates, side="left") / len(gs)
    false_match = (len(is_) - np.searchsorted(is_, candidates, side="left")) / len(is_)
    return float(np.min(np.maximum(false_non_match, false_match)))


def d_prime(genuine, impostor) -> float:
    g, i = np.asarray(genuine, np.float64), np.asarray(impostor, np.float64)
    return float(abs(g.mean() - i.mean()) / math.sqrt(0.5 * (g.var() + i.var()) + 1e-12))


def accuracy(genuine, impostor, higher_is_better: bool = True, targets=(1e-3, 1e-4)) -> Accuracy:
    thresholds = {t: threshold_for_fmr(impostor, t, higher_is_better) for t in targets}
    rates = {t: (fnmr(genuine, th, higher_is_better) if math.isfinite(th) else float("nan"))
             for t, th in thresholds.items()}
    return Accuracy(len(genuine), len(impostor), eer(genuine, impostor, higher_is_better),
                    d_prime(genuine, impostor), rates, thresholds)
