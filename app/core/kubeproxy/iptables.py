"""kube-proxy's iptables mode: the restore data of syncProxyRules, and a node's iptables-save.

A line-for-line port of pkg/proxy/iptables/proxier.go (v1.33). Output is ordered as
upstream's proxier_test.go sortIPTablesRules orders it (KUBE-NODEPORTS, KUBE-SERVICES, then
the other chains alphabetically; rules of KUBE-SERVICES / KUBE-NODEPORTS by service name),
because real kube-proxy walks its service map in random order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.kubeproxy import chainnames
from app.core.kubeproxy.endpointcache import ProxyEndpoint
from app.core.kubeproxy.plan import PortPlan, in_cidr, node_plans
from app.core.model.objects import ClusterState, Node

MASQ_MARK = "0x4000"  # 1 << masqueradeBit (14), pkg/proxy/apis/config/v1alpha1/defaults.go
LARGE_CLUSTER_ENDPOINTS = 1000  # largeClusterEndpointsThreshold
NODEPORTS_LAST = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"'


@dataclass
class Table:
    chains: dict[str, list[str]] = field(default_factory=dict)

    def chain(self, name: str) -> None:
        self.chains.setdefault(name, [])

    def add(self, chain: str, *words: str) -> None:
        self.chains.setdefault(chain, []).append(" ".join(w for w in words if w))

    def lines(self, name: str) -> list[str]:
        def order(chain: str) -> tuple[int, str]:
            rank = {"KUBE-NODEPORTS": 0, "KUBE-SERVICES": 1}.get(chain, 2)
            return (rank if chain.startswith("KUBE-") else 3, chain)

        names = sorted(self.chains, key=order)
        out = [f"*{name}"]
        out += [f":{c} - [0:0]" for c in names]
        out += [f"-A {c} {rule}" for c in names for rule in self.chains[c]]
        out.append("COMMIT")
        return out


@dataclass(frozen=True)
class IptablesOptions:
    """The kube-proxy flags and host facts that change the output."""

    localhost_nodeports: bool = True  # --iptables-localhost-nodeports (default true)
    nfacct: bool = True  # the kernel supports nfacct counters (metrics)
    random_fully: bool = True  # iptables >= 1.6.2 supports MASQUERADE --random-fully
    conntrack_tcp_be_liberal: bool = False  # sysctl nf_conntrack_tcp_be_liberal


class _Writer:
    def __init__(self, state: ClusterState, node: Node, opts: IptablesOptions) -> None:
        self.node, self.opts = node, opts
        self.cidr = state.config.pod_cidr
        self.filter, self.nat = Table(), Table()
        self.plans = node_plans(state, node)
        total = sum(len(p.endpoints) for p in self.plans)
        self.large = total > LARGE_CLUSTER_ENDPOINTS

    def comment(self, text: str) -> str:
        return "" if self.large else f"-m comment --comment {text}"

    def write(self) -> list[str]:
        for c in (
            "KUBE-SERVICES",
            "KUBE-EXTERNAL-SERVICES",
            "KUBE-FORWARD",
            "KUBE-NODEPORTS",
            "KUBE-PROXY-FIREWALL",
        ):
            self.filter.chain(c)
        for c in ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"):
            self.nat.chain(c)
        mark = f"{MASQ_MARK}/{MASQ_MARK}"
        self.nat.add("KUBE-POSTROUTING", "-m mark ! --mark", mark, "-j RETURN")
        self.nat.add("KUBE-POSTROUTING", "-j MARK --xor-mark", MASQ_MARK)
        self.nat.add(
            "KUBE-POSTROUTING",
            '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
            "--random-fully" if self.opts.random_fully else "",
        )
        self.nat.add("KUBE-MARK-MASQ", "-j MARK --or-mark", MASQ_MARK)
        if self.opts.localhost_nodeports:
            self.filter.add(
                "KUBE-FIREWALL",
                '-m comment --comment "block incoming localnet connections"',
                "-d 127.0.0.0/8 ! -s 127.0.0.0/8",
                "-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT",
                "-j DROP",
            )
        for plan in self.plans:
            self.service_port(plan)
        dest = "-m addrtype --dst-type LOCAL"
        if not self.opts.localhost_nodeports:
            dest += " ! -d 127.0.0.0/8"
        self.nat.add(
            "KUBE-SERVICES", "-m comment --comment", NODEPORTS_LAST, dest, "-j KUBE-NODEPORTS"
        )
        if not self.opts.conntrack_tcp_be_liberal:
            acct = "-m nfacct --nfacct-name ct_state_invalid_dropped_pkts"
            acct = acct if self.opts.nfacct else ""
            self.filter.add("KUBE-FORWARD", "-m conntrack --ctstate INVALID", acct, "-j DROP")
        self.filter.add(
            "KUBE-FORWARD",
            '-m comment --comment "kubernetes forwarding rules"',
            "-m mark --mark",
            mark,
            "-j ACCEPT",
        )
        self.filter.add(
            "KUBE-FORWARD",
            '-m comment --comment "kubernetes forwarding conntrack rule"',
            "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        )
        return self.filter.lines("filter") + self.nat.lines("nat")

    def service_port(self, p: PortPlan) -> None:
        """One service port: its jumps from the shared chains (the per-port loop of
        syncProxyRules), then its own chains."""
        match = f"-m {p.protocol} -p {p.protocol}"
        port = str(p.port.port)
        # Traffic that has no endpoint to go to: REJECT when the port has none at all, DROP
        # when a Local policy finds none on this node.
        if not p.has_endpoints:
            no_endpoints = ("REJECT", f'"{p.spn} has no endpoints"')
        else:
            no_endpoints = ("DROP", f'"{p.spn} has no local endpoints"')
        self.cluster_ip_rules(p, match, port, no_endpoints)
        self.external_ip_rules(p, match, port, no_endpoints)
        self.load_balancer_rules(p, match, port, no_endpoints)
        if p.port.node_port:
            self.node_port_rules(p, match, no_endpoints)
        svc = p.service
        # NeedsHealthCheck (pkg/api/v1/service): only LoadBalancer + ETP Local.
        if svc.health_check_node_port and svc.type == "LoadBalancer" and p.policy.external_local:
            self.filter.add(
                "KUBE-NODEPORTS",
                f'-m comment --comment "{p.spn} health check node port"',
                "-m tcp -p tcp --dport",
                str(svc.health_check_node_port),
                "-j ACCEPT",
            )
        self.external_chain(p)
        self.firewall_chain(p)
        self.endpoint_chains(p, match, port)

    def _reject(self, chain: str, no_endpoints: tuple[str, str], match: str, *dest: str) -> None:
        target, comment = no_endpoints
        self.filter.add(chain, "-m comment --comment", comment, match, *dest, "-j", target)

    def cluster_ip_rules(
        self, p: PortPlan, match: str, port: str, no_endpoints: tuple[str, str]
    ) -> None:
        ip = p.service.cluster_ip
        if p.has_internal_endpoints:
            self.nat.add(
                "KUBE-SERVICES",
                f'-m comment --comment "{p.spn} cluster IP"',
                match,
                "-d",
                ip,
                "--dport",
                port,
                "-j",
                p.internal_chain,
            )
        else:
            self._reject("KUBE-SERVICES", no_endpoints, match, "-d", ip, "--dport", port)

    def external_ip_rules(
        self, p: PortPlan, match: str, port: str, no_endpoints: tuple[str, str]
    ) -> None:
        for ip in p.service.external_ips:
            if p.has_endpoints:
                self.nat.add(
                    "KUBE-SERVICES",
                    f'-m comment --comment "{p.spn} external IP"',
                    match,
                    "-d",
                    ip,
                    "--dport",
                    port,
                    "-j",
                    p.ext_chain,
                )
            if not p.has_external_endpoints:
                chain = "KUBE-EXTERNAL-SERVICES"
                self._reject(chain, no_endpoints, match, "-d", ip, "--dport", port)

    def load_balancer_rules(
        self, p: PortPlan, match: str, port: str, no_endpoints: tuple[str, str]
    ) -> None:
        lb_chain = p.fw_chain if p.uses_fw_chain else p.ext_chain
        for ip in p.lb_vips:
            if p.has_endpoints:
                self.nat.add(
                    "KUBE-SERVICES",
                    f'-m comment --comment "{p.spn} loadbalancer IP"',
                    match,
                    "-d",
                    ip,
                    "--dport",
                    port,
                    "-j",
                    lb_chain,
                )
            if p.uses_fw_chain:
                self.filter.add(
                    "KUBE-PROXY-FIREWALL",
                    f'-m comment --comment "{p.spn} traffic not accepted by {p.fw_chain}"',
                    match,
                    "-d",
                    ip,
                    "--dport",
                    port,
                    "-j DROP",
                )
        if not p.has_external_endpoints:
            for ip in p.lb_vips:
                chain = "KUBE-EXTERNAL-SERVICES"
                self._reject(chain, no_endpoints, match, "-d", ip, "--dport", port)

    def node_port_rules(self, p: PortPlan, match: str, no_endpoints: tuple[str, str]) -> None:
        node_port = str(p.port.node_port)
        if p.has_endpoints:
            if self.opts.localhost_nodeports and self.opts.nfacct:
                self.nat.add(
                    "KUBE-NODEPORTS",
                    "-m comment --comment",
                    p.spn,
                    match,
                    "-d 127.0.0.0/8 --dport",
                    node_port,
                    "-m nfacct --nfacct-name localhost_nps_accepted_pkts",
                    "-j",
                    p.ext_chain,
                )
            self.nat.add(
                "KUBE-NODEPORTS",
                "-m comment --comment",
                p.spn,
                match,
                "--dport",
                node_port,
                "-j",
                p.ext_chain,
            )
        if not p.has_external_endpoints:
            local = "-m addrtype --dst-type LOCAL"
            target, comment = no_endpoints
            self.filter.add(
                "KUBE-EXTERNAL-SERVICES",
                "-m comment --comment",
                comment,
                local,
                match,
                "--dport",
                node_port,
                "-j",
                target,
            )

    def external_chain(self, p: PortPlan) -> None:
        """KUBE-EXT-…: masquerade (Cluster policy), or let pods and the node itself short-
        circuit to the Cluster endpoints (Local policy), then the policy chain."""
        if not p.uses_external_chain:
            return
        spn, ext = p.spn, p.ext_chain
        self.nat.chain(ext)
        if not p.policy.external_local:
            self.nat.add(
                ext,
                "-m comment --comment",
                f'"masquerade traffic for {spn} external destinations"',
                "-j KUBE-MARK-MASQ",
            )
        else:
            self.nat.add(
                ext,
                "-m comment --comment",
                f'"pod traffic for {spn} external destinations"',
                "-s",
                self.cidr,
                "-j",
                p.svc_chain,
            )
            self.nat.add(
                ext,
                "-m comment --comment",
                f'"masquerade LOCAL traffic for {spn} external destinations"',
                "-m addrtype --src-type LOCAL -j KUBE-MARK-MASQ",
            )
            self.nat.add(
                ext,
                "-m comment --comment",
                f'"route LOCAL traffic for {spn} external destinations"',
                "-m addrtype --src-type LOCAL -j",
                p.svc_chain,
            )
        if p.has_external_endpoints:
            self.nat.add(ext, "-j", p.external_policy_chain)

    def firewall_chain(self, p: PortPlan) -> None:
        """KUBE-FW-…: loadBalancerSourceRanges (and the LB IPs themselves when the node is
        inside them, for hairpin traffic) go on to KUBE-EXT-…; the rest falls through to
        KUBE-PROXY-FIREWALL's DROP."""
        if not p.uses_fw_chain:
            return
        fw = p.fw_chain
        head = f'-m comment --comment "{p.spn} loadbalancer IP"'
        for cidr in p.source_ranges:
            self.nat.add(fw, head, "-s", cidr, "-j", p.ext_chain)
        if self.node.internal_ip and any(
            in_cidr(self.node.internal_ip, c) for c in p.source_ranges
        ):
            for ip in p.lb_vips:
                self.nat.add(fw, head, "-s", ip, "-j", p.ext_chain)
        self.nat.add(
            fw,
            "-m comment --comment",
            f'"other traffic to {p.spn} will be dropped by KUBE-PROXY-FIREWALL"',
        )

    def endpoint_chains(self, p: PortPlan, match: str, port: str) -> None:
        """KUBE-SVC-… (masquerading off-cluster sources), KUBE-SVL-…, and one KUBE-SEP-… per
        reachable endpoint: hairpin masquerade, then DNAT."""
        if p.has_internal_endpoints:
            self.nat.add(
                p.internal_chain,
                f'-m comment --comment "{p.spn} cluster IP"',
                match,
                "-d",
                p.service.cluster_ip,
                "--dport",
                port,
                "! -s",
                self.cidr,
                "-j KUBE-MARK-MASQ",
            )
        if p.uses_cluster_chain:
            self.endpoint_rules(p, p.svc_chain, p.categories.cluster)
        if p.uses_local_chain:
            self.endpoint_rules(p, p.svl_chain, p.categories.local)
        for ep in p.categories.reachable:
            sep = p.sep_chain(ep)
            self.nat.chain(sep)
            head = self.comment(p.spn)
            self.nat.add(sep, head, "-s", ep.ip, "-j KUBE-MARK-MASQ")
            recent = f"-m recent --name {sep} --set" if _sticky(p) else ""
            self.nat.add(
                sep,
                head,
                recent,
                f"-m {p.protocol} -p {p.protocol}",
                "-j DNAT --to-destination",
                ep.address,
            )

    def endpoint_rules(self, p: PortPlan, chain: str, eps: tuple[ProxyEndpoint, ...]) -> None:
        """writeServiceToEndpointRules: affinity checks first, then the probability cascade."""
        self.nat.chain(chain)
        if _sticky(p):
            for ep in eps:
                sep = p.sep_chain(ep)
                self.nat.add(
                    chain,
                    self.comment(f'"{p.spn} -> {ep.address}"'),
                    f"-m recent --name {sep} --rcheck --seconds",
                    str(p.service.affinity_timeout),
                    "--reap -j",
                    sep,
                )
        n = len(eps)
        for i, ep in enumerate(eps):
            stat = ""
            if i < n - 1:
                stat = "-m statistic --mode random --probability"
                stat += " " + chainnames.probability(n - i)
            self.nat.add(
                chain, self.comment(f'"{p.spn} -> {ep.address}"'), stat, "-j", p.sep_chain(ep)
            )


def _sticky(p: PortPlan) -> bool:
    return p.service.session_affinity == "ClientIP"


def restore_data(state: ClusterState, node: Node, opts: IptablesOptions) -> list[str]:
    return _Writer(state, node, opts).write()
