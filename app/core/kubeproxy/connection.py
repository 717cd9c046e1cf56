"""What kube-proxy's rules on one node do to one new connection.

The decision tree is syncProxyRules' (pkg/proxy/iptables/proxier.go, nftables/proxier.go,
ipvs/proxier.go) read as a packet would traverse it: firewall (loadBalancerSourceRanges),
"no endpoints" REJECT, "no local endpoints" DROP, the policy chain, session affinity, the
random or scheduled endpoint choice (endpointchoice.py), then DNAT and (maybe) masquerade.

The answer is a Decision value: the rules traversed and why, then a failure or the Dnat. It
knows nothing of the network around the node; app.core.network turns it into hops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.core.kubeproxy.balancing import IpvsConnection
from app.core.kubeproxy.endpointcache import ProxyEndpoint
from app.core.kubeproxy.endpointchoice import EndpointChoice, Kernel, Offer, choose
from app.core.kubeproxy.ipvs import virtual_server
from app.core.kubeproxy.nftables import external_chain, firewall_chain, local_chain, service_chain
from app.core.kubeproxy.plan import PortPlan, plan_port
from app.core.model.objects import ClusterState, Node, Service, ServicePort


@dataclass(frozen=True)
class NewConnection:
    """A new connection that has reached a node, addressed to a Service: how it is addressed
    ("cluster-ip", "node-port", "external-ip" or "load-balancer"), the Service port, the
    virtual address and port, and its source IP."""

    entry: str
    service: Service
    port: ServicePort
    vip: str
    vport: int
    src_ip: str


@dataclass(frozen=True)
class Dnat:
    """Where the rules sent the connection: the endpoint, the packet's source after any SNAT,
    the rule that chose and why (with what NAT did), every alternative with its chance, and
    the IPVS connection now counted active (None outside IPVS or without IPVS state)."""

    service_port: str
    endpoint: ProxyEndpoint
    source: str
    rule: str
    probability: float
    reason: str
    choices: tuple[tuple[str, float], ...]
    started: IpvsConnection | None = None


@dataclass(frozen=True)
class Decision:
    """What kube-proxy's rules on one node did to one new connection: the rules it traversed
    and why, then either a failure (`outcome` "dropped" or "rejected") or a Dnat."""

    rule: str
    reason: str
    outcome: str = ""
    dnat: Dnat | None = None
    instead: str = ""
    """For a failure: what would work instead (another node, policy or endpoint)."""


@dataclass(frozen=True)
class _Verdict:
    """Either a failure (outcome set) or the endpoints to balance over and whether to SNAT."""

    rule: str
    reason: str
    outcome: str = ""
    endpoints: tuple[ProxyEndpoint, ...] = ()
    local_chain: bool = False
    masquerade: bool = False
    instead: str = ""


def source_class(in_pod_cidr: Callable[[str], bool], node: Node, src_ip: str) -> str:
    """The source as the masquerade rules see it: "pod", "local" (this node) or "remote"."""
    if in_pod_cidr(src_ip):
        return "pod"
    local = src_ip == node.internal_ip or src_ip.startswith("127.")
    return "local" if local else "remote"


def _fail(mode: str, table: str, comment: str, target: str, why: str, instead: str) -> _Verdict:
    outcome = "rejected" if target == "REJECT" else "dropped"
    if mode == "nftables":
        verdict = "goto reject-chain" if target == "REJECT" else "drop"
        rule = f"{table}: {verdict} ({comment})"
    else:
        rule = f'filter {table} -m comment --comment "{comment}" -j {target}'
    return _Verdict(rule, why, outcome, instead=instead)


NO_ENDPOINTS = (
    "Give the Service ready endpoints: a selector that matches running pods in its namespace "
    "whose readiness probes pass (compare the pods' labels with the selector), or scale its "
    "Deployment above zero."
)
"""kube-proxy REJECTs a Service with no usable endpoints (pkg/proxy/iptables/proxier.go,
"has no endpoints"); only endpoints can change that."""


def _endpoint_nodes(p: PortPlan) -> str:
    """The nodes that hold a ready endpoint of the port, for "send to one of these"."""
    names = sorted({e.node_name for e in p.endpoints if e.ready and e.node_name})
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    return shown or "none"


def _local_instead(p: PortPlan, field: str) -> str:
    where = "from a pod or process on" if field == "internalTrafficPolicy" else "to"
    lost = "" if field == "internalTrafficPolicy" else " (the client IP is then lost to SNAT)"
    return (
        f"Send {where} a node that runs an endpoint ({_endpoint_nodes(p)}), or set "
        f"{field}: Cluster so every node forwards to any endpoint{lost}."
    )


def _internal(p: PortPlan, mode: str, src: str) -> _Verdict:
    spn = p.spn
    table = "service-endpoints-check" if mode == "nftables" else "KUBE-SERVICES"
    if not p.has_endpoints:
        return _fail(
            mode,
            table,
            f"{spn} has no endpoints",
            "REJECT",
            f"{spn} has no ready endpoints, so the connection is refused at once.",
            NO_ENDPOINTS,
        )
    if not p.has_internal_endpoints:
        return _fail(
            mode,
            table,
            f"{spn} has no local endpoints",
            "DROP",
            "internalTrafficPolicy is Local and no endpoint runs on this node, so "
            "the packet is dropped and the client times out.",
            _local_instead(p, "internalTrafficPolicy"),
        )
    chain = local_chain(p) if p.policy.internal_local else service_chain(p)
    rule = f"services → {chain}" if mode == "nftables" else (f"KUBE-SERVICES → {p.internal_chain}")
    masq = src != "pod"
    why = f"kube-proxy matches the ClusterIP of {spn}" + (
        "; traffic not from the pod network is marked for masquerade." if masq else "."
    )
    return _Verdict(
        rule,
        why,
        endpoints=p.internal_endpoints,
        local_chain=p.policy.internal_local,
        masquerade=masq,
    )


def _firewall(p: PortPlan, mode: str, entry: str, src_ip: str, node: Node) -> _Verdict | None:
    """loadBalancerSourceRanges: KUBE-PROXY-FIREWALL (iptables) or firewall-check (nftables)
    drops a load balancer's packet from a source outside the ranges."""
    spn, nft = p.spn, mode == "nftables"
    fw_used = (bool(p.lb_vips) and bool(p.source_ranges)) if nft else p.uses_fw_chain
    if entry != "load-balancer" or not fw_used or p.source_allowed(src_ip, node.internal_ip):
        return None
    rule = (
        f"firewall-check: {firewall_chain(p)} (ip saddr != {{ {', '.join(p.source_ranges)} }} drop)"
        if nft
        else f'filter KUBE-PROXY-FIREWALL -m comment --comment "{spn} traffic not accepted '
        f'by {p.fw_chain}" -j DROP'
    )
    return _Verdict(
        rule,
        f"{src_ip} is outside loadBalancerSourceRanges "
        f"({', '.join(p.source_ranges)}), so the packet is dropped.",
        "dropped",
        instead=f"Send from an address inside {', '.join(p.source_ranges)}, or add the "
        "client's range to loadBalancerSourceRanges.",
    )


