"""The probability ladder: one Service chain's endpoint rules on one node, read off the rules
kube-proxy writes there.

A request meets the rungs top to bottom: in iptables mode the ClientIP affinity checks
(`-m recent --rcheck`), then the statistic cascade - 1/n, 1/(n-1), …, and a last rule without
a statistic match (k/k pkg/proxy/iptables/proxier.go writeServiceToEndpointRules); in
nftables mode the affinity checks, then one `numgen random mod n vmap` rule
(k/k pkg/proxy/nftables/proxier.go); in IPVS mode the virtual server's scheduler over its real
servers (k/k pkg/proxy/ipvs/proxier.go). The ladder is parsed from the very text
`iptables-save`, `nft list table` and `ipvsadm -Ln` print here (app/core/kubeproxy/rules.py),
so what the page draws is what the node would hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.core.kubeproxy import rules as proxyrules
from app.core.model.objects import ClusterState

_PROBABILITY = re.compile(r"--probability ([0-9.]+)")
_JUMP = re.compile(r"-j (\S+)\s*$")
_DNAT = re.compile(r"--to-destination (\S+)")
_NFT_DNAT = re.compile(r"dnat to (\S+)")
_VMAP = re.compile(r"numgen random mod (\d+) vmap \{ (.*) \}")
_NFT_AFFINITY = re.compile(r"ip6? saddr @(\S+) goto (\S+)")


@dataclass(frozen=True)
class Rung:
    """One rule: what it matches, where it jumps, the endpoint behind it, and its chance of
    matching when a request reaches it (`probability`; 1 for the catch-all)."""

    rule: str
    target: str
    endpoint: str
    probability: float
    affinity: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "target": self.target,
            "endpoint": self.endpoint,
            "probability": self.probability,
            "affinity": self.affinity,
        }


def ladder(state: ClusterState, node: str, chain: str) -> dict[str, Any]:
    """The rungs of `chain` on `node` in the cluster's proxy mode. `chain` may be a service
    hop's whole rule ("KUBE-SVC-… → KUBE-SEP-…"; for IPVS "TCP  10.96.0.20:80 rr → …"): the
    chain is what comes first. Raises proxyrules.UnknownNode for a node not in the cluster."""
    mode = state.config.proxy_mode
    head = chain.split(" → ")[0].split()
    chain = " ".join(head[:2]) if mode == "ipvs" else (head[0] if head else "")
    if mode == "nftables":
        rungs = _nft(proxyrules.nft_ruleset(state, node), chain)
    elif mode == "ipvs":
        rungs = _ipvs(proxyrules.ipvsadm_listing(state, node), chain)
    else:
        rungs = _iptables(proxyrules.iptables_save(state, node), chain)
    return {"mode": mode, "node": node, "chain": chain, "rungs": [r.to_dict() for r in rungs]}


def _iptables(text: str, chain: str) -> list[Rung]:
    lines = text.splitlines()
    dnat: dict[str, str] = {}
    for line in lines:
        found = _DNAT.search(line)
        if line.startswith("-A KUBE-SEP-") and found:
            dnat[line.split()[1]] = found.group(1)
    rungs = []
    for line in lines:
        if not line.startswith(f"-A {chain} "):
            continue
        jump = _JUMP.search(line)
        if jump is None or not jump.group(1).startswith("KUBE-SEP-"):
            continue
        target = jump.group(1)
        found = _PROBABILITY.search(line)
        affinity = "--rcheck" in line
        rungs.append(Rung(line, target, dnat.get(target, ""),
                          float(found.group(1)) if found else 1.0, affinity))  # fmt: skip
    return rungs


def _nft_chains(text: str) -> dict[str, list[str]]:
    """`add rule ip kube-proxy CHAIN …` lines by chain (the form nftables.py writes)."""
    chains: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and parts[:2] == ["add", "rule"]:
            chains.setdefault(parts[4], []).append(parts[5])
    return chains


def _nft(text: str, chain: str) -> list[Rung]:
    chains = _nft_chains(text)

    def endpoint(target: str) -> str:
        for rule in chains.get(target, []):
            found = _NFT_DNAT.search(rule)
            if found:
                return found.group(1)
        return ""

    rungs = []
    for rule in chains.get(chain, []):
        sticky = _NFT_AFFINITY.search(rule)
        if sticky:
            rungs.append(Rung(rule, sticky.group(2), endpoint(sticky.group(2)), 1.0, True))
            continue
        vmap = _VMAP.search(rule)
        if vmap is None:
            continue
        n = int(vmap.group(1))
        for element in vmap.group(2).split(","):
            target = element.split(":", 1)[1].strip().removeprefix("goto ")
            rungs.append(Rung(rule, target, endpoint(target), 1.0 / n))
    return rungs


def _ipvs(text: str, chain: str) -> list[Rung]:
    """The virtual server's block of `ipvsadm -Ln`: each real server is one rung, all offered
    at once to the scheduler (its share is 1/n for the balancing schedulers)."""
    rungs: list[str] = []
    inside, virtual = False, chain
    for line in text.splitlines():
        if line and not line.startswith(" "):
            inside = " ".join(line.split()[:2]) == chain
            virtual = line.strip() if inside else virtual
            continue
        if inside and line.strip().startswith("->") and not line.strip().startswith("-> Remote"):
            rungs.append(line.split()[1])
    n = len(rungs)
    return [Rung(f"{virtual} → {ep}", ep, ep, 1.0 / n) for ep in rungs] if n else []
