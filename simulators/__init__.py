"""Simulated e-KTP recording devices, for development, tests and operator training without hardware.

- ``simulators.models``: the device models, thin adapters over ``biometrics.synth`` (seeded face photos,
  fingerprints and 4-4-2 slaps, NIR iris images, signature pen strokes) plus ticket printer and display records.
- ``simulators.inproc``: the in-process ``sim`` drivers of every device kind (entry points
  ``ektp_station.drivers``: ``camera.sim``, ``fingerprint.sim``, ...).
- Wire simulators that speak the real bytes and wrap the same models: ``zfm``, ``isdv4``, ``escpos``,
  ``ledboard`` (over ``wire/``: the ``ektpsim://`` pyserial scheme, a pty or TCP), ``stu`` (a pyusb backend,
  ``stusim://``, or TCP), ``sbi`` (an HTTP server), ``camera_server`` (MJPEG over HTTP).
- ``simulators.scenario``: scripted faults per attempt, finger or eye.
- ``simulators.cli``: the ``ektp-sim`` command (list, sample images, ``ektp-sim DEVICE --pty|--tcp``).

Simulators may import ``drivers`` and ``biometrics`` but never ``ektp_station``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ektp-station")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0.0.0"
