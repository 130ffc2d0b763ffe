"""A synthetic near-infrared eye image (640 x 480 greyscale) for the simulated iris camera.

Following the procedural eye of biometrics.md section 4.5: skin (grey ~170), a sclera ellipse (~200,
semi-axes about 2.3 R x 1.25 R), the iris (radius R about 110..122 px, so a diameter >= 210 px as MOSIP asks
for registration) whose texture is Gaussian noise in polar coordinates (64 radial x 512 angular samples)
blurred along the angle (sigma 1.2) and the radius (sigma 4) into radial fibres, mapped to grey 95 +/- 22,
with a collarette bump at 35 % of the annulus, a few crypts and a darker limbus; the pupil (~18, radius
0.32..0.45 R, slightly nasal and below the iris centre), a specular reflection of the illuminator in the
pupil, parabolic upper and lower lids with an eyelid crease and upper eyelashes, Gaussian blur (sigma ~1)
and sensor noise (sigma ~2).

The iris texture depends only on (seed, eye); each capture varies position, gaze, pupil dilation, head roll
(texture rotation), lid opening and noise. ``poor=True`` gives a defocused, half-closed, off-centre capture.
Pure numpy/OpenCV, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from biometrics.synth.seeding import rng as _rng

#: (height, width) of an ISO/IEC 19794-6 VGA (K2-type) iris image.
IRIS_IMAGE_SIZE = (480, 640)
_TEXTURE_SHAPE = (64, 512)  # radial x angular samples
SKIN_GREY = 170.0
SCLERA_GREY = 200.0
PUPIL_GREY = 18.0
IRIS_GREY, IRIS_SPREAD = 95.0, 22.0


@dataclass(frozen=True)
class IrisCapture:
    image: np.ndarray
    #: The camera's own quality 0..100 from focus (blur) and the share of the iris the lids leave visible.
    quality: float
    iris_centre: tuple[float, float]
    iris_radius: float
    pupil_centre: tuple[float, float]
    pupil_radius: float
    visible_share: float  # of the iris annulus, 0..1


def _eye_code(eye: str) -> int:
    return 1 if str(eye).upper().endswith("R") else 2


@lru_cache(maxsize=16)
def iris_texture(seed: int, eye: str) -> np.ndarray:
    """The eye's polar iris texture (radial x angular) in grey levels, float32."""
    rng = _rng(seed, _eye_code(eye), "iris-texture")
    rows, cols = _TEXTURE_SHAPE
    noise = rng.standard_normal((rows, cols)).astype(np.float32)
    # Wrap the angle before blurring so the texture is seamless at 0 / 360 degrees.
    wide = np.hstack([noise[:, -16:], noise, noise[:, :16]])
    fibres = cv2.GaussianBlur(wide, (0, 0), sigmaX=1.2, sigmaY=4.0)[:, 16:-16]
    fibres /= fibres.std() + 1e-6
    rho = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None]
    collarette = 0.9 * np.exp(-(((rho - 0.35) / 0.05) ** 2))
    ruff = -1.2 * np.exp(-((rho / 0.04) ** 2))
    limbus = -1.4 * np.clip((rho - 0.88) / 0.12, 0.0, 1.0) ** 2
    texture = fibres + collarette + ruff + limbus
    # Crypts: a few dark lacunae in the ciliary zone.
    ys, xs = np.mgrid[0:rows, 0:cols].astype(np.float32)
    for _ in range(int(rng.integers(4, 10))):
        r0, c0 = rng.uniform(0.42, 0.8) * rows, rng.uniform(0, cols)
        dc = np.minimum(np.abs(xs - c0), cols - np.abs(xs - c0))
        texture -= 1.5 * np.exp(-(((ys - r0) / rng.uniform(2, 5)) ** 2) - (dc / rng.uniform(4, 10)) ** 2)
    out = (IRIS_GREY + IRIS_SPREAD * texture / 1.3).astype(np.float32)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class _EyeShape:
    radius: float
    pupil_offset: tuple[float, float]


def _eye_shape(seed: int, eye: str) -> _EyeShape:
    rng = _rng(seed, _eye_code(eye), "iris-shape")
    nasal = 1.0 if _eye_code(eye) == 1 else -1.0  # the nose is towards the image centre of a face
    return _EyeShape(
        radius=float(rng.uniform(110, 122)),
        pupil_offset=(float(nasal * rng.uniform(1, 5)), float(rng.uniform(0, 4))),
    )


