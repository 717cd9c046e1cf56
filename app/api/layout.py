"""/api/clusters/{cluster}/layout: the diagram positions a user dragged, saved per cluster.

`PUT` replaces them (`{"positions": {"node:node-1": {"x": 120, "y": 300}}}`), `GET` reads them
and `DELETE` resets the diagram to the computed layout. They are drawing hints, not cluster
state, so saving them does not bump the cluster's resourceVersion.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import BodyDep
from app.core.diagram.positions import Position, parse_positions
from app.core.model.fielderrors import ValidationFailed
from app.db import repo
from app.db.session import ReadSession, WriteSession
from app.db.tables import ClusterRow

router = APIRouter(prefix="/api/clusters/{cluster}", tags=["topology"])


def saved_positions(row: ClusterRow) -> dict[str, Position]:
    """The row's positions as layout() takes them; anything unreadable counts as none."""
    try:
        return parse_positions(row.layout or {"positions": {}})
    except ValueError:
        return {}


def layout_json(positions: dict[str, Position]) -> dict[str, Any]:
    return {"positions": {k: {"x": x, "y": y} for k, (x, y) in sorted(positions.items())}}


@router.get("/layout")
def read_layout(session: ReadSession, cluster: str) -> dict[str, Any]:
    """The saved diagram positions (empty when the computed layout is used)."""
    return layout_json(saved_positions(repo.get_cluster(session, cluster)))


@router.put("/layout")
def replace_layout(session: WriteSession, cluster: str, body: BodyDep) -> dict[str, Any]:
    """Save the dragged positions of node, group and load-balancer boxes."""
    try:
        positions = parse_positions(body)
    except ValueError as exc:
        raise ValidationFailed("Cluster", cluster, exc.args[0]) from None
    row = repo.get_cluster(session, cluster, for_update=True)
    row.layout = layout_json(positions)
    session.add(row)
    session.commit()
    return layout_json(positions)


@router.delete("/layout")
def delete_layout(session: WriteSession, cluster: str) -> dict[str, Any]:
    """Forget the saved positions: the diagram goes back to the computed layout."""
    row = repo.get_cluster(session, cluster, for_update=True)
    row.layout = None
    session.add(row)
    session.commit()
    return layout_json({})
