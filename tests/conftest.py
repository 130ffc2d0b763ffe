"""Shared fixtures. Every storage test runs on SQLite and on PostgreSQL.

PostgreSQL: ``EKTP_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Each test
gets its own schema, dropped afterwards, so runs never see each other's rows. When the server cannot be reached
the PostgreSQL cases are skipped with the reason, except under CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
PG_BASE = os.environ.get("EKTP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ARTIFACTS = ROOT / "test-artifacts"

_pg_problem: str | None = None
_pg_checked = False


def _postgres_problem() -> str | None:
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            engine = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            engine.dispose()
        except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
            _pg_problem = f"PostgreSQL di {PG_BASE.split('@')[-1]} tidak tersedia: {str(exc).splitlines()[0]}"
    return _pg_problem


def _new_pg_schema() -> tuple[str, str]:
    schema = f"t_{os.getpid()}_{secrets.token_hex(4)}"
    engine = create_engine(PG_BASE)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in PG_BASE else "?"
    return schema, f"{PG_BASE}{sep}options=-csearch_path%3D{schema}"


def _drop_pg_schema(schema: str) -> None:
    engine = create_engine(PG_BASE)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch):
    """A fresh, empty database URL on each backend; also exported as EKTP_DATABASE_URL for CLI runs."""
    monkeypatch.setenv("EKTP_DATA_DIR", str(tmp_path / "data"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'station.db'}"
        monkeypatch.setenv("EKTP_DATABASE_URL", url)
        yield url
        return
    problem = _postgres_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    schema, url = _new_pg_schema()
    monkeypatch.setenv("EKTP_DATABASE_URL", url)
    try:
        yield url
    finally:
        _drop_pg_schema(schema)


@pytest.fixture
def db(database_url):
    from ektp_station.db.engine import Database

    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An isolated EKTP_DATA_DIR (SQLite default database) for tests that do not need both backends."""
    path = tmp_path / "data"
    monkeypatch.setenv("EKTP_DATA_DIR", str(path))
    monkeypatch.delenv("EKTP_DATABASE_URL", raising=False)
    monkeypatch.delenv("EKTP_STATION_CONFIG", raising=False)
    return path


@pytest.fixture
def run_cli(capsys):
    """Run ``ektp-station`` in-process; returns (exit code, stdout, stderr)."""
    from ektp_station.cli.main import main

    def _run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def cli_command() -> list[str]:
    """``ektp-station`` as a subprocess command line using this interpreter."""
    return [sys.executable, "-m", "ektp_station.cli.main"]
