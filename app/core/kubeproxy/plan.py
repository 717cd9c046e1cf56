"""What kube-proxy decides for one service port on one node, before writing any rule.

This is the top of the per-service loop of syncProxyRules in pkg/proxy/iptables/proxier.go
(and its twin in pkg/proxy/nftables/proxier.go): categorised endpoints, which policy chain
internal and external traffic use, and whether there are endpoints for each. The rule
renderers and routing both read a PortPlan, so a hop never disagrees with a printed rule.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property

from app.core.controllers.endpointslices import derived
from app.core.kubeproxy import chainnames
from app.core.kubeproxy.endpointcache import (
    Categories,
    Policies,
    ProxyEndpoint,
    categorize_endpoints,
    policies,
    port_endpoints,
)
from app.core.model.objects import ClusterState, Node, Service, ServicePort


def is_proxied(service: Service) -> bool:
    """pkg/proxy/util ShouldSkipService: no ClusterIP (or headless) or ExternalName → skip."""
    return service.type != "ExternalName" and service.cluster_ip not in ("", "None")


@dataclass(frozen=True)
class PortPlan:
    service: Service
    port: ServicePort
    node: str
    endpoints: tuple[ProxyEndpoint, ...]
    """Every endpoint kube-proxy knows for this port (usable or not), "ip:port" order."""
    categories: Categories
    policy: Policies

    @property
    def spn(self) -> str:
        """ServicePortName.String(), e.g. "ns1/svc1:p80"."""
        return chainnames.port_name(self.service.namespace, self.service.name, self.port.name)

    @property
    def protocol(self) -> str:
        return self.port.protocol.lower()

    # -- endpoints ------------------------------------------------------------------------
    @property
    def has_endpoints(self) -> bool:
        return self.categories.has_any

    @property
    def has_internal_endpoints(self) -> bool:
        if self.policy.internal_local:
            return bool(self.categories.local) and self.has_endpoints
        return self.has_endpoints

    @property
    def has_external_endpoints(self) -> bool:
        if self.policy.external_local:
            return bool(self.categories.local) and self.has_endpoints
        return self.has_endpoints

    @property
    def internal_endpoints(self) -> tuple[ProxyEndpoint, ...]:
        return self.categories.local if self.policy.internal_local else self.categories.cluster

    @property
    def external_endpoints(self) -> tuple[ProxyEndpoint, ...]:
        return self.categories.local if self.policy.external_local else self.categories.cluster

    # -- which chains exist ---------------------------------------------------------------
    @property
    def uses_cluster_chain(self) -> bool:
        return bool(self.categories.cluster) and self.policy.uses_cluster_endpoints

    @property
    def uses_local_chain(self) -> bool:
        return bool(self.categories.local) and self.policy.uses_local_endpoints

    @property
    def uses_external_chain(self) -> bool:
        return self.has_endpoints and self.policy.externally_accessible

    @property
    def lb_vips(self) -> tuple[str, ...]:
        return self.service.load_balancer_ingress

    @cached_property
    def source_ranges(self) -> tuple[str, ...]:
        """loadBalancerSourceRanges as kube-proxy parses them (padding stripped)."""
        return tuple(
            str(ipaddress.ip_network(r.strip(), strict=False))
            for r in self.service.load_balancer_source_ranges
            if r.strip()
        )

    @property
    def uses_fw_chain(self) -> bool:
        """iptables only creates KUBE-FW when there are endpoints; nftables always does."""
        return self.has_endpoints and bool(self.lb_vips) and bool(self.source_ranges)

    # -- names -----------------------------------------------------------------------------
    @property
    def svc_chain(self) -> str:
        return chainnames.svc_chain(self.spn, self.protocol)

    @property
    def svl_chain(self) -> str:
        return chainnames.svl_chain(self.spn, self.protocol)

    @property
    def ext_chain(self) -> str:
        return chainnames.ext_chain(self.spn, self.protocol)

    @property
    def fw_chain(self) -> str:
        return chainnames.fw_chain(self.spn, self.protocol)

    @property
    def internal_chain(self) -> str:
        return self.svl_chain if self.policy.internal_local else self.svc_chain

    @property
    def external_policy_chain(self) -> str:
        return self.svl_chain if self.policy.external_local else self.svc_chain

    def sep_chain(self, ep: ProxyEndpoint) -> str:
        return chainnames.sep_chain(self.spn, self.protocol, ep.address)

    @property
    def nft_base(self) -> str:
        s = self.service
        return chainnames.nft_service_base(s.namespace, s.name, self.protocol, self.port.name)

    def nft_endpoint_base(self, ep: ProxyEndpoint) -> str:
        s = self.service
        return chainnames.nft_endpoint_base(
            s.namespace, s.name, self.protocol, self.port.name, ep.ip, ep.port
        )

    def source_allowed(self, source_ip: str, node_ip: str) -> bool:
        """KUBE-FW: a listed source range, or (when a range holds the node's IP) the LB IP
        itself as source, as happens when a node reaches its own VIP."""
        ip = ipaddress.ip_address(source_ip)
        nets = [ipaddress.ip_network(r) for r in self.source_ranges]
        if any(ip in net for net in nets):
            return True
        allow_node = bool(node_ip) and any(ipaddress.ip_address(node_ip) in n for n in nets)
        return allow_node and source_ip in self.lb_vips


def plan_port(state: ClusterState, service: Service, port: ServicePort, node: Node) -> PortPlan:
    def build() -> PortPlan:
        pol = policies(service, port)
        eps = port_endpoints(state, service, port)
        cats = categorize_endpoints(eps, pol, node.name, node.zone)
        return PortPlan(service, port, node.name, tuple(eps), cats, pol)

    key = ("plan", node.name, service.namespace, service.name, port.name, port.protocol)
    return derived(state, key, build)


def node_plans(state: ClusterState, node: Node) -> list[PortPlan]:
    """Every proxied service port, ordered as upstream's sorted test output orders them:
    by "namespace/name" string, then by the Service's port order."""
    services = sorted(
        (s for s in state.services if is_proxied(s)), key=lambda s: f"{s.namespace}/{s.name}"
    )
    return [plan_port(state, s, p, node) for s in services for p in s.ports]


def in_cidr(ip: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
