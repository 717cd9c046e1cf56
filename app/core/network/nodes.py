"""A packet on a node: kube-proxy's decision there, written as hops.

kube-proxy (app.core.kubeproxy.connection) decides what its rules do to a new connection and
knows nothing of the walk around it; this module is where that Decision becomes the node hop
(the rules traversed), the service hop (the endpoint chosen, DNAT and SNAT) and the delivery.
It also holds the hop of a node that only forwards a packet, and how a packet from a client
on a node enters netfilter there.
"""

from __future__ import annotations

from app.core.kubeproxy.connection import NewConnection, decide
from app.core.kubeproxy.endpointchoice import Kernel
from app.core.model.objects import Node, Service, ServicePort
from app.core.network.path import Client, Path, Walk, deliver


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
    kernel = Kernel(walk.pick, walk.rng, walk.now, walk.affinity, walk.ipvs)
    conn = NewConnection(entry, svc, sp, vip, vport, src_ip)
    d = decide(walk.state, node, conn, in_pod_cidr=walk.index.in_pod_cidr, kernel=kernel)
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
        rule=d.rule,
        reason=f"{arrival} {d.reason}{node_note}",
    )
    if d.dnat is None:
        return walk.end(d.outcome, d.reason, instead=d.instead)
    nat = d.dnat
    if nat.started is not None and walk.opened is not None:
        walk.opened.append(nat.started)
    walk.hop(
        "service",
        nat.service_port,
        node.name,
        dst,
        nat.source,
        nat.endpoint.address,
        rule=nat.rule,
        probability=nat.probability,
        reason=nat.reason,
        choices=nat.choices,
    )
    ep = nat.endpoint
    return deliver(walk, node, ep.ip, ep.port, nat.source, ep.address)


def local_arrival(client: Client) -> str:
    """How a packet from a client on a node meets that node's kube-proxy rules."""
    node = client.node.name if client.node else ""
    return (
        f"The packet enters netfilter on {node} (PREROUTING) from the pod."
        if client.kind == "pod"
        else f"The packet enters netfilter on {node} (OUTPUT)."
    )


def leave_node(walk: Walk, client: Client, dst: str, reason: str) -> None:
    """The client's own node forwards the packet unchanged: no kube-proxy rule applies."""
    assert client.node is not None
    node = client.node
    walk.hop("node", node.name, node.name, node.internal_ip, client.ip, dst, reason=reason)
