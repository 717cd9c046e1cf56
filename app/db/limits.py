"""Limits every worker shares: sign-in token buckets and running-simulation slots.

`svcscope serve --workers N` runs N processes; limits counted in each process's memory would
give a client N times the allowance. These live in the database all workers use (SQLite or
PostgreSQL), changed in one short write transaction each: SQLite's BEGIN IMMEDIATE serialises
them, and on PostgreSQL the bucket row is locked (FOR UPDATE) and a slot is taken by inserting
its number (the primary key refuses a second holder), so two workers can never both spend the
last token or take the last slot.

Times are wall-clock seconds (time.time()): workers on several machines share one PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.db.session import get_engine, open_write_session
from app.db.tables import LoginBucketRow, SimulationSlotRow

BUCKETS: Table = LoginBucketRow.__table__  # type: ignore[attr-defined]
SLOTS: Table = SimulationSlotRow.__table__  # type: ignore[attr-defined]
SLOT_STALE_SECONDS = 30.0
"""A slot not renewed for this long belongs to a worker that died (SIGKILL, power cut): free.
Running simulations renew theirs every few seconds (app/services/simulations.py)."""


def _insert_if_absent(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING (both databases): True when this call inserted."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    key = table.primary_key.columns.values()[0]
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT.
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(key)
    return session.execute(statement).first() is not None


def take_login_attempt(*, client: str, burst: int, per_minute: float, now: float) -> float:
    """Spend one of `client`'s tokens: 0.0 when allowed, else the seconds until one is free."""
    rate = per_minute / 60.0
    with open_write_session() as session:
        _insert_if_absent(session, BUCKETS, {"client": client, "tokens": burst, "updated": now})
        row = session.execute(
            select(BUCKETS.c.tokens, BUCKETS.c.updated)
            .where(BUCKETS.c.client == client)
            .with_for_update()
        ).one()
        tokens = min(float(burst), row.tokens + max(0.0, now - row.updated) * rate)
        wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate
        session.execute(
            update(BUCKETS)
            .where(BUCKETS.c.client == client)
            .values(tokens=tokens - 1.0 if wait == 0.0 else tokens, updated=now)
        )
        # A bucket that would be full by now is the same as none: the table holds only the
        # addresses that tried within the last burst / rate seconds.
        session.execute(delete(BUCKETS).where(BUCKETS.c.updated < now - burst / rate))
        session.commit()
    return wait


def take_simulation_slot(*, limit: int, owner: str, now: float) -> int | None:
    """A free slot number below `limit`, now held by `owner`; None when all are taken."""
    with open_write_session() as session:
        session.execute(delete(SLOTS).where(SLOTS.c.renewed < now - SLOT_STALE_SECONDS))
        for slot in range(limit):
            if _insert_if_absent(session, SLOTS, {"slot": slot, "owner": owner, "renewed": now}):
                session.commit()
                return slot
        session.commit()
    return None


def renew_simulation_slot(*, slot: int, owner: str, now: float) -> None:
    with open_write_session() as session:
        session.execute(
            update(SLOTS).where(SLOTS.c.slot == slot, SLOTS.c.owner == owner).values(renewed=now)
        )
        session.commit()


def free_simulation_slot(*, slot: int, owner: str) -> None:
    with open_write_session() as session:
        session.execute(delete(SLOTS).where(SLOTS.c.slot == slot, SLOTS.c.owner == owner))
        session.commit()


def held_simulation_slots(*, now: float) -> int:
    """How many slots running simulations and traffic streams hold now (stale ones not counted)."""
    with Session(get_engine()) as session:
        query = select(func.count()).select_from(SLOTS)
        return int(
            session.execute(query.where(SLOTS.c.renewed >= now - SLOT_STALE_SECONDS)).scalar_one()
        )
