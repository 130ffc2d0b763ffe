"""Shared pieces of the web application's routers: one ``Database`` and one station configuration per app,
and a route class that turns the station's typed errors into JSON answers.

``app.state.database_url`` (set by ``create_app``) picks the database; None means the station default
(``EKTP_DATABASE_URL`` or the SQLite file). Tests may set ``app.state.station_config`` to a ``StationConfig``.
Errors: a ``StationError`` answers ``{"detail": "<one line in Bahasa Indonesia>"}`` with the error's
``http_status`` (404 unknown NIK, SOP or session, 409 a recording that cannot go on, 422 an invalid NIK, 503 the
database unreachable, 400 otherwise), a ``DeviceError`` 503, a request
that does not fit the declared parameters 422 with the first problem named.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from drivers.errors import DeviceError
from ektp_station.db.engine import Database
from ektp_station.errors import DatabaseUnavailable, StationError
from ektp_station.station_config import StationConfig

_lock = threading.Lock()


def app_database(app: Any) -> Database:
    """The app's database, opened (and migrated) on first use."""
    database = getattr(app.state, "database", None)
    if database is None:
        with _lock:
            database = getattr(app.state, "database", None)
            if database is None:
                database = Database(getattr(app.state, "database_url", None))
                app.state.database = database
    return database


def get_database(request: Request) -> Database:
    """FastAPI dependency: ``db: Database = Depends(get_database)``."""
    return app_database(request.app)


def get_station_config(request: Request) -> StationConfig:
    """FastAPI dependency: the station.toml in force (read once per app)."""
    config = getattr(request.app.state, "station_config", None)
    if config is None:
        from ektp_station import station_config

        config = station_config.load()
        request.app.state.station_config = config
    return config


_REASONS = {
    "missing": "wajib diisi", "int_parsing": "harus bilangan bulat", "int_type": "harus bilangan bulat",
    "int_from_float": "harus bilangan bulat", "string_type": "harus teks", "bool_parsing": "harus true atau false",
    "bool_type": "harus true atau false", "json_invalid": "bukan JSON yang sah", "extra_forbidden": "tidak dikenal",
    "string_too_long": "terlalu panjang", "date_from_datetime_parsing": "harus tanggal TTTT-BB-HH",
    "date_parsing": "harus tanggal TTTT-BB-HH", "model_attributes_type": "harus objek JSON",
    "dict_type": "harus objek JSON", "list_type": "harus daftar",
}  # fmt: skip


def validation_message(exc: RequestValidationError) -> str:
    """The first problem of a request, in one Indonesian line: ``Masukan tidak valid: body.service wajib diisi``."""
    errors = exc.errors()
    if not errors:
        return "Masukan tidak valid"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    return f"Masukan tidak valid: {where} {_REASONS.get(first.get('type', ''), 'tidak valid')}"


def error_status(exc: StationError) -> int:
    if isinstance(exc, DatabaseUnavailable):
        return 503
    return int(getattr(exc, "http_status", 400))


class StationRoute(APIRoute):
    """Route class for ``APIRouter(route_class=StationRoute)``: typed errors become one-line JSON answers."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request):
            try:
                return await handler(request)
            except StationError as exc:
                return JSONResponse({"detail": exc.message}, status_code=error_status(exc))
            except DeviceError as exc:
                return JSONResponse({"detail": f"galat perangkat: {exc.message}"}, status_code=503)
            except RequestValidationError as exc:
                return JSONResponse({"detail": validation_message(exc)}, status_code=422)

        return route
