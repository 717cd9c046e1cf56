"""The topology diagram: one view of a cluster drawn, and the positions a user dragged.

Saved positions are drawing hints, not cluster state, so saving them does not bump the
cluster's resourceVersion; both the page and GET …/topology draw through `draw()` so an
exported file matches what the page shows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.core.diagram.layout import LayoutOptions, layout
from app.core.diagram.positions import MAX_COORDINATE, Position, parse_positions
from app.core.diagram.shapes import Layout
from app.core.model.fielderrors import ValidationFailed
from app.core.model.objects import ClusterState
from app.db import repo
from app.db.tables import ClusterRow
from app.services.errors import refusals


class Point(BaseModel):
    x: int = Field(ge=0, le=MAX_COORDINATE)
    y: int = Field(ge=0, le=MAX_COORDINATE)


class SavedLayout(BaseModel):
    """`{"positions": {"node:node-1": {"x": 120, "y": 300}}}`: top-left corners by box id."""

    positions: dict[str, Point]


def saved_positions(row: ClusterRow) -> dict[str, Position]:
    """The row's positions as layout() takes them; anything unreadable counts as none."""
    try:
        return parse_positions(row.layout or {"positions": {}})
    except ValueError:
        return {}


def saved_layout(positions: dict[str, Position]) -> SavedLayout:
    return SavedLayout(positions={k: Point(x=x, y=y) for k, (x, y) in sorted(positions.items())})


def draw(state: ClusterState, row: ClusterRow, options: LayoutOptions) -> Layout:
    """The view `options` selects, with the boxes the user moved where they left them."""
    return layout(state, replace(options, positions=saved_positions(row)))


def read_layout(*, session: Session, cluster: str) -> SavedLayout:
    with refusals():
        return saved_layout(saved_positions(repo.get_cluster(session, cluster)))


def save_layout(*, session: Session, cluster: str, body: Any) -> SavedLayout:
    """Replace the saved positions of node, group and load-balancer boxes."""
    with refusals():
        try:
            positions = parse_positions(body)
        except ValueError as exc:
            raise ValidationFailed("Cluster", cluster, exc.args[0]) from None
        saved = saved_layout(positions)
        _store(session, cluster, saved.model_dump())
        return saved


def reset_layout(*, session: Session, cluster: str) -> SavedLayout:
    """Forget the saved positions: the diagram goes back to the computed layout."""
    with refusals():
        _store(session, cluster, None)
        return saved_layout({})


def _store(session: Session, cluster: str, layout_json: dict[str, Any] | None) -> None:
    row = repo.get_cluster(session, cluster, for_update=True)
    row.layout = layout_json
    session.add(row)
    session.commit()
