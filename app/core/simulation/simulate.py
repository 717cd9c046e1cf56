"""simulate(): many requests over simulated time, with faults, and what they add up to.

Every request gets two 32-bit variates (one for the load balancer's choice, one for the
endpoint's) and an arrival time from a Poisson process, all drawn from the seed. Two engines
turn them into decisions: the scalar engine calls route() for each request (the exact code
the single-path API uses, affinity and IPVS state included); the vector engine reads each
segment's decision tree off route() once and decides every request with numpy. Both map the
variates the same way, so on any run they agree request by request - the tests check it - and
the vector engine is used wherever it applies.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.core.apiserver.writes import ApiError
from app.core.controllers.snapshot import cluster_state
from app.core.kubeproxy.balancing import AffinityState, IpvsConnection, IpvsState
from app.core.model.fielderrors import ValidationFailed, invalid
from app.core.model.objects import ClusterState
from app.core.model.workspace import Workspace
from app.core.network.routing import Path, Source, route
from app.core.simulation import vector as simvector
from app.core.simulation.events import Event, apply_event
from app.core.simulation.plan import (
    ProbeChooser,
    SegmentPlan,
    VariateChooser,
    plan_segment,
)
from app.core.simulation.recorder import Recorder, record
from app.core.simulation.stats import Tally
from app.core.simulation.variates import Variates, VariateStream

CLIENT_NETWORK = ipaddress.ip_network("198.18.0.0/15")  # RFC 2544's benchmarking range
MAX_REQUESTS = 10_000_000
VECTOR_CHUNK = 250_000
SCALAR_CHUNK = 2_000
VECTOR_SCHEDULERS = ("rr", "wrr")


@dataclass(frozen=True)
class Spec:
    destination: str
    requests: int = 10_000
    clients: int = 50
    source: Source = field(default_factory=Source)
    rate: float = 1000.0
    seed: int = 0
    sample: int = 100
    events: tuple[Event, ...] = ()
    engine: str = "auto"  # auto | vector | scalar


def client_ips(spec: Spec) -> list[str]:
    if spec.source.kind != "external":
        return [spec.source.ip]
    if spec.clients == 1:
        return [spec.source.ip]
    base = int(CLIENT_NETWORK.network_address)
    return [str(ipaddress.ip_address(base + 1 + i)) for i in range(spec.clients)]


def _source_for(spec: Spec, ip: str) -> Source:
    return Source.external(ip) if spec.source.kind == "external" else spec.source


def _vector_ok(state: ClusterState, plan: SegmentPlan) -> bool:
    mode, scheduler = state.config.proxy_mode, state.config.ipvs_scheduler
    if mode == "ipvs" and scheduler not in VECTOR_SCHEDULERS:
        return False
    if plan.dns_choice:
        return False
    return not (plan.service is not None and plan.service.load_balancer_source_ranges)


def _scalar(
    spec: Spec,
    state: ClusterState,
    ips: list[str],
    v: Variates,
    base: int,
    rec: Recorder,
    aff: AffinityState,
    ipvs: IpvsState,
    open_conns: list[tuple[float, IpvsConnection]],
    samples: dict[int, dict[str, Any]],
    wanted: set[int],
    hold: float,
) -> None:
    """route() for each request of the chunk; `base` is the chunk's first request number."""
    for n in range(v.times.shape[0]):
        i = base + n
        now = float(v.times[n])
        while open_conns and open_conns[0][0] <= now:
            _, key = open_conns.pop(0)
            ipvs.finish(*key)
        chooser = VariateChooser(int(v.u_lb[n]), int(v.u_ep[n]))
        ip = ips[int(v.clients[n])]
        opened: list[IpvsConnection] = []
        path = route(state, _source_for(spec, ip), spec.destination, 0, affinity=aff,
                     now=now, ipvs=ipvs, chooser=chooser, opened=opened)  # fmt: skip
        # Every connection lasts `hold` seconds; then the kernel stops counting it active.
        open_conns.extend((now + hold, conn) for conn in opened)
        record(rec, n, path)
        if i in wanted:
            samples[i] = _sample_dict(path, i, now, ip, bool(rec.hit[n]))


def _sample_dict(path: Path, i: int, t: float, client: str, hit: bool) -> dict[str, Any]:
    return {**path.to_dict(), "request": i, "t": round(t, 6), "client": client,
            "affinity_hit": hit}  # fmt: skip


