"""The topology diagram as data: positioned boxes, port markers and edges, each with a stable id.

Ids are what the browser (and the coming traffic animation) follows from a routed path to the
picture: `client`, `lb:default/web`, `node:node-1`, `np:node-1:30080` (a non-TCP port gets a
protocol suffix, `np:node-1:30053/UDP`), `svc:default/web`, `pod:default/web-abc`, `addr:IP`
(an endpoint that is not a pod); grouped views add `group:…` columns and `pods:…` counters.
Coordinates are SVG user units; the template draws them, `GET …/topology` returns them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from app.core.diagram.labels import Label


@dataclass(frozen=True)
class Box:
    id: str
    x: int
    y: int
    w: int
    h: int
    dim: bool = False

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def bottom(self) -> int:
        return self.y + self.h


@dataclass(frozen=True)
class LoadBalancerBox(Box):
    service: str = ""
    address: str = ""
    """The ingress IPs, or "<pending>" as kubectl prints it."""
    pending: bool = False
    ports: str = ""
    note: str = ""
    summary: str = ""


@dataclass(frozen=True)
class NodeBox(Box):
    """One worker node, or a group of nodes in an aggregated view (`members` > 1)."""

    name: str = ""
    detail: str = ""
    ready: bool = True
    members: int = 1
    ready_members: int = 1
    pods: int = 0
    zone: str = ""
    focus: str = ""
    """The zoom path that shows this group's members ("" for a single node)."""


@dataclass(frozen=True)
class PortMarker(Box):
    """A nodePort every node listens on, drawn as a tab on each node (or group)."""

    column: str = ""
    node_port: int = 0
    protocol: str = "TCP"
    service: str = ""
    forwards: bool = True
    title: str = ""


@dataclass(frozen=True)
class ServiceBar(Box):
    """The ClusterIP layer: a Service exists on every node through kube-proxy, so its box spans
    the node columns. `split` marks a Service whose nodes do not all reach the same pods."""

    key: str = ""
    name: str = ""
    namespace: str = ""
    type: str = ""
    kind: str = "proxied"
    address: str = ""
    dns: str = ""
    notes: tuple[str, ...] = ()
    split: bool = False
    selected: bool = False
    tint: int = 0
    segments: tuple[tuple[str, int, int, int], ...] = ()
    """(column id, x, y, width): the bar drawn as one piece per node column, so a dragged
    node takes its part of every Service with it ((): one piece, the whole bar)."""


@dataclass(frozen=True)
class PodBox(Box):
    name: str = ""
    namespace: str = ""
    short: str = ""
    ip: str = ""
    ports: str = ""
    ready: bool = True
    node: str = ""
    labels: str = ""
    tint: int = 0


@dataclass(frozen=True)
class PodChip(Box):
    """Pods counted per namespace and app label in one column (large clusters)."""

    column: str = ""
    namespace: str = ""
    label: str = ""
    count: int = 0
    ready: int = 0
    matching: int = 0
    tint: int = 0


@dataclass(frozen=True)
class AddressBox(Box):
    label: str = ""
    ip: str = ""


@dataclass(frozen=True)
class Heading(Box):
    """A zone frame around node columns, or a namespace's area around its Services' bars."""

    label: str = ""
    kind: str = "zone"
    tint: int = 0


@dataclass(frozen=True)
class Edge:
    id: str
    kind: str
    """client-lb, lb-np, lb-node, np-svc, svc-pod (cluster-wide), local, cross, dns."""
    source: str
    target: str
    service: str
    points: tuple[tuple[int, int], ...]
    dim: bool = False
    trunk: int = -1
    """A bundled route (bundling.py): the index of the first point of its shared trunk
    segment; -1 for a route of its own."""

    @property
    def path(self) -> str:
        return " ".join(f"{x},{y}" for x, y in self.points)


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    level: str
    """pods (every pod drawn), counts (pods counted per label), groups (nodes grouped)."""
    client: Box
    load_balancers: tuple[LoadBalancerBox, ...] = ()
    nodes: tuple[NodeBox, ...] = ()
    ports: tuple[PortMarker, ...] = ()
    services: tuple[ServiceBar, ...] = ()
    pods: tuple[PodBox, ...] = ()
    chips: tuple[PodChip, ...] = ()
    addresses: tuple[AddressBox, ...] = ()
    headings: tuple[Heading, ...] = ()
    edges: tuple[Edge, ...] = ()
    notes: tuple[str, ...] = ()
    breadcrumbs: tuple[tuple[str, str], ...] = ()
    """(label, focus path) from the whole cluster down to the group shown."""
    totals: dict[str, int] = field(default_factory=dict)
    labels: tuple[Label, ...] = ()
    """The visible text (captions.py): fitted to its boxes, no two overlapping."""

    @cached_property
    def _labels_by_owner(self) -> dict[str, list[Label]]:
        owned: dict[str, list[Label]] = {}
        for lab in self.labels:
            owned.setdefault(lab.owner, []).append(lab)
        return owned

    def labels_of(self, owner: str) -> list[Label]:
        return self._labels_by_owner.get(owner, [])

    def ids(self) -> set[str]:
        boxes: list[Box] = [
            self.client,
            *self.load_balancers,
            *self.nodes,
            *self.ports,
            *self.services,
            *self.pods,
            *self.chips,
            *self.addresses,
        ]
        return {b.id for b in boxes}

    def to_dict(self) -> dict[str, Any]:
        """The topology JSON: the same data the SVG is drawn from."""
        data = asdict(self)
        data["breadcrumbs"] = [{"label": label, "focus": path} for label, path in self.breadcrumbs]
        return data
