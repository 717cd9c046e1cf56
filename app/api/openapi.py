"""The OpenAPI document says what the API really answers, so a fuzzer can hold it to that.

Most of it comes from the routes: response models (app/services, app/api/results.py), request
body models (app/api/schemas.py) and the Status errors each router declares (app/api/errors.py).
What remains here cannot be said on a route: the Kubernetes face reads raw bodies itself and
answers arbitrary objects, so `document()` adds request body schemas derived from the core's
decoding schemas, the shapes of Kubernetes objects and lists, the allowed path values, and
the write-token security schemes when a token is set.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.schemas import MEDIA_TYPES, RFC1123_LABEL
from app.core.apiserver.validation import services as validation
from app.core.model import decoding
from app.core.model.schema import (
    BOOL,
    INT32,
    INT32_T,
    INT64_T,
    INTSTR,
    STRING,
    TIME,
    ListOf,
    MapOf,
    Struct,
)
from app.settings import get_settings

REF = "#/components/schemas/"
DNS_LABEL = "^[a-z]([-a-z0-9]*[a-z0-9])?$"
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
BODY_READERS = frozenset({"json_body"})

OBJECT_META: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "uid": {"type": "string"},
        "resourceVersion": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
KUBERNETES_OBJECT: dict[str, Any] = {
    "type": "object",
    "title": "KubernetesObject",
    "required": ["apiVersion", "kind", "metadata"],
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": OBJECT_META,
    },
}
KUBERNETES_LIST: dict[str, Any] = {
    "type": "object",
    "title": "KubernetesList",
    "required": ["apiVersion", "kind", "metadata", "items"],
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string", "pattern": "List$"},
        "metadata": {"type": "object", "properties": {"resourceVersion": {"type": "string"}}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["metadata"],
                "properties": {"metadata": OBJECT_META},
            },
        },
    },
}
# Values the API server's validation enforces; "" is accepted where defaulting fills it in.
_ENUMS: dict[tuple[str, ...], list[str]] = {
    ("spec", "type"): ["", *validation.SERVICE_TYPES],
    ("spec", "sessionAffinity"): ["", *validation.SESSION_AFFINITIES],
    ("spec", "ports", "*", "protocol"): ["", *validation.PROTOCOLS],
}
_NARROWED: dict[tuple[str, ...], dict[str, Any]] = {
    ("metadata", "name"): {"type": "string", "pattern": DNS_SUBDOMAIN, "maxLength": 253},
    ("spec", "ports", "*", "port"): {"type": "integer", "minimum": 1, "maximum": 65535},
}
_SERVICE_NAME = {"type": "string", "pattern": DNS_LABEL, "maxLength": 63}

_GROUP_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "EndpointSlice")
# Which kinds each body-reading path accepts; any other path is documented as a JSON object.
_BODY_KINDS = {
    "/k8s/{cluster}/api/v1/namespaces/{namespace}/{resource}": ("Service", "Pod"),
    "/k8s/{cluster}/api/v1/namespaces/{namespace}/{resource}/{name}": ("Service", "Pod"),
    "/k8s/{cluster}/api/v1/nodes": ("Node",),
    "/k8s/{cluster}/api/v1/nodes/{name}": ("Node",),
    "/k8s/{cluster}/apis/{group}/v1/namespaces/{namespace}/{resource}": _GROUP_KINDS,
    "/k8s/{cluster}/apis/{group}/v1/namespaces/{namespace}/{resource}/{name}": _GROUP_KINDS,
}
_PATH_ENUMS = {
    "/k8s/{cluster}/api/v1/namespaces/{namespace}/": {
        "resource": ["services", "pods", "endpoints", "events"]
    },
    "/k8s/{cluster}/apis/{group}/": {
        "group": ["apps", "discovery.k8s.io", "events.k8s.io"],
        "resource": [
            "deployments",
            "replicasets",
            "statefulsets",
            "daemonsets",
            "endpointslices",
            "events",
        ],
    },
}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """JSON null stands for "unset" wherever Go decodes into a struct, list or map."""
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    return schema


def kind_schema(value: Any, path: tuple[str, ...] = ()) -> dict[str, Any]:
    """JSON Schema for one of app.core.model.schema's Go-struct descriptions."""
    if path in _NARROWED:
        return dict(_NARROWED[path])
    if path in _ENUMS:
        return {"enum": _ENUMS[path]}
    if isinstance(value, Struct):
        properties = {k: _nullable(kind_schema(v, (*path, k))) for k, v in value.fields.items()}
        return {"type": "object", "title": value.name, "properties": properties}
    if isinstance(value, ListOf):
        return {"type": "array", "items": _nullable(kind_schema(value.item, (*path, "*")))}
    if isinstance(value, MapOf):
        return {"type": "object", "additionalProperties": _nullable(kind_schema(value.value, path))}
    int32 = {"type": "integer", "minimum": INT32[0], "maximum": INT32[1]}
    scalars: dict[str, dict[str, Any]] = {
        STRING: {"type": "string"},
        TIME: {"type": "string"},
        BOOL: {"type": "boolean"},
        INT32_T: int32,
        INT64_T: {"type": "integer"},
        INTSTR: {"anyOf": [int32, {"type": "string"}]},
    }
    return scalars.get(value, {})