def _replay(
    spec: Spec,
    state: ClusterState,
    plan: SegmentPlan,
    rec: Recorder,
    n: int,
    i: int,
    ip: str,
    t: float,
) -> dict[str, Any]:
    """route() for request i (the chunk's n-th) the vector engine decided, forced to the same
    decisions."""
    source = _source_for(spec, ip)
    forced = {"load-balancer": int(rec.j[n]), "endpoint": int(rec.k[n])}
    hit = bool(rec.hit[n])
    if hit:
        # Recreate the memory that made this a hit: the same client, same endpoint, just before.
        aff = AffinityState()
        route(state, source, spec.destination, 0, affinity=aff, now=max(t - 1e-3, 0.0),
              chooser=ProbeChooser(forced))  # fmt: skip
        path = route(state, source, spec.destination, 0, affinity=aff, now=t,
                     chooser=ProbeChooser(forced))  # fmt: skip
    elif state.config.proxy_mode == "ipvs":
        ipvs = IpvsState()
        route(state, source, spec.destination, 0, ipvs=ipvs, now=t, chooser=ProbeChooser(forced))
        if ipvs.last:
            key = next(iter(ipvs.last))
            entry = plan.entries[int(rec.j[n])]
            ipvs = IpvsState(last={key: (int(rec.k[n]) - 1) % max(len(entry.endpoints), 1)})
        path = route(state, source, spec.destination, 0, ipvs=ipvs, now=t,
                     chooser=ProbeChooser(forced))  # fmt: skip
    else:
        path = route(state, source, spec.destination, 0, now=t, chooser=ProbeChooser(forced))
    return _sample_dict(path, i, t, ip, hit)


def _segments(spec: Spec, cuts: list[int], total: int) -> list[tuple[int, int, list[Event]]]:
    """[start, end) request ranges and the events applied just before each starts; `cuts`
    holds, per event, the number of requests that arrive before it."""
    starts: list[tuple[int, list[Event]]] = [(0, [])]
    for event, index in zip(spec.events, cuts, strict=True):
        if index == starts[-1][0]:
            starts[-1][1].append(event)
        else:
            starts.append((index, [event]))
    bounds = [c[0] for c in starts] + [total]
    return [(bounds[n], bounds[n + 1], starts[n][1]) for n in range(len(starts))]


def _private_copy(ws: Workspace, spec: Spec) -> Workspace:
    """Events change a private overlay; without events the objects are only read."""
    if not spec.events:
        return ws
    return Workspace.over(ws, rng=random.Random(spec.seed), now=ws.now)


def _apply_events(
    run: Workspace, spec: Spec, events: list[Event], start: int
) -> list[dict[str, Any]]:
    """Apply a segment's events; a refused one is a field error of the request's events."""
    applied = []
    for event in events:
        try:
            apply_event(run, event)
        except ApiError as exc:
            index = spec.events.index(event)
            raise ValidationFailed("Simulation", "", [invalid(
                f"events[{index}]", event.describe(), exc.message)]) from None  # fmt: skip
        applied.append({"at": event.at, "action": event.action, "request": start,
                        "description": event.describe()})  # fmt: skip
    return applied


def simulate(
    ws: Workspace,
    spec: Spec,
    progress: Callable[[float], None] | None = None,
    initial: ClusterState | None = None,
    *,
    scalar_limit: int = MAX_REQUESTS,
) -> dict[str, Any]:
    """Run the simulation on a private copy of the cluster; the workspace is not changed.

    `initial` is the workspace's ClusterState when the caller already built it. Requests are
    drawn, decided and counted one chunk at a time, so memory does not grow with
    `spec.requests`. `progress` is called after every chunk with the share done; whatever it
    raises stops the run there. At most `scalar_limit` requests may need the scalar engine.
    """
    if not 1 <= spec.requests <= MAX_REQUESTS:
        raise ValidationFailed("Simulation", "", [invalid("requests", spec.requests,
                               f"must be between 1 and {MAX_REQUESTS}")])  # fmt: skip
    run = _Run(spec, progress, scalar_limit)
    cluster = _private_copy(ws, spec)
    plans: list[tuple[SegmentPlan, int]] = []
    applied: list[dict[str, Any]] = []
    for start, end, events in _segments(spec, run.stream.cuts, spec.requests):
        applied += _apply_events(cluster, spec, events, start)
        state = initial if (initial is not None and not applied) else cluster_state(cluster)
        plan = plan_segment(state, _source_for(spec, run.ips[0]), spec.destination)
        run.rec.register(state, plan)
        plans.append((plan, end - start))
        if start < end:
            run.segment(state, plan, start, end)
    return run.result(plans, applied)


