"""The Kubernetes face: /k8s/{cluster}/api/v1/… and /k8s/{cluster}/apis/{group}/{version}/….

Objects go in and out as Kubernetes JSON, lists carry a resourceVersion, errors are Status
objects. Writes are the use cases of app/services/objects.py (the core's apiserver pipeline in
one transaction), the same the pages call; reads live in kube_read.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.api import kube_read
from app.api.deps import BodyDep, ClusterDep, FieldManagerDep, FieldValidationDep
from app.api.errors import READ_ERRORS, WRITE_ERRORS
from app.api.fastjson import JSONResponse
from app.api.kube_read import NOT_FOUND, ListDep, read_one
from app.core.apiserver import writes as apiserver
from app.core.model import fieldvalidation
from app.core.model.kept import KEPT
from app.core.model.workspace import Manifest
from app.db.session import ReadSession, WriteSession
from app.services import objects

router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes"], responses=READ_ERRORS)

CORE_NAMESPACED: tuple[str, ...] = ("services", "pods", "endpoints", "events")
CORE_WRITABLE = {"services": "Service", "pods": "Pod", "endpoints": "Endpoints"}
GROUPS: dict[str, dict[str, str]] = {
    "apps": {
        "deployments": "Deployment",
        "replicasets": "ReplicaSet",
        "statefulsets": "StatefulSet",
        "daemonsets": "DaemonSet",
    },
    "discovery.k8s.io": {"endpointslices": "EndpointSlice"},
    "events.k8s.io": {"events": "Event"},
}
READ_ONLY = frozenset({"Event"})
"""Events are recorded by the simulated components, never written by clients."""
# The kept kinds (app/core/model/kept.py): core ones join the core lists, the others are
# looked up by (group, resource) in NAMED, with the version each group serves.
CORE_NAMESPACED += tuple(k.resource for k in KEPT if not k.group and k.namespaced)
CORE_WRITABLE.update({k.resource: k.kind for k in KEPT if not k.group and k.namespaced})
NAMED = {
    (group, resource): kind for group, kinds in GROUPS.items() for resource, kind in kinds.items()
}
NAMED.update({(k.group, k.resource): k.kind for k in KEPT if k.group})
VERSIONS = dict.fromkeys(GROUPS, "v1") | {k.group: k.version for k in KEPT if k.group}
CLUSTER_SCOPED_NAMED = {(k.group, k.resource) for k in KEPT if k.group and not k.namespaced}


class MethodNotAllowed(apiserver.ApiError):
    code, reason = 405, "MethodNotAllowed"


EVENTS_READ_ONLY = "events are recorded by the simulator, not written by clients"


def _core(resource: str) -> str:
    if resource not in CORE_NAMESPACED:
        raise apiserver.NotFound(NOT_FOUND)
    return resource


def kind_in(table: dict[str, str], resource: str) -> str:
    """The kind `table` serves `resource` as; any other resource is 404 with upstream's text."""
    if resource not in table:
        raise apiserver.NotFound(NOT_FOUND)
    return table[resource]


def core_kind(resource: str) -> str:
    """The kind a write to /api/v1/namespaces/{namespace}/{resource} changes (405 for events)."""
    if resource == "events":
        raise MethodNotAllowed(EVENTS_READ_ONLY)
    return kind_in(CORE_WRITABLE, resource)


def group_kind(group: str, version: str, resource: str, *, namespaced: bool = True) -> str:
    """The kind served at /apis/{group}/{version}/…/{resource}, or 404 as upstream."""
    kind = NAMED.get((group, resource))
    scoped = (group, resource) not in CLUSTER_SCOPED_NAMED
    if kind is None or VERSIONS.get(group) != version or scoped != namespaced:
        raise apiserver.NotFound(NOT_FOUND)
    return kind


def group_resource(group: str, version: str, resource: str) -> str:
    """The key kube_read knows the resource by (events.k8s.io's events are a view)."""
    group_kind(group, version, resource)
    return kube_read.EVENTS_V1 if group == "events.k8s.io" else resource


def write_kind(group: str, version: str, resource: str, *, namespaced: bool = True) -> str:
    """The kind a write through the group's path changes (405 for read-only kinds)."""
    kind = group_kind(group, version, resource, namespaced=namespaced)
    if kind in READ_ONLY:
        raise MethodNotAllowed(EVENTS_READ_ONLY)
    return kind


