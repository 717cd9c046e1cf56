"""Which endpoint one new connection gets, once kube-proxy's rules said which it may get.

Separate from connection.py because it is the only part that draws at random or changes what
the kernel remembers: ClientIP session affinity first (iptables `recent` lists, nftables
`affinity-…` sets, IPVS persistence), then the pick itself - the iptables statistic cascade or
nft numgen in the service chain, or the IPVS scheduler (pkg/proxy/iptables/proxier.go
writeServiceToEndpointRules, nftables/proxier.go, ipvs/proxier.go). The draws and the memory
come in as a Kernel, so the caller decides where they come from (a seed, or the simulator's
pre-drawn variates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.core.kubeproxy.balancing import AffinityState, IpvsConnection, IpvsState, ipvs_schedule
from app.core.kubeproxy.endpointcache import ProxyEndpoint
from app.core.kubeproxy.ipvs import virtual_server
from app.core.kubeproxy.nftables import local_chain, service_chain
from app.core.kubeproxy.plan import PortPlan
from app.core.model.objects import ClusterState, Node

Pick = Callable[[str, int], int]
"""(kind of choice, number of options) → index of the option taken; kind "endpoint" here."""


@dataclass(frozen=True)
class Kernel:
    """What the node's kernel brings to one new connection: a random pick (and the generator
    behind it), the time now in seconds, and what it remembers between connections. The
    memories are changed in place; None means the kernel remembers nothing."""

    pick: Pick
    rng: np.random.Generator
    now: float = 0.0
    affinity: AffinityState | None = None
    ipvs: IpvsState | None = None


@dataclass(frozen=True)
class Offer:
    """What the rules before the choice settled: the endpoints to choose among, the
    connection's 5-tuple as far as the choice needs it, and whether the policy chain is the
    Local one (which names the chain the pick happens in)."""

    endpoints: tuple[ProxyEndpoint, ...]
    local_chain: bool
    node: Node
    entry: str
    src_ip: str
    vip: str
    vport: int


@dataclass(frozen=True)
class EndpointChoice:
    """The endpoint taken (an index into Offer.endpoints), its chance, the rule that took it
    and why; `started` is the IPVS connection now counted active, for the caller to finish."""

    index: int
    probability: float
    rule: str
    reason: str
    started: IpvsConnection | None = None


def choose(state: ClusterState, kernel: Kernel, p: PortPlan, offer: Offer) -> EndpointChoice:
    if state.config.proxy_mode == "ipvs":
        return _ipvs_choice(state, kernel, p, offer)
    return _chain_choice(state.config.proxy_mode == "nftables", kernel, p, offer)


def _ipvs_choice(state: ClusterState, kernel: Kernel, p: PortPlan, offer: Offer) -> EndpointChoice:
    """IPVS: a persistence template first (ClientIP affinity), else the scheduler."""
    eps, n, node, src_ip = offer.endpoints, len(offer.endpoints), offer.node, offer.src_ip
    svc = p.service
    sticky = svc.session_affinity == "ClientIP"
    timeout = float(svc.affinity_timeout)
    vs = virtual_server(state, p, offer.vip, offer.vport, offer.entry != "cluster-ip")
    dests = [e.address for e in eps]
    if sticky and kernel.affinity:
        kept = kernel.affinity.ipvs_persistent(node.name, vs.text, src_ip, kernel.now, timeout)
        if kept in dests:
            i = dests.index(kept)
            kernel.affinity.ipvs_remember(node.name, vs.text, src_ip, kept, kernel.now)
            return EndpointChoice(
                i,
                1.0,
                f"{vs.text} persistent → {kept}",
                f"ClientIP affinity: IPVS persistence keeps {src_ip} on {kept}.",
            )
    # Without remembered round-robin positions, where the kernel's pointer is is unknown:
    # a random start, drawn like every other random choice.
    random_rr = vs.scheduler in ("rr", "wrr") and kernel.ipvs is None
    pick = (
        kernel.pick("endpoint", n)
        if random_rr
        else ipvs_schedule(
            state.config.ipvs_scheduler,
            node.name,
            vs.text,
            offer.vip,
            dests,
            src_ip,
            kernel.ipvs,
            kernel.rng,
        )
    )
    assert pick is not None  # kube-proxy gives every real server weight 1
    i = pick
    started = kernel.ipvs.start(node.name, vs.text, dests[i]) if kernel.ipvs is not None else None
    if sticky and kernel.affinity:
        kernel.affinity.ipvs_remember(node.name, vs.text, src_ip, dests[i], kernel.now)
    return EndpointChoice(
        i,
        1.0 / n if random_rr else 1.0,
        f"{vs.text} → {dests[i]} Masq",
        f"The IPVS {vs.scheduler} scheduler picks {dests[i]}"
        + (
            " (no round-robin position remembered, so any is equally likely)." if random_rr else "."
        ),
        started,
    )


def _chain_choice(nft: bool, kernel: Kernel, p: PortPlan, offer: Offer) -> EndpointChoice:
    """iptables and nftables: the affinity rules come first in the service (or local) chain,
    in endpoint order; otherwise the random pick."""
    eps, n, node, src_ip = offer.endpoints, len(offer.endpoints), offer.node, offer.src_ip
    svc = p.service
    sticky = svc.session_affinity == "ClientIP"
    timeout = float(svc.affinity_timeout)
    chain = (
        (local_chain(p) if offer.local_chain else service_chain(p))
        if nft
        else (p.svl_chain if offer.local_chain else p.svc_chain)
    )

    def affinity_list(e: ProxyEndpoint) -> str:
        return f"affinity-{p.nft_endpoint_base(e)}" if nft else p.sep_chain(e)

    def target(e: ProxyEndpoint) -> str:
        return f"endpoint-{p.nft_endpoint_base(e)}" if nft else p.sep_chain(e)

    hit = None
    if sticky and kernel.affinity:
        lists = [affinity_list(e) for e in eps]
        hit = kernel.affinity.sticky_index(node.name, lists, src_ip, kernel.now, timeout)
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
        i = kernel.pick("endpoint", n)
        prob = 1.0 / n
        rule = f"{chain} → {target(eps[i])}"
        why = _cascade_text(n, i) if not nft else _numgen_text(n, i)
    if sticky and kernel.affinity:
        kernel.affinity.remember(node.name, affinity_list(eps[i]), src_ip, kernel.now)
    return EndpointChoice(i, prob, rule, why)


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
