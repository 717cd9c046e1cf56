"""Dense load-balancer edges run as trunks: far fewer crossings, the same edges."""

from __future__ import annotations

from itertools import pairwise

from app.core.diagram.bundling import BUNDLE_FROM, crossings
from app.core.diagram.layout import LayoutOptions, layout
from app.core.diagram.shapes import Edge
from tests.bench.bench_topology import generated_cluster

LB_KINDS = ("client-lb", "lb-np", "lb-node")


def edge(*points: tuple[int, int]) -> Edge:
    return Edge(f"e{points}", "lb-np", "a", "b", "s", tuple(points))


def test_crossings_counts_proper_crossings_only() -> None:
    assert crossings([edge((0, 0), (10, 10)), edge((0, 10), (10, 0))]) == 1
    assert crossings([edge((0, 0), (10, 0)), edge((5, 0), (20, 0))]) == 0  # a shared trunk
    assert crossings([edge((0, 0), (10, 0)), edge((10, 0), (10, 10))]) == 0  # touching ends
    assert crossings([edge((0, 5), (20, 5)), edge((5, 0), (5, 10)), edge((15, 0), (15, 10))]) == 2


def test_a_load_balancer_filter_on_a_big_cluster_is_bundled_into_trunks() -> None:
    state = generated_cluster(200)
    straight = layout(state, LayoutOptions(filter="type:LoadBalancer", bundle=False))
    bundled = layout(state, LayoutOptions(filter="type:LoadBalancer"))
    before = crossings(e for e in straight.edges if e.kind in LB_KINDS)
    after = crossings(e for e in bundled.edges if e.kind in LB_KINDS)
    print(f"load-balancer edge crossings: {before} straight, {after} bundled")
    assert before > 1000 and after == 0
    assert crossings(bundled.edges) < crossings(straight.edges) / 2
    assert {(e.id, e.kind) for e in bundled.edges} == {(e.id, e.kind) for e in straight.edges}
    for e in bundled.edges:
        if e.kind in LB_KINDS:
            assert all(a[0] == b[0] or a[1] == b[1] for a, b in pairwise(e.points))


def test_a_few_load_balancer_edges_stay_straight() -> None:
    drawn = layout(generated_cluster(3))
    lb_edges = [e for e in drawn.edges if e.kind in ("lb-np", "lb-node")]
    assert 0 < len(lb_edges) < BUNDLE_FROM
    assert all(len(e.points) == 2 for e in drawn.edges if e.kind in LB_KINDS)


def test_bundled_routes_keep_their_trunks_when_a_group_and_a_load_balancer_move() -> None:
    """The bug of issue 12: after a drag the ends of a bundled route moved and the trunk did
    not, so the segments between them ran diagonally."""
    state = generated_cluster(200)
    view = LayoutOptions(filter="type:LoadBalancer")
    before = layout(state, view)
    group, lb = before.nodes[1], before.load_balancers[2]
    moved = {group.id: (group.x + 37, group.y + 90), lb.id: (lb.x - 23, lb.y + 41)}
    after = layout(state, LayoutOptions(filter="type:LoadBalancer", positions=moved))
    tabs = {p.id: p for p in after.ports if p.column == group.id}
    new_lb = next(b for b in after.load_balancers if b.id == lb.id)
    bundled = [e for e in after.edges if e.trunk >= 0]
    assert len(bundled) >= BUNDLE_FROM
    for e in bundled:
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in pairwise(e.points)), e.id
        if e.target in tabs:
            assert e.points[-1] == (tabs[e.target].cx, tabs[e.target].y)
        if e.source == lb.id:
            assert e.points[0] == (new_lb.cx, new_lb.bottom)
        if e.target == lb.id:
            assert e.points[-1] == (new_lb.x, new_lb.y + new_lb.h // 2)
    assert any(e.target in tabs for e in bundled) and any(e.source == lb.id for e in bundled)
