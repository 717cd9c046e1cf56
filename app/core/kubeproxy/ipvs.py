"""kube-proxy's IPVS mode: one virtual server per service address, printed as `ipvsadm -Ln`.

pkg/proxy/ipvs/proxier.go binds every ClusterIP, externalIP and LoadBalancer IP to the
dummy interface kube-ipvs0 and creates a virtual server for each (IP, port, protocol), plus
one per node IP and nodePort. Real servers are the Cluster endpoints, or the node's Local
ones when the matching traffic policy is Local (all Cluster ones again when the node has
none, kubernetes/kubernetes#97081); ClientIP affinity becomes the `persistent`
flag; forwarding is always masquerading (NAT). The listing follows ipvsadm.c
(print_service_entry): services sorted by protocol, address, port; real servers by address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from app.core.kubeproxy.balancing import IpvsState
from app.core.kubeproxy.chainnames import join_host_port
from app.core.kubeproxy.endpointcache import ProxyEndpoint
from app.core.kubeproxy.plan import PortPlan, node_plans
from app.core.model.objects import ClusterState, Node

PROTOCOL_NUMBERS = {"TCP": 6, "UDP": 17, "SCTP": 132}
HEADER = [
    "IP Virtual Server version 1.2.1 (size=4096)",
    "Prot LocalAddress:Port Scheduler Flags",
    "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
]


@dataclass(frozen=True)
class VirtualServer:
    protocol: str
    ip: str
    port: int
    scheduler: str
    persistence: int | None
    real_servers: tuple[ProxyEndpoint, ...]

    @property
    def address(self) -> str:
        return join_host_port(self.ip, self.port)

    @property
    def text(self) -> str:
        """The service line of `ipvsadm -Ln`, e.g. "TCP  10.96.0.10:53 rr"."""
        line = f"{self.protocol}  {self.address} {self.scheduler}"
        return line + (f" persistent {self.persistence}" if self.persistence else "")

    def sort_key(self) -> tuple[int, int, int]:
        return (
            PROTOCOL_NUMBERS.get(self.protocol, 0),
            int(ipaddress.ip_address(self.ip)),
            self.port,
        )


def virtual_server(
    state: ClusterState, plan: PortPlan, ip: str, port: int, external: bool
) -> VirtualServer:
    local = plan.policy.external_local if external else plan.policy.internal_local
    # syncEndpoint: a Local policy without local endpoints falls back to the Cluster ones
    # (kubernetes/kubernetes#97081, so that local pods still get through).
    servers = plan.categories.local if local and plan.categories.local else plan.categories.cluster
    svc = plan.service
    return VirtualServer(
        protocol=plan.port.protocol,
        ip=ip,
        port=port,
        scheduler=state.config.ipvs_scheduler,
        persistence=svc.affinity_timeout if svc.session_affinity == "ClientIP" else None,
        real_servers=servers,
    )


def virtual_servers(state: ClusterState, node: Node) -> list[VirtualServer]:
    servers = []
    for plan in node_plans(state, node):
        svc, number = plan.service, plan.port.port
        servers.append(virtual_server(state, plan, svc.cluster_ip, number, external=False))
        for ip in (*svc.external_ips, *plan.lb_vips):
            servers.append(virtual_server(state, plan, ip, number, external=True))
        if plan.port.node_port and node.internal_ip:
            servers.append(
                virtual_server(state, plan, node.internal_ip, plan.port.node_port, external=True)
            )
    return sorted(servers, key=VirtualServer.sort_key)


def listing(state: ClusterState, node: Node, ipvs: IpvsState | None = None) -> str:
    lines = list(HEADER)
    for vs in virtual_servers(state, node):
        lines.append(vs.text)
        dests = sorted(vs.real_servers, key=lambda e: (int(ipaddress.ip_address(e.ip)), e.port))
        for ep in dests:
            active = ipvs.active.get((node.name, vs.text, ep.address), 0) if ipvs else 0
            lines.append(f"  -> {ep.address:<28} {'Masq':<7} {1:<6} {active:<10} {0:<10}")
    return "\n".join(lines) + "\n"
