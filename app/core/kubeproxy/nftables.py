"""kube-proxy's nftables mode (v1.33-v1.35 form): the `ip kube-proxy` table it programs.

A port of setupNFTables and syncProxyRules in pkg/proxy/nftables/proxier.go, printed as the
knftables transaction (`nft -f` input) that upstream's proxier_test.go compares against.
v1.33 facts kept here: filter chains hook at priority dstnat-10 (the move to priority 0
came with v1.34's kubernetes/kubernetes#132456), the ClusterIP masquerade rule matches
`ip daddr … <proto> dport …`, every service chain dispatches with `numgen random mod N vmap`
(v1.36 folds endpoint chains into a DNAT map), and --nodeport-addresses defaults to
`primary`, so NodePorts answer on the node's primary IP only, never on 127.0.0.1.
"""

from __future__ import annotations

from app.core.kubeproxy.plan import PortPlan, in_cidr, node_plans
from app.core.model.objects import ClusterState, Node

MASQ_MARK = "0x4000"
BASE_CHAINS = [
    ("filter-prerouting", "filter", "prerouting", -110),
    ("filter-input", "filter", "input", -110),
    ("filter-forward", "filter", "forward", -110),
    ("filter-output", "filter", "output", -110),
    ("filter-output-post-dnat", "filter", "output", -90),
    ("nat-prerouting", "nat", "prerouting", -100),
    ("nat-output", "nat", "output", -100),
    ("nat-postrouting", "nat", "postrouting", 100),
]
JUMP_CHAINS = [
    ("nodeport-endpoints-check", "filter-input", "ct state new"),
    ("service-endpoints-check", "filter-input", "ct state new"),
    ("service-endpoints-check", "filter-forward", "ct state new"),
    ("service-endpoints-check", "filter-output", "ct state new"),
    ("firewall-check", "filter-prerouting", "ct state new"),
    ("firewall-check", "filter-output", "ct state new"),
    ("services", "nat-output", ""),
    ("services", "nat-prerouting", ""),
    ("masquerading", "nat-postrouting", ""),
    ("cluster-ips-check", "filter-forward", "ct state new"),
    ("cluster-ips-check", "filter-output-post-dnat", "ct state new"),
]
VERDICT_KEY = "ipv4_addr . inet_proto . inet_service : verdict"


class _Tx:
    def __init__(self, family: str = "ip", table: str = "kube-proxy") -> None:
        self.prefix = f"{family} {table}"
        self.lines: list[str] = []

    def add(self, kind: str, rest: str) -> None:
        self.lines.append(f"add {kind} {self.prefix} {rest}")

    def rule(self, chain: str, rule: str, comment: str = "") -> None:
        self.add("rule", f"{chain} {rule}" + (f' comment "{comment}"' if comment else ""))

    def element(self, container: str, key: str, value: str = "", comment: str = "") -> None:
        body = key + (f' comment "{comment}"' if comment else "") + (f" : {value}" if value else "")
        self.add("element", f"{container} {{ {body} }}")

    def blank(self) -> None:
        self.lines.append("")


