"""Typed errors a user can cause. The CLI prints their message on one line and exits non-zero.

Messages are Bahasa Indonesia first (the operator reads them); the class names are English.
"""

from __future__ import annotations


class StationError(Exception):
    """Base of every error the station reports to a user as a one-line message."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(StationError):
    """The station configuration (station.toml or environment) is broken."""


class DatabaseUnavailable(StationError):
    """The database cannot be reached or is not migrated."""


class InvalidNik(StationError):
    """A NIK failed validation."""

    exit_code = 1


class UnknownSop(StationError):
    """An SOP code that is not in the catalogue."""


class CatalogueError(StationError):
    """An SOP data file does not validate."""


class UnknownSession(StationError):
    """A recording session id that does not exist."""


class ResidentNotFound(StationError):
    """The NIK is not in the population records."""


class RecordingError(StationError):
    """The recording cannot go on (device failure after all attempts, wrong state, …)."""


class BlobStoreError(StationError):
    """The encrypted biometric store cannot read or write a blob."""
