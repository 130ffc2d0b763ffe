"""Accuracy figures used by the benchmarks: FNMR at a target FMR, EER and d', for similarities and distances."""

from __future__ import annotations

import numpy as np

from biometrics import stats


def test_figures_on_known_distributions():
    rng = np.random.default_rng(0)
    genuine, impostor = rng.normal(3.0, 1.0, 2000), rng.normal(0.0, 1.0, 200_000)
    acc = stats.accuracy(genuine, impostor)
    assert abs(acc.d_prime - 3.0) < 0.1
    assert 0.05 < acc.eer < 0.09  # Phi(-1.5) = 0.067
    assert abs(acc.threshold_at[1e-3] - 3.09) < 0.05 and abs(acc.threshold_at[1e-4] - 3.72) < 0.1
    assert abs(acc.fnmr_at[1e-3] - 0.54) < 0.04
    assert stats.fmr(impostor, acc.threshold_at[1e-4]) <= 1e-4


def test_distances_and_separated_sets():
    genuine, impostor = [0.1, 0.12, 0.2], [0.45, 0.47, 0.5, 0.48] * 3000
    acc = stats.accuracy(genuine, impostor, higher_is_better=False)
    assert acc.eer == 0.0 and acc.fnmr_at[1e-3] == 0.0
    assert 0.2 <= acc.threshold_at[1e-4] < 0.45
    assert stats.fmr(impostor, 0.46, higher_is_better=False) == 0.25


def test_too_few_impostors_for_a_target_is_not_estimable():
    acc = stats.accuracy([0.9, 0.8], [0.1] * 50)
    assert np.isnan(acc.fnmr_at[1e-4]) and np.isnan(acc.threshold_at[1e-3])
