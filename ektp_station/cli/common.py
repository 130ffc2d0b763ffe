"""Helpers shared by the command modules: JSON output and the database handle."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Any

from ektp_station.db.engine import Database


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=_default) + "\n")
    sys.stdout.flush()


def open_database() -> Database:
    """The station database at ``EKTP_DATABASE_URL`` (or the SQLite default), migrated to head."""
    return Database()
