"""ISO/IEC 29794-6 style quality of a near-infrared iris image, on ``biometrics.iris_segment`` output.

Metrics (the formulas as implemented here; recommended values from biometrics.md section 4.4):

- **usable iris area** (%): unoccluded share of the annulus between pupil and limbus; >= 70.
- **iris-sclera contrast** (%): 100 (S - I) / (S + I), S the median grey just outside the limbus in the lateral
  sectors (1.1..1.25 R), I the median iris grey just inside (0.8..0.95 R); > 5.
- **iris-pupil contrast** (%): 100 (I - P) / (I + P), I next to the pupil, P inside it; > 30.
- **pupil-iris ratio** (%): 100 r_pupil / r_iris; 20..70.
- **concentricity** (%): 100 (1 - centre distance / r_iris); >= 90.
- **margin adequacy** (%): 100 min(1, left / 0.6R, right / 0.6R, top / 0.2R, bottom / 0.2R), the distances from
  the iris circle to the image edges (BIQT's margins); >= 80.
- **sharpness** (%): Daugman's 8 x 8 focus kernel (-1, with +3 in the central 4 x 4) over the iris box; power p
  = mean squared response; 100 p^2 / (p^2 + c^2) with c = ``SHARPNESS_C`` (calibrated so the camera's normal
  focus scores about 90 and a 3 px defocus blur under 30); >= 50.
- **grey-scale utilisation** (bits): entropy of the image histogram; >= 6.
- **iris diameter** (px): >= 200 (ISO/IEC 19794-6 "good"; MOSIP asks 210 for registration).

``quality`` (0..100, the station's score) = 100 x usable-area ramp (40 -> 70 %) x sharpness ramp (20 -> 60 %)
x margin ramp (50 -> 80 %) x iris-pupil contrast ramp (15 -> 30 %), 0 when no eye is found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from biometrics.iris_segment import IrisSegmentation, segment
from biometrics.result import Result

SHARPNESS_C = 9.0e4
_FOCUS_KERNEL = -np.ones((8, 8), np.float32)
_FOCUS_KERNEL[2:6, 2:6] = 3.0

MIN_USABLE = 70.0
MIN_SCLERA_CONTRAST = 5.0
MIN_PUPIL_CONTRAST = 30.0
DILATION_RANGE = (20.0, 70.0)
MIN_CONCENTRICITY = 90.0
MIN_MARGIN = 80.0
MIN_SHARPNESS = 50.0
MIN_GREY_BITS = 6.0
MIN_DIAMETER = 200.0


@dataclass(frozen=True)
class IrisQuality:
    found: bool
    usable_area: float
    iris_sclera_contrast: float
    iris_pupil_contrast: float
    pupil_iris_ratio: float
    concentricity: float
    margin: float
    sharpness: float
    grey_bits: float
    iris_diameter: float
    quality: float
    segmentation: IrisSegmentation


def _ramp(value: float, low: float, high: float) -> float:
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


def _ring_median(image, circle, inner: float, outer: float, lateral: bool, exclude=None) -> float:
    """Median grey between radii ``inner`` and ``outer`` of ``circle`` (lateral sectors only if asked)."""
    h, w = image.shape
    x0, x1 = int(max(0, circle.x - outer - 1)), int(min(w, circle.x + outer + 2))
    y0, y1 = int(max(0, circle.y - outer - 1)), int(min(h, circle.y + outer + 2))
    if x1 <= x0 or y1 <= y0:
        return float("nan")
    ys, xs = np.ogrid[y0:y1, x0:x1]
    d = np.hypot(xs - circle.x, ys - circle.y)
    sel = (d >= inner) & (d <= outer)
    if lateral:
        sel &= np.abs(ys - circle.y) <= 0.45 * circle.r
    if exclude is not None:
        sel &= ~exclude[y0:y1, x0:x1]
    values = image[y0:y1, x0:x1][sel]
    return float(np.median(values)) if values.size else float("nan")


def assess(image: np.ndarray, seg: IrisSegmentation | None = None) -> IrisQuality:
    seg = seg or segment(image)
    h, w = image.shape
    hist = np.bincount(image.reshape(-1), minlength=256).astype(np.float64)
    p = hist[hist > 0] / hist.sum()
    bits = float(-(p * np.log2(p)).sum())
    if not seg.found or seg.iris.r <= 0:
        return IrisQuality(False, 0, 0, 0, 0, 0, 0, 0, bits, 0, 0.0, seg)
    pupil, iris = seg.pupil, seg.iris
    usable = 100.0 * float(seg.mask.sum()) / max(float(seg.annulus.sum()), 1.0)
    sclera = _ring_median(image, iris, 1.1 * iris.r, 1.25 * iris.r, True, seg.reflections)
    iris_outer = _ring_median(image, iris, 0.8 * iris.r, 0.95 * iris.r, True, ~seg.mask)
    iris_inner = _ring_median(image, pupil, pupil.r + 4, pupil.r + 0.25 * (iris.r - pupil.r), False, ~seg.mask)
    pupil_grey = _ring_median(image, pupil, 0, 0.7 * pupil.r, False, seg.reflections)
    isc = 100.0 * (sclera - iris_outer) / max(sclera + iris_outer, 1.0)
    ipc = 100.0 * (iris_inner - pupil_grey) / max(iris_inner + pupil_grey, 1.0)
    ratio = 100.0 * pupil.r / iris.r
    concentric = 100.0 * max(0.0, 1.0 - math.hypot(pupil.x - iris.x, pupil.y - iris.y) / iris.r)
    left, right = iris.x - iris.r, w - (iris.x + iris.r)
    top, bottom = iris.y - iris.r, h - (iris.y + iris.r)
    margin = 100.0 * max(0.0, min(1.0, left / (0.6 * iris.r), right / (0.6 * iris.r), top / (0.2 * iris.r),
                                  bottom / (0.2 * iris.r)))
    x0, x1 = int(max(0, iris.x - iris.r)), int(min(w, iris.x + iris.r))
    y0, y1 = int(max(0, iris.y - iris.r)), int(min(h, iris.y + iris.r))
    box = image[y0:y1, x0:x1].astype(np.float32)
    if box.size > 64:
        response = cv2.filter2D(box, cv2.CV_32F, _FOCUS_KERNEL)
        power = float(np.mean(response * response))
        sharp = 100.0 * power * power / (power * power + SHARPNESS_C**2)
    else:
        sharp = 0.0
    score = 100.0 * _ramp(usable, 40, 70) * _ramp(sharp, 20, 60) * _ramp(margin, 50, 80) * _ramp(ipc, 15, 30)
    return IrisQuality(True, usable, isc, ipc, ratio, concentric, margin, sharp, bits, 2 * iris.r,
                       round(score, 1), seg)


def quality(image: np.ndarray) -> float:
    """Quality 0..100 of an HxW uint8 NIR eye image."""
    return assess(image).quality


def check(image: np.ndarray, minimum: float = 40.0) -> Result:
    q = assess(image)
    r = Result(extra={"quality": q.quality, "assessment": q})
    if not r.add("eye_found", q.found, int(q.found), "1",
                 "Mata tidak terdeteksi, minta pemohon menatap lensa kamera iris"):
        return r
    r.add("usable_iris_area", q.usable_area >= MIN_USABLE, round(q.usable_area, 1), f">= {MIN_USABLE:g} %",
          "Iris tertutup kelopak mata atau bulu mata, minta pemohon membuka mata lebar-lebar")
    r.add("iris_sclera_contrast", q.iris_sclera_contrast > MIN_SCLERA_CONTRAST, round(q.iris_sclera_contrast, 1),
          f"> {MIN_SCLERA_CONTRAST:g}",
          "Batas iris dan bagian putih mata kurang jelas, periksa pencahayaan kamera iris")
    r.add("iris_pupil_contrast", q.iris_pupil_contrast > MIN_PUPIL_CONTRAST, round(q.iris_pupil_contrast, 1),
          f"> {MIN_PUPIL_CONTRAST:g}", "Pupil kurang kontras, periksa pencahayaan dan lensa kamera iris")
    lo, hi = DILATION_RANGE
    r.add("pupil_iris_ratio", lo <= q.pupil_iris_ratio <= hi, round(q.pupil_iris_ratio, 1), f"{lo:g}..{hi:g} %",
          "Pupil terlalu lebar atau sempit, sesuaikan cahaya ruangan lalu ulangi")
    r.add("concentricity", q.concentricity >= MIN_CONCENTRICITY, round(q.concentricity, 1),
          f">= {MIN_CONCENTRICITY:g}", "Mata tidak lurus ke kamera, minta pemohon menatap lurus ke lensa")
    r.add("margin", q.margin >= MIN_MARGIN, round(q.margin, 1), f">= {MIN_MARGIN:g}",
          "Mata tidak di tengah bingkai, minta pemohon menggeser kepala ke tengah")
    r.add("sharpness", q.sharpness >= MIN_SHARPNESS, round(q.sharpness, 1), f">= {MIN_SHARPNESS:g}",
          "Gambar iris kabur, minta pemohon diam dan mengatur jarak ke kamera")
    r.add("grey_scale_utilisation", q.grey_bits >= MIN_GREY_BITS, round(q.grey_bits, 2), f">= {MIN_GREY_BITS:g} bit",
          "Rentang keabuan sempit, periksa pencahayaan inframerah kamera iris")
    r.add("iris_diameter", q.iris_diameter >= MIN_DIAMETER, round(q.iris_diameter, 1), f">= {MIN_DIAMETER:g} px",
          "Iris terlalu kecil, minta pemohon mendekat ke kamera")
    r.add("quality", q.quality >= minimum, q.quality, f">= {minimum:g}", "Kualitas iris rendah, ulangi pengambilan")
    return r
