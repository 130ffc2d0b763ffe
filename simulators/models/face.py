"""The simulated camera's portraits: a thin adapter over ``biometrics.synth.face`` (the generator and its
documentation live there, beside the face checker that is tested on it)."""

from __future__ import annotations

from biometrics.synth.face import (  # noqa: F401 - re-exported for the simulators and their users
    BACKGROUND_BGR,
    PREVIEW_SIZE,
    SPOILS,
    STILL_SIZE,
    FaceLayout,
    FaceTraits,
    background_name,
    face_traits,
    layout,
    render,
    spoiled,
)
