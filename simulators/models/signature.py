"""The simulated signature pad's pen strokes: a thin adapter over ``biometrics.synth.signature``."""

from __future__ import annotations

from biometrics.synth.signature import (  # noqa: F401 - re-exported for the simulators and their users
    MAX_PRESSURE,
    MAX_X,
    MAX_Y,
    SAMPLE_RATE_HZ,
    PenSample,
    render,
    signature_samples,
)
