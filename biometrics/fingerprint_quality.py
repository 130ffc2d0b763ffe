"""Fingerprint quality 0..100 (NFIQ 2's scale, higher is better) from NFIQ 2 style features.

NIST's NFIQ 2 maps 69 features through a random forest trained on operational data; that model is not used
here. This score keeps NFIQ 2's ingredients (``biometrics.fingerprint_features``) and combines them with a
documented formula, a product of terms in 0..1:

- **area**: foreground area relative to ``NOMINAL_AREA`` (about 310 mm2 at 500 ppi, a thumb's flat
  impression), square-rooted: NFIQ 2 ranks prints strongly by their usable area (a little finger scores below a
  thumb, half a fingertip far below a whole one), and this term is what brings the rank agreement with an NFIQ 2
  implementation on the synthetic set from 0.79 (nominal 130 mm2) to about 0.9.
- **contrast**: median band-pass ridge amplitude, ramped over ``CONTRAST_RANGE`` grey levels (faint, wet and
  dry prints lose most of it).
- **clarity**: mean over the 32 px foreground blocks of a weighted sum of the local features, each ramped over
  the range that separates unusable from crisp ridges: LCS (0.35), FDA (0.25), OCL (0.25), 1 - OF (0.15).
- **continuity**: 1 minus the share of 8 px foreground blocks whose ridge energy is below 30 % of the print's
  90th percentile, i.e. holes in the ridge flow left by dry skin or uneven pressure.

Measured on the synthetic generator (``biometrics.synth.fingerprint``): good flat impressions 47..90 (median
about 83 for thumbs, 72 for index fingers, 59 for little fingers; little fingers cut from a slap 44 and up),
wet, dry and faint ones below 30. NFIQ 2 has no pass mark; enrolment projects recapture below about 35..40 (MOSIP's slap
default is 40), and the station's ``finger_quality_min`` defaults to 40. The agreement with an NFIQ 2
implementation (Spearman rho) is measured in bench/bench_fingerprint.py where one is installed.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from biometrics.fingerprint_features import BlockFeatures, block_features
from biometrics.result import Result
from biometrics.ridge import BLOCK, RidgeAnalysis, analyse

NOMINAL_AREA = 120_000
CONTRAST_RANGE = (5.0, 40.0)
GAP_SHARE_OF_P90 = 0.3
#: (feature, weight, low, high): each ramped from ``low`` (0) to ``high`` (1); OF is used as 1 - OF.
CLARITY_TERMS = (("lcs", 0.35, 0.60, 0.86), ("fda", 0.25, 0.28, 0.44), ("ocl", 0.25, 0.60, 0.95),
                 ("orientation_flow", 0.15, 0.50, 0.10))  # fmt: skip
#: The station's default acceptance level (``finger_quality_min``).
ACCEPT = 40.0


@dataclass(frozen=True)
class QualityReport:
    score: float  # 0..100
    area: float  # terms 0..1
    contrast: float
    clarity: float
    continuity: float
    foreground_px: int
    ridge_amplitude: float  # grey levels, rms of the band-pass
    ridge_period: float  # px, median over the blocks
    blocks: int  # 32 px foreground blocks
    features: BlockFeatures

    # Kept for callers of the interim score.
    @property
    def coherence(self) -> float:
        return float(self.features.coherence.mean()) if self.blocks else 0.0


def _ramp(value, low: float, high: float):
    return np.clip((np.asarray(value, np.float64) - low) / (high - low), 0.0, 1.0)


def assess_analysis(analysis: RidgeAnalysis, image: np.ndarray) -> QualityReport:
    feats = block_features(image, analysis)
    foreground = analysis.foreground
    pixels = int(foreground.sum()) * BLOCK * BLOCK
    if pixels == 0 or feats.blocks == 0:
        return QualityReport(0.0, 0.0, 0.0, 0.0, 0.0, pixels, 0.0, 0.0, 0, feats)
    energy = analysis.energy[foreground]
    amplitude = float(np.sqrt(np.median(energy)))
    gaps = float((energy < GAP_SHARE_OF_P90 * np.percentile(energy, 90)).mean())
    local = sum(weight * _ramp(getattr(feats, name), low, high) for name, weight, low, high in CLARITY_TERMS)
    clarity = float(np.mean(local))
    area = min(1.0, pixels / NOMINAL_AREA) ** 0.5
    contrast = float(_ramp(amplitude, *CONTRAST_RANGE))
    continuity = 1.0 - gaps
    score = 100.0 * area * contrast * clarity * continuity
    return QualityReport(round(score, 1), area, contrast, clarity, continuity, pixels, amplitude,
                         float(np.median(feats.ridge_period)), feats.blocks, feats)


def assess(image: np.ndarray) -> QualityReport:
    """All the terms, for a technician or a test to see why a print scored as it did."""
    return assess_analysis(analyse(image), image)


_CACHE: OrderedDict[tuple, float] = OrderedDict()
_CACHE_SIZE = 64


def quality(image: np.ndarray) -> float:
    """Quality 0..100 of a 500 ppi greyscale fingerprint image (HxW uint8).

    The last ``_CACHE_SIZE`` scores are remembered by the pixels' digest: a scanner driver and the station
    scoring the same capture (the simulators report this score as their device quality) pay once."""
    key = (image.shape, str(image.dtype), hashlib.blake2b(np.ascontiguousarray(image).data, digest_size=16).digest())
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    score = assess(image).score
    _CACHE[key] = score
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return score


def check(image: np.ndarray, minimum: float = ACCEPT) -> Result:
    """The capture checks with operator hints; ``extra["quality"]`` holds the score."""
    report = assess(image)
    r = Result(extra={"quality": report.score, "report": report})
    r.add("foreground", report.area >= 0.6, report.foreground_px, f">= {int(0.36 * NOMINAL_AREA)} px",
          "Jari kurang menempel, minta pemohon menekan seluruh ujung jari ke kaca pemindai")
    dark = report.features.roi_mean < 90 if report.blocks else False
    least = CONTRAST_RANGE[0] + 0.4 * (CONTRAST_RANGE[1] - CONTRAST_RANGE[0])
    r.add("contrast", report.contrast >= 0.4, round(report.ridge_amplitude, 1), f">= {least:.0f}",
          "Sidik jari terlalu basah/tebal, minta pemohon mengeringkan jari" if dark
          else "Sidik jari terlalu tipis, minta pemohon menekan sedikit lebih kuat atau membasahi jari sedikit")
    r.add("clarity", report.clarity >= 0.5, round(report.clarity, 3), ">= 0.5",
          "Alur sidik jari tidak jelas, bersihkan kaca pemindai dan ulangi")
    r.add("continuity", report.continuity >= 0.75, round(report.continuity, 3), ">= 0.75",
          "Alur sidik jari terputus-putus (jari kering), minta pemohon melembapkan jari lalu ulangi")
    r.add("quality", report.score >= minimum, report.score, f">= {minimum:g}",
          "Kualitas sidik jari rendah, ulangi penempelan jari")
    return r
