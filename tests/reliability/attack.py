"""What the attack tests share: re-run an attack on a real server, time it, weigh it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.server import Server

TOKEN = "attack-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECOND = 1.0
TEN_MB = 10.0


@dataclass
class Cost:
    seconds: float = 0.0
    grown_mb: float = 0.0


@contextmanager
def measured(server: Server) -> Iterator[Cost]:
    """Wall time of the block and how much the server's resident memory grew meanwhile."""
    cost = Cost()
    before, started = server.rss_mb(), time.monotonic()
    yield cost
    cost.seconds = time.monotonic() - started
    cost.grown_mb = server.rss_mb() - before


def settle(server: Server, warm_up: Callable[[], object]) -> None:
    """Run a harmless request of the same shape twice, so first-use caches are not counted."""
    for _ in range(2):
        warm_up()
    assert server.process is not None and server.process.poll() is None
