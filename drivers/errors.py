"""Typed device errors. Every driver turns what goes wrong on the wire into one of these, within its timeout.

``retryable`` tells the station whether asking again may help (no finger on the glass, a corrupt packet,
a busy device) or not (unplugged, wrong password, unsupported).
"""

from __future__ import annotations


class DeviceError(Exception):
    retryable = False

    def __init__(self, message: str, *, code: str | int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


class DeviceNotFound(DeviceError):
    """No driver or no device at the configured URL."""


class DeviceUnavailable(DeviceError):
    """The device went away (unplugged, port closed). Re-open to continue."""

    retryable = True


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""

    retryable = True


class DeviceBusy(DeviceError):
    retryable = True


class ProtocolError(DeviceError):
    """Garbage, a bad checksum or an unexpected packet on the wire."""

    retryable = True


class CaptureFailed(DeviceError):
    """The device answered but the capture is unusable (no finger, too few fingers, poor image)."""

    retryable = True


class NotSupported(DeviceError):
    """The device cannot do this (for example: a signature pad with no screen)."""


class DeviceConfigError(DeviceError):
    """A driver option or URL is wrong."""
