"""route(): one request, hop by hop, from a client to whatever answers (or why nothing does).

The client is outside the cluster, a process on a node, or a pod. The destination is a
LoadBalancer IP, a node IP and nodePort, a ClusterIP, an externalIP, a pod IP, or a Service
DNS name, each with a port. This module resolves names as cluster DNS does (a Service's
ClusterIP, a headless Service's pod IPs, an ExternalName's CNAME, nothing from outside);
addresses.py follows an address to a node (directly, or through loadbalancers.py), nodes.py
applies kube-proxy's decision there (app.core.kubeproxy.connection) and path.py delivers.
"""

from __future__ import annotations

import numpy as np

from app.core.kubeproxy.balancing import AffinityState, IpvsConnection, IpvsState, as_rng
from app.core.kubeproxy.endpointcache import proxy_endpoints
from app.core.model.objects import ClusterState, Pod, Service, ServicePort
from app.core.network.addresses import to_address
from app.core.network.index import (
    Destination,
    RouteError,
    RoutingIndex,
    Source,
    parse_destination,
    service_port_for,
)
from app.core.network.path import CLUSTER_IP_FROM_OUTSIDE, Chooser, Client, Path, Walk

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
    opened: list[IpvsConnection] | None = None,
) -> Path:
    """Follow one new connection. Same seed, same state → same path.

    `affinity` and `ipvs` carry what the nodes' kernels remember between connections
    (ClientIP stickiness, IPVS round-robin positions and connection counts) and are
    updated in place; `now` is the simulated time in seconds, used for affinity expiry.
    `chooser`, when given, takes every random decision instead of `seed` (Walk.pick).
    `opened`, when given, receives the IPVS connection this one counts as active, for the
    caller to finish when it ends (the kernel cannot know when a client closes).
    """
    walk = Walk(state, RoutingIndex.for_state(state), as_rng(seed), affinity, ipvs, now)
    walk.chooser = chooser
    walk.opened = opened
    dest = parse_destination(destination)
    client = Client.resolve(walk, source)
    if dest.is_ip:
        if not isinstance(dest.port, int):
            raise RouteError("an IP destination needs a port number, e.g. 10.96.0.10:53")
        return to_address(walk, client, dest.host, dest.port, dest.protocol, "")
    return _to_name(walk, client, dest)


def _to_name(walk: Walk, client: Client, dest: Destination) -> Path:
    own = walk.index.resolve_pod_name(dest.host, client.namespace)
    if own is not None:
        return _pod_record(walk, client, own[0], own[1], dest)
    svc = walk.index.resolve_name(dest.host, client.namespace)
    if svc is None:
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{dest.host} does not resolve (NXDOMAIN): no such Service in cluster DNS.",
            instead="Name an existing Service as name.namespace:port (`kubectl get svc -A` "
            "lists them); a bare name resolves in the client's own namespace only.",
        )
    if svc.type == "ExternalName":
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{svc.key} is an ExternalName Service: DNS answers "
            f"with a CNAME to {svc.external_name}, and the client connects there "
            "directly - no ClusterIP, no kube-proxy, outside what svcscope follows.",
            instead=f"Connect to {svc.external_name} itself; to proxy through the cluster, "
            "make the Service type ClusterIP with a selector (or EndpointSlices) instead.",
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
            return to_address(walk, client, svc.cluster_ip, dest.port, dest.protocol, note)
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{svc.key} does not serve port {dest.port}.",
            instead=f"Use one of its ports: {_ports(svc)}.",
        )
    if client.node is None:
        return _external_name_lookup(walk, client, svc, sp)
    return to_address(walk, client, svc.cluster_ip, sp.port, sp.protocol, note)


