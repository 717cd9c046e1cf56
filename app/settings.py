"""Runtime settings, read from the environment (and the CLI, which sets the same variables)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    DATABASE_URL: str = "sqlite:///svcscope.db"
    HOST: str = "127.0.0.1"
    PORT: int = 8000
    SVCSCOPE_SEED: bool = True
    SVCSCOPE_WRITE_TOKEN: str = ""
    SVCSCOPE_MAX_BODY_BYTES: int = 3 * 1024 * 1024
    SVCSCOPE_FEED_EVENTS: int = 50_000
    """Change-feed events kept for watches to resume from; older ones answer 410 Expired."""
    SVCSCOPE_BOOKMARK_SECONDS: float = 60.0
    """How often a watch with allowWatchBookmarks gets a BOOKMARK (the cacher's is a minute)."""


@lru_cache
def get_settings() -> Settings:
    return Settings()
