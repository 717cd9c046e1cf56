"""What one segment of a simulation needs to decide a million requests without routing each.

Between two events the cluster does not change, so every request to the destination meets the
same decision tree: which node the load balancer (or the address) lands on, then which
endpoint kube-proxy's rules pick there - or a fixed outcome (dropped, rejected, unreachable).
The tree is read off route() itself: a probing chooser forces each load-balancer branch and
records how many endpoints the next choice had, and the service hop lists them. Nodes that
would answer identically (same zone, readiness and local endpoints) are probed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.kubeproxy.endpointcache import proxy_endpoints
from app.core.model.objects import ClusterState, Service
from app.core.network.routing import Path, Source, route

OUTCOME_CODES = {"delivered": 0, "dropped": 1, "rejected": 2, "unreachable": 3}


def pick(n: int, u: int) -> int:
    """The simulator's one mapping from a 32-bit variate to an option (nft's numgen scaling)."""
    return (u * n) >> 32


class ProbeChooser:
    """Forces chosen indices per kind of decision and records every decision asked for."""

    def __init__(self, forced: dict[str, int] | None = None) -> None:
        self.forced = forced or {}
        self.asked: dict[str, int] = {}

    def __call__(self, kind: str, n: int) -> int:
        self.asked[kind] = n
        return min(self.forced.get(kind, 0), n - 1)


class VariateChooser:
    """Takes each decision of one request from its two pre-drawn 32-bit variates."""

    def __init__(self, u_lb: int, u_ep: int) -> None:
        self.u_lb, self.u_ep = u_lb, u_ep
        self.asked: dict[str, int] = {}

    def __call__(self, kind: str, n: int) -> int:
        self.asked[kind] = n
        return pick(n, self.u_lb if kind == "load-balancer" else self.u_ep)


@dataclass(frozen=True)
class Entry:
    """One way in: the node a request reaches (after the load balancer, if any)."""

    node: str  # "" when the request never reaches a node
    outcome: str  # the fixed outcome, or "" when an endpoint is chosen here
    endpoints: tuple[str, ...] = ()  # "ip:port" in kube-proxy's rule order
    pod: str = ""  # the pod reached without a choice (a pod IP destination)
    lb: bool = False
    reason: str = ""  # for a fixed failure: why (Path.reason) and what would work instead
    instead: str = ""


@dataclass
class SegmentPlan:
    entries: list[Entry]
    service: Service | None
    pods_by_address: dict[str, tuple[str, str]] = field(default_factory=dict)
    """"ip:port" → (pod "namespace/name", node) for every endpoint that is a pod."""
    dns_choice: bool = False
    """Headless Services: the client picks among DNS answers (handled by the scalar engine)."""

    @property
    def affinity_timeout(self) -> float | None:
        if self.service is not None and self.service.session_affinity == "ClientIP":
            return float(self.service.affinity_timeout)
        return None


def _service_of(state: ClusterState, path: Path) -> Service | None:
    hop = next((h for h in path.hops if h.kind == "service"), None)
    if hop is None:
        return None
    namespace, _, rest = hop.name.partition("/")
    return state.service(namespace, rest.split(":", 1)[0])


def _entry_node(path: Path) -> str:
    return next((h.name for h in path.hops if h.kind == "node"), "")


def _entry_from(path: Path, asked: dict[str, int], lb: bool) -> Entry:
    node = _entry_node(path)
    service_hop = next((h for h in path.hops if h.kind == "service"), None)
    if "endpoint" not in asked and service_hop is not None and service_hop.choices:
        # A scheduler that decides without randomness (IPVS lc, sed, nq, sh, dh): the
        # endpoints are known, the pick is the scalar engine's business.
        return Entry(node, "", tuple(t for t, _ in service_hop.choices), "", lb)
    if "endpoint" not in asked:
        pod = f"{path.pod.namespace}/{path.pod.name}" if path.pod else ""
        failed = path.outcome != "delivered"
        return Entry(node, path.outcome, (), pod, lb, path.reason if failed else "",
                     path.instead if failed else "")  # fmt: skip
    hop = next(h for h in path.hops if h.kind == "service")
    return Entry(node, "", tuple(target for target, _ in hop.choices), "", lb)


def _class_keys(state: ClusterState, service: Service | None) -> Callable[[str], Any]:
    """Nodes with the same key get the same verdict from kube-proxy for this Service.

    Readiness always counts; a node's zone only when topology hints can filter endpoints;
    its local endpoints only when a traffic policy is Local. The agreement tests between the
    engines are what keeps this grouping honest.
    """
    if service is None:
        return lambda name: ("node", name)
    endpoints = [e for eps in proxy_endpoints(state, service).values() for e in eps]
    local_sensitive = "Local" in (
        service.external_traffic_policy,
        service.internal_traffic_policy,
    )
    zone_sensitive = bool(service.traffic_distribution) or any(e.zone_hints for e in endpoints)
    local: dict[str, list[tuple[str, bool, bool]]] = {}
    if local_sensitive:
        for e in endpoints:
            local.setdefault(e.node_name, []).append((e.address, e.ready, e.serving))
    nodes = {n.name: n for n in state.nodes}

    def key(name: str) -> Any:
        node = nodes.get(name)
        if node is None:
            return ("node", name)
        return (
            node.ready,
            node.zone if zone_sensitive else "",
            tuple(sorted(local.get(name, []))),
        )

    return key


def plan_segment(
    state: ClusterState,
    source: Source,
    destination: str,
    probe: Callable[..., Path] = route,
) -> SegmentPlan:
    first_chooser = ProbeChooser()
    first = probe(state, source, destination, 0, chooser=first_chooser)
    service = _service_of(state, first)
    dns = "dns" in first_chooser.asked
    lb_options = first_chooser.asked.get("load-balancer", 0)
    if not lb_options:
        through_lb = any(h.kind == "load-balancer" for h in first.hops)  # MetalLB: one speaker
        entries = [_entry_from(first, first_chooser.asked, through_lb)]
    else:
        hop = next(h for h in first.hops if h.kind == "load-balancer")
        targets = [t for t, _ in hop.choices]
        by_class: dict[Any, Entry] = {}
        entries = []
        class_key = _class_keys(state, service)
        for j in range(lb_options):
            key = class_key(targets[j]) if j < len(targets) else ("j", j)
            known = by_class.get(key)
            if known is None:
                chooser = ProbeChooser({"load-balancer": j})
                path = first if j == 0 else probe(state, source, destination, 0, chooser=chooser)
                asked = first_chooser.asked if j == 0 else chooser.asked
                known = by_class[key] = _entry_from(path, asked, True)
                if service is None:
                    service = _service_of(state, path)
            entries.append(
                Entry(targets[j] if j < len(targets) else known.node, known.outcome,
                      known.endpoints, known.pod, True, known.reason, known.instead)
            )  # fmt: skip
    addresses = {a for endpoints in {e.endpoints for e in entries} for a in endpoints}
    pods_by_address: dict[str, tuple[str, str]] = {}
    if service is not None and addresses:
        for eps in proxy_endpoints(state, service).values():
            for ep in eps:
                if ep.address in addresses and ep.pod:
                    pods_by_address[ep.address] = (ep.pod, ep.node_name)
    return SegmentPlan(entries, service, pods_by_address, dns)
