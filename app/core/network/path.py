"""The hop-by-hop answer of routing, and the walk that builds it.

A Path serialises to the JSON contract the API, the CLI and the live-traffic page share:
{"outcome", "reason", "hops": [{"kind", "name", "node", "address", "src", "dst", "rule",
"probability", "reason", "choices"}], "pod": {"namespace", "name", "node"} | null,
"instead": str | null}. Each hop's src/dst is the packet as it leaves that hop, after any
DNAT/SNAT there. A request that is not delivered says why (`reason`) and what would reach the
Service instead (`instead`): a learner who meets "unreachable" is told the way that works.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.core.kubeproxy.balancing import (
    AffinityState,
    IpvsConnection,
    IpvsState,
    iptables_choose,
    numgen_choose,
)
from app.core.model.objects import ClusterState, Node, Pod
from app.core.network.index import RouteError, RoutingIndex, Source

OUTCOMES = ("delivered", "dropped", "rejected", "unreachable")
HOP_KINDS = ("client", "load-balancer", "node", "service", "pod")
CLUSTER_IP_FROM_OUTSIDE = (
    "A ClusterIP is reachable only from inside the cluster: send from a node or a pod, or "
    "make the Service type NodePort or LoadBalancer to reach it from outside."
)
"""What works instead of a ClusterIP from outside (docs "Service", type ClusterIP)."""


@dataclass(frozen=True)
class Hop:
    kind: str
    name: str
    node: str
    address: str
    src: str
    dst: str
    rule: str = ""
    probability: float = 1.0
    reason: str = ""
    choices: tuple[tuple[str, float], ...] = ()
    """Every alternative of a random or scheduled choice made at this hop, with its chance."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "node": self.node or None,
            "address": self.address,
            "src": self.src,
            "dst": self.dst,
            "rule": self.rule or None,
            # kube-proxy prints probabilities with 10 decimals (%0.10f); so does the contract.
            "probability": round(self.probability, 10),
            "reason": self.reason,
            "choices": [{"target": t, "probability": round(p, 10)} for t, p in self.choices],
        }


@dataclass(frozen=True)
class PodRef:
    namespace: str
    name: str
    node: str

    def to_dict(self) -> dict[str, str]:
        return {"namespace": self.namespace, "name": self.name, "node": self.node}


