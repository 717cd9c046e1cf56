"""Fixtures: every test gets its own SQLite file, migrated and (optionally) seeded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.db.session import get_engine
from app.main import create_app
from app.settings import get_settings


def _reset_caches() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'svcscope.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    _reset_caches()
    yield url
    get_engine().dispose()
    _reset_caches()


@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app with the demo clusters seeded, as `make run` starts it."""
    monkeypatch.setenv("SVCSCOPE_SEED", "true")
    get_settings.cache_clear()
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def empty_client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app on an empty database (no demo clusters)."""
    monkeypatch.setenv("SVCSCOPE_SEED", "false")
    get_settings.cache_clear()
    with TestClient(create_app()) as test_client:
        yield test_client
