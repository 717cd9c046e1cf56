"""What the topology diagram connects: for one Service, where its traffic can go from each node.

The diagram must not invent a rule of its own, so every edge comes from the functions routing
uses: kube-proxy's endpoint view (endpointcache.categorize_endpoints, per node and zone) for
ClusterIP and nodePort traffic, and the load-balancer model (loadbalancers.py) for which nodes a
cloud load balancer or MetalLB speaker sends to. Layout only positions what this module says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.core.kubeproxy.balancing import as_rng
from app.core.kubeproxy.endpointcache import (
    ProxyEndpoint,
    categorize_endpoints,
    policies,
    port_endpoints,
)
from app.core.kubeproxy.plan import is_proxied
from app.core.model.objects import ClusterState, Node, Service
from app.core.network.index import RoutingIndex
from app.core.network.loadbalancers import lb_candidates, local_ready_count, metallb_speaker
from app.core.network.path import Walk

Reach = frozenset[str]
"""Target ids ("pod:ns/name" or "addr:ip") one node's kube-proxy may send a request to."""
NOWHERE: Reach = frozenset()


@dataclass(frozen=True)
class Target:
    """One endpoint as the diagram draws it: a pod, or an address that is not a pod
    (the control plane behind `default/kubernetes`, a hand-written EndpointSlice)."""

    id: str
    node: str
    ip: str
    ports: tuple[str, ...]
    """Target ports on this endpoint, "8080/TCP"."""


@dataclass(frozen=True)
class ServiceReach:
    """Per node: the endpoints of ClusterIP traffic (`internal`) and of traffic arriving at
    the node's nodePort or the load balancer (`external`), as CategorizeEndpoints decides."""

    service: Service
    kind: str
    """proxied (kube-proxy rules), headless (DNS answers pod IPs), external-name (a CNAME)."""
    targets: Mapping[str, Target] = field(default_factory=dict)
    has_endpoints: bool = False
    node_dependent: bool = False
    """False: every node sends to the same endpoints (the common Cluster policy case)."""
    by_node: Mapping[str, tuple[Reach, Reach]] = field(default_factory=dict)
    by_zone: Mapping[str, tuple[Reach, Reach]] = field(default_factory=dict)
    everywhere: tuple[Reach, Reach] = (NOWHERE, NOWHERE)

    def _pair(self, node: Node) -> tuple[Reach, Reach]:
        if not self.node_dependent:
            return self.everywhere
        if node.name in self.by_node:
            return self.by_node[node.name]
        return self.by_zone.get(node.zone, self.everywhere)

    def internal(self, node: Node) -> Reach:
        return self._pair(node)[0]

    def external(self, node: Node) -> Reach:
        return self._pair(node)[1]

    @property
    def externally_accessible(self) -> bool:
        return self.kind == "proxied" and any(
            policies(self.service, sp).externally_accessible for sp in self.service.ports
        )


def _target_id(ep: ProxyEndpoint) -> str:
    return f"pod:{ep.pod}" if ep.pod else f"addr:{ep.ip}"


