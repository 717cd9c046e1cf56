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
from numpy.typing import NDArray

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
    OUTCOME_CODES,
    ProbeChooser,
    SegmentPlan,
    VariateChooser,
    plan_segment,
)
from app.core.simulation.stats import Tally
from app.core.simulation.variates import Variates, VariateStream

CLIENT_NETWORK = ipaddress.ip_network("198.18.0.0/15")  # RFC 2544's benchmarking range
MAX_REQUESTS = 10_000_000
VECTOR_CHUNK = 250_000
SCALAR_CHUNK = 2_000
VECTOR_SCHEDULERS = ("rr", "wrr")
# How kubeproxy/endpointchoice.py names a rule that matched on remembered affinity, per mode.
AFFINITY_MARKS = ("--rcheck", "ip saddr @affinity-", " persistent → ")


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


class _Recorder:
    """One chunk's per-request results, and the pod and node ids of the whole run."""

    def __init__(self) -> None:
        self.node_ids: dict[str, int] = {}
        self.pod_ids: dict[str, int] = {}
        self.pod_node: dict[int, str] = {}
        self.reasons: dict[tuple[str, str, str], int] = {}
        """(outcome, reason, instead) → id, for every failure met."""
        self.begin(0)

    def begin(self, size: int) -> None:
        """Fresh arrays for the next chunk of `size` requests (indexes are chunk-local)."""
        self.outcome = np.zeros(size, dtype=np.int8)
        self.entry = np.full(size, -1, dtype=np.int64)
        self.pod = np.full(size, -1, dtype=np.int64)
        self.hit = np.zeros(size, dtype=np.bool_)
        self.lb = np.zeros(size, dtype=np.bool_)
        self.j = np.zeros(size, dtype=np.int64)
        self.k = np.zeros(size, dtype=np.int64)
        self.why = np.full(size, -1, dtype=np.int64)

    def reason_id(self, outcome: str, reason: str, instead: str) -> int:
        if outcome in ("", "delivered"):
            return -1
        return self.reasons.setdefault((outcome, reason, instead), len(self.reasons))

    def node_id(self, name: str) -> int:
        return self.node_ids.setdefault(name, len(self.node_ids)) if name else -1

    def register(self, state: ClusterState, plan: SegmentPlan | None) -> None:
        """Ids for every node and for the pods this segment's plan can reach."""
        for node in state.nodes:
            self.node_id(node.name)
        if plan is not None:
            pods = {e.pod for e in plan.entries if e.pod}
            if pods:
                for pod in state.pods:
                    if pod.key in pods:
                        pid = self.pod_ids.setdefault(pod.key, len(self.pod_ids))
                        self.pod_node[pid] = pod.node_name
            for key, node_name in plan.pods_by_address.values():
                pid = self.pod_ids.setdefault(key, len(self.pod_ids))
                self.pod_node.setdefault(pid, node_name)
            for endpoints in {e.endpoints for e in plan.entries}:
                for address in endpoints:
                    if address not in plan.pods_by_address:  # an endpoint that is not a pod
                        self.pod_ids.setdefault(address, len(self.pod_ids))

    def pod_nodes(self) -> NDArray[np.int64]:
        """Per pod id, its node's id (-1: not a pod, or a pod on no node)."""
        nodes = [self.node_ids.get(self.pod_node.get(i, ""), -1) for i in range(len(self.pod_ids))]
        return np.array(nodes, dtype=np.int64)

    def names(self) -> tuple[list[str], list[str]]:
        pods = sorted(self.pod_ids, key=self.pod_ids.__getitem__)
        nodes = sorted(self.node_ids, key=self.node_ids.__getitem__)
        return pods, nodes


