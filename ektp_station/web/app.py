"""FastAPI application factory. Each feature contributes one router module; this file only assembles them."""

from __future__ import annotations

from fastapi import FastAPI

from ektp_station import __version__


def create_app(database_url: str | None = None) -> FastAPI:
    from ektp_station.web import routes_queue, routes_register

    app = FastAPI(title="Stasiun e-KTP Kecamatan Kalipare", version=__version__)
    app.state.database_url = database_url
    app.include_router(routes_queue.router)
    app.include_router(routes_register.router)
    return app
