"""Type-checking a Kubernetes JSON object before anything reads it.

The API server decodes a body into Go structs first; a string where an int32 belongs never
reaches validation, it fails with 400 BadRequest and Go's json error text. We do the same
walk over plain dicts so the rest of the core can read fields without guarding types, while
unknown fields and annotations stay exactly as written. JSON nulls are dropped, as Go drops
them when it decodes into a struct and re-encodes with omitempty. The shapes walked are in
schema.py and the per-group modules (metav1, corev1, appsv1, discoveryv1).
"""

from __future__ import annotations

from typing import Any

from app.core.model.appsv1 import DAEMON_SET, DEPLOYMENT, REPLICA_SET, STATEFUL_SET
from app.core.model.corev1 import ENDPOINTS, NODE, POD, SERVICE
from app.core.model.discoveryv1 import ENDPOINT_SLICE
from app.core.model.eventshapes import EVENT
from app.core.model.kept import KEPT
from app.core.model.schema import (
    ANY,
    BOOL,
    INT32,
    INT32_T,
    INT64,
    INT64_T,
    INTSTR,
    STRING,
    TIME,
    ListOf,
    MapOf,
    Struct,
)

SCHEMAS = {
    "Service": SERVICE,
    "Pod": POD,
    "Node": NODE,
    "Deployment": DEPLOYMENT,
    "EndpointSlice": ENDPOINT_SLICE,
    "Endpoints": ENDPOINTS,
    "ReplicaSet": REPLICA_SET,
    "StatefulSet": STATEFUL_SET,
    "DaemonSet": DAEMON_SET,
    "Event": EVENT,
    **{k.kind: k.shape for k in KEPT},
}
_VERSIONS = {k.kind: k.version for k in KEPT}


class DecodeError(Exception):
    """A body the API server could not decode: 400 BadRequest with Go's json error text."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind = kind
        self.detail = detail
        version = _VERSIONS.get(kind, "v1")
        super().__init__(f'{kind} in version "{version}" cannot be handled as a {kind}: {detail}')


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _fail(value: object, struct: str, path: list[str], go_type: str) -> str:
    where = ".".join(path)
    return (
        f"json: cannot unmarshal {_json_type(value)} into Go struct field "
        f"{struct}.{where} of type {go_type}"
    )


def _check(value: Any, schema: Any, struct: str, path: list[str]) -> Any:
    if schema == ANY:
        return value
    if schema in (STRING, TIME):
        if not isinstance(value, str):
            go_type = "string" if schema == STRING else "v1.Time"
            raise ValueError(_fail(value, struct, path, go_type))
        return value
    if schema == BOOL:
        if not isinstance(value, bool):
            raise ValueError(_fail(value, struct, path, "bool"))
        return value
    if schema in (INT32_T, INT64_T):
        low, high = INT32 if schema == INT32_T else INT64
        is_whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not is_whole or not low <= value <= high:
            raise ValueError(_fail(value, struct, path, schema))
        return int(value)
    if schema == INTSTR:
        if isinstance(value, str):
            return value
        is_whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not is_whole or not INT32[0] <= value <= INT32[1]:
            raise ValueError(_fail(value, struct, path, "intstr.IntOrString"))
        return int(value)
    if isinstance(schema, ListOf):
        if not isinstance(value, list):
            raise ValueError(_fail(value, struct, path, "[]" + _go_name(schema.item)))
        return [_check(item, schema.item, struct, path) for item in value if item is not None]
    if isinstance(schema, MapOf):
        if not isinstance(value, dict):
            raise ValueError(_fail(value, struct, path, "map[string]" + _go_name(schema.value)))
        return {k: _check(v, schema.value, struct, path) for k, v in value.items() if v is not None}
    if isinstance(schema, Struct):
        if not isinstance(value, dict):
            raise ValueError(_fail(value, struct, path, "v1." + schema.name))
        out: dict[str, Any] = {}
        for key, item in value.items():
            if item is None:
                continue
            sub = schema.fields.get(key)
            out[key] = item if sub is None else _check(item, sub, schema.name, [*path, key])
        return out
    raise TypeError(f"unknown schema {schema!r}")


def _go_name(schema: Any) -> str:
    if isinstance(schema, Struct):
        return "v1." + schema.name
    if isinstance(schema, ListOf):
        return "[]" + _go_name(schema.item)
    if isinstance(schema, MapOf):
        return "map[string]" + _go_name(schema.value)
    names = {INTSTR: "intstr.IntOrString", TIME: "v1.Time", ANY: "interface {}"}
    return names.get(str(schema), str(schema))


def decode(kind: str, body: object) -> dict[str, Any]:
    """Return a type-checked copy of body (nulls dropped, unknown fields kept) or raise."""
    schema = SCHEMAS[kind]
    if not isinstance(body, dict):
        detail = f"json: cannot unmarshal {_json_type(body)} into Go value of type v1.{kind}"
        raise DecodeError(kind, detail)
    try:
        checked: dict[str, Any] = _check(body, schema, kind, [])
    except ValueError as exc:
        raise DecodeError(kind, str(exc)) from None
    except RecursionError:
        raise DecodeError(kind, "json: exceeded max depth") from None
    return checked