def render(seed: int, eye: str, capture: int = 0, poor: bool = False) -> IrisCapture:
    """One capture of ``eye`` ("L" or "R") of the person ``seed``."""
    h, w = IRIS_IMAGE_SIZE
    shape = _eye_shape(seed, eye)
    rng = _rng(seed, _eye_code(eye), capture, int(poor), "iris-capture")
    big_r = shape.radius
    cx = w / 2.0 + rng.uniform(-18, 18)
    cy = h / 2.0 + rng.uniform(-14, 14)
    gaze_x, gaze_y = rng.normal(0, 3.0), rng.normal(0, 2.0)
    dilation = rng.uniform(0.32, 0.45)
    roll = rng.normal(0.0, math.radians(3))
    upper, lower = rng.uniform(0.8, 1.0) * big_r, rng.uniform(0.85, 1.05) * big_r
    blur, noise = rng.uniform(0.8, 1.2), 2.0
    if poor:
        cx += float(rng.choice([-1, 1])) * rng.uniform(60, 90)
        upper = rng.uniform(0.3, 0.45) * big_r
        blur, noise = rng.uniform(3.5, 4.5), 3.0

    ix, iy = cx + gaze_x, cy + gaze_y  # iris (limbus) centre
    px, py = ix + shape.pupil_offset[0], iy + shape.pupil_offset[1]
    pr = dilation * big_r
    xs = np.arange(w, dtype=np.float32)[None, :]
    ys = np.arange(h, dtype=np.float32)[:, None]

    # Skin: brow shadow towards the top, a smooth uneven tone, an eyelid crease; then the sclera ellipse.
    half_width = 2.3 * big_r
    across = np.clip(1.0 - ((xs - cx) / half_width) ** 2, 0.0, None)
    tone = rng.standard_normal((4, 5)).astype(np.float32) * 14.0
    image = SKIN_GREY - 25.0 * np.clip((cy - 1.9 * big_r - ys) / (1.5 * big_r), 0.0, 1.0) + cv2.resize(
        tone, (w, h), interpolation=cv2.INTER_CUBIC
    )
    crease = cy - (upper + 0.45 * big_r) * across
    image -= 18.0 * np.exp(-(((ys - crease) / 6.0) ** 2)) * (across > 0)
    skin = image
    sclera = ((xs - cx) / half_width) ** 2 + ((ys - cy) / (1.25 * big_r)) ** 2 < 1.0
    image = np.where(sclera, SCLERA_GREY * (1.0 - 0.1 * ((xs - cx) / half_width) ** 2), image)

    # Iris texture through a rubber-sheet mapping between the pupil and the limbus (iris box only).
    x0, x1 = max(0, int(ix - big_r) - 2), min(w, int(ix + big_r) + 3)
    y0, y1 = max(0, int(iy - big_r) - 2), min(h, int(iy + big_r) + 3)
    bx, by = xs[:, x0:x1], ys[y0:y1]
    dx, dy = bx - px, by - py
    r = np.sqrt(dx * dx + dy * dy)
    theta = np.arctan2(dy, dx)
    ox, oy = px - ix, py - iy  # the limbus radius along each ray from the off-centre pupil centre
    along = ox * np.cos(theta) + oy * np.sin(theta)
    limbus = -along + np.sqrt(np.maximum(big_r**2 - (ox * ox + oy * oy) + along * along, 1.0))
    rho = (r - pr) / np.maximum(limbus - pr, 1.0)
    tex = iris_texture(seed, eye)
    rows, cols = tex.shape
    map_x = (np.mod(theta + roll, 2 * math.pi) * (cols / (2 * math.pi))).astype(np.float32)
    map_y = (np.clip(rho, 0.0, 1.0) * (rows - 1)).astype(np.float32)
    iris = cv2.remap(tex, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    box = image[y0:y1, x0:x1]
    annulus_box = (rho >= 0) & (rho <= 1)
    box = np.where(annulus_box, iris, box)
    box = np.where(r < pr, PUPIL_GREY, box)
    # Specular reflection of the illuminator, inside the pupil.
    sx, sy = px + 0.35 * pr, py - 0.3 * pr
    image[y0:y1, x0:x1] = np.where((bx - sx) ** 2 + (by - sy) ** 2 < (0.16 * pr) ** 2, 252.0, box)
    annulus = np.zeros((h, w), bool)
    annulus[y0:y1, x0:x1] = annulus_box

    # Lids: parabolas meeting at the eye corners, skin outside the opening, a dark upper lid margin.
    top = cy - upper * across
    bottom = cy + lower * across
    opening = (ys > top) & (ys < bottom) & (across > 0)
    image = np.where(opening, image, skin)
    image = np.where((np.abs(ys - top) < 2.5) & (across > 0.02), 95.0, image)
    # Upper eyelashes: dark curves from the lid margin, most curling up and out, some hanging over the eye.
    lashes = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(45, 70))):
        x_root = cx + rng.uniform(-0.85, 0.85) * half_width
        y_root = cy - upper * max(0.0, 1.0 - ((x_root - cx) / half_width) ** 2)
        length = rng.uniform(0.18, 0.38) * big_r
        outward = (x_root - cx) / half_width
        down = rng.random() < 0.3
        direction = math.pi / 2 + 0.5 * outward if down else -math.pi / 2 + 0.9 * outward + rng.normal(0, 0.2)
        curl = rng.uniform(0.2, 0.5) * (1 if outward >= 0 else -1)
        t = np.linspace(0.0, 1.0, 7)
        bend = direction + curl * t
        pts = np.stack([x_root + length * t * np.cos(bend), y_root + length * t * np.sin(bend)], axis=1)
        cv2.polylines(lashes, [np.round(pts).astype(np.int32)], False, 255, 2, cv2.LINE_AA)
    image -= (image - 30.0) * (lashes.astype(np.float32) / 255.0) * 0.85

    visible = annulus & opening & (lashes < 128)
    visible_share = float(visible.sum()) / max(1.0, float(annulus.sum()))

    image = cv2.GaussianBlur(image.astype(np.float32), (0, 0), blur)
    image += rng.normal(0.0, noise, size=(h, w)).astype(np.float32)
    out = np.clip(image, 0, 255).astype(np.uint8)

    focus = math.exp(-max(0.0, blur - 1.2) / 1.0)
    usable = float(np.clip((visible_share - 0.4) / 0.3, 0.0, 1.0))
    quality = round(float(np.clip(100.0 * focus * usable - abs(rng.normal(0, 3)), 0, 100)), 1)
    return IrisCapture(out, quality, (ix, iy), big_r, (px, py), pr, visible_share)
