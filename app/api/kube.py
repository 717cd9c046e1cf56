"""The Kubernetes face: /k8s/{cluster}/api/v1/… and /k8s/{cluster}/apis/{group}/v1/….

Objects go in and out as Kubernetes JSON, lists carry a resourceVersion, errors are Status
objects. Writes are the use cases of app/services/objects.py (the core's apiserver pipeline in
one transaction), the same the pages call; reads live in kube_read.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.api.deps import BodyDep, ClusterDep, FieldValidationDep
from app.api.errors import READ_ERRORS, WRITE_ERRORS
from app.api.kube_read import NOT_FOUND, ListDep, read_one
from app.core.apiserver import writes as apiserver
from app.core.model import fieldvalidation
from app.core.model.workspace import Manifest
from app.db.session import ReadSession, WriteSession
from app.services import objects

router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes"], responses=READ_ERRORS)

CORE_NAMESPACED = ("services", "pods", "endpoints", "events")
CORE_WRITABLE = {"services": "Service", "pods": "Pod", "endpoints": "Endpoints"}
GROUPS = {
    "apps": ("deployments", "Deployment"),
    "discovery.k8s.io": ("endpointslices", "EndpointSlice"),
}


class MethodNotAllowed(apiserver.ApiError):
    code, reason = 405, "MethodNotAllowed"


def _core(resource: str) -> str:
    if resource not in CORE_NAMESPACED:
        raise apiserver.NotFound(NOT_FOUND)
    return resource


def _core_kind(resource: str) -> str:
    if resource == "events":
        raise MethodNotAllowed("events are recorded by the simulator, not written by clients")
    if resource not in CORE_WRITABLE:
        raise apiserver.NotFound(NOT_FOUND)
    return CORE_WRITABLE[resource]


def _group(group: str, resource: str) -> str:
    if GROUPS.get(group, ("", ""))[0] != resource:
        raise apiserver.NotFound(NOT_FOUND)
    return GROUPS[group][1]


def _create(
    session: WriteSession, cluster: str, kind: str, body: Any, namespace: str, validation: str
) -> JSONResponse:
    warnings = fieldvalidation.check(kind, body, validation)
    obj = objects.create_object(
        session=session, cluster=cluster, kind=kind, body=body, namespace=namespace
    )
    response = JSONResponse(obj, status_code=201)
    if warnings:
        response.headers["Warning"] = fieldvalidation.warning_header(warnings)
    return response


def _replace(
    session: WriteSession, cluster: str, kind: str, namespace: str, name: str, body: Any
) -> Manifest:
    return objects.replace_object(
        session=session, cluster=cluster, kind=kind, namespace=namespace, name=name, body=body
    )


def _delete(session: WriteSession, cluster: str, kind: str, namespace: str, name: str) -> Manifest:
    return objects.delete_object(
        session=session, cluster=cluster, kind=kind, namespace=namespace, name=name
    )


# --- core group ---------------------------------------------------------------------------
@router.get("/api/v1/namespaces/{namespace}/{resource}")
def list_namespaced(
    query: ListDep, session: ReadSession, row: ClusterDep, namespace: str, resource: str
) -> Response:
    """List services, pods, endpoints or events in one namespace."""
    return query.respond(session, row, _core(resource), namespace)


@router.get("/api/v1/namespaces/{namespace}/{resource}/{name}")
def read_namespaced(
    request: Request,
    session: ReadSession,
    row: ClusterDep,
    namespace: str,
    resource: str,
    name: str,
) -> JSONResponse:
    """Read one service, pod or endpoints object."""
    return read_one(request, session, row, _core(resource), namespace, name)


@router.post("/api/v1/namespaces/{namespace}/{resource}", status_code=201, responses=WRITE_ERRORS)
def create_namespaced(
    session: WriteSession,
    cluster: str,
    namespace: str,
    resource: str,
    body: BodyDep,
    validation: FieldValidationDep,
) -> JSONResponse:
    """Create a service, pod, or endpoints for a Service without a selector."""
    return _create(session, cluster, _core_kind(resource), body, namespace, validation)


@router.put("/api/v1/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS)
def replace_namespaced(
    session: WriteSession, cluster: str, namespace: str, resource: str, name: str, body: BodyDep
) -> Manifest:
    """Replace a service or pod."""
    return _replace(session, cluster, _core_kind(resource), namespace, name, body)


@router.delete("/api/v1/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS)
def delete_namespaced(
    session: WriteSession, cluster: str, namespace: str, resource: str, name: str
) -> Manifest:
    """Delete a service or pod (a Deployment's pod is replaced at once)."""
    return _delete(session, cluster, _core_kind(resource), namespace, name)


@router.get("/api/v1/namespaces/{name}")
def read_namespace(
    request: Request, session: ReadSession, row: ClusterDep, name: str
) -> JSONResponse:
    """Read a namespace (namespaces exist while objects live in them, plus the system ones)."""
    return read_one(request, session, row, "namespaces", "", name)


@router.get("/api/v1/nodes/{name}")
def read_node(request: Request, session: ReadSession, row: ClusterDep, name: str) -> JSONResponse:
    """Read one node."""
    return read_one(request, session, row, "nodes", "", name)


@router.post("/api/v1/nodes", status_code=201, responses=WRITE_ERRORS)
def create_node(
    session: WriteSession, cluster: str, body: BodyDep, validation: FieldValidationDep
) -> JSONResponse:
    """Register a node (the simulator fills status, InternalIP and podCIDR when absent)."""
    return _create(session, cluster, "Node", body, "", validation)


@router.put("/api/v1/nodes/{name}", responses=WRITE_ERRORS)
def replace_node(session: WriteSession, cluster: str, name: str, body: BodyDep) -> Manifest:
    """Replace a node; a change of its Ready condition reaches its pods."""
    return _replace(session, cluster, "Node", "", name, body)


@router.delete("/api/v1/nodes/{name}", responses=WRITE_ERRORS)
def delete_node(session: WriteSession, cluster: str, name: str) -> Manifest:
    """Delete a node; its pods are deleted and Deployments replace them elsewhere."""
    return _delete(session, cluster, "Node", "", name)


@router.get("/api/v1/{resource}")
def list_core(query: ListDep, session: ReadSession, row: ClusterDep, resource: str) -> Response:
    """List nodes, namespaces, or services/pods/endpoints/events across all namespaces."""
    if resource not in ("nodes", "namespaces"):
        _core(resource)
    return query.respond(session, row, resource, None)


# --- apps/v1 and discovery.k8s.io/v1 ------------------------------------------------------
@router.get("/apis/{group}/v1/namespaces/{namespace}/{resource}")
def list_group_namespaced(
    query: ListDep, session: ReadSession, row: ClusterDep, group: str, namespace: str, resource: str
) -> Response:
    """List deployments or endpointslices in one namespace."""
    _group(group, resource)
    return query.respond(session, row, resource, namespace)


@router.get("/apis/{group}/v1/{resource}")
def list_group_all(
    query: ListDep, session: ReadSession, row: ClusterDep, group: str, resource: str
) -> Response:
    """List deployments or endpointslices across all namespaces."""
    _group(group, resource)
    return query.respond(session, row, resource, None)


@router.get("/apis/{group}/v1/namespaces/{namespace}/{resource}/{name}")
def read_group_namespaced(
    request: Request,
    session: ReadSession,
    row: ClusterDep,
    group: str,
    namespace: str,
    resource: str,
    name: str,
) -> JSONResponse:
    """Read one deployment or endpointslice."""
    _group(group, resource)
    return read_one(request, session, row, resource, namespace, name)


@router.post(
    "/apis/{group}/v1/namespaces/{namespace}/{resource}", status_code=201, responses=WRITE_ERRORS
)
def create_group_namespaced(
    session: WriteSession,
    cluster: str,
    group: str,
    namespace: str,
    resource: str,
    body: BodyDep,
    validation: FieldValidationDep,
) -> JSONResponse:
    """Create a deployment (its pods are scheduled at once) or a user-managed endpointslice."""
    return _create(session, cluster, _group(group, resource), body, namespace, validation)


@router.put("/apis/{group}/v1/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS)
def replace_group_namespaced(
    session: WriteSession,
    cluster: str,
    group: str,
    namespace: str,
    resource: str,
    name: str,
    body: BodyDep,
) -> Manifest:
    """Replace a deployment or a user-managed endpointslice."""
    return _replace(session, cluster, _group(group, resource), namespace, name, body)


@router.delete("/apis/{group}/v1/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS)
def delete_group_namespaced(
    session: WriteSession, cluster: str, group: str, namespace: str, resource: str, name: str
) -> Manifest:
    """Delete a deployment (and its pods) or a user-managed endpointslice."""
    return _delete(session, cluster, _group(group, resource), namespace, name)
