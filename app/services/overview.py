"""One cluster in a few numbers, for the clusters page: what it holds and what is unwell.

A cluster of 5,000 nodes and 150,000 pods must summarise in one pass over the watch cache's
typed state (no Service list, no rows read), so the home page stays one screen per cluster.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.core.controllers.endpointslices import derived
from app.core.controllers.lineage import Change
from app.core.model.objects import ClusterState
from app.db import repo, watchcache
from app.db.tables import ClusterRow

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


@dataclass(frozen=True)
class Overview:
    nodes: int
    nodes_not_ready: int
    pods: int
    pods_not_ready: int
    pods_pending: int
    """Not scheduled to a node."""
    services: int
    services_by_type: tuple[tuple[str, int], ...]
    headless: int
    load_balancers_pending: int
    """type LoadBalancer with no ingress yet (`<pending>` in kubectl)."""

    @property
    def healthy(self) -> bool:
        return not (self.nodes_not_ready or self.pods_not_ready or self.pods_pending)

    @property
    def problems(self) -> tuple[str, ...]:
        """What keeps the cluster from healthy (a pending LoadBalancer is the provider's
        doing, shown with it)."""
        found = []
        if self.nodes_not_ready:
            found.append(f"{self.nodes_not_ready:,} NotReady nodes")
        if self.pods_pending:
            found.append(f"{self.pods_pending:,} Pending pods")
        if self.pods_not_ready:
            found.append(f"{self.pods_not_ready:,} pods not ready")
        return tuple(found)


def overview(*, session: Session, row: ClusterRow) -> Overview:
    """The counts of one cluster, from the watch cache: counted once per snapshot, and after
    a write by the objects it changed (lineage.py), not again over 150,000 pods for every view
    of the home page (100 ms each)."""
    state = watchcache.current(session, row).state(repo.config_of(row))
    counts = derived(state, "overview", lambda: _counted(state), _recounted)
    return Overview(
        nodes=counts["nodes"],
        nodes_not_ready=counts["nodes_not_ready"],
        pods=counts["pods"],
        pods_not_ready=counts["pods_not_ready"],
        pods_pending=counts["pods_pending"],
        services=counts["services"],
        services_by_type=tuple((t, counts[t]) for t in SERVICE_TYPES if counts[t]),
        headless=counts["headless"],
        load_balancers_pending=counts["load_balancers_pending"],
    )


def _counted(state: ClusterState) -> Counter[str]:
    counts: Counter[str] = Counter()
    for kind, objects in (("Node", state.nodes), ("Pod", state.pods), ("Service", state.services)):
        for obj in objects:
            counts.update(_counts(kind, obj))
    return counts


def _recounted(counts: Counter[str], changes: list[Change]) -> Counter[str]:
    out = Counter(counts)
    for kind, before, after in changes:
        if before is not None:
            out.subtract(_counts(kind, before))
        if after is not None:
            out.update(_counts(kind, after))
    return out


def _counts(kind: str, obj: Any) -> dict[str, int]:
    """What one object adds to the counts."""
    if kind == "Node":
        return {"nodes": 1, "nodes_not_ready": int(not obj.ready)}
    if kind == "Pod":
        scheduled = bool(obj.node_name)
        return {
            "pods": 1,
            "pods_not_ready": int(scheduled and not obj.ready),
            "pods_pending": int(not scheduled),
        }
    if kind == "Service":
        return {
            "services": 1,
            obj.type: 1,
            "headless": int(obj.headless),
            "load_balancers_pending": int(
                obj.type == "LoadBalancer" and not obj.load_balancer_ingress
            ),
        }
    return {}
