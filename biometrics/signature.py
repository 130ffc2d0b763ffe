"""Handwritten signatures from a pen pad: metrics, acceptance checks and an anti-aliased picture.

Input is the pad's sample stream: anything with ``t`` (seconds), ``x``, ``y`` (device units, y down),
``pressure`` (0..``max_pressure``) and ``touching`` attributes, or ``(t, x, y, pressure, touching)`` tuples.
A stroke is a run of samples with the pen down (touching and pressure > 0).

- ``metrics``: duration (first to last pen-down sample), points, strokes, ink length, bounding box as a share of
  the pad, straightness (minor/major axis of the ink cloud) and samples pinned at the pad edge.
- ``check``: the station's live rules (biometrics.md section 7): not empty, enough points, long enough in time,
  large enough on the pad, not a dot or a straight line, not running off the pad.
- ``render``: strokes scaled into a raster (ink bounding box + margin, aspect kept), each segment drawn
  anti-aliased at 4x with a width following the pressure (``w_min + (w_max - w_min) * p``) and area-downsampled
  to 8-bit grey, black ink on white.

Pure numpy/OpenCV, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import cv2
import numpy as np

from biometrics.result import Result

MIN_POINTS = 30
MIN_DURATION_S = 0.8
MIN_WIDTH_SHARE = 0.30  # of the pad width (biometrics.md section 7)
MIN_HEIGHT_SHARE = 0.08
MIN_SHAPE = 0.06  # minor / major axis of the ink: a dot or a straight line scores about 0
MAX_EDGE_SHARE = 0.02  # pen-down samples pinned at the pad edge

_SUPERSAMPLE = 4


@dataclass(frozen=True)
class SignatureMetrics:
    points: int
    strokes: int
    duration_s: float
    ink_length: float  # device units
    width_share: float  # ink bounding box / pad size
    height_share: float
    shape: float  # minor / major axis of the pen-down points (0 = a line)
    edge_share: float


def _samples(events: Iterable[Any]) -> np.ndarray:
    """(n, 5) float array: t, x, y, pressure, down (1 when the pen touches with pressure)."""
    rows = []
    for e in events:
        if isinstance(e, (tuple, list)):
            t, x, y, p, touching = e[:5]
        else:
            t, x, y, p, touching = e.t, e.x, e.y, e.pressure, e.touching
        rows.append((float(t), float(x), float(y), float(p), float(bool(touching) and p > 0)))
    return np.asarray(rows, np.float64).reshape(-1, 5)


def strokes(events: Iterable[Any]) -> list[np.ndarray]:
    """The pen-down runs, each an (n, 4) array of t, x, y, pressure."""
    s = _samples(events)
    down = s[:, 4] > 0
    out, start = [], None
    for i, d in enumerate(down):
        if d and start is None:
            start = i
        elif not d and start is not None:
            out.append(s[start:i, :4])
            start = None
    if start is not None:
        out.append(s[start:, :4])
    return out


def metrics(events: Iterable[Any], max_x: int, max_y: int) -> SignatureMetrics:
    runs = strokes(events)
    if not runs:
        return SignatureMetrics(0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    pts = np.vstack(runs)
    duration = float(pts[:, 0].max() - pts[:, 0].min())
    length = float(sum(np.hypot(*np.diff(r[:, 1:3], axis=0).T).sum() for r in runs if len(r) > 1))
    xs, ys = pts[:, 1], pts[:, 2]
    shape = 0.0
    if len(pts) >= 3:
        eig = np.linalg.eigvalsh(np.cov(np.vstack([xs, ys])))
        shape = float(math.sqrt(max(eig[0], 0.0) / max(eig[1], 1e-9)))
    edge = float(np.mean((xs <= 0) | (ys <= 0) | (xs >= max_x) | (ys >= max_y)))
    return SignatureMetrics(
        points=len(pts),
        strokes=len(runs),
        duration_s=duration,
        ink_length=length,
        width_share=float(xs.max() - xs.min()) / max(max_x, 1),
        height_share=float(ys.max() - ys.min()) / max(max_y, 1),
        shape=shape,
        edge_share=edge,
    )


def check(events: Iterable[Any], max_x: int, max_y: int) -> Result:
    m = metrics(list(events), max_x, max_y)
    r = Result(extra={"metrics": m})
    r.add("not_empty", m.points > 0, m.strokes, ">= 1 goresan",
          "Tanda tangan kosong, minta pemohon menandatangani di pad")
    r.add("points", m.points >= MIN_POINTS, m.points, f">= {MIN_POINTS}",
          "Tanda tangan terlalu sedikit titiknya, minta pemohon menandatangani ulang secara utuh")
    r.add("duration", m.duration_s >= MIN_DURATION_S, round(m.duration_s, 2), f">= {MIN_DURATION_S} dtk",
          "Tanda tangan terlalu singkat, minta pemohon menandatangani dengan wajar")
    r.add("size", m.width_share >= MIN_WIDTH_SHARE and m.height_share >= MIN_HEIGHT_SHARE,
          round(m.width_share, 3), f"lebar >= {MIN_WIDTH_SHARE:.0%}, tinggi >= {MIN_HEIGHT_SHARE:.0%} pad",
          "Tanda tangan terlalu kecil, minta pemohon menandatangani lebih besar")
    r.add("shape", m.shape >= MIN_SHAPE, round(m.shape, 3), f">= {MIN_SHAPE}",
          "Tanda tangan hanya titik atau garis lurus, minta pemohon menandatangani seperti biasa")
    r.add("inside_pad", m.edge_share <= MAX_EDGE_SHARE, round(m.edge_share, 3), f"<= {MAX_EDGE_SHARE:.0%}",
          "Tanda tangan keluar dari bidang pad, minta pemohon menandatangani di tengah pad")
    return r


def render(
    events: Iterable[Any],
    max_pressure: int,
    size: tuple[int, int] = (220, 600),
    width_range: tuple[float, float] = (1.0, 4.0),
    margin: int = 10,
) -> np.ndarray:
    """Black strokes on white in a ``size`` (height, width) uint8 image; line width follows the pressure."""
    h, w = size
    runs = strokes(events)
    if not runs:
        return np.full((h, w), 255, np.uint8)
    pts = np.vstack(runs)
    x0, y0 = pts[:, 1].min(), pts[:, 2].min()
    span_x, span_y = max(pts[:, 1].max() - x0, 1.0), max(pts[:, 2].max() - y0, 1.0)
    scale = min((w - 2 * margin) / span_x, (h - 2 * margin) / span_y)
    ox = (w - span_x * scale) / 2 - x0 * scale
    oy = (h - span_y * scale) / 2 - y0 * scale
    k = _SUPERSAMPLE
    canvas = np.zeros((h * k, w * k), np.uint8)
    shift = 4  # cv2 fixed-point sub-pixel bits
    unit = k * (1 << shift)
    w_min, w_max = width_range
    for run in runs:
        xy = np.stack([run[:, 1] * scale + ox, run[:, 2] * scale + oy], axis=1)
        fixed = np.round(xy * unit).astype(np.int64)
        pressure = np.clip(run[:, 3] / max(max_pressure, 1), 0.0, 1.0)
        if len(run) == 1:
            radius = max(1, int(round((w_min + (w_max - w_min) * pressure[0]) * k / 2)))
            cv2.circle(canvas, (int(fixed[0, 0]), int(fixed[0, 1])), radius << shift, 255, -1, cv2.LINE_AA, shift)
            continue
        for i in range(1, len(run)):
            width = (w_min + (w_max - w_min) * 0.5 * (pressure[i - 1] + pressure[i])) * k
            a, b = (int(fixed[i - 1, 0]), int(fixed[i - 1, 1])), (int(fixed[i, 0]), int(fixed[i, 1]))
            cv2.line(canvas, a, b, 255, max(1, int(round(width))), cv2.LINE_AA, shift)
    ink = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA)
    return 255 - ink