def _external_name_lookup(walk: Walk, client: Client, svc: Service, sp: ServicePort) -> Path:
    """Cluster DNS does not answer outside the cluster; say what would reach the Service."""
    if svc.load_balancer_ingress:
        ip = svc.load_balancer_ingress[0]
        note = (
            f" Cluster DNS is not visible from outside; svcscope assumes your DNS points "
            f"{svc.name} at the load balancer {ip}."
        )
        return to_address(walk, client, ip, sp.port, sp.protocol, note)
    client.start(walk, svc.name)
    node_port = f" any node's IP on nodePort {sp.node_port}" if sp.node_port else ""
    example = _node_port_example(walk, sp)
    if svc.type == "LoadBalancer":
        return walk.end(
            "unreachable",
            f"{svc.key} is a LoadBalancer whose EXTERNAL-IP is "
            "<pending>: no load balancer controller has given it an address"
            f" (provider {walk.state.config.provider}). Use{node_port or ' a NodePort'}"
            " instead.",
            instead=(
                f"Send to{node_port}{example} - a LoadBalancer Service is also a NodePort "
                "Service - or give the cluster a load balancer provider (a cloud, or "
                "MetalLB) so the Service gets an EXTERNAL-IP."
                if sp.node_port
                else "Give the cluster a load balancer provider (a cloud, or MetalLB) so the "
                "Service gets an EXTERNAL-IP; with allocateLoadBalancerNodePorts: false it "
                "has no nodePort to use meanwhile."
            ),
        )
    if svc.type == "NodePort":
        return walk.end(
            "unreachable",
            f"{svc.key} has no external IP; from outside, use{node_port}.",
            instead=f"Send to{node_port}{example}: a nodePort is open on every node, "
            "whether or not it runs a pod of the Service.",
        )
    return walk.end(
        "unreachable",
        f"{svc.key} is a ClusterIP Service: cluster DNS names and "
        "ClusterIPs exist only inside the cluster.",
        instead=CLUSTER_IP_FROM_OUTSIDE,
    )


def _direct_port(svc: Service, dest: Destination) -> int:
    """The port a client connecting straight to a pod uses: the one asked for, or a named
    Service port's numeric targetPort (nothing translates it on the way)."""
    sp = service_port_for(svc, dest.port, dest.protocol)
    if isinstance(dest.port, int):
        port = dest.port
    elif sp is not None and isinstance(sp.target_port, int):
        port = sp.target_port
    else:
        port = sp.port if sp else 0
    if not port:
        raise RouteError(f"say which port of {svc.key} to connect to")
    return port


def _pod_record(walk: Walk, client: Client, svc: Service, pod: Pod, dest: Destination) -> Path:
    """A pod's own DNS name: an A record for that one pod's IP, published while its endpoint
    is ready (or always, with publishNotReadyAddresses), as CoreDNS serves it."""
    published = {e.ip for lst in proxy_endpoints(walk.state, svc).values() for e in lst if e.ready}
    if pod.pod_ip not in published:
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{dest.host} does not resolve (NXDOMAIN): pod {pod.key} is not a ready endpoint "
            f"of the headless Service {svc.key}, so DNS publishes no record for it.",
        )
    if client.node is None:
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{dest.host} is the DNS name of pod {pod.key} under the headless Service "
            f"{svc.key}: cluster DNS and pod IPs are not reachable from outside the cluster.",
        )
    port = _direct_port(svc, dest)
    note = (
        f" DNS resolves {dest.host} to pod {pod.key}'s own IP {pod.pod_ip} (its hostname "
        f"{pod.hostname} under the headless Service {svc.key}); the client connects to port "
        f"{port} directly - kube-proxy is not involved."
    )
    return to_address(walk, client, pod.pod_ip, port, dest.protocol, note)


def _ports(svc: Service) -> str:
    return ", ".join(f"{p.port}/{p.protocol}" for p in svc.ports) or "none"


def _node_port_example(walk: Walk, sp: ServicePort) -> str:
    """ " (e.g. 192.168.49.2:30080)" with the first Ready node, or nothing."""
    node = next((n for n in walk.state.nodes if n.ready and n.internal_ip), None)
    if node is None or not sp.node_port:
        return ""
    return f" (e.g. {node.internal_ip}:{sp.node_port})"


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
            instead="Give it Ready pods: a selector that matches running pods whose "
            "readiness probes pass (or set publishNotReadyAddresses: true).",
        )
    if client.node is None:
        client.start(walk, dest.host)
        return walk.end(
            "unreachable",
            f"{svc.key} is headless: DNS returns pod IPs, which "
            "are not routable from outside the cluster.",
            instead="Send from a node or a pod, or expose the pods through a NodePort or "
            "LoadBalancer Service (a headless Service has no ClusterIP to publish).",
        )
    port = _direct_port(svc, dest)
    i = walk.pick("dns", len(eps))
    ip = eps[i].ip
    records = ", ".join(e.ip for e in eps)
    note = (
        f" {svc.key} is headless (clusterIP None): DNS answers with the pod IPs "
        f"{records}; the client takes {ip} and connects to port {port} itself - "
        "kube-proxy is not involved and the port is not translated."
    )
    return to_address(
        walk,
        client,
        ip,
        port,
        dest.protocol,
        note,
        probability=1 / len(eps),
        choices=[(e.ip, 1 / len(eps)) for e in eps],
    )
