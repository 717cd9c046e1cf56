"""Type-checking a Kubernetes JSON object before anything reads it.

The API server decodes a body into Go structs first; a string where an int32 belongs never
reaches validation, it fails with 400 BadRequest and Go's json error text. We do the same
walk over plain dicts so the rest of the core can read fields without guarding types, while
unknown fields and annotations stay exactly as written. JSON nulls are dropped, as Go drops
them when it decodes into a struct and re-encodes with omitempty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Struct:
    """A Go struct: its type name (used in error text) and its JSON fields."""

    name: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class ListOf:
    item: Any


@dataclass(frozen=True)
class MapOf:
    value: Any


STRING, INT32_T, INT64_T, BOOL, INTSTR, ANY, TIME = (
    "string",
    "int32",
    "int64",
    "bool",
    "intstr",
    "any",
    "time",
)

OBJECT_META = Struct(
    "ObjectMeta",
    {
        "name": STRING,
        "generateName": STRING,
        "namespace": STRING,
        "uid": STRING,
        "resourceVersion": STRING,
        "generation": INT64_T,
        "creationTimestamp": TIME,
        "deletionTimestamp": TIME,
        "deletionGracePeriodSeconds": INT64_T,
        "labels": MapOf(STRING),
        "annotations": MapOf(STRING),
        "ownerReferences": ListOf(
            Struct(
                "OwnerReference",
                {
                    "apiVersion": STRING,
                    "kind": STRING,
                    "name": STRING,
                    "uid": STRING,
                    "controller": BOOL,
                    "blockOwnerDeletion": BOOL,
                },
            )
        ),
        "finalizers": ListOf(STRING),
        "managedFields": ListOf(
            Struct(
                "ManagedFieldsEntry",
                {
                    "manager": STRING,
                    "operation": STRING,
                    "apiVersion": STRING,
                    "time": TIME,
                    "fieldsType": STRING,
                    "fieldsV1": ANY,
                    "subresource": STRING,
                },
            )
        ),
    },
)

CONDITION = Struct(
    "Condition",
    {
        "type": STRING,
        "status": STRING,
        "observedGeneration": INT64_T,
        "lastTransitionTime": TIME,
        "lastUpdateTime": TIME,
        "reason": STRING,
        "message": STRING,
    },
)

LABEL_SELECTOR = Struct(
    "LabelSelector",
    {
        "matchLabels": MapOf(STRING),
        "matchExpressions": ListOf(
            Struct(
                "LabelSelectorRequirement",
                {"key": STRING, "operator": STRING, "values": ListOf(STRING)},
            )
        ),
    },
)

SERVICE = Struct(
    "Service",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": Struct(
            "ServiceSpec",
            {
                "ports": ListOf(
                    Struct(
                        "ServicePort",
                        {
                            "name": STRING,
                            "protocol": STRING,
                            "appProtocol": STRING,
                            "port": INT32_T,
                            "targetPort": INTSTR,
                            "nodePort": INT32_T,
                        },
                    )
                ),
                "selector": MapOf(STRING),
                "clusterIP": STRING,
                "clusterIPs": ListOf(STRING),
                "type": STRING,
                "externalIPs": ListOf(STRING),
                "sessionAffinity": STRING,
                "loadBalancerIP": STRING,
                "loadBalancerSourceRanges": ListOf(STRING),
                "externalName": STRING,
                "externalTrafficPolicy": STRING,
                "healthCheckNodePort": INT32_T,
                "publishNotReadyAddresses": BOOL,
                "sessionAffinityConfig": Struct(
                    "SessionAffinityConfig",
                    {"clientIP": Struct("ClientIPConfig", {"timeoutSeconds": INT32_T})},
                ),
                "ipFamilies": ListOf(STRING),
                "ipFamilyPolicy": STRING,
                "allocateLoadBalancerNodePorts": BOOL,
                "loadBalancerClass": STRING,
                "internalTrafficPolicy": STRING,
                "trafficDistribution": STRING,
            },
        ),
        "status": Struct(
            "ServiceStatus",
            {
                "loadBalancer": Struct(
                    "LoadBalancerStatus",
                    {
                        "ingress": ListOf(
                            Struct(
                                "LoadBalancerIngress",
                                {
                                    "ip": STRING,
                                    "hostname": STRING,
                                    "ipMode": STRING,
                                    "ports": ListOf(
                                        Struct(
                                            "PortStatus",
                                            {"port": INT32_T, "protocol": STRING, "error": STRING},
                                        )
                                    ),
                                },
                            )
                        )
                    },
                ),
                "conditions": ListOf(CONDITION),
            },
        ),
    },
)

CONTAINER = Struct(
    "Container",
    {
        "name": STRING,
        "image": STRING,
        "ports": ListOf(
            Struct(
                "ContainerPort",
                {
                    "name": STRING,
                    "hostPort": INT32_T,
                    "containerPort": INT32_T,
                    "protocol": STRING,
                    "hostIP": STRING,
                },
            )
        ),
    },
)

POD_SPEC = Struct(
    "PodSpec",
    {
        "containers": ListOf(CONTAINER),
        "initContainers": ListOf(CONTAINER),
        "nodeName": STRING,
        "hostname": STRING,
        "subdomain": STRING,
        "nodeSelector": MapOf(STRING),
    },
)

POD_CONDITION = Struct(
    "PodCondition",
    {
        "type": STRING,
        "status": STRING,
        "lastProbeTime": TIME,
        "lastTransitionTime": TIME,
        "reason": STRING,
        "message": STRING,
    },
)

POD = Struct(
    "Pod",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": POD_SPEC,
        "status": Struct(
            "PodStatus",
            {
                "phase": STRING,
                "conditions": ListOf(POD_CONDITION),
                "hostIP": STRING,
                "podIP": STRING,
                "podIPs": ListOf(Struct("PodIP", {"ip": STRING})),
                "startTime": TIME,
                "containerStatuses": ListOf(
                    Struct(
                        "ContainerStatus",
                        {
                            "name": STRING,
                            "ready": BOOL,
                            "started": BOOL,
                            "restartCount": INT32_T,
                            "image": STRING,
                            "imageID": STRING,
                            "containerID": STRING,
                            "state": MapOf(ANY),
                            "lastState": MapOf(ANY),
                        },
                    )
                ),
            },
        ),
    },
)

NODE = Struct(
    "Node",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": Struct(
            "NodeSpec",
            {
                "podCIDR": STRING,
                "podCIDRs": ListOf(STRING),
                "unschedulable": BOOL,
                "taints": ListOf(
                    Struct(
                        "Taint",
                        {"key": STRING, "value": STRING, "effect": STRING, "timeAdded": TIME},
                    )
                ),
                "providerID": STRING,
            },
        ),
        "status": Struct(
            "NodeStatus",
            {
                "addresses": ListOf(Struct("NodeAddress", {"type": STRING, "address": STRING})),
                "conditions": ListOf(
                    Struct(
                        "NodeCondition",
                        {
                            "type": STRING,
                            "status": STRING,
                            "lastHeartbeatTime": TIME,
                            "lastTransitionTime": TIME,
                            "reason": STRING,
                            "message": STRING,
                        },
                    )
                ),
                "nodeInfo": MapOf(STRING),
                "capacity": MapOf(ANY),
                "allocatable": MapOf(ANY),
            },
        ),
    },
)

DEPLOYMENT = Struct(
    "Deployment",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": Struct(
            "DeploymentSpec",
            {
                "replicas": INT32_T,
                "selector": LABEL_SELECTOR,
                "template": Struct("PodTemplateSpec", {"metadata": OBJECT_META, "spec": POD_SPEC}),
                "strategy": Struct(
                    "DeploymentStrategy",
                    {
                        "type": STRING,
                        "rollingUpdate": Struct(
                            "RollingUpdateDeployment",
                            {"maxUnavailable": INTSTR, "maxSurge": INTSTR},
                        ),
                    },
                ),
                "minReadySeconds": INT32_T,
                "revisionHistoryLimit": INT32_T,
                "paused": BOOL,
                "progressDeadlineSeconds": INT32_T,
            },
        ),
        "status": Struct(
            "DeploymentStatus",
            {
                "observedGeneration": INT64_T,
                "replicas": INT32_T,
                "updatedReplicas": INT32_T,
                "readyReplicas": INT32_T,
                "availableReplicas": INT32_T,
                "unavailableReplicas": INT32_T,
                "terminatingReplicas": INT32_T,
                "conditions": ListOf(CONDITION),
                "collisionCount": INT32_T,
            },
        ),
    },
)

ENDPOINT_SLICE = Struct(
    "EndpointSlice",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "addressType": STRING,
        "endpoints": ListOf(
            Struct(
                "Endpoint",
                {
                    "addresses": ListOf(STRING),
                    "conditions": Struct(
                        "EndpointConditions",
                        {"ready": BOOL, "serving": BOOL, "terminating": BOOL},
                    ),
                    "hostname": STRING,
                    "targetRef": Struct(
                        "ObjectReference",
                        {
                            "kind": STRING,
                            "namespace": STRING,
                            "name": STRING,
                            "uid": STRING,
                            "apiVersion": STRING,
                            "resourceVersion": STRING,
                            "fieldPath": STRING,
                        },
                    ),
                    "nodeName": STRING,
                    "zone": STRING,
                    "hints": Struct(
                        "EndpointHints",
                        {
                            "forZones": ListOf(Struct("ForZone", {"name": STRING})),
                            "forNodes": ListOf(Struct("ForNode", {"name": STRING})),
                        },
                    ),
                },
            )
        ),
        "ports": ListOf(
            Struct(
                "EndpointPort",
                {"name": STRING, "protocol": STRING, "port": INT32_T, "appProtocol": STRING},
            )
        ),
    },
)

ENDPOINT_ADDRESS = Struct(
    "EndpointAddress",
    {"ip": STRING, "hostname": STRING, "nodeName": STRING, "targetRef": ANY},
)
ENDPOINTS = Struct(
    "Endpoints",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "subsets": ListOf(
            Struct(
                "EndpointSubset",
                {
                    "addresses": ListOf(ENDPOINT_ADDRESS),
                    "notReadyAddresses": ListOf(ENDPOINT_ADDRESS),
                    "ports": ListOf(
                        Struct(
                            "EndpointPort",
                            {
                                "name": STRING,
                                "port": INT32_T,
                                "protocol": STRING,
                                "appProtocol": STRING,
                            },
                        )
                    ),
                },
            )
        ),
    },
)

SCHEMAS = {
    "Service": SERVICE,
    "Pod": POD,
    "Node": NODE,
    "Deployment": DEPLOYMENT,
    "EndpointSlice": ENDPOINT_SLICE,
    "Endpoints": ENDPOINTS,
}


class DecodeError(Exception):
    """A body the API server could not decode: 400 BadRequest with Go's json error text."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(f'{kind} in version "v1" cannot be handled as a {kind}: {detail}')


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
