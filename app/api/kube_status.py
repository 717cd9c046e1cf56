"""PUT and PATCH on the status subresource: services, pods, nodes and the apps/v1 workloads.

Upstream: each kind's status strategy (pkg/registry/…/strategy.go, table in
app/core/apiserver/subresources.py) — a status write changes the status and keeps the stored
spec, while a write to the object keeps the stored status. The write is recorded in
managedFields as an Update with `subresource: status`. The GETs live in kube_patch.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.deps import BodyDep, FieldManagerDep, FieldValidationDep
from app.api.errors import READ_ERRORS, WRITE_ERRORS
from app.api.kube import replace, write_kind
from app.api.kube_patch import PatchOptionsDep, patch, patch_body
from app.api.kube_read import NOT_FOUND
from app.core.apiserver import writes as apiserver
from app.core.apiserver.subresources import STATUS
from app.db.session import WriteSession

router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes"], responses=READ_ERRORS)

CORE_STATUS = {"services": "Service", "pods": "Pod"}
CORE = "/api/v1/namespaces/{namespace}/{resource}/{name}/status"
NODE = "/api/v1/nodes/{name}/status"
WORKLOAD = "/apis/apps/v1/namespaces/{namespace}/{resource}/{name}/status"


def _core_kind(resource: str) -> str:
    if resource not in CORE_STATUS:
        raise apiserver.NotFound(NOT_FOUND)
    return CORE_STATUS[resource]


@router.put(CORE, responses=WRITE_ERRORS)
def replace_core_status(
    session: WriteSession,
    cluster: str,
    namespace: str,
    resource: str,
    name: str,
    body: BodyDep,
    validation: FieldValidationDep,
    manager: FieldManagerDep,
) -> JSONResponse:
    """Replace a service's or pod's status (its spec is kept as stored)."""
    kind = _core_kind(resource)
    where, writer = (namespace, name), (validation, manager)
    return replace(session, cluster, kind, where, body, writer, STATUS)


@router.patch(CORE, responses=WRITE_ERRORS)
async def patch_core_status(
    request: Request,
    session: WriteSession,
    cluster: str,
    namespace: str,
    resource: str,
    name: str,
    options: PatchOptionsDep,
) -> JSONResponse:
    """Patch a service's or pod's status (JSON, merge or strategic merge patch)."""
    kind = _core_kind(resource)
    media, body = await patch_body(request)
    return patch(session, cluster, kind, namespace, name, media, body, options, STATUS)


@router.put(NODE, responses=WRITE_ERRORS)
def replace_node_status(
    session: WriteSession,
    cluster: str,
    name: str,
    body: BodyDep,
    validation: FieldValidationDep,
    manager: FieldManagerDep,
) -> JSONResponse:
    """Replace a node's status: a change of its Ready condition reaches its pods."""
    return replace(session, cluster, "Node", ("", name), body, (validation, manager), STATUS)


@router.patch(NODE, responses=WRITE_ERRORS)
async def patch_node_status(
    request: Request, session: WriteSession, cluster: str, name: str, options: PatchOptionsDep
) -> JSONResponse:
    """Patch a node's status."""
    media, body = await patch_body(request)
    return patch(session, cluster, "Node", "", name, media, body, options, STATUS)


@router.put(WORKLOAD, responses=WRITE_ERRORS)
def replace_workload_status(
    session: WriteSession,
    cluster: str,
    namespace: str,
    resource: str,
    name: str,
    body: BodyDep,
    validation: FieldValidationDep,
    manager: FieldManagerDep,
) -> JSONResponse:
    """Replace a workload's status (the simulated controller writes it again as it acts)."""
    kind = write_kind("apps", "v1", resource)
    where, writer = (namespace, name), (validation, manager)
    return replace(session, cluster, kind, where, body, writer, STATUS)


@router.patch(WORKLOAD, responses=WRITE_ERRORS)
async def patch_workload_status(
    request: Request,
    session: WriteSession,
    cluster: str,
    namespace: str,
    resource: str,
    name: str,
    options: PatchOptionsDep,
) -> JSONResponse:
    """Patch a deployment's, replicaset's, statefulset's or daemonset's status."""
    kind = write_kind("apps", "v1", resource)
    media, body = await patch_body(request)
    return patch(session, cluster, kind, namespace, name, media, body, options, STATUS)
