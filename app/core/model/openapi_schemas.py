"""OpenAPI definitions of the served kinds, built from the decoding shapes (schema.py).

The same Structs that decoding.py walks become the `definitions` (v2) and
`components.schemas` (v3) kube-apiserver publishes, so `kubectl explain`, client-side
strategic merge and validation see exactly the fields the server reads. Added here is what a
Go struct carries in its tags and comments upstream (k8s.io/api/*/v1/types.go):
- patch metadata (`patchStrategy`, `patchMergeKey`, `+listType`, `+listMapKey`), in PATCH_META;
- field descriptions and required fields, in descriptions.json, generated from the official
  Python client's models (themselves generated from upstream's OpenAPI) by
  scripts/openapi_descriptions.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from app.core.model import appsv1, corev1, discoveryv1, eventshapes, metav1
from app.core.model.kept import KEPT
from app.core.model.schema import (
    ANY,
    BOOL,
    INT32_T,
    INT64_T,
    INTSTR,
    STRING,
    TIME,
    ListOf,
    MapOf,
    Struct,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
TIME_DEF = f"{META}.Time"
PACKAGES = {"": "io.k8s.api.core.v1", "apps": "io.k8s.api.apps.v1"}
PACKAGES["discovery.k8s.io"] = "io.k8s.api.discovery.v1"
# The kept kinds' groups: io.k8s.api.<last part of the group before .k8s.io>.<version>.
PACKAGES.update(
    {k.group: f"io.k8s.api.{k.group.split('.')[0]}.{k.version}" for k in KEPT if k.group}
)
VERSIONS = {"": "v1", "apps": "v1", "discovery.k8s.io": "v1"}
VERSIONS.update({k.group: k.version for k in KEPT})

# (group, kind) of every served kind, in the order its package is assigned.
KINDS: dict[str, tuple[str, Struct]] = {
    "Service": ("", corev1.SERVICE),
    "Pod": ("", corev1.POD),
    "Node": ("", corev1.NODE),
    "Endpoints": ("", corev1.ENDPOINTS),
    "Deployment": ("apps", appsv1.DEPLOYMENT),
    "EndpointSlice": ("discovery.k8s.io", discoveryv1.ENDPOINT_SLICE),
    "ReplicaSet": ("apps", appsv1.REPLICA_SET),
    "StatefulSet": ("apps", appsv1.STATEFUL_SET),
    "DaemonSet": ("apps", appsv1.DAEMON_SET),
    "Event": ("", eventshapes.EVENT),
    **{k.kind: (k.group, k.shape) for k in KEPT},
}
# Structs declared inline in apps/v1 shapes that upstream declares in core/v1.
_CORE_NAMES = {"PodTemplateSpec"}

_SET = {"x-kubernetes-list-type": "set"}
_ATOMIC = {"x-kubernetes-list-type": "atomic"}


def _merge_map(key: str, *keys: str, strategy: str = "merge") -> dict[str, Any]:
    return {
        "x-kubernetes-patch-strategy": strategy,
        "x-kubernetes-patch-merge-key": key,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": [key, *keys],
    }


# Struct tags upstream, k8s.io/api core/v1, apps/v1, discovery/v1 types.go and
# apimachinery meta/v1 types.go (v1.33): `patchStrategy:"merge" patchMergeKey:"port"`,
# `+listType=map`, `+listMapKey=port`, `+listMapKey=protocol`, and so on.
PATCH_META: dict[tuple[str, str], dict[str, Any]] = {
    ("ServiceSpec", "ports"): _merge_map("port", "protocol"),
    ("ServiceSpec", "clusterIPs"): _ATOMIC,
    ("ServiceSpec", "externalIPs"): _ATOMIC,
    ("ServiceSpec", "loadBalancerSourceRanges"): _ATOMIC,
    ("ServiceSpec", "ipFamilies"): _ATOMIC,
    ("ServiceStatus", "conditions"): _merge_map("type"),
    ("LoadBalancerStatus", "ingress"): _ATOMIC,
    ("PodSpec", "containers"): _merge_map("name"),
    ("PodSpec", "initContainers"): _merge_map("name"),
    ("PodSpec", "volumes"): _merge_map("name", strategy="merge,retainKeys"),
    ("PodSpec", "imagePullSecrets"): _merge_map("name"),
    ("Container", "ports"): _merge_map("containerPort", "protocol"),
    ("Container", "env"): _merge_map("name"),
    ("Container", "volumeMounts"): _merge_map("mountPath"),
    ("Container", "command"): _ATOMIC,
    ("Container", "args"): _ATOMIC,
    ("PodStatus", "conditions"): _merge_map("type"),
    ("PodStatus", "podIPs"): _merge_map("ip"),
    ("PodStatus", "containerStatuses"): _ATOMIC,
    ("NodeSpec", "podCIDRs"): {"x-kubernetes-patch-strategy": "merge", **_SET},
    ("NodeSpec", "taints"): _ATOMIC,
    ("NodeStatus", "addresses"): _merge_map("type"),
    ("NodeStatus", "conditions"): _merge_map("type"),
    ("ObjectMeta", "ownerReferences"): _merge_map("uid"),
    ("ObjectMeta", "finalizers"): {"x-kubernetes-patch-strategy": "merge", **_SET},
    ("ObjectMeta", "managedFields"): _ATOMIC,
    ("DeploymentSpec", "strategy"): {"x-kubernetes-patch-strategy": "retainKeys"},
    ("DeploymentStatus", "conditions"): _merge_map("type"),
    ("LabelSelector", "matchExpressions"): _ATOMIC,
    ("LabelSelectorRequirement", "values"): _ATOMIC,
    ("EndpointSlice", "endpoints"): _ATOMIC,
    ("EndpointSlice", "ports"): _ATOMIC,
    ("Endpoint", "addresses"): _SET,
    ("Endpoints", "subsets"): _ATOMIC,
    # The kept kinds (k8s.io/api core/v1, networking/v1, autoscaling/v2, policy/v1 types.go).
    ("NamespaceSpec", "finalizers"): _ATOMIC,
    ("ServiceAccount", "secrets"): {
        "x-kubernetes-patch-strategy": "merge",
        "x-kubernetes-patch-merge-key": "name",
        "x-kubernetes-list-type": "atomic",
    },
    ("ServiceAccount", "imagePullSecrets"): _ATOMIC,
    ("PersistentVolumeClaimSpec", "accessModes"): _ATOMIC,
    ("PersistentVolumeClaimStatus", "accessModes"): _ATOMIC,
    ("PersistentVolumeClaimStatus", "conditions"): _merge_map("type"),
    ("IngressSpec", "rules"): _ATOMIC,
    ("IngressSpec", "tls"): _ATOMIC,
    ("IngressTLS", "hosts"): _ATOMIC,
    ("HTTPIngressRuleValue", "paths"): _ATOMIC,
    ("IngressLoadBalancerStatus", "ingress"): _ATOMIC,
    ("NetworkPolicySpec", "ingress"): _ATOMIC,
    ("NetworkPolicySpec", "egress"): _ATOMIC,
    ("NetworkPolicySpec", "policyTypes"): _ATOMIC,
    ("NetworkPolicyIngressRule", "from"): _ATOMIC,
    ("NetworkPolicyIngressRule", "ports"): _ATOMIC,
    ("NetworkPolicyEgressRule", "to"): _ATOMIC,
    ("NetworkPolicyEgressRule", "ports"): _ATOMIC,
    ("IPBlock", "except"): _ATOMIC,
    ("HorizontalPodAutoscalerSpec", "metrics"): _ATOMIC,
    ("StorageClass", "mountOptions"): _ATOMIC,
    ("StorageClass", "allowedTopologies"): _ATOMIC,
    ("PodDisruptionBudgetStatus", "conditions"): _merge_map("type"),
}


def _children(value: Any) -> Iterator[Struct]:
    if isinstance(value, Struct):
        yield value
    elif isinstance(value, ListOf):
        yield from _children(value.item)
    elif isinstance(value, MapOf):
        yield from _children(value.value)


@cache
def definition_names() -> dict[int, str]:
    """Every reachable Struct (by identity) → its upstream definition name.

    A struct belongs to the package it is first reached from: meta/v1's own structs first,
    then each kind's group, so PodSpec stays core/v1 when a Deployment embeds it.
    """
    names: dict[int, str] = {}

    def visit(struct: Struct, package: str) -> None:
        if id(struct) in names:
            return
        if struct.name in _CORE_NAMES:
            package = PACKAGES[""]
        names[id(struct)] = f"{package}.{struct.name}"
        for field in struct.fields.values():
            for child in _children(field):
                visit(child, package)

    for struct in (metav1.OBJECT_META, metav1.CONDITION, metav1.LABEL_SELECTOR):
        visit(struct, META)
    for group, struct in KINDS.values():
        visit(struct, PACKAGES[group])
    return names


@cache
def _descriptions() -> dict[str, dict[str, Any]]:
    path = Path(__file__).with_name("descriptions.json")
    loaded: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def gvk(kind: str) -> dict[str, str]:
    group = KINDS[kind][0]
    return {"group": group, "version": VERSIONS[group], "kind": kind}


class Builder:
    """Definitions for one OpenAPI version: `$ref`s point at `prefix` (v2 or v3 style)."""

    def __init__(self, prefix: str, *, v3: bool) -> None:
        self.prefix = prefix
        self.v3 = v3

    def ref(self, name: str, description: str = "") -> dict[str, Any]:
        target = {"$ref": self.prefix + name}
        schema: dict[str, Any] = {"allOf": [target]} if self.v3 else target
        if description:
            schema["description"] = description
        if self.v3:
            schema["default"] = {}
        return schema

    def field(self, value: Any, description: str = "") -> dict[str, Any]:
        names = definition_names()
        if isinstance(value, Struct):
            return self.ref(names[id(value)], description)
        out: dict[str, Any]
        if isinstance(value, ListOf):
            out = {"type": "array", "items": self._item(value.item)}
        elif isinstance(value, MapOf):
            out = {"type": "object", "additionalProperties": self._item(value.value)}
        elif value in (INTSTR, TIME):
            target = {"$ref": self.prefix + (INT_OR_STRING if value == INTSTR else TIME_DEF)}
            return {**({"allOf": [target]} if self.v3 else target), **_described(description)}
        else:
            out = dict(_SCALARS.get(value, {}))
        return {**out, **_described(description)}

    def _item(self, value: Any) -> dict[str, Any]:
        if isinstance(value, Struct):
            return self.ref(definition_names()[id(value)])
        return self.field(value)

    def struct(self, struct: Struct, name: str) -> dict[str, Any]:
        docs = _descriptions().get(name, {})
        texts: dict[str, str] = docs.get("fields", {})
        properties: dict[str, Any] = {}
        for key, value in struct.fields.items():
            schema = self.field(value, texts.get(key, ""))
            if isinstance(value, ListOf):
                schema.update(PATCH_META.get((struct.name, key), {}))
            elif (struct.name, key) in PATCH_META:
                schema.update(PATCH_META[(struct.name, key)])
            properties[key] = schema
        out: dict[str, Any] = {"type": "object", "properties": properties}
        if docs.get("description"):
            out["description"] = docs["description"]
        if docs.get("required"):
            out["required"] = list(docs["required"])
        kind = name.rsplit(".", 1)[-1]
        if kind in KINDS and definition_names()[id(KINDS[kind][1])] == name:
            out["x-kubernetes-group-version-kind"] = [gvk(kind)]
        return out

    def definitions(self) -> dict[str, Any]:
        """Every definition: the structs, IntOrString, Time, and the autoscaling/v1 Scale."""
        out: dict[str, Any] = {}
        structs = _all_structs()
        for struct_id, name in definition_names().items():
            out[name] = self.struct(structs[struct_id], name)
        out[INT_OR_STRING] = {"type": "string", "format": "int-or-string"}
        out[TIME_DEF] = {"type": "string", "format": "date-time"}
        out.update(self._scale())
        return dict(sorted(out.items()))

    def _scale(self) -> dict[str, Any]:
        """autoscaling/v1 Scale, the body of …/deployments/{name}/scale."""
        pkg = "io.k8s.api.autoscaling.v1"
        meta = self.ref(definition_names()[id(metav1.OBJECT_META)])
        integer = {"type": "integer", "format": "int32"}
        return {
            f"{pkg}.Scale": {
                "type": "object",
                "description": "Scale represents a scaling request for a resource.",
                "properties": {
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"},
                    "metadata": meta,
                    "spec": self.ref(f"{pkg}.ScaleSpec"),
                    "status": self.ref(f"{pkg}.ScaleStatus"),
                },
                "x-kubernetes-group-version-kind": [
                    {"group": "autoscaling", "version": "v1", "kind": "Scale"}
                ],
            },
            f"{pkg}.ScaleSpec": {
                "type": "object",
                "properties": {"replicas": {**integer, "description": "desired replicas"}},
            },
            f"{pkg}.ScaleStatus": {
                "type": "object",
                "required": ["replicas"],
                "properties": {
                    "replicas": {**integer, "description": "actual number of observed instances"},
                    "selector": {"type": "string", "description": "label query over pods"},
                },
            },
        }


def _described(description: str) -> dict[str, str]:
    return {"description": description} if description else {}


_SCALARS: dict[str, dict[str, Any]] = {
    STRING: {"type": "string"},
    BOOL: {"type": "boolean"},
    INT32_T: {"type": "integer", "format": "int32"},
    INT64_T: {"type": "integer", "format": "int64"},
    ANY: {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
}


@cache
def _all_structs() -> dict[int, Struct]:
    found: dict[int, Struct] = {}

    def visit(struct: Struct) -> None:
        if id(struct) in found:
            return
        found[id(struct)] = struct
        for field in struct.fields.values():
            for child in _children(field):
                visit(child)

    for struct in (metav1.OBJECT_META, metav1.CONDITION, metav1.LABEL_SELECTOR):
        visit(struct)
    for _, struct in KINDS.values():
        visit(struct)
    return found


def patch_meta(struct: Struct, field: str) -> dict[str, Any]:
    """The patch metadata of one field (empty when upstream declares none)."""
    return PATCH_META.get((struct.name, field), {})
