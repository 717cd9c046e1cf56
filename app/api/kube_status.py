"""PUT and PATCH on the status subresource: services, pods, nodes and the apps/v1 workloads.

Upstream: each kind's status strategy (pkg/registry/…/strategy.go, table in
app/core/apiserver/subresources.py) — a status write changes the status and keeps the stored
spec, while a write to the object keeps the stored status. The write is recorded in
managedFields as an Update with `subresource: status`. The GETs live in kube_patch.py.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.errors import READ_ERRORS, WRITE_ERRORS
from app.api.kube import WriteDep, kind_in, write_kind
from app.api.kube_patch import PatchDep
from app.core.apiserver.subresources import STATUS

router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes"], responses=READ_ERRORS)

CORE_STATUS = {"services": "Service", "pods": "Pod"}
CORE = "/api/v1/namespaces/{namespace}/{resource}/{name}/status"
NODE = "/api/v1/nodes/{name}/status"
WORKLOAD = "/apis/apps/v1/namespaces/{namespace}/{resource}/{name}/status"


@router.put(CORE, responses=WRITE_ERRORS)
def replace_core_status(
    write: WriteDep, cluster: str, namespace: str, resource: str, name: str
) -> JSONResponse:
    """Replace a service's or pod's status (its spec is kept as stored)."""
    return write.replace(cluster, kind_in(CORE_STATUS, resource), namespace, name, STATUS)


@router.patch(CORE, responses=WRITE_ERRORS)
async def patch_core_status(
    patcher: PatchDep, cluster: str, namespace: str, resource: str, name: str
) -> JSONResponse:
    """Patch a service's or pod's status (JSON, merge or strategic merge patch)."""
    return await patcher.apply(cluster, kind_in(CORE_STATUS, resource), namespace, name, STATUS)


@router.put(NODE, responses=WRITE_ERRORS)
def replace_node_status(write: WriteDep, cluster: str, name: str) -> JSONResponse:
    """Replace a node's status: a change of its Ready condition reaches its pods."""
    return write.replace(cluster, "Node", "", name, STATUS)


@router.patch(NODE, responses=WRITE_ERRORS)
async def patch_node_status(patcher: PatchDep, cluster: str, name: str) -> JSONResponse:
    """Patch a node's status."""
    return await patcher.apply(cluster, "Node", "", name, STATUS)


@router.put(WORKLOAD, responses=WRITE_ERRORS)
def replace_workload_status(
    write: WriteDep, cluster: str, namespace: str, resource: str, name: str
) -> JSONResponse:
    """Replace a workload's status (the simulated controller writes it again as it acts)."""
    return write.replace(cluster, write_kind("apps", "v1", resource), namespace, name, STATUS)


@router.patch(WORKLOAD, responses=WRITE_ERRORS)
async def patch_workload_status(
    patcher: PatchDep, cluster: str, namespace: str, resource: str, name: str
) -> JSONResponse:
    """Patch a deployment's, replicaset's, statefulset's or daemonset's status."""
    kind = write_kind("apps", "v1", resource)
    return await patcher.apply(cluster, kind, namespace, name, STATUS)
