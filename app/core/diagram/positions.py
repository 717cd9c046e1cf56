"""Positions a user dragged on the diagram, applied over the computed layout.

A saved position moves a node (or group) column with everything drawn inside it — its
nodePort tabs, pods and pod counters — or a load balancer box; edges keep their shape and
follow: the end at a moved box moves with it. Ids that the current view does not draw are
ignored, so a layout saved in one view never breaks another.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeVar

from app.core.diagram.shapes import Box, Edge, Layout
from app.core.model.fielderrors import FieldError, invalid, required, too_many

MAX_POSITIONS = 5000
MAX_COORDINATE = 50_000
MOVABLE = re.compile(r"^(node|group|lb):[A-Za-z0-9][A-Za-z0-9._:/-]{0,252}$")
"""The ids a user may place: node and group columns, load balancers."""

Position = tuple[int, int]
GAP = 12
"""Half the gap between node columns: a bar's piece reaches this far beyond its node."""
B = TypeVar("B", bound=Box)


def parse_positions(body: Any) -> dict[str, Position]:
    """`{"positions": {"node:node-1": {"x": 120, "y": 300}}}` → {id: (x, y)}, or ValueError
    with the field errors (the API answers them as 422 Invalid)."""
    if not isinstance(body, dict) or "positions" not in body:
        raise ValueError([required("positions")])
    raw = body["positions"]
    if not isinstance(raw, dict):
        raise ValueError([invalid("positions", raw, "must be an object of id: {x, y}")])
    if len(raw) > MAX_POSITIONS:
        raise ValueError([too_many("positions", len(raw), MAX_POSITIONS)])
    errors: list[FieldError] = []
    positions: dict[str, Position] = {}
    for key, value in raw.items():
        field = f"positions[{key[:260]}]"
        if not MOVABLE.match(key):
            errors.append(invalid(field, key[:260], "must be the id of a node, group or lb box"))
            continue
        if not isinstance(value, dict):
            errors.append(invalid(field, value, "must be an object with x and y"))
            continue
        point = []
        for axis in ("x", "y"):
            number = value.get(axis)
            if (
                isinstance(number, int | float)
                and not isinstance(number, bool)
                and math.isfinite(number)
                and abs(number) <= 10 * MAX_COORDINATE
            ):
                point.append(clamp(number))
            else:
                errors.append(
                    invalid(f"{field}.{axis}", number, "must be a finite number of SVG units")
                )
        if len(point) == 2:
            positions[key] = (point[0], point[1])
    if errors:
        raise ValueError(errors[:50])
    return positions


def clamp(value: float) -> int:
    return max(0, min(MAX_COORDINATE, round(value)))


def _moved(box: B, delta: Position) -> B:
    return replace(box, x=box.x + delta[0], y=box.y + delta[1])


def _inside(box: Box, frame: Box, above: int) -> bool:
    return frame.x <= box.cx <= frame.x + frame.w and frame.y - above <= box.y <= frame.bottom


def _end_delta(edge: Edge, index: int, source: Position, target: Position) -> Position:
    """How far a point of an edge moves: the first half with the source, the rest with the
    target. A bundled route (bundling.py) keeps its shape: the points before its trunk move
    with the source, those after it with the target, and the trunk's two ends slide along the
    trunk only (x on a horizontal bus, y on a vertical one), so every segment stays horizontal
    or vertical and the trunk stays shared with the other edges on it."""
    count, trunk = len(edge.points), edge.trunk
    if trunk < 0 or trunk + 1 >= count:
        return source if index < count // 2 else target
    if index < trunk:
        return source
    if index > trunk + 1:
        return target
    delta = source if index == trunk else target
    if edge.points[trunk][1] == edge.points[trunk + 1][1]:
        return (delta[0], 0)
    return (0, delta[1])


def _edge(edge: Edge, deltas: Mapping[str, Position], frames: Mapping[str, Box]) -> Edge:
    """The edge with each end moved as its box moved; an end at a Service bar moves with
    the piece of the bar it touches (the column whose node was dragged)."""

    def bar_delta(x: int) -> Position:
        home = next((i for i, f in frames.items() if f.x - GAP <= x <= f.x + f.w + GAP), "")
        return deltas.get(home, (0, 0))

    source_id = edge.source.split("@")[0]
    source = deltas.get(source_id, (0, 0))
    target = deltas.get(edge.target, (0, 0))
    if source_id.startswith("svc:") and edge.points:
        source = bar_delta(edge.points[0][0])
    if edge.target.startswith("svc:") and edge.points:
        target = bar_delta(edge.points[-1][0])
    if source == (0, 0) and target == (0, 0):
        return edge
    points = tuple(
        (x + d[0], y + d[1])
        for i, (x, y) in enumerate(edge.points)
        for d in [_end_delta(edge, i, source, target)]
    )
    return replace(edge, points=points)


def _segment(
    piece: tuple[str, int, int, int], deltas: Mapping[str, Position]
) -> tuple[str, int, int, int]:
    column, x, y, w = piece
    dx, dy = deltas.get(column, (0, 0))
    return column, x + dx, y + dy, w


def apply_positions(drawn: Layout, positions: Mapping[str, Position]) -> Layout:
    """The layout with each known movable box at its saved top-left corner."""
    deltas: dict[str, Position] = {}
    nodes = []
    for node in drawn.nodes:
        if node.id in positions:
            x, y = positions[node.id]
            deltas[node.id] = (clamp(x) - node.x, clamp(y) - node.y)
            nodes.append(_moved(node, deltas[node.id]))
        else:
            nodes.append(node)
    frames = {n.id: n for n in drawn.nodes if n.id in deltas}

    def owner(box: Box, column: str = "") -> str:
        if column:
            return column if column in frames else ""
        return next((i for i, f in frames.items() if _inside(box, f, 0)), "")

    ports = [_moved(p, deltas[p.column]) if owner(p, p.column) else p for p in drawn.ports]
    chips = [_moved(c, deltas[c.column]) if owner(c, c.column) else c for c in drawn.chips]
    pods = []
    for pod in drawn.pods:
        home = owner(pod)
        if home:
            deltas[pod.id] = deltas[home]
            pods.append(_moved(pod, deltas[home]))
        else:
            pods.append(pod)
    deltas.update({p.id: deltas[p.column] for p in drawn.ports if p.column in frames})
    deltas.update({c.id: deltas[c.column] for c in drawn.chips if c.column in frames})
    lbs = []
    for lb in drawn.load_balancers:
        if lb.id in positions:
            x, y = positions[lb.id]
            deltas[lb.id] = (clamp(x) - lb.x, clamp(y) - lb.y)
            lbs.append(_moved(lb, deltas[lb.id]))
        else:
            lbs.append(lb)
    if not deltas:
        return drawn
    services = [
        replace(b, segments=tuple(_segment(s, deltas) for s in b.segments)) for b in drawn.services
    ]
    boxes: list[Box] = [*nodes, *ports, *pods, *chips, *lbs]
    return replace(
        drawn,
        width=max(drawn.width, *(b.x + b.w + 20 for b in boxes)),
        height=max(drawn.height, *(b.bottom + 20 for b in boxes)),
        load_balancers=tuple(lbs),
        nodes=tuple(nodes),
        ports=tuple(ports),
        pods=tuple(pods),
        chips=tuple(chips),
        services=tuple(services),
        edges=tuple(_edge(e, deltas, frames) for e in drawn.edges),
    )
