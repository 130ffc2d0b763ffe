"""Crop a frame to the token frontal portrait (ISO/IEC 19794-5 token geometry, biometrics.md section 2.1).

The token image is fixed by the eye centres alone: width W, height W / 0.75, the eyes level at
(0.375 W, 0.6 W) and (0.625 W, 0.6 W) from the top left, so the eye distance is 0.25 W. One affine warp
rotates (levels the eyes), scales and crops; parts outside the frame are filled by replicating its edge, and
``outside_share`` reports how much of the token had to be filled that way.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

TOKEN_WIDTH = 480
EYE_Y = 0.6  # of the width, from the top
EYE_X = (0.375, 0.625)


def token_matrix(left_eye: tuple[float, float], right_eye: tuple[float, float], width: int = TOKEN_WIDTH) -> np.ndarray:
    """2x3 affine matrix from frame to token coordinates."""
    (lx, ly), (rx, ry) = left_eye, right_eye
    distance = math.hypot(rx - lx, ry - ly)
    scale = (EYE_X[1] - EYE_X[0]) * width / max(distance, 1e-6)
    angle = math.degrees(math.atan2(ry - ly, rx - lx))
    mx, my = (lx + rx) / 2, (ly + ry) / 2
    matrix = cv2.getRotationMatrix2D((mx, my), angle, scale)
    matrix[0, 2] += width * (EYE_X[0] + EYE_X[1]) / 2 - mx
    matrix[1, 2] += width * EYE_Y - my
    return matrix


def token_size(width: int = TOKEN_WIDTH) -> tuple[int, int]:
    """(height, width) of the token image."""
    return int(round(width / 0.75)), width


def outside_share(frame_shape: tuple[int, ...], matrix: np.ndarray, width: int = TOKEN_WIDTH) -> float:
    """Share of the token's area that falls outside the frame."""
    th, tw = token_size(width)
    inverse = cv2.invertAffineTransform(matrix)
    ys, xs = np.mgrid[0:th:8, 0:tw:8].astype(np.float32)
    fx = inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2]
    fy = inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2]
    h, w = frame_shape[:2]
    return float(((fx < 0) | (fy < 0) | (fx > w - 1) | (fy > h - 1)).mean())


def crop_token(
    image: np.ndarray, left_eye: tuple[float, float], right_eye: tuple[float, float], width: int = TOKEN_WIDTH
) -> np.ndarray:
    """The token portrait (``token_size(width)``) cut from ``image``."""
    th, tw = token_size(width)
    matrix = token_matrix(left_eye, right_eye, width)
    return cv2.warpAffine(image, matrix, (tw, th), flags=cv2.INTER_AREA if matrix[0, 0] < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
