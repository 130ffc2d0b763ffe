"""Time in one place: UTC for storage, WIB (Asia/Jakarta) for people."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def to_wib(value: datetime) -> datetime:
    return as_utc(value).astimezone(WIB)
