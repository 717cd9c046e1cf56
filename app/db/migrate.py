"""Alembic, driven from code: the app upgrades its database to head on every start."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.resources import ALEMBIC_INI, MIGRATIONS


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade_to_head(url: str) -> None:
    command.upgrade(alembic_config(url), "head")
