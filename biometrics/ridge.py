"""Ridge-image basics shared by the fingerprint comparator and the quality score.

``analyse(image)`` turns a 500 ppi greyscale fingerprint (ridges dark or light, any background) into:

- ``bandpass``: a difference-of-Gaussians image that keeps the ridge band (periods of roughly 5..20 px),
- ``ridges``: the band-pass divided by its local amplitude, so every well-printed area has unit contrast,
- block maps on an 8 px grid (``BLOCK``): ridge energy, foreground, the orientation (double-angle unit
  vectors) and its coherence from the smoothed gradient structure tensor.

Pure numpy/OpenCV, no I/O; about 1.5 ms for a 400 x 400 image on one core.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Side of a block of the block maps, in pixels (16 blocks per ridge-rich 128 px at 500 ppi).
BLOCK = 8
#: Difference-of-Gaussians band for 500 ppi ridges (period about 9 px).
BANDPASS_SIGMAS = (1.0, 3.0)
#: A block is foreground when its ridge energy exceeds this share of the image's high (95th percentile) level.
FOREGROUND_SHARE = 0.15


@dataclass(frozen=True)
class RidgeAnalysis:
    bandpass: np.ndarray  # float32, full resolution
    ridges: np.ndarray  # float32, band-pass / local amplitude
    energy: np.ndarray  # float32 block map: mean squared band-pass
    foreground: np.ndarray  # bool block map
    orientation: np.ndarray  # complex64 block map: exp(2i * gradient angle), 0 in the background
    coherence: np.ndarray  # float32 block map 0..1
    level: float  # the image's high ridge energy (95th percentile of blocks)

    @property
    def mask(self) -> np.ndarray:
        """Foreground at full resolution (uint8 0/1)."""
        h, w = self.ridges.shape
        return cv2.resize(self.foreground.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)


def as_grey(image: np.ndarray) -> np.ndarray:
    """Validate a greyscale image and return it as float32."""
    if not isinstance(image, np.ndarray) or image.ndim != 2:
        raise ValueError("a fingerprint must be a 2-D greyscale array")
    if image.shape[0] < 4 * BLOCK or image.shape[1] < 4 * BLOCK:
        raise ValueError(f"fingerprint image too small: {image.shape}")
    return image.astype(np.float32, copy=False)


def _block_mean(values: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    return cv2.resize(values, (grid[1], grid[0]), interpolation=cv2.INTER_AREA)


def analyse(image: np.ndarray) -> RidgeAnalysis:
    grey = as_grey(image)
    h, w = grey.shape
    grid = (h // BLOCK, w // BLOCK)
    crop = grey[: grid[0] * BLOCK, : grid[1] * BLOCK]
    fine = cv2.GaussianBlur(crop, (0, 0), BANDPASS_SIGMAS[0])
    bandpass = fine - cv2.GaussianBlur(crop, (0, 0), BANDPASS_SIGMAS[1])

    energy = cv2.GaussianBlur(_block_mean(bandpass * bandpass, grid), (0, 0), 1.0)
    level = float(np.percentile(energy, 95)) + 1e-6
    foreground = (energy > FOREGROUND_SHARE * level).astype(np.uint8)
    kernel = np.ones((3, 3), np.uint8)
    foreground = cv2.morphologyEx(foreground, cv2.MORPH_OPEN, kernel)
    foreground = cv2.morphologyEx(foreground, cv2.MORPH_CLOSE, kernel).astype(bool)

    amplitude = cv2.resize(energy, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)
    ridges = bandpass / np.sqrt(amplitude + 0.02 * level)

    gx = cv2.Sobel(fine, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(fine, cv2.CV_32F, 0, 1, ksize=3)
    gxx = cv2.GaussianBlur(_block_mean(gx * gx, grid), (0, 0), 1.0)
    gyy = cv2.GaussianBlur(_block_mean(gy * gy, grid), (0, 0), 1.0)
    gxy = cv2.GaussianBlur(_block_mean(gx * gy, grid), (0, 0), 1.0)
    tensor = (gxx - gyy) + 2j * gxy
    magnitude = np.abs(tensor)
    coherence = (magnitude / (gxx + gyy + 1e-6)).astype(np.float32)
    orientation = np.where(foreground, tensor / (magnitude + 1e-9), 0).astype(np.complex64)
    return RidgeAnalysis(bandpass, ridges.astype(np.float32), energy, foreground, orientation, coherence, level)
