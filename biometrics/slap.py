"""Segmentation of a 4-4-2 plain slap image into single fingertips, with their finger positions.

1. Foreground on 8 px blocks (``biometrics.ridge.analyse``: ridge energy), closed across the small gaps inside
   a fingertip and opened to drop specks.
2. Connected components larger than ``MIN_TIP_AREA`` are fingertip candidates; the largest ones are kept
   (four for a four-finger slap, two for the thumbs, or the number of fingers placed). A component wider than
   ``MERGED_WIDTH`` tips holds two touching fingertips and is split at its thinnest column.
3. A component taller than ``MAX_ASPECT`` times its width (a whole finger pressed flat) is cut to its top part,
   the fingertip.
4. Positions: the fingers of the slap in platen order (``biometrics.positions.platen_order``) are assigned
   to the tips, left to right, trying every order-keeping assignment when fingers are missing: the one whose
   gaps fit the tip spacing and whose tip heights fit the hand's profile (middle finger highest, little
   finger lowest) wins.

``hand_of_four`` tells from the tip layout which hand lay on the platen: the little finger's tip sits lowest
(furthest from the top of the platen) and at one end of the row, so a right hand has its lowest end on the
image's right. Pure numpy/OpenCV.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from biometrics.positions import Finger, Slap, platen_order
from biometrics.ridge import BLOCK, analyse

MIN_TIP_AREA = 18_000  # px at 500 ppi (about 47 mm2)
MAX_ASPECT = 1.6
NOMINAL_TIP_WIDTH = 300.0  # px: a fingertip about 15 mm wide at 500 ppi
MERGED_WIDTH = 1.6  # a component this many tip widths wide holds two touching tips
#: Fingertip heights on the platen (px at 500 ppi, y down) in platen order: the middle finger reaches
#: highest, the little finger lowest (a right hand index..little; a left hand mirrored).
_HEIGHT_PROFILE = {
    Slap.RIGHT_FOUR: (600.0, 435.0, 495.0, 735.0),
    Slap.LEFT_FOUR: (735.0, 495.0, 435.0, 600.0),
}


@dataclass(frozen=True)
class Tip:
    finger: Finger | None
    box: tuple[int, int, int, int]  # x, y, w, h in the slap image
    centroid: tuple[float, float]
    area_px: int
    angle: float  # degrees, the tip's long axis from vertical, positive leaning right at the top


@dataclass(frozen=True)
class SlapSegmentation:
    slap: Slap
    tips: tuple[Tip, ...]  # left to right

    @property
    def boxes(self) -> dict[Finger, tuple[int, int, int, int]]:
        return {t.finger: t.box for t in self.tips if t.finger is not None}

    def crop(self, image: np.ndarray, finger: Finger | int) -> np.ndarray:
        x, y, w, h = self.boxes[Finger(finger)]
        return image[y : y + h, x : x + w]


def _foreground(image: np.ndarray) -> np.ndarray:
    """Fingertip foreground at full resolution (uint8 0/1)."""
    h, w = image.shape
    analysis = analyse(image)
    fg = analysis.foreground.astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    full = np.zeros((h, w), np.uint8)
    gh, gw = fg.shape
    full[: gh * BLOCK, : gw * BLOCK] = cv2.resize(fg, (gw * BLOCK, gh * BLOCK), interpolation=cv2.INTER_NEAREST)
    return full


def segment(image: np.ndarray, slap: Slap | int, expected: int | None = None) -> SlapSegmentation:
    """Fingertips of a slap image (HxW uint8, 500 ppi); ``expected`` = number of fingers placed."""
    slap = Slap(int(slap))
    fingers = platen_order(slap)
    want = len(fingers) if expected is None else max(0, min(int(expected), len(fingers)))
    fg = _foreground(image)
    count, labels = cv2.connectedComponents(fg, connectivity=8)
    parts = [labels == i for i in range(1, count)]
    parts = [p for p in parts if p.sum() >= MIN_TIP_AREA]
    parts = sorted(parts, key=lambda p: -int(p.sum()))[:want]
    parts = _split_merged(parts, want)
    tips = sorted((_tip(p) for p in parts), key=lambda t: t.centroid[0])
    return SlapSegmentation(slap, tuple(_assign(tips, slap, fingers)))


def _split_merged(parts: list[np.ndarray], want: int) -> list[np.ndarray]:
    """Split components that hold two touching fingertips (wider than ``MERGED_WIDTH`` tips) at the column
    where the fewest foreground pixels lie, until ``want`` parts are found or none is wide enough."""
    parts = list(parts)
    while len(parts) < want and parts:
        widths = [np.flatnonzero(p.any(axis=0)) for p in parts]
        spans = [int(c[-1] - c[0] + 1) for c in widths]
        single = float(np.median(spans)) if len(parts) > 1 else NOMINAL_TIP_WIDTH
        single = min(single, NOMINAL_TIP_WIDTH)
        k = int(np.argmax(spans))
        if spans[k] < MERGED_WIDTH * single:
            break
        cols = widths[k]
        lo, hi = cols[0] + int(0.25 * spans[k]), cols[0] + int(0.75 * spans[k])
        profile = parts[k][:, lo:hi].sum(axis=0)
        cut = lo + int(np.argmin(profile))
        left, right = parts[k].copy(), parts[k].copy()
        left[:, cut:] = False
        right[:, :cut] = False
        parts[k : k + 1] = [left, right]
    return parts


def _tip(part: np.ndarray) -> Tip:
    ys, xs = np.nonzero(part)
    x, y = int(xs.min()), int(ys.min())
    w, h = int(xs.max()) - x + 1, int(ys.max()) - y + 1
    if h > MAX_ASPECT * w:  # a whole finger pressed flat: keep its tip
        h = int(MAX_ASPECT * w)
        keep = ys < y + h
        ys, xs = ys[keep], xs[keep]
    mu = cv2.moments(part[y : y + h, x : x + w].astype(np.uint8), binaryImage=True)
    angle = 0.5 * np.degrees(np.arctan2(2 * mu["mu11"], mu["mu02"] - mu["mu20"])) if mu["m00"] else 0.0
    return Tip(None, (x, y, w, h), (float(xs.mean()), float(ys.mean())), int(len(xs)), -float(angle))


def _assign(tips: list[Tip], slap: Slap, fingers: tuple[Finger, ...]) -> list[Tip]:
    """Give each tip (left to right) its finger: the slot assignment whose spacing and tip heights fit the
    hand best (all increasing assignments of the tips to the slots are tried)."""
    if not tips:
        return []
    spacing = 1.1 * float(np.median([t.box[2] for t in tips]))
    xs = np.array([t.centroid[0] for t in tips])
    ys = np.array([t.centroid[1] for t in tips])
    profile = np.asarray(_HEIGHT_PROFILE.get(slap, np.zeros(len(fingers))), np.float64)
    best, best_cost = None, np.inf
    for slots in itertools.combinations(range(len(fingers)), len(tips)):
        steps = np.diff(slots)
        cost = float(np.abs(np.diff(xs) / spacing - steps).sum()) if len(tips) > 1 else 0.0
        if len(tips) > 1:
            expected = profile[list(slots)]
            cost += float(np.abs((ys - ys.mean()) - (expected - expected.mean())).mean()) / spacing
        if cost < best_cost:
            best, best_cost = slots, cost
    return [Tip(fingers[s], t.box, t.centroid, t.area_px, t.angle) for t, s in zip(tips, best)]


def hand_of_four(segmentation: SlapSegmentation) -> str | None:
    """``"right"``, ``"left"`` or None (fewer than three tips): which hand a four-finger slap shows."""
    tips = segmentation.tips
    if len(tips) < 3:
        return None
    left, right = tips[0].centroid[1], tips[-1].centroid[1]
    # The little finger is the lowest at its end of the row: on the image's right for a right hand.
    return "right" if right > left else "left"