def _reads_body(route: APIRoute) -> bool:
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if getattr(dependant.call, "__name__", "") in BODY_READERS:
            return True
        stack.extend(dependant.dependencies)
    return False


def _body_schema(path: str) -> dict[str, Any]:
    kinds = _BODY_KINDS.get(path)
    if not kinds:
        return {"type": "object"}
    refs = [{"$ref": REF + kind} for kind in kinds]
    return refs[0] if len(refs) == 1 else {"anyOf": refs}


def _success_schema(path: str, method: str) -> dict[str, Any] | None:
    """The /k8s face answers arbitrary Kubernetes objects and lists (JSONResponse)."""
    if not path.startswith("/k8s/") or (path not in _BODY_KINDS and method != "get"):
        return None
    if method != "get":
        return {"$ref": REF + "KubernetesObject"}
    tail = path.rsplit("/", 1)[-1]
    if tail == "{name}":
        return {"$ref": REF + "KubernetesObject"}
    if tail in ("{resource}", "nodes"):
        return {"$ref": REF + "KubernetesList"}
    return None


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def document(schema: dict[str, Any], routes: list[Any], *, token_required: bool) -> None:
    """Complete a FastAPI-generated document in place (see the module docstring)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(
        {
            "KubernetesObject": KUBERNETES_OBJECT,
            "KubernetesList": KUBERNETES_LIST,
            **{kind: kind_schema(struct) for kind, struct in decoding.SCHEMAS.items()},
        }
    )
    # Services are named by DNS-1035 labels; every other kind by DNS-1123 subdomains.
    components["Service"]["properties"]["metadata"]["properties"]["name"] = _nullable(_SERVICE_NAME)
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    if token_required:
        schema["components"]["securitySchemes"] = {
            "writeToken": {"type": "http", "scheme": "bearer"},
            "presenterSession": {"type": "apiKey", "in": "cookie", "name": "svcscope_session"},
        }
    readers = {
        (context.path_format, method.lower())
        for context in iter_route_contexts(routes)
        if isinstance(context.original_route, APIRoute) and _reads_body(context.original_route)
        for method in context.original_route.methods or ()
    }
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(("/api/", "/k8s/")) and path != "/api/clusters":
            continue
        for method, operation in operations.items():
            _document_operation(path, method, operation, (path, method) in readers)
            if token_required and method not in ("get", "head", "options"):
                operation["security"] = [{"writeToken": []}, {"presenterSession": []}]


def _document_operation(path: str, method: str, operation: dict[str, Any], reads: bool) -> None:
    responses = operation.setdefault("responses", {})
    success = _success_schema(path, method)
    if success is not None:
        for code, response in responses.items():
            if code.startswith("2"):
                response["content"] = _json_content(success)
    if reads and "requestBody" not in operation:
        body = _body_schema(path)
        operation["requestBody"] = {
            "required": True,
            "content": {media: {"schema": body} for media in MEDIA_TYPES},
        }
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "path":
            continue
        if parameter["name"] == "cluster":
            parameter["schema"] = {"type": "string", "pattern": RFC1123_LABEL, "maxLength": 63}
        for prefix, enums in _PATH_ENUMS.items():
            if path.startswith(prefix) and parameter["name"] in enums:
                parameter["schema"] = {"enum": enums[parameter["name"]]}


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            document(schema, app.routes, token_required=bool(get_settings().SVCSCOPE_WRITE_TOKEN))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
