"""kube-proxy's view of endpoints: slices → per service-port endpoint lists → usable subsets.

Mirrors pkg/proxy/endpointslicecache.go (reading slices), pkg/proxy/endpoint.go (defaults of
nil conditions) and pkg/proxy/topology.go (CategorizeEndpoints). Both the rule renderers and
routing go through `categorize_endpoints`, so what a path shows is what the rules would do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.controllers.endpointslices import (
    derived,
    endpoint_slices,
    included,
    is_api_server_service,
    resolve_target_port,
    selected_pods,
)
from app.core.kubeproxy.chainnames import join_host_port
from app.core.model.objects import SERVICE_NAME_LABEL, ClusterState, Service, ServicePort


@dataclass(frozen=True, slots=True)
class ProxyEndpoint:
    """One endpoint of one service port, as kube-proxy's BaseEndpointInfo holds it."""

    ip: str
    port: int
    ready: bool
    serving: bool
    terminating: bool
    node_name: str = ""
    zone: str = ""
    zone_hints: frozenset[str] = frozenset()
    pod: str = ""
    """"namespace/name" of the Pod in targetRef, "" when the endpoint is not a pod."""
    address: str = field(default="", compare=False)
    """String(): "ip:port", the sort key and the chain-name hash input (set once, here)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", join_host_port(self.ip, self.port))

    def is_local(self, node_name: str) -> bool:
        return bool(self.node_name) and self.node_name == node_name


PortKey = tuple[str, str]
"""(service port name, protocol) - the ServicePortName key of kube-proxy's endpoints map."""


def user_slices(state: ClusterState) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    """User-managed slices by (namespace, kubernetes.io/service-name label)."""

    def build() -> dict[tuple[str, str], list[Mapping[str, Any]]]:
        index: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for eps in state.endpoint_slices:
            meta = eps.get("metadata", {})
            name = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
            if name:
                index.setdefault((meta.get("namespace", "default"), name), []).append(eps)
        return index

    return derived(state, "user-slices", build)


def _family(service: Service) -> str:
    return "IPv6" if ":" in service.cluster_ip else "IPv4"


def _read_slices(
    slices: Sequence[Mapping[str, Any]], family: str
) -> dict[PortKey, list[ProxyEndpoint]]:
    merged: dict[PortKey, dict[str, ProxyEndpoint]] = {}
    for eps in slices:
        if eps.get("addressType", "IPv4") != family:
            continue
        for port in eps.get("ports") or []:
            # The API server defaults a missing name to "" and protocol to TCP
            # (pkg/apis/discovery/v1/defaults.go); endpointslicecache.go skips port 0.
            number = port.get("port") or 0
            if not number:
                continue
            key = (port.get("name") or "", port.get("protocol") or "TCP")
            bucket = merged.setdefault(key, {})
            for ep in eps.get("endpoints") or []:
                proxy_ep = _endpoint(ep, number)
                if proxy_ep is None:
                    continue
                old = bucket.get(proxy_ep.address)
                # A non-terminating copy of the same ip:port wins over a terminating one.
                if old is None or (old.terminating and not proxy_ep.terminating):
                    bucket[proxy_ep.address] = proxy_ep
    return {key: list(bucket.values()) for key, bucket in merged.items()}


def _endpoint(ep: Mapping[str, Any], port: int) -> ProxyEndpoint | None:
    addresses = ep.get("addresses") or []
    if not addresses:
        return None
    cond = ep.get("conditions") or {}
    # pkg/proxy: nil ready/serving mean true, nil terminating means false.
    ready = cond.get("ready") is not False
    serving = cond.get("serving", ready) is not False
    ref = ep.get("targetRef") or {}
    hints = (ep.get("hints") or {}).get("forZones") or []
    return ProxyEndpoint(
        ip=addresses[0],
        port=port,
        ready=ready,
        serving=serving,
        terminating=cond.get("terminating") is True,
        node_name=ep.get("nodeName") or "",
        zone=ep.get("zone") or "",
        zone_hints=frozenset(h["name"] for h in hints if h.get("name")),
        pod=f"{ref.get('namespace', '')}/{ref['name']}" if ref.get("kind") == "Pod" else "",
    )


