"""Kubernetes-JSON fixtures for core tests, already defaulted as the API server would store them.

Every builder returns a plain manifest dict; `cluster()` turns manifests into a ClusterState
through the same `from_manifest` constructors the application uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.core.model.objects import ClusterConfig, ClusterState, Node, Pod, Service

Manifest = dict[str, Any]


def node(name: str, ip: str, *, zone: str = "", ready: bool = True, cidr: str = "") -> Manifest:
    labels = {"kubernetes.io/hostname": name}
    if zone:
        labels["topology.kubernetes.io/zone"] = zone
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels, "uid": f"uid-node-{name}"},
        "spec": {"podCIDR": cidr},
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}],
            "conditions": [{"type": "Ready", "status": "True" if ready else "Unknown"}],
        },
    }


def pod(
    name: str,
    node_name: str,
    ip: str,
    *,
    namespace: str = "default",
    labels: Mapping[str, str] | None = None,
    ready: bool = True,
    phase: str = "Running",
    terminating: bool = False,
    ports: Iterable[tuple[str, int, str]] = (),
    hostname: str = "",
    subdomain: str = "",
) -> Manifest:
    meta: Manifest = {
        "name": name,
        "namespace": namespace,
        "labels": dict(labels or {"app": "web"}),
        "uid": f"uid-pod-{namespace}-{name}",
    }
    if terminating:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    container_ports = [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports]
    spec: Manifest = {
        "nodeName": node_name,
        "containers": [{"name": "app", "image": "nginx", "ports": container_ports}],
    }
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": spec,
        "status": {
            "phase": phase,
            "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def port(
    port_number: int,
    target: int | str | None = None,
    *,
    name: str = "",
    protocol: str = "TCP",
    node_port: int | None = None,
) -> Manifest:
    spec: Manifest = {
        "name": name,
        "protocol": protocol,
        "port": port_number,
        "targetPort": port_number if target is None else target,
    }
    if not name:
        del spec["name"]
    if node_port:
        spec["nodePort"] = node_port
    return spec


def service(
    name: str,
    cluster_ip: str,
    ports: list[Manifest],
    *,
    namespace: str = "default",
    type_: str = "ClusterIP",
    selector: Mapping[str, str] | None = None,
    no_selector: bool = False,
    etp: str = "",
    itp: str = "Cluster",
    affinity_timeout: int | None = None,
    external_ips: Iterable[str] = (),
    lb_ingress: Iterable[str] = (),
    source_ranges: Iterable[str] = (),
    hcnp: int | None = None,
    publish_not_ready: bool = False,
    traffic_distribution: str = "",
    external_name: str = "",
    labels: Mapping[str, str] | None = None,
) -> Manifest:
    spec: Manifest = {"type": type_, "ports": ports, "sessionAffinity": "None"}
    if type_ != "ExternalName":
        spec["clusterIP"] = cluster_ip
        spec["clusterIPs"] = [cluster_ip]
        spec["internalTrafficPolicy"] = itp
    if not no_selector:
        spec["selector"] = dict(selector or {"app": "web"})
    if type_ in ("NodePort", "LoadBalancer") or external_ips:
        spec["externalTrafficPolicy"] = etp or "Cluster"
    if type_ == "LoadBalancer":
        spec["allocateLoadBalancerNodePorts"] = True
    if affinity_timeout is not None:
        spec["sessionAffinity"] = "ClientIP"
        spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": affinity_timeout}}
    if external_ips:
        spec["externalIPs"] = list(external_ips)
    if source_ranges:
        spec["loadBalancerSourceRanges"] = list(source_ranges)
    if hcnp:
        spec["healthCheckNodePort"] = hcnp
    if publish_not_ready:
        spec["publishNotReadyAddresses"] = True
    if traffic_distribution:
        spec["trafficDistribution"] = traffic_distribution
    if external_name:
        spec["externalName"] = external_name
    ingress = [{"ip": ip, "ipMode": "VIP"} for ip in lb_ingress]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"uid-svc-{namespace}-{name}",
            "labels": dict(labels or {}),
        },
        "spec": spec,
        "status": {"loadBalancer": {"ingress": ingress}} if ingress else {},
    }


def endpoint_slice(
    namespace: str,
    service_name: str,
    endpoints: list[Manifest],
    ports: list[Manifest],
    *,
    name: str = "",
) -> Manifest:
    """A user-managed slice (as `kubectl create -f` would store it)."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name or f"{service_name}-manual",
            "namespace": namespace,
            "labels": {"kubernetes.io/service-name": service_name},
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": ports,
    }