def _scalar(
    spec: Spec,
    state: ClusterState,
    ips: list[str],
    v: Variates,
    base: int,
    rec: _Recorder,
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
        _record(rec, n, path)
        if i in wanted:
            samples[i] = _sample_dict(path, i, now, ip, bool(rec.hit[n]))


def _record(rec: _Recorder, i: int, path: Path) -> None:
    rec.outcome[i] = OUTCOME_CODES[path.outcome]
    rec.why[i] = rec.reason_id(path.outcome, path.reason, path.instead)
    rec.entry[i] = rec.node_id(next((h.name for h in path.hops if h.kind == "node"), ""))
    rec.lb[i] = any(h.kind == "load-balancer" for h in path.hops)
    if path.pod is not None:
        key = f"{path.pod.namespace}/{path.pod.name}"
        pid = rec.pod_ids.setdefault(key, len(rec.pod_ids))
        rec.pod_node.setdefault(pid, path.pod.node)
        rec.pod[i] = pid
    elif path.outcome == "delivered":
        address = path.hops[-1].dst if path.hops else ""
        rec.pod[i] = rec.pod_ids.setdefault(address, len(rec.pod_ids))
    service_hop = next((h for h in path.hops if h.kind == "service"), None)
    if service_hop is not None and path.outcome == "delivered":
        rec.hit[i] = any(mark in service_hop.rule for mark in AFFINITY_MARKS)


def _sample_dict(path: Path, i: int, t: float, client: str, hit: bool) -> dict[str, Any]:
    return {**path.to_dict(), "request": i, "t": round(t, 6), "client": client,
            "affinity_hit": hit}  # fmt: skip


def _replay(
    spec: Spec,
    state: ClusterState,
    plan: SegmentPlan,
    rec: _Recorder,
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
    ips = client_ips(spec)
    stream = VariateStream(spec.seed, spec.requests, spec.rate, len(ips),
                           [event.at for event in spec.events])  # fmt: skip
    run = _private_copy(ws, spec)
    rec, tally = _Recorder(), Tally(stream.duration)
    memory = simvector.Memory()
    aff, ipvs = AffinityState(), IpvsState()
    open_conns: list[tuple[float, IpvsConnection]] = []
    wanted = set(np.unique(np.linspace(0, spec.requests - 1, min(spec.sample, spec.requests))
                           .astype(np.int64)).tolist()) if spec.sample > 0 else set()  # fmt: skip
    samples: dict[int, dict[str, Any]] = {}
    plans: list[tuple[SegmentPlan, int]] = []
    engines: set[str] = set()
    applied: list[dict[str, Any]] = []
    scalar_requests = 0
    for start, end, events in _segments(spec, stream.cuts, spec.requests):
        applied += _apply_events(run, spec, events, start)
        state = initial if (initial is not None and not applied) else cluster_state(run)
        plan = plan_segment(state, _source_for(spec, ips[0]), spec.destination)
        rec.register(state, plan)
        plans.append((plan, end - start))
        if start == end:
            continue
        use_vector = spec.engine != "scalar" and _vector_ok(state, plan)
        if not use_vector:
            scalar_requests += end - start
            _check_scalar(spec, scalar_requests, scalar_limit)
        engines.add("vector" if use_vector else "scalar")
        chunk = VECTOR_CHUNK if use_vector else SCALAR_CHUNK
        for lo in range(start, end, chunk):
            v = stream.take(min(chunk, end - lo))
            rec.begin(v.times.shape[0])
            if use_vector:
                _vector_chunk(spec, state, plan, v, lo, rec, memory, samples, wanted, ips)
            else:
                _scalar(spec, state, ips, v, lo, rec, aff, ipvs, open_conns,
                        samples, wanted, hold=1.0)  # fmt: skip
            tally.add(times=v.times, outcome=rec.outcome, entry=rec.entry, pod=rec.pod,
                      hit=rec.hit, lb=rec.lb, pod_nodes=rec.pod_nodes(),
                      n_nodes=len(rec.node_ids), why=rec.why)  # fmt: skip
            if progress is not None:
                progress(stream.position / spec.requests)
    pod_names, node_names = rec.names()
    pod_nodes = rec.pod_nodes()
    result = tally.result(pod_names, node_names, plans, reasons=list(rec.reasons))
    result.update(
        {
            "destination": spec.destination,
            "seed": spec.seed,
            "clients": len(ips),
            "rate": spec.rate,
            "duration": round(stream.duration, 6),
            "engine": "+".join(sorted(engines)) or "none",
            "events": applied,
            "pod_nodes": {
                name: node_names[int(pod_nodes[i])]
                for i, name in enumerate(pod_names)
                if name in result["by_pod"] and pod_nodes[i] >= 0
            },
            "sample": [samples[i] for i in sorted(samples)],
        }
    )
    return result


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
    rec: _Recorder,
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
