"""Fixtures: every test gets its own SQLite file, migrated and (optionally) seeded."""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import watchcache
from app.db.session import get_engine
from app.services import shutdown
from app.settings import get_settings

# TestClient sends `Host: testserver`; only the tests allow that name (app/security/hosts.py).
os.environ.setdefault("SVCSCOPE_ALLOWED_HOSTS", "testserver")


def _reset_caches() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()
    watchcache.clear()


@contextmanager
def _postgres_database(admin_url: str) -> Iterator[str]:
    """A throw-away database on the server SVCSCOPE_TEST_POSTGRES points at."""
    name = f"svcscope_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


@contextmanager
def fresh_database(directory: Path, name: str = "svcscope.db") -> Iterator[str]:
    """A new, empty database that DATABASE_URL points at while the block runs.

    SQLite by default (a new file in `directory`); PostgreSQL when SVCSCOPE_TEST_POSTGRES
    holds an admin URL. The settings and engine caches are cleared on the way in and out.
    """
    admin_url = os.environ.get("SVCSCOPE_TEST_POSTGRES")
    with (
        (
            _postgres_database(admin_url)
            if admin_url
            else nullcontext(f"sqlite:///{directory / name}")
        ) as url,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("DATABASE_URL", url)
        _reset_caches()
        try:
            yield url
        finally:
            # The app's lifespan stopped its threads; a test that never ran one may still have
            # a feed follower. Then dispose, and collect at once: a connection left open now
            # fails this test, not whichever one the collector happens to run in later (on
            # PostgreSQL psycopg warns, and warnings are errors here).
            shutdown.stop_background_work()
            get_engine().dispose()
            _reset_caches()
            if admin_url:
                gc.collect()


@contextmanager
def app_client(*, seed: bool) -> Iterator[TestClient]:
    """The app on the current DATABASE_URL, with or without the demo clusters."""
    from app.main import create_app  # the core tests never import the web app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SVCSCOPE_SEED", "true" if seed else "false")
        get_settings.cache_clear()
        with TestClient(AsciiResponseHeaders(create_app())) as test_client:
            yield test_client


class AsciiResponseHeaders:
    """The app for Starlette's TestClient, which decodes each response header as UTF-8 and has
    httpx encode it again as ASCII: a header Go's net/http sends in UTF-8 (a Warning naming a
    field in Greek) would fail inside the client. Non-ASCII bytes reach the tests escaped
    (backslashreplace); a test of the bytes themselves calls `.app`, the app itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, _ascii(value)) for name, value in message["headers"]]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def _ascii(value: bytes) -> bytes:
    if value.isascii():
        return value
    return value.decode("utf-8", "backslashreplace").encode("ascii", "backslashreplace")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh database for the test (see fresh_database)."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """The app with the demo clusters seeded, as `make run` starts it."""
    with app_client(seed=True) as test_client:
        yield test_client


@pytest.fixture
def empty_client(database_url: str) -> Iterator[TestClient]:
    """The app on an empty database (no demo clusters)."""
    with app_client(seed=False) as test_client:
        yield test_client
