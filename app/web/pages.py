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
from app.core.model.kept import KEPT, STORED_NOT_SIMULATED
from app.db import repo
from app.db.session import ReadSession
from app.services import diagram, lists
from app.services.clusters import summary
from app.services.overview import overview
from app.web import clusteredits, edits, live, panel, scenarios, simulate, tablepage
from app.web.views import LAYER_NAMES, View, is_fragment_request, templates

router = APIRouter(tags=["pages"], include_in_schema=False)
router.include_router(panel.router)
router.include_router(edits.router)
router.include_router(clusteredits.router)
router.include_router(simulate.router)
router.include_router(scenarios.router)
router.include_router(live.router)  # before /clusters/{cluster}/{what} below
__all__ = ["router", "templates"]
"""Services listed per cluster on the clusters page; the Services table has them all. A
cluster at Kubernetes' limits holds 10,000: listing every one made the home page megabytes
of HTML and its rendering the costliest request of the server."""


@router.get("/", response_class=HTMLResponse)
def clusters_page(request: Request, session: ReadSession) -> Response:
    """The clusters, each summarised: counts by kind and Service type, provider, health."""
    items = [
        {
            "cluster": summary(session=session, row=row),
            "overview": overview(session=session, row=row),
        }
        for row in repo.list_clusters(session)
    ]
    context = {"items": items, "cluster_templates": clusteredits.TEMPLATES}
    return templates.TemplateResponse(request, "pages/clusters.html", context)


SEARCH_RESULTS = 50
"""Options the Service picker shows at once; more words narrow them."""


@router.get("/clusters/{cluster}/services/search", response_class=HTMLResponse)
def search_services(request: Request, session: ReadSession, cluster: str) -> Response:
    """The Service picker's options: every Service of the cluster matching the words typed."""
    try:
        row = repo.get_cluster(session, cluster)
    except repo.ClusterNotFound:
        return not_found(request, cluster)
    text = request.query_params.get("q", "")[:200].strip()
    found, total = lists.search_services(session=session, row=row, text=text, limit=SEARCH_RESULTS)
    context = {
        "found": found,
        "total": total,
        "text": text,
        "selected": request.query_params.get("service", "")[:300],
    }
    return templates.TemplateResponse(request, "partials/service_options.html", context)


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
        "sources": panel.sources(state),
        "presenter": scenarios.presenter_context(request, state),
    }
    if is_fragment_request(request):
        context["oob"] = True
        return templates.TemplateResponse(
            request, "pages/topology.html", context, block_name="diagram"
        )
    if view.sel:
        context["panel"] = panel.panel_context(ws, state, cluster, view.sel)
    return templates.TemplateResponse(request, "pages/topology.html", context)


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


@router.get("/clusters/{cluster}/objects", response_class=HTMLResponse)
def objects_page(request: Request, session: ReadSession, cluster: str) -> Response:
    """Namespaces, ServiceAccounts and the kinds svcscope stores without simulating them."""
    loaded = panel.load(session, cluster)
    if loaded is None:
        return not_found(request, cluster)
    row, ws, _ = loaded
    now = datetime.now(UTC)
    sections = []
    for kept in KEPT:
        items = list(ws.items(kept.kind))
        sections.append(
            {
                "kind": kept.kind,
                "command": f"kubectl get {kept.resource}{' -A' if kept.namespaced else ''}",
                "namespaced": kept.namespaced,
                "simulated": kept.simulated,
                "columns": [c[0].upper() for c in tables.COLUMNS[kept.resource][0]],
                "rows": tablepage.table_rows(kept.resource, items, now),
            }
        )
    context = {
        "cluster": summary(session=session, row=row),
        "tab": "objects",
        "sections": sections,
        "not_simulated": STORED_NOT_SIMULATED,
    }
    return templates.TemplateResponse(request, "pages/objects.html", context)


@router.get("/clusters/{cluster}/{what}", response_class=HTMLResponse)
def table_page(request: Request, session: ReadSession, cluster: str, what: str) -> Response:
    """`kubectl get svc|pods|nodes -A -o wide`, with the actions of each row."""
    if what not in ("services", "pods", "nodes"):
        return templates.TemplateResponse(
            request, "pages/not_found.html", {"what": f"page {what!r}"}, status_code=404
        )
    try:
        row = repo.get_cluster(session, cluster)
    except repo.ClusterNotFound:
        return not_found(request, cluster)
    context = {
        "cluster": summary(session=session, row=row),
        "tab": what,
        "what": what,
        **tablepage.table_context(session, row, what, tablepage.TableQuery.from_request(request)),
    }
    if is_fragment_request(request):
        return templates.TemplateResponse(request, "pages/table.html", context, block_name="table")
    return templates.TemplateResponse(request, "pages/table.html", context)
