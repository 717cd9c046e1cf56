"""GET /api/clusters/{cluster}/topology: the diagram's data, as JSON or Graphviz DOT.

The same query parameters as the topology page (service, filter, group, focus, system) select
the same view, so an exported file matches what the page shows.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.api.deps import ClusterDep
from app.api.errors import READ_ERRORS
from app.core.diagram.dot import to_dot
from app.core.diagram.layout import GROUP_BYS, LayoutOptions
from app.core.diagram.shapes import Layout
from app.db import snapshots
from app.db.session import ReadSession
from app.db.tables import ClusterRow
from app.services import diagram

router = APIRouter(prefix="/api/clusters/{cluster}", tags=["topology"], responses=READ_ERRORS)


def view_options(
    service: str = Query("", max_length=300),
    filter: str = Query("", max_length=300),
    group: str = Query("node", max_length=20),
    focus: str = Query("", max_length=300),
    system: str = Query("1", max_length=1),
) -> LayoutOptions:
    """The page's view parameters, read once for both exports."""
    return LayoutOptions(
        service=service,
        filter=filter,
        group_by=group if group in GROUP_BYS else "node",
        focus=focus,
        system=system != "0",
    )


ViewDep = Annotated[LayoutOptions, Depends(view_options)]


def _drawn(session: ReadSession, row: ClusterRow, options: LayoutOptions) -> Layout:
    return diagram.draw(snapshots.snapshot(session, row)[1], row, options)


@router.get("/topology")
def read_topology(session: ReadSession, row: ClusterDep, options: ViewDep) -> dict[str, Any]:
    """Boxes, port markers and edges with stable ids and SVG coordinates."""
    return _drawn(session, row, options).to_dict()


DOT_TYPE = "text/vnd.graphviz"


@router.get(
    "/topology.dot",
    response_class=Response,
    responses={200: {"content": {DOT_TYPE: {"schema": {"type": "string"}}}, "description": "DOT"}},
)
def read_topology_dot(session: ReadSession, row: ClusterDep, options: ViewDep) -> Response:
    """The same view as a Graphviz digraph."""
    return Response(to_dot(_drawn(session, row, options), row.name), media_type=DOT_TYPE)
