"""Typed, read-only views of the stored Kubernetes objects.

Objects are stored exactly as written (Kubernetes JSON, annotations and unknown fields kept);
these frozen dataclasses are what the endpoint, routing and simulation code read. They are
built from objects that have passed decoding, defaulting and validation, so they trust types.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

ZONE_LABEL = "topology.kubernetes.io/zone"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
PROVIDERS = ("none", "cloud", "metallb-l2")
PROXY_MODES = ("iptables", "ipvs", "nftables")
IPVS_SCHEDULERS = ("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "sh", "dh", "sed", "nq", "mh")


@dataclass(frozen=True)
class PortRange:
    """--service-node-port-range, kept as upstream's PortRange{Base, Size}."""

    base: int = 30000
    size: int = 2768

    @property
    def last(self) -> int:
        return self.base + self.size - 1

    def __str__(self) -> str:
        return f"{self.base}-{self.last}"

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.base <= port <= self.last

    @classmethod
    def parse(cls, text: str) -> PortRange:
        """Parse "30000-32767" (or a single port) as net.ParsePortRange does."""
        parts = text.strip().split("-")
        if len(parts) == 1:
            parts = [parts[0], parts[0]]
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"unable to parse port range: {text}")
        low, high = int(parts[0]), int(parts[1])
        if not 0 <= low <= high <= 65535:
            raise ValueError(f"unable to parse port range: {text}")
        return cls(low, high - low + 1)


@dataclass(frozen=True)
class ClusterConfig:
    """Simulator-level settings of one cluster: what kube-apiserver flags and the CNI decide."""

    name: str
    provider: str = "cloud"
    proxy_mode: str = "iptables"
    ipvs_scheduler: str = "rr"
    service_cidr: str = "10.96.0.0/12"
    pod_cidr: str = "10.244.0.0/16"
    node_port_range: PortRange = field(default_factory=PortRange)
    node_cidr: str = "192.168.49.0/24"
    control_plane_address: str = "192.168.49.2"
    load_balancer_pool: str = "203.0.113.0/24"
    cluster_domain: str = "cluster.local"

    @property
    def service_network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.service_cidr)


def _labels(meta: Mapping[str, Any]) -> dict[str, str]:
    return dict(meta.get("labels") or {})


@dataclass(frozen=True)
class Node:
    name: str
    internal_ip: str
    pod_cidr: str
    ready: bool
    labels: Mapping[str, str]
    uid: str = ""

    @property
    def zone(self) -> str:
        return self.labels.get(ZONE_LABEL, "")

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> Node:
        meta = obj.get("metadata", {})
        spec = obj.get("spec", {})
        status = obj.get("status", {})
        internal = next(
            (a["address"] for a in status.get("addresses", []) if a.get("type") == "InternalIP"),
            "",
        )
        ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in status.get("conditions", [])
        )
        return cls(
            name=meta.get("name", ""),
            internal_ip=internal,
            pod_cidr=spec.get("podCIDR", ""),
            ready=ready,
            labels=_labels(meta),
            uid=meta.get("uid", ""),
        )


@dataclass(frozen=True)
class ContainerPort:
    name: str
    port: int
    protocol: str


@dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    labels: Mapping[str, str]
    node_name: str
    pod_ip: str
    ready: bool
    container_ports: tuple[ContainerPort, ...] = ()
    phase: str = "Running"
    terminating: bool = False
    uid: str = ""
    hostname: str = ""
    subdomain: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> Pod:
        meta = obj.get("metadata", {})
        spec = obj.get("spec", {})
        status = obj.get("status", {})
        ports: list[ContainerPort] = []
        # Regular containers first, then init containers (restartable sidecars), as
        # FindPort in k8s.io/endpointslice/util does.
        for container in [*spec.get("containers", []), *spec.get("initContainers", [])]:
            for p in container.get("ports", []):
                ports.append(
                    ContainerPort(p.get("name", ""), p["containerPort"], p.get("protocol", "TCP"))
                )
        ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in status.get("conditions", [])
        )
        return cls(
            namespace=meta.get("namespace", "default"),
            name=meta.get("name", ""),
            labels=_labels(meta),
            node_name=spec.get("nodeName", ""),
            pod_ip=status.get("podIP", ""),
            ready=ready,
            container_ports=tuple(ports),
            phase=status.get("phase", "Pending"),
            terminating="deletionTimestamp" in meta,
            uid=meta.get("uid", ""),
            hostname=spec.get("hostname", ""),
            subdomain=spec.get("subdomain", ""),
        )


@dataclass(frozen=True)
class ServicePort:
    name: str
    protocol: str
    port: int
    target_port: int | str
    node_port: int | None = None
    app_protocol: str = ""


