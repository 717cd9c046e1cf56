"""PATCH on every /k8s object, the scale and status subresources, and the pod subresources
svcscope cannot serve.

Upstream: k8s.io/apiserver pkg/endpoints/handlers/patch.go. The body is read raw and dispatched
on Content-Type (kubectl sends four patch types, and no Content-Type at all on the scale PUT).
The patch is applied to the object as stored, inside the write transaction, and the result goes
through the same update use case as a PUT (app/services/objects.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app.api.deps import ClusterDep, UnsupportedMediaType, field_validation, read_limited
from app.api.errors import READ_ERRORS, WRITE_ERRORS, status_response
from app.api.fastjson import JSONResponse
from app.api.kube import core_kind, respond, write_kind
from app.api.kube_read import NOT_FOUND, one, read_one
from app.core.apiserver import fieldmanager, jsonpatch, patching, strategicpatch
from app.core.apiserver import writes as apiserver
from app.core.apiserver.subresources import manager_or_user_agent
from app.core.model import fieldvalidation, jsonsafe, yamlsafe
from app.core.model.workspace import Manifest
from app.db.session import ReadSession, WriteSession
from app.services import objects

router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes"], responses=READ_ERRORS)

UNKNOWN_PATCH = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
    "application/strategic-merge-patch+json"
)
# pkg/registry/core/pod/rest: these stream from a kubelet; svcscope runs no containers.
POD_STREAMS = ("log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers")
NO_CONTAINERS = (
    "svcscope simulates Services and networking, not containers: pods {sub} is not available "
    '(pods "{name}" run no processes)'
)


class PatchOptions:
    """PatchOptions from the query: fieldManager, force (apply only), dryRun=All."""

    def __init__(
        self,
        request: Request,
        field_manager: str | None = Query(None, alias="fieldManager", max_length=128),
        force: bool = Query(False),
        dry_run: str | None = Query(None, alias="dryRun", max_length=8),
        validation: str = Depends(field_validation),
    ) -> None:
        self.field_manager = field_manager
        # Non-apply patches are recorded as Update operations under this name.
        self.manager = manager_or_user_agent(field_manager, request.headers.get("user-agent", ""))
        self.validation = validation
        self.warnings: list[str] = []
        self.force = force
        if dry_run not in (None, "", "All"):
            raise apiserver.BadRequest(
                f'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: '
                f'"{dry_run}": supported values: "All"'
            )
        self.dry_run = dry_run == "All"


PatchOptionsDep = Annotated[PatchOptions, Depends()]


async def patch_body(request: Request) -> tuple[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip()
    if media not in patching.PATCH_TYPES:
        raise UnsupportedMediaType(UNKNOWN_PATCH)
    raw = await read_limited(request)
    try:
        if media == patching.APPLY:
            return media, jsonsafe.plain(yamlsafe.load_one(raw.decode("utf-8")))
        return media, jsonsafe.loads(raw)
    except (yamlsafe.YamlError, jsonsafe.UnsafeDocument, UnicodeDecodeError) as exc:
        raise apiserver.BadRequest(str(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise apiserver.BadRequest(f"couldn't get version/kind; json parse error: {exc}") from None


class Patch:
    """What a PATCH handler takes besides the object's place: the request (its body is read
    only once the kind is known, so an unknown resource is 404 whatever the body), the write
    session and the PatchOptions. The cluster stays a parameter of each handler, so that
    /openapi.json keeps listing it first."""

    def __init__(self, request: Request, session: WriteSession, options: PatchOptionsDep) -> None:
        self.request, self.session, self.options = request, session, options

    async def apply(
        self, cluster: str, kind: str, namespace: str, name: str, subresource: str = ""
    ) -> JSONResponse:
        """Read the patch and apply it to the object (or its `subresource`) as stored."""
        media, body = await patch_body(self.request)
        return patch(
            self.session, cluster, kind, namespace, name, media, body, self.options, subresource
        )


PatchDep = Annotated[Patch, Depends()]


def patch(
    session: WriteSession,
    cluster: str,
    kind: str,
    namespace: str,
    name: str,
    media: str,
    body: Any,
    options: PatchOptions,
    subresource: str = "",
) -> JSONResponse:
    if isinstance(body, list) and len(body) > jsonpatch.MAX_OPERATIONS:
        return status_response(413, "The request is too large: too many operations")
    if media == patching.APPLY:
        if subresource:
            return status_response(
                415, f"apply patches are not supported on the {subresource} subresource"
            )
        return _apply(session, cluster, kind, namespace, name, body, options)

    def edit(stored: Manifest | None) -> Any:
        if stored is None:
            raise apiserver.not_found(kind, name)
        patched = patching.apply_patch(kind, stored, media, body)
        options.warnings = fieldvalidation.check(kind, patched, options.validation)
        return patched

    try:
        obj = objects.edit_object(
            session=session,
            cluster=cluster,
            kind=kind,
            namespace=namespace,
            name=name,
            edit=edit,
            dry_run=options.dry_run,
            manager=options.manager,
            subresource=subresource,
        )
    except PATCH_ERRORS as exc:
        return _patch_error(exc)
    return respond(obj, 200, options.warnings)


PATCH_ERRORS = (
    jsonpatch.BadPatch,
    jsonpatch.PatchFailed,
    strategicpatch.PatchError,
    fieldmanager.ApplyConflict,
)


def _patch_error(exc: Exception) -> JSONResponse:
    """The Status for a patch that does not apply, PATCH and server-side apply alike."""
    if isinstance(exc, fieldmanager.ApplyConflict):
        return status_response(409, str(exc), "Conflict", {"causes": exc.causes})
    if isinstance(exc, jsonpatch.PatchFailed):
        return rejected(str(exc))
    # A malformed JSON patch; and strategic-merge errors, most of which upstream answers 500
    # (interpretStrategicMergePatchError passes them through): the client caused them, so 400
    # with the same text.
    return status_response(400, str(exc), "BadRequest")


def rejected(_cause: str) -> JSONResponse:
    """A JSON patch that does not apply. patch.go answers errors.NewGenericServerResponse(422,
    …, isUnexpectedResponse=false), which keeps only the generic message: kubectl prints
    `The request is invalid: the server rejected our request due to an error in our request`."""
    message = "the server rejected our request due to an error in our request"
    return status_response(422, message, "Invalid")


def _apply(
    session: WriteSession,
    cluster: str,
    kind: str,
    namespace: str,
    name: str,
    body: Any,
    options: PatchOptions,
) -> JSONResponse:
    manager = options.field_manager
    if not manager:
        # pkg/endpoints/handlers/patch.go: apply patches must name their manager.
        return status_response(
            400, "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
            "is required for apply patch", "BadRequest",
        )  # fmt: skip
    if not isinstance(body, dict):
        return status_response(400, "error decoding YAML: expected a map", "BadRequest")
    meta = body.get("metadata")
    if isinstance(meta, dict) and meta.get("name") not in (None, name):
        return status_response(400, "the name of the object does not match the name on the URL")
    options.warnings = fieldvalidation.check(kind, body, options.validation)
    created = False

    def change(stored: Manifest | None) -> Any:
        nonlocal created
        created = stored is None
        return fieldmanager.server_side_apply(kind, stored, body, manager, force=options.force)

    try:
        obj = objects.apply_object(
            session=session,
            cluster=cluster,
            kind=kind,
            namespace=namespace,
            name=name,
            edit=change,
            dry_run=options.dry_run,
        )
    except PATCH_ERRORS as exc:
        return _patch_error(exc)
    return respond(obj, 201 if created else 200, options.warnings)


@router.patch("/api/v1/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS)
async def patch_namespaced(
    patcher: PatchDep, cluster: str, namespace: str, resource: str, name: str
) -> JSONResponse:
    """Patch a service, pod or endpoints (JSON, merge, strategic merge or apply patch)."""
    return await patcher.apply(cluster, core_kind(resource), namespace, name)


@router.patch("/api/v1/nodes/{name}", responses=WRITE_ERRORS)
async def patch_node(patcher: PatchDep, cluster: str, name: str) -> JSONResponse:
    """Patch a node (`kubectl label node`, `cordon`)."""
    return await patcher.apply(cluster, "Node", "", name)


@router.patch("/api/v1/namespaces/{name}", responses=WRITE_ERRORS)
async def patch_namespace(patcher: PatchDep, cluster: str, name: str) -> JSONResponse:
    """Patch a namespace (`kubectl label ns`, `apply` of a Namespace)."""
    return await patcher.apply(cluster, "Namespace", "", name)


@router.patch("/apis/{group}/{version}/{resource}/{name}", responses=WRITE_ERRORS)
async def patch_group_cluster(
    patcher: PatchDep, cluster: str, group: str, version: str, resource: str, name: str
) -> JSONResponse:
    """Patch a cluster-scoped object of a named group (a storageclass)."""
    kind = write_kind(group, version, resource, namespaced=False)
    return await patcher.apply(cluster, kind, "", name)


@router.patch(
    "/apis/{group}/{version}/namespaces/{namespace}/{resource}/{name}", responses=WRITE_ERRORS
)
async def patch_group_namespaced(
    patcher: PatchDep,
    cluster: str,
    group: str,
    version: str,
    namespace: str,
    resource: str,
    name: str,
) -> JSONResponse:
    """Patch a deployment, an endpointslice, an ingress, …"""
    return await patcher.apply(cluster, write_kind(group, version, resource), namespace, name)


# --- subresources ---------------------------------------------------------------------------
@router.get("/api/v1/namespaces/{namespace}/{resource}/{name}/status")
def read_status(
    request: Request,
    session: ReadSession,
    row: ClusterDep,
    namespace: str,
    resource: str,
    name: str,
) -> JSONResponse:
    """Read a service's or pod's status subresource (the whole object, as upstream)."""
    if resource not in ("services", "pods"):
        raise apiserver.NotFound(NOT_FOUND)
    return read_one(request, session, row, resource, namespace, name)


@router.get("/api/v1/nodes/{name}/status")
def read_node_status(
    request: Request, session: ReadSession, row: ClusterDep, name: str
) -> JSONResponse:
    """Read a node's status subresource."""
    return read_one(request, session, row, "nodes", "", name)


