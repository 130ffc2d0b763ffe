"""The simulated iris camera's NIR eye images: a thin adapter over ``biometrics.synth.iris``."""

from __future__ import annotations

from biometrics.synth.iris import (  # noqa: F401 - re-exported for the simulators and their users
    IRIS_GREY,
    IRIS_IMAGE_SIZE,
    IRIS_SPREAD,
    PUPIL_GREY,
    SCLERA_GREY,
    SKIN_GREY,
    IrisCapture,
    iris_texture,
    render,
)
