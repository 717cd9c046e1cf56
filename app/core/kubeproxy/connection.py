"""What kube-proxy's rules on one node do to one new connection.

The decision tree is syncProxyRules' (pkg/proxy/iptables/proxier.go, nftables/proxier.go,
ipvs/proxier.go) read as a packet would traverse it: firewall (loadBalancerSourceRanges),
"no endpoints" REJECT, "no local endpoints" DROP, the policy chain, session affinity, the
random or scheduled endpoint choice, then DNAT and (maybe) masquerade.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.kubeproxy.balancing import ipvs_schedule
from app.core.kubeproxy.endpointcache import ProxyEndpoint
from app.core.kubeproxy.ipvs import virtual_server
from app.core.kubeproxy.nftables import external_chain, firewall_chain, local_chain, service_chain
from app.core.kubeproxy.plan import PortPlan, plan_port
from app.core.model.objects import Node, Service, ServicePort
from app.core.network.path import Path, Walk, deliver

SOURCE_WORDS = {
    "pod": "a pod IP (inside the cluster CIDR)",
    "local": "this node's own address",
    "remote": "an address outside this node and the pod network",
}


@dataclass(frozen=True)
class _Verdict:
    """Either a failure (outcome set) or the endpoints to balance over and whether to SNAT."""

    rule: str
    reason: str
    outcome: str = ""
    endpoints: tuple[ProxyEndpoint, ...] = ()
    local_chain: bool = False
    masquerade: bool = False


def source_class(walk: Walk, node: Node, src_ip: str) -> str:
    if walk.index.in_pod_cidr(src_ip):
        return "pod"
    local = src_ip == node.internal_ip or src_ip.startswith("127.")
    return "local" if local else "remote"


def _fail(p: PortPlan, walk: Walk, table: str, comment: str, target: str, why: str) -> _Verdict:
    outcome = "rejected" if target == "REJECT" else "dropped"
    if walk.mode == "nftables":
        verdict = "goto reject-chain" if target == "REJECT" else "drop"
        rule = f"{table}: {verdict} ({comment})"
    else:
        rule = f'filter {table} -m comment --comment "{comment}" -j {target}'
    return _Verdict(rule, why, outcome)


def _internal(p: PortPlan, walk: Walk, src: str) -> _Verdict:
    spn = p.spn
    table = "service-endpoints-check" if walk.mode == "nftables" else "KUBE-SERVICES"
    if not p.has_endpoints:
        return _fail(
            p,
            walk,
            table,
            f"{spn} has no endpoints",
            "REJECT",
            f"{spn} has no ready endpoints, so the connection is refused at once.",
        )
    if not p.has_internal_endpoints:
        return _fail(
            p,
            walk,
            table,
            f"{spn} has no local endpoints",
            "DROP",
            "internalTrafficPolicy is Local and no endpoint runs on this node, so "
            "the packet is dropped and the client times out.",
        )
    chain = local_chain(p) if p.policy.internal_local else service_chain(p)
    rule = (
        f"services → {chain}"
        if walk.mode == "nftables"
        else (f"KUBE-SERVICES → {p.internal_chain}")
    )
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


def _external(p: PortPlan, walk: Walk, entry: str, src: str, src_ip: str, node: Node) -> _Verdict:
    spn, nft = p.spn, walk.mode == "nftables"
    fw_used = (bool(p.lb_vips) and bool(p.source_ranges)) if nft else p.uses_fw_chain
    if entry == "load-balancer" and fw_used and not p.source_allowed(src_ip, node.internal_ip):
        rule = (
            f"firewall-check: {firewall_chain(p)} (ip saddr != {{ "
            f"{', '.join(p.source_ranges)} }} drop)"
            if nft
            else f'filter KUBE-PROXY-FIREWALL -m comment --comment "{spn} traffic not accepted '
            f'by {p.fw_chain}" -j DROP'
        )
        return _Verdict(
            rule,
            f"{src_ip} is outside loadBalancerSourceRanges "
            f"({', '.join(p.source_ranges)}), so the packet is dropped.",
            "dropped",
        )
    table = (
        ("nodeport-endpoints-check" if entry == "node-port" else "service-endpoints-check")
        if nft
        else "KUBE-EXTERNAL-SERVICES"
    )
    if not p.has_endpoints:
        return _fail(
            p,
            walk,
            table,
            f"{spn} has no endpoints",
            "REJECT",
            f"{spn} has no ready endpoints anywhere, so the connection is refused.",
        )
    head = {
        "node-port": "KUBE-SERVICES → KUBE-NODEPORTS",
        "external-ip": "KUBE-SERVICES",
        "load-balancer": "KUBE-SERVICES",
    }[entry]
    if entry == "load-balancer" and p.uses_fw_chain:
        head += f" → {p.fw_chain}"
    if nft:
        head = "services → service-nodeports" if entry == "node-port" else "services → service-ips"
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
            p,
            walk,
            table,
            f"{spn} has no local endpoints",
            "DROP",
            f"externalTrafficPolicy is Local and {node.name} runs no endpoint of "
            f"{spn}, so the packet is dropped (the client times out).",
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
    p: PortPlan, walk: Walk, entry: str, src: str, src_ip: str, node: Node, vip: str, vport: int
) -> _Verdict:
    external = entry != "cluster-ip"
    vs = virtual_server(walk.state, p, vip, vport, external)
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
        )
    if not vs.real_servers:
        return _Verdict(
            f"IPVS virtual server {vs.text} (no real servers)",
            f"The virtual server for {p.spn} on {node.name} has no real servers "
            "(no usable endpoints for this traffic policy here); IPVS answers "
            "ICMP port unreachable.",
            "rejected",
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
        )
    masq = (src != "pod") if not external else (src == "local" or not p.policy.external_local)
    return _Verdict(
        f"IPVS virtual server {vs.text}",
        f"{vip} is bound to kube-ipvs0 on {node.name}, so the kernel's IPVS "
        f"virtual server for {p.spn} takes the connection.",
        endpoints=vs.real_servers,
        masquerade=masq,
    )


def _choose(
    walk: Walk, p: PortPlan, v: _Verdict, node: Node, entry: str, src_ip: str, vip: str, vport: int
) -> tuple[int, float, str, str]:
    """(index, probability, rule, reason) of the endpoint this connection gets."""
    eps, n = v.endpoints, len(v.endpoints)
    svc = p.service
    sticky = svc.session_affinity == "ClientIP"
    timeout = float(svc.affinity_timeout)
    if walk.mode == "ipvs":
        vs = virtual_server(walk.state, p, vip, vport, entry != "cluster-ip")
        dests = [e.address for e in eps]
        if sticky and walk.affinity:
            kept = walk.affinity.ipvs_persistent(node.name, vs.text, src_ip, walk.now, timeout)
            if kept in dests:
                i = dests.index(kept)
                walk.affinity.ipvs_remember(node.name, vs.text, src_ip, kept, walk.now)
                return (
                    i,
                    1.0,
                    f"{vs.text} persistent → {kept}",
                    (f"ClientIP affinity: IPVS persistence keeps {src_ip} on {kept}."),
                )
        random_start = vs.scheduler in ("rr", "wrr") and walk.ipvs is None
        pick = (
            walk.pick("endpoint", n)
            if random_start
            else ipvs_schedule(
                walk.state.config.ipvs_scheduler,
                node.name,
                vs.text,
                vip,
                dests,
                src_ip,
                walk.ipvs,
                walk.rng,
            )
        )
        assert pick is not None  # kube-proxy gives every real server weight 1
        i = pick
        if walk.ipvs is not None:
            walk.ipvs.start(node.name, vs.text, dests[i])
        if sticky and walk.affinity:
            walk.affinity.ipvs_remember(node.name, vs.text, src_ip, dests[i], walk.now)
        random_rr = vs.scheduler in ("rr", "wrr") and walk.ipvs is None
        prob = 1.0 / n if random_rr else 1.0
        return (
            i,
            prob,
            f"{vs.text} → {dests[i]} Masq",
            (
                f"The IPVS {vs.scheduler} scheduler picks {dests[i]}"
                + (
                    " (no round-robin position remembered, so any is equally likely)."
                    if random_rr
                    else "."
                )
            ),
        )
    nft = walk.mode == "nftables"
    chain = (
        (local_chain(p) if v.local_chain else service_chain(p))
        if nft
        else (p.svl_chain if v.local_chain else p.svc_chain)
    )

    def affinity_list(e: ProxyEndpoint) -> str:
        return f"affinity-{p.nft_endpoint_base(e)}" if nft else p.sep_chain(e)

    def target(e: ProxyEndpoint) -> str:
        return f"endpoint-{p.nft_endpoint_base(e)}" if nft else p.sep_chain(e)

    hit = None
    if sticky and walk.affinity:
        lists = [affinity_list(e) for e in eps]
        hit = walk.affinity.sticky_index(node.name, lists, src_ip, walk.now, timeout)
    if hit is not None:
        i, prob = hit, 1.0
        name = affinity_list(eps[i])
        how = "ip saddr @" + name if nft else f"-m recent --name {name} --rcheck"
        rule = f"{chain} {how} → {target(eps[i])}"
        why = (
            f"ClientIP affinity: {src_ip} connected within the last {svc.affinity_timeout}s,"
            f" so it sticks to {eps[i].address}."
        )
    else:
        i = walk.pick("endpoint", n)
        prob = 1.0 / n
        rule = f"{chain} → {target(eps[i])}"
        why = _cascade_text(n, i) if not nft else _numgen_text(n, i)
    if sticky and walk.affinity:
        walk.affinity.remember(node.name, affinity_list(eps[i]), src_ip, walk.now)
    return i, prob, rule, why


def _numgen_text(n: int, i: int) -> str:
    if n == 1:
        return "numgen random mod 1 always yields 0: the only endpoint."
    return f"numgen random mod {n} yielded {i}: each of the {n} endpoints has chance 1/{n}."


def _cascade_text(n: int, i: int) -> str:
    if n == 1:
        return "Only one endpoint: its rule matches unconditionally."
    steps = ", ".join(f"1/{n - k}" for k in range(min(n - 1, 3))) + (", ..." if n > 4 else "")
    return (
        f"The cascade of statistic rules ({steps}, then a catch-all) stopped at rule {i + 1} "
        f"of {n}: each endpoint has chance 1/{n}."
    )


def through_kube_proxy(
    walk: Walk,
    node: Node,
    entry: str,
    svc: Service,
    sp: ServicePort,
    vip: str,
    vport: int,
    src_ip: str,
    arrival: str,
) -> Path:
    """The packet src_ip → vip:vport has reached `node` (`arrival` says how); apply the
    rules kube-proxy wrote there."""
    p = plan_port(walk.state, svc, sp, node)
    src = source_class(walk, node, src_ip)
    if walk.mode == "ipvs":
        v = _ipvs_verdict(p, walk, entry, src, src_ip, node, vip, vport)
    elif entry == "cluster-ip":
        v = _internal(p, walk, src)
    else:
        v = _external(p, walk, entry, src, src_ip, node)
    dst = f"{vip}:{vport}"
    node_note = (
        ""
        if node.ready
        else (
            f" {node.name} is NotReady, but its kube-proxy may still be running, so its rules "
            "still apply."
        )
    )
    walk.hop(
        "node",
        node.name,
        node.name,
        node.internal_ip,
        src_ip,
        dst,
        rule=v.rule,
        reason=f"{arrival} {v.reason}{node_note}",
    )
    if v.outcome:
        return walk.end(v.outcome, v.reason)
    i, prob, rule, why = _choose(walk, p, v, node, entry, src_ip, vip, vport)
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
    choices = [
        (e.address, (1.0 if k == i else 0.0) if prob == 1.0 else prob)
        for k, e in enumerate(v.endpoints)
    ]
    walk.hop(
        "service",
        p.spn,
        node.name,
        dst,
        new_src,
        ep.address,
        rule=rule,
        probability=prob,
        reason=f"{why} {nat}.",
        choices=choices,
    )
    return deliver(walk, node, ep.ip, ep.port, new_src, ep.address)
