"""Choosing what the topology view shows: node columns, pods or pod counts, which Services.

A cluster at Kubernetes' limits (5,000 nodes, 150,000 pods, 10,000 Services) cannot be drawn
object by object, so above fixed thresholds the view aggregates: nodes become columns that are
zones or blocks of nodes (a focus path zooms into one), pods become counts per namespace and
app label, and only the first Services that match the filter are drawn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from app.core.diagram.filterbox import Filter
from app.core.diagram.shapes import Heading, ServiceBar
from app.core.model.objects import ClusterState, Node, Pod, Service

MAX_COLUMNS = 12
"""Node columns drawn side by side; more nodes are grouped into at most this many."""
MAX_PODS_PER_COLUMN = 12
MAX_PODS_DRAWN = 120
MAX_CHIPS = 8
APP_LABELS = ("app", "app.kubernetes.io/name", "k8s-app", "component", "name", "run")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """node-2 before node-10, as a person reads them."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", name) if p)


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    nodes: tuple[Node, ...]
    focus: str
    """Zoom path of this group; "" for a single node."""

    @property
    def single(self) -> Node | None:
        return self.nodes[0] if self.id.startswith("node:") else None


def _sorted_nodes(nodes: Iterable[Node]) -> list[Node]:
    return sorted(nodes, key=lambda n: (n.zone, natural_key(n.name)))


def _blocks(nodes: Sequence[Node], prefix: str) -> list[Column]:
    size = math.ceil(len(nodes) / MAX_COLUMNS)
    columns = []
    for index, start in enumerate(range(0, len(nodes), size)):
        members = tuple(nodes[start : start + size])
        path = f"{prefix}/block:{index}".lstrip("/")
        label = f"{members[0].name} … {members[-1].name}" if len(members) > 1 else members[0].name
        columns.append(Column(f"group:{path}", label, members, path))
    return columns


def columns(nodes: Iterable[Node], focus: str = "") -> tuple[list[Column], list[tuple[str, str]]]:
    """The node columns for a zoom path, and the breadcrumbs that lead there.

    The path is a list of `zone:NAME` and `block:N` steps; a step that no longer fits the
    cluster (a node was removed) ends the walk there instead of failing.
    """
    current = _sorted_nodes(nodes)
    crumbs: list[tuple[str, str]] = [("all nodes", "")]
    walked: list[str] = []
    for step in [s for s in focus.split("/") if s]:
        kind, _, value = step.partition(":")
        prefix = "/".join(walked)
        if kind == "zone":
            chosen = [n for n in current if n.zone == value]
        elif kind == "block" and value.isdigit() and len(current) > MAX_COLUMNS:
            groups = _blocks(current, prefix)
            index = int(value)
            chosen = list(groups[index].nodes) if index < len(groups) else []
        else:
            chosen = []
        if not chosen:
            break
        current = chosen
        walked.append(step)
        crumbs.append((value if kind == "zone" else f"block {value}", "/".join(walked)))
    prefix = "/".join(walked)
    if len(current) <= MAX_COLUMNS:
        return [Column(f"node:{n.name}", n.name, (n,), "") for n in current], crumbs
    zones = sorted({n.zone for n in current})
    if 1 < len(zones) <= MAX_COLUMNS:
        result = []
        for zone in zones:
            path = f"{prefix}/zone:{zone}".lstrip("/")
            members = tuple(n for n in current if n.zone == zone)
            result.append(Column(f"group:{path}", zone or "(no zone)", members, path))
        return result, crumbs
    return _blocks(current, prefix), crumbs


def app_label(pod: Pod) -> str:
    labels = pod.labels
    app = labels.get("app")
    if app is not None:
        return f"app={app}"
    for key in APP_LABELS:
        if key in labels:
            return f"{key}={labels[key]}"
    return "(no app label)"


def is_system(service: Service) -> bool:
    """kube-system and friends, and the API server's own `default/kubernetes`."""
    return service.namespace.startswith("kube-") or (
        service.namespace == "default" and service.name == "kubernetes"
    )


def _service_order(service: Service) -> tuple[int, str, str]:
    # External Services on top: their nodePort edges then cross the fewest Service boxes.
    rank = {"LoadBalancer": 0, "NodePort": 1, "ClusterIP": 2}.get(service.type, 3)
    return rank, service.namespace, service.name


def shown_services(
    state: ClusterState,
    flt: Filter,
    *,
    selected: str,
    system: bool,
    limit: int,
    by_namespace: bool = False,
) -> tuple[list[Service], int]:
    """Services to draw (matching the filter first, the selected one always) and how many
    Services exist that are not drawn."""
    candidates = [s for s in state.services if system or not is_system(s)]
    if len(candidates) > limit and flt.touches("service"):
        # Too many to draw: the filter picks which (small clusters draw all and dim instead).
        candidates = [s for s in candidates if flt.service(s)]
    chosen = candidates[:limit]
    if selected and all(s.key != selected for s in chosen):
        extra = [s for s in state.services if s.key == selected]
        chosen = extra + chosen[: max(limit - 1, 0)]
    if by_namespace:
        chosen.sort(key=lambda s: (s.namespace, _service_order(s)))
    else:
        chosen.sort(key=_service_order)
    return chosen, len(state.services) - len(chosen)


def zone_frames(
    cols: Sequence[Column], col_x: Sequence[int], col_w: int, top: int, bottom: int
) -> list[Heading]:
    frames: list[Heading] = []
    start = 0
    for i in range(1, len(cols) + 1):
        zone = cols[start].nodes[0].zone
        if i == len(cols) or cols[i].nodes[0].zone != zone:
            x = col_x[start] - 8
            w = col_x[i - 1] + col_w + 8 - x
            frames.append(
                Heading(f"zone:{zone}", x, top, w, bottom - top, label=zone or "(no zone)")
            )
            start = i
    return frames


def segmented(
    bars: Sequence[ServiceBar],
    columns: Sequence[str],
    col_x: Sequence[int],
    col_w: int,
    gap: int,
) -> list[ServiceBar]:
    """Each bar cut at the middle of the gaps between node columns: the pieces touch, so the
    bar still reads as one Service on every node, and each piece belongs to one column."""
    if len(columns) < 2:
        return list(bars)
    out = []
    for bar in bars:
        pieces = []
        for i, column in enumerate(columns):
            left = bar.x if i == 0 else col_x[i] - gap // 2
            right = bar.x + bar.w if i == len(columns) - 1 else col_x[i] + col_w + gap // 2
            pieces.append((column, left, bar.y, right - left))
        out.append(replace(bar, segments=tuple(pieces)))
    return out
