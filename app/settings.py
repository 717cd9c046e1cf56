"""Runtime settings, read from the environment (and the CLI, which sets the same variables).

Every limit that protects the server lives here, validated when the settings are read: a
server started with a nonsensical limit refuses to start instead of failing open later.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$"
)


def host_name(text: str) -> str:
    """A name or address a Host header may carry, lower case, without port or brackets."""
    value = text.strip().lower()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if not _HOST_NAME.match(value):
        raise ValueError(f"{text!r} is not a host name or an IP address (no scheme, no port)")
    return value.rstrip(".")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    DATABASE_URL: str = "sqlite:///svcscope.db"
    HOST: str = "127.0.0.1"
    PORT: int = Field(8000, ge=0, le=65535)
    SVCSCOPE_SEED: bool = True
    SVCSCOPE_WRITE_TOKEN: str = ""
    SVCSCOPE_MAX_BODY_BYTES: int = Field(3 * 1024 * 1024, ge=64 * 1024, le=256 * 1024 * 1024)
    """Every request body, on every route: a longer one is refused with 413 before parsing."""
    SVCSCOPE_FEED_EVENTS: int = Field(50_000, ge=1, le=10_000_000)
    """Change-feed events kept for watches to resume from; older ones answer 410 Expired."""
    SVCSCOPE_BOOKMARK_SECONDS: float = Field(60.0, gt=0, le=3600)
    """How often a watch with allowWatchBookmarks gets a BOOKMARK (the cacher's is a minute)."""
    SVCSCOPE_ALLOWED_HOSTS: Annotated[list[str], NoDecode] = []
    """Host names besides loopback and HOST that requests may name (`serve --allowed-host`);
    comma-separated in the environment."""
    SVCSCOPE_LOGIN_BURST: int = Field(5, ge=1, le=1000)
    """Sign-in attempts one client address may make at once…"""
    SVCSCOPE_LOGIN_PER_MINUTE: float = Field(6.0, gt=0, le=6000)
    """…and how fast its allowance refills (a token bucket per address)."""
    SVCSCOPE_MAX_CLUSTERS: int = Field(50, ge=1, le=100_000)
    SVCSCOPE_MAX_OBJECTS: int = Field(500_000, ge=100, le=10_000_000)
    """Objects (Services, Pods, Nodes, …) stored on this server, all clusters together."""
    SVCSCOPE_MAX_READS_INFLIGHT: int = Field(6, ge=1, le=1000)
    """Read-only requests served at once per process; more wait their turn (writes, watches
    and live pages do not count): app/security/inflight.py."""
    SVCSCOPE_MAX_READS_INFLIGHT_WHILE_WRITING: int = Field(1, ge=1, le=1000)
    """…and while any write runs (writes hold the database's write lock: reads beside them
    slow every queued write down)."""
    SVCSCOPE_MAX_SIMULATIONS: int = Field(2, ge=1, le=64)
    """Simulations running at once; another one waits for none of them: 429 + Retry-After."""
    SVCSCOPE_MAX_SCALAR_REQUESTS: int = Field(50_000, ge=1, le=10_000_000)
    """The scalar engine routes each request through route(): a few thousand per second."""
    SVCSCOPE_SHUTDOWN_SECONDS: int = Field(5, ge=1, le=60)
    """On SIGTERM, requests still running after this long are cancelled (uvicorn's
    timeout_graceful_shutdown), so a long simulation never holds a stop."""

    @field_validator("HOST")
    @classmethod
    def _check_host(cls, value: str) -> str:
        host_name(value)  # the address to bind: a name or an IP, kept as given
        return value

    @field_validator("SVCSCOPE_ALLOWED_HOSTS", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(",") if part.strip()]
        return value

    @field_validator("SVCSCOPE_ALLOWED_HOSTS")
    @classmethod
    def _check_hosts(cls, value: list[str]) -> list[str]:
        return [host_name(v) for v in value]


@lru_cache
def get_settings() -> Settings:
    return Settings()