def respond(obj: Manifest, code: int, warnings: list[str]) -> JSONResponse:
    """The written object, with fieldValidation's warnings in a Warning header as upstream."""
    response = JSONResponse(obj, status_code=code)
    if warnings:
        # One header line each, in UTF-8 as Go's net/http writes them (Starlette's header
        # setter would take Latin-1 only: a field named in Greek was a 500).
        response.raw_headers.extend(
            (b"warning", value.encode()) for value in fieldvalidation.warning_headers(warnings)
        )
    return response


class Write:
    """What a POST or PUT handler takes besides the object's place: the write session, the
    body, `fieldValidation` and the field manager, resolved in that order (the order the
    handlers declared them in before they shared this). The cluster stays a parameter of each
    handler, so that /openapi.json keeps listing it first."""

    def __init__(
        self,
        session: WriteSession,
        body: BodyDep,
        validation: FieldValidationDep,
        manager: FieldManagerDep,
    ) -> None:
        self.session, self.body, self.validation, self.manager = session, body, validation, manager

    def create(self, cluster: str, kind: str, namespace: str = "") -> JSONResponse:
        """POST: unknown fields are refused or warned of per fieldValidation; 201 Created."""
        warnings = fieldvalidation.check(kind, self.body, self.validation)
        obj = objects.create_object(
            session=self.session, cluster=cluster, kind=kind, body=self.body,
            namespace=namespace, manager=self.manager,
        )  # fmt: skip
        return respond(obj, 201, warnings)

    def replace(
        self, cluster: str, kind: str, namespace: str, name: str, subresource: str = ""
    ) -> JSONResponse:
        """PUT of an object or its status; unknown fields are refused or warned of as on POST."""
        warnings = fieldvalidation.check(kind, self.body, self.validation)
        obj = objects.replace_object(
            session=self.session, cluster=cluster, kind=kind, namespace=namespace, name=name,
            body=self.body, manager=self.manager, subresource=subresource,
        )  # fmt: skip
        return respond(obj, 200, warnings)


WriteDep = Annotated[Write, Depends()]


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
def create_namespaced(write: WriteDep, cluster: str, namespace: str, resource: str) -> JSONResponse:
    """Create a service, pod, or endpoints for a Service without a selector."""
    return write.create(cluster, core_kind(resource), namespace)


