"""The simulated scanners' fingerprints: a thin adapter over ``biometrics.synth.fingerprint``.

The generator (SFinGe-style master prints, impressions, 4-4-2 slaps) and its documentation live in the
biometric library, beside the quality score and matcher that are measured on it. This module only speaks the
drivers' types: slap boxes are keyed by ``drivers.interfaces.Finger``.
"""

from __future__ import annotations

from biometrics.synth import fingerprint as _synth
from biometrics.synth.fingerprint import (  # noqa: F401 - re-exported for the simulators and their users
    FINGER_IMAGE_SIZE,
    RESOLUTION_PPI,
    RIDGE_PERIOD_RANGE,
    SLAP_IMAGE_SIZE,
    FingerIdentity,
    Impression,
    MasterPrint,
    PatternClass,
    SlapCapture,
    finger_identity,
    impression_params,
    master_print,
    orientation_field,
    render_finger,
)
from drivers.interfaces import Finger, Slap


def render_slap(
    seed: int,
    slap: Slap | int,
    present: set[Finger] | frozenset[Finger] | None = None,
    impression: int = 0,
    poor: set[Finger] | frozenset[Finger] = frozenset(),
    impressions: dict[Finger, int] | None = None,
) -> SlapCapture:
    """``biometrics.synth.fingerprint.render_slap`` with the boxes keyed by the drivers' ``Finger``."""
    capture = _synth.render_slap(seed, int(Slap(slap)), present, impression, poor, impressions)
    return SlapCapture(capture.image, {Finger(int(f)): box for f, box in capture.boxes.items()})
