"""Node addresses and kube-controller-manager's node IPAM: what a registering node is given.

The InternalIP is the next free address of the node network (the infrastructure's DHCP, in a
real cluster); the podCIDR is the next free slice of the cluster CIDR, as the node IPAM
controller's range allocator hands them out (pkg/controller/nodeipam/ipam/range_allocator.go).
"""

from __future__ import annotations

import ipaddress

from app.core.model.workspace import Workspace

NODE_MASK = 24  # kube-controller-manager's default --node-cidr-mask-size for IPv4


def _used_node_ips(ws: Workspace) -> set[str]:
    used = {ws.config.control_plane_address}
    for node in ws.items("Node"):
        for address in node.get("status", {}).get("addresses", []):
            used.add(address.get("address", ""))
    return used


class NoAddressLeft(ValueError):
    """The node network has no address left for another node."""


def next_node_ip(ws: Workspace) -> str:
    network = ipaddress.ip_network(ws.config.node_cidr, strict=False)
    used = _used_node_ips(ws)
    hosts = network.hosts()
    next(hosts, None)  # the first host is the network's gateway
    for host in hosts:
        if str(host) not in used:
            return str(host)
    raise NoAddressLeft(f"no free address left in the node network {network}")


def next_pod_cidr(ws: Workspace) -> str:
    """The node IPAM controller hands out /24 slices of the cluster CIDR in order.

    Slice 0 is the control plane's (kubeadm registers it as a node of its own).
    """
    network = ipaddress.ip_network(ws.config.pod_cidr, strict=False)
    used = {n.get("spec", {}).get("podCIDR") for n in ws.items("Node")}
    mask = max(NODE_MASK, network.prefixlen)
    subnets = network.subnets(new_prefix=mask)
    if mask > network.prefixlen:
        next(subnets, None)
    for subnet in subnets:
        if str(subnet) not in used:
            return str(subnet)
    return ""
