"""The traffic stream: the requests of a live run, one at a time, each against the cluster of
its moment.

simulate() decides a whole run against a cluster that changes only at planned events; a live
run is watched while someone changes the real cluster (a node goes down, a Deployment is
scaled, a Service switches to ClientIP affinity). So each request is routed against whatever
state the caller hands in when its turn comes, and what the nodes' kernels remember between
connections (ClientIP affinity, IPVS round-robin positions and active connections) lives in
the stream and persists for the whole run.

The requests draw their variates as simulate() does (VariateStream: arrival times, client
index, one 64-bit word per request) and decide them with the same VariateChooser, always for a
run of RUN_LENGTH requests of which the stream sends the first `spec.requests`: request i's
variates then depend on the seed, the rate and the number of clients only, so a run sent in
pieces (a request, then ten more, then a pause and the rest) replays exactly as one run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app.core.kubeproxy.balancing import AffinityState, IpvsConnection, IpvsState
from app.core.model.objects import ClusterState
from app.core.network.routing import Path, route
from app.core.simulation.plan import VariateChooser
from app.core.simulation.recorder import AFFINITY_MARKS
from app.core.simulation.simulate import Spec, client_ips
from app.core.simulation.variates import Variates, VariateStream

RUN_LENGTH = 10_000
"""The most requests one stream sends, and the run every stream's variates are drawn for."""
CONNECTION_SECONDS = 1.0
"""How long IPVS counts each connection active (simulate()'s scalar engine holds them as long)."""


def affinity_rule(path: Path) -> str:
    """The rule that matched on remembered ClientIP affinity, or "" (how each mode's rule is
    worded: app/core/kubeproxy/endpointchoice.py)."""
    hop = next((h for h in path.hops if h.kind == "service"), None)
    if hop is None or path.outcome != "delivered":
        return ""
    return hop.rule if any(mark in hop.rule for mark in AFFINITY_MARKS) else ""


def crosses_nodes(path: Path) -> bool:
    """The request reached the cluster on one node and was answered on another."""
    entry = next((h.name for h in path.hops if h.kind == "node"), "")
    return bool(entry and path.pod is not None and path.pod.node != entry)


@dataclass
class Totals:
    """What the run added up to: the `done` event's data."""

    requests: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    by_pod: Counter[str] = field(default_factory=Counter)
    by_node: Counter[str] = field(default_factory=Counter)
    by_client: Counter[int] = field(default_factory=Counter)
    affinity_hits: int = 0
    cross_node: int = 0

    def add(self, path: Path, client: int) -> None:
        self.requests += 1
        self.outcomes[path.outcome] += 1
        self.by_client[client] += 1
        if path.pod is not None:
            self.by_pod[f"{path.pod.namespace}/{path.pod.name}"] += 1
            if path.pod.node:
                self.by_node[path.pod.node] += 1
        self.affinity_hits += bool(affinity_rule(path))
        self.cross_node += crosses_nodes(path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "outcomes": {o: self.outcomes.get(o, 0) for o in sorted(self.outcomes)},
            "by_pod": dict(sorted(self.by_pod.items())),
            "by_node": dict(sorted(self.by_node.items())),
            "by_client": {str(c): n for c, n in sorted(self.by_client.items())},
            "affinity_hits": self.affinity_hits,
            "cross_node": self.cross_node,
        }


class TrafficStream:
    """`next(state)` routes the run's next request against `state`; `done` says when to stop."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.ips = client_ips(spec)
        if not 1 <= spec.requests <= RUN_LENGTH:
            raise ValueError(f"a stream sends 1 to {RUN_LENGTH} requests")
        self._variates = VariateStream(spec.seed, RUN_LENGTH, spec.rate, len(self.ips))
        self._affinity, self._ipvs = AffinityState(), IpvsState()
        self._open: list[tuple[float, IpvsConnection]] = []
        self.totals = Totals()
        self._pending: Variates | None = None

    @property
    def done(self) -> bool:
        return self.position >= self.spec.requests

    @property
    def position(self) -> int:
        """The number of the next request (the requests before it have been routed)."""
        return self._variates.position - (self._pending is not None)

    def next_arrival(self) -> float:
        """When the next request arrives, in seconds after the run's first one."""
        if self._pending is None:
            self._pending = self._variates.take(1)
        return float(self._pending.times[0])

    def skip_to(self, start: int, state: ClusterState) -> None:
        """Route the requests before `start` against `state` without showing them: a run
        resumed (or continued) at `start` meets the kernels' memory it would have had."""
        while self.position < min(start, self.spec.requests):
            self.next(state)
        self.totals = Totals()

    def next(self, state: ClusterState) -> tuple[Path, dict[str, Any]]:
        """(the request's Path, its route contract plus `request`, `client`, `clientIP`, `t`
        (arrival, seconds after the run's first request), `affinityRule` and `crossNode`)."""
        i = self.position
        self.next_arrival()
        v, self._pending = self._pending, None
        assert v is not None
        now, client = float(v.times[0]), int(v.clients[0])
        while self._open and self._open[0][0] <= now:
            self._ipvs.finish(*self._open.pop(0)[1])
        ip = self.ips[client]
        source = self.spec.source
        if source.kind == "external":
            source = type(source).external(ip)
        opened: list[IpvsConnection] = []
        path = route(state, source, self.spec.destination, 0, affinity=self._affinity, now=now,
                     ipvs=self._ipvs, chooser=VariateChooser(int(v.u_lb[0]), int(v.u_ep[0])),
                     opened=opened)  # fmt: skip
        self._open.extend((now + CONNECTION_SECONDS, conn) for conn in opened)
        self.totals.add(path, client)
        rule = affinity_rule(path)
        return path, {
            **path.to_dict(),
            "request": i,
            "client": client,
            "clientIP": path.hops[0].src if path.hops else ip,
            "t": round(now, 6),
            "affinityRule": rule or None,
            "crossNode": crosses_nodes(path),
        }

    def summary(self, *, start: int = 0, stopped: bool = False) -> dict[str, Any]:
        return {
            **self.totals.to_dict(),
            "start": start,
            "destination": self.spec.destination,
            "seed": self.spec.seed,
            "clients": len(self.ips),
            "rate": self.spec.rate,
            "stopped": stopped,
        }
