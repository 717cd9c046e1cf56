"""`svcscope serve --workers 3`: the /login allowance and the limit on simulations at once are
the server's, not each worker's. The kernel hands each new connection to one of the workers,
so every attempt below comes on a fresh connection, several at once: with limits counted per
process the attacker would get three times the allowance (checked against the per-process
code: 6 sign-in answers of 3 allowed and 4 simulations of 2 got through)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import fresh_database
from tests.server import Server

pytestmark = [pytest.mark.server, pytest.mark.postgres]
WORKERS = 3
BURST = 3
MAX_SIMULATIONS = 2
SIMULATE = "/api/clusters/demo/simulate"
TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LONG_SCALAR = {"destination": "web.default:80", "requests": 20_000, "engine": "scalar",
               "sample": 0}  # fmt: skip
"""Seconds of route() calls: every request below arrives while the first ones still run."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module (three workers take a while to start)."""
    tmp_path = tmp_path_factory.mktemp("workers")
    env = {
        "SVCSCOPE_WRITE_TOKEN": TOKEN,
        "SVCSCOPE_LOGIN_BURST": str(BURST),
        "SVCSCOPE_LOGIN_PER_MINUTE": "0.01",  # no refill while the test runs
        "SVCSCOPE_MAX_SIMULATIONS": str(MAX_SIMULATIONS),
    }
    with fresh_database(tmp_path) as database_url:
        running = Server(
            tmp_path / "unused.db", workers=WORKERS, env=env, database_url=database_url,
            log=tmp_path / "server.log",
        ).start()  # fmt: skip
        yield running
        running.stop()


def _fresh(server: Server, method: str, path: str, **kwargs: Any) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=120) as client:  # a new connection
        return client.request(method, path, **kwargs)


def test_sign_in_attempts_share_one_allowance_across_workers(server: Server) -> None:
    def guess(n: int) -> int:
        form = {"token": f"guess-{n}", "csrf_token": "x"}
        return _fresh(server, "POST", "/login", data=form).status_code

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(guess, range(30)))
    assert len([c for c in codes if c != 429]) == BURST, codes
    refused = _fresh(server, "POST", "/login", data={"token": "x"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_simulations_at_once_are_limited_across_workers(server: Server) -> None:
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: _fresh(server, "POST", SIMULATE, json=LONG_SCALAR,
                                                  headers=AUTH),
                                range(6)))  # fmt: skip
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * MAX_SIMULATIONS + [429] * (6 - MAX_SIMULATIONS), codes
    limited = next(a for a in answers if a.status_code == 429)
    assert limited.json()["reason"] == "TooManyRequests" and "Retry-After" in limited.headers
    # The slots are freed when the runs end: the next ones are served.
    for _ in range(MAX_SIMULATIONS + 1):
        again = _fresh(
            server, "POST", SIMULATE, json={**LONG_SCALAR, "requests": 100}, headers=AUTH
        )
        assert again.status_code == 200, again.text
