"""What kube-proxy writes on one node, in the three Linux proxy modes.

Thin entry points over proxyrules_iptables / proxyrules_nft / proxyrules_ipvs; all three
render the same PortPlans (proxyplan.py) that routing follows hop by hop.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.core.kubeproxy import iptables as proxyrules_iptables
from app.core.kubeproxy import ipvs as proxyrules_ipvs
from app.core.kubeproxy import nftables as proxyrules_nft
from app.core.kubeproxy.balancing import IpvsState
from app.core.kubeproxy.iptables import IptablesOptions
from app.core.model.objects import ClusterState, Node


class UnknownNode(KeyError):
    """The node named is not part of the cluster."""


def _node(state: ClusterState, node_name: str) -> Node:
    node = state.node(node_name)
    if node is None:
        raise UnknownNode(node_name)
    return node


def iptables_restore(
    state: ClusterState, node_name: str, options: IptablesOptions | None = None
) -> str:
    """Exactly the iptables-restore input of one syncProxyRules (filter and nat tables)."""
    lines = proxyrules_iptables.restore_data(
        state, _node(state, node_name), options or IptablesOptions()
    )
    return "\n".join(lines) + "\n"


def iptables_save(
    state: ClusterState, node_name: str, options: IptablesOptions | None = None
) -> str:
    """`iptables-save` on the node: kube-proxy's chains plus its jumps from the built-in
    chains. Comments are dropped from per-endpoint rules above 1000 endpoints."""
    lines = proxyrules_iptables.restore_data(
        state, _node(state, node_name), options or IptablesOptions()
    )
    return save_output(lines, node_name)


def nft_ruleset(state: ClusterState, node_name: str) -> str:
    """The `ip kube-proxy` table as an `nft -f` transaction (v1.33-v1.35 form)."""
    return proxyrules_nft.ruleset(state, _node(state, node_name))


def ipvsadm_listing(state: ClusterState, node_name: str, ipvs: IpvsState | None = None) -> str:
    """`ipvsadm -Ln` on the node; ActiveConn comes from `ipvs` when given."""
    return proxyrules_ipvs.listing(state, _node(state, node_name), ipvs)


def rules(state: ClusterState, node_name: str) -> str:
    """The listing for the cluster's configured proxy mode."""
    mode = state.config.proxy_mode
    if mode == "nftables":
        return nft_ruleset(state, node_name)
    if mode == "ipvs":
        return ipvsadm_listing(state, node_name)
    return iptables_save(state, node_name)


JUMPS: dict[str, list[tuple[str, str]]] = {
    # Built-in chain → kube-proxy's jumps, in the order a node shows them (kube-proxy
    # prepends; kubelet created KUBE-FIREWALL before kube-proxy started).
    "filter": [
        (
            "INPUT",
            '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer '
            'firewall" -j KUBE-PROXY-FIREWALL',
        ),
        ("INPUT", '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS'),
        (
            "INPUT",
            '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-'
            'visible service portals" -j KUBE-EXTERNAL-SERVICES',
        ),
        ("INPUT", "-j KUBE-FIREWALL"),
        (
            "FORWARD",
            '-m conntrack --ctstate NEW -m comment --comment "kubernetes load '
            'balancer firewall" -j KUBE-PROXY-FIREWALL',
        ),
        ("FORWARD", '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD'),
        (
            "FORWARD",
            '-m conntrack --ctstate NEW -m comment --comment "kubernetes service '
            'portals" -j KUBE-SERVICES',
        ),
        (
            "FORWARD",
            '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-'
            'visible service portals" -j KUBE-EXTERNAL-SERVICES',
        ),
        (
            "OUTPUT",
            '-m conntrack --ctstate NEW -m comment --comment "kubernetes load '
            'balancer firewall" -j KUBE-PROXY-FIREWALL',
        ),
        (
            "OUTPUT",
            '-m conntrack --ctstate NEW -m comment --comment "kubernetes service '
            'portals" -j KUBE-SERVICES',
        ),
        ("OUTPUT", "-j KUBE-FIREWALL"),
    ],
    "nat": [
        ("PREROUTING", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'),
        ("OUTPUT", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'),
        ("POSTROUTING", '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'),
    ],
}
BUILTIN = {
    "filter": ["INPUT", "FORWARD", "OUTPUT"],
    "nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
    "mangle": ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
}


def save_output(restore: Iterable[str], node_name: str) -> str:
    """Wrap the restore data the way `iptables-save` prints a node's tables: built-in chains
    with their policy, kube-proxy's jump rules, and the KUBE-PROXY-CANARY chains."""
    tables: dict[str, list[str]] = {}
    current = ""
    for line in restore:
        if line.startswith("*"):
            current = line[1:]
            tables[current] = []
        elif line != "COMMIT":
            tables[current].append(line)
    tables["mangle"] = []
    out = [f"# Generated by svcscope (kube-proxy v1.33, iptables mode) on {node_name}"]
    for name in ("mangle", "filter", "nat"):
        body = tables[name]
        chains = [line for line in body if line.startswith(":")]
        rules = [line for line in body if line.startswith("-A")]
        out.append(f"*{name}")
        out += [f":{c} ACCEPT [0:0]" for c in BUILTIN[name]]
        out += sorted({*chains, ":KUBE-PROXY-CANARY - [0:0]"})
        out += [f"-A {chain} {rule}" for chain, rule in JUMPS.get(name, [])]
        out += rules
        out.append("COMMIT")
    out.append("# Completed")
    return "\n".join(out) + "\n"
