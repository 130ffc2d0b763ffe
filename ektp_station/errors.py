"""Typed errors a user can cause. The CLI prints their message on one line and exits non-zero.

Messages are Bahasa Indonesia first (the operator reads them); the class names are English. ``http_status`` is
the answer the web API gives for each (``ektp_station.web.deps.error_status``).
"""

from __future__ import annotations


class StationError(Exception):
    """Base of every error the station reports to a user as a one-line message."""

    exit_code = 2
    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(StationError):
    """The station configuration (station.toml or environment) is broken."""

    http_status = 500


class DatabaseUnavailable(StationError):
    """The database cannot be reached or is not migrated."""

    http_status = 503


class InvalidNik(StationError):
    """A NIK failed validation."""

    exit_code = 1
    http_status = 422


class UnknownSop(StationError):
    """An SOP code that is not in the catalogue."""

    http_status = 404


class CatalogueError(StationError):
    """An SOP data file does not validate."""

    http_status = 500


class UnknownSession(StationError):
    """A recording session id that does not exist."""

    http_status = 404


class ResidentNotFound(StationError):
    """The NIK is not in the population records."""

    http_status = 404


class RecordingError(StationError):
    """The recording cannot go on (device failure after all attempts, wrong state, …)."""

    http_status = 409


class BlobStoreError(StationError):
    """The encrypted biometric store cannot read or write a blob."""

    http_status = 500
