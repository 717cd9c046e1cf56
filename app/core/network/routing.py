"""route(): one request, hop by hop, from a client to whatever answers (or why nothing does).

The client is outside the cluster, a process on a node, or a pod. The destination is a
LoadBalancer IP, a node IP and nodePort, a ClusterIP, an externalIP, a pod IP, or a Service
DNS name, each with a port. kube-proxy's part is kubeproxy.py; this module decides how the
packet gets to a node at all: the cloud load balancer or MetalLB speaker, direct routing to
a node, or nothing (ClusterIPs and pod IPs are not routed outside the cluster).
"""

from __future__ import annotations

import numpy as np

from app.core.kubeproxy.balancing import AffinityState, IpvsState, as_rng
from app.core.kubeproxy.connection import through_kube_proxy
from app.core.kubeproxy.endpointcache import proxy_endpoints
from app.core.model.objects import ClusterState, Node, Service, ServicePort
from app.core.network.index import (
    Destination,
    RouteError,
    RoutingIndex,
    Source,
    parse_destination,
    service_port_for,
)
from app.core.network.loadbalancers import KUBE_PROXY_HEALTHZ_PORT, load_balancer, local_ready_count
from app.core.network.path import Chooser, Client, Path, Walk, deliver

__all__ = ["Path", "RouteError", "RoutingIndex", "Source", "route"]


def route(
    state: ClusterState,
    source: Source,
    destination: str,
    seed: int | np.random.Generator,
    *,
    affinity: AffinityState | None = None,
    now: float = 0.0,
    ipvs: IpvsState | None = None,
    chooser: Chooser | None = None,
) -> Path:
    """Follow one new connection. Same seed, same state → same path.

    `affinity` and `ipvs` carry what the nodes' kernels remember between connections
    (ClientIP stickiness, IPVS round-robin positions and connection counts) and are
    updated in place; `now` is the simulated time in seconds, used for affinity expiry.
    `chooser`, when given, takes every random decision instead of `seed` (Walk.pick).
    """
    walk = Walk(state, RoutingIndex.for_state(state), as_rng(seed), affinity, ipvs, now)
    walk.chooser = chooser
    dest = parse_destination(destination)
    client = Client.resolve(walk, source)
    if dest.is_ip:
        if not isinstance(dest.port, int):
            raise RouteError("an IP destination needs a port number, e.g. 10.96.0.10:53")
        return _to_address(walk, client, dest.host, dest.port, dest.protocol, "")
    return _to_name(walk, client, dest)


def _to_address(
    walk: Walk,
    client: Client,
    ip: str,
    port: int,
    proto: str | None,
    note: str,
    *,
    probability: float = 1.0,
    choices: list[tuple[str, float]] | None = None,
) -> Path:
    idx, dst = walk.index, f"{ip}:{port}"
    inside = client.node is not None
    client.start(walk, dst, note, probability=probability, choices=choices)
    hit = idx.lookup(idx.by_cluster_ip, ip, port, proto)
    if hit:
        if not inside:
            return walk.end(
                "unreachable",
                f"{ip} is a ClusterIP: a virtual address that "
                "exists only in kube-proxy's rules on the nodes, so nothing outside "
                "the cluster routes it. Use a NodePort or LoadBalancer Service.",
            )
        assert client.node is not None
        return through_kube_proxy(
            walk, client.node, "cluster-ip", *hit, ip, port, client.ip, _local_arrival(client)
        )
    hit = idx.lookup(idx.by_external_ip, ip, port, proto)
    if hit and inside:
        assert client.node is not None
        return through_kube_proxy(
            walk,
            client.node,
            "external-ip",
            *hit,
            ip,
            port,
            client.ip,
            _local_arrival(client) + f" {ip} is an externalIP of the "
            "Service, which kube-proxy captures on every node.",
        )
    if hit:
        target = idx.node_by_ip.get(ip)
        if target is None:
            return walk.end(
                "unreachable",
                f"{ip} is an externalIP of {hit[0].key}: kube-proxy captures it on every "
                "node, but Kubernetes does not announce it; your network must route it to a "
                "node.",
            )
        return through_kube_proxy(
            walk,
            target,
            "external-ip",
            *hit,
            ip,
            port,
            client.ip,
            f"The packet reaches {target.name}, whose own address is an externalIP of the Service.",
        )
    hit = idx.lookup(idx.by_lb_ip, ip, port, proto)
    if hit:
        if inside:
            assert client.node is not None
            return through_kube_proxy(
                walk,
                client.node,
                "load-balancer",
                *hit,
                ip,
                port,
                client.ip,
                _local_arrival(client) + f" {ip} is the LoadBalancer IP; kube-proxy captures "
                "it on this node instead of sending it out to the load balancer.",
            )
        return load_balancer(walk, client, *hit, ip, port)
    node = idx.node_by_ip.get(ip)
    if node is not None:
        return _to_node(walk, client, node, port, proto)
    if ip.startswith("127.") and client.kind == "node":
        return _localhost(walk, client, port, proto)
    pod = idx.pod_by_ip.get(ip)
    if pod is not None:
        if not inside:
            return walk.end(
                "unreachable",
                f"{ip} is a pod IP; the pod network is not routed "
                "outside the cluster. Expose the pod through a Service.",
            )
        if client.node and client.node.name != pod.node_name:
            _leave_node(
                walk,
                client,
                dst,
                "No kube-proxy rule matches a pod IP; the node routes the packet over the pod "
                "network.",
            )
        return deliver(walk, client.node, ip, port, client.ip, dst)
    return _nothing_at(walk, client, ip, port)


