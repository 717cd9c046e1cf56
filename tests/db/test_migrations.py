"""Migrations are the schema: autogenerate must find nothing to add."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from app.db.migrate import alembic_config, upgrade_to_head
from app.db.tables import metadata
from tests.db.test_migration_upgrades import fill, read_back


def _drift(database_url: str) -> list[object]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        found: list[object] = compare_metadata(context, metadata)
    engine.dispose()
    return found


def _current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return revision


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    upgrade_to_head(database_url)
    assert _drift(database_url) == []


def test_upgrading_twice_is_harmless(database_url: str) -> None:
    upgrade_to_head(database_url)
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert head is not None and _current_revision(database_url) == head
    engine = create_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    written = fill(database_url, "twice")
    upgrade_to_head(database_url)  # a second start of the app runs this again
    assert _current_revision(database_url) == head
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) == tables
    engine.dispose()
    read_back(database_url, written)  # every row written in between is still there, unchanged
    assert _drift(database_url) == []
