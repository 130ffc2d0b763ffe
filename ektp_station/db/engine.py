"""Engine and session factory, SQLite pragmas, migrations to head, and database errors as one-liners."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ektp_station import settings
from ektp_station.errors import DatabaseUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the report reader and a second process work while a recording writes;
    # synchronous=FULL keeps a committed step across power loss, not only a process kill.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    url = url or settings.database_url()
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 10})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
            engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise DatabaseUnavailable(f"URL basis data tidak valid ({url.split('@')[-1]}): {exc}") from exc
    return engine


def describe_db_error(exc: BaseException, url: str) -> str:
    where = url.split("@")[-1]
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"Basis data tidak dapat dihubungi ({where}): {reason}"


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Run Alembic migrations on ``engine`` up to ``revision``."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailable(describe_db_error(exc, str(engine.url))) from exc


def current_revision(engine: Engine) -> str | None:
    """The applied revisions, comma-separated (features may add independent migration branches)."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ",".join(sorted(ScriptDirectory.from_config(cfg).get_heads()))


def ensure_schema(engine: Engine) -> None:
    """Bring the database to the newest schema, every branch head (cheap when it already is)."""
    try:
        at = current_revision(engine)
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailable(describe_db_error(exc, str(engine.url))) from exc
    if at != head_revision():
        upgrade(engine)


class Database:
    """An engine plus its session factory; ``with db.transaction() as s:`` commits or rolls back as one."""

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = url or settings.database_url()
        self.engine = make_engine(self.url)
        if migrate:
            ensure_schema(self.engine)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        session = self._factory()
        try:
            yield session
            session.commit()
        except (OperationalError, InterfaceError) as exc:
            # Lost or refused connections only; constraint violations (IntegrityError) keep their own type.
            session.rollback()
            raise DatabaseUnavailable(describe_db_error(exc, self.url)) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())