def _local_arrival(client: Client) -> str:
    node = client.node.name if client.node else ""
    return (
        f"The packet enters netfilter on {node} (PREROUTING) from the pod."
        if client.kind == "pod"
        else f"The packet enters netfilter on {node} (OUTPUT)."
    )


def _localhost(walk: Walk, client: Client, port: int, proto: str | None) -> Path:
    """NodePorts on 127.0.0.1: iptables mode only (route_localnet=1, the nfacct-counted
    `-d 127.0.0.0/8` rules); nftables and IPVS never serve them."""
    assert client.node is not None
    hit = walk.index.node_port(port, proto)
    if hit and walk.mode == "iptables":
        return through_kube_proxy(
            walk,
            client.node,
            "node-port",
            *hit,
            "127.0.0.1",
            port,
            "127.0.0.1",
            f"The packet to 127.0.0.1:{port} enters netfilter on {client.node.name} (OUTPUT);"
            " kube-proxy in iptables mode also serves NodePorts on localhost.",
        )
    why = (
        f"kube-proxy in {walk.mode} mode does not serve NodePorts on 127.0.0.1"
        if hit
        else f"No Service uses nodePort {port}"
    )
    return walk.end("rejected", f"{why}, so nothing listens on 127.0.0.1:{port}.")


def _nothing_at(walk: Walk, client: Client, ip: str, port: int) -> Path:
    idx = walk.index
    svc = idx.cluster_ips.get(ip)
    if svc is not None:
        if client.node is None:
            return walk.end(
                "unreachable", f"{ip} is a ClusterIP; it is not reachable from outside the cluster."
            )
        ports = ", ".join(f"{p.port}/{p.protocol}" for p in svc.ports)
        why = f"{ip} is the ClusterIP of {svc.key}, which serves {ports}, not port {port}"
        if walk.mode == "iptables":
            return walk.end(
                "dropped",
                f"{why}; no iptables rule matches, so the packet heads "
                "for the default route and the client times out.",
            )
        where = (
            "cluster-ips-check rejects it"
            if walk.mode == "nftables"
            else "the address sits on kube-ipvs0 and nothing listens there"
        )
        return walk.end("rejected", f"{why}; {where}.")
    if idx.in_service_cidr(ip):
        return walk.end(
            "dropped" if client.node else "unreachable",
            f"No Service has ClusterIP {ip}; nothing answers in the service range.",
        )
    lb = idx.lb_ips.get(ip)
    if lb is not None:
        return walk.end(
            "unreachable", f"{ip} belongs to {lb.key}, which does not serve port {port}."
        )
    return walk.end("unreachable", f"Nothing in this cluster has address {ip}.")


def _leave_node(walk: Walk, client: Client, dst: str, reason: str) -> None:
    """The client's own node forwards the packet unchanged: no kube-proxy rule applies."""
    assert client.node is not None
    node = client.node
    walk.hop("node", node.name, node.name, node.internal_ip, client.ip, dst, reason=reason)


def _to_node(walk: Walk, client: Client, node: Node, port: int, proto: str | None) -> Path:
    idx, dst = walk.index, f"{node.internal_ip}:{port}"
    hit = idx.node_port(port, proto)
    if client.node is not None and client.node.name != node.name:
        _leave_node(
            walk,
            client,
            dst,
            f"{node.internal_ip} is another node's address, so no kube-proxy rule here "
            "matches; the packet is routed to it.",
        )
    if hit:
        same = client.node is not None and client.node.name == node.name
        how = (
            _local_arrival(client)
            if same
            else f"The packet reaches {node.name} at {dst}; nodePort {port} is open on every "
            "node, whether or not it runs a pod of the Service."
        )
        return through_kube_proxy(
            walk, node, "node-port", *hit, node.internal_ip, port, client.ip, how
        )
    svc = idx.health_checks.get(port)
    if svc is not None:
        local = local_ready_count(walk, svc, node)
        code = "200" if local else "503"
        walk.hop(
            "node",
            node.name,
            node.name,
            dst,
            client.ip,
            dst,
            rule=f"filter KUBE-NODEPORTS ACCEPT (health check node port of {svc.key})",
            reason=f"kube-proxy's health server for {svc.key} answers {code}: "
            f"{local} local endpoint(s) on {node.name}.",
        )
        return walk.end(
            "delivered",
            f"kube-proxy on {node.name} answers the health check "
            f"with HTTP {code} (localEndpoints={local}).",
        )
    if port == KUBE_PROXY_HEALTHZ_PORT:
        walk.hop(
            "node",
            node.name,
            node.name,
            dst,
            client.ip,
            dst,
            reason=f"kube-proxy's /healthz on {node.name} answers.",
        )
        return walk.end("delivered", f"kube-proxy's healthz server on {node.name} answers.")
    if node.internal_ip == walk.state.config.control_plane_address and port == 6443:
        return deliver(walk, client.node, node.internal_ip, port, client.ip, dst)
    walk.hop(
        "node",
        node.name,
        node.name,
        node.internal_ip,
        client.ip,
        dst,
        reason=f"No Service uses nodePort {port}, so no kube-proxy rule matches.",
    )
    return walk.end(
        "rejected",
        f"Nothing listens on {node.name} port {port}: the node's kernel answers with a TCP reset.",
    )