@router.get("/apis/apps/v1/namespaces/{namespace}/{resource}/{name}/status")
def read_workload_status(
    request: Request,
    session: ReadSession,
    row: ClusterDep,
    namespace: str,
    resource: str,
    name: str,
) -> JSONResponse:
    """Read a deployment's, replicaset's, statefulset's or daemonset's status subresource."""
    write_kind("apps", "v1", resource)
    return read_one(request, session, row, resource, namespace, name)


def _pod_stream(
    session: ReadSession, row: ClusterDep, namespace: str, name: str, sub: str
) -> JSONResponse:
    if sub not in POD_STREAMS:
        raise apiserver.NotFound(NOT_FOUND)
    one(session, row, "pods", namespace, name)  # a missing pod is still 404 NotFound
    label = {"log": "logs", "portforward": "port-forward"}.get(sub, sub)
    return status_response(400, NO_CONTAINERS.format(sub=label, name=name), "BadRequest")


@router.get("/api/v1/namespaces/{namespace}/pods/{name}/{sub}")
def read_pod_stream(
    session: ReadSession, row: ClusterDep, namespace: str, name: str, sub: str
) -> JSONResponse:
    """logs (and GET exec, attach, port-forward): refused with a Status, no containers run."""
    return _pod_stream(session, row, namespace, name, sub)


@router.post("/api/v1/namespaces/{namespace}/pods/{name}/{sub}", responses=WRITE_ERRORS)
def connect_pod_stream(
    session: ReadSession, row: ClusterDep, namespace: str, name: str, sub: str
) -> JSONResponse:
    """exec, attach, port-forward: refused with a Status (svcscope runs no containers)."""
    return _pod_stream(session, row, namespace, name, sub)


NO_METRICS = (
    "svcscope simulates Services and networking, not containers: metrics.k8s.io (kubectl top) "
    "is not served, since pods run no processes and use no CPU or memory"
)


metrics_router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes"], responses=READ_ERRORS)
"""Included before kube.py's router: its /apis/{group}/{version}/{resource} would answer first."""


@metrics_router.get("/apis/metrics.k8s.io/{path:path}")
def read_metrics(_: ClusterDep, path: str) -> JSONResponse:
    """Pod and node metrics (`kubectl top`): refused with a Status, nothing runs to measure.
    The group is not in discovery, so kubectl itself says `Metrics API not available`."""
    return status_response(404, NO_METRICS, "NotFound", {"group": "metrics.k8s.io"})
