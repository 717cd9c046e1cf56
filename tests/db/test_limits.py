"""The limits every worker shares (app/db/limits.py), on SQLite and on PostgreSQL
(`make test-postgres` runs tests/db there): a sign-in bucket per address, simulation slots."""

from __future__ import annotations

import pytest
from sqlalchemy import Table, func, select

from app.db import limits
from app.db.migrate import upgrade_to_head
from app.db.session import get_engine


@pytest.fixture
def migrated(database_url: str) -> None:
    upgrade_to_head(database_url)


def _rows(table: Table) -> int:
    with get_engine().connect() as connection:
        count: int = connection.execute(select(func.count()).select_from(table)).scalar_one()
        return count


@pytest.mark.usefixtures("migrated")
def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    def take(client: str, now: float) -> float:
        return limits.take_login_attempt(client=client, burst=3, per_minute=6, now=now)

    assert [take("10.0.0.1", 1000.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert take("10.0.0.1", 1000.0) == pytest.approx(10.0)  # one token per 10 s
    assert take("10.0.0.2", 1000.0) == 0.0  # another address has its own
    assert take("10.0.0.1", 1005.0) == pytest.approx(5.0)
    assert take("10.0.0.1", 1010.0) == 0.0
    # Full again 30 s after its last attempt: the row goes, as if the address never came.
    assert _rows(limits.BUCKETS) == 2
    take("10.0.0.3", 1050.0)
    assert _rows(limits.BUCKETS) == 1


@pytest.mark.usefixtures("migrated")
def test_slots_are_taken_up_to_the_limit_freed_by_their_owner_and_reaped_when_stale() -> None:
    assert limits.take_simulation_slot(limit=2, owner="a", now=100.0) == 0
    assert limits.take_simulation_slot(limit=2, owner="b", now=100.0) == 1
    assert limits.take_simulation_slot(limit=2, owner="c", now=100.0) is None
    limits.free_simulation_slot(slot=0, owner="not-a")  # only its owner frees a slot
    assert limits.take_simulation_slot(limit=2, owner="c", now=101.0) is None
    limits.free_simulation_slot(slot=0, owner="a")
    assert limits.take_simulation_slot(limit=2, owner="c", now=102.0) == 0
    # "b" renews; "c" dies without a word: its slot is free SLOT_STALE_SECONDS later.
    limits.renew_simulation_slot(slot=1, owner="b", now=120.0)
    later = 102.0 + limits.SLOT_STALE_SECONDS + 1
    assert limits.take_simulation_slot(limit=2, owner="d", now=later) == 0
    assert limits.take_simulation_slot(limit=2, owner="e", now=later) is None
