"""What kube-proxy writes on a node (in the cluster's proxy mode or another one asked for), and
requests routed one after another from the same client."""

from __future__ import annotations

from collections.abc import Callable

from app.core.apiserver.writes import NotFound
from app.core.kubeproxy import rules as proxyrules
from app.core.kubeproxy.balancing import AffinityState, IpvsState
from app.core.model.objects import ClusterState
from app.core.network.routing import Path, Source, route
from app.services.errors import refusals

LISTINGS: dict[str, Callable[[ClusterState, str], str]] = {
    "iptables": proxyrules.iptables_save,
    "ipvs": proxyrules.ipvsadm_listing,
    "nftables": proxyrules.nft_ruleset,
}
"""Each mode as its own tool prints it: iptables-save, `ipvsadm -Ln`, the nft ruleset."""


def proxy_rules(*, state: ClusterState, node: str, mode: str | None = None) -> str:
    """The node's rules in `mode` (default: the cluster's own)."""
    render = LISTINGS.get(mode or state.config.proxy_mode, proxyrules.iptables_save)
    with refusals():
        try:
            return render(state, node)
        except proxyrules.UnknownNode:
            raise NotFound(f'nodes "{node}" not found', kind="nodes", name=node) from None


def route_repeatedly(
    *,
    state: ClusterState,
    source: Source,
    destination: str,
    seed: int,
    requests: int,
    interval: float,
) -> list[Path]:
    """`requests` new connections from the same client, `interval` seconds apart.

    The nodes' kernels remember between them (ClientIP affinity, IPVS positions), so the second
    request of a client shows the rule that caught it; each request draws from seed + its index,
    so the first is exactly the single request with `seed`.
    """
    if requests == 1:
        return [route(state, source, destination, seed)]
    affinity, ipvs = AffinityState(), IpvsState()
    return [
        route(state, source, destination, seed + i, affinity=affinity, ipvs=ipvs, now=i * interval)
        for i in range(requests)
    ]
