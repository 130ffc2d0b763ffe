"""Simulated e-KTP recording devices, for development, tests and operator training without hardware.

- ``simulators.models``: pure, seed-deterministic data generators (face photo, fingerprints and 4-4-2 slaps,
  NIR iris images, signature pen strokes, ticket printer and queue display records).
- ``simulators.inproc``: the in-process ``sim`` drivers of every device kind (entry points
  ``ektp_station.drivers``: ``camera.sim``, ``fingerprint.sim``, ...).
- ``simulators.cli``: the ``ektp-sim`` command (list the models, write sample images).

Simulators may import ``drivers`` and ``biometrics`` but never ``ektp_station``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ektp-station")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0.0.0"
