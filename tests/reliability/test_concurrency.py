"""Concurrency: many writers and readers on one real server, and what a busy database answers."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.db import session as db_session
from app.settings import get_settings
from tests.load.writers_readers import run
from tests.server import Server

pytestmark = pytest.mark.server
SECONDS = float(os.environ.get("SVCSCOPE_LOAD_SECONDS", "12"))
SVC = "/k8s/demo/api/v1/namespaces/default/services"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "svcscope.db", log=tmp_path / "server.log").start()
    yield running
    running.stop()


def test_twenty_writers_and_fifty_readers_see_only_documented_answers(server: Server) -> None:
    report = run(server.url, writers=20, readers=50, seconds=SECONDS, seed=7)
    assert report.errors == []
    acknowledged = sum(v for k, v in report.statuses.items() if k.split()[-1] in ("200", "201"))
    assert acknowledged - report.statuses["read 200"] >= 20, report.summary(SECONDS)
    assert report.statuses["read 200"] >= 50
    assert "Traceback" not in server.stderr_text()


def test_a_write_that_cannot_get_the_database_is_a_429_to_retry(
    empty_client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("holds SQLite's write lock")
    monkeypatch.setattr(db_session, "BUSY_TIMEOUT_MS", 200)
    db_session.get_engine.cache_clear()
    assert empty_client.post("/api/clusters", json={"name": "c", "nodes": 1}).status_code == 201
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        body = {"metadata": {"name": "waits"}, "spec": {"ports": [{"port": 80}]}}
        busy = empty_client.post("/k8s/c/api/v1/namespaces/default/services", json=body)
        assert busy.status_code == 429, busy.text
        assert busy.headers["Retry-After"] == "1"
        assert busy.json()["reason"] == "TooManyRequests"
    finally:
        holder.rollback()
        holder.close()
    again = empty_client.post("/k8s/c/api/v1/namespaces/default/services", json=body)
    assert again.status_code == 201
    assert get_settings().DATABASE_URL == database_url