def proxy_endpoints(state: ClusterState, service: Service) -> dict[PortKey, list[ProxyEndpoint]]:
    """Every endpoint kube-proxy knows for `service`, per (port name, protocol), sorted by
    the string "ip:port" (so 10.0.1.10:80 comes before 10.0.1.2:80) - the rule order."""

    def build() -> dict[PortKey, list[ProxyEndpoint]]:
        user = user_slices(state).get((service.namespace, service.name), [])
        if (
            service.selector
            and service.type != "ExternalName"
            and not is_api_server_service(service)
        ):
            by_port = _from_pods(state, service)
            if user:
                by_port = _merge(by_port, _read_slices(user, _family(service)))
        else:
            by_port = _read_slices([*endpoint_slices(state, service), *user], _family(service))
        return {key: sorted(eps, key=lambda e: e.address) for key, eps in by_port.items()}

    return derived(state, ("proxy-endpoints", service.namespace, service.name), build)


def proxy_endpoints_via_slices(
    state: ClusterState, service: Service
) -> dict[PortKey, list[ProxyEndpoint]]:
    """The long way round - build the controller's slices, then read them as kube-proxy does.
    `proxy_endpoints` must always equal this; the tests hold it to that."""
    slices = [
        *endpoint_slices(state, service),
        *user_slices(state).get((service.namespace, service.name), []),
    ]
    by_port = _read_slices(slices, _family(service))
    return {key: sorted(eps, key=lambda e: e.address) for key, eps in by_port.items()}


def _from_pods(state: ClusterState, service: Service) -> dict[PortKey, list[ProxyEndpoint]]:
    """What the EndpointSlice controller writes and kube-proxy reads back, without the JSON:
    the same podToEndpoint conditions, FindPort resolution and zone hints."""
    family = _family(service)
    zones = derived(state, "node-zones", lambda: {n.name: n.zone for n in state.nodes})
    hinted = service.traffic_distribution in ("PreferClose", "PreferSameZone")
    merged: dict[PortKey, dict[str, ProxyEndpoint]] = {}
    for pod in selected_pods(state, service):
        if not included(state, service, pod, include_terminating=True):
            continue
        if ("IPv6" if ":" in pod.pod_ip else "IPv4") != family:
            continue
        serving = pod.ready
        ready = service.publish_not_ready_addresses or (serving and not pod.terminating)
        zone = zones.get(pod.node_name, "")
        hints = frozenset((zone,)) if zone and hinted else frozenset()
        for sp in service.ports:
            number = resolve_target_port(sp, pod)
            if not number:
                continue
            endpoint = ProxyEndpoint(pod.pod_ip, number, ready, serving, pod.terminating,
                                     pod.node_name, zone, hints, pod.key)  # fmt: skip
            bucket = merged.setdefault((sp.name, sp.protocol), {})
            old = bucket.get(endpoint.address)
            if old is None or (old.terminating and not endpoint.terminating):
                bucket[endpoint.address] = endpoint
    return {key: list(bucket.values()) for key, bucket in merged.items()}


def _merge(
    first: dict[PortKey, list[ProxyEndpoint]], second: dict[PortKey, list[ProxyEndpoint]]
) -> dict[PortKey, list[ProxyEndpoint]]:
    """Several slices for one service port: a non-terminating ip:port wins (endpointslicecache)."""
    out: dict[PortKey, dict[str, ProxyEndpoint]] = {}
    for part in (first, second):
        for key, endpoints in part.items():
            bucket = out.setdefault(key, {})
            for endpoint in endpoints:
                old = bucket.get(endpoint.address)
                if old is None or (old.terminating and not endpoint.terminating):
                    bucket[endpoint.address] = endpoint
    return {key: list(bucket.values()) for key, bucket in out.items()}


