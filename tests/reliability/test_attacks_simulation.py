"""Issue 13's attacks on the simulator, re-run on real servers: memory that does not follow the
request count, a limit on runs at once, a capped scalar engine, runs that stop when their
client goes, and a SIGTERM that stops the server while a long run is in flight."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.attack import TEN_MB, measured, settle
from tests.server import Server

pytestmark = pytest.mark.server
SIMULATE = "/api/clusters/demo/simulate"
LONG_SCALAR = {"destination": "web.default:80", "requests": 50_000, "engine": "scalar",
               "sample": 0}  # fmt: skip
"""Some ten seconds of route() calls or more: long enough to be in flight."""
SHORT = {"destination": "web.default:80", "requests": 1000}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("simulation")
    env = {"SVCSCOPE_MAX_SIMULATIONS": "2"}
    running = Server(directory / "db.sqlite", env=env, log=directory / "server.log").start()
    yield running
    running.stop()


class PeakRss:
    """The server's largest resident memory while the block runs, sampled every 20 ms."""

    def __init__(self, server: Server) -> None:
        self.server, self.base, self.peak = server, server.rss_mb(), 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, self.server.rss_mb())
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    @property
    def grown_mb(self) -> float:
        return self.peak - self.base


def simulate(server: Server, body: dict[str, Any], timeout: float = 300) -> httpx.Response:
    return httpx.post(server.url + SIMULATE, json=body, timeout=timeout)


def test_ten_million_requests_cost_the_same_memory_as_a_few(server: Server) -> None:
    small = {"destination": "web.default:80", "requests": 10_000}
    settle(server, lambda: simulate(server, small))
    with PeakRss(server) as rss:
        answer = simulate(server, {**small, "requests": 10_000_000})
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == 10_000_000
    assert rss.grown_mb < 300, rss.grown_mb


def test_a_third_simulation_at_once_gets_429_with_retry_after(server: Server) -> None:
    body = {"destination": "web.default:80", "requests": 10_000_000, "sample": 0}
    with PeakRss(server) as rss, ThreadPoolExecutor(2) as pool:
        running = [pool.submit(simulate, server, body) for _ in range(2)]
        time.sleep(1.0)  # both have started (a request is parsed in milliseconds)
        with measured(server) as cost:
            third = simulate(server, body)
        results = [r.result() for r in running]
    assert third.status_code == 429, third.text
    assert third.json()["reason"] == "TooManyRequests"
    assert int(third.headers["Retry-After"]) >= 1
    assert cost.quick()
    assert [r.status_code for r in results] == [200, 200]
    assert rss.grown_mb < 300, rss.grown_mb


def test_the_scalar_engine_is_capped(server: Server) -> None:
    with measured(server) as cost:
        refused = simulate(server, {**LONG_SCALAR, "requests": 1_000_000})
    assert refused.status_code == 422, refused.text
    assert "must be at most 50000 with the scalar engine" in refused.json()["message"]
    assert cost.quick() and cost.grown_mb < TEN_MB


def test_a_run_stops_when_its_client_goes_away(server: Server) -> None:
    """Two long runs whose clients give up after half a second free their slots at once."""
    for _ in range(2):
        with pytest.raises(httpx.ReadTimeout):
            simulate(server, LONG_SCALAR, timeout=0.5)
    # A poll (0.2 s) and a scalar chunk (2,000 requests) at most: seconds on a loaded machine,
    # where a slot left behind would hold for SLOT_STALE_SECONDS (30 s).
    deadline = time.monotonic() + 10
    while (again := simulate(server, SHORT)).status_code == 429 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert again.status_code == 200, again.text


def test_sigterm_stops_the_server_within_ten_seconds_during_a_long_run(tmp_path: Path) -> None:
    running = Server(tmp_path / "db.sqlite", log=tmp_path / "server.log").start()
    assert running.process is not None
    in_flight = ThreadPoolExecutor(1).submit(simulate, running, LONG_SCALAR, 60)
    time.sleep(1.0)
    started = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    try:
        running.process.wait(timeout=10)
    finally:
        running.kill()
    assert time.monotonic() - started < 10
    with pytest.raises(httpx.HTTPError):
        in_flight.result(timeout=10).raise_for_status()