def _setup(tx: _Tx, state: ClusterState, node: Node) -> None:
    tx.add("table", '{ comment "rules for kube-proxy" ; }')
    tx.blank()
    for name, kind, hook, priority in BASE_CHAINS:
        tx.add("chain", f"{name} {{ type {kind} hook {hook} priority {priority} ; }}")
    for chain in dict.fromkeys(
        [c for c, _, _ in JUMP_CHAINS]
        + ["services", "cluster-ips-check", "masquerading", "mark-for-masquerade"]
    ):
        tx.add("chain", chain)
    tx.add(
        "chain",
        'reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }',
    )
    tx.blank()
    for dst, src, extra in JUMP_CHAINS:
        tx.rule(src, f"{extra} jump {dst}".strip())
    tx.rule("mark-for-masquerade", f"mark set mark or {MASQ_MARK}")
    tx.rule("masquerading", f"mark and {MASQ_MARK} == 0 return")
    tx.rule("masquerading", f"mark set mark xor {MASQ_MARK}")
    tx.rule("masquerading", "masquerade fully-random")
    tx.blank()
    tx.add("set", 'cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }')
    tx.rule(
        "cluster-ips-check",
        "ip daddr @cluster-ips reject",
        "Reject traffic to invalid ports of ClusterIPs",
    )
    tx.rule(
        "cluster-ips-check",
        f"ip daddr {{ {state.config.service_cidr} }} drop",
        "Drop traffic to unallocated ClusterIPs",
    )
    tx.add("set", 'nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }')
    tx.element("nodeport-ips", node.internal_ip)
    tx.add(
        "map",
        f'no-endpoint-services {{ type {VERDICT_KEY} ; comment "vmap to drop or '
        'reject packets to services with no endpoints" ; }',
    )
    tx.add(
        "map",
        "no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "
        '"vmap to drop or reject packets to service nodeports with no endpoints" ; }',
    )
    tx.rule("reject-chain", "reject")
    tx.rule(
        "service-endpoints-check", "ip daddr . meta l4proto . th dport vmap @no-endpoint-services"
    )
    tx.rule(
        "nodeport-endpoints-check",
        "ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports",
    )
    tx.add(
        "map",
        f'firewall-ips {{ type {VERDICT_KEY} ; comment "destinations that are '
        'subject to LoadBalancerSourceRanges" ; }',
    )
    tx.rule("firewall-check", "ip daddr . meta l4proto . th dport vmap @firewall-ips")
    tx.add(
        "map",
        f'service-ips {{ type {VERDICT_KEY} ; comment "ClusterIP, ExternalIP and '
        'LoadBalancer IP traffic" ; }',
    )
    tx.add(
        "map",
        "service-nodeports { type inet_proto . inet_service : verdict ; comment "
        '"NodePort traffic" ; }',
    )
    tx.rule("services", "ip daddr . meta l4proto . th dport vmap @service-ips")
    tx.rule("services", "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports")


def service_chain(p: PortPlan) -> str:
    return "service-" + p.nft_base


def local_chain(p: PortPlan) -> str:
    return "local-" + p.nft_base


def external_chain(p: PortPlan) -> str:
    return "external-" + p.nft_base


def firewall_chain(p: PortPlan) -> str:
    return "firewall-" + p.nft_base


def internal_chain(p: PortPlan) -> str:
    return local_chain(p) if p.policy.internal_local else service_chain(p)


def uses_fw_chain(p: PortPlan) -> bool:
    """Unlike iptables, nftables filters by source range even without endpoints."""
    return bool(p.lb_vips) and bool(p.source_ranges)


def _service_port(tx: _Tx, p: PortPlan, cidr: str, node_ip: str) -> None:
    """One service port's sets, chains and map elements, in syncProxyRules' order."""
    tx.blank()
    tx.lines.append(f"# {p.spn}")
    if _sticky(p):
        for ep in p.categories.reachable:
            tx.add(
                "set",
                f"affinity-{p.nft_endpoint_base(ep)} {{ type ipv4_addr ; flags dynamic,timeout ; "
                f"timeout {p.service.affinity_timeout}s ; }}",
            )
    _policy_chains(tx, p, cidr)
    _external_chain(tx, p, cidr)
    for ep in p.categories.reachable:
        chain = f"endpoint-{p.nft_endpoint_base(ep)}"
        tx.add("chain", chain)
        tx.rule(chain, f"ip saddr {ep.ip} jump mark-for-masquerade")
        if _sticky(p):
            tx.rule(chain, f"update @affinity-{p.nft_endpoint_base(ep)} {{ ip saddr }}")
        tx.rule(chain, f"meta l4proto {p.protocol} dnat to {ep.address}")
    if uses_fw_chain(p):
        fw = firewall_chain(p)
        tx.add("chain", fw)
        # proxier.go syncProxyRules (usesFWChain): a range holding the node's IP also admits
        # the LB IPs (allowFromNode); knftables.Concat joins the items and "," with spaces.
        sources = list(p.source_ranges)
        if node_ip and any(in_cidr(node_ip, r) for r in p.source_ranges):
            sources += p.lb_vips
        tx.rule(fw, f"ip saddr != {{ {' , '.join(sources)} }} drop")
    _map_elements(tx, p)


def _sticky(p: PortPlan) -> bool:
    return p.service.session_affinity == "ClientIP"


