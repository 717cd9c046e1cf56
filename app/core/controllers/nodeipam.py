"""Node addresses and kube-controller-manager's node IPAM: what a registering node is given.

The InternalIP is the next free address of the node network (the infrastructure's DHCP, in a
real cluster); the podCIDR is the next free slice of the cluster CIDR, as the node IPAM
controller's range allocator hands them out (pkg/controller/nodeipam/ipam/range_allocator.go).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from app.core.model.workspace import Workspace

NODE_MASK = 24  # kube-controller-manager's default --node-cidr-mask-size for IPv4


class NoAddressLeft(ValueError):
    """The node network has no address left for another node."""


def _free(
    ws: Workspace,
    hint: str,
    size: int,
    candidate: Callable[[int], str],
    taken: Callable[[str], bool],
) -> str | None:
    """The first candidate not taken, scanning from where the last scan of this write ended
    (Workspace.hints: everything below is taken until a node frees something)."""
    for index in range(ws.hints.get(hint, 0), size):
        value = candidate(index)
        if not taken(value):
            ws.hints[hint] = index
            return value
    ws.hints[hint] = size
    return None


def next_node_ip(ws: Workspace) -> str:
    network = ipaddress.ip_network(ws.config.node_cidr, strict=False)
    first = int(network.network_address) + 2  # the first host is the network's gateway
    last = int(network.broadcast_address) - (1 if network.version == 4 else 0)

    def taken(ip: str) -> bool:
        return ip == ws.config.control_plane_address or bool(
            ws.indexed_count("Node", ("address", ip))
        )

    found = _free(
        ws,
        "node-ip",
        max(0, last - first + 1),
        lambda i: str(ipaddress.ip_address(first + i)),
        taken,
    )
    if found is None:
        raise NoAddressLeft(f"no free address left in the node network {network}")
    return found


def next_pod_cidr(ws: Workspace) -> str:
    """The node IPAM controller hands out /24 slices of the cluster CIDR in order.

    Slice 0 is the control plane's (kubeadm registers it as a node of its own).
    """
    network = ipaddress.ip_network(ws.config.pod_cidr, strict=False)
    mask = max(NODE_MASK, network.prefixlen)
    skip = 1 if mask > network.prefixlen else 0
    step = 1 << (network.max_prefixlen - mask)
    base = int(network.network_address)

    def candidate(index: int) -> str:
        return f"{ipaddress.ip_address(base + (index + skip) * step)}/{mask}"

    def taken(cidr: str) -> bool:
        return bool(ws.indexed_count("Node", ("podCIDR", cidr)))

    size = (1 << (mask - network.prefixlen)) - skip
    return _free(ws, "pod-cidr", size, candidate, taken) or ""
