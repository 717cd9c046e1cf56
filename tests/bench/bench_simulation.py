"""1,000,000 requests LB → NodePort → ClusterIP on the 5,000-node cluster, and the stress
Service with 5,000 endpoints; each timed beside numpy drawing as many random numbers."""

from __future__ import annotations

import time

import numpy as np

from app.core.controllers.snapshot import build_state
from app.core.model.workspace import Workspace
from app.core.network.routing import Source
from app.core.simulation.simulate import Spec, simulate
from app.core.simulation.variates import VariateStream
from tests.bench.generate import CONFIG, generate

REQUESTS = 1_000_000


def _best(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    objects = generate()
    ws = Workspace(config=CONFIG, objects=objects)
    state = build_state(CONFIG, objects)
    rng = np.random.default_rng(0)
    draw_1 = _best(lambda: rng.integers(0, 2**32, size=REQUESTS, dtype=np.uint64))
    own = Spec(destination="web:80", requests=REQUESTS)
    draw_3 = _best(lambda: VariateStream(own.seed, REQUESTS, own.rate, 50).take(REQUESTS))
    print(f"numpy draws {REQUESTS:,} random integers in {draw_1 * 1000:.1f} ms; the simulator's "
          f"own {3 * REQUESTS:,} draws (arrival gaps, clients, one 64-bit word for both "
          f"choices) take {draw_3 * 1000:.1f} ms")  # fmt: skip
    cases = {
        "LoadBalancer web:80 over 5,000 nodes, 250 endpoints": ("web:80", Source.external()),
        "ClusterIP stress:80 from a node, 5,000 endpoints": (
            "stress:80",
            Source.node("node-00007"),
        ),
    }
    for label, (destination, source) in cases.items():
        spec = Spec(destination=destination, requests=REQUESTS, source=source, sample=0)
        result: dict[str, object] = {}

        def run(spec: Spec = spec, result: dict[str, object] = result) -> None:
            result.update(simulate(ws, spec, initial=state))

        took = _best(run)
        print(f"{label}: {took:.3f} s for {REQUESTS:,} requests "
              f"({REQUESTS / took / 1e6:.2f} M/s), engine {result['engine']}, "
              f"{took / draw_1:.1f}x numpy's raw draw of {REQUESTS:,}, "
              f"{took / draw_3:.1f}x the simulator's own draws; "
              f"outcomes {result['outcomes']}, cross-node {result['cross_node']:,}, "
              f"p={result['p_value']}")  # fmt: skip


if __name__ == "__main__":
    main()
