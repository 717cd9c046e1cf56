"""Lookup tables for routing: every address and name a request can be sent to.

Built once per ClusterState snapshot (and cached with it), so that one route() is a handful
of dictionary lookups even on a 10,000-Service cluster: (IP, port, protocol) → service port
for ClusterIPs, externalIPs and LoadBalancer IPs; (nodePort, protocol) → service port; IP →
node / pod; (namespace, name) → Service for DNS.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from app.core.controllers.endpointslices import derived
from app.core.controllers.lineage import Change
from app.core.kubeproxy.plan import is_proxied
from app.core.model.objects import ClusterState, Node, Pod, Service, ServicePort

DEFAULT_EXTERNAL_CLIENT = "203.0.113.7"
PROTOCOLS = ("TCP", "UDP", "SCTP")


class RouteError(ValueError):
    """The request cannot even be described: malformed destination or unknown source."""


@dataclass(frozen=True)
class Source:
    """Where a request starts: outside the cluster, on a node (a host process), or in a pod."""

    kind: str = "external"
    ip: str = DEFAULT_EXTERNAL_CLIENT
    name: str = ""
    namespace: str = "default"

    @classmethod
    def external(cls, ip: str = DEFAULT_EXTERNAL_CLIENT) -> Source:
        return cls("external", ip)

    @classmethod
    def node(cls, name: str) -> Source:
        return cls("node", "", name)

    @classmethod
    def pod(cls, namespace: str, name: str) -> Source:
        return cls("pod", "", name, namespace)


@dataclass(frozen=True)
class Destination:
    host: str
    port: int | str | None
    protocol: str | None
    """None: TCP unless only another protocol is served on that port."""

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


_DEST = re.compile(
    r"^(?:\[(?P<v6>[0-9a-fA-F:.]+)\]|(?P<host>[^:/\s]+))(?::(?P<port>[A-Za-z0-9-]+))?"
    r"(?:/(?P<proto>[A-Za-z]+))?$"
)


def parse_destination(text: str) -> Destination:
    """ "10.96.0.10:53/udp", "[fd00::1]:80", "web", "web:http", "web.prod.svc.cluster.local:80"."""
    match = _DEST.match(text.strip())
    if not match:
        raise RouteError(f"cannot parse destination {text!r}; expected host[:port][/protocol]")
    host = (match["v6"] or match["host"]).rstrip(".").lower()
    raw_port = match["port"]
    port: int | str | None = None
    if raw_port is not None:
        port = int(raw_port) if raw_port.isdigit() else raw_port
        if isinstance(port, int) and not 1 <= port <= 65535:
            raise RouteError(f"port {port} is out of range 1-65535")
    proto = match["proto"].upper() if match["proto"] else None
    if proto is not None and proto not in PROTOCOLS:
        raise RouteError(f"unsupported protocol {match['proto']!r}")
    return Destination(host, port, proto)


Target = tuple[Service, ServicePort]
K = TypeVar("K")


def _health_checked(svc: Service) -> bool:
    return bool(
        svc.health_check_node_port
        and svc.type == "LoadBalancer"
        and svc.external_traffic_policy == "Local"
    )


def _drop_target(table: dict[K, Target], key: K, svc: Service) -> None:
    found = table.get(key)
    if found is not None and found[0] is svc:
        del table[key]


def _hostname(pod: Pod) -> tuple[str, str, str]:
    return (pod.namespace, pod.subdomain, pod.hostname)


@dataclass
class RoutingIndex:
    state: ClusterState
    nodes: dict[str, Node] = field(default_factory=dict)
    node_by_ip: dict[str, Node] = field(default_factory=dict)
    pods: dict[tuple[str, str], Pod] = field(default_factory=dict)
    pod_by_ip: dict[str, Pod] = field(default_factory=dict)
    pod_hostnames: dict[tuple[str, str, str], Pod] = field(default_factory=dict)
    """(namespace, subdomain, hostname) → pod: the per-pod DNS names of headless Services."""
    services: dict[tuple[str, str], Service] = field(default_factory=dict)
    cluster_ips: dict[str, Service] = field(default_factory=dict)
    by_cluster_ip: dict[tuple[str, int, str], Target] = field(default_factory=dict)
    by_external_ip: dict[tuple[str, int, str], Target] = field(default_factory=dict)
    external_ips: dict[str, Service] = field(default_factory=dict)
    by_lb_ip: dict[tuple[str, int, str], Target] = field(default_factory=dict)
    lb_ips: dict[str, Service] = field(default_factory=dict)
    by_node_port: dict[tuple[int, str], Target] = field(default_factory=dict)
    health_checks: dict[int, Service] = field(default_factory=dict)

    ties: bool = False
    """Two objects claimed one address, port or pod DNS name: the one later in key order
    holds it, which only a full build knows (evolve() builds afresh then)."""

    @classmethod
    def for_state(cls, state: ClusterState) -> RoutingIndex:
        def evolve(base: RoutingIndex, changes: list[Change]) -> RoutingIndex:
            return base.evolve(state, changes)

        return derived(state, "routing-index", lambda: cls.build(state), evolve)

    @classmethod
    def build(cls, state: ClusterState) -> RoutingIndex:
        idx = cls(state)
        for node in state.nodes:
            idx._add_node(node)
        for pod in state.pods:
            idx._add_pod(pod)
        for svc in state.services:
            idx._add_service(svc)
        return idx

    def evolve(self, state: ClusterState, changes: list[Change]) -> RoutingIndex:
        """This index for a later snapshot: its tables copied and the changed objects' entries
        replaced (150,000 pods and 10,000 Services: milliseconds, not half a second)."""
        if self.ties:
            return RoutingIndex.build(state)
        idx = RoutingIndex(
            state,
            nodes=dict(self.nodes),
            node_by_ip=dict(self.node_by_ip),
            pods=dict(self.pods),
            pod_by_ip=dict(self.pod_by_ip),
            pod_hostnames=dict(self.pod_hostnames),
            services=dict(self.services),
            cluster_ips=dict(self.cluster_ips),
            by_cluster_ip=dict(self.by_cluster_ip),
            by_external_ip=dict(self.by_external_ip),
            external_ips=dict(self.external_ips),
            by_lb_ip=dict(self.by_lb_ip),
            lb_ips=dict(self.lb_ips),
            by_node_port=dict(self.by_node_port),
            health_checks=dict(self.health_checks),
        )
        for kind, before, after in changes:
            if kind == "Node":
                if before is not None:
                    idx._drop(idx.nodes, before.name, before)
                    idx._drop(idx.node_by_ip, before.internal_ip, before)
                if after is not None:
                    idx._add_node(after)
            elif kind == "Pod":
                if before is not None:
                    idx._drop(idx.pods, (before.namespace, before.name), before)
                    idx._drop(idx.pod_by_ip, before.pod_ip, before)
                    idx._drop(idx.pod_hostnames, _hostname(before), before)
                if after is not None:
                    idx._add_pod(after)
            elif kind == "Service":
                if before is not None:
                    idx._drop_service(before)
                if after is not None:
                    idx._add_service(after)
            if idx.ties:
                return RoutingIndex.build(state)
        return idx

    @staticmethod
    def _drop(table: dict[Any, Any], key: Any, value: Any) -> None:
        if table.get(key) is value:
            del table[key]

    def _claim(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if key in table:
            self.ties = True
        table[key] = value

    def _add_node(self, node: Node) -> None:
        self.nodes[node.name] = node
        if node.internal_ip:
            self._claim(self.node_by_ip, node.internal_ip, node)

    def _add_pod(self, pod: Pod) -> None:
        self.pods[(pod.namespace, pod.name)] = pod
        if pod.pod_ip and pod.phase not in ("Succeeded", "Failed"):
            self._claim(self.pod_by_ip, pod.pod_ip, pod)
        if pod.hostname and pod.subdomain:
            self._claim(self.pod_hostnames, _hostname(pod), pod)

    def _add_service(self, svc: Service) -> None:
        self.services[(svc.namespace, svc.name)] = svc
        if not is_proxied(svc):
            return
        self._claim(self.cluster_ips, svc.cluster_ip, svc)
        for ip in svc.external_ips:
            self._claim(self.external_ips, ip, svc)
        for ip in svc.load_balancer_ingress:
            self._claim(self.lb_ips, ip, svc)
        for sp in svc.ports:
            self._claim(self.by_cluster_ip, (svc.cluster_ip, sp.port, sp.protocol), (svc, sp))
            for ip in svc.external_ips:
                self._claim(self.by_external_ip, (ip, sp.port, sp.protocol), (svc, sp))
            for ip in svc.load_balancer_ingress:
                self._claim(self.by_lb_ip, (ip, sp.port, sp.protocol), (svc, sp))
            if sp.node_port:
                self._claim(self.by_node_port, (sp.node_port, sp.protocol), (svc, sp))
        if _health_checked(svc):
            self._claim(self.health_checks, svc.health_check_node_port, svc)

    def _drop_service(self, svc: Service) -> None:
        """Remove what `svc` claimed (only while nothing was claimed twice: see `ties`)."""
        self._drop(self.services, (svc.namespace, svc.name), svc)
        self._drop(self.cluster_ips, svc.cluster_ip, svc)
        for ip in svc.external_ips:
            self._drop(self.external_ips, ip, svc)
        for ip in svc.load_balancer_ingress:
            self._drop(self.lb_ips, ip, svc)
        for sp in svc.ports:
            for table, ip in (
                (self.by_cluster_ip, svc.cluster_ip),
                *((self.by_external_ip, ip) for ip in svc.external_ips),
                *((self.by_lb_ip, ip) for ip in svc.load_balancer_ingress),
            ):
                _drop_target(table, (ip, sp.port, sp.protocol), svc)
            if sp.node_port:
                _drop_target(self.by_node_port, (sp.node_port, sp.protocol), svc)
        self._drop(self.health_checks, svc.health_check_node_port, svc)

    def in_pod_cidr(self, ip: str) -> bool:
        return _within(ip, self.state.config.pod_cidr)

    def in_service_cidr(self, ip: str) -> bool:
        return _within(ip, self.state.config.service_cidr)

    def lookup(
        self, table: dict[tuple[str, int, str], Target], ip: str, port: int, proto: str | None
    ) -> Target | None:
        """A service port by address; without an explicit protocol TCP is tried first."""
        for candidate in (proto,) if proto else PROTOCOLS:
            hit = table.get((ip, port, candidate))
            if hit:
                return hit
        return None

    def node_port(self, port: int, proto: str | None) -> Target | None:
        for candidate in (proto,) if proto else PROTOCOLS:
            hit = self.by_node_port.get((port, candidate))
            if hit:
                return hit
        return None

    def resolve_name(self, host: str, namespace: str) -> Service | None:
        """Cluster DNS with a pod's search path: <ns>.svc.<domain> svc.<domain> <domain>."""
        domain = self.state.config.cluster_domain
        labels = host.split(".")
        for suffix in (f"svc.{domain}", "svc"):
            tail = suffix.split(".")
            if len(labels) == 2 + len(tail) and labels[2:] == tail:
                return self.services.get((labels[1], labels[0]))
        if len(labels) == 2:
            return self.services.get((labels[1], labels[0]))
        if len(labels) == 1:
            return self.services.get((namespace, labels[0]))
        return None

    def resolve_pod_name(self, host: str, namespace: str) -> tuple[Service, Pod] | None:
        """A pod's own name under its headless Service, `<hostname>.<subdomain>.<ns>.svc.<domain>`
        (the DNS spec's per-endpoint A record; the EndpointSlice controller sets the endpoint's
        hostname when the pod's subdomain names the Service). A pod's search path tries
        `<ns>.svc.<domain>` first, so `db-0.db` is a pod name in the client's own namespace
        before it is a Service `db-0` in a namespace `db`."""
        domain = self.state.config.cluster_domain
        labels = host.split(".")
        candidates: list[tuple[str, str, str]] = []
        for suffix in (f"svc.{domain}", "svc"):
            tail = suffix.split(".")
            if len(labels) == 3 + len(tail) and labels[3:] == tail:
                candidates.append((labels[2], labels[1], labels[0]))
        if len(labels) == 3:
            candidates.append((labels[2], labels[1], labels[0]))
        if len(labels) == 2:
            candidates.append((namespace, labels[1], labels[0]))
        for ns, subdomain, hostname in candidates:
            svc = self.services.get((ns, subdomain))
            pod = self.pod_hostnames.get((ns, subdomain, hostname))
            if svc is not None and svc.headless and pod is not None:
                return svc, pod
        return None


@lru_cache(maxsize=64)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _within(ip: str, cidr: str) -> bool:
    net = _network(cidr)
    try:
        return net is not None and ipaddress.ip_address(ip) in net
    except ValueError:
        return False


def service_port_for(
    service: Service, port: int | str | None, proto: str | None
) -> ServicePort | None:
    """The Service port a DNS-name destination means: by number (TCP first), by name, or -
    without a port - the only one (53/TCP and 53/UDP count as one number: TCP wins)."""
    ports = [p for p in service.ports if proto is None or p.protocol == proto]
    if isinstance(port, str):
        return next((p for p in ports if p.name == port), None)
    if port is not None:
        ports = [p for p in ports if p.port == port]
    elif len({p.port for p in ports}) != 1:
        return None
    return next((p for p in ports if p.protocol == "TCP"), ports[0] if ports else None)
