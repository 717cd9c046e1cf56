"""Full pages: the clusters, each cluster's topology, and its Services, pods and nodes tables.

The topology page answers an HTMX request (the toolbar form, or a refresh after a change) with
only its `diagram` block, so the fragment lives next to the page it belongs to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.core.apiserver import manifests, tables
from app.core.controllers import deployment
from app.core.model.workspace import Workspace
from app.db import repo
from app.db.session import ReadSession
from app.services import diagram
from app.services.clusters import summary
from app.web import clusteredits, edits, live, panel, simulate
from app.web.views import LAYER_NAMES, View, is_fragment_request, templates

router = APIRouter(tags=["pages"], include_in_schema=False)
router.include_router(panel.router)
router.include_router(edits.router)
router.include_router(clusteredits.router)
router.include_router(simulate.router)
router.include_router(live.router)  # before /clusters/{cluster}/{what} below
__all__ = ["router", "templates"]
HOME_SERVICES = 50
"""Services listed per cluster on the clusters page; the Services table has them all. A
cluster at Kubernetes' limits holds 10,000: listing every one made the home page megabytes
of HTML and its rendering the costliest request of the server."""


@router.get("/", response_class=HTMLResponse)
def clusters_page(request: Request, session: ReadSession) -> Response:
    """The clusters, each with its Services as `kubectl get svc -A` would show them."""
    items = []
    for row in repo.list_clusters(session):
        services = repo.load_state(session, row).services
        items.append(
            {
                "cluster": summary(session=session, row=row),
                "services": services[:HOME_SERVICES],
                "more": max(0, len(services) - HOME_SERVICES),
            }
        )
    context = {"items": items, "cluster_templates": clusteredits.TEMPLATES}
    return templates.TemplateResponse(request, "pages/clusters.html", context)


def not_found(request: Request, cluster: str) -> Response:
    return templates.TemplateResponse(
        request, "pages/not_found.html", {"what": f'cluster "{cluster}"'}, status_code=404
    )


@router.get("/clusters/{cluster}", response_class=HTMLResponse)
def topology_page(request: Request, session: ReadSession, cluster: str) -> Response:
    """The topology diagram with its toolbar, legend and side panel."""
    loaded = panel.load(session, cluster)
    if loaded is None:
        return not_found(request, cluster)
    row, ws, state = loaded
    view = View.from_request(request)
    context: dict[str, Any] = {
        "cluster": summary(session=session, row=row),
        "view": view,
        "layout": diagram.draw(state, row, view.options()),
        "layer_names": LAYER_NAMES,
        "tab": "topology",
        "destinations": simulate.destinations(ws),
        "node_names": [n.name for n in state.nodes[:500]],
    }
    if is_fragment_request(request):
        context["oob"] = True
        return templates.TemplateResponse(
            request, "pages/topology.html", context, block_name="diagram"
        )
    if view.sel:
        context["panel"] = panel.panel_context(ws, state, cluster, view.sel)
    return templates.TemplateResponse(request, "pages/topology.html", context)


def _rows(resource: str, items: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    table = tables.table(resource, items, "0", now)
    return [
        {"object": item, "cells": row["cells"]}
        for item, row in zip(items, table["rows"], strict=True)
    ]


def _table_context(ws: Workspace, what: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    columns = [c[0].upper() for c in tables.COLUMNS[what][0]]
    items = list(ws.items({"services": "Service", "pods": "Pod", "nodes": "Node"}[what]))
    context: dict[str, Any] = {"columns": columns, "rows": _rows(what, items, now)}
    if what == "pods":
        deployments = []
        for dep in ws.items("Deployment"):
            status = deployment.deployment_status(dep, deployment.owned_pods(ws, dep))
            deployments.append({**dep, "status": status})
        context["deployment_columns"] = [c[0].upper() for c in tables.COLUMNS["deployments"][0]]
        context["deployments"] = _rows("deployments", deployments, now)
    return context


@router.get("/clusters/{cluster}/manifests", response_class=HTMLResponse)
def manifests_page(request: Request, session: ReadSession, cluster: str) -> Response:
    """Import YAML (with a dry run) and export the cluster's objects."""
    loaded = panel.load(session, cluster)
    if loaded is None:
        return not_found(request, cluster)
    row, ws, _ = loaded
    exported = panel.to_yaml_all(manifests.export(ws))
    context = {
        "cluster": summary(session=session, row=row),
        "tab": "manifests",
        "exported": exported,
    }
    return templates.TemplateResponse(request, "pages/manifests.html", context)


@router.get("/clusters/{cluster}/{what}", response_class=HTMLResponse)
def table_page(request: Request, session: ReadSession, cluster: str, what: str) -> Response:
    """`kubectl get svc|pods|nodes -A -o wide`, with the actions of each row."""
    if what not in ("services", "pods", "nodes"):
        return templates.TemplateResponse(
            request, "pages/not_found.html", {"what": f"page {what!r}"}, status_code=404
        )
    loaded = panel.load(session, cluster)
    if loaded is None:
        return not_found(request, cluster)
    row, ws, _ = loaded
    context = {
        "cluster": summary(session=session, row=row),
        "tab": what,
        "what": what,
        **_table_context(ws, what),
    }
    if is_fragment_request(request):
        return templates.TemplateResponse(request, "pages/table.html", context, block_name="table")
    return templates.TemplateResponse(request, "pages/table.html", context)
