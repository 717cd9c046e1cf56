"""Dragged positions: a saved corner moves the box, what it contains and its edges' ends."""

from __future__ import annotations

from app.core.diagram.layout import LayoutOptions, layout
from app.core.diagram.shapes import Box, Layout
from tests.core.diagram.test_layout import demo


def box(drawn: Layout, box_id: str) -> Box:
    boxes: list[Box] = [*drawn.nodes, *drawn.load_balancers, *drawn.ports, *drawn.pods]
    return next(b for b in boxes if b.id == box_id)


def test_a_saved_position_moves_the_node_its_pods_ports_and_edges() -> None:
    state = demo()
    before = layout(state)
    after = layout(state, LayoutOptions(positions={"node:node-2": (400, 600)}))
    node = box(after, "node:node-2")
    assert (node.x, node.y) == (400, 600)
    dx, dy = 400 - box(before, "node:node-2").x, 600 - box(before, "node:node-2").y
    moved_pods = [p for p in before.pods if p.node == "node-2"]
    assert moved_pods
    for pod in moved_pods:
        assert (box(after, pod.id).x, box(after, pod.id).y) == (pod.x + dx, pod.y + dy)
    for marker in (m for m in before.ports if m.column == "node:node-2"):
        assert box(after, marker.id).y == marker.y + dy
    edges = {e.id: e for e in after.edges}
    for edge in before.edges:
        moved = edges[edge.id]
        if edge.target.startswith("np:node-2:"):
            assert moved.points[-1] == (edge.points[-1][0] + dx, edge.points[-1][1] + dy)
            assert moved.points[0] == edge.points[0]
        elif edge.source.startswith("np:node-2:"):
            assert moved.points[0] == (edge.points[0][0] + dx, edge.points[0][1] + dy)
        elif "node-1" in edge.id or "node-3" in edge.id:
            if not any(p.id in edge.id for p in moved_pods):
                assert moved.points == edge.points
    assert after.height >= 600 + node.h
    assert box(after, "node:node-1") == box(before, "node:node-1")


def test_a_load_balancer_moves_with_its_edges_and_unknown_ids_are_ignored() -> None:
    state = demo()
    before = layout(state)
    after = layout(
        state, LayoutOptions(positions={"lb:default/web": (30, 90), "node:gone": (5, 5)})
    )
    lb = box(after, "lb:default/web")
    assert (lb.x, lb.y) == (30, 90)
    edge = next(e for e in after.edges if e.id == "client>lb:default/web")
    old = next(e for e in before.edges if e.id == edge.id)
    assert edge.points[0] == old.points[0]
    assert edge.points[-1] != old.points[-1]
    assert [n.id for n in after.nodes] == [n.id for n in before.nodes]


def test_positions_are_clamped_to_the_drawing() -> None:
    after = layout(demo(), LayoutOptions(positions={"node:node-1": (-50, 10**9)}))
    node = box(after, "node:node-1")
    assert node.x == 0
    assert node.y == 50_000


def test_a_dragged_node_takes_its_piece_of_every_service_bar_and_the_edges_on_it() -> None:
    from app.core.diagram.layout import LayoutOptions, layout
    from tests.core.builders import three_node_web

    state = three_node_web()
    plain = layout(state)
    node = plain.nodes[1]
    moved = layout(state, LayoutOptions(positions={node.id: (node.x + 40, node.y + 300)}))
    for before, after in zip(plain.services, moved.services, strict=True):
        for old, new in zip(before.segments, after.segments, strict=True):
            shift = (40, 300) if old[0] == node.id else (0, 0)
            assert (new[1] - old[1], new[2] - old[2]) == shift
    edges = {e.id: e for e in plain.edges}
    for e in moved.edges:
        if e.kind == "np-svc" and e.source.startswith(f"np:{node.name}:"):
            assert [(x - 40, y - 300) for x, y in e.points] == list(edges[e.id].points)
