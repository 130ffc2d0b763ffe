"""Capture checks of the e-KTP photo: a fast path for live preview frames and a full check for the still.

Detection and eyes come from ``biometrics.face_detect``. Geometry follows ISO/IEC 19794-5 full frontal
(biometrics.md section 2.1) with the camera frame as the framing guide (A = frame width, B = frame height):

- ``single_face``: exactly one face (no face, or someone else in the picture, fails);
- ``eye_distance`` >= ``MIN_EYE_DISTANCE`` px (ISO's 90 px resolution rule; 120 preferred), and not above
  ``MAX_EYE_DISTANCE_SHARE`` of B (too close to the camera);
- ``horizontal_position``: eye midpoint Mx in 0.45..0.55 A; ``vertical_position``: My in 0.30..0.50 B;
- ``head_width``: face width over the token width (4 eye distances, see ``biometrics.face_token``),
  ``head_height``: estimated crown-to-chin over the token height (the crown is taken one eye-to-chin distance
  above the eye line). ISO asks 0.50..0.75 and 0.60..0.90 of the portrait; the detector's box spans the face
  cheek to cheek and brow to chin, not the head, and moves by a few pixels between frames, so the ranges here
  are widened to ``HEAD_WIDTH`` and ``HEAD_HEIGHT``: they catch a wrong eye or face location, a head turned
  or tipped far, not fine framing;
- ``roll`` from the eye line within +/-``MAX_ROLL`` degrees;
- ``exposure``: mean luminance of the inner face in ``EXPOSURE_RANGE``, with at most ``MAX_CLIPPED`` of its
  pixels clipped (>= 250) or crushed (<= 20);
- ``sharpness``: variance of the Laplacian of the face scaled to ``biometrics.face_detect.FACE_WIDTH`` px (so
  independent of the resolution) >= ``MIN_SHARPNESS`` (calibrated on the synthetic stills: sharp ~100..300,
  the defocused and motion-blurred ones < 20);
- ``background_uniform``: in the background (the band above the head and the strips beside it) at most
  ``MAX_BACKGROUND_EDGES`` of the pixels on an edge and a grey spread (5th..95th percentile) of at most
  ``MAX_BACKGROUND_SPREAD`` levels;
- ``background_colour``: the e-KTP rule, red for an odd birth year, blue for an even one, orange for a foreign
  resident (hue windows on the background's median colour; the cloth's exact colour is not standardised).

The full check (``check_still``) adds ``eyes_open`` (the sclera beside each iris lighter than the skin) and
``token_inside`` (the token crop lies within the frame), and returns the token portrait in ``extra``.
Every check carries an operator hint in Bahasa Indonesia.
"""

from __future__ import annotations

import cv2
import numpy as np

from biometrics import face_detect
from biometrics.face_detect import Eyes, FaceBox
from biometrics.face_token import EYE_X, crop_token, outside_share, token_matrix, token_size
from biometrics.result import Result

#: The still is searched at a higher resolution than preview frames (smaller faces, a second face far back).
STILL_DETECT_SIDE = 320
MIN_EYE_DISTANCE = 90.0
MAX_EYE_DISTANCE_SHARE = 0.30
CENTRE_X = (0.45, 0.55)
CENTRE_Y = (0.30, 0.50)
HEAD_WIDTH = (0.42, 0.80)
HEAD_HEIGHT = (0.50, 0.95)
MAX_ROLL = 8.0
EXPOSURE_RANGE = (70.0, 210.0)
MAX_CLIPPED = 0.05
MIN_SHARPNESS = 40.0
MAX_BACKGROUND_EDGES = 0.03
MAX_BACKGROUND_SPREAD = 70.0
MIN_EYE_OPEN = 12.0
MAX_TOKEN_OUTSIDE = 0.02

COLOUR_NAMES = {"red": "merah", "blue": "biru", "orange": "oranye"}


