"""Front ends that add pages to the station's web application, found by name, never imported by the station.

A front end is a function ``install(app: FastAPI) -> None`` named as ``"module:function"``, declared by its package
in the entry-point group ``ektp_station.web`` (like the drivers in ``ektp_station.drivers``); pyproject.toml
declares the queue display (``queue_display.web:install``, which may import the station but not the other way
round). A front end whose module is not installed is left out; one that fails to install is an error (a broken
page must not go unnoticed).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from fastapi import FastAPI

from ektp_station.errors import ConfigError

GROUP = "ektp_station.web"


def declared() -> dict[str, str]:
    """Front ends by name, from the entry points."""
    return {ep.name: ep.value for ep in entry_points(group=GROUP)}


def _load(target: str) -> Any | None:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None  # that front end is not installed
        raise
    return getattr(module, attribute or "install")


def install_all(app: FastAPI) -> list[str]:
    """Install every available front end into ``app``; the names installed, in order."""
    installed = []
    for name, target in sorted(declared().items()):
        install = _load(target)
        if install is None:
            continue
        try:
            install(app)
        except Exception as exc:  # noqa: BLE001 - reported with the front end's name
            raise ConfigError(f"Tampilan web {name} ({target}) gagal dipasang: {exc}") from exc
        installed.append(name)
    app.state.web_extensions = installed
    return installed


def build_app(database_url: str | None = None) -> FastAPI:
    """The station's whole web application: the API routers (``create_app``) and every front end."""
    from ektp_station.web.app import create_app

    app = create_app(database_url)
    install_all(app)
    return app
