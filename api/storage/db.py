"""The database engine: SQLite (the embedded default, in WAL mode with foreign keys on) or PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlmodel import Session

from api.errors import DatabaseUnavailable, RequestInvalid


class EncodedJSON(str):
    """JSON text already encoded (a gap report's ``to_json()``), stored as is in a JSON column."""


def _json_serializer(value: Any) -> str:
    return value if isinstance(value, EncodedJSON) else json.dumps(value, ensure_ascii=False)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across a process kill in WAL mode
    cursor.execute("PRAGMA busy_timeout=10000")
    # A 64 MiB page cache: trust roll-ups read many findings. No memory-mapped I/O: its pages would count towards
    # a long job's memory as the file grows (``oap rescore`` on 25,000 audits went from 1.0x to 1.4x of 2,500).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file. PostgreSQL connections are checked on use."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, json_serializer=_json_serializer
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True, pool_recycle=1800)


def is_unavailable(error: BaseException) -> bool:
    """Whether a database error means the database cannot be reached (rather than a bad statement)."""
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error.

    A lost or unreachable database becomes DatabaseUnavailable (503): nothing half-written survives, because
    every write of a request happens in this one transaction.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except DataError as error:
        session.rollback()
        raise RequestInvalid(
            "a value cannot be stored: text may not contain NUL characters, and numbers must be in range"
        ) from error
    except (OperationalError, DBAPIError) as error:
        with suppress(OperationalError, DBAPIError):  # the connection may be gone; nothing was committed
            session.rollback()
        if is_unavailable(error):
            raise DatabaseUnavailable("the database cannot be reached; nothing was written, try again") from error
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def ping(engine: Engine) -> None:
    """Run a trivial query; raises DatabaseUnavailable when the database cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except (OperationalError, DBAPIError) as error:
        raise DatabaseUnavailable("the database cannot be reached") from error
