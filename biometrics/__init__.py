"""Pure biometric algorithms on numpy images (numpy/OpenCV only: no I/O, no devices, no station code).

- ``fingerprint_quality``: a fast 0..100 fingerprint quality score (interim, before NFIQ 2 style features).
- ``fingerprint_match``: an interim 1:1 image-correlation fingerprint comparator (before a minutiae matcher).
- ``ridge``: the ridge-image analysis both share (band-pass, foreground, orientation field).
"""