class _Run:
    """One simulate() call: the draws, what is counted, and what the engines carry from one
    chunk and segment to the next (affinity, IPVS connections, round-robin positions)."""

    def __init__(
        self, spec: Spec, progress: Callable[[float], None] | None, scalar_limit: int
    ) -> None:
        self.spec, self.progress, self.scalar_limit = spec, progress, scalar_limit
        self.ips = client_ips(spec)
        self.stream = VariateStream(spec.seed, spec.requests, spec.rate, len(self.ips),
                                    [event.at for event in spec.events])  # fmt: skip
        self.rec, self.tally = Recorder(), Tally(self.stream.duration)
        self.memory = simvector.Memory()
        self.aff, self.ipvs = AffinityState(), IpvsState()
        self.open_conns: list[tuple[float, IpvsConnection]] = []
        self.wanted = _sampled(spec)
        self.samples: dict[int, dict[str, Any]] = {}
        self.engines: set[str] = set()
        self.scalar_requests = 0

    def segment(self, state: ClusterState, plan: SegmentPlan, start: int, end: int) -> None:
        """Requests [start, end) on one state of the cluster, a chunk at a time."""
        spec, rec = self.spec, self.rec
        use_vector = spec.engine != "scalar" and _vector_ok(state, plan)
        if not use_vector:
            self.scalar_requests += end - start
            _check_scalar(spec, self.scalar_requests, self.scalar_limit)
        self.engines.add("vector" if use_vector else "scalar")
        chunk = VECTOR_CHUNK if use_vector else SCALAR_CHUNK
        for lo in range(start, end, chunk):
            v = self.stream.take(min(chunk, end - lo))
            rec.begin(v.times.shape[0])
            if use_vector:
                _vector_chunk(spec, state, plan, v, lo, rec, self.memory, self.samples,
                              self.wanted, self.ips)  # fmt: skip
            else:
                _scalar(spec, state, self.ips, v, lo, rec, self.aff, self.ipvs, self.open_conns,
                        self.samples, self.wanted, hold=1.0)  # fmt: skip
            self.tally.add(times=v.times, outcome=rec.outcome, entry=rec.entry, pod=rec.pod,
                           hit=rec.hit, lb=rec.lb, pod_nodes=rec.pod_nodes(),
                           n_nodes=len(rec.node_ids), why=rec.why)  # fmt: skip
            if self.progress is not None:
                self.progress(self.stream.position / spec.requests)

    def result(
        self, plans: list[tuple[SegmentPlan, int]], applied: list[dict[str, Any]]
    ) -> dict[str, Any]:
        spec = self.spec
        pod_names, node_names = self.rec.names()
        pod_nodes = self.rec.pod_nodes()
        result = self.tally.result(pod_names, node_names, plans, reasons=list(self.rec.reasons))
        result.update(
            {
                "destination": spec.destination,
                "seed": spec.seed,
                "clients": len(self.ips),
                "rate": spec.rate,
                "duration": round(self.stream.duration, 6),
                "engine": "+".join(sorted(self.engines)) or "none",
                "events": applied,
                "pod_nodes": {
                    name: node_names[int(pod_nodes[i])]
                    for i, name in enumerate(pod_names)
                    if name in result["by_pod"] and pod_nodes[i] >= 0
                },
                "sample": [self.samples[i] for i in sorted(self.samples)],
            }
        )
        return result


def _sampled(spec: Spec) -> set[int]:
    """The request numbers whose paths the result shows, spread evenly over the run."""
    if spec.sample <= 0:
        return set()
    spread = np.linspace(0, spec.requests - 1, min(spec.sample, spec.requests))
    return set(np.unique(spread.astype(np.int64)).tolist())


def _check_scalar(spec: Spec, scalar_requests: int, limit: int) -> None:
    """The scalar engine routes request by request (a few thousand a second): capped."""
    if scalar_requests > limit:
        why = "asked for" if spec.engine == "scalar" else "needed by this Service's settings"
        raise ValidationFailed("Simulation", "", [invalid("requests", spec.requests,
            f"must be at most {limit} with the scalar engine ({why})")])  # fmt: skip


def _vector_chunk(
    spec: Spec,
    state: ClusterState,
    plan: SegmentPlan,
    v: Variates,
    base: int,
    rec: Recorder,
    memory: simvector.Memory,
    samples: dict[int, dict[str, Any]],
    wanted: set[int],
    ips: list[str],
) -> None:
    """numpy decides the chunk's requests; `base` is the chunk's first request number."""
    round_robin = state.config.proxy_mode == "ipvs"
    d = simvector.decide(plan, v.times, v.clients, v.u_lb, v.u_ep,
                         rec.node_ids, rec.pod_ids, memory, round_robin)  # fmt: skip
    rec.outcome, rec.entry, rec.pod, rec.hit, rec.lb = d.outcome, d.entry, d.pod, d.hit, d.lb
    rec.j, rec.k = d.j, d.k
    # A failure is always an entry's fixed outcome: its reason is the entry's.
    ids = np.array([rec.reason_id(e.outcome, e.reason, e.instead) for e in plan.entries])
    rec.why = np.where(d.outcome != 0, ids[d.j], -1)
    end = base + v.times.shape[0]
    for i in sorted(w for w in wanted if base <= w < end):
        n = i - base
        ip = ips[int(v.clients[n])]
        samples[i] = _replay(spec, state, plan, rec, n, i, ip, float(v.times[n]))
