"""What the attack tests share: re-run an attack on a real server, time it, weigh it.

"Answered within a second" is checked on the server's own CPU time (from /proc), which other
processes on a busy machine cannot inflate; the wall time gets some slack for the same reason
(`make test` runs two workers beside whatever else the machine runs).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.server import Server

TOKEN = "attack-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECOND = 1.0
WALL_SLACK = 3.0
TEN_MB = 10.0


@dataclass
class Cost:
    seconds: float = 0.0
    cpu: float = 0.0
    grown_mb: float = 0.0

    def quick(self, requests: int = 1) -> bool:
        """Under a second of server CPU per request, and not held up for long either."""
        return self.cpu < SECOND * requests and self.seconds < WALL_SLACK * SECOND * requests


def server_cpu(server: Server) -> float:
    """CPU seconds the server process has used (user + system), from /proc."""
    assert server.process is not None
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def measured(server: Server) -> Iterator[Cost]:
    """Wall time of the block and how much the server's resident memory grew meanwhile."""
    cost = Cost()
    before, cpu, started = server.rss_mb(), server_cpu(server), time.monotonic()
    yield cost
    cost.seconds = time.monotonic() - started
    cost.cpu = server_cpu(server) - cpu
    cost.grown_mb = server.rss_mb() - before


def settle(server: Server, warm_up: Callable[[], object]) -> None:
    """Run a harmless request of the same shape twice, so first-use caches are not counted."""
    for _ in range(2):
        warm_up()
    assert server.process is not None and server.process.poll() is None
