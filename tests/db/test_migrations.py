"""Migrations are the schema: autogenerate must find nothing to add."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from app.db.migrate import upgrade_to_head
from app.db.tables import metadata


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_upgrading_twice_is_harmless(database_url: str) -> None:
    upgrade_to_head(database_url)
    upgrade_to_head(database_url)
