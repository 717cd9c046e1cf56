"""The engine: SQLite in WAL mode with a busy timeout by default, any SQLAlchemy URL otherwise.

SQLite write transactions begin with BEGIN IMMEDIATE: a deferred transaction that reads and
then writes can fail with SQLITE_BUSY without waiting when another writer got in between,
while IMMEDIATE takes the write lock up front and waits out the busy timeout instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.db import jsoncodec
from app.settings import get_settings

BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    codec: dict[str, Any] = {
        "json_serializer": jsoncodec.dumps,
        "json_deserializer": jsoncodec.loads,
    }
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **codec)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        **codec,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit is on disk before the client hears "201", so an acknowledged write
        # survives a power cut too (NORMAL in WAL mode may lose the last ones).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().DATABASE_URL)


async def read_session() -> AsyncIterator[Session]:
    """A session for a read. Opening it does no I/O, so it is made on the event loop: a sync
    dependency would cost a hop to the thread pool and back on every GET."""
    with Session(get_engine()) as session:
        yield session


def open_write_session() -> Session:
    """A session whose transaction takes the SQLite write lock at BEGIN (close it after)."""
    return Session(get_engine().execution_options(sqlite_immediate=True))


def write_session() -> Iterator[Session]:
    with open_write_session() as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]
WriteSession = Annotated[Session, Depends(write_session)]


# SQLite: the write lock was not free within the busy timeout. PostgreSQL: lock_not_available,
# serialization_failure, deadlock_detected. All mean "try again", which kube-apiserver says
# with 429 TooManyRequests and Retry-After (client-go retries those by itself).
_BUSY_SQLSTATES = {"55P03", "40001", "40P01"}


def database_busy(exc: OperationalError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return sqlstate in _BUSY_SQLSTATES or "database is locked" in str(exc.orig)
