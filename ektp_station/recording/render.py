"""Images the station makes: the signature picture and the summary shown to the Kasi for approval."""

from __future__ import annotations

import cv2
import numpy as np

from drivers.interfaces import PenCapabilities, PenEvent


def encode_png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    if not ok:  # pragma: no cover - OpenCV fails only on empty images
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def decode_png(data: bytes, grey: bool = False) -> np.ndarray:
    flags = cv2.IMREAD_GRAYSCALE if grey else cv2.IMREAD_COLOR
    return cv2.imdecode(np.frombuffer(data, np.uint8), flags)


def signature_image(events: list[PenEvent], caps: PenCapabilities, width: int = 600, height: int = 220) -> np.ndarray:
    """Black strokes on white, line width following the pen pressure, anti-aliased."""
    canvas = np.full((height, width), 255, np.uint8)
    touching = [e for e in events if e.touching and e.pressure > 0]
    if not touching:
        return canvas
    xs = np.array([e.x for e in touching], float)
    ys = np.array([e.y for e in touching], float)
    span = max(xs.max() - xs.min(), (ys.max() - ys.min()) * width / height, 1.0)
    scale = (width - 20) / span
    ox = 10 - xs.min() * scale + (width - 20 - (xs.max() - xs.min()) * scale) / 2
    oy = 10 - ys.min() * scale + (height - 20 - (ys.max() - ys.min()) * scale) / 2
    prev = None
    for e in events:
        if not (e.touching and e.pressure > 0):
            prev = None
            continue
        point = (int(round(e.x * scale + ox)), int(round(e.y * scale + oy)))
        if prev is not None:
            thickness = 1 + int(round(3 * e.pressure / max(caps.max_pressure, 1)))
            cv2.line(canvas, prev, point, 0, thickness, cv2.LINE_AA)
        prev = point
    return canvas


def approval_summary(lines: list[str], photo: np.ndarray | None, size: tuple[int, int] = (800, 480)) -> np.ndarray:
    """A plain summary for the signature pad's screen: photo thumbnail on the left, checklist on the right."""
    width, height = size
    canvas = np.full((height, width, 3), 255, np.uint8)
    cv2.putText(canvas, "PERSETUJUAN PEREKAMAN E-KTP", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2,
                cv2.LINE_AA)
    x0 = 20
    if photo is not None:
        thumb_h = height - 100
        thumb_w = int(photo.shape[1] * thumb_h / photo.shape[0])
        thumb = cv2.resize(photo, (thumb_w, thumb_h), interpolation=cv2.INTER_AREA)
        canvas[70 : 70 + thumb_h, 20 : 20 + thumb_w] = thumb
        x0 = 40 + thumb_w
    for i, line in enumerate(lines):
        cv2.putText(canvas, line, (x0, 90 + 34 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.65, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(canvas, "Tanda tangani untuk menyetujui", (x0, height - 30), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                (0, 0, 160), 1, cv2.LINE_AA)
    return canvas
