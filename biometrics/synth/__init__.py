"""Synthetic biometric samples, deterministic by seed: the simulators' devices and the library's tests and
benchmarks draw from them. Pure numpy/OpenCV, no I/O, no clocks.

- ``fingerprint``: SFinGe-style master prints per finger identity, flat impressions, 4-4-2 slaps.
- ``iris``: near-infrared eye images per identity and eye.
- ``face``: frontal portraits on the e-KTP background cloth, live preview frames, and spoiled stills.
- ``signature``: pen samples of a handwritten signature.
- ``seeding``: the deterministic random streams they share.
"""
