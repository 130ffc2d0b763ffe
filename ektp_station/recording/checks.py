"""Acceptance checks the station applies at capture time.

These are the station's own, deliberately simple checks (background colour rule, exposure, a face-coloured
region in the middle, signature size and duration). The biometric quality library of the later issue
(ISO/IEC 19794-5 geometry, NFIQ 2 style features, ISO/IEC 29794-6) replaces them behind the same shapes.
Every check returns a score 0..100 and per-check results with an operator hint in Bahasa Indonesia.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from drivers.interfaces import PenCapabilities, PenEvent


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    value: float | str
    threshold: str
    hint: str

    def to_json(self) -> dict:
        return {"name": self.name, "passed": self.passed, "value": self.value, "threshold": self.threshold,
                "hint": self.hint}


@dataclass
class Verdict:
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def score(self) -> float:
        if not self.checks:
            return 0.0
        return round(100.0 * sum(c.passed for c in self.checks) / len(self.checks), 1)

    def hints(self) -> list[str]:
        return [c.hint for c in self.checks if not c.passed]

    def to_json(self) -> dict:
        return {"passed": self.passed, "checks": [c.to_json() for c in self.checks]}


def expected_background(birth_year: int, foreigner: bool = False) -> str:
    """e-KTP photo background: red for an odd birth year, blue for an even one, orange for foreigners."""
    if foreigner:
        return "oranye"
    return "merah" if birth_year % 2 else "biru"


def _background_colour(image: np.ndarray) -> str:
    h, w = image.shape[:2]
    ph, pw = max(4, h // 10), max(4, w // 10)
    patches = np.concatenate([image[:ph, :pw].reshape(-1, 3), image[:ph, w - pw :].reshape(-1, 3)])
    hsv = cv2.cvtColor(patches.reshape(1, -1, 3).astype(np.uint8), cv2.COLOR_BGR2HSV).reshape(-1, 3)
    hue, sat = np.median(hsv[:, 0]), np.median(hsv[:, 1])
    if sat < 80:
        return "tidak berwarna"
    if hue < 8 or hue >= 165:
        return "merah"
    if 8 <= hue < 22:
        return "oranye"
    if 95 <= hue < 135:
        return "biru"
    return "lain"


def photo_verdict(image: np.ndarray, birth_year: int) -> Verdict:
    h, w = image.shape[:2]
    verdict = Verdict()
    want = expected_background(birth_year)
    got = _background_colour(image)
    verdict.checks.append(
        Check("warna_latar", got == want, got, want,
              f"Latar harus {want} (tahun lahir {birth_year}); ganti kain latar")
    )
    centre = image[h // 4 : 3 * h // 4, w // 3 : 2 * w // 3]
    brightness = float(cv2.cvtColor(centre, cv2.COLOR_BGR2GRAY).mean())
    verdict.checks.append(
        Check("pencahayaan", 60.0 <= brightness <= 220.0, round(brightness, 1), "60..220",
              "Wajah terlalu gelap, tambah cahaya" if brightness < 60 else "Wajah terlalu terang, kurangi cahaya")
    )
    ycrcb = cv2.cvtColor(centre, cv2.COLOR_BGR2YCrCb)
    skin = ((ycrcb[..., 1] >= 133) & (ycrcb[..., 1] <= 180) & (ycrcb[..., 2] >= 77) & (ycrcb[..., 2] <= 135))
    fraction = float(skin.mean())
    verdict.checks.append(
        Check("wajah_di_tengah", fraction >= 0.15, round(fraction, 3), ">= 0.15",
              "Wajah tidak terlihat di tengah bingkai, minta pemohon duduk tegak menghadap kamera")
    )
    sharpness = float(cv2.Laplacian(cv2.cvtColor(centre, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())
    verdict.checks.append(
        Check("ketajaman", sharpness >= 15.0, round(sharpness, 1), ">= 15", "Foto kabur, minta pemohon diam")
    )
    return verdict


def signature_verdict(events: list[PenEvent], caps: PenCapabilities) -> Verdict:
    touching = [e for e in events if e.touching and e.pressure > 0]
    verdict = Verdict()
    verdict.checks.append(
        Check("titik", len(touching) >= 20, len(touching), ">= 20", "Tanda tangan kosong, minta pemohon menandatangani")
    )
    duration = (touching[-1].t - touching[0].t) if len(touching) > 1 else 0.0
    verdict.checks.append(
        Check("durasi", duration >= 0.3, round(duration, 2), ">= 0.3 dtk", "Tanda tangan terlalu singkat, ulangi")
    )
    if touching:
        xs = np.array([e.x for e in touching])
        ys = np.array([e.y for e in touching])
        width = float(xs.max() - xs.min()) / caps.max_x
        height = float(ys.max() - ys.min()) / caps.max_y
    else:
        width = height = 0.0
    verdict.checks.append(
        Check("ukuran", width >= 0.15 and height >= 0.05, round(max(width, height), 3), "lebar >= 15 %",
              "Tanda tangan terlalu kecil, minta pemohon menandatangani lebih besar")
    )
    return verdict


def count_strokes(events: list[PenEvent]) -> int:
    strokes, down = 0, False
    for e in events:
        is_down = e.touching and e.pressure > 0
        if is_down and not down:
            strokes += 1
        down = is_down
    return strokes
