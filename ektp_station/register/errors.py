"""Typed errors of the register; every message is one Bahasa Indonesia sentence for the operator."""

from __future__ import annotations

from ektp_station.errors import StationError


class RegisterError(StationError):
    """Base of the register's user errors (exit code 2; ``http_status`` for the HTTP API)."""

    http_status = 400


class RegisterDataError(RegisterError):
    """A register data file (services, requirements, classification, signers, templates, …) is broken."""

    http_status = 500


class UnknownService(RegisterError):
    """A service code that the register does not run."""

    http_status = 404


class ApplicationNotFound(RegisterError):
    """No application with this id, register number or letter number."""

    http_status = 404


class InvalidInput(RegisterError):
    """A detail field, checklist code, date, signer or other input is not acceptable."""

    http_status = 422


class WrongState(RegisterError):
    """The action does not fit the application's current state."""

    http_status = 409


class NumberingError(RegisterError):
    """A number could not be allocated (sequence contention that did not resolve)."""

    http_status = 503
