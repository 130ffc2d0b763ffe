"""e-KTP recording station controller for Kecamatan Kalipare (SOP PATEN 2017)."""

__version__ = "0.1.0"