def service_reach(state: ClusterState, svc: Service) -> ServiceReach:
    if svc.type == "ExternalName":
        return ServiceReach(svc, "external-name")
    ports = [(sp, port_endpoints(state, svc, sp)) for sp in svc.ports]
    targets: dict[str, Target] = {}
    for sp, eps in ports:
        for ep in eps:
            tid = _target_id(ep)
            old = targets.get(tid)
            label = f"{ep.port}/{sp.protocol}"
            known = old.ports if old else ()
            merged = known if label in known else (*known, label)
            targets[tid] = Target(tid, ep.node_name, ep.ip, merged)
    if not is_proxied(svc):
        # Headless: no kube-proxy hop; DNS answers with the ready endpoints' IPs.
        ready = frozenset(_target_id(e) for _, eps in ports for e in eps if e.ready)
        return ServiceReach(svc, "headless", targets, bool(ready), False, {}, {}, (ready, ready))
    dependent = any(
        policies(svc, sp).uses_local_endpoints or any(e.zone_hints for e in eps)
        for sp, eps in ports
    )

    def at(node_name: str, zone: str) -> tuple[Reach, Reach, bool]:
        internal: set[str] = set()
        external: set[str] = set()
        has_any = False
        for sp, eps in ports:
            pol = policies(svc, sp)
            cats = categorize_endpoints(eps, pol, node_name, zone)
            has_any = has_any or cats.has_any
            internal.update(
                _target_id(e) for e in (cats.local if pol.internal_local else cats.cluster)
            )
            if pol.externally_accessible:
                chosen = cats.local if pol.external_local else cats.cluster
                external.update(_target_id(e) for e in chosen)
        return frozenset(internal), frozenset(external), has_any

    if not dependent:
        # categorize_endpoints reads the node only through locality and zone hints.
        internal, external, has_any = at("", "")
        return ServiceReach(svc, "proxied", targets, has_any, False, {}, {}, (internal, external))
    # A node without endpoints of this Service differs from others only by its zone.
    by_node: dict[str, tuple[Reach, Reach]] = {}
    by_zone: dict[str, tuple[Reach, Reach]] = {}
    has_any = False
    hosting = {t.node for t in targets.values() if t.node}
    for node in state.nodes:
        if node.name in hosting:
            i, e, any_here = at(node.name, node.zone)
            by_node[node.name] = (i, e)
        elif node.zone not in by_zone:
            i, e, any_here = at("", node.zone)
            by_zone[node.zone] = (i, e)
        else:
            continue
        has_any = has_any or any_here
    return ServiceReach(svc, "proxied", targets, has_any, True, by_node, by_zone)


@dataclass(frozen=True)
class LoadBalancerPlan:
    """Where a LoadBalancer Service's external IP sends traffic, per cluster provider."""

    ips: tuple[str, ...]
    nodes: tuple[str, ...]
    provider: str
    note: str

    @property
    def pending(self) -> bool:
        return not self.ips

    @property
    def summary(self) -> str:
        """One short line for the diagram's load-balancer box."""
        if self.provider == "none":
            return "no cloud provider: use a nodePort"
        if not self.ips:
            return "no free address: use a nodePort"
        if self.provider == "metallb-l2":
            return f"MetalLB: {self.nodes[0]} answers ARP" if self.nodes else "MetalLB: no speaker"
        count = len(self.nodes)
        return f"cloud LB → {count} healthy node{'s' if count != 1 else ''}"


def load_balancer_plan(state: ClusterState, svc: Service) -> LoadBalancerPlan:
    provider = state.config.provider
    ips = svc.load_balancer_ingress
    if provider == "none":
        where = "EXTERNAL-IP stays <pending>" if not ips else f"nothing carries {ips[0]} here"
        return LoadBalancerPlan(
            ips,
            (),
            provider,
            f"No load-balancer controller (provider none): {where}; the nodePorts still "
            "answer on every node's IP.",
        )
    if not ips:
        return LoadBalancerPlan(
            ips,
            (),
            provider,
            f"No free address in the pool {state.config.load_balancer_pool}: EXTERNAL-IP stays "
            "<pending> until one is freed; the nodePorts still answer on every node's IP.",
        )
    # The plan asks the load-balancer model only deterministic questions: no draw is made.
    walk = Walk(state, RoutingIndex.for_state(state), as_rng(0), None, None, 0.0)
    candidates = lb_candidates(walk)
    local = svc.external_traffic_policy == "Local"
    if local:
        candidates = [n for n in candidates if local_ready_count(walk, svc, n) > 0]
    if provider == "metallb-l2":
        has_ready = any(e.ready for sp in svc.ports for e in port_endpoints(state, svc, sp))
        speaker = metallb_speaker(candidates, ips[0]) if has_ready else None
        chosen = (speaker.name,) if speaker else ()
        note = (
            f"MetalLB layer 2: {speaker.name} answers ARP for {ips[0]} and gets all of its traffic."
            if speaker
            else f"MetalLB layer 2: no node may announce {ips[0]} (no ready endpoint)."
        )
        return LoadBalancerPlan(ips, chosen, provider, note)
    check = "healthCheckNodePort (local ready endpoints)" if local else "kube-proxy /healthz"
    return LoadBalancerPlan(
        ips,
        tuple(n.name for n in candidates),
        provider,
        f"Cloud load balancer: spreads connections over the nodes that pass {check}.",
    )
