"""One route() on the largest cluster: index build time and p50/p99 over random Services,
beside a bare dict lookup measured in the same run."""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable

import numpy as np

from app.core.controllers.snapshot import build_state
from app.core.network.routing import RoutingIndex, Source, route
from tests.bench.generate import CONFIG, generate

CALLS = 2000


def main() -> None:
    state = build_state(CONFIG, generate())
    started = time.perf_counter()
    RoutingIndex.for_state(state)
    took = time.perf_counter() - started
    print(f"RoutingIndex for {len(state.services):,} Services, {len(state.pods):,} pods, "
          f"{len(state.nodes):,} nodes: {took:.2f} s (once per snapshot)")  # fmt: skip
    pick = random.Random(1)
    names = [s.name for s in state.services]
    requests = [
        (f"pod-{pick.randrange(150_000):06d}", names[pick.randrange(len(names))])
        for _ in range(CALLS)
    ]
    cases: dict[str, Callable[[int], object]] = {
        "pod → Service name, first touch of each Service (builds its endpoint view)":
            lambda i: route(state, Source.pod("default", requests[i][0]),
                            f"{requests[i][1]}:80", i),
        "pod → Service name, same requests again (kube-proxy's synced state)":
            lambda i: route(state, Source.pod("default", requests[i][0]),
                            f"{requests[i][1]}:80", i),
        "external → LoadBalancer (5,000 healthy nodes)": lambda i: route(
            state, Source.external(), "web:80", i),
    }  # fmt: skip
    table = {f"svc-{i}": i for i in range(10_000)}
    bare = []
    for i in range(CALLS):
        t = time.perf_counter()
        table.get(f"svc-{i % 10_000}")
        bare.append(time.perf_counter() - t)
    base = float(np.percentile(bare, 50)) * 1000
    gc.freeze()
    for label, call in cases.items():
        samples = []
        for i in range(CALLS):
            t = time.perf_counter()
            call(i)
            samples.append(time.perf_counter() - t)
        p50, p99 = np.percentile(samples, [50, 99]) * 1000
        print(f"{label}: p50 {p50:.3f} ms, p99 {p99:.3f} ms over {CALLS} calls "
              f"({p50 / base:.0f}x a bare dict lookup's {base * 1000:.2f} µs)")  # fmt: skip
    gc.unfreeze()


if __name__ == "__main__":
    main()