@router.put("/api/v1/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS)
def replace_namespaced(
    write: WriteDep, cluster: str, namespace: str, resource: str, name: str
) -> JSONResponse:
    """Replace a service or pod (its status is kept: that is written through /status)."""
    return write.replace(cluster, core_kind(resource), namespace, name)


@router.delete("/api/v1/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS)
def delete_namespaced(
    session: WriteSession, cluster: str, namespace: str, resource: str, name: str
) -> Manifest:
    """Delete a service or pod (a Deployment's pod is replaced at once)."""
    return _delete(session, cluster, core_kind(resource), namespace, name)


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
def create_node(write: WriteDep, cluster: str) -> JSONResponse:
    """Register a node (the simulator fills status, InternalIP and podCIDR when absent)."""
    return write.create(cluster, "Node")


@router.put("/api/v1/nodes/{name}", responses=WRITE_ERRORS)
def replace_node(write: WriteDep, cluster: str, name: str) -> JSONResponse:
    """Replace a node (its status is kept: a Ready change goes through nodes/{name}/status)."""
    return write.replace(cluster, "Node", "", name)


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
@router.get("/apis/{group}/{version}/namespaces/{namespace}/{resource}")
def list_group_namespaced(
    query: ListDep,
    session: ReadSession,
    row: ClusterDep,
    group: str,
    version: str,
    namespace: str,
    resource: str,
) -> Response:
    """List deployments, endpointslices, events, ingresses, … in one namespace."""
    return query.respond(session, row, group_resource(group, version, resource), namespace)


@router.get("/apis/{group}/{version}/{resource}")
def list_group_all(
    query: ListDep, session: ReadSession, row: ClusterDep, group: str, version: str, resource: str
) -> Response:
    """List a resource of a named group across all namespaces (or a cluster-scoped one)."""
    if (group, resource) in CLUSTER_SCOPED_NAMED:
        group_kind(group, version, resource, namespaced=False)
        return query.respond(session, row, resource, None)
    return query.respond(session, row, group_resource(group, version, resource), None)


@router.get("/apis/{group}/{version}/namespaces/{namespace}/{resource}/{name}")
def read_group_namespaced(
    request: Request,
    session: ReadSession,
    row: ClusterDep,
    group: str,
    version: str,
    namespace: str,
    resource: str,
    name: str,
) -> JSONResponse:
    """Read one deployment, endpointslice, event, ingress, …"""
    key = group_resource(group, version, resource)
    return read_one(request, session, row, key, namespace, name)


@router.post(
    "/apis/{group}/{version}/namespaces/{namespace}/{resource}",
    status_code=201,
    responses=WRITE_ERRORS,
)
def create_group_namespaced(
    write: WriteDep, cluster: str, group: str, version: str, namespace: str, resource: str
) -> JSONResponse:
    """Create a deployment (its pods are scheduled at once), an endpointslice, an ingress, …"""
    return write.create(cluster, write_kind(group, version, resource), namespace)


@router.put(
    "/apis/{group}/{version}/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS
)
def replace_group_namespaced(
    write: WriteDep,
    cluster: str,
    group: str,
    version: str,
    namespace: str,
    resource: str,
    name: str,
) -> JSONResponse:
    """Replace a deployment, a user-managed endpointslice, an ingress, …"""
    return write.replace(cluster, write_kind(group, version, resource), namespace, name)


@router.delete(
    "/apis/{group}/{version}/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS
)
def delete_group_namespaced(
    session: WriteSession,
    cluster: str,
    group: str,
    version: str,
    namespace: str,
    resource: str,
    name: str,
) -> Manifest:
    """Delete a deployment (and its pods), an endpointslice, an ingress, …"""
    kind = write_kind(group, version, resource)
    return _delete(session, cluster, kind, namespace, name)


# --- cluster-scoped kinds: namespaces, storageclasses ---------------------------------------
@router.post("/api/v1/namespaces", status_code=201, responses=WRITE_ERRORS)
def create_namespace(write: WriteDep, cluster: str) -> JSONResponse:
    """Create a namespace (its `default` ServiceAccount follows, as its controller makes it)."""
    return write.create(cluster, "Namespace")


@router.put("/api/v1/namespaces/{name}", responses=WRITE_ERRORS)
def replace_namespace(write: WriteDep, cluster: str, name: str) -> JSONResponse:
    """Replace a namespace's metadata (its spec and status are the server's)."""
    return write.replace(cluster, "Namespace", "", name)


@router.delete("/api/v1/namespaces/{name}", responses=WRITE_ERRORS)
def delete_namespace(session: WriteSession, cluster: str, name: str) -> Manifest:
    """Delete a namespace and everything in it (the system namespaces are refused, 403)."""
    return _delete(session, cluster, "Namespace", "", name)


@router.get("/apis/{group}/{version}/{resource}/{name}")
def read_group_cluster(
    request: Request,
    session: ReadSession,
    row: ClusterDep,
    group: str,
    version: str,
    resource: str,
    name: str,
) -> JSONResponse:
    """Read one cluster-scoped object of a named group (a storageclass)."""
    group_kind(group, version, resource, namespaced=False)
    return read_one(request, session, row, resource, "", name)


@router.post("/apis/{group}/{version}/{resource}", status_code=201, responses=WRITE_ERRORS)
def create_group_cluster(
    write: WriteDep, cluster: str, group: str, version: str, resource: str
) -> JSONResponse:
    """Create a cluster-scoped object of a named group (a storageclass)."""
    return write.create(cluster, write_kind(group, version, resource, namespaced=False))


@router.put("/apis/{group}/{version}/{resource}/{name}", responses=WRITE_ERRORS)
def replace_group_cluster(
    write: WriteDep, cluster: str, group: str, version: str, resource: str, name: str
) -> JSONResponse:
    """Replace a cluster-scoped object of a named group."""
    kind = write_kind(group, version, resource, namespaced=False)
    return write.replace(cluster, kind, "", name)


@router.delete("/apis/{group}/{version}/{resource}/{name}", responses=WRITE_ERRORS)
def delete_group_cluster(
    session: WriteSession, cluster: str, group: str, version: str, resource: str, name: str
) -> Manifest:
    """Delete a cluster-scoped object of a named group."""
    kind = write_kind(group, version, resource, namespaced=False)
    return _delete(session, cluster, kind, "", name)