@dataclass(frozen=True)
class Service:
    namespace: str
    name: str
    type: str
    ports: tuple[ServicePort, ...]
    selector: Mapping[str, str] | None
    cluster_ip: str = ""
    cluster_ips: tuple[str, ...] = ()
    session_affinity: str = "None"
    affinity_timeout: int = 10800
    external_traffic_policy: str = ""
    internal_traffic_policy: str = "Cluster"
    health_check_node_port: int | None = None
    allocate_load_balancer_node_ports: bool | None = None
    external_name: str = ""
    external_ips: tuple[str, ...] = ()
    load_balancer_ingress: tuple[str, ...] = ()
    load_balancer_source_ranges: tuple[str, ...] = ()
    publish_not_ready_addresses: bool = False
    traffic_distribution: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    uid: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> Service:
        meta = obj.get("metadata", {})
        spec = obj.get("spec", {})
        status = obj.get("status", {})
        ports = tuple(
            ServicePort(
                name=p.get("name", ""),
                protocol=p.get("protocol", "TCP"),
                port=p["port"],
                target_port=p.get("targetPort", p["port"]),
                node_port=p.get("nodePort") or None,
                app_protocol=p.get("appProtocol", ""),
            )
            for p in spec.get("ports", [])
        )
        ingress = tuple(
            i["ip"]
            for i in status.get("loadBalancer", {}).get("ingress", [])
            if i.get("ip") and i.get("ipMode", "VIP") == "VIP"
        )
        affinity_cfg = spec.get("sessionAffinityConfig", {}).get("clientIP", {})
        selector = spec.get("selector")
        return cls(
            namespace=meta.get("namespace", "default"),
            name=meta.get("name", ""),
            type=spec.get("type", "ClusterIP"),
            ports=ports,
            selector=dict(selector) if selector is not None else None,
            cluster_ip=spec.get("clusterIP", ""),
            cluster_ips=tuple(spec.get("clusterIPs", [])),
            session_affinity=spec.get("sessionAffinity", "None"),
            affinity_timeout=affinity_cfg.get("timeoutSeconds", 10800),
            external_traffic_policy=spec.get("externalTrafficPolicy", ""),
            internal_traffic_policy=spec.get("internalTrafficPolicy", "Cluster"),
            health_check_node_port=spec.get("healthCheckNodePort") or None,
            allocate_load_balancer_node_ports=spec.get("allocateLoadBalancerNodePorts"),
            external_name=spec.get("externalName", ""),
            external_ips=tuple(spec.get("externalIPs", [])),
            load_balancer_ingress=ingress,
            load_balancer_source_ranges=tuple(
                s.strip() for s in spec.get("loadBalancerSourceRanges", [])
            ),
            publish_not_ready_addresses=spec.get("publishNotReadyAddresses", False),
            traffic_distribution=spec.get("trafficDistribution", ""),
            labels=_labels(meta),
            uid=meta.get("uid", ""),
        )


@dataclass(frozen=True)
class Deployment:
    namespace: str
    name: str
    replicas: int
    selector: Mapping[str, str]
    template_labels: Mapping[str, str]
    uid: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> Deployment:
        meta = obj.get("metadata", {})
        spec = obj.get("spec", {})
        return cls(
            namespace=meta.get("namespace", "default"),
            name=meta.get("name", ""),
            replicas=spec.get("replicas", 1),
            selector=dict(spec.get("selector", {}).get("matchLabels", {})),
            template_labels=_labels(spec.get("template", {}).get("metadata", {})),
            uid=meta.get("uid", ""),
        )


@dataclass(frozen=True)
class ClusterState:
    """One consistent snapshot of a cluster: what every core computation reads.

    `manifests` keeps the stored JSON by kind and "namespace/name" (nodes: name) so that the
    endpoint controller and exporters can see every field; the typed views are derived.
    """

    config: ClusterConfig
    nodes: tuple[Node, ...] = ()
    pods: tuple[Pod, ...] = ()
    services: tuple[Service, ...] = ()
    deployments: tuple[Deployment, ...] = ()
    endpoint_slices: tuple[Mapping[str, Any], ...] = ()
    """User-managed EndpointSlices (for Services without a selector)."""

    @cached_property
    def _nodes_by_name(self) -> dict[str, Node]:
        # Endpoint code asks for a pod's node once per pod: a scan of 5,000 nodes each time
        # cost seconds at the scalability limits. (cached_property writes the instance
        # __dict__ directly, so it works on a frozen dataclass.)
        index: dict[str, Node] = {}
        for n in self.nodes:
            index.setdefault(n.name, n)
        return index

    def node(self, name: str) -> Node | None:
        return self._nodes_by_name.get(name)

    def service(self, namespace: str, name: str) -> Service | None:
        return next((s for s in self.services if s.namespace == namespace and s.name == name), None)
