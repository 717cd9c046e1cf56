"""Changing the cluster from the page: Services (create, edit, delete), Deployment scale, pod
and node readiness, adding and removing nodes.

Every change is a use case of app/services/objects.py — the same pipeline, defaults, validation
messages and transaction as the Kubernetes API — and a success answers with the
`service-changed` event so the diagram, tables and panel refresh themselves. A failure is shown
next to the field it concerns, never as an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.core.model.workspace import Manifest
from app.db.session import ReadSession, WriteSession
from app.services import objects
from app.services.errors import UseCaseFailed
from app.web.panel import load
from app.web.serviceform import TYPES, ServiceForm, errors_by_input
from app.web.views import CHANGED, templates

router = APIRouter(prefix="/clusters/{cluster}")
MAX_FORM_FIELDS = 200


@dataclass(frozen=True)
class Outcome:
    """The stored object, or the messages by form input ("" for the whole form)."""

    obj: Manifest | None
    errors: dict[str, list[str]]

    @property
    def message(self) -> str:
        return "; ".join(m for messages in self.errors.values() for m in messages)


def _attempt(write: Callable[[], Manifest]) -> Outcome:
    """Run a use case; a refusal becomes messages by form input."""
    try:
        return Outcome(write(), {})
    except UseCaseFailed as exc:
        if exc.field_errors:
            return Outcome(None, errors_by_input(exc.field_errors))
        return Outcome(None, {"name" if exc.reason == "AlreadyExists" else "": [exc.message]})


async def _form(request: Request) -> dict[str, str]:
    data = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _service_form(
    request: Request, cluster: str, form: ServiceForm, mode: str, **extra: Any
) -> Response:
    context = {"cluster": cluster, "form": form, "mode": mode, "types": TYPES, "errors": {}}
    context.update(extra)
    headers = CHANGED if extra.get("saved") else None
    return templates.TemplateResponse(
        request, "partials/service_form.html", context, headers=headers
    )


def _flash(request: Request, message: str, *, ok: bool = True) -> Response:
    return templates.TemplateResponse(
        request,
        "partials/flash.html",
        {"message": message, "ok": ok},
        headers=CHANGED if ok else None,
    )


@router.get("/services/new", response_class=HTMLResponse)
def new_service(request: Request, cluster: str) -> Response:
    """An empty Service form."""
    return _service_form(request, cluster, ServiceForm(), "create")


@router.get("/services/{namespace}/{name}/edit", response_class=HTMLResponse)
def edit_service(
    request: Request, session: ReadSession, cluster: str, namespace: str, name: str
) -> Response:
    """The form filled from the stored Service."""
    loaded = load(session, cluster)
    stored = loaded.ws.get("Service", namespace, name) if loaded else None
    if stored is None:
        return _flash(request, f'services "{name}" not found', ok=False)
    return _service_form(request, cluster, ServiceForm.from_manifest(stored), "edit")


async def _save_service(
    request: Request, session: WriteSession, cluster: str, mode: str, key: tuple[str, str] | None
) -> Response:
    data = await _form(request)
    form = ServiceForm.from_form(data)
    if data.get("add_port") or data.get("remove_port"):
        return _service_form(request, cluster, form, mode)
    _, bad_selector = form.selector_map()
    if bad_selector:
        return _service_form(request, cluster, form, mode, errors={"selector": [bad_selector]})

    def write() -> Manifest:
        if key is None:
            return objects.create_object(
                session=session, cluster=cluster, kind="Service", body=form.body(),
                namespace=form.namespace or "default",
            )  # fmt: skip
        return objects.edit_object(
            session=session, cluster=cluster, kind="Service", namespace=key[0], name=key[1],
            edit=form.body,
        )  # fmt: skip

    outcome = _attempt(write)
    if outcome.obj is None:
        return _service_form(request, cluster, form, mode, errors=outcome.errors)
    meta = outcome.obj["metadata"]
    verb = "created" if key is None else "updated"
    message = f"service/{meta['name']} {verb} in namespace {meta['namespace']}"
    saved = ServiceForm() if key is None else ServiceForm.from_manifest(outcome.obj)
    return _service_form(
        request,
        cluster,
        saved,
        mode,
        saved=message,
        saved_key=f"{meta['namespace']}/{meta['name']}",
    )


@router.post("/services", response_class=HTMLResponse)
async def create_service(request: Request, session: WriteSession, cluster: str) -> Response:
    """Create a Service from the form (or add/remove a port row)."""
    return await _save_service(request, session, cluster, "create", None)


@router.put("/services/{namespace}/{name}", response_class=HTMLResponse)
async def replace_service(
    request: Request, session: WriteSession, cluster: str, namespace: str, name: str
) -> Response:
    """Replace a Service with the edited form."""
    return await _save_service(request, session, cluster, "edit", (namespace, name))


@router.delete("/services/{namespace}/{name}", response_class=HTMLResponse)
def delete_service(
    request: Request, session: WriteSession, cluster: str, namespace: str, name: str
) -> Response:
    """Delete a Service; its ClusterIP and nodePorts go back to the allocators."""
    result = _attempt(
        lambda: objects.delete_object(
            session=session, cluster=cluster, kind="Service", namespace=namespace, name=name
        )
    )
    if result.obj is None:
        return _flash(request, result.message, ok=False)
    return _flash(request, f'service "{name}" deleted')


@router.post("/deployments/{namespace}/{name}/scale", response_class=HTMLResponse)
async def scale_deployment(
    request: Request, session: WriteSession, cluster: str, namespace: str, name: str
) -> Response:
    """Set a Deployment's replicas; the simulated controllers add or remove pods."""
    replicas = (await _form(request)).get("replicas", "").strip()
    if not replicas.lstrip("-").isdigit() or len(replicas) > 9:
        return _flash(
            request, f'spec.replicas: Invalid value: "{replicas}": must be an integer', ok=False
        )
    result = _attempt(
        lambda: objects.scale_deployment(
            session=session, cluster=cluster, namespace=namespace, name=name, replicas=int(replicas)
        )
    )
    if result.obj is None:
        return _flash(request, result.message, ok=False)
    return _flash(request, f"deployment.apps/{name} scaled to {replicas}")


