"""`svcscope serve --workers 4`: a write through any worker reaches every worker's reads and
watches within a second. On SQLite by default; on PostgreSQL (LISTEN/NOTIFY) when
SVCSCOPE_TEST_POSTGRES is set, as `make test-postgres` does.

uvicorn's workers share one listening socket and the kernel hands each new connection to one of
them, so the test opens many watches and writes and reads over fresh connections; that the
server really runs four processes is checked from /proc.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server import Server

pytestmark = [pytest.mark.server, pytest.mark.postgres]
SERVICES = "/k8s/demo/api/v1/namespaces/default/services"
WATCHES = 12
WORKERS = 4


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    running = Server(tmp_path / "unused.db", workers=WORKERS, database_url=database_url).start()
    yield running
    running.stop()


def _workers(server: Server) -> int:
    assert server.process is not None
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    # uvicorn's supervisor may start a multiprocessing helper besides the workers.
    return sum(1 for c in children if "app.cli" not in Path(f"/proc/{c}/cmdline").read_text())


def _follow(url: str, start: str, seen: queue.Queue[tuple[int, str, float]], index: int) -> None:
    params = {"watch": "true", "resourceVersion": start, "timeoutSeconds": "60"}
    with (
        httpx.Client(timeout=70) as client,
        client.stream("GET", url, params=params) as response,
    ):
        for line in response.iter_lines():
            event = json.loads(line)
            seen.put((index, event["object"]["metadata"]["name"], time.monotonic()))
            if event["object"]["metadata"]["name"] == "done":
                return


def _write(server: Server, name: str) -> None:
    body = {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}
    with httpx.Client() as fresh:  # a new connection: any worker may take it
        assert fresh.post(f"{server.url}{SERVICES}", json=body).status_code == 201


def test_a_write_through_one_worker_reaches_every_worker_within_a_second(
    server: Server,
) -> None:
    assert _workers(server) >= WORKERS
    start = httpx.get(f"{server.url}{SERVICES}").json()["metadata"]["resourceVersion"]
    seen: queue.Queue[tuple[int, str, float]] = queue.Queue()
    threads = [
        threading.Thread(
            target=_follow, args=(f"{server.url}{SERVICES}", start, seen, i), daemon=True
        )
        for i in range(WATCHES)
    ]
    for thread in threads:
        thread.start()
    # Every watch must be established before lag counts: a first write all of them must see.
    _write(server, "warm-up")
    arrived: set[int] = set()
    deadline = time.monotonic() + 30
    while len(arrived) < WATCHES and (left := deadline - time.monotonic()) > 0:
        index, name, _ = seen.get(timeout=left)
        arrived.add(index)
    assert len(arrived) == WATCHES
    names = [f"svc-{i}" for i in range(8)] + ["done"]
    written: dict[str, float] = {}
    for name in names:
        _write(server, name)
        written[name] = time.monotonic()
        for _ in range(WORKERS):
            with httpx.Client() as fresh:
                assert fresh.get(f"{server.url}{SERVICES}/{name}").status_code == 200
    arrivals: dict[tuple[int, str], float] = {}
    deadline = time.monotonic() + 10
    while len(arrivals) < WATCHES * len(names) and time.monotonic() < deadline:
        try:
            index, name, at = seen.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if name in written:
            arrivals[(index, name)] = at
    missing = [(i, n) for i in range(WATCHES) for n in names if (i, n) not in arrivals]
    assert missing == []
    late = {k: at - written[k[1]] for k, at in arrivals.items() if at - written[k[1]] > 1.0}
    assert late == {}
    for thread in threads:
        thread.join(timeout=10)
