"""The edges of the topology diagram, routed between boxes that layout.py has placed.

Which edges exist is topology.py's answer (the load-balancer plan and kube-proxy's endpoint
categories per node); this module only draws them:

* client → load balancer (none for a `<pending>` one: nothing carries that traffic);
* load balancer → the nodePort tab of each node it sends to (or the node itself when the
  Service allocates no nodePorts);
* nodePort tab → Service, on the nodes whose kube-proxy forwards it somewhere;
* Service → endpoint: one edge per endpoint reachable from every node (`svc-pod`), or, when
  nodes differ (Local policies, topology hints), `local` edges inside a node and `cross` edges
  from the lane of the node that sends to the node that receives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.core.diagram import bundling
from app.core.diagram.connections import LoadBalancerPlan, Reach, ServiceReach
from app.core.diagram.groups import Column
from app.core.diagram.pods import PodArea
from app.core.diagram.shapes import (
    AddressBox,
    Box,
    Edge,
    LoadBalancerBox,
    NodeBox,
    PortMarker,
    ServiceBar,
)

Point = tuple[int, int]


class EdgeBuilder:
    def __init__(
        self,
        *,
        selected: str,
        cols: Sequence[Column],
        client: Box,
        lbs: Sequence[LoadBalancerBox],
        plans: Mapping[str, LoadBalancerPlan],
        nodes: Sequence[NodeBox],
        markers: Sequence[PortMarker],
        bars: Sequence[ServiceBar],
        reach: Mapping[str, ServiceReach],
        area: PodArea,
        addresses: Mapping[str, AddressBox],
        bundle: bool = True,
    ) -> None:
        self.bundle = bundle
        self.selected = selected
        self.cols = cols
        self.client = client
        self.lbs = lbs
        self.plans = plans
        self.nodes = nodes
        self.markers = markers
        self.bars = bars
        self.reach = reach
        self.area = area
        self.addresses = addresses
        self.edges: dict[str, Edge] = {}
        self.dim = {b.id: b.dim for b in [client, *lbs, *nodes, *markers, *bars]}
        self.dim.update({b.id: b.dim for b in [*area.pods, *area.chips, *addresses.values()]})

    def _add(
        self,
        kind: str,
        source: str,
        target: str,
        service: str,
        points: list[Point],
        trunk: int = -1,
    ) -> None:
        edge_id = f"{source}>{target}"
        if edge_id in self.edges:
            return
        dim = self.dim.get(source, False) or self.dim.get(target, False)
        self.edges[edge_id] = Edge(
            edge_id, kind, source, target, service, tuple(points), dim, trunk
        )

    def _wanted(self, service: str) -> bool:
        return not self.selected or service == self.selected

    def build(self) -> list[Edge]:
        self._external()
        for lane, bar in enumerate(self.bars):
            if self._wanted(bar.key) and bar.kind != "external-name":
                self._endpoints(lane, bar)
        return list(self.edges.values())

    def _external(self) -> None:
        column_of_node = {n.name: i for i, c in enumerate(self.cols) for n in c.nodes}
        markers: dict[tuple[str, int], list[PortMarker]] = {}
        for marker in self.markers:
            column = next(i for i, c in enumerate(self.cols) if c.id == marker.column)
            markers.setdefault((marker.service, column), []).append(marker)
        bars = {b.key: b for b in self.bars}
        routes: list[tuple[str, LoadBalancerBox, Box]] = []
        for lb in self.lbs:
            if not self._wanted(lb.service) or lb.pending:
                continue
            columns = sorted(
                {column_of_node[n] for n in self.plans[lb.service].nodes if n in column_of_node}
            )
            for column in columns:
                tabs = markers.get((lb.service, column), [])
                routes += [("lb-np", lb, tab) for tab in tabs]
                if not tabs:
                    routes.append(("lb-node", lb, self.nodes[column]))
        bundled = self.bundle and len(routes) >= bundling.BUNDLE_FROM
        c = self.client
        first_row = min((lb.y for lb in self.lbs), default=0)
        bus = max((lb.bottom for lb in self.lbs), default=0) + 12
        for lb in dict.fromkeys(lb for _, lb, _ in routes):
            if bundled:
                points = bundling.client_route(c, lb, first_row)
                self._add("client-lb", c.id, lb.id, lb.service, points, bundling.CLIENT_TRUNK)
            else:
                self._add("client-lb", c.id, lb.id, lb.service, [(c.cx, c.bottom), (lb.cx, lb.y)])
        for kind, lb, box in routes:
            target = (box.cx, box.y)
            if bundled:
                points = bundling.lb_route(lb, bus, target)
                self._add(kind, lb.id, box.id, lb.service, points, bundling.LB_TRUNK)
            else:
                self._add(kind, lb.id, box.id, lb.service, [(lb.cx, lb.bottom), target])
        for marker in self.markers:
            bar = bars[marker.service]
            if marker.forwards and self._wanted(marker.service):
                points = [(marker.cx, marker.bottom), (marker.cx, bar.y)]
                self._add("np-svc", marker.id, bar.id, marker.service, points)

    def _reached_by_column(self, r: ServiceReach) -> list[Reach]:
        result: list[Reach] = []
        for column in self.cols:
            distinct = {id(s): s for n in column.nodes for s in (r.internal(n), r.external(n))}
            result.append(frozenset().union(*distinct.values()))
        return result

    def _endpoints(self, lane: int, bar: ServiceBar) -> None:
        r = self.reach[bar.key]
        kind = "dns" if r.kind == "headless" else "svc-pod"
        if not r.node_dependent:
            for target in sorted(r.everywhere[0] | r.everywhere[1]):
                self._to_target(kind, bar, lane, target, None)
            return
        by_column = self._reached_by_column(r)
        everywhere = frozenset.intersection(*by_column) if by_column else frozenset()
        for target in sorted(everywhere):
            self._to_target(kind, bar, lane, target, None)
        for column, reached in enumerate(by_column):
            for target in sorted(reached - everywhere):
                self._to_target("local", bar, lane, target, column)

    def _to_target(
        self, kind: str, bar: ServiceBar, lane: int, target: str, sender: int | None
    ) -> None:
        if target in self.addresses:
            box: Box = self.addresses[target]
            mid = bar.y + bar.h // 2
            self._add(kind, bar.id, box.id, bar.key, [(bar.x + bar.w, mid), (box.x, mid)])
            return
        placed = self.area.place.get(target)
        if placed is None:
            return  # on a node outside the zoomed-in group, or not scheduled yet
        column = self.area.column_of[target]
        x = self.area.lane_x(column, lane)
        entry = placed.y + 6 + (lane * 4) % max(placed.h - 12, 1)
        start = bar.y + bar.h
        if sender is None or sender == column:
            self._add(kind, bar.id, placed.id, bar.key, [(x, start), (x, entry), (placed.x, entry)])
            return
        source = f"{bar.id}@{self.cols[sender].id}"
        from_x = self.area.lane_x(sender, lane)
        points = [(from_x, start), (x, start + 10), (x, entry), (placed.x, entry)]
        edge_id = f"{source}>{placed.id}"
        if edge_id not in self.edges:
            dim = bar.dim or placed.dim
            self.edges[edge_id] = Edge(
                edge_id, "cross", bar.id, placed.id, bar.key, tuple(points), dim
            )
