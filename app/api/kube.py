"""The Kubernetes face: /k8s/{cluster}/api/v1/… and /k8s/{cluster}/apis/{group}/v1/….

Objects go in and out as Kubernetes JSON, lists carry a resourceVersion, errors are Status
objects. Writes run the core's apiserver pipeline in one transaction (app/db/repo.write).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from app.api.deps import BodyDep, ClusterDep
from app.core import apiserver, endpoints, scheduling, selectors
from app.core.workspace import Manifest
from app.db import repo
from app.db.session import ReadSession, WriteSession
from app.db.tables import ClusterRow

router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes"])

STORED = {
    "services": "Service",
    "pods": "Pod",
    "nodes": "Node",
    "deployments": "Deployment",
}
LIST_KINDS = {
    "services": ("v1", "ServiceList"),
    "pods": ("v1", "PodList"),
    "nodes": ("v1", "NodeList"),
    "endpoints": ("v1", "EndpointsList"),
    "deployments": ("apps/v1", "DeploymentList"),
    "endpointslices": ("discovery.k8s.io/v1", "EndpointSliceList"),
}
LABEL_SELECTOR = Query(None, alias="labelSelector", max_length=4096)
ENDPOINTS_WARNING = (
    '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"'
)


def _list(
    row: ClusterRow, resource: str, items: list[Manifest], selector: str | None
) -> dict[str, Any]:
    requirements = selectors.parse(selector or "")
    chosen = [
        i for i in items if selectors.matches(requirements, i.get("metadata", {}).get("labels", {}))
    ]
    api_version, kind = LIST_KINDS[resource]
    return {
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"resourceVersion": str(row.resource_version)},
        "items": chosen,
    }


def _with_kind(obj: Manifest, resource: str) -> Manifest:
    api_version, list_kind = LIST_KINDS[resource]
    obj.setdefault("apiVersion", api_version)
    obj.setdefault("kind", list_kind.removesuffix("List"))
    return obj


def _read_stored(
    session: ReadSession, row: ClusterRow, resource: str, namespace: str | None
) -> list[Manifest]:
    assert row.id is not None
    kind = STORED[resource]
    items = repo.read_objects(session, row.id, kind, namespace)
    if kind == "Deployment":
        items = [_deployment_with_status(session, row, d) for d in items]
    return items


def _deployment_with_status(session: ReadSession, row: ClusterRow, dep: Manifest) -> Manifest:
    assert row.id is not None
    namespace = dep["metadata"].get("namespace", "default")
    pods = [
        p
        for p in repo.read_objects(session, row.id, "Pod", namespace)
        if apiserver.pod_owned_by(p, dep)
    ]
    return {**dep, "status": scheduling.deployment_status(dep, pods)}


def _derived(
    session: ReadSession, row: ClusterRow, resource: str, namespace: str | None
) -> list[Manifest]:
    """Endpoints and EndpointSlices are what the controllers derive from Services and pods."""
    state = repo.load_state(session, row)
    out: list[Manifest] = []
    for service in state.services:
        if namespace is not None and service.namespace != namespace:
            continue
        if resource == "endpoints":
            out.append(endpoints.endpoints_object(state, service))
        else:
            out.extend(endpoints.endpoint_slices(state, service))
    if resource == "endpointslices":
        out.extend(
            dict(s)
            for s in state.endpoint_slices
            if namespace is None or s.get("metadata", {}).get("namespace") == namespace
        )
        out.sort(key=lambda s: (s["metadata"].get("namespace", ""), s["metadata"]["name"]))
    for item in out:
        item.setdefault("metadata", {}).setdefault("resourceVersion", str(row.resource_version))
    return out


def _collection(
    session: ReadSession, row: ClusterRow, resource: str, namespace: str | None
) -> list[Manifest]:
    if resource in STORED:
        return _read_stored(session, row, resource, namespace)
    return _derived(session, row, resource, namespace)


def _one(
    session: ReadSession, row: ClusterRow, resource: str, namespace: str, name: str
) -> Manifest:
    assert row.id is not None
    if resource in STORED:
        obj = repo.read_object(session, row.id, STORED[resource], namespace, name)
        if obj is not None and resource == "deployments":
            obj = _deployment_with_status(session, row, obj)
    else:
        obj = next(
            (
                o
                for o in _derived(session, row, resource, namespace)
                if o["metadata"]["name"] == name
            ),
            None,
        )
    if obj is None:
        kind = {"endpoints": "Service", "endpointslices": "EndpointSlice"}.get(resource, "")
        kind = STORED.get(resource, kind)
        if resource == "endpoints":
            raise apiserver.NotFound(f'endpoints "{name}" not found', kind="endpoints", name=name)
        raise apiserver.not_found(kind, name)
    return _with_kind(obj, resource)


def _create(
    session: WriteSession, cluster: str, kind: str, body: Any, namespace: str
) -> JSONResponse:
    obj = repo.write(session, cluster, lambda ws: apiserver.create(ws, kind, body, namespace))
    return JSONResponse(obj, status_code=201)


def _replace(
    session: WriteSession, cluster: str, kind: str, namespace: str, name: str, body: Any
) -> Manifest:
    return repo.write(
        session, cluster, lambda ws: apiserver.replace(ws, kind, namespace, name, body)
    )


def _delete(session: WriteSession, cluster: str, kind: str, namespace: str, name: str) -> Manifest:
    return repo.write(session, cluster, lambda ws: apiserver.remove(ws, kind, namespace, name))


def _endpoints_response(payload: Any, resource: str) -> JSONResponse:
    response = JSONResponse(payload)
    if resource == "endpoints":
        response.headers["Warning"] = ENDPOINTS_WARNING
    return response


# --- core group, namespaced -------------------------------------------------------------
CORE_NAMESPACED = "services|pods|endpoints"


@router.get("/api/v1/namespaces/{namespace}/{resource}")
def list_namespaced(
    session: ReadSession,
    row: ClusterDep,
    namespace: str,
    resource: str,
    label_selector: str | None = LABEL_SELECTOR,
) -> JSONResponse:
    """List services, pods or endpoints in one namespace."""
    _core_namespaced(resource)
    return _endpoints_response(
        _list(row, resource, _collection(session, row, resource, namespace), label_selector),
        resource,
    )


@router.get("/api/v1/namespaces/{namespace}/{resource}/{name}")
def read_namespaced(
    session: ReadSession, row: ClusterDep, namespace: str, resource: str, name: str
) -> JSONResponse:
    """Read one service, pod or endpoints object."""
    _core_namespaced(resource)
    return _endpoints_response(_one(session, row, resource, namespace, name), resource)


@router.post("/api/v1/namespaces/{namespace}/{resource}", status_code=201)
def create_namespaced(
    session: WriteSession, cluster: str, namespace: str, resource: str, body: BodyDep
) -> JSONResponse:
    """Create a service or pod."""
    return _create(session, cluster, _writable(resource), body, namespace)


@router.put("/api/v1/namespaces/{namespace}/{resource}/{name}")
def replace_namespaced(
    session: WriteSession, cluster: str, namespace: str, resource: str, name: str, body: BodyDep
) -> Manifest:
    """Replace a service or pod."""
    return _replace(session, cluster, _writable(resource), namespace, name, body)


@router.delete("/api/v1/namespaces/{namespace}/{resource}/{name}")
def delete_namespaced(
    session: WriteSession, cluster: str, namespace: str, resource: str, name: str
) -> Manifest:
    """Delete a service or pod."""
    return _delete(session, cluster, _writable(resource), namespace, name)


def _core_namespaced(resource: str) -> None:
    if resource not in ("services", "pods", "endpoints"):
        raise apiserver.NotFound("the server could not find the requested resource")


def _writable(resource: str) -> str:
    if resource == "endpoints":
        raise MethodNotAllowed(
            "endpoints are maintained by the simulated endpoints controller from the Service's "
            "selector; create an EndpointSlice for a Service without a selector"
        )
    _core_namespaced(resource)
    return STORED[resource]


class MethodNotAllowed(apiserver.ApiError):
    code, reason = 405, "MethodNotAllowed"


# --- cluster-wide lists and nodes -------------------------------------------------------
@router.get("/api/v1/nodes")
def list_nodes(
    session: ReadSession, row: ClusterDep, label_selector: str | None = LABEL_SELECTOR
) -> dict[str, Any]:
    """List the worker nodes."""
    return _list(row, "nodes", _collection(session, row, "nodes", None), label_selector)


@router.get("/api/v1/nodes/{name}")
def read_node(session: ReadSession, row: ClusterDep, name: str) -> Manifest:
    """Read one node."""
    return _one(session, row, "nodes", "", name)


@router.post("/api/v1/nodes", status_code=201)
def create_node(session: WriteSession, cluster: str, body: BodyDep) -> JSONResponse:
    """Register a node (the simulator fills status, InternalIP and podCIDR when absent)."""
    return _create(session, cluster, "Node", body, "")


@router.put("/api/v1/nodes/{name}")
def replace_node(session: WriteSession, cluster: str, name: str, body: BodyDep) -> Manifest:
    """Replace a node."""
    return _replace(session, cluster, "Node", "", name, body)


@router.delete("/api/v1/nodes/{name}")
def delete_node(session: WriteSession, cluster: str, name: str) -> Manifest:
    """Delete a node; its pods are deleted and Deployments replace them elsewhere."""
    return _delete(session, cluster, "Node", "", name)


@router.get("/api/v1/{resource}")
def list_all_namespaces(
    session: ReadSession,
    row: ClusterDep,
    resource: str,
    label_selector: str | None = LABEL_SELECTOR,
) -> JSONResponse:
    """List services, pods or endpoints across all namespaces."""
    _core_namespaced(resource)
    return _endpoints_response(
        _list(row, resource, _collection(session, row, resource, None), label_selector), resource
    )


# --- apps/v1 and discovery.k8s.io/v1 ----------------------------------------------------
GROUPS = {"apps/v1": "deployments", "discovery.k8s.io/v1": "endpointslices"}


def _group_resource(group: str, resource: str) -> str:
    if GROUPS.get(f"{group}/v1") != resource:
        raise apiserver.NotFound("the server could not find the requested resource")
    return resource


@router.get("/apis/{group}/v1/namespaces/{namespace}/{resource}")
def list_group_namespaced(
    session: ReadSession,
    row: ClusterDep,
    group: str,
    namespace: str,
    resource: str,
    label_selector: str | None = LABEL_SELECTOR,
) -> dict[str, Any]:
    """List deployments or endpointslices in one namespace."""
    _group_resource(group, resource)
    return _list(row, resource, _collection(session, row, resource, namespace), label_selector)


@router.get("/apis/{group}/v1/{resource}")
def list_group_all(
    session: ReadSession,
    row: ClusterDep,
    group: str,
    resource: str,
    label_selector: str | None = LABEL_SELECTOR,
) -> dict[str, Any]:
    """List deployments or endpointslices across all namespaces."""
    _group_resource(group, resource)
    return _list(row, resource, _collection(session, row, resource, None), label_selector)


@router.get("/apis/{group}/v1/namespaces/{namespace}/{resource}/{name}")
def read_group_namespaced(
    session: ReadSession, row: ClusterDep, group: str, namespace: str, resource: str, name: str
) -> Manifest:
    """Read one deployment or endpointslice."""
    return _one(session, row, _group_resource(group, resource), namespace, name)


def _group_kind(group: str, resource: str) -> str:
    _group_resource(group, resource)
    return "Deployment" if resource == "deployments" else "EndpointSlice"


@router.post("/apis/{group}/v1/namespaces/{namespace}/{resource}", status_code=201)
def create_group_namespaced(
    session: WriteSession, cluster: str, group: str, namespace: str, resource: str, body: BodyDep
) -> JSONResponse:
    """Create a deployment (its pods are scheduled at once) or a user-managed endpointslice."""
    return _create(session, cluster, _group_kind(group, resource), body, namespace)


@router.put("/apis/{group}/v1/namespaces/{namespace}/{resource}/{name}")
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
    return _replace(session, cluster, _group_kind(group, resource), namespace, name, body)


@router.delete("/apis/{group}/v1/namespaces/{namespace}/{resource}/{name}")
def delete_group_namespaced(
    session: WriteSession, cluster: str, group: str, namespace: str, resource: str, name: str
) -> Manifest:
    """Delete a deployment (and its pods) or a user-managed endpointslice."""
    return _delete(session, cluster, _group_kind(group, resource), namespace, name)
