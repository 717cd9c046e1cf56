"""Bundled routes for the load-balancer layer, and counting edge crossings.

With many LoadBalancer Services (a `type:LoadBalancer` filter on a big cluster draws dozens),
straight lines from the clients to every load balancer and from every load balancer to the
nodePort tab of every node column cross each other hundreds of times. Bundled, they run as
trunks: the clients' edges along a bus above the load balancers and down a lane left of each
box; each load balancer's edges along the gutter under its row, down a lane right of its box,
along a bus above the nodes and down to each tab. Edges that share a trunk overlap instead of
crossing, which is what `crossings()` counts (tests/core/diagram/test_bundling.py measures both).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.core.diagram.shapes import Box, Edge, LoadBalancerBox

Point = tuple[int, int]
BUNDLE_FROM = 12
"""Load-balancer edges (to tabs or nodes) from which they are bundled; fewer stay straight."""
CLIENT_LANE, LB_LANE, GUTTER = 5, 11, 7
"""How far left of a box the clients' lane runs, right of it the box's own lane, and below a
row of boxes its gutter (LB_GAP in layout.py is 16: the lanes of neighbours never meet)."""
CLIENT_TRUNK, LB_TRUNK = 1, 3
"""Where each route's shared trunk (its bus) starts: the points before it belong to the source
box and the points after the next one to the target, so a dragged box takes its own points
along and the two trunk ends only slide along the bus (positions.py, layout.js)."""


def client_route(client: Box, lb: LoadBalancerBox, first_row_top: int) -> list[Point]:
    bus = (client.bottom + first_row_top) // 2
    lane = lb.x - CLIENT_LANE
    mid = lb.y + lb.h // 2
    return [(client.cx, client.bottom), (client.cx, bus), (lane, bus), (lane, mid), (lb.x, mid)]


def lb_route(lb: LoadBalancerBox, bus: int, target: Point) -> list[Point]:
    gutter = lb.bottom + GUTTER
    lane = lb.x + lb.w + LB_LANE
    return [
        (lb.cx, lb.bottom),
        (lb.cx, gutter),
        (lane, gutter),
        (lane, bus),
        (target[0], bus),
        target,
    ]


def _segments(edge: Edge) -> list[tuple[Point, Point]]:
    return [(a, b) for a, b in zip(edge.points, edge.points[1:], strict=False) if a != b]


def _orientation(a: Point, b: Point, c: Point) -> int:
    value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return (value > 0) - (value < 0)


def _cross(s: tuple[Point, Point], t: tuple[Point, Point]) -> bool:
    """A proper crossing: each segment has the other's ends strictly on both sides (touching
    ends and overlapping along a shared trunk are not crossings)."""
    (p1, p2), (q1, q2) = s, t
    d1, d2 = _orientation(q1, q2, p1), _orientation(q1, q2, p2)
    d3, d4 = _orientation(p1, p2, q1), _orientation(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def crossings(edges: Iterable[Edge]) -> int:
    """How many times segments of two different edges cross."""
    segs: Sequence[tuple[int, tuple[Point, Point]]] = [
        (i, s) for i, e in enumerate(edges) for s in _segments(e)
    ]
    boxes = [
        (min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])) for _, (a, b) in segs
    ]
    order = sorted(range(len(segs)), key=lambda k: boxes[k][0])
    count = 0
    for n, k in enumerate(order):
        for m in order[n + 1 :]:
            if boxes[m][0] > boxes[k][2]:
                break
            if segs[k][0] == segs[m][0]:
                continue
            if boxes[m][1] > boxes[k][3] or boxes[k][1] > boxes[m][3]:
                continue
            count += _cross(segs[k][1], segs[m][1])
    return count