@dataclass(frozen=True)
class Path:
    outcome: str
    reason: str
    hops: tuple[Hop, ...]
    pod: PodRef | None = None
    instead: str = ""
    """For a request not delivered: what would work instead (another source, address, type or
    policy); empty when delivered."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "hops": [h.to_dict() for h in self.hops],
            "pod": self.pod.to_dict() if self.pod else None,
            "instead": self.instead or None,
        }


Chooser = Callable[[str, int], int]
"""(kind of choice, number of options) → index of the option taken."""


@dataclass
class Walk:
    """Everything one route() call threads through: the snapshot, its index, the seeded
    random generator, the kernels' memories, the clock, and the hops so far. `opened`, when
    given, receives every IPVS connection the walk counted active (the caller finishes it)."""

    state: ClusterState
    index: RoutingIndex
    rng: np.random.Generator
    affinity: AffinityState | None
    ipvs: IpvsState | None
    now: float
    hops: list[Hop] = field(default_factory=list)
    chooser: Chooser | None = None
    opened: list[IpvsConnection] | None = None

    @property
    def mode(self) -> str:
        return self.state.config.proxy_mode

    def pick(self, kind: str, n: int) -> int:
        """One random choice among n, of a kind: "load-balancer", "endpoint" or "dns".

        The default draws as the data plane does (iptables' statistic cascade, nftables'
        numgen, a uniform pick for the rest); a `chooser` replaces every random draw, so the
        simulator can replay its own decisions through the very same code.
        """
        if self.chooser is not None:
            return self.chooser(kind, n)
        if kind == "endpoint":
            if self.mode == "nftables":
                return numgen_choose(n, self.rng)
            if self.mode == "iptables":
                return iptables_choose(n, self.rng)
        return int(self.rng.integers(n))

    def hop(
        self,
        kind: str,
        name: str,
        node: str,
        address: str,
        src: str,
        dst: str,
        *,
        rule: str = "",
        probability: float = 1.0,
        reason: str = "",
        choices: Sequence[tuple[str, float]] = (),
    ) -> None:
        self.hops.append(
            Hop(kind, name, node, address, src, dst, rule, probability, reason, tuple(choices))
        )

    def end(self, outcome: str, reason: str, pod: Pod | None = None, *, instead: str = "") -> Path:
        """The walk's answer; a failure (`outcome` other than delivered) names what would work
        `instead`."""
        ref = PodRef(pod.namespace, pod.name, pod.node_name) if pod else None
        return Path(outcome, reason, tuple(self.hops), ref, instead)


class Client:
    """Who sends the request: kind "external", "node" or "pod", its IP and its node."""

    def __init__(self, kind: str, ip: str, name: str, node: Node | None) -> None:
        self.kind, self.ip, self.name, self.node = kind, ip, name, node

    @classmethod
    def resolve(cls, walk: Walk, source: Source) -> Client:
        idx = walk.index
        if source.kind == "external":
            return cls("external", source.ip, "external client", None)
        if source.kind == "node":
            node = idx.nodes.get(source.name)
            if node is None:
                raise RouteError(f"no node named {source.name!r}")
            return cls("node", node.internal_ip, node.name, node)
        if source.kind == "pod":
            pod = idx.pods.get((source.namespace, source.name))
            if pod is None:
                raise RouteError(f"no pod {source.namespace}/{source.name}")
            node = idx.nodes.get(pod.node_name)
            if not pod.pod_ip or node is None or pod.phase in ("Succeeded", "Failed"):
                raise RouteError(f"pod {pod.key} is not running with an IP on a node")
            return cls("pod", pod.pod_ip, pod.key, node)
        raise RouteError(f"unknown source kind {source.kind!r}")

    @property
    def namespace(self) -> str:
        return self.name.split("/")[0] if self.kind == "pod" else "default"

    def start(
        self,
        walk: Walk,
        dst: str,
        note: str = "",
        *,
        probability: float = 1.0,
        choices: list[tuple[str, float]] | None = None,
    ) -> None:
        where = {
            "external": f"outside the cluster at {self.ip}",
            "node": f"in a host process on {self.name}",
            "pod": f"in pod {self.name} on {self.node.name if self.node else ''}",
        }
        walk.hop(
            "client",
            self.name,
            self.node.name if self.node else "",
            self.ip,
            self.ip,
            dst,
            reason=f"The request starts {where[self.kind]}.{note}",
            probability=probability,
            choices=choices or (),
        )


def deliver(walk: Walk, from_node: Node | None, ip: str, port: int, src: str, dst: str) -> Path:
    """Carry the (already translated) packet to ip:port and let whatever is there answer."""
    pod = walk.index.pod_by_ip.get(ip)
    if pod is not None:
        here = walk.index.nodes.get(pod.node_name)
        if here is not None and (from_node is None or here.name != from_node.name):
            walk.hop(
                "node",
                here.name,
                here.name,
                here.internal_ip,
                src,
                dst,
                reason=f"The pod network carries the packet to {here.name}, which hosts "
                f"{pod.name}.",
            )
        ready = "" if pod.ready else " (it is not Ready, but a direct connection ignores that)"
        walk.hop(
            "pod",
            pod.name,
            pod.node_name,
            dst,
            src,
            dst,
            reason=f"{pod.namespace}/{pod.name} receives the connection from {src}{ready}.",
        )
        return walk.end(
            "delivered",
            f"Delivered to pod {pod.namespace}/{pod.name} on {pod.node_name} at {dst}.",
            pod,
        )
    node = walk.index.node_by_ip.get(ip)
    if node is not None:
        what = (
            "kube-apiserver"
            if ip == walk.state.config.control_plane_address
            else "a host-network process"
        )
        walk.hop(
            "node",
            node.name,
            node.name,
            dst,
            src,
            dst,
            reason=f"{what} on {node.name} receives the connection.",
        )
        return walk.end("delivered", f"Delivered to {what} on {node.name} at {dst}.")
    if ip == walk.state.config.control_plane_address:
        walk.hop(
            "node",
            "control-plane",
            "",
            dst,
            src,
            dst,
            reason="kube-apiserver on the control plane receives the connection.",
        )
        return walk.end("delivered", f"Delivered to kube-apiserver at {dst}.")
    return walk.end(
        "delivered",
        f"The packet leaves the cluster for {dst}, an endpoint "
        "outside the simulated cluster (a user-managed EndpointSlice).",
    )
