"""Whole-cluster actions from the pages: create a cluster from a template, delete one, and
import its objects from YAML.

Each is the use case the API and the CLI call too (app/services): a template fills the new
cluster as `svcscope seed` does; an import is all or nothing, with a dry run that rolls back.
Failures are shown in the form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.core.apiserver.manifests import ImportFailed
from app.core.model.fielderrors import FieldError
from app.db.session import WriteSession
from app.services import clusters, manifests
from app.services.clusters import Template
from app.services.errors import UseCaseFailed
from app.settings import get_settings
from app.web.views import CHANGED, templates

router = APIRouter()
FORM_FIELDS = ("name", "template", "proxyMode", "nodes", "loadBalancerPool")
TEMPLATES: dict[Template, str] = {
    "demo": "demo: frontend (NodePort), web (LoadBalancer), backend (ClusterIP)",
    "bare-metal": "bare metal: the demo's web and frontend, no cloud provider",
    "empty": "empty: nodes and the kubeadm system Services only",
}


def _cluster_form(
    request: Request, values: dict[str, str], errors: dict[str, list[str]]
) -> Response:
    context = {"values": values, "errors": errors, "templates": TEMPLATES}
    return templates.TemplateResponse(request, "partials/cluster_form.html", context)


def _settings(values: dict[str, str], template: Template) -> dict[str, Any]:
    """The form as the JSON of POST /api/clusters: the template decides the provider."""
    body: dict[str, Any] = {
        "name": values["name"],
        "provider": "none" if template == "bare-metal" else "cloud",
    }
    if values["proxyMode"]:
        body["proxyMode"] = values["proxyMode"]
    if values["loadBalancerPool"]:  # empty: the provider's default pool
        body["loadBalancerPool"] = values["loadBalancerPool"]
    nodes_text = values["nodes"] or "3"
    body["nodes"] = int(nodes_text) if nodes_text.isdigit() else nodes_text
    return body


@router.post("/clusters", response_class=HTMLResponse)
async def create_cluster(request: Request, session: WriteSession) -> Response:
    """Create a cluster from a template, then open its topology."""
    form = await request.form(max_files=0, max_fields=20)
    values = {k: str(form.get(k, "")).strip()[:100] for k in FORM_FIELDS}
    template: Template = next((t for t in TEMPLATES if t == values["template"]), "demo")
    try:
        row = clusters.create_cluster(
            session=session, body=_settings(values, template), template=template
        )
    except UseCaseFailed as exc:
        return _cluster_form(request, values, _form_errors(exc))
    return Response(status_code=204, headers={"HX-Redirect": f"/clusters/{row.name}"})


def _form_errors(exc: UseCaseFailed) -> dict[str, list[str]]:
    if exc.field_errors:
        return errors_by_field(exc.field_errors)
    return {"name" if exc.reason == "AlreadyExists" else "": [exc.message]}


def errors_by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    """Cluster settings errors name the JSON field ("name", "nodes", "proxyMode") directly."""
    found: dict[str, list[str]] = {}
    for err in errors:
        found.setdefault(err.field if err.field in FORM_FIELDS else "", []).append(str(err))
    return found


@router.delete("/clusters/{cluster}", response_class=HTMLResponse)
def delete_cluster(session: WriteSession, cluster: str) -> Response:
    """Delete a cluster and everything in it, then show the clusters again."""
    try:
        clusters.delete_cluster(session=session, cluster=cluster)
    except UseCaseFailed:
        pass  # already gone: the list is what the user wants to see either way
    return Response(status_code=204, headers={"HX-Redirect": "/"})


@router.post("/clusters/{cluster}/manifests", response_class=HTMLResponse)
async def import_manifests(request: Request, session: WriteSession, cluster: str) -> Response:
    """Apply a YAML manifest (or only try it, with dry run): all documents or none."""
    limit = get_settings().SVCSCOPE_MAX_BODY_BYTES
    form = await request.form(max_files=0, max_fields=10, max_part_size=limit)
    text = str(form.get("manifest", ""))
    namespace = str(form.get("namespace", "default")).strip()[:63] or "default"
    dry_run = form.get("dryRun") == "1"
    context: dict[str, Any] = {"dry_run": dry_run}
    try:
        if len(text.encode()) > limit:
            raise _TooLarge
        docs = manifests.parse_manifest(text)
        context["outcomes"] = manifests.import_manifest(
            session=session, cluster=cluster, docs=docs, namespace=namespace, dry_run=dry_run
        )
    except _TooLarge:
        context["error"] = "the manifest is too large"
    except UseCaseFailed as exc:
        if isinstance(exc.error, ImportFailed):
            context["failures"] = exc.error.errors
        else:
            context["error"] = exc.message
    changed = "outcomes" in context and not dry_run
    return templates.TemplateResponse(
        request, "partials/import_result.html", context, headers=CHANGED if changed else None
    )


class _TooLarge(Exception):
    """The form's manifest is larger than a request body may be."""