def cluster(
    *,
    nodes: Iterable[Manifest] = (),
    pods: Iterable[Manifest] = (),
    services: Iterable[Manifest] = (),
    slices: Iterable[Manifest] = (),
    config: ClusterConfig | None = None,
    **config_fields: Any,
) -> ClusterState:
    return ClusterState(
        config=config or ClusterConfig(name="test", **config_fields),
        nodes=tuple(Node.from_manifest(n) for n in nodes),
        pods=tuple(Pod.from_manifest(p) for p in pods),
        services=tuple(Service.from_manifest(s) for s in services),
        endpoint_slices=tuple(slices),
    )


def three_node_web(**config_fields: Any) -> ClusterState:
    """node-a/b/c in zones a/b/c; `web` (ClusterIP 10.96.0.20:80 → 8080) backed by web-1 on
    node-a and web-2 on node-b; node-c has no web pod. Used by many classic cases."""
    return cluster(
        nodes=[
            node("node-a", "192.168.49.2", zone="zone-a", cidr="10.244.0.0/24"),
            node("node-b", "192.168.49.3", zone="zone-b", cidr="10.244.1.0/24"),
            node("node-c", "192.168.49.4", zone="zone-c", cidr="10.244.2.0/24"),
        ],
        pods=[
            pod("web-1", "node-a", "10.244.0.5", ports=[("http", 8080, "TCP")]),
            pod("web-2", "node-b", "10.244.1.5", ports=[("http", 8080, "TCP")]),
            pod("client", "node-c", "10.244.2.9", labels={"app": "client"}),
        ],
        services=[service("web", "10.96.0.20", [port(80, 8080, name="http")])],
        **config_fields,
    )


def _p80(node_port: int | None = None) -> list[Manifest]:
    return [port(80, 80, name="p80", node_port=node_port)]


def _slice(ns: str, name: str, *ips: str, local: str = "") -> Manifest:
    endpoints: list[Manifest] = []
    for ip in ips:
        ep: Manifest = {"addresses": [ip]}
        if ip == local:
            ep["nodeName"] = "test-node"
        endpoints.append(ep)
    return endpoint_slice(
        ns, name, endpoints, [{"name": "p80", "port": 80, "protocol": "TCP"}], name=f"{name}-1"
    )


def upstream_overall() -> ClusterState:
    """The svc1..svc6 fixture of TestOverallIPTablesRules / TestOverallNFTablesRules
    (k/k pkg/proxy/iptables/proxier_test.go, pkg/proxy/nftables/proxier_test.go): the fake
    proxier runs on "test-node" (192.168.0.2) with the local-traffic detector on 10.0.0.0/8.
    Endpoints come from hand-made slices, as in the upstream test."""
    return cluster(
        nodes=[node("test-node", "192.168.0.2"), node("node2", "192.168.0.3")],
        services=[
            service("svc1", "172.30.0.41", _p80(), namespace="ns1", no_selector=True),
            service(
                "svc2",
                "172.30.0.42",
                _p80(3001),
                namespace="ns2",
                type_="LoadBalancer",
                etp="Local",
                lb_ingress=["1.2.3.4"],
                external_ips=["192.168.99.22"],
                hcnp=30000,
                no_selector=True,
            ),
            service(
                "svc3",
                "172.30.0.43",
                _p80(3003),
                namespace="ns3",
                type_="NodePort",
                no_selector=True,
            ),
            service(
                "svc4",
                "172.30.0.44",
                _p80(),
                namespace="ns4",
                type_="NodePort",
                external_ips=["192.168.99.33"],
                no_selector=True,
            ),
            service(
                "svc5",
                "172.30.0.45",
                _p80(3002),
                namespace="ns5",
                type_="LoadBalancer",
                lb_ingress=["5.6.7.8"],
                hcnp=30000,
                source_ranges=[" 203.0.113.0/25"],
                affinity_timeout=10800,
                no_selector=True,
            ),
            service("svc6", "172.30.0.46", _p80(), namespace="ns6", no_selector=True),
        ],
        slices=[
            _slice("ns1", "svc1", "10.180.0.1"),
            _slice("ns2", "svc2", "10.180.0.2"),
            _slice("ns3", "svc3", "10.180.0.3"),
            _slice("ns4", "svc4", "10.180.0.4", "10.180.0.5", local="10.180.0.5"),
            _slice("ns5", "svc5", "10.180.0.3"),
        ],
        pod_cidr="10.0.0.0/8",
        service_cidr="172.30.0.0/16",
    )