def port_endpoints(state: ClusterState, service: Service, port: ServicePort) -> list[ProxyEndpoint]:
    return proxy_endpoints(state, service).get((port.name, port.protocol), [])


@dataclass(frozen=True)
class Policies:
    """The per service-port policy facts of pkg/proxy/serviceport.go."""

    internal_local: bool
    external_local: bool
    externally_accessible: bool

    @property
    def uses_cluster_endpoints(self) -> bool:
        # Even with ETP Local, external traffic needs Cluster endpoints for short-circuiting.
        return not self.internal_local or self.externally_accessible

    @property
    def uses_local_endpoints(self) -> bool:
        return self.internal_local or (self.external_local and self.externally_accessible)


def policies(service: Service, port: ServicePort) -> Policies:
    service_external = service.type in ("NodePort", "LoadBalancer") or (
        service.type == "ClusterIP" and bool(service.external_ips)
    )
    return Policies(
        internal_local=service.internal_traffic_policy == "Local",
        external_local=service_external and service.external_traffic_policy == "Local",
        externally_accessible=bool(
            port.node_port or service.load_balancer_ingress or service.external_ips
        ),
    )


@dataclass(frozen=True)
class Categories:
    """CategorizeEndpoints' four results (all endpoint lists keep the "ip:port" order)."""

    cluster: tuple[ProxyEndpoint, ...]
    local: tuple[ProxyEndpoint, ...]
    reachable: tuple[ProxyEndpoint, ...]
    has_any: bool
    topology_zone: str = ""
    """The zone whose hinted endpoints were kept ("" when topology was not applied)."""


def _topology_zone(endpoints: Sequence[ProxyEndpoint], zone: str) -> str:
    """topologyModeFromHints with PreferSameTrafficDistribution off (the v1.33 default):
    use zone hints only if every ready endpoint has one and one names this node's zone."""
    has_ready = has_for_zone = False
    for ep in endpoints:
        if not ep.ready:
            continue
        has_ready = True
        if not ep.zone_hints:
            return ""
        if zone in ep.zone_hints:
            has_for_zone = True
    return zone if has_ready and has_for_zone and zone else ""


def categorize_endpoints(
    endpoints: Sequence[ProxyEndpoint], pol: Policies, node_name: str, node_zone: str
) -> Categories:
    """pkg/proxy/topology.go CategorizeEndpoints for one node.

    Cluster endpoints: ready ones (narrowed to this zone by hints when usable), else
    serving+terminating ones anywhere. Local endpoints: local+ready, else local+serving+
    terminating. has_any: some endpoint is usable somewhere in the cluster.
    """
    if not endpoints:
        return Categories((), (), (), False)
    cluster: list[ProxyEndpoint] = []
    local: list[ProxyEndpoint] = []
    has_any = False
    zone = ""
    if pol.uses_cluster_endpoints:
        zone = _topology_zone(endpoints, node_zone)
        cluster = [e for e in endpoints if e.ready and (not zone or zone in e.zone_hints)]
        if not cluster:
            cluster = [e for e in endpoints if e.serving and e.terminating]
        has_any = bool(cluster)
    if not pol.uses_local_endpoints:
        return Categories(tuple(cluster), (), tuple(cluster), has_any, zone)
    has_any = has_any or any(e.ready or (e.serving and e.terminating) for e in endpoints)
    local = [e for e in endpoints if e.is_local(node_name) and e.ready]
    if not local:
        local = [e for e in endpoints if e.is_local(node_name) and e.serving and e.terminating]
    if not pol.uses_cluster_endpoints:
        return Categories((), tuple(local), tuple(local), has_any, zone)
    merged = {e.address: e for e in cluster}
    merged.update({e.address: e for e in local})
    reachable = tuple(sorted(merged.values(), key=lambda e: e.address))
    return Categories(tuple(cluster), tuple(local), reachable, has_any, zone)
