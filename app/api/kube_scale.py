"""{deployments,replicasets,statefulsets}/{name}/scale: the autoscaling/v1 Scale `kubectl
scale` reads and writes.

Upstream: pkg/registry/apps/{deployment,replicaset,statefulset}/storage/storage.go (ScaleREST)
— GET converts the workload to a Scale; PUT and PATCH change only spec.replicas, through the
workload's ordinary update, and a stale metadata.resourceVersion is 409 Conflict. kubectl's PUT
carries no Content-Type, so the body is read as JSON whatever the header says.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from app.api.deps import ClusterDep, parse_json, read_limited
from app.api.errors import READ_ERRORS, WRITE_ERRORS
from app.api.fastjson import JSONResponse
from app.api.kube import kind_in
from app.api.kube_patch import patch_body, rejected
from app.api.kube_read import one
from app.core.apiserver import jsonpatch, patching, strategicpatch
from app.core.apiserver import writes as apiserver
from app.core.apiserver.subresources import manager_or_user_agent
from app.core.model.workspace import Manifest
from app.db.session import ReadSession, WriteSession
from app.services import objects

router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes"], responses=READ_ERRORS)
PATH = "/apis/apps/v1/namespaces/{namespace}/{resource}/{name}/scale"
SCALABLE = {"deployments": "Deployment", "replicasets": "ReplicaSet", "statefulsets": "StatefulSet"}


def _selector(deployment: Manifest) -> str:
    """metav1.LabelSelectorAsSelector(...).String(): `k=v` and `k in (a,b)`, sorted by key."""
    selector = deployment.get("spec", {}).get("selector", {})
    terms = [f"{k}={v}" for k, v in selector.get("matchLabels", {}).items()]
    operators = {"In": "in", "NotIn": "notin"}
    for expr in selector.get("matchExpressions", []):
        key, op = expr.get("key", ""), expr.get("operator", "")
        if op in operators:
            terms.append(f"{key} {operators[op]} ({','.join(sorted(expr.get('values', [])))})")
        else:
            terms.append(key if op == "Exists" else f"!{key}")
    return ",".join(sorted(terms))


def scale_of(deployment: Manifest, status: dict[str, Any]) -> dict[str, Any]:
    meta = deployment["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": deployment.get("spec", {}).get("replicas", 1)},
        "status": {"replicas": status.get("replicas", 0), "selector": _selector(deployment)},
    }


def _write_scale(
    session: WriteSession,
    cluster: str,
    kind: str,
    namespace: str,
    name: str,
    before: Manifest,
    scale_from: Any,
    manager: str,
) -> JSONResponse:
    """Apply the new Scale (computed from the current one by `scale_from`) to the Deployment."""

    def edit(stored: Manifest | None) -> Any:
        if stored is None:
            raise apiserver.not_found(kind, name)
        current = scale_of(stored, before.get("status", {}))
        scale = scale_from(current)
        replicas = scale.get("spec", {}).get("replicas") if isinstance(scale, dict) else None
        if isinstance(replicas, bool) or not isinstance(replicas, int):
            raise apiserver.BadRequest(
                'Scale in version "v1" cannot be handled as a Scale: spec.replicas must be '
                "an integer"
            )
        body = copy.deepcopy(stored)
        body["spec"]["replicas"] = replicas
        version = scale.get("metadata", {}).get("resourceVersion")
        body["metadata"]["resourceVersion"] = version or stored["metadata"]["resourceVersion"]
        return body

    try:
        stored = objects.edit_object(
            session=session,
            cluster=cluster,
            kind=kind,
            namespace=namespace,
            name=name,
            edit=edit,
            manager=manager,
            subresource="scale",
        )
    except jsonpatch.BadPatch as exc:
        raise apiserver.BadRequest(str(exc)) from None
    except (jsonpatch.PatchFailed, strategicpatch.PatchError) as exc:
        return rejected(str(exc))
    # Upstream answers with the Deployment's status as it was: the controller has yet to act.
    return JSONResponse(scale_of(stored, before.get("status", {})))


@router.get(PATH)
def read_scale(
    session: ReadSession, row: ClusterDep, namespace: str, resource: str, name: str
) -> JSONResponse:
    """The workload's Scale: spec.replicas, status.replicas and its selector."""
    kind_in(SCALABLE, resource)
    deployment = one(session, row, resource, namespace, name)
    return JSONResponse(scale_of(deployment, deployment.get("status", {})))


class ScaleWrite:
    """What a PUT or PATCH of a Scale takes besides the workload's place: the request, a read
    of the workload as it is (its status goes into the answer) and the write session. The
    cluster stays a parameter of each handler, so that /openapi.json keeps listing it first."""

    def __init__(
        self, request: Request, read: ReadSession, row: ClusterDep, session: WriteSession
    ) -> None:
        self.request, self.read, self.row, self.session = request, read, row, session

    def write(self, cluster: str, where: tuple[str, str, str], scale_from: Any) -> JSONResponse:
        """Write the Scale `scale_from` makes of the current one to the workload `where`
        names (resource, namespace, name), under fieldManager, else the User-Agent (kubectl
        scale sends none)."""
        resource, namespace, name = where
        kind = kind_in(SCALABLE, resource)
        before = one(self.read, self.row, resource, namespace, name)
        manager = manager_or_user_agent(
            self.request.query_params.get("fieldManager"),
            self.request.headers.get("user-agent", ""),
        )
        return _write_scale(
            self.session, cluster, kind, namespace, name, before, scale_from, manager
        )


ScaleWriteDep = Annotated[ScaleWrite, Depends()]


@router.put(PATH, responses=WRITE_ERRORS)
async def replace_scale(
    scale: ScaleWriteDep, cluster: str, namespace: str, resource: str, name: str
) -> JSONResponse:
    """Set spec.replicas from a whole Scale (409 when its resourceVersion is stale)."""
    body = parse_json(await read_limited(scale.request))
    return scale.write(cluster, (resource, namespace, name), lambda _: body)


@router.patch(PATH, responses=WRITE_ERRORS)
async def patch_scale(
    scale: ScaleWriteDep, cluster: str, namespace: str, resource: str, name: str
) -> JSONResponse:
    """Patch the Scale (kubectl scale sends a merge patch `{"spec":{"replicas":N}}`)."""
    media, body = await patch_body(scale.request)
    if media == patching.APPLY:
        raise apiserver.BadRequest("apply patches are not supported on the scale subresource")

    def patched(current: dict[str, Any]) -> Any:
        if media == patching.JSON_PATCH:
            return jsonpatch.json_patch(current, body)
        if not isinstance(body, dict):
            raise jsonpatch.BadPatch("json: cannot unmarshal array into Go value of type Scale")
        return jsonpatch.merge_patch(current, body)  # Scale has no merge keys

    return scale.write(cluster, (resource, namespace, name), patched)
