"""Acceptance checks the station applies at capture time, on the biometric library (``biometrics``).

- photo (4.2): ``biometrics.face_quality.check_still``: one face, ISO/IEC 19794-5 full-frontal geometry, roll,
  exposure, sharpness, eyes open, plain background in the e-KTP colour for the birth year;
- signature (4.3, and the Kasi's approval): ``biometrics.signature.check``;
- fingerprints (4.4): ``biometrics.fingerprint_quality`` (NFIQ 2 style, 0..100) and the sequence checks: each
  four-finger slap shows the right hand (``biometrics.enrolment.slap_hands``: swapped slaps, one hand placed
  twice), or, finger by finger, no finger placed again for the next position or for its twin on the other hand
  (``biometrics.enrolment.distinct_fingers``);
- irises (4.5): ``biometrics.iris_quality`` (ISO/IEC 29794-6 metrics, 0..100).

A ``Verdict`` wraps the library's ``{"passed", "checks": [...]}`` result: ``score`` is the share of checks
passed (0..100), ``hints()`` the operator hints (Bahasa Indonesia) of the failed ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from biometrics import face_quality, fingerprint_match, fingerprint_quality, iris_quality
from biometrics import signature as signature_checks
from biometrics.enrolment import distinct_fingers, slap_hands
from biometrics.positions import Finger, Slap
from biometrics.result import Result
from biometrics.slap import SlapSegmentation, Tip
from biometrics.slap import segment as slap_segment
from drivers.interfaces import FingerImage, PenCapabilities, PenEvent


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    value: float | str | None
    threshold: str
    hint: str

    def to_json(self) -> dict:
        return {"name": self.name, "passed": self.passed, "value": self.value, "threshold": self.threshold,
                "hint": self.hint}


@dataclass
class Verdict:
    checks: list[Check] = field(default_factory=list)
    #: The library's measurements beside the checks (e.g. ``quality``, ``token``), not stored.
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def score(self) -> float:
        if not self.checks:
            return 0.0
        return round(100.0 * sum(c.passed for c in self.checks) / len(self.checks), 1)

    def hints(self) -> list[str]:
        return [c.hint for c in self.checks if not c.passed]

    def to_json(self) -> dict:
        return {"passed": self.passed, "checks": [c.to_json() for c in self.checks]}


def _verdict(result: Result) -> Verdict:
    data = result.to_dict()
    return Verdict([Check(c["name"], c["passed"], c["value"], c["threshold"], c["hint"]) for c in data["checks"]],
                   dict(result.extra))


_COLOUR = {"red": "merah", "blue": "biru", "orange": "oranye"}


def expected_background(birth_year: int, foreigner: bool = False) -> str:
    """e-KTP photo background: red for an odd birth year, blue for an even one, orange for foreigners."""
    return _COLOUR[face_quality.expected_background(birth_year, foreigner)]


def photo_verdict(image: np.ndarray, birth_year: int, foreigner: bool = False) -> Verdict:
    """The full face check on the still (BGR)."""
    return _verdict(face_quality.check_still(image, birth_year, foreigner))


def signature_verdict(events: list[PenEvent], caps: PenCapabilities) -> Verdict:
    return _verdict(signature_checks.check(events, caps.max_x, caps.max_y))


def count_strokes(events: list[PenEvent]) -> int:
    return len(signature_checks.strokes(events))


def finger_quality(image: np.ndarray) -> float:
    """The station's own fingerprint quality, 0..100 on NFIQ 2's scale, whatever the scanner reports."""
    return float(fingerprint_quality.quality(image))


def iris_quality_score(image: np.ndarray) -> float:
    """The station's own iris quality, 0..100."""
    return float(iris_quality.quality(image))


def slap_segmentation(slap: Slap, fingers: tuple[FingerImage, ...], image: np.ndarray | None = None
                      ) -> SlapSegmentation:
    """Where the fingertips lie on a slap: the scanner's boxes when it gives one for every finger, otherwise the
    library's own segmentation of the slap ``image`` (a scanner that only returns the whole platen)."""
    slap = Slap(int(slap))
    if image is not None and (not fingers or any(f.box is None for f in fingers)):
        return slap_segment(image, slap, expected=len(fingers) or None)
    tips = [Tip(f.finger, f.box, (f.box[0] + f.box[2] / 2, f.box[1] + f.box[3] / 2), f.box[2] * f.box[3], 0.0)
            for f in fingers if f.box is not None]
    return SlapSegmentation(slap, tuple(sorted(tips, key=lambda t: t.centroid[0])))


def slap_sequence_verdict(slaps: dict[Slap, tuple[FingerImage, ...] | tuple[np.ndarray, tuple[FingerImage, ...]]]
                          ) -> Verdict:
    """Left and right four-finger slaps not swapped (nor one hand placed twice), from where the fingertips lie.
    ``slaps``: slap -> its fingers, or -> (slap image, its fingers) so that fingers without a box are found on
    the image."""
    segmentations = {}
    for slap, value in slaps.items():
        image, fingers = value if len(value) == 2 and isinstance(value[0], np.ndarray) else (None, value)
        segmentations[Slap(int(slap))] = slap_segmentation(slap, tuple(fingers), image)
    return _verdict(slap_hands(segmentations))


def finger_sequence_verdict(images: dict) -> Verdict:
    """Finger by finger: each capture differs from the one taken just before it (the same finger left on the
    sensor) and from the same finger of the other hand (hands mixed up). ``images``: finger -> image, in
    capture order."""
    order = [Finger(int(f)) for f in images]
    templates = {f: fingerprint_match.extract(images[f]) for f in order}
    pairs = list(zip(order, order[1:]))
    pairs += [(f, Finger(int(f) + 5)) for f in order if int(f) <= 5 and Finger(int(f) + 5) in templates]
    return _verdict(distinct_fingers(templates, pairs))
