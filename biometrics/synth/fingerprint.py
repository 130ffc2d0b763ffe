"""Synthetic fingerprints at 500 ppi: per-finger master prints, single impressions and 4-4-2 plain slaps.

The method follows SFinGe / Anguli (reference notes, biometrics.md section 3.3), tuned for speed:

1. **Identity** (``finger_identity``): for a person seed and a finger, a pattern class (arch, tented arch,
   left/right loop, whorl) with core/delta positions, a ridge period (8.4..10.2 px, about 9 px on average),
   a global pattern tilt and a smooth random orientation perturbation.
2. **Master print** (``master_print``, LRU cached): the orientation field (Sherlock-Monro zero-pole model,
   an arch function for plain arches) drives Gabor ridge growth from random noise at half resolution
   (16 orientation bins, separable complex Gabor kernels, tanh soft clipping), upsampled to 500 ppi and bent
   by a smooth per-identity displacement field. Minutiae appear where the growth fronts meet, so every
   (seed, finger) has its own ridge detail.
3. **Impression** (``render_finger`` / ``render_slap``): one remap from the output pixels into the master
   combining placement (translation, small rotation), elastic skin distortion and the contact region
   (fingertip silhouette scaled by pressure, sometimes partial), then pressure-dependent ridge width,
   contrast, blur and sensor noise. ``poor=True`` gives a smudged (wet), dry (broken ridges) or faint capture.

Everything is deterministic in (seed, finger, impression). Ridges are dark on a light background, as a
live-scan sensor delivers them. Pure numpy/OpenCV; no I/O.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from biometrics.positions import SLAP_FINGERS, Finger, Slap
from biometrics.synth.seeding import rng as _rng

RESOLUTION_PPI = 500
#: Single-finger image size (height, width): 20 x 20 mm at 500 ppi.
FINGER_IMAGE_SIZE = (400, 400)
#: Plain slap image size (height, width): 3.0 x 3.2 inch at 500 ppi, as FBI Appendix F slap scanners.
SLAP_IMAGE_SIZE = (1500, 1600)

#: Mean ridge period in pixels at 500 ppi and the per-identity range around it.
RIDGE_PERIOD_RANGE = (8.4, 10.2)

_ORIENTATION_BINS = 16
_GROWTH_ITERATIONS = 8
#: Fingertip pad half-width and half-height (px) for a finger of scale 1.0 (about 15 x 21 mm).
_PAD_AXES = (150.0, 205.0)
_MASTER_MARGIN = 56
_FINGER_SCALE = {
    Finger.R_THUMB: 1.22, Finger.L_THUMB: 1.22,
    Finger.R_INDEX: 1.0, Finger.L_INDEX: 1.0,
    Finger.R_MIDDLE: 1.03, Finger.L_MIDDLE: 1.03,
    Finger.R_RING: 0.96, Finger.L_RING: 0.96,
    Finger.R_LITTLE: 0.82, Finger.L_LITTLE: 0.82,
}  # fmt: skip


class PatternClass(str, enum.Enum):
    ARCH = "arch"
    TENTED_ARCH = "tented_arch"
    LEFT_LOOP = "left_loop"
    RIGHT_LOOP = "right_loop"
    WHORL = "whorl"


@dataclass(frozen=True)
class FingerIdentity:
    """The stable traits of one finger. Positions are pixels relative to the pad centre, y pointing down."""

    seed: int
    finger: Finger
    pattern: PatternClass
    cores: tuple[tuple[float, float], ...]
    deltas: tuple[tuple[float, float], ...]
    ridge_period: float
    tilt: float  # radians
    scale: float  # fingertip size relative to an index finger


@dataclass(frozen=True)
class MasterPrint:
    identity: FingerIdentity
    #: Ridge map in -1..1 (+1 on a ridge centre), float32, pad centre at the array centre.
    ridges: np.ndarray

    @property
    def centre(self) -> tuple[float, float]:
        h, w = self.ridges.shape
        return (w - 1) / 2.0, (h - 1) / 2.0


@dataclass(frozen=True)
class Impression:
    """How one capture of a finger came out (all drawn from the impression's own random stream)."""

    dx: float
    dy: float
    angle: float  # radians; positive turns the top of the fingertip to the right (clockwise on screen)
    pressure: float  # 0 light .. 1 heavy
    contrast: float  # ridge darkness 0..1
    background: float  # grey level of the empty platen
    noise: float  # grey levels (standard deviation)
    blur: float  # Gaussian sigma in px, 0 for none
    elastic: np.ndarray  # (2, 4, 4) control-point displacements in px
    cut: tuple[float, float, float] | None  # partial contact: half-plane nx, ny, offset (finger coords)
    condition: str  # "good", "wet", "dry" or "faint"


@dataclass(frozen=True)
class SlapCapture:
    image: np.ndarray
    boxes: dict[Finger, tuple[int, int, int, int]]


@lru_cache(maxsize=64)
def _smooth_basis(length: int, nodes: int) -> np.ndarray:
    """(length, nodes) weights of Gaussian bumps at evenly spaced nodes, each row summing to 1."""
    pos = np.linspace(0.0, nodes - 1.0, length)[:, None]
    weights = np.exp(-0.5 * ((pos - np.arange(nodes)[None, :]) / 0.6) ** 2)
    weights /= weights.sum(axis=1, keepdims=True)
    weights = weights.astype(np.float32)
    weights.setflags(write=False)
    return weights


def _interpolate_grid(ctrl: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Smoothly interpolate a small control grid to ``shape`` as a separable matrix product.

    ``cv2.gemm`` rather than numpy's ``@``: a threaded BLAS spends longer starting threads than multiplying.
    """
    by = _smooth_basis(shape[0], ctrl.shape[0])
    bx = _smooth_basis(shape[1], ctrl.shape[1])
    rows = cv2.gemm(by, np.ascontiguousarray(ctrl, dtype=np.float32), 1.0, None, 0.0)
    return cv2.gemm(rows, bx, 1.0, None, 0.0, flags=cv2.GEMM_2_T)


def _smooth_field(rng: np.random.Generator, shape: tuple[int, int], grid: int, amplitude: float) -> np.ndarray:
    """A smooth random field: ``grid`` x ``grid`` normal control values interpolated to ``shape``."""
    return _interpolate_grid(rng.standard_normal((grid, grid)) * amplitude, shape)


# ----------------------------------------------------------------------------------------------- identity


def _pattern_for(finger: Finger, rng: np.random.Generator) -> PatternClass:
    right_hand = finger <= Finger.R_LITTLE
    thumb = finger in (Finger.R_THUMB, Finger.L_THUMB)
    # Population shares roughly: loops 60-65 %, whorls 30 %, arches 5 %; thumbs and ring fingers whorl more.
    whorl = 0.42 if thumb or finger in (Finger.R_RING, Finger.L_RING) else 0.26
    u = rng.random()
    if u < 0.04:
        return PatternClass.ARCH
    if u < 0.08:
        return PatternClass.TENTED_ARCH
    if u < 0.08 + whorl:
        return PatternClass.WHORL
    # Ulnar loops (opening towards the little finger) dominate; the image is the print as seen on paper.
    ulnar = rng.random() < 0.85
    return PatternClass.RIGHT_LOOP if ulnar == right_hand else PatternClass.LEFT_LOOP


def finger_identity(seed: int, finger: Finger | int) -> FingerIdentity:
    finger = Finger(finger)
    rng = _rng(seed, int(finger), "identity")
    pattern = _pattern_for(finger, rng)
    scale = _FINGER_SCALE[finger]
    cx, cy = rng.normal(0, 14), rng.normal(-12, 18)
    cores: list[tuple[float, float]] = []
    deltas: list[tuple[float, float]] = []
    if pattern in (PatternClass.LEFT_LOOP, PatternClass.RIGHT_LOOP):
        side = -1.0 if pattern is PatternClass.RIGHT_LOOP else 1.0  # delta opposite the loop's opening
        cores.append((cx, cy))
        deltas.append((cx + side * rng.uniform(95, 150), cy + rng.uniform(105, 165)))
    elif pattern is PatternClass.WHORL:
        spread, turn = rng.uniform(10, 34), rng.uniform(-1.2, 1.2)
        ox, oy = spread * math.cos(turn), spread * math.sin(turn)
        cores += [(cx - ox, cy - oy), (cx + ox, cy + oy)]
        deltas += [(cx - rng.uniform(110, 160), cy + rng.uniform(110, 165)),
                   (cx + rng.uniform(110, 160), cy + rng.uniform(110, 165))]  # fmt: skip
    elif pattern is PatternClass.TENTED_ARCH:
        cores.append((cx, cy - 10))
        deltas.append((cx + rng.normal(0, 6), cy - 10 + rng.uniform(55, 85)))
    else:
        cores.append((cx, cy + rng.uniform(-20, 30)))  # summit of the arch, not a singular point
    period = float(np.clip(rng.normal(9.3, 0.45), *RIDGE_PERIOD_RANGE))
    return FingerIdentity(
        seed=seed,
        finger=finger,
        pattern=pattern,
        cores=tuple((float(x) * scale, float(y) * scale) for x, y in cores),
        deltas=tuple((float(x) * scale, float(y) * scale) for x, y in deltas),
        ridge_period=period,
        tilt=float(rng.normal(0.0, 0.08)),
        scale=scale,
    )


# ------------------------------------------------------------------------------------------- master print


def _master_shape(scale: float) -> tuple[int, int]:
    a, b = _PAD_AXES
    w = 2 * (a * scale + _MASTER_MARGIN)
    h = 2 * (b * scale + _MASTER_MARGIN)
    return int(math.ceil(h / 16) * 16), int(math.ceil(w / 16) * 16)


def orientation_field(identity: FingerIdentity, shape: tuple[int, int], step: float = 1.0) -> np.ndarray:
    """Ridge direction (radians, mod pi, y down) on a grid of ``shape`` samples spaced ``step`` px."""
    h, w = shape
    ys = (np.arange(h, dtype=np.float32) - (h - 1) / 2.0) * step
    xs = (np.arange(w, dtype=np.float32) - (w - 1) / 2.0) * step
    x, y = np.meshgrid(xs, ys)
    if identity.pattern is PatternClass.ARCH:
        # Ridges are level lines of y + hump(x, y): humped above the summit, flattening towards the crease.
        (sx, sy), = identity.cores
        height = 32.0 * identity.scale
        width = 95.0 * identity.scale
        hump = height * np.exp(-((x - sx) ** 2) / (2 * width**2)) / (1 + np.exp((y - sy - 40) / 45.0))
        fy, fx = np.gradient(y - hump, step)
        theta = np.arctan2(-fx, fy)
    else:
        theta = np.zeros((h, w), np.float32)
        for px, py in identity.cores:
            theta += np.arctan2(y - py, x - px)
        for px, py in identity.deltas:
            theta -= np.arctan2(y - py, x - px)
        theta *= 0.5
    rng = _rng(identity.seed, int(identity.finger), "orientation")
    theta = theta + identity.tilt + _smooth_field(rng, (h, w), 5, 0.10)
    return np.mod(theta, np.pi).astype(np.float32)


@lru_cache(maxsize=8)
def _gabor_bank(period: float, sigma: float) -> tuple[tuple[np.ndarray, ...], ...]:
    """Separable complex Gabor kernels: Re(kx * ky) = cx*cy - sx*sy for each ridge direction bin."""
    r = int(math.ceil(2.5 * sigma))
    t = np.arange(-r, r + 1, dtype=np.float64)
    envelope = np.exp(-(t * t) / (2 * sigma * sigma))
    bank = []
    for k in range(_ORIENTATION_BINS):
        normal = math.pi * k / _ORIENTATION_BINS + math.pi / 2
        wx = 2 * math.pi / period * math.cos(normal) * t
        wy = 2 * math.pi / period * math.sin(normal) * t
        kernels = (envelope * np.cos(wx), envelope * np.cos(wy), envelope * np.sin(wx), envelope * np.sin(wy))
        bank.append(tuple(k_.astype(np.float32) for k_ in kernels))
    return tuple(bank)


def _grow_ridges(theta: np.ndarray, period: float, rng: np.random.Generator) -> np.ndarray:
    """Space-variant Gabor growth from noise; ``theta`` and ``period`` in the grid's own pixels."""
    bank = _gabor_bank(round(period, 2), round(0.45 * period, 2))
    pos = theta * (_ORIENTATION_BINS / np.pi)
    lower = np.floor(pos)
    frac = (pos - lower).astype(np.float32)
    k0 = (lower.astype(np.int64) % _ORIENTATION_BINS)[None]
    k1 = (k0 + 1) % _ORIENTATION_BINS
    image = cv2.GaussianBlur(rng.standard_normal(theta.shape).astype(np.float32), (0, 0), 0.8)
    responses = np.empty((_ORIENTATION_BINS, *theta.shape), np.float32)
    for _ in range(_GROWTH_ITERATIONS):
        for k, (cx, cy, sx, sy) in enumerate(bank):
            responses[k] = cv2.sepFilter2D(image, -1, cx, cy) - cv2.sepFilter2D(image, -1, sx, sy)
        a = np.take_along_axis(responses, k0, 0)[0]
        b = np.take_along_axis(responses, k1, 0)[0]
        mixed = a + (b - a) * frac
        image = np.tanh(mixed * (1.6 / (float(mixed.std()) + 1e-6)))
    return image


@lru_cache(maxsize=20)
def master_print(seed: int, finger: Finger | int) -> MasterPrint:
    """The finger's ridge pattern: about 45 ms to build, so the last 20 fingers (two persons) are cached."""
    identity = finger_identity(seed, finger)
    h, w = _master_shape(identity.scale)
    theta = orientation_field(identity, (h // 2, w // 2), step=2.0)
    ridges = _grow_ridges(theta, identity.ridge_period / 2.0, _rng(seed, int(finger), "growth"))
    ridges = cv2.resize(ridges, (w, h), interpolation=cv2.INTER_CUBIC)
    # Per-identity smooth distortion: bends ridges and varies the local period by a few per cent.
    rng = _rng(seed, int(finger), "warp")
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    map_x = gx + _smooth_field(rng, (h, w), 5, 5.0)
    map_y = gy + _smooth_field(rng, (h, w), 5, 5.0)
    ridges = cv2.remap(ridges, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    ridges = np.clip(ridges * 1.15, -1.0, 1.0)
    ridges.setflags(write=False)
    return MasterPrint(identity, ridges)


# --------------------------------------------------------------------------------------------- impressions


def impression_params(seed: int, finger: Finger | int, impression: int = 0, poor: bool = False) -> Impression:
    rng = _rng(seed, int(finger), impression, "impression")
    cut = None
    if rng.random() < 0.25:  # partial contact: a side or the bottom of the pad did not touch
        angle = rng.uniform(0, 2 * math.pi)
        cut = (math.cos(angle), math.sin(angle), rng.uniform(95, 140))
    condition = "good"
    if poor:
        condition = ("wet", "dry", "faint")[int(rng.integers(3))]
    pressure = float(np.clip(rng.normal(0.5, 0.12), 0.25, 0.75))
    contrast = float(rng.uniform(0.72, 0.95))
    noise = float(rng.uniform(3.0, 7.0))
    blur = float(rng.uniform(0.5, 0.9))
    if condition == "wet":
        pressure, contrast = float(rng.uniform(0.93, 1.0)), float(rng.uniform(0.6, 0.75))
        blur = float(rng.uniform(2.4, 3.2))
    elif condition == "dry":
        pressure, contrast = float(rng.uniform(0.0, 0.08)), float(rng.uniform(0.35, 0.5))
    elif condition == "faint":
        contrast, noise, blur = float(rng.uniform(0.12, 0.2)), float(rng.uniform(9.0, 13.0)), 1.4
    return Impression(
        dx=float(rng.uniform(-22, 22)),
        dy=float(rng.uniform(-18, 18)),
        angle=float(np.clip(rng.normal(0, math.radians(5)), -math.radians(11), math.radians(11))),
        pressure=pressure,
        contrast=contrast,
        background=float(rng.uniform(225, 245)),
        noise=noise,
        blur=blur,
        elastic=rng.standard_normal((2, 4, 4)).astype(np.float32) * 1.6,
        cut=cut,
        condition=condition,
    )


_COARSE_STEP = 8


def _coarse_positions(n: int) -> np.ndarray:
    """Sample positions of a coarse grid that ``cv2.resize`` (INTER_LINEAR) maps back onto 0..n-1 exactly."""
    m = max(2, math.ceil(n / _COARSE_STEP))
    return ((np.arange(m, dtype=np.float32) + 0.5) * (n / m) - 0.5).astype(np.float32)


def _render_patch(
    master: MasterPrint,
    imp: Impression,
    shape: tuple[int, int],
    centre: tuple[float, float],
    angle: float,
    rng: np.random.Generator,
    tail: float = 1.35,
) -> tuple[np.ndarray, np.ndarray]:
    """Render a finger into an ``shape`` patch whose pad centre lies at ``centre`` (patch px), turned by
    ``angle``. ``tail`` stretches the contact region below the pad centre (1.0: fingertip only).
    Returns (darkness 0..1 float32 image, contact mask 0..1).

    The smooth quantities (elastic displacement, contact region) are computed on an 8 px grid and resized
    linearly; only the ridge sampling runs per pixel.
    """
    h, w = shape
    ident = master.identity
    c, s = math.cos(angle), math.sin(angle)
    xs = np.arange(w, dtype=np.float32) - centre[0]
    ys = np.arange(h, dtype=np.float32) - centre[1]
    cxs = _coarse_positions(w) - centre[0]
    cys = _coarse_positions(h) - centre[1]
    coarse = (len(cys), len(cxs))

    # Image offset -> finger coordinates (inverse rotation), plus elastic skin distortion.
    elastic_x = _interpolate_grid(imp.elastic[0], coarse)
    elastic_y = _interpolate_grid(imp.elastic[1], coarse)
    fx = (c * xs)[None, :] + (s * ys)[:, None] + cv2.resize(elastic_x, (w, h), interpolation=cv2.INTER_LINEAR)
    fy = (-s * xs)[None, :] + (c * ys)[:, None] + cv2.resize(elastic_y, (w, h), interpolation=cv2.INTER_LINEAR)
    mcx, mcy = master.centre
    ridge_map = cv2.remap(master.ridges, fx + mcx, fy + mcy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

    # Contact region (coarse): an elliptical pad cap above, a flatter curve below, larger under more pressure.
    cfx = (c * cxs)[None, :] + (s * cys)[:, None] + elastic_x
    cfy = (-s * cxs)[None, :] + (c * cys)[:, None] + elastic_y
    a = _PAD_AXES[0] * ident.scale * (0.88 + 0.22 * imp.pressure)
    b = _PAD_AXES[1] * ident.scale * (0.9 + 0.2 * imp.pressure)
    rho = np.sqrt((cfx / a) ** 2 + (cfy / np.where(cfy < 0, b, b * tail)) ** 2)
    contact = np.clip((1.0 - rho) * 9.0, 0.0, 1.0)
    if imp.cut is not None:
        nx, ny, off = imp.cut
        contact *= np.clip((off * ident.scale - (nx * cfx + ny * cfy)) / 10.0, 0.0, 1.0)
    # Skin contact fades towards the pad edge.
    weight = contact * np.clip((1.0 - rho) * 3.0 + 0.35, 0.0, 1.0)
    contact = cv2.resize(contact.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    weight = cv2.resize(weight.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)

    # Ridge width follows pressure: the threshold on the ridge map drops as the finger presses harder.
    bias = 0.35 - 0.7 * imp.pressure
    ink = np.tanh((ridge_map - bias) * 2.6)
    ink += 1.0
    ink *= 0.5 * weight
    if imp.condition == "dry":
        blotches = _smooth_field(rng, (h, w), max(4, w // 18), 1.0) + 0.35 * rng.random((h, w), dtype=np.float32)
        ink *= np.clip((blotches + 0.35) * 2.5, 0.0, 1.0)
    return ink, contact


def _to_grey(ink: np.ndarray, imp: Impression, rng: np.random.Generator) -> np.ndarray:
    ridge_grey = 25.0
    grey = imp.background - (imp.background - ridge_grey) * imp.contrast * ink
    if imp.blur > 0:
        grey = cv2.GaussianBlur(grey, (0, 0), imp.blur)
    noise = rng.random(ink.shape, dtype=np.float32)
    grey += (noise - 0.5) * (imp.noise * math.sqrt(12.0))
    return np.clip(grey, 0, 255).astype(np.uint8)


def render_finger(
    seed: int,
    finger: Finger | int,
    impression: int = 0,
    poor: bool = False,
    size: tuple[int, int] = FINGER_IMAGE_SIZE,
) -> np.ndarray:
    """One flat impression on a single-finger sensor: ``size`` (height, width) greyscale uint8 at 500 ppi."""
    master = master_print(seed, finger)
    imp = impression_params(seed, finger, impression, poor)
    h, w = size
    centre = (w / 2.0 + imp.dx, h * 0.54 + imp.dy)
    rng = _rng(seed, int(finger), impression, "pixels")
    ink, _ = _render_patch(master, imp, size, centre, imp.angle, rng)
    return _to_grey(ink, imp, rng)


# ---------------------------------------------------------------------------------------------------- slaps

#: Fingertip layout on the slap platen: (x, y) of the pad centre as a fraction of the image, tilt (degrees,
#: positive = top leaning right). Listed left to right as the print appears (index left for the right hand).
_FOUR_LAYOUT = ((0.20, 0.40, -14.0), (0.41, 0.29, -4.0), (0.61, 0.33, 6.0), (0.80, 0.49, 17.0))
_THUMB_LAYOUT = ((0.31, 0.42, 10.0), (0.69, 0.42, -10.0))


def _slap_layout(slap: Slap) -> dict[Finger, tuple[float, float, float]]:
    fingers = SLAP_FINGERS[slap]
    if slap is Slap.TWO_THUMBS:
        return dict(zip(fingers, _THUMB_LAYOUT))  # left thumb on the left, right thumb on the right
    if slap is Slap.RIGHT_FOUR:
        return dict(zip(fingers, _FOUR_LAYOUT))
    # Left hand: mirror image, index on the right.
    mirrored = tuple((1.0 - x, y, -tilt) for x, y, tilt in _FOUR_LAYOUT)
    return dict(zip(fingers, mirrored))


@lru_cache(maxsize=1)
def _platen_noise() -> np.ndarray:
    """Sensor noise of the empty slap platen (uniform 0..12 grey levels), larger than the image so each
    capture can take a different window. Fixed seed: this is the device, not the person."""
    h, w = SLAP_IMAGE_SIZE
    noise = _rng(0, "platen").integers(0, 13, size=(h + 64, w + 64), dtype=np.uint8)
    noise.setflags(write=False)
    return noise


def render_slap(
    seed: int,
    slap: Slap | int,
    present: set[Finger] | frozenset[Finger] | None = None,
    impression: int = 0,
    poor: set[Finger] | frozenset[Finger] = frozenset(),
    impressions: dict[Finger, int] | None = None,
) -> SlapCapture:
    """A plain slap (1600 x 1500 px): the fingertips of ``present`` fingers at their places on the platen.

    ``impressions`` gives each finger its own impression number (default ``impression`` for all); ``poor``
    lists the fingers captured badly. Boxes are (x, y, w, h) of each fingertip's contact area.
    """
    slap = Slap(slap)
    present = set(SLAP_FINGERS[slap]) if present is None else set(present)
    h, w = SLAP_IMAGE_SIZE
    hand_rng = _rng(seed, int(slap), impression, "slap")
    hand_dx, hand_dy = hand_rng.uniform(-40, 40), hand_rng.uniform(-40, 40)
    hand_turn = hand_rng.normal(0, 3.0)
    background = int(hand_rng.uniform(222, 236))
    ox, oy = (int(v) for v in hand_rng.integers(0, 64, size=2))
    canvas = cv2.add(_platen_noise()[oy : oy + h, ox : ox + w], background)
    boxes: dict[Finger, tuple[int, int, int, int]] = {}
    for finger, (fx, fy, tilt) in _slap_layout(slap).items():
        if finger not in present:
            continue
        number = impressions.get(finger, impression) if impressions else impression
        master = master_print(seed, finger)
        imp = impression_params(seed, finger, number, finger in poor)
        angle = math.radians(tilt + hand_turn) + 0.5 * imp.angle
        cx = fx * w + hand_dx + 0.5 * imp.dx
        cy = fy * h + hand_dy + 0.5 * imp.dy
        # Patch = bounding box of the turned fingertip ellipse plus a margin for the elastic distortion.
        a, b = (axis * master.identity.scale * 1.1 + 12 for axis in _PAD_AXES)
        half_w = math.hypot(a * math.cos(angle), b * math.sin(angle))
        half_h = math.hypot(a * math.sin(angle), b * math.cos(angle))
        x0, y0 = max(0, int(cx - half_w)), max(0, int(cy - half_h))
        x1, y1 = min(w, int(cx + half_w) + 1), min(h, int(cy + half_h) + 1)
        rng = _rng(seed, int(finger), number, "slap-pixels")
        ink, contact = _render_patch(master, imp, (y1 - y0, x1 - x0), (cx - x0, cy - y0), angle, rng, tail=1.0)
        if imp.blur > 0:
            ink = cv2.GaussianBlur(ink, (0, 0), imp.blur)
        region = canvas[y0:y1, x0:x1]
        shaded = region.astype(np.float32) - ink * ((background - 25.0) * imp.contrast)
        region[...] = np.clip(shaded, 0, 255).astype(np.uint8)
        touching = contact > 0.5
        rows = np.flatnonzero(touching.any(axis=1))
        cols = np.flatnonzero(touching.any(axis=0))
        if len(rows):
            pad = 6
            bx0, by0 = max(0, x0 + int(cols[0]) - pad), max(0, y0 + int(rows[0]) - pad)
            bx1, by1 = min(w, x0 + int(cols[-1]) + 1 + pad), min(h, y0 + int(rows[-1]) + 1 + pad)
            boxes[finger] = (bx0, by0, bx1 - bx0, by1 - by0)
    return SlapCapture(canvas, boxes)
