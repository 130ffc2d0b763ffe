"""Device interfaces and drivers. This package imports nothing of ``ektp_station``."""
