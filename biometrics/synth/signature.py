"""Pen strokes of a synthetic handwritten signature, as a pressure-sensitive pad reports them.

A signature is 2..4 strokes (a name word or two, an initial or a dot, a flourish underline). Each stroke is a
smooth cursive-like curve: a baseline drifting right with a rising slant, plus loops from sinusoids whose
frequencies and phases come from the name and the seed, so the same person signs alike every time (with a
little natural variation per ``attempt``). Samples come at ``SAMPLE_RATE_HZ`` (about 133 Hz, as ISDV4 /
Wacom pen digitisers report) with timestamps from 0, a pressure that rises at touch-down, varies with speed
and falls at lift-off, and a few hover samples (pen near the pad, pressure 0) between strokes.

Device units follow an ISDV4-like tablet: x 0..``MAX_X``, y 0..``MAX_Y`` (y down), pressure
0..``MAX_PRESSURE``. ``render`` draws events as black ink on white for looking at them. Pure numpy/OpenCV.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import cv2
import numpy as np

from biometrics.synth.seeding import rng as _rng

#: ISDV4-like pad ranges (device units; about 0.01 mm per unit on a 102 x 74 mm active area).
MAX_X = 10206
MAX_Y = 7422
MAX_PRESSURE = 1023
SAMPLE_RATE_HZ = 133.0


@dataclass(frozen=True)
class PenSample:
    """One report of the pad: ``t`` seconds since the first touch-down."""

    t: float
    x: int
    y: int
    pressure: int
    touching: bool


def _stroke_shape(rng: np.random.Generator, width: float, height: float, kind: str) -> np.ndarray:
    """A smooth curve as (n, 2) points in pad units relative to its start, sampled uniformly in time."""
    if kind == "dot":
        duration = rng.uniform(0.12, 0.2)
        n = max(4, int(duration * SAMPLE_RATE_HZ))
        t = np.linspace(0.0, 1.0, n)
        return np.stack([40 * t, 25 * np.sin(math.pi * t)], axis=1)
    if kind == "flourish":
        duration = rng.uniform(0.45, 0.8)
        n = int(duration * SAMPLE_RATE_HZ)
        t = np.linspace(0.0, 1.0, n)
        x = width * (t + 0.08 * np.sin(2 * math.pi * t))
        y = height * (0.18 * np.sin(math.pi * t * rng.uniform(0.8, 1.3)) - 0.05 * t)
        return np.stack([x, y], axis=1)
    letters = int(rng.integers(4, 9)) if kind == "word" else int(rng.integers(1, 3))
    duration = letters * rng.uniform(0.17, 0.26)
    n = int(duration * SAMPLE_RATE_HZ)
    t = np.linspace(0.0, 1.0, n)
    phase = 2 * math.pi * letters * t
    loop = rng.uniform(0.55, 0.95)  # > ~0.5 makes the backward swings that read as cursive loops
    advance = width * t
    x = advance + (width / letters) * loop * 0.5 * np.sin(phase + rng.uniform(0, math.pi))
    envelope = 1.0 + 0.35 * np.sin(2 * math.pi * rng.uniform(0.5, 1.5) * t + rng.uniform(0, 2 * math.pi))
    y = -height * 0.5 * envelope * np.abs(np.sin(0.5 * phase)) ** 0.8 - rng.uniform(0.05, 0.2) * height * t
    # Capital at the start: one tall swing.
    y -= height * 0.6 * np.exp(-((t * letters / 1.2) ** 2))
    return np.stack([x, y], axis=1)


def signature_samples(seed: int, name: str = "", attempt: int = 0) -> list[PenSample]:
    """The pen samples of one signature by person ``seed`` (``name`` shapes it, when given)."""
    words = [w for w in name.split() if w.isalpha()]
    style_key = zlib.crc32(" ".join(words).lower().encode()) if words else 0
    style = _rng(seed, style_key, "signature-style")
    kinds: list[str] = ["word"]
    if len(words) >= 2 or style.random() < 0.5:
        kinds.append("initial")
    if style.random() < 0.4:
        kinds.append("dot")
    kinds.append("flourish")
    kinds = kinds[:4]
    # Shared layout: the signature spans about 60..80 % of the pad width around its middle.
    total_width = style.uniform(0.6, 0.8) * MAX_X
    letter_height = style.uniform(0.26, 0.36) * MAX_Y
    slant = style.uniform(0.1, 0.3)
    shapes_rng = _rng(seed, style_key, "signature-shapes")
    vary = _rng(seed, style_key, attempt, "signature-attempt")

    start_x = (MAX_X - total_width) / 2
    baseline = MAX_Y * style.uniform(0.58, 0.64)
    cursor = start_x
    strokes: list[np.ndarray] = []
    for kind in kinds:
        if kind == "flourish":
            width = total_width * style.uniform(0.7, 0.95)
            origin = (start_x + total_width * 0.05, baseline + letter_height * 0.35)
        elif kind == "dot":
            width = 40.0
            origin = (cursor + 150, baseline - letter_height * 0.2)
        else:
            share = 0.65 if kind == "word" else 0.25
            width = total_width * share
            origin = (cursor, baseline)
            cursor += width + total_width * 0.06
        points = _stroke_shape(shapes_rng, width, letter_height, kind)
        points[:, 0] -= slant * points[:, 1]  # italic slant: higher points lean right (y is down)
        # Per attempt: a little scale, offset and tremor, so two signatures of one person are not identical.
        points *= vary.uniform(0.96, 1.04)
        points += vary.normal(0, 6.0, size=points.shape).cumsum(axis=0) * 0.1
        strokes.append(points + np.array(origin) + vary.normal(0, 40, size=2))

    samples: list[PenSample] = []
    t = 0.0
    dt = 1.0 / SAMPLE_RATE_HZ
    for index, points in enumerate(strokes):
        if index:
            # Pen lifted: a few hover reports on the way to the next stroke.
            gap = vary.uniform(0.15, 0.4)
            prev, nxt = strokes[index - 1][-1], points[0]
            hover = max(2, int(gap * SAMPLE_RATE_HZ))
            for k in range(1, hover + 1):
                x, y = prev + (nxt - prev) * (k / (hover + 1))
                samples.append(PenSample(round(t + k * dt, 4), *_clip_xy(x, y), 0, False))
            t += (hover + 1) * dt
        speed = np.linalg.norm(np.diff(points, axis=0, prepend=points[:1]), axis=1)
        slow = 1.0 - np.clip(speed / (np.percentile(speed, 90) + 1e-6), 0.0, 1.0)
        n = len(points)
        ramp = np.minimum(1.0, np.minimum(np.arange(1, n + 1), np.arange(n, 0, -1)) / 5.0)
        level = vary.uniform(0.45, 0.65) + 0.2 * slow + vary.normal(0, 0.02, size=n)
        pressure = np.clip(level * ramp, 0.04, 1.0) * MAX_PRESSURE
        for k in range(n):
            samples.append(PenSample(round(t, 4), *_clip_xy(*points[k]), max(1, int(pressure[k])), True))
            t += dt
        # Lift-off report.
        samples.append(PenSample(round(t, 4), *_clip_xy(*points[-1]), 0, False))
        t += dt
    return samples


def _clip_xy(x: float, y: float) -> tuple[int, int]:
    return int(np.clip(round(x), 0, MAX_X)), int(np.clip(round(y), 0, MAX_Y))


def render(
    samples: list,
    size: tuple[int, int] = (600, 1200),
    max_x: int = MAX_X,
    max_y: int = MAX_Y,
    max_pressure: int = MAX_PRESSURE,
) -> np.ndarray:
    """Draw pen events (anything with ``x``, ``y``, ``pressure``, ``touching``) on a white ``size`` image.

    The whole pad maps onto the image (aspect kept); line width follows pressure.
    """
    h, w = size
    scale = min((w - 20) / max_x, (h - 20) / max_y)
    ox, oy = (w - max_x * scale) / 2, (h - max_y * scale) / 2
    image = np.full((h, w), 255, np.uint8)
    prev = None
    for s in samples:
        if not s.touching or s.pressure <= 0:
            prev = None
            continue
        point = (int(round(ox + s.x * scale)), int(round(oy + s.y * scale)))
        if prev is not None:
            thickness = 1 + int(round(3 * s.pressure / max_pressure))
            cv2.line(image, prev, point, 20, thickness, cv2.LINE_AA)
        prev = point
    return image
