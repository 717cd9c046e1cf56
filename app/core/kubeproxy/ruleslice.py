"""The lines of one node's kube-proxy rules that concern one Service.

A node's full `iptables-save` runs to hundreds of lines; a learner inspecting `default/web`
wants the few that implement it. The slice keeps every line that names the Service (its
comment, or an nftables chain named after it) or one of its addresses, then every line that
mentions a chain those lines defined or jumped to (KUBE-SVC-…, KUBE-SEP-…), in original order.
IPVS listings are cut by virtual server blocks instead.
"""

from __future__ import annotations

import re

from app.core.model.objects import Service

KUBE_CHAIN = re.compile(r"KUBE-(?:SVC|SVL|EXT|FW|SEP|XLB)-[A-Z0-9]{16}")


def _address_pattern(svc: Service) -> re.Pattern[str]:
    addresses = [a for a in (svc.cluster_ip, *svc.load_balancer_ingress, *svc.external_ips) if a]
    addresses = [a for a in addresses if a != "None"]
    names = [re.escape(svc.key) + r"(?=[:/ \"]|$)"]
    ips = [r"(?<![\d.])" + re.escape(ip) + r"(?![\d.])" for ip in addresses]
    return re.compile("|".join(names + ips))


def service_rules(text: str, svc: Service, *, ipvs: bool = False) -> str:
    """The rules of `text` (one node's listing) that implement `svc`; "" when none do."""
    lines = text.splitlines()
    if ipvs:
        return _ipvs_blocks(lines, svc)
    pattern = _address_pattern(svc)
    direct = [i for i, line in enumerate(lines) if pattern.search(line)]
    chains = {name for i in direct for name in KUBE_CHAIN.findall(lines[i])}
    keep = set(direct)
    if chains:
        keep |= {
            i
            for i, line in enumerate(lines)
            if any(name in line for name in KUBE_CHAIN.findall(line) if name in chains)
        }
    return "\n".join(lines[i] for i in sorted(keep))


def _ipvs_blocks(lines: list[str], svc: Service) -> str:
    ports = {p.port for p in svc.ports}
    node_ports = {p.node_port for p in svc.ports if p.node_port}
    virtuals = {svc.cluster_ip, *svc.load_balancer_ingress, *svc.external_ips}
    kept: list[str] = []
    keeping = False
    for line in lines:
        if line.startswith(("TCP", "UDP", "SCTP")):
            host, _, port = line.split()[1].rpartition(":")
            number = int(port) if port.isdigit() else -1
            keeping = (host in virtuals and number in ports) or number in node_ports
        elif not line.startswith(" "):
            keeping = False
        if keeping:
            kept.append(line)
    return "\n".join(kept)
