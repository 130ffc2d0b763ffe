"""A simple, fast fingerprint quality score 0..100 for 500 ppi greyscale images (about 1.5 ms at 400 x 400).

Interim measure: a later issue replaces it with NFIQ 2 style features (biometrics.md section 3.1). It is the
product of four terms in 0..1, each from the block maps of ``biometrics.ridge.analyse`` (8 px blocks):

- **area**: foreground (blocks with ridge energy) in pixels relative to ``NOMINAL_AREA``, square-rooted;
  a finger that touched with half its pad loses about 30 %.
- **contrast**: root-mean-square band-pass amplitude of the ridges (median over foreground blocks), ramped
  from ``CONTRAST_RANGE[0]`` (nothing usable) to ``CONTRAST_RANGE[1]`` grey levels (crisp, dark ridges).
  Faint, wet (smudged) and dry prints lose most of it.
- **coherence**: mean orientation coherence of the foreground (1 = perfectly parallel ridges), ramped over
  ``COHERENCE_RANGE``. Noise, smudges and scars lower it.
- **continuity**: 1 minus the share of foreground blocks whose ridge energy is below 30 % of the print's
  90th percentile, i.e. holes in the ridge flow as left by dry skin or uneven pressure.

On ``simulators.models.fingerprint``: good impressions score about 65..95, poor (wet, dry, faint) ones below
35. The station's default acceptance threshold is 40 (``finger_quality_min`` in station.toml).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biometrics.ridge import BLOCK, RidgeAnalysis, analyse

#: Foreground area (px at 500 ppi, about 130 mm2) that earns the full area term.
NOMINAL_AREA = 50_000
CONTRAST_RANGE = (5.0, 45.0)
COHERENCE_RANGE = (0.5, 0.97)
GAP_SHARE_OF_P90 = 0.3


@dataclass(frozen=True)
class QualityReport:
    score: float  # 0..100
    area: float  # terms 0..1
    contrast: float
    coherence: float
    continuity: float
    foreground_px: int
    ridge_amplitude: float  # grey levels, rms of the band-pass
    mean_coherence: float


def _ramp(value: float, low: float, high: float) -> float:
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


def assess_analysis(analysis: RidgeAnalysis) -> QualityReport:
    foreground = analysis.foreground
    pixels = int(foreground.sum()) * BLOCK * BLOCK
    if pixels == 0:
        return QualityReport(0.0, 0.0, 0.0, 0.0, 0.0, 0, 0.0, 0.0)
    energy = analysis.energy[foreground]
    amplitude = float(np.sqrt(np.median(energy)))
    mean_coherence = float(analysis.coherence[foreground].mean())
    gaps = float((energy < GAP_SHARE_OF_P90 * np.percentile(energy, 90)).mean())
    area = min(1.0, pixels / NOMINAL_AREA) ** 0.5
    contrast = _ramp(amplitude, *CONTRAST_RANGE)
    coherence = _ramp(mean_coherence, *COHERENCE_RANGE)
    continuity = 1.0 - gaps
    score = 100.0 * area * contrast * coherence * continuity
    return QualityReport(round(score, 1), area, contrast, coherence, continuity, pixels, amplitude, mean_coherence)


def assess(image: np.ndarray) -> QualityReport:
    """All the terms, for a technician or a test to see why a print scored as it did."""
    return assess_analysis(analyse(image))


def quality(image: np.ndarray) -> float:
    """Quality 0..100 of a 500 ppi greyscale fingerprint image (HxW uint8)."""
    return assess(image).score
