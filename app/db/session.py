"""The engine: SQLite in WAL mode with a busy timeout by default, any SQLAlchemy URL otherwise.

SQLite write transactions begin with BEGIN IMMEDIATE: a deferred transaction that reads and
then writes can fail with SQLITE_BUSY without waiting when another writer got in between,
while IMMEDIATE takes the write lock up front and waits out the busy timeout instead.

Within one process, writers first queue on a lock of their own (WriterQueue): SQLite's busy
handler waits by sleeping and retrying (up to 100 ms per nap), so twenty writers polling the
database lock each waited far longer than the writer before them took, in no order. The
queue hands the lock over as soon as it is free; between processes the busy timeout remains.
"""

from __future__ import annotations

import threading
from collections import deque
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
SQLITE_POOL_SIZE = 64
"""Connections kept per engine: more than the thread pool's 40 threads, so that a request
never waits for a connection another holds (SQLite connections cost a file handle)."""
_QUEUED = "svcscope_write_queue"


class WriterQueue:
    """This process's writers, one at a time, first come first served (at most the busy
    timeout: after that a writer goes on to BEGIN IMMEDIATE and its error, as before).

    A plain threading.Lock is not fair: a writer releasing it and coming straight back often
    took it again before the ones waiting woke up, and under 20 writers the unlucky waited
    seconds (write p99). Here a leaving writer hands the turn to the longest waiting one."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    def enter(self, info: dict[Any, Any]) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                info[_QUEUED] = self
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            info[_QUEUED] = self  # handed over by the writer before
            return
        with self._mutex:
            if turn in self._waiting:
                self._waiting.remove(turn)  # gave up waiting
                return
        info[_QUEUED] = self  # handed over just as the wait ran out

    def leave(self, info: dict[Any, Any]) -> None:
        if info.pop(_QUEUED, None) is not self:
            return
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()  # still held: now by the next writer
            else:
                self._held = False


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
        pool_size=SQLITE_POOL_SIZE,
        **codec,
    )
    writers = WriterQueue()

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
        if not connection.get_execution_options().get("sqlite_immediate", False):
            connection.exec_driver_sql("BEGIN")
            return
        writers.enter(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writers.leave(connection.info)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Any) -> None:
        writers.leave(connection.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        writers.leave(record.info)  # a transaction that ended without commit or rollback

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
