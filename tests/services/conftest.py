"""The use cases on a real, migrated SQLite file (tests/conftest.py: one per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from app.db.migrate import upgrade_to_head
from app.db.session import open_write_session
from app.services import clusters


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    upgrade_to_head(database_url)
    with open_write_session() as opened:
        yield opened


@pytest.fixture
def demo(session: Session) -> str:
    """A cluster named demo, filled from the demo template (3 nodes, frontend, web, backend)."""
    clusters.create_cluster(session=session, body={"name": "demo"}, template="demo")
    return "demo"