def _policy_chains(tx: _Tx, p: PortPlan, cidr: str) -> None:
    """service-… and local-…: masquerade off-cluster sources of the internal chain, the
    affinity checks, then numgen's pick."""
    for chain, used in (
        (service_chain(p), p.uses_cluster_chain),
        (local_chain(p), p.uses_local_chain),
    ):
        if not used:
            continue
        tx.add("chain", chain)
        if chain == internal_chain(p) and p.has_internal_endpoints:
            tx.rule(
                chain,
                f"ip daddr {p.service.cluster_ip} {p.protocol} dport {p.port.port} "
                f"ip saddr != {cidr} jump mark-for-masquerade",
            )
        eps = p.categories.cluster if chain == service_chain(p) else p.categories.local
        if _sticky(p):
            for ep in eps:
                base = p.nft_endpoint_base(ep)
                tx.rule(chain, f"ip saddr @affinity-{base} goto endpoint-{base}")
        vmap = " , ".join(
            f"{i} : goto endpoint-{p.nft_endpoint_base(ep)}" for i, ep in enumerate(eps)
        )
        tx.rule(chain, f"numgen random mod {len(eps)} vmap {{ {vmap} }}")


def _external_chain(tx: _Tx, p: PortPlan, cidr: str) -> None:
    """external-…: masquerade (Cluster policy) or short-circuit pods and the node itself
    (Local policy), then the policy chain."""
    if not p.uses_external_chain:
        return
    ext = external_chain(p)
    tx.add("chain", ext)
    if not p.policy.external_local:
        tx.rule(ext, "jump mark-for-masquerade")
    else:
        tx.rule(ext, f"ip saddr {cidr} goto {service_chain(p)}", "short-circuit pod traffic")
        tx.rule(ext, "fib saddr type local jump mark-for-masquerade", "masquerade local traffic")
        tx.rule(ext, f"fib saddr type local goto {service_chain(p)}", "short-circuit local traffic")
    if p.has_external_endpoints:
        policy = local_chain(p) if p.policy.external_local else service_chain(p)
        tx.rule(ext, f"goto {policy}")


def _map_elements(tx: _Tx, p: PortPlan) -> None:
    """The port's elements in the shared maps: service-ips, firewall-ips, service-nodeports,
    and the no-endpoint maps (reject when there are no endpoints, else drop)."""
    svc, proto, port, ext = p.service, p.protocol, p.port.port, external_chain(p)
    verdict = "goto reject-chain" if not p.has_endpoints else "drop"
    key = f"{svc.cluster_ip} . {proto} . {port}"
    tx.element("cluster-ips", svc.cluster_ip)
    if p.has_internal_endpoints:
        tx.element("service-ips", key, f"goto {internal_chain(p)}")
    else:
        tx.element("no-endpoint-services", key, verdict, p.spn)
    for ip in svc.external_ips:
        if p.has_endpoints:
            tx.element("service-ips", f"{ip} . {proto} . {port}", f"goto {ext}")
        if not p.has_external_endpoints:
            tx.element("no-endpoint-services", f"{ip} . {proto} . {port}", verdict, p.spn)
    for ip in p.lb_vips:
        if p.has_endpoints:
            tx.element("service-ips", f"{ip} . {proto} . {port}", f"goto {ext}")
        if uses_fw_chain(p):
            tx.element("firewall-ips", f"{ip} . {proto} . {port}", f"goto {firewall_chain(p)}")
    if not p.has_external_endpoints:
        for ip in p.lb_vips:
            tx.element("no-endpoint-services", f"{ip} . {proto} . {port}", verdict, p.spn)
    if p.port.node_port:
        if p.has_endpoints:
            tx.element("service-nodeports", f"{proto} . {p.port.node_port}", f"goto {ext}")
        if not p.has_external_endpoints:
            tx.element("no-endpoint-nodeports", f"{proto} . {p.port.node_port}", verdict, p.spn)


def ruleset(state: ClusterState, node: Node) -> str:
    tx = _Tx()
    tx.lines.append(f"# Generated by svcscope (kube-proxy v1.33, nftables mode) on {node.name}")
    _setup(tx, state, node)
    for plan in node_plans(state, node):
        _service_port(tx, plan, state.config.pod_cidr, node.internal_ip)
    return "\n".join(tx.lines) + "\n"
