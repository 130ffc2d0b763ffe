"""A synthetic frontal portrait on the e-KTP background cloth, for the simulated camera.

The person is drawn with OpenCV primitives (anti-aliased): shoulders and neck, hair (long hair or a hijab
for some women), a skin-toned head ellipse with ears, brows, eyes (white, brown iris, pupil, catch light),
nose and mouth, then soft directional light, slight blur and sensor noise. Traits (skin tone, face shape,
hair, clothes) come from the person's seed; the cloth is red for an odd birth year and blue for an even one
(biometrics.md section 2.3; the BGR values are the commonly quoted #db1514 / #0090ff, not an official
standard).

Geometry is relative to the frame height H so a 1280 x 720 preview and a 1920 x 1080 (or 1280 x 960) still
show the same person: head (crown to chin) about 0.5 H tall and 0.36 H wide, eyes about 0.45 H from the
top with about 0.148 H between the eye centres (160 px in a 1080 p still; head length about 3.4 eye distances,
as an adult's), which crops to an ISO/IEC 19794-5 full-frontal portrait. ``frame`` adds the small movements of
a live preview; ``spoiled`` makes the stills a face checker must reject (blur, dark, off-centre, two faces,
wrong background, ...). The cloth is orange for a foreign resident (``foreigner=True``). Pure numpy/OpenCV,
no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from biometrics.synth.seeding import rng as _rng

#: Sizes are (height, width).
PREVIEW_SIZE = (720, 1280)
STILL_SIZE = (1080, 1920)

#: Background cloth, BGR: red (#db1514) for odd birth years, blue (#0090ff) for even ones, orange for
#: foreign residents (no quoted value: a saturated #ff8c00).
BACKGROUND_BGR = {"red": (20, 21, 219), "blue": (255, 144, 0), "orange": (0, 140, 255)}

_SKIN_TONES = ((150, 185, 226), (128, 168, 214), (112, 150, 200), (96, 134, 184), (84, 116, 165))  # BGR
_HAIR = ((22, 20, 20), (28, 26, 30), (20, 24, 40), (35, 35, 38))
_CLOTHES = ((240, 240, 240), (60, 45, 30), (30, 30, 30), (40, 70, 110), (40, 80, 40), (150, 150, 155))  # no cloth-like blue or red
_HIJAB = ((40, 35, 30), (235, 235, 235), (90, 60, 120), (70, 100, 60), (120, 110, 90))


def background_name(birth_year: int, foreigner: bool = False) -> str:
    """``"red"`` for an odd birth year, ``"blue"`` for an even one, ``"orange"`` for a foreign resident."""
    if foreigner:
        return "orange"
    return "red" if birth_year % 2 else "blue"


@dataclass(frozen=True)
class FaceTraits:
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    clothes: tuple[int, int, int]
    hijab: tuple[int, int, int] | None
    long_hair: bool
    head_width: float  # head half-width / H
    head_height: float  # head half-height / H
    eye_spacing: float  # half the distance between the eye centres / H
    eye_size: float
    brow_tilt: float
    mouth_width: float
    nose_length: float


@dataclass(frozen=True)
class FaceLayout:
    """Where the face landed in a rendered frame, in pixels (for tests and cropping)."""

    centre: tuple[float, float]
    head_axes: tuple[float, float]
    left_eye: tuple[float, float]  # the subject's right eye is on the image's left
    right_eye: tuple[float, float]
    chin: tuple[float, float]
    crown: tuple[float, float]


def face_traits(seed: int, sex: str = "L") -> FaceTraits:
    rng = _rng(seed, "face")
    woman = sex.upper() == "P"
    hijab = _HIJAB[int(rng.integers(len(_HIJAB)))] if woman and rng.random() < 0.6 else None
    return FaceTraits(
        skin=_SKIN_TONES[int(rng.integers(len(_SKIN_TONES)))],
        hair=_HAIR[int(rng.integers(len(_HAIR)))],
        clothes=_CLOTHES[int(rng.integers(len(_CLOTHES)))],
        hijab=hijab,
        long_hair=woman,
        head_width=float(rng.uniform(0.170, 0.192)) * (0.96 if woman else 1.0),
        head_height=float(rng.uniform(0.240, 0.262)),
        eye_spacing=float(rng.uniform(0.070, 0.078)),
        eye_size=float(rng.uniform(0.9, 1.1)),
        brow_tilt=float(rng.uniform(-0.08, 0.12)),
        mouth_width=float(rng.uniform(0.045, 0.058)),
        nose_length=float(rng.uniform(0.085, 0.105)),
    )


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(int(np.clip(c * factor, 0, 255)) for c in colour)  # type: ignore[return-value]


def _layout(traits: FaceTraits, size: tuple[int, int], centre_x: float = 0.5, scale: float = 1.0) -> FaceLayout:
    """``centre_x`` (share of the width) and ``scale`` place a person elsewhere (spoiled photos)."""
    h, w = size
    cx, cy = centre_x * w, 0.465 * h + (1.0 - scale) * 0.12 * h
    ax, ay = traits.head_width * h * scale, traits.head_height * h * scale
    eye_y = cy - 0.012 * h * scale
    dx = traits.eye_spacing * h * scale
    return FaceLayout(
        centre=(cx, cy),
        head_axes=(ax, ay),
        left_eye=(cx - dx, eye_y),
        right_eye=(cx + dx, eye_y),
        chin=(cx, cy + ay),
        crown=(cx, cy - ay),
    )


def _draw_person(
    canvas: np.ndarray, traits: FaceTraits, lay: FaceLayout, eyes_open: bool = True, scale: float = 1.0
) -> None:
    h = canvas.shape[0] * scale
    u = h / 1000.0  # one thousandth of the frame height
    aa = cv2.LINE_AA

    def pt(x: float, y: float) -> tuple[int, int]:
        return int(round(x)), int(round(y))

    def ell(centre, axes, colour, angle=0.0, start=0, end=360, thickness=-1):
        size = (max(1, int(axes[0])), max(1, int(axes[1])))
        cv2.ellipse(canvas, pt(*centre), size, angle, start, end, colour, thickness, aa)

    cx, cy = lay.centre
    ax, ay = lay.head_axes
    skin = traits.skin
    # Shoulders and neck.
    shoulder_y = cy + ay + 0.13 * h
    ell((cx, shoulder_y + 0.33 * h), (0.46 * h, 0.38 * h), traits.clothes)
    neck = np.array([pt(cx - 0.075 * h, cy + 0.5 * ay), pt(cx + 0.075 * h, cy + 0.5 * ay),
                     pt(cx + 0.085 * h, shoulder_y + 0.02 * h), pt(cx - 0.085 * h, shoulder_y + 0.02 * h)])  # fmt: skip
    cv2.fillConvexPoly(canvas, neck, _shade(skin, 0.82), aa)
    ell((cx, shoulder_y + 0.015 * h), (0.09 * h, 0.045 * h), _shade(skin, 0.82), start=0, end=180)
    if traits.clothes == (240, 240, 240):  # a white shirt gets a collar line
        for side in (-1, 1):
            collar = (pt(cx + side * 0.09 * h, shoulder_y), pt(cx, shoulder_y + 0.09 * h))
            cv2.line(canvas, *collar, (200, 200, 200), max(1, int(4 * u)), aa)

    # Hair behind the head, or the hijab framing the face.
    if traits.hijab is not None:
        ell((cx, cy + 0.02 * h), (ax * 1.28, ay * 1.22), traits.hijab)
        drape = np.array([pt(cx - ax * 1.28, cy + 0.02 * h), pt(cx + ax * 1.28, cy + 0.02 * h),
                          pt(cx + 0.3 * h, shoulder_y + 0.12 * h), pt(cx - 0.3 * h, shoulder_y + 0.12 * h)])  # fmt: skip
        cv2.fillConvexPoly(canvas, drape, traits.hijab, aa)
    elif traits.long_hair:
        ell((cx, cy - 0.02 * h), (ax * 1.18, ay * 1.1), traits.hair)
        hair = np.array([pt(cx - ax * 1.18, cy - 0.02 * h), pt(cx + ax * 1.18, cy - 0.02 * h),
                         pt(cx + ax * 1.25, cy + ay + 0.06 * h), pt(cx - ax * 1.25, cy + ay + 0.06 * h)])  # fmt: skip
        cv2.fillConvexPoly(canvas, hair, traits.hair, aa)
        ell((cx, cy + ay + 0.06 * h), (ax * 1.25, 0.04 * h), traits.hair, start=0, end=180)
    else:
        ell((cx, cy - 0.08 * ay), (ax * 1.05, ay * 1.02), traits.hair, start=180, end=360)

    # Ears, head, hairline.
    if traits.hijab is None:
        for side in (-1, 1):
            ell((cx + side * ax * 0.98, cy + 0.01 * h), (0.026 * h, 0.05 * h), _shade(skin, 0.9))
    # The head, darker towards its rim (a rounded face under frontal light).
    head = np.zeros(canvas.shape[:2], np.uint8)
    cv2.ellipse(head, pt(cx, cy), (int(ax), int(ay)), 0, 0, 360, 255, -1, aa)
    y0, y1 = max(0, int(cy - ay) - 2), min(canvas.shape[0], int(cy + ay) + 3)
    x0, x1 = max(0, int(cx - ax) - 2), min(canvas.shape[1], int(cx + ax) + 3)
    ys = ((np.arange(y0, y1, dtype=np.float32) - cy) / ay)[:, None]
    xs = ((np.arange(x0, x1, dtype=np.float32) - cx) / ax)[None, :]
    rim = np.clip(1.02 - 0.28 * (xs * xs + 0.6 * ys * ys) ** 2, 0.0, 1.1)
    skin_patch = np.float32(skin)[None, None, :] * rim[..., None]
    alpha = head[y0:y1, x0:x1, None].astype(np.float32) / 255.0
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = np.clip(region * (1 - alpha) + skin_patch * alpha, 0, 255).astype(np.uint8)
    # Hairline or hijab edge: drawn only inside the head outline.
    cover = np.zeros_like(head)
    if traits.hijab is not None:
        cv2.ellipse(cover, pt(cx, cy + 0.32 * ay), (int(ax * 0.93), int(ay * 1.12)), 0, 0, 360, 255, -1, aa)
        cover = cv2.subtract(head, cover)
        colour = traits.hijab
    else:
        cv2.ellipse(cover, pt(cx, cy - 0.98 * ay), (int(ax * 1.15), int(ay * 0.55)), 0, 0, 360, 255, -1, aa)
        cover = cv2.min(head, cover)
        colour = traits.hair
    alpha = cover[y0:y1, x0:x1, None].astype(np.float32) / 255.0
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = (region * (1 - alpha) + np.float32(colour) * alpha).astype(np.uint8)

    # Brows and eyes.
    lid, lid_width = _shade(skin, 0.55), max(1, int(3 * u))
    for side, (ex, ey) in ((-1, lay.left_eye), (1, lay.right_eye)):
        s = traits.eye_size
        brow_y = ey - 0.045 * h
        inner = pt(ex - side * 0.03 * h, brow_y + traits.brow_tilt * 0.02 * h)
        outer = pt(ex + side * 0.036 * h, brow_y + 0.008 * h)
        mid = pt(ex + side * 0.004 * h, brow_y - 0.008 * h)
        cv2.polylines(canvas, [np.array([inner, mid, outer])], False, _shade(traits.hair, 1.3), max(2, int(9 * u)), aa)
        if eyes_open:
            ell((ex, ey), (0.032 * h * s, 0.0125 * h * s), (235, 238, 240))
            ell((ex, ey), (0.0115 * h * s, 0.0115 * h * s), (40, 60, 95))
            ell((ex, ey), (0.005 * h * s, 0.005 * h * s), (15, 15, 15))
            ell((ex - 0.004 * h, ey - 0.004 * h), (0.002 * h, 0.002 * h), (250, 250, 250))
            ell((ex, ey), (0.033 * h * s, 0.0135 * h * s), lid, start=180, end=360, thickness=lid_width)
        else:
            ell((ex, ey), (0.032 * h * s, 0.006 * h * s), lid, start=0, end=180, thickness=lid_width)

    # Nose: a shaded bridge, tip and nostrils.
    tip_y = lay.left_eye[1] + traits.nose_length * h
    bridge = (pt(cx + 0.008 * h, lay.left_eye[1] + 0.02 * h), pt(cx + 0.012 * h, tip_y - 0.01 * h))
    cv2.line(canvas, *bridge, _shade(skin, 0.86), max(1, int(5 * u)), aa)
    ell((cx, tip_y), (0.026 * h, 0.012 * h), _shade(skin, 0.8), start=0, end=180, thickness=max(1, int(4 * u)))
    for side in (-1, 1):
        ell((cx + side * 0.012 * h, tip_y + 0.002 * h), (0.006 * h, 0.0035 * h), _shade(skin, 0.45))

    # Mouth: closed lips.
    mouth_y = tip_y + 0.055 * h
    mw = traits.mouth_width * h
    lip = (_shade(skin, 0.72)[0], _shade(skin, 0.66)[1], min(255, int(skin[2] * 0.85)))
    ell((cx, mouth_y + 0.004 * h), (mw, 0.011 * h), lip, start=0, end=180)
    ell((cx, mouth_y), (mw, 0.008 * h), lip, start=180, end=360)
    cv2.line(canvas, pt(cx - mw, mouth_y), pt(cx + mw, mouth_y), _shade(skin, 0.45), max(1, int(3 * u)), aa)


@lru_cache(maxsize=4)
def _portrait(
    seed: int,
    sex: str,
    size: tuple[int, int],
    eyes_open: bool,
    background: str,
    people: tuple[tuple[int, float, float], ...] = (),
) -> np.ndarray:
    """The clean portrait (before per-frame movement, blur and noise), cached per person and size.

    ``people`` replaces the single centred person: (seed, centre_x, scale) for each one drawn."""
    h, w = size
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = BACKGROUND_BGR[background]
    for person, centre_x, scale in people or ((seed, 0.5, 1.0),):
        traits = face_traits(person, sex)
        _draw_person(canvas, traits, _layout(traits, size, centre_x, scale), eyes_open, scale)
    # Soft light from the upper left and a little fall-off at the frame edges.
    ys = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None]
    xs = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
    light = 1.04 - 0.05 * xs - 0.04 * ys - 0.05 * (xs * xs + ys * ys)
    lit = canvas.astype(np.float32) * light[..., None]
    out = cv2.GaussianBlur(lit, (0, 0), max(0.6, h / 1400.0))
    out = np.clip(out, 0, 255).astype(np.uint8)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=4)
def _sensor_noise(size: tuple[int, int]) -> np.ndarray:
    """Fixed-pattern-free sensor noise: a larger tile from which each frame takes a different window."""
    h, w = size
    noise = _rng(h, w, "sensor").integers(0, 7, size=(h + 32, w + 32, 3), dtype=np.uint8)
    noise.setflags(write=False)
    return noise


def layout(seed: int, sex: str = "L", size: tuple[int, int] = PREVIEW_SIZE) -> FaceLayout:
    """Where the face of ``seed`` lies in an unmoved frame of ``size``."""
    return _layout(face_traits(seed, sex), size)


def render(
    seed: int,
    birth_year: int,
    sex: str = "L",
    size: tuple[int, int] = PREVIEW_SIZE,
    frame: int | None = None,
    poor: bool = False,
    attempt: int = 0,
    foreigner: bool = False,
) -> np.ndarray:
    """A BGR frame of ``size`` (height, width).

    ``frame`` (preview frame number) moves the head by a few pixels and a fraction of a degree, differently
    every frame; ``None`` is the steady still. ``poor`` makes a photo that should be retaken: under-exposed
    and motion-blurred, with the head off-centre or the eyes closed (chosen by ``attempt``).
    """
    h, w = size
    rng = _rng(seed, birth_year, h, w, -1 if frame is None else frame, attempt, int(poor), "frame")
    eyes_open = True
    if poor:
        eyes_open = rng.random() < 0.5
    image = _portrait(seed, sex.upper(), size, eyes_open, background_name(birth_year, foreigner))
    dx = dy = angle = 0.0
    if frame is not None:
        t = frame / 30.0
        dx = h * 0.006 * math.sin(0.9 * t + seed % 7) + rng.normal(0, 0.4)
        dy = h * 0.004 * math.sin(1.3 * t + seed % 5) + rng.normal(0, 0.4)
        angle = 0.8 * math.sin(0.7 * t)
    if poor:
        dx += float(rng.choice([-1, 1])) * rng.uniform(0.12, 0.2) * w
    if dx or dy or angle:
        matrix = cv2.getRotationMatrix2D((w / 2.0, 0.47 * h), angle, 1.0)
        matrix[:, 2] += (dx, dy)
        image = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if poor:
        length = max(3, int(h * 0.02))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        image = cv2.filter2D(image, -1, kernel)
        image = cv2.convertScaleAbs(image, alpha=float(rng.uniform(0.45, 0.6)))
    oy, ox = (int(v) for v in rng.integers(0, 32, size=2))
    noisy = cv2.add(image, _sensor_noise(size)[oy : oy + h, ox : ox + w])
    return cv2.subtract(noisy, (3, 3, 3, 0))


#: Ways ``spoiled`` ruins a still, each one a reason the face checker must reject it.
SPOILS = ("blur", "dark", "bright", "off_centre", "two_faces", "wrong_background", "small", "tilted", "eyes_closed")


def spoiled(seed: int, birth_year: int, kind: str, sex: str = "L", size: tuple[int, int] = STILL_SIZE) -> np.ndarray:
    """A still of person ``seed`` spoiled in one way (``SPOILS``), for the face checker's labelled test set.

    blur: defocus (Gaussian, sigma 1 % of the height); dark / bright: exposure x0.3 / x2.2; off_centre: head
    shifted by 22 % of the width; two_faces: a second person beside the applicant; wrong_background: the other
    cloth colour; small: the applicant too far from the camera; tilted: head roll of 16 degrees; eyes_closed.
    """
    if kind not in SPOILS:
        raise ValueError(f"unknown spoil {kind!r}; choose from {', '.join(SPOILS)}")
    h, w = size
    rng = _rng(seed, birth_year, h, w, kind, "spoiled")
    background = background_name(birth_year)
    if kind == "wrong_background":
        background = "blue" if background == "red" else "red"
    people: tuple[tuple[int, float, float], ...] = ()
    if kind == "two_faces":
        people = ((seed, 0.36, 0.85), (seed + 7919, 0.72, 0.7))
    elif kind == "small":
        people = ((seed, 0.5, 0.5),)
    image = np.array(_portrait(seed, sex.upper(), size, kind != "eyes_closed", background, people))
    if kind == "blur":
        image = cv2.GaussianBlur(image, (0, 0), 0.01 * h)
    elif kind == "dark":
        image = cv2.convertScaleAbs(image, alpha=0.3)
    elif kind == "bright":
        image = cv2.convertScaleAbs(image, alpha=2.2, beta=30)
    elif kind in ("off_centre", "tilted"):
        angle = float(rng.choice([-1, 1])) * 16.0 if kind == "tilted" else 0.0
        matrix = cv2.getRotationMatrix2D((w / 2.0, 0.45 * h), angle, 1.0)
        if kind == "off_centre":
            matrix[0, 2] += float(rng.choice([-1, 1])) * 0.22 * w
        image = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    oy, ox = (int(v) for v in rng.integers(0, 32, size=2))
    noisy = cv2.add(image, _sensor_noise(size)[oy : oy + h, ox : ox + w])
    return cv2.subtract(noisy, (3, 3, 3, 0))
