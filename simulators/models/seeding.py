"""Deterministic random streams for the device models (the generators live in ``biometrics.synth``)."""

from __future__ import annotations

from biometrics.synth.seeding import rng

__all__ = ["rng"]
