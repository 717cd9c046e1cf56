"""Whole-cluster actions from the pages: create a cluster from a template, delete one, and
import or export its objects as YAML.

A template fills the new cluster through the same write path as `svcscope seed` (bootstrap,
then the demo objects through apiserver.create); an import runs
app.core.apiserver.manifests.apply in one
transaction, all or nothing, with a dry run that rolls back. Failures are shown in the form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.core.apiserver import bootstrap, manifests
from app.core.apiserver import clustersettings as clusters
from app.core.apiserver.writes import ApiError
from app.core.model.workspace import Workspace
from app.core.model.yamlsafe import YamlError
from app.db import repo
from app.db.seed import populate_demo
from app.db.session import WriteSession
from app.db.tables import ClusterRow
from app.settings import get_settings
from app.web.views import CHANGED, templates

router = APIRouter()
TEMPLATES = {
    "demo": "demo: frontend (NodePort), web (LoadBalancer), backend (ClusterIP)",
    "bare-metal": "bare metal: the demo's web and frontend, no cloud provider",
    "empty": "empty: nodes and the kubeadm system Services only",
}


class _DryRun(Exception):
    """Raised after a successful dry run so that repo.write rolls the transaction back."""

    def __init__(self, outcomes: list[manifests.Outcome]) -> None:
        self.outcomes = outcomes


def _populate(template: str, nodes: int) -> Any:
    def populate(ws: Workspace) -> None:
        if template == "empty":
            bootstrap.bootstrap(ws, nodes)
        else:
            populate_demo(ws, nodes, with_backend=template == "demo")

    return populate


def _cluster_form(
    request: Request, values: dict[str, str], errors: dict[str, list[str]]
) -> Response:
    context = {"values": values, "errors": errors, "templates": TEMPLATES}
    return templates.TemplateResponse(request, "partials/cluster_form.html", context)


@router.post("/clusters", response_class=HTMLResponse)
async def create_cluster(request: Request, session: WriteSession) -> Response:
    """Create a cluster from a template, then open its topology."""
    form = await request.form(max_files=0, max_fields=20)
    values = {
        k: str(form.get(k, "")).strip()[:100] for k in ("name", "template", "proxyMode", "nodes")
    }
    template = values["template"] if values["template"] in TEMPLATES else "demo"
    body: dict[str, Any] = {
        "name": values["name"],
        "provider": "none" if template == "bare-metal" else "cloud",
    }
    if values["proxyMode"]:
        body["proxyMode"] = values["proxyMode"]
    nodes_text = values["nodes"] or "3"
    body["nodes"] = int(nodes_text) if nodes_text.isdigit() else nodes_text
    try:
        config = clusters.config_from_json(body)
        nodes = clusters.node_count(body, config)
    except ValueError as exc:
        return _cluster_form(request, values, errors_by_field(exc.args[0]))
    if session.exec(select(ClusterRow).where(ClusterRow.name == config.name)).first():
        return _cluster_form(
            request, values, {"name": [f'clusters "{config.name}" already exists']}
        )
    try:
        repo.create_cluster(session, config, _populate(template, nodes))
    except IntegrityError:
        return _cluster_form(
            request, values, {"name": [f'clusters "{config.name}" already exists']}
        )
    except ApiError as exc:
        return _cluster_form(request, values, {"": [exc.message]})
    return Response(status_code=204, headers={"HX-Redirect": f"/clusters/{config.name}"})


def errors_by_field(errors: list[Any]) -> dict[str, list[str]]:
    """Cluster settings errors name the JSON field ("name", "nodes", "proxyMode") directly."""
    found: dict[str, list[str]] = {}
    for err in errors:
        found.setdefault(
            err.field if err.field in ("name", "nodes", "proxyMode") else "", []
        ).append(str(err))
    return found


@router.delete("/clusters/{cluster}", response_class=HTMLResponse)
def delete_cluster(session: WriteSession, cluster: str) -> Response:
    """Delete a cluster and everything in it, then show the clusters again."""
    try:
        repo.delete_cluster(session, cluster)
    except ApiError:
        pass  # already gone: the list is what the user wants to see either way
    return Response(status_code=204, headers={"HX-Redirect": "/"})


@router.post("/clusters/{cluster}/manifests", response_class=HTMLResponse)
async def import_manifests(request: Request, session: WriteSession, cluster: str) -> Response:
    """Apply a YAML manifest (or only try it, with dry run): all documents or none."""
    form = await request.form(
        max_files=0, max_fields=10, max_part_size=get_settings().SVCSCOPE_MAX_BODY_BYTES
    )
    text = str(form.get("manifest", ""))
    namespace = str(form.get("namespace", "default")).strip()[:63] or "default"
    dry_run = form.get("dryRun") == "1"
    context: dict[str, Any] = {"dry_run": dry_run}
    if len(text.encode()) > get_settings().SVCSCOPE_MAX_BODY_BYTES:
        context["error"] = "the manifest is too large"
        return templates.TemplateResponse(request, "partials/import_result.html", context)
    try:
        docs = manifests.parse(text)
    except YamlError as exc:
        context["error"] = str(exc)
        return templates.TemplateResponse(request, "partials/import_result.html", context)
    if not docs:
        context["error"] = "the manifest holds no objects"
        return templates.TemplateResponse(request, "partials/import_result.html", context)

    def change(ws: Workspace) -> list[manifests.Outcome]:
        outcomes = manifests.apply(ws, docs, namespace)
        if dry_run:
            raise _DryRun(outcomes)
        return outcomes

    try:
        context["outcomes"] = repo.write(session, cluster, change)
    except _DryRun as done:
        context["outcomes"] = done.outcomes
    except manifests.ImportFailed as failed:
        context["failures"] = failed.errors
    except ApiError as exc:
        context["error"] = exc.message
    changed = "outcomes" in context and not dry_run
    return templates.TemplateResponse(
        request, "partials/import_result.html", context, headers=CHANGED if changed else None
    )
