"""Write transactions that stay correct when several processes share the database.

SQLite (single-station mode): the transaction starts with ``BEGIN IMMEDIATE``, so it holds the write lock from
its first read; two processes calling at once queue up on the lock (``busy_timeout``) instead of both reading the
same waiting ticket, and WAL's read-then-upgrade ``SQLITE_BUSY_SNAPSHOT`` cannot happen.

PostgreSQL (several counters): READ COMMITTED, rows taken with ``FOR UPDATE [SKIP LOCKED]`` by the callers; a
deadlock or serialization failure, which PostgreSQL may report under load, is retried a few times from scratch.
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ektp_station.db.engine import Database, describe_db_error
from ektp_station.errors import DatabaseUnavailable

T = TypeVar("T")

#: PostgreSQL SQLSTATEs that mean "run the transaction again": serialization_failure, deadlock_detected.
_RETRY_STATES = {"40001", "40P01"}
_ATTEMPTS = 5


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_sqlite(db: Database) -> bool:
    return db.engine.dialect.name == "sqlite"


def run_write(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in one write transaction and commit; all or nothing.

    ``IntegrityError`` is passed on as is (callers turn a broken unique rule into their own message); other
    database failures become ``DatabaseUnavailable`` with one line.
    """
    for attempt in range(1, _ATTEMPTS + 1):
        session = Session(db.engine, expire_on_commit=False)
        try:
            if is_sqlite(db):
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            result = work(session)
            session.commit()
            return result
        except IntegrityError:
            session.rollback()
            raise
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            if _sqlstate(exc) in _RETRY_STATES and attempt < _ATTEMPTS:
                time.sleep(0.01 * attempt)
                continue
            raise DatabaseUnavailable(describe_db_error(exc, db.url)) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    raise AssertionError("unreachable")  # pragma: no cover


def run_read(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in a read-only session; the rows it returns stay readable after it closes."""
    session = Session(db.engine, expire_on_commit=False)
    try:
        return work(session)
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailable(describe_db_error(exc, db.url)) from exc
    finally:
        session.close()
