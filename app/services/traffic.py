"""What kube-proxy writes on a node, in the cluster's proxy mode or another one asked for."""

from __future__ import annotations

from collections.abc import Callable

from app.core.apiserver.writes import NotFound
from app.core.kubeproxy import rules as proxyrules
from app.core.model.objects import ClusterState
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