def _external_head(p: PortPlan, nft: bool, entry: str) -> str:
    """The chains an external packet passes before the Service's external chain."""
    if nft:
        return "services → service-nodeports" if entry == "node-port" else "services → service-ips"
    head = {
        "node-port": "KUBE-SERVICES → KUBE-NODEPORTS",
        "external-ip": "KUBE-SERVICES",
        "load-balancer": "KUBE-SERVICES",
    }[entry]
    if entry == "load-balancer" and p.uses_fw_chain:
        head += f" → {p.fw_chain}"
    return head


def _external(p: PortPlan, mode: str, entry: str, src: str, src_ip: str, node: Node) -> _Verdict:
    spn, nft = p.spn, mode == "nftables"
    dropped = _firewall(p, mode, entry, src_ip, node)
    if dropped is not None:
        return dropped
    table = (
        ("nodeport-endpoints-check" if entry == "node-port" else "service-endpoints-check")
        if nft
        else "KUBE-EXTERNAL-SERVICES"
    )
    if not p.has_endpoints:
        return _fail(
            mode,
            table,
            f"{spn} has no endpoints",
            "REJECT",
            f"{spn} has no ready endpoints anywhere, so the connection is refused.",
            NO_ENDPOINTS,
        )
    head = _external_head(p, nft, entry)
    ext = external_chain(p) if nft else p.ext_chain
    if not p.policy.external_local:
        svc = service_chain(p) if nft else p.svc_chain
        return _Verdict(
            f"{head} → {ext} → {svc}",
            "externalTrafficPolicy is Cluster: the packet is marked for masquerade "
            "(the client IP is lost) and may go to an endpoint on any node.",
            endpoints=p.categories.cluster,
            masquerade=True,
        )
    svc = service_chain(p) if nft else p.svc_chain
    if src in ("pod", "local"):
        who = "a pod" if src == "pod" else "this node itself"
        return _Verdict(
            f"{head} → {ext} → {svc}",
            f"The connection comes from {who}, so kube-proxy short-circuits it to "
            "the Cluster endpoints, as if it had gone out to the load balancer "
            "and come back.",
            endpoints=p.categories.cluster,
            masquerade=src == "local",
        )
    if not p.has_external_endpoints:
        return _fail(
            mode,
            table,
            f"{spn} has no local endpoints",
            "DROP",
            f"externalTrafficPolicy is Local and {node.name} runs no endpoint of "
            f"{spn}, so the packet is dropped (the client times out).",
            _local_instead(p, "externalTrafficPolicy"),
        )
    local = local_chain(p) if nft else p.svl_chain
    return _Verdict(
        f"{head} → {ext} → {local}",
        "externalTrafficPolicy is Local: only this node's endpoints are used and "
        "the client IP is preserved (no SNAT).",
        endpoints=p.categories.local,
        local_chain=True,
    )