def expected_background(birth_year: int | None, foreigner: bool = False) -> str | None:
    """"orange" for foreigners, "red" for an odd birth year, "blue" for an even one, None if unknown."""
    if foreigner:
        return "orange"
    if birth_year is None:
        return None
    return "red" if birth_year % 2 else "blue"


def classify_colour(bgr: tuple[float, float, float]) -> str:
    pixel = np.uint8([[list(np.clip(bgr, 0, 255))]])
    hue, sat, val = (int(v) for v in cv2.cvtColor(pixel, cv2.COLOR_BGR2HSV)[0, 0])
    if sat < 80 or val < 50:
        return "none"
    if hue < 8 or hue >= 165:
        return "red"
    if hue < 24:
        return "orange"
    if 90 <= hue < 135:
        return "blue"
    return "other"


def _background_mask(shape: tuple[int, int], box: FaceBox | None) -> np.ndarray:
    h, w = shape
    mask = np.zeros((h, w), bool)
    if box is None:
        mask[: max(2, h // 8)] = True
        mask[:, : max(2, w // 10)] = True
        mask[:, w - max(2, w // 10) :] = True
        return mask
    top = int(max(2, box.y - 0.55 * box.h))
    mask[:top] = True
    bottom = int(min(h, box.y + box.h))
    left, right = int(box.x - 0.6 * box.w), int(box.x + 1.6 * box.w)
    if left > 2:
        mask[top:bottom, :left] = True
    if right < w - 2:
        mask[top:bottom, right:] = True
    return mask


def _background(result: Result, small: np.ndarray, box: FaceBox | None, scale: float, want: str | None) -> None:
    """Uniformity and colour on a downscaled frame (``scale`` = small / full)."""
    sbox = None if box is None else FaceBox(box.x * scale, box.y * scale, box.w * scale, box.h * scale, box.confidence)
    mask = _background_mask(small.shape[:2], sbox)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    gx = cv2.Sobel(grey, cv2.CV_16S, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_16S, 0, 1, ksize=3)
    edges = (np.abs(gx.astype(np.int32)) + np.abs(gy.astype(np.int32))) > 80
    edges = cv2.erode(cv2.dilate(edges.astype(np.uint8), None), None).astype(bool)
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    values = grey[inner] if inner.any() else grey.reshape(-1)
    edge_share = float(edges[inner].mean()) if inner.any() else 1.0
    spread = float(np.percentile(values, 95) - np.percentile(values, 5))
    result.add("background_uniform", edge_share <= MAX_BACKGROUND_EDGES and spread <= MAX_BACKGROUND_SPREAD,
               round(edge_share, 4), f"tepi <= {MAX_BACKGROUND_EDGES:.0%}, sebaran <= {MAX_BACKGROUND_SPREAD:g}",
               "Latar belakang tidak polos, rapikan kain latar dan pastikan tidak ada benda/orang di belakang pemohon")
    colour = classify_colour(tuple(float(v) for v in np.median(small[inner if inner.any() else mask], axis=0)))
    result.extra["background"] = colour
    if want is not None:
        name = COLOUR_NAMES[want]
        result.add("background_colour", colour == want, COLOUR_NAMES.get(colour, "lain"), name,
                   f"Latar harus {name}" + (" (WNA)" if want == "orange" else " (tahun lahir " +
                                            ("ganjil" if want == "red" else "genap") + ")") +
                   ", pasang kain latar yang benar")


def _geometry(result: Result, shape, box: FaceBox, eyes: Eyes) -> None:
    h, w = shape[:2]
    ied = eyes.distance
    too_close = ied > MAX_EYE_DISTANCE_SHARE * h
    result.add("eye_distance", MIN_EYE_DISTANCE <= ied and not too_close, round(ied, 1),
               f"{MIN_EYE_DISTANCE:g}..{MAX_EYE_DISTANCE_SHARE * h:.0f} px",
               "Wajah terlalu dekat, minta pemohon mundur sedikit" if too_close
               else "Wajah terlalu kecil, minta pemohon mendekat")
    mx, my = eyes.midpoint
    sx, sy = mx / w, my / h
    result.add("horizontal_position", CENTRE_X[0] <= sx <= CENTRE_X[1], round(sx, 3), f"{CENTRE_X[0]}..{CENTRE_X[1]}",
               "Wajah tidak di tengah, minta pemohon bergeser ke " + ("kanan" if sx < 0.5 else "kiri")
               + " (dilihat dari kamera)")
    result.add("vertical_position", CENTRE_Y[0] <= sy <= CENTRE_Y[1], round(sy, 3), f"{CENTRE_Y[0]}..{CENTRE_Y[1]}",
               "Mata terlalu " + ("tinggi" if sy < CENTRE_Y[0] else "rendah")
               + " di bingkai, atur tinggi kamera atau kursi pemohon")
    token_w = ied / (EYE_X[1] - EYE_X[0])
    width_ratio = box.w / token_w
    result.add("head_width", HEAD_WIDTH[0] <= width_ratio <= HEAD_WIDTH[1], round(width_ratio, 3),
               f"{HEAD_WIDTH[0]}..{HEAD_WIDTH[1]}",
               "Posisi kepala tidak wajar, minta pemohon menghadap lurus ke kamera")
    chin = box.y + box.h
    head = 2.0 * (chin - my)
    height_ratio = head / (token_w / 0.75)
    result.add("head_height", HEAD_HEIGHT[0] <= height_ratio <= HEAD_HEIGHT[1], round(height_ratio, 3),
               f"{HEAD_HEIGHT[0]}..{HEAD_HEIGHT[1]}",
               "Posisi kepala tidak wajar, minta pemohon menegakkan kepala dan menghadap kamera")
    roll = eyes.roll
    result.add("roll", abs(roll) <= MAX_ROLL, round(roll, 1), f"+/-{MAX_ROLL:g} derajat",
               "Kepala miring, minta pemohon menegakkan kepala")


def _face_crop(image: np.ndarray, box: FaceBox, inner: bool = True) -> np.ndarray:
    h, w = image.shape[:2]
    if inner:
        x0, x1 = box.x + 0.2 * box.w, box.x + 0.8 * box.w
        y0, y1 = box.y + 0.15 * box.h, box.y + 0.9 * box.h
    else:
        x0, x1, y0, y1 = box.x, box.x + box.w, box.y, box.y + box.h
    x0, y0 = int(max(0, x0)), int(max(0, y0))
    x1, y1 = int(min(w, x1)), int(min(h, y1))
    return image[y0:y1, x0:x1]


def _exposure_and_sharpness(result: Result, image: np.ndarray, box: FaceBox) -> None:
    face = _face_crop(image, box)
    if face.size == 0:
        result.add("exposure", False, None, f"{EXPOSURE_RANGE[0]:g}..{EXPOSURE_RANGE[1]:g}",
                   "Wajah tidak terlihat utuh di bingkai")
        return
    scale = face_detect.FACE_WIDTH / max(1, face.shape[1])
    size = (face_detect.FACE_WIDTH, max(8, int(round(face.shape[0] * scale))))
    grey = cv2.cvtColor(cv2.resize(face, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    mean = float(grey.mean())
    clipped = float(((grey >= 250) | (grey <= 20)).mean())
    ok = EXPOSURE_RANGE[0] <= mean <= EXPOSURE_RANGE[1] and clipped <= MAX_CLIPPED
    dark = mean < EXPOSURE_RANGE[0] or (clipped > MAX_CLIPPED and mean < 128)
    rule = f"{EXPOSURE_RANGE[0]:g}..{EXPOSURE_RANGE[1]:g}, terpotong <= {MAX_CLIPPED:.0%}"
    hint = "Wajah terlalu gelap, tambah cahaya" if dark else "Wajah terlalu terang, kurangi cahaya atau lampu kilat"
    result.add("exposure", ok, round(mean, 1), rule, hint)
    sharp = float(cv2.Laplacian(grey, cv2.CV_32F).var())
    result.extra["sharpness"] = sharp
    result.add("sharpness", sharp >= MIN_SHARPNESS, round(sharp, 1), f">= {MIN_SHARPNESS:g}",
               "Foto kabur, minta pemohon diam dan periksa fokus kamera")


def _eyes_open(result: Result, image: np.ndarray, box: FaceBox, eyes: Eyes) -> None:
    grey = cv2.cvtColor(_face_crop(image, box, inner=False), cv2.COLOR_BGR2GRAY)
    x0, y0 = int(max(0, box.x)), int(max(0, box.y))
    skin = float(np.median(cv2.cvtColor(_face_crop(image, box), cv2.COLOR_BGR2GRAY)))
    r = max(2, int(0.22 * eyes.distance))
    values = []
    for ex, ey in (eyes.left, eyes.right):
        cx, cy = int(ex) - x0, int(ey) - y0
        window = grey[max(0, cy - r // 3) : cy + r // 3 + 1, max(0, cx - r) : cx + r + 1]
        values.append(float(np.percentile(window, 97)) - skin if window.size else 0.0)
    lowest = min(values)
    result.add("eyes_open", lowest >= MIN_EYE_OPEN, round(lowest, 1), f">= {MIN_EYE_OPEN:g}",
               "Mata pemohon tertutup atau terhalang, minta pemohon membuka mata dan melepas kacamata")


def _start(image: np.ndarray, small: np.ndarray) -> tuple[Result, list[FaceBox]]:
    faces = face_detect.detect(image, small=small)
    r = Result(extra={"faces": faces})
    hint = ("Wajah tidak terdeteksi, minta pemohon menghadap kamera" if not faces
            else "Lebih dari satu wajah terlihat, pastikan hanya pemohon yang ada di depan kamera")
    r.add("single_face", len(faces) == 1, len(faces), "1", hint)
    return r, faces


def _validate(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("a face image must be an HxWx3 uint8 BGR array")


def check_preview(image: np.ndarray, birth_year: int | None = None, foreigner: bool = False) -> Result:
    """Fast path for live preview frames (BGR): detection, geometry, roll, exposure, sharpness, background."""
    _validate(image)
    small, scale = face_detect.downscale(image)
    r, faces = _start(image, small)
    box = faces[0] if faces else None
    if box is not None:
        eyes = face_detect.locate_eyes(image, box)
        r.extra["eyes"] = eyes
        _geometry(r, image.shape, box, eyes)
        _exposure_and_sharpness(r, image, box)
    _background(r, small, box, scale, expected_background(birth_year, foreigner))
    return r


def check_still(image: np.ndarray, birth_year: int | None = None, foreigner: bool = False) -> Result:
    """Full check of the photo (BGR); ``extra["token"]`` holds the token portrait when a face was found."""
    _validate(image)
    small, scale = face_detect.downscale(image, STILL_DETECT_SIDE)
    r, faces = _start(image, small)
    box = faces[0] if faces else None
    if box is not None:
        eyes = face_detect.locate_eyes(image, box)
        r.extra["eyes"] = eyes
        _geometry(r, image.shape, box, eyes)
        _exposure_and_sharpness(r, image, box)
        _eyes_open(r, image, box, eyes)
        outside = outside_share(image.shape, token_matrix(eyes.left, eyes.right))
        r.add("token_inside", outside <= MAX_TOKEN_OUTSIDE, round(outside, 3), f"<= {MAX_TOKEN_OUTSIDE:.0%}",
              "Kepala terlalu dekat ke tepi foto, minta pemohon ke tengah dan sedikit mundur")
        r.extra["token"] = crop_token(image, eyes.left, eyes.right)
    _background(r, small, box, scale, expected_background(birth_year, foreigner))
    return r


__all__ = ["check_preview", "check_still", "expected_background", "classify_colour", "token_size"]
