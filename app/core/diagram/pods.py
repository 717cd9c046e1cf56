"""The lower part of each node column: its pods one by one, or counted per app label.

Each column keeps a gutter on its left with one lane per Service; an edge from a Service to a
pod runs down its Service's lane and turns right into the pod, so edges never pass behind
another pod's box. Above the thresholds of layoutgroups, pods become counters per namespace and
app label ("chips"), and an edge goes to the chip that holds the endpoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from app.core.diagram.connections import ServiceReach
from app.core.diagram.filterbox import Filter
from app.core.diagram.groups import (
    MAX_CHIPS,
    MAX_PODS_DRAWN,
    MAX_PODS_PER_COLUMN,
    Column,
    app_label,
)
from app.core.diagram.shapes import Box, PodBox, PodChip
from app.core.model.objects import ClusterState, Node, Pod

POD_H, POD_PITCH = 34, 40
CHIP_H, CHIP_PITCH = 30, 36
LANE_STEP_MAX, LANE_PAD = 6, 8


@dataclass
class PodArea:
    level: str
    """pods | counts"""
    top: int
    gutter: int
    lane_step: int
    col_x: Sequence[int]
    pods: list[PodBox] = field(default_factory=list)
    chips: list[PodChip] = field(default_factory=list)
    place: dict[str, Box] = field(default_factory=dict)
    """Endpoint target id → the box that stands for it."""
    column_of: dict[str, int] = field(default_factory=dict)
    per_column: list[Counter[str]] = field(default_factory=list)
    """Per column: pods, ready, pending-free counts for node headers."""
    bottom: int = 0

    def lane_x(self, column: int, lane: int) -> int:
        return self.col_x[column] + LANE_PAD + lane * self.lane_step


def _pair(target: str) -> tuple[str, str]:
    namespace, _, name = target.removeprefix("pod:").partition("/")
    return namespace, name


def _ports(pod: Pod, targeted: Mapping[str, tuple[str, ...]]) -> str:
    ports = targeted.get(f"pod:{pod.key}")
    if ports:
        return " ".join(ports)
    return " ".join(f"{c.port}/{c.protocol}" for c in pod.container_ports)


def place_pods(
    state: ClusterState,
    cols: Sequence[Column],
    col_x: Sequence[int],
    col_w: int,
    top: int,
    reach: Mapping[str, ServiceReach],
    flt: Filter,
    selected: str,
    lanes: int,
    tint: Callable[[str], int],
) -> PodArea:
    column_index = {n.name: i for i, c in enumerate(cols) for n in c.nodes}
    nodes: dict[str, Node] = {n.name: n for c in cols for n in c.nodes}
    targeted: dict[str, tuple[str, ...]] = {}
    for r in reach.values():
        for tid, target in r.targets.items():
            known = targeted.get(tid, ())
            targeted[tid] = known + tuple(p for p in target.ports if p not in known)
    chosen = reach[selected].targets if selected in reach else None
    targeted_pods = {_pair(t) for t in targeted if t.startswith("pod:")}
    chosen_pods = {_pair(t) for t in chosen if t.startswith("pod:")} if chosen is not None else None
    in_view: list[list[Pod]] = [[] for _ in cols]
    for pod in state.pods:
        index = column_index.get(pod.node_name)
        if index is not None:
            in_view[index].append(pod)
    drawn = sum(len(p) for p in in_view)
    one_by_one = all(c.single for c in cols) and drawn <= MAX_PODS_DRAWN
    one_by_one = one_by_one and all(len(p) <= MAX_PODS_PER_COLUMN for p in in_view)
    step = max(2, min(LANE_STEP_MAX, (col_w // 4) // max(lanes, 1)))
    gutter = LANE_PAD + lanes * step + 6
    area = PodArea("pods" if one_by_one else "counts", top, gutter, step, col_x)
    touch = flt.touches("pod")
    width = col_w - gutter - 8
    for index, pods in enumerate(in_view):
        x = col_x[index] + gutter
        counts: Counter[str] = Counter(pods=len(pods), ready=sum(1 for p in pods if p.ready))
        area.per_column.append(counts)
        if one_by_one:
            y = top
            for pod in sorted(pods, key=lambda p: (p.namespace, p.name)):
                tid = f"pod:{pod.key}"
                dim = (touch and not flt.pod(pod, nodes.get(pod.node_name))) or (
                    chosen is not None and tid not in chosen
                )
                box = PodBox(
                    tid, x, y, width, POD_H, dim=dim, name=pod.name, namespace=pod.namespace,
                    short=_shorten(pod.name, width), ip=pod.pod_ip or "no IP",
                    ports=_fit(_ports(pod, targeted), width - 86 - 7 * len(pod.pod_ip)),
                    ready=pod.ready, node=pod.node_name,
                    labels=", ".join(f"{k}={v}" for k, v in sorted(pod.labels.items())),
                    tint=tint(pod.namespace),
                )  # fmt: skip
                area.pods.append(box)
                area.place[tid] = box
                area.column_of[tid] = index
                y += POD_PITCH
            area.bottom = max(area.bottom, y)
        else:
            _chips(
                area,
                index,
                cols[index],
                pods,
                x,
                width,
                flt,
                nodes,
                chosen_pods,
                targeted_pods,
                tint,
            )
    return area


def _chips(
    area: PodArea,
    index: int,
    column: Column,
    pods: Sequence[Pod],
    x: int,
    width: int,
    flt: Filter,
    nodes: Mapping[str, Node],
    chosen: AbstractSet[tuple[str, str]] | None,
    targeted: AbstractSet[tuple[str, str]],
    tint: Callable[[str], int],
) -> None:
    """Counters per namespace and app label. A column holding more kinds than MAX_CHIPS counts
    per namespace instead; beyond that, the smallest namespaces share one chip."""
    touch = flt.touches("pod")
    tally: dict[tuple[str, str], list[int]] = {}
    """key → [pods, ready, matching the filter, endpoints of the selected Service]"""
    members: list[tuple[tuple[str, str], tuple[str, str]]] = []
    for pod in pods:
        key = (pod.namespace, app_label(pod))
        entry = tally.get(key)
        if entry is None:
            entry = tally[key] = [0, 0, 0, 0]
        entry[0] += 1
        entry[1] += pod.ready
        if touch:
            entry[2] += flt.pod(pod, nodes.get(pod.node_name))
        pair = (pod.namespace, pod.name)
        if pair in targeted:
            members.append((pair, key))
            if chosen is not None and pair in chosen:
                entry[3] += 1
    coarse = len(tally) > MAX_CHIPS
    merged: dict[tuple[str, str], list[int]] = {}
    for key, entry in tally.items():
        target = (key[0], "pods") if coarse else key
        bucket = merged.setdefault(target, [0, 0, 0, 0])
        for i, value in enumerate(entry):
            bucket[i] += value
    ranked = sorted(merged, key=lambda k: (-merged[k][0], k))
    kept = ranked if len(ranked) <= MAX_CHIPS else ranked[: MAX_CHIPS - 1]
    others = ("", "other pods")
    slot = {k: k for k in kept} | dict.fromkeys(ranked[len(kept) :], others)
    if len(kept) < len(ranked):
        merged[others] = [sum(merged[k][i] for k in ranked[len(kept) :]) for i in range(4)]
    boxes: dict[tuple[str, str], PodChip] = {}
    y = area.top
    for key in dict.fromkeys(slot.values()):
        total, ready, matching, picked = merged[key]
        hits = matching if touch else total
        boxes[key] = PodChip(
            f"pods:{column.id}/{key[0]}/{key[1]}", x, y, width, CHIP_H,
            dim=(touch and hits == 0) or (chosen is not None and picked == 0),
            column=column.id, namespace=key[0], label=key[1], count=total,
            ready=ready, matching=hits, tint=tint(key[0]),
        )  # fmt: skip
        area.chips.append(boxes[key])
        y += CHIP_PITCH
    area.bottom = max(area.bottom, y)
    for (namespace, name), key in members:
        tid = f"pod:{namespace}/{name}"
        area.place[tid] = boxes[slot[(key[0], "pods") if coarse else key]]
        area.column_of[tid] = index


def _fit(text: str, width: int) -> str:
    """Cut 11 px detail text (about 6.6 px a glyph) to a width, marking the cut."""
    fits = max(3, width // 7)
    return text if len(text) <= fits else text[: fits - 1] + "…"


def _shorten(name: str, width: int) -> str:
    """Fit a pod name into its box: 12 px semibold runs about 8 px a glyph."""
    fits = max(8, (width - 16) // 8)
    return name if len(name) <= fits else name[: fits - 1] + "…"
