"""How traffic for a LoadBalancer IP reaches a node, per cluster provider.

* `cloud`: a cloud load balancer in VIP mode health-checks every node - kube-proxy's
  /healthz on :10256 for externalTrafficPolicy Cluster, the Service's healthCheckNodePort for
  Local (200 only with local ready endpoints, pkg/proxy/healthcheck/service_health.go) - and
  spreads connections over the healthy ones, forwarding the packet unchanged.
* `metallb-l2`: one speaker answers ARP for the IP, so one node gets all of its traffic.
  The election (metallb speaker/layer2_controller.go ShouldAnnounce) sorts the usable nodes -
  with a live speaker, and for ETP Local only those with a ready local endpoint - by
  sha256(nodeName + "#" + ip) and the first wins; nobody announces without a ready endpoint.
  A NotReady node is treated as having no live speaker.
* `none`: nothing carries traffic to the IP from outside (`EXTERNAL-IP <pending>`).

Nodes labelled node.kubernetes.io/exclude-from-external-load-balancers are never backends.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from app.core.controllers.endpointslices import derived
from app.core.kubeproxy.endpointcache import port_endpoints, proxy_endpoints
from app.core.model.objects import Node, Service, ServicePort
from app.core.network.nodes import through_kube_proxy
from app.core.network.path import Client, Path, Walk

EXCLUDE_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"
KUBE_PROXY_HEALTHZ_PORT = 10256


def local_ready_count(walk: Walk, svc: Service, node: Node) -> int:
    """What kube-proxy's service health server reports: local, ready endpoints."""

    def count_by_node() -> dict[str, int]:
        per_node: dict[str, set[str]] = {}
        for sp in svc.ports:
            for e in port_endpoints(walk.state, svc, sp):
                if e.ready:
                    per_node.setdefault(e.node_name, set()).add(e.address)
        return {name: len(addresses) for name, addresses in per_node.items()}

    counts = derived(walk.state, ("local-ready", svc.namespace, svc.name), count_by_node)
    return counts.get(node.name, 0)


