"""/k8s/{cluster}/openapi/v2 and /openapi/v3: the documents kubectl reads.

kubectl 1.29+ fetches /openapi/v3 and one document per group/version: a PATCH operation with a
`fieldValidation` parameter tells it the server validates fields itself (`apply` without
--validate=false); `explain` and client-side strategic merge read the component schemas, with
their descriptions and `x-kubernetes-patch-*` metadata. v2 is the same definitions in Swagger 2.0
form. Upstream serves v2 as protobuf to clients that ask only for that (kubectl's apply probes
it); we answer JSON to any Accept that allows it and 406 otherwise, which kubectl tolerates.
Schemas come from app.core.model.openapi_schemas (the decoding shapes).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import ClusterDep
from app.api.discovery import VERSION
from app.api.errors import READ_ERRORS
from app.core.apiserver.writes import ApiError, NotFound
from app.core.model.kept import KEPT
from app.core.model.openapi_schemas import PACKAGES, Builder, gvk

router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes discovery"], responses=READ_ERRORS)

# group/version path → (kind, resource, namespaced, subresources)
SERVED: dict[str, list[tuple[str, str, bool, tuple[str, ...]]]] = {
    "api/v1": [
        ("Service", "services", True, ("status",)),
        ("Pod", "pods", True, ("status",)),
        ("Endpoints", "endpoints", True, ()),
        ("Node", "nodes", False, ("status",)),
        ("Event", "events", True, ()),
    ],
    "apis/apps/v1": [
        ("Deployment", "deployments", True, ("status", "scale")),
        ("ReplicaSet", "replicasets", True, ("status", "scale")),
        ("StatefulSet", "statefulsets", True, ("status", "scale")),
        ("DaemonSet", "daemonsets", True, ("status",)),
    ],
    "apis/discovery.k8s.io/v1": [("EndpointSlice", "endpointslices", True, ())],
}
for _kept in KEPT:  # the kinds svcscope keeps without simulating them (app/core/model/kept.py)
    _gv = f"apis/{_kept.group}/{_kept.version}" if _kept.group else "api/v1"
    SERVED.setdefault(_gv, []).append((_kept.kind, _kept.resource, _kept.namespaced, ()))
PATCH_TYPES = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
]
_QUERY = {
    "fieldValidation": "Strict, Warn or Ignore: what to do with unknown or duplicate fields",
    "fieldManager": "the name of the actor making the change (required for apply patches)",
    "dryRun": "All: process the request without persisting it",
}
PATCH_DEF = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
SCALE_DEF = "io.k8s.api.autoscaling.v1.Scale"


class NotAcceptable(ApiError):
    code, reason = 406, "NotAcceptable"


def _parameters(*names: str) -> list[dict[str, Any]]:
    return [
        {"name": n, "in": "query", "description": _QUERY[n], "schema": {"type": "string"}}
        for n in names
    ]


def _operations(kind: str, body_ref: str, *, v3: bool) -> dict[str, Any]:
    ref = ("#/components/schemas/" if v3 else "#/definitions/") + body_ref
    kind_gvk = gvk(kind)
    if body_ref == SCALE_DEF:
        kind_gvk = {"group": "autoscaling", "version": "v1", "kind": "Scale"}

    def response() -> dict[str, Any]:
        if v3:
            return {"200": {"description": "OK", "content": {"application/json": {
                "schema": {"$ref": ref}}}}}  # fmt: skip
        return {"200": {"description": "OK", "schema": {"$ref": ref}}}

    def op(action: str, params: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "operationId": f"{action}{kind}",
            "parameters": params,
            "responses": response(),
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": kind_gvk,
        }
        return out

    patch = op("patch", _parameters("fieldValidation", "fieldManager", "dryRun"))
    put = op("put", _parameters("fieldValidation", "fieldManager", "dryRun"))
    patch_ref = ("#/components/schemas/" if v3 else "#/definitions/") + PATCH_DEF
    if v3:
        patch["requestBody"] = {
            "required": True,
            "content": {t: {"schema": {"$ref": patch_ref}} for t in PATCH_TYPES},
        }
        put["requestBody"] = {"required": True, "content": {"*/*": {"schema": {"$ref": ref}}}}
    else:
        patch["consumes"] = PATCH_TYPES
        patch["parameters"].append(
            {"name": "body", "in": "body", "required": True, "schema": {"$ref": patch_ref}}
        )
        put["parameters"].append(
            {"name": "body", "in": "body", "required": True, "schema": {"$ref": ref}}
        )
    return {"get": op("get", []), "put": put, "patch": patch}


def _paths(gv: str, *, v3: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    group = gv.split("/")[1] if gv.startswith("apis/") else ""
    package = PACKAGES[group]
    for kind, resource, namespaced, subresources in SERVED[gv]:
        base = f"/{gv}/namespaces/{{namespace}}/{resource}" if namespaced else f"/{gv}/{resource}"
        ref = f"{package}.{kind}"
        paths[f"{base}/{{name}}"] = _operations(kind, ref, v3=v3)
        for sub in subresources:
            body = SCALE_DEF if sub == "scale" else ref
            paths[f"{base}/{{name}}/{sub}"] = _operations(kind, body, v3=v3)
    return paths


def _definitions(builder: Builder) -> dict[str, Any]:
    out = builder.definitions()
    out[PATCH_DEF] = {
        "type": "object",
        "description": "Patch is provided to give a concrete name and type to the Kubernetes "
        "PATCH request body.",
    }
    return out


@cache
def v3_document(gv: str) -> bytes:
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": VERSION["gitVersion"]},
        "paths": _paths(gv, v3=True),
        "components": {"schemas": _definitions(Builder("#/components/schemas/", v3=True))},
    }
    return json.dumps(doc, separators=(",", ":")).encode()


@cache
def v2_document() -> bytes:
    paths: dict[str, Any] = {}
    for gv in SERVED:
        paths.update(_paths(gv, v3=False))
    doc = {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": VERSION["gitVersion"]},
        "paths": paths,
        "definitions": _definitions(Builder("#/definitions/", v3=False)),
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def _accepts_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").replace(" ", "")
    return not accept or any(
        part.split(";")[0] in ("application/json", "*/*", "application/*")
        for part in accept.split(",")
    )


@router.get("/openapi/v2")
def openapi_v2(request: Request, _: ClusterDep) -> Response:
    """Swagger 2.0 for every served kind (JSON only; protobuf-only clients get 406)."""
    if not _accepts_json(request):
        raise NotAcceptable("only the following media types are accepted: application/json")
    return Response(v2_document(), media_type="application/json")


@router.get("/openapi/v3")
def openapi_v3_index(_: ClusterDep) -> dict[str, Any]:
    """The group/versions with a document, each with a content hash (upstream's discovery)."""
    return {
        "paths": {
            gv: {
                "serverRelativeURL": f"/openapi/v3/{gv}?hash="
                + hashlib.sha512(v3_document(gv)).hexdigest()[:128].upper()
            }
            for gv in SERVED
        }
    }


@router.get("/openapi/v3/{gv:path}")
def openapi_v3(gv: str, _: ClusterDep) -> Response:
    """OpenAPI 3.0 for one group/version: api/v1, apis/apps/v1, apis/discovery.k8s.io/v1."""
    if gv not in SERVED:
        raise NotFound("the server could not find the requested resource")
    return Response(v3_document(gv), media_type="application/json")