def _ipvs_verdict(
    state: ClusterState, p: PortPlan, conn: NewConnection, src: str, node: Node
) -> _Verdict:
    entry, src_ip, vip = conn.entry, conn.src_ip, conn.vip
    external = entry != "cluster-ip"
    vs = virtual_server(state, p, vip, conn.vport, external)
    if (
        external
        and entry == "load-balancer"
        and p.source_ranges
        and not p.source_allowed(src_ip, node.internal_ip)
    ):
        return _Verdict(
            f"KUBE-LOAD-BALANCER-SOURCE-CIDR ipset miss for {vs.text}",
            f"{src_ip} is outside loadBalancerSourceRanges, so the packet is dropped.",
            "dropped",
            instead=f"Send from an address inside {', '.join(p.source_ranges)}, or add the "
            "client's range to loadBalancerSourceRanges.",
        )
    if not vs.real_servers:
        return _Verdict(
            f"IPVS virtual server {vs.text} (no real servers)",
            f"The virtual server for {p.spn} on {node.name} has no real servers "
            "(no usable endpoints for this traffic policy here); IPVS answers "
            "ICMP port unreachable.",
            "rejected",
            instead=NO_ENDPOINTS
            if not p.has_endpoints
            else _local_instead(
                p, "externalTrafficPolicy" if external else "internalTrafficPolicy"
            ),
        )
    local = p.policy.external_local if external else p.policy.internal_local
    if external and local and not p.categories.local and src != "pod":
        return _Verdict(
            f"IPVS virtual server {vs.text} (no local real servers: all endpoints, no SNAT)",
            f"{node.name} has no local endpoint, so IPVS falls back to every endpoint "
            "(kubernetes#97081, meant for local pods) but, the policy being Local, does not "
            "masquerade: the reply comes from the pod's address, the client discards it and "
            "times out.",
            "dropped",
            instead=_local_instead(p, "externalTrafficPolicy"),
        )
    masq = (src != "pod") if not external else (src == "local" or not p.policy.external_local)
    return _Verdict(
        f"IPVS virtual server {vs.text}",
        f"{vip} is bound to kube-ipvs0 on {node.name}, so the kernel's IPVS "
        f"virtual server for {p.spn} takes the connection.",
        endpoints=vs.real_servers,
        masquerade=masq,
    )


def decide(
    state: ClusterState,
    node: Node,
    conn: NewConnection,
    *,
    in_pod_cidr: Callable[[str], bool],
    kernel: Kernel,
) -> Decision:
    """Apply the rules kube-proxy wrote on `node` to `conn`; `in_pod_cidr` says whether an
    address is a pod's (the masquerade rules treat pod traffic apart)."""
    p = plan_port(state, conn.service, conn.port, node)
    src = source_class(in_pod_cidr, node, conn.src_ip)
    mode = state.config.proxy_mode
    if mode == "ipvs":
        v = _ipvs_verdict(state, p, conn, src, node)
    elif conn.entry == "cluster-ip":
        v = _internal(p, mode, src)
    else:
        v = _external(p, mode, conn.entry, src, conn.src_ip, node)
    if v.outcome:
        return Decision(v.rule, v.reason, v.outcome, instead=v.instead)
    offer = Offer(v.endpoints, v.local_chain, node, conn.entry, conn.src_ip, conn.vip, conn.vport)
    choice = choose(state, kernel, p, offer)
    return Decision(v.rule, v.reason, dnat=_dnat(p, v, node, conn.src_ip, choice))


def _dnat(p: PortPlan, v: _Verdict, node: Node, src_ip: str, choice: EndpointChoice) -> Dnat:
    """DNAT to the chosen endpoint, then masquerade when the rules marked the packet or the
    pod reached itself (hairpin: KUBE-SEP's `-s <endpoint ip> -j KUBE-MARK-MASQ`)."""
    i, prob = choice.index, choice.probability
    ep = v.endpoints[i]
    hairpin = ep.ip == src_ip
    snat = v.masquerade or hairpin
    new_src = node.internal_ip if snat else src_ip
    nat = f"DNAT to {ep.address}" + (
        f", then masquerade to {node.internal_ip}"
        + (" (hairpin: the pod reached itself)" if hairpin and not v.masquerade else "")
        if snat
        else "; the source IP is kept"
    )
    choices = tuple(
        (e.address, (1.0 if k == i else 0.0) if prob == 1.0 else prob)
        for k, e in enumerate(v.endpoints)
    )
    return Dnat(
        p.spn, ep, new_src, choice.rule, prob, f"{choice.reason} {nat}.", choices, choice.started
    )
