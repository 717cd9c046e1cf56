"""Fixtures: every test gets its own SQLite file, migrated and (optionally) seeded."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from app.db.session import get_engine
from app.settings import get_settings


def _reset_caches() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()


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


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """SQLite by default; PostgreSQL when SVCSCOPE_TEST_POSTGRES holds an admin URL."""
    admin_url = os.environ.get("SVCSCOPE_TEST_POSTGRES")
    with (
        _postgres_database(admin_url)
        if admin_url
        else nullcontext(f"sqlite:///{tmp_path / 'svcscope.db'}")
    ) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        _reset_caches()
        yield url
        get_engine().dispose()
        _reset_caches()


@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app with the demo clusters seeded, as `make run` starts it."""
    from app.main import create_app  # the core tests never import the web app

    monkeypatch.setenv("SVCSCOPE_SEED", "true")
    get_settings.cache_clear()
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def empty_client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app on an empty database (no demo clusters)."""
    from app.main import create_app

    monkeypatch.setenv("SVCSCOPE_SEED", "false")
    get_settings.cache_clear()
    with TestClient(create_app()) as test_client:
        yield test_client
