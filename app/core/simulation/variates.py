"""The random numbers of a run, drawn chunk by chunk: memory follows the chunk, not the run.

A run's variates are, in this order from one PCG64 generator seeded with the run's seed: every
arrival gap (exponential), every client index, then one 64-bit word per request (its upper
half picks the load balancer's target, its lower half the endpoint). Drawing them in chunks
must give exactly those numbers, so that a seed replays the same run whatever the chunk size:

- numpy's generators fill arrays element by element from the bit stream, so n draws in
  chunks equal n draws at once (bounded integers keep their spare 32-bit half in the bit
  generator's own state, not in the call);
- the three phases start from the bit generator's state after the previous phase, found by
  drawing that phase once and throwing it away, chunk by chunk;
- arrival times are the running sum of the gaps, summed in the same order (np.cumsum is a
  sequential accumulate, so carrying the last sum into the next chunk changes no rounding).

The first pass over the gaps also yields what the run needs before it starts: its duration
and, for each event, the index of the first request at or after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

DRAW_CHUNK = 250_000


@dataclass
class Variates:
    """One chunk's requests: arrival time, client index and the two 32-bit choices."""

    times: NDArray[np.float64]
    clients: NDArray[np.int64]
    u_lb: NDArray[np.uint64]
    u_ep: NDArray[np.uint64]


def _generator(state: Any) -> np.random.Generator:
    bits = np.random.PCG64()
    bits.state = state
    return np.random.Generator(bits)


def _chunks(total: int, size: int) -> Iterator[int]:
    for start in range(0, total, size):
        yield min(size, total - start)


class VariateStream:
    """The run's variates, handed out in order by `take(count)`."""

    def __init__(self, seed: int, requests: int, rate: float, n_clients: int,
                 event_times: Sequence[float] = ()) -> None:  # fmt: skip
        self.requests, self.scale, self.n_clients = requests, 1.0 / rate, n_clients
        rng = np.random.default_rng(seed)
        start_state = rng.bit_generator.state
        first_gap: float | None = None
        total = 0.0
        self.cuts = [0] * len(event_times)
        """Per event: how many requests arrive before it (searchsorted, side='left')."""
        for count in _chunks(requests, DRAW_CHUNK):
            gaps = rng.exponential(self.scale, size=count)
            if first_gap is None:
                first_gap = float(gaps[0])
            sums = np.cumsum(np.concatenate(([total], gaps)))[1:]
            total = float(sums[-1])
            times = sums - first_gap
            for n, at in enumerate(event_times):
                self.cuts[n] += int(np.searchsorted(times, at, side="left"))
        self.duration = total - (first_gap or 0.0)
        """The last request's arrival time (the first arrives at 0)."""
        clients_state = rng.bit_generator.state
        for count in _chunks(requests, DRAW_CHUNK):
            rng.integers(0, n_clients, size=count, dtype=np.int64)
        words_state = rng.bit_generator.state
        self._gaps = _generator(start_state)
        self._clients = _generator(clients_state)
        self._words = _generator(words_state)
        self._first_gap: float | None = None
        self._total = 0.0
        self.position = 0
        """How many requests have been handed out."""

    def take(self, count: int) -> Variates:
        """The next `count` requests' variates."""
        count = min(count, self.requests - self.position)
        gaps = self._gaps.exponential(self.scale, size=count)
        if self._first_gap is None and count:
            self._first_gap = float(gaps[0])
        sums = np.cumsum(np.concatenate(([self._total], gaps)))[1:]
        if count:
            self._total = float(sums[-1])
        clients = self._clients.integers(0, self.n_clients, size=count, dtype=np.int64)
        raw = self._words.bit_generator.random_raw(count)
        self.position += count
        return Variates(
            times=sums - (self._first_gap or 0.0),
            clients=clients,
            u_lb=raw >> np.uint64(32),
            u_ep=raw & np.uint64(0xFFFFFFFF),
        )