def _names(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def lb_candidates(walk: Walk) -> list[Node]:
    def build() -> list[Node]:
        return [
            n
            for n in sorted(walk.state.nodes, key=lambda n: n.name)
            if n.ready and EXCLUDE_LB_LABEL not in n.labels and n.internal_ip
        ]

    return list(derived(walk.state, ("lb-candidates",), build))


@dataclass(frozen=True)
class _Backends:
    """The load balancer's healthy nodes for one Service, computed once per snapshot."""

    nodes: list[Node]
    skipped: list[str]
    choices: tuple[tuple[str, float], ...]


def _backends(walk: Walk, svc: Service, local: bool) -> _Backends:
    def build() -> _Backends:
        nodes = lb_candidates(walk)
        if local:
            nodes = [n for n in nodes if local_ready_count(walk, svc, n) > 0]
        healthy = {n.name for n in nodes}
        skipped = sorted(n.name for n in walk.state.nodes if n.name not in healthy)
        share = 1 / len(nodes) if nodes else 0.0
        return _Backends(nodes, skipped, tuple((n.name, share) for n in nodes))

    return derived(walk.state, ("lb-backends", svc.namespace, svc.name, local), build)


def metallb_speaker(nodes: list[Node], ip: str) -> Node | None:
    """MetalLB layer2_controller.go ShouldAnnounce: candidates sorted by
    sha256(nodeName + "#" + ip); the first one answers ARP for the IP."""
    if not nodes:
        return None
    return min(nodes, key=lambda n: hashlib.sha256(f"{n.name}#{ip}".encode()).digest())


def load_balancer(
    walk: Walk, client: Client, svc: Service, sp: ServicePort, ip: str, port: int
) -> Path:
    provider = walk.state.config.provider
    if provider == "none":
        return walk.end(
            "unreachable",
            f"{ip} is in {svc.key}'s status, but this cluster has "
            "no load balancer (provider none) to carry traffic to it; use a node "
            "IP and the nodePort.",
            instead=f"Send to any node's InternalIP on nodePort {sp.node_port}, or set the "
            "cluster's provider to a cloud or MetalLB so a load balancer carries the IP."
            if sp.node_port
            else "Set the cluster's provider to a cloud or MetalLB so a load balancer "
            "carries the IP (this Service allocates no nodePorts).",
        )
    local = svc.external_traffic_policy == "Local"
    backends = _backends(walk, svc, local)
    if provider == "metallb-l2":
        return _metallb(walk, client, svc, sp, ip, port, backends.nodes, local)
    return _cloud(walk, client, svc, sp, ip, port, backends, local)


def _metallb(
    walk: Walk,
    client: Client,
    svc: Service,
    sp: ServicePort,
    ip: str,
    port: int,
    nodes: list[Node],
    local: bool,
) -> Path:
    """The elected speaker's node gets every packet for the IP, unchanged."""
    dst = f"{ip}:{port}"
    has_ready = any(e.ready for eps in proxy_endpoints(walk.state, svc).values() for e in eps)
    speaker = metallb_speaker(nodes, ip) if has_ready else None
    if speaker is None:
        return walk.end(
            "unreachable",
            f"No MetalLB speaker announces {ip}: it needs a "
            "ready endpoint" + (" on a Ready node" if local else "") + ", so nothing answers ARP.",
            instead="Give the Service a ready endpoint"
            + (
                " on a Ready node, or set externalTrafficPolicy: Cluster so any Ready node "
                "may announce the IP."
                if local
                else " (a Ready pod its selector matches)."
            ),
        )
    walk.hop(
        "load-balancer",
        "MetalLB (layer 2)",
        speaker.name,
        dst,
        client.ip,
        dst,
        rule=f"ARP: {ip} is-at {speaker.name} (sha256(node#ip) election)",
        reason=f"MetalLB's speakers each sort the eligible nodes by sha256(node + "
        f'"#" + {ip}); {speaker.name} comes first, so it answers ARP for the'
        " IP and receives all of its traffic.",
    )
    return through_kube_proxy(
        walk,
        speaker,
        "load-balancer",
        svc,
        sp,
        ip,
        port,
        client.ip,
        f"The packet reaches {speaker.name} unchanged.",
    )


def _cloud(
    walk: Walk,
    client: Client,
    svc: Service,
    sp: ServicePort,
    ip: str,
    port: int,
    backends: _Backends,
    local: bool,
) -> Path:
    """A cloud load balancer picks one healthy node at random and forwards unchanged."""
    dst = f"{ip}:{port}"
    nodes = backends.nodes
    if not nodes:
        check = "healthCheckNodePort" if local else "kube-proxy /healthz"
        return walk.end(
            "dropped",
            f"Every node fails the load balancer's {check} check, so "
            "it has no healthy backend for the connection.",
            instead="Run a ready pod of the Service on a Ready node, or set "
            "externalTrafficPolicy: Cluster so every Ready node passes the check."
            if local
            else "Bring a node back to Ready: kube-proxy's /healthz on it then passes.",
        )
    chosen = nodes[walk.pick("load-balancer", len(nodes))]
    check = (
        f"http://{chosen.internal_ip}:{svc.health_check_node_port}/ → 200"
        if local
        else f"http://{chosen.internal_ip}:{KUBE_PROXY_HEALTHZ_PORT}/healthz → 200"
    )
    skipped = backends.skipped
    why = (
        "only nodes whose healthCheckNodePort reports local endpoints are healthy"
        if local
        else "every Ready node passes kube-proxy's /healthz check"
    )
    walk.hop(
        "load-balancer",
        "cloud load balancer",
        chosen.name,
        dst,
        client.ip,
        dst,
        rule=f"health check {check}",
        probability=1 / len(nodes),
        choices=backends.choices,
        reason=f"The cloud load balancer spreads connections over healthy nodes ({why}"
        + (f"; skipped: {_names(skipped)}" if skipped else "")
        + f") and forwards this one, unchanged, to {chosen.name}.",
    )
    return through_kube_proxy(
        walk,
        chosen,
        "load-balancer",
        svc,
        sp,
        ip,
        port,
        client.ip,
        f"The packet reaches {chosen.name} with destination {dst}.",
    )
