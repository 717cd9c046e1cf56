"""/api/clusters/{cluster}/layout: the diagram positions a user dragged, saved per cluster.

`PUT` replaces them (`{"positions": {"node:node-1": {"x": 120, "y": 300}}}`), `GET` reads them
and `DELETE` resets the diagram to the computed layout (app/services/diagram.py).
"""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import BodyDep
from app.api.errors import READ_ERRORS, WRITE_ERRORS
from app.db.session import ReadSession, WriteSession
from app.services import diagram
from app.services.diagram import SavedLayout

router = APIRouter(prefix="/api/clusters/{cluster}", tags=["topology"], responses=READ_ERRORS)


@router.get("/layout")
def read_layout(session: ReadSession, cluster: str) -> SavedLayout:
    """The saved diagram positions (empty when the computed layout is used)."""
    return diagram.read_layout(session=session, cluster=cluster)


@router.put("/layout", responses=WRITE_ERRORS)
def replace_layout(session: WriteSession, cluster: str, body: BodyDep) -> SavedLayout:
    """Save the dragged positions of node, group and load-balancer boxes."""
    return diagram.save_layout(session=session, cluster=cluster, body=body)


@router.delete("/layout", responses=WRITE_ERRORS)
def delete_layout(session: WriteSession, cluster: str) -> SavedLayout:
    """Forget the saved positions: the diagram goes back to the computed layout."""
    return diagram.reset_layout(session=session, cluster=cluster)
