"""What a user can get wrong with the queue. Each is a one-line Indonesian message (``StationError``);
``http_status`` is the answer the web API gives for it."""

from __future__ import annotations

from ektp_station.errors import StationError


class QueueError(StationError):
    """A queue request that cannot be done in the current state (409 on the API)."""

    http_status = 409


class UnknownTicket(QueueError):
    """No ticket with that number (today) or token."""

    http_status = 404


class InvalidInput(QueueError):
    """A malformed counter number, setting, date or option."""

    http_status = 422


class CounterIdle(QueueError):
    """The counter has no called or served ticket to act on."""


class ReturnWindowPassed(QueueError):
    """A skipped (no-show) ticket came back after the configured time."""


class SummonsError(QueueError):
    """A summons letter request that does not fit the letter's state."""


class UnknownSummons(SummonsError):
    http_status = 404