def _to_name(walk: Walk, client: Client, dest: Destination) -> Path:
    svc = walk.index.resolve_name(dest.host, client.namespace)
    if svc is None:
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{dest.host} does not resolve (NXDOMAIN): no such Service in cluster DNS.",
        )
    if svc.type == "ExternalName":
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{svc.key} is an ExternalName Service: DNS answers "
            f"with a CNAME to {svc.external_name}, and the client connects there "
            "directly - no ClusterIP, no kube-proxy, outside what svcscope follows.",
        )
    if svc.headless:
        return _headless(walk, client, svc, dest)
    sp = service_port_for(svc, dest.port, dest.protocol)
    note = f" DNS resolves {dest.host} to the ClusterIP {svc.cluster_ip}."
    if sp is None:
        if not isinstance(dest.port, int):
            ports = ", ".join(f"{p.name or p.port}/{p.protocol}" for p in svc.ports)
            raise RouteError(f"say which port of {svc.key} to use ({ports})")
        if client.node is not None:  # the ClusterIP answers (or not) on an unserved port
            return _to_address(walk, client, svc.cluster_ip, dest.port, dest.protocol, note)
        client.start(walk, dest.host)
        return walk.end("unreachable", f"{svc.key} does not serve port {dest.port}.")
    if client.node is None:
        return _external_name_lookup(walk, client, svc, sp)
    return _to_address(walk, client, svc.cluster_ip, sp.port, sp.protocol, note)


def _external_name_lookup(walk: Walk, client: Client, svc: Service, sp: ServicePort) -> Path:
    """Cluster DNS does not answer outside the cluster; say what would reach the Service."""
    if svc.load_balancer_ingress:
        ip = svc.load_balancer_ingress[0]
        note = (
            f" Cluster DNS is not visible from outside; svcscope assumes your DNS points "
            f"{svc.name} at the load balancer {ip}."
        )
        return _to_address(walk, client, ip, sp.port, sp.protocol, note)
    client.start(walk, svc.name)
    node_port = f" any node's IP on nodePort {sp.node_port}" if sp.node_port else ""
    if svc.type == "LoadBalancer":
        return walk.end(
            "unreachable",
            f"{svc.key} is a LoadBalancer whose EXTERNAL-IP is "
            "<pending>: no load balancer controller has given it an address"
            f" (provider {walk.state.config.provider}). Use{node_port or ' a NodePort'}"
            " instead.",
        )
    if svc.type == "NodePort":
        return walk.end(
            "unreachable", f"{svc.key} has no external IP; from outside, use{node_port}."
        )
    return walk.end(
        "unreachable",
        f"{svc.key} is a ClusterIP Service: cluster DNS names and "
        "ClusterIPs exist only inside the cluster.",
    )


def _headless(walk: Walk, client: Client, svc: Service, dest: Destination) -> Path:
    """DNS returns the ready endpoints' pod IPs; the client connects to one of them directly
    (CoreDNS shuffles A records; the client takes the first)."""
    eps = sorted(
        {
            e.ip: e for lst in proxy_endpoints(walk.state, svc).values() for e in lst if e.ready
        }.values(),
        key=lambda e: e.ip,
    )
    if not eps:
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{svc.key} is headless and has no ready endpoints, so DNS returns no A records.",
        )
    if client.node is None:
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{svc.key} is headless: DNS returns pod IPs, which "
            "are not routable from outside the cluster.",
        )
    sp = service_port_for(svc, dest.port, dest.protocol)
    if isinstance(dest.port, int):
        port = dest.port
    elif sp is not None and isinstance(sp.target_port, int):
        port = sp.target_port
    else:
        port = sp.port if sp else 0
    if not port:
        raise RouteError(f"say which port of {svc.key} to connect to")
    i = walk.pick("dns", len(eps))
    ip = eps[i].ip
    records = ", ".join(e.ip for e in eps)
    note = (
        f" {svc.key} is headless (clusterIP None): DNS answers with the pod IPs "
        f"{records}; the client takes {ip} and connects to port {port} itself - "
        "kube-proxy is not involved and the port is not translated."
    )
    return _to_address(
        walk,
        client,
        ip,
        port,
        dest.protocol,
        note,
        probability=1 / len(eps),
        choices=[(e.ip, 1 / len(eps)) for e in eps],
    )
