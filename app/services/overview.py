"""One cluster in a few numbers, for the clusters page: what it holds and what is unwell.

A cluster of 5,000 nodes and 150,000 pods must summarise in one pass over the watch cache's
typed state (no Service list, no rows read), so the home page stays one screen per cluster.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session

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
    """The counts of one cluster, from the watch cache."""
    state = watchcache.current(session, row).state(repo.config_of(row))
    types = Counter(s.type for s in state.services)
    scheduled = [p for p in state.pods if p.node_name]
    return Overview(
        nodes=len(state.nodes),
        nodes_not_ready=sum(1 for n in state.nodes if not n.ready),
        pods=len(state.pods),
        pods_not_ready=sum(1 for p in scheduled if not p.ready),
        pods_pending=len(state.pods) - len(scheduled),
        services=len(state.services),
        services_by_type=tuple((t, types[t]) for t in SERVICE_TYPES if types[t]),
        headless=sum(1 for s in state.services if s.headless),
        load_balancers_pending=sum(
            1 for s in state.services if s.type == "LoadBalancer" and not s.load_balancer_ingress
        ),
    )
