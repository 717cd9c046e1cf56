"""The time series: whole buckets, a last row that says how long it covers, no lost request."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.simulation.simulate import Spec, simulate
from app.core.simulation.stats import Tally
from tests.core.simulation.test_simulate import demo


def _tally(times: list[float], duration: float) -> Tally:
    tally = Tally(duration)
    n = len(times)
    tally.add(times=np.array(times), outcome=np.zeros(n, dtype=np.int8),
              entry=np.zeros(n, dtype=np.int64), pod=np.zeros(n, dtype=np.int64),
              hit=np.zeros(n, dtype=np.bool_), lb=np.zeros(n, dtype=np.bool_),
              pod_nodes=np.zeros(1, dtype=np.int64), n_nodes=1)  # fmt: skip
    return tally


def test_a_short_last_bucket_joins_the_one_before_it() -> None:
    tally = _tally([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.1], duration=3.1)
    width = tally.width
    assert width == 0.1  # 3.1 s / 60 rounds up to the next nice width
    rows = tally.series(["p"], ["n"])
    assert sum(r["delivered"] for r in rows) == 8
    assert all(r["seconds"] == width for r in rows[:-1])
    # 31 buckets of 0.1 s plus a final one of 0 s: the last row covers 0.1 s, not a sliver.
    assert rows[-1]["seconds"] == pytest.approx(width)
    assert sum(r["seconds"] for r in rows) == pytest.approx(3.1)


def test_a_long_enough_last_bucket_keeps_its_own_length() -> None:
    tally = _tally([0.0, 1.0, 2.0, 2.3], duration=2.3)
    rows = tally.series(["p"], ["n"])
    width = tally.width
    assert width == 0.05
    assert sum(r["seconds"] for r in rows) == pytest.approx(2.3)
    assert all(width / 2 <= r["seconds"] <= 1.5 * width for r in rows)


@pytest.mark.parametrize("requests", [9_000, 10_000, 12_345])
def test_the_last_row_carries_the_same_rate_as_the_others(requests: int) -> None:
    result = simulate(demo(), Spec(destination="web:80", requests=requests, rate=1000, sample=0))
    rows = result["series"]
    assert sum(r["delivered"] for r in rows) == requests
    assert sum(r["seconds"] for r in rows) == pytest.approx(result["duration"], abs=1e-5)
    rates = [r["delivered"] / r["seconds"] for r in rows]
    mean = requests / result["duration"]
    # Poisson counts over >= 75 expected requests per row: 5 sigma is about 60 %.
    assert abs(rates[-1] - mean) < 0.6 * mean, (rows[-1], mean)
    assert rows[-1]["seconds"] >= result["bucket_seconds"] / 2


def test_a_single_request_has_one_row() -> None:
    result = simulate(demo(), Spec(destination="web:80", requests=1, sample=0))
    assert len(result["series"]) == 1 and result["series"][0]["delivered"] == 1