def _ready_flag(data: dict[str, str]) -> bool:
    return data.get("ready", "true").lower() in ("true", "1", "on")


@router.post("/pods/{namespace}/{name}/ready", response_class=HTMLResponse)
async def set_pod_ready(
    request: Request, session: WriteSession, cluster: str, namespace: str, name: str
) -> Response:
    """Flip a pod's Ready condition (a failing readiness probe, or its recovery)."""
    ready = _ready_flag(await _form(request))
    result = _attempt(
        lambda: objects.set_ready(
            session=session,
            cluster=cluster,
            kind="Pod",
            namespace=namespace,
            name=name,
            ready=ready,
        )
    )
    if result.obj is None:
        return _flash(request, result.message, ok=False)
    return _flash(request, f"pod/{name} is now {'Ready' if ready else 'not Ready'}")


@router.post("/nodes/{name}/ready", response_class=HTMLResponse)
async def set_node_ready(
    request: Request, session: WriteSession, cluster: str, name: str
) -> Response:
    """Flip a node's Ready condition (the kubelet stops or resumes reporting)."""
    ready = _ready_flag(await _form(request))
    result = _attempt(
        lambda: objects.set_ready(
            session=session, cluster=cluster, kind="Node", namespace="", name=name, ready=ready
        )
    )
    if result.obj is None:
        return _flash(request, result.message, ok=False)
    return _flash(request, f"node/{name} is now {'Ready' if ready else 'NotReady'}")


@router.post("/nodes", response_class=HTMLResponse)
def add_node(request: Request, session: WriteSession, cluster: str) -> Response:
    """Join one more worker node (next free node-N name, zones in turn)."""
    result = _attempt(lambda: objects.add_node(session=session, cluster=cluster))
    if result.obj is None:
        return _flash(request, result.message, ok=False)
    return _flash(request, f"node/{result.obj['metadata']['name']} joined the cluster")


@router.delete("/nodes/{name}", response_class=HTMLResponse)
def remove_node(request: Request, session: WriteSession, cluster: str, name: str) -> Response:
    """Remove a node; its pods are deleted and their Deployments schedule replacements."""
    result = _attempt(
        lambda: objects.delete_object(
            session=session, cluster=cluster, kind="Node", namespace="", name=name
        )
    )
    if result.obj is None:
        return _flash(request, result.message, ok=False)
    return _flash(request, f'node "{name}" deleted')
