"""Full pages. The dashboard grows here; for now, the clusters and what each one holds."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks

from app.api.clusters import cluster_json
from app.core import printers
from app.db import repo
from app.db.session import ReadSession

ROOT = Path(__file__).resolve().parent.parent.parent
templates = Jinja2Blocks(directory=str(ROOT / "templates"))
templates.env.globals["printers"] = printers
router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def clusters_page(request: Request, session: ReadSession) -> Response:
    """The clusters, each with its Services as `kubectl get svc -A` would show them."""
    items = []
    for row in repo.list_clusters(session):
        state = repo.load_state(session, row)
        items.append({"cluster": cluster_json(session, row), "services": state.services})
    return templates.TemplateResponse(request, "pages/clusters.html", {"items": items})
