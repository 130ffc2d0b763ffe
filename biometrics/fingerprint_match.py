"""1:1 fingerprint comparison on minutiae: Minutia Cylinder-Code style local descriptors plus a global
consolidation by alignment hypotheses.

Template (``extract``): the minutiae of ``biometrics.minutiae`` and, for each one, a descriptor of its
neighbourhood in its own frame (position and direction relative to the minutia, so rotation and translation do
not change it), after Cappelli, Ferrara and Maltoni's Minutia Cylinder-Code:

- a disc of radius ``RADIUS`` px around the minutia is cut into ``CELLS`` x ``CELLS`` square cells (those whose
  centre lies within the disc count), times ``DIRECTIONS`` bins of the neighbours' direction difference;
- each neighbour within reach adds a spatial Gaussian (sigma ``SIGMA_S``) times a directional Gaussian
  (sigma ``SIGMA_D``) to every cell; values are squashed by ``tanh(v / SATURATION)``;
- a cell is *valid* when its centre lies in the print's foreground; a minutia whose disc is mostly outside
  (fewer than ``MIN_VALID_SHARE`` valid cells) or that has fewer than ``MIN_NEIGHBOURS`` neighbours gets no
  descriptor.

Comparison (``compare``):

1. **Local similarities** of every descriptor pair over the cells valid in both: 1 - |a - b| / (|a| + |b|)
   (0 when fewer than ``MIN_COMMON_SHARE`` of the cells are common or the directions differ by more than
   ``MAX_ROTATION``). All pairs at once as matrix products.
2. **Consolidation**: the ``HYPOTHESES`` most similar pairs each propose a rigid alignment (b's minutia onto
   a's). Under each, b's minutiae are moved into a's frame and paired one-to-one with a's (mutual nearest,
   within ``PAIR_DISTANCE`` px and ``PAIR_ANGLE``); the hypothesis scores the sum of the paired minutiae's
   local similarities.
3. **Score** = best hypothesis sum / max(mean number of minutiae of the two prints inside their common area,
   ``MIN_PAIRED``): 0..1. A small common area cannot reach a high score.

Threshold (``THRESHOLD``), chosen for a false match rate of 0.01 %: see ``THRESHOLD``'s comment and
bench/bench_fingerprint.py, which measures FNMR at FMR 0.1 % / 0.01 %, EER and d' on the synthetic generator.
Pure numpy/OpenCV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from biometrics.minutiae import Minutiae
from biometrics.minutiae import extract as extract_minutiae
from biometrics.ridge import BLOCK, RidgeAnalysis, analyse

#: Decision threshold on ``MatchResult.score``, for a false match rate of 0.01 %. Measured with
#: bench/bench_fingerprint.py on biometrics.synth.fingerprint (150 fingers x 3 good impressions: 450 genuine and
#: 33 525 impostor comparisons): impostors 0.00..0.273, the FMR 0.01 % point at 0.235; genuine 0.38 and up
#: (flat against the same finger cut from a slap: 0.43..0.64). 0.30 sits above every impostor score with a
#: margin for the longer tail of a larger population, and still below every good genuine score (FNMR 0 on
#: that set; wet/dry/faint captures, which the station recaptures on quality, score 0.27..0.55).
#: Recalibrate on real prints before operational use.
THRESHOLD = 0.30

RADIUS = 70.0
CELLS = 10
DIRECTIONS = 6
SIGMA_S = 7.0
SIGMA_D = 2 * math.pi / 9
SATURATION = 0.6
MIN_VALID_SHARE = 0.6
MIN_NEIGHBOURS = 2
MIN_COMMON_SHARE = 0.6
MAX_ROTATION = math.radians(60)
HYPOTHESES = 10
PAIR_DISTANCE = 14.0
PAIR_ANGLE = math.radians(30)
MIN_PAIRED = 12


@dataclass(frozen=True)
class MatchResult:
    score: float
    threshold: float
    match: bool

    def to_dict(self) -> dict:
        return {"score": round(self.score, 4), "threshold": self.threshold, "match": self.match}


@dataclass(frozen=True)
class FingerprintFeatures:
    """A comparison template: ``extract`` it once to compare one print against many."""

    minutiae: Minutiae
    descriptors: np.ndarray  # (n, cells * directions) float32, rows of minutiae without one are 0
    valid: np.ndarray  # (n, cells) float32 0/1
    usable: np.ndarray  # (n,) bool: minutiae that have a descriptor
    foreground: np.ndarray  # bool block map (8 px blocks)

    @property
    def shape(self) -> tuple[int, int]:
        return self.minutiae.mask.shape

    def __len__(self) -> int:
        return len(self.minutiae)


def _cell_offsets() -> np.ndarray:
    step = 2 * RADIUS / CELLS
    centres = (np.arange(CELLS) + 0.5) * step - RADIUS
    gx, gy = np.meshgrid(centres, centres)
    inside = gx * gx + gy * gy <= RADIUS * RADIUS
    return np.stack([gx[inside], gy[inside]], axis=1).astype(np.float32)  # (C, 2) in the minutia frame


_CELLS = _cell_offsets()
_DIR_CENTRES = (np.arange(DIRECTIONS) + 0.5) * (2 * math.pi / DIRECTIONS) - math.pi


def _wrap(angle):
    return (angle + np.pi) % (2 * np.pi) - np.pi


def extract(image: np.ndarray, analysis: RidgeAnalysis | None = None) -> FingerprintFeatures:
    analysis = analysis or analyse(image)
    m = extract_minutiae(image, analysis)
    return template(m, analysis.foreground)


def template(m: Minutiae, foreground: np.ndarray) -> FingerprintFeatures:
    n, c = len(m), len(_CELLS)
    if n == 0:
        return FingerprintFeatures(m, np.zeros((0, c * DIRECTIONS), np.float32), np.zeros((0, c), np.float32),
                                   np.zeros(0, bool), foreground)
    x, y, a = m.x.astype(np.float64), m.y.astype(np.float64), m.angle.astype(np.float64)
    cos, sin = np.cos(a), np.sin(a)
    # Cell centres in image coordinates: (n, C).
    cx = x[:, None] + _CELLS[None, :, 0] * cos[:, None] - _CELLS[None, :, 1] * sin[:, None]
    cy = y[:, None] + _CELLS[None, :, 0] * sin[:, None] + _CELLS[None, :, 1] * cos[:, None]
    gh, gw = foreground.shape
    bi, bj = np.floor(cy / BLOCK).astype(int), np.floor(cx / BLOCK).astype(int)
    inside = (bi >= 0) & (bi < gh) & (bj >= 0) & (bj < gw)
    valid = np.zeros((n, c), bool)
    valid[inside] = foreground[bi[inside], bj[inside]]
    # Neighbour contributions, only for the pairs within reach: spatial (P, C) x directional (P, D).
    dx = x[None, :] - x[:, None]
    dy = y[None, :] - y[:, None]
    near = (dx * dx + dy * dy <= (RADIUS + 3 * SIGMA_S) ** 2) & ~np.eye(n, dtype=bool)
    pi, pj = np.nonzero(near)
    pdx, pdy = dx[pi, pj], dy[pi, pj]
    lx = (pdx * cos[pi] + pdy * sin[pi]).astype(np.float32)  # neighbour j in minutia i's frame
    ly = (-pdx * sin[pi] + pdy * cos[pi]).astype(np.float32)
    d2 = (lx[:, None] - _CELLS[None, :, 0]) ** 2 + (ly[:, None] - _CELLS[None, :, 1]) ** 2
    spatial = np.exp(d2 * np.float32(-1.0 / (2 * SIGMA_S**2)))
    turn = _wrap(a[pj] - a[pi])
    directional = np.exp(-(_wrap(turn[:, None] - _DIR_CENTRES[None, :]) ** 2) / (2 * SIGMA_D**2)).astype(np.float32)
    # Per minutia, the sum over its neighbours of spatial (C) x directional (D): one batched matrix product
    # over the neighbour lists (pi is sorted), padded to the longest.
    values = np.zeros((n, c, DIRECTIONS), np.float32)
    if len(pi):
        counts = np.bincount(pi, minlength=n)
        slot = np.arange(len(pi)) - (np.cumsum(counts) - counts)[pi]
        longest = int(counts.max())
        s_pad = np.zeros((n, longest, c), np.float32)
        d_pad = np.zeros((n, longest, DIRECTIONS), np.float32)
        s_pad[pi, slot] = spatial
        d_pad[pi, slot] = directional
        values = np.matmul(s_pad.transpose(0, 2, 1), d_pad)
    desc = np.tanh(values / SATURATION) * valid[:, :, None]
    neighbours = (near & (dx * dx + dy * dy <= RADIUS * RADIUS)).sum(axis=1)
    usable = (valid.mean(axis=1) >= MIN_VALID_SHARE) & (neighbours >= MIN_NEIGHBOURS)
    desc[~usable] = 0
    return FingerprintFeatures(m, desc.reshape(n, -1).astype(np.float32), valid.astype(np.float32), usable,
                               foreground)


def _features(x: np.ndarray | FingerprintFeatures) -> FingerprintFeatures:
    return x if isinstance(x, FingerprintFeatures) else extract(x)


def local_similarities(fa: FingerprintFeatures, fb: FingerprintFeatures) -> np.ndarray:
    """(na, nb) similarities of the minutiae descriptors over their common valid cells."""
    va, vb = fa.valid, fb.valid
    da = fa.descriptors.reshape(len(fa), -1, DIRECTIONS)
    db = fb.descriptors.reshape(len(fb), -1, DIRECTIONS)
    a2 = (da * da).sum(axis=2)  # (na, C)
    b2 = (db * db).sum(axis=2)
    norm_a = a2 @ vb.T  # |a|^2 over the cells valid in b
    norm_b = va @ b2.T
    cross = fa.descriptors @ fb.descriptors.T  # masks already applied to the descriptors
    common = va @ vb.T
    cells = va.shape[1]
    distance = np.sqrt(np.maximum(norm_a + norm_b - 2 * cross, 0))
    sim = 1.0 - distance / np.maximum(np.sqrt(norm_a) + np.sqrt(norm_b), 1e-6)
    rotation = np.abs(_wrap(fa.minutiae.angle[:, None] - fb.minutiae.angle[None, :]))
    ok = (common >= MIN_COMMON_SHARE * cells) & (rotation <= MAX_ROTATION)
    ok &= fa.usable[:, None] & fb.usable[None, :]
    ok &= (norm_a > 0) & (norm_b > 0)
    return np.where(ok, sim, 0.0).astype(np.float32)


def _in_foreground(foreground: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    gh, gw = foreground.shape
    bi, bj = np.floor(y / BLOCK).astype(int), np.floor(x / BLOCK).astype(int)
    inside = (bi >= 0) & (bi < gh) & (bj >= 0) & (bj < gw)
    out = np.zeros(len(x), bool)
    out[inside] = foreground[bi[inside], bj[inside]]
    return out


def score(fa: FingerprintFeatures, fb: FingerprintFeatures) -> float:
    """Similarity 0..1 of two templates (see the module docstring)."""
    if len(fa) < 3 or len(fb) < 3:
        return 0.0
    sim = local_similarities(fa, fb)
    flat = np.argsort(sim, axis=None)[::-1][:HYPOTHESES]
    ma, mb = fa.minutiae, fb.minutiae
    ax, ay, aa = ma.x.astype(np.float64), ma.y.astype(np.float64), ma.angle.astype(np.float64)
    bx, by, ba = mb.x.astype(np.float64), mb.y.astype(np.float64), mb.angle.astype(np.float64)
    best = 0.0
    for index in flat:
        i, j = divmod(int(index), sim.shape[1])
        if sim[i, j] <= 0:
            break
        turn = aa[i] - ba[j]
        c, s = math.cos(turn), math.sin(turn)
        tx = ax[i] + c * (bx - bx[j]) - s * (by - by[j])  # b's minutiae in a's frame
        ty = ay[i] + s * (bx - bx[j]) + c * (by - by[j])
        ta = ba + turn
        d2 = (ax[:, None] - tx[None, :]) ** 2 + (ay[:, None] - ty[None, :]) ** 2
        close = (d2 <= PAIR_DISTANCE**2) & (np.abs(_wrap(aa[:, None] - ta[None, :])) <= PAIR_ANGLE)
        d2 = np.where(close, d2, np.inf)
        nearest_b = d2.argmin(axis=1)
        nearest_a = d2.argmin(axis=0)
        rows = np.arange(len(ax))
        paired = np.isfinite(d2[rows, nearest_b]) & (nearest_a[nearest_b] == rows)
        total = float(sim[rows[paired], nearest_b[paired]].sum())
        if total <= best:
            continue
        # Minutiae inside the common area: a's inside b's (moved) foreground and b's inside a's.
        cos_i, sin_i = math.cos(-turn), math.sin(-turn)
        back_x = bx[j] + cos_i * (ax - ax[i]) - sin_i * (ay - ay[i])
        back_y = by[j] + sin_i * (ax - ax[i]) + cos_i * (ay - ay[i])
        na = int(_in_foreground(fb.foreground, back_x, back_y).sum())
        nb = int(_in_foreground(fa.foreground, tx, ty).sum())
        best = max(best, total / max(0.5 * (na + nb), MIN_PAIRED))
    return float(min(1.0, best))


def compare(
    a: np.ndarray | FingerprintFeatures,
    b: np.ndarray | FingerprintFeatures,
    threshold: float = THRESHOLD,
) -> MatchResult:
    """Compare two prints of one finger position; images (HxW uint8, 500 ppi) or ``extract`` results."""
    value = score(_features(a), _features(b))
    return MatchResult(value, threshold, value >= threshold)
