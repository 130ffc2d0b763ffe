"""MOSIP SBI client drivers (entry points ``fingerprint.sbi``, ``iris.sbi``, ``camera.sbi``).

``transport`` is the deadline-bound HTTP client, ``devices`` the three drivers; the wire format lives in
``drivers.protocols.sbi`` (JSON, JWS, hash chain) and ``drivers.protocols.iso19794`` (the ISO records).
"""

from drivers.sbi.devices import SbiFaceCamera, SbiFingerprintScanner, SbiIrisCamera

__all__ = ["SbiFaceCamera", "SbiFingerprintScanner", "SbiIrisCamera"]
