"""Field selectors per resource, as kube-apiserver supports them.

Upstream: the field label conversion functions each group registers
(pkg/apis/core/v1/conversion.go AddFieldLabelConversionFunc for Pod, Node, Event, Namespace,
Service; runtime.DefaultMetaV1FieldSelectorConversion for every other kind) and the fields each
registry exposes (pkg/registry/*/strategy.go ToSelectableFields). An unsupported label is a
400 BadRequest with the conversion function's own text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.model.selectors import SelectorError

Getter = Callable[[dict[str, Any]], str]


def _path(*keys: str, default: str = "") -> Getter:
    def get(obj: dict[str, Any]) -> str:
        value: Any = obj
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return get


def _meta(*, namespaced: bool = True) -> dict[str, Getter]:
    fields = {"metadata.name": _path("metadata", "name")}
    if namespaced:
        fields["metadata.namespace"] = _path("metadata", "namespace")
    return fields


def _involved(field: str) -> Getter:
    return _path("involvedObject", field)


# Values upstream defaulting or admission fills in before any list can see them
# (pkg/apis/core/v1/defaults.go SetDefaults_PodSpec; the ServiceAccount admission plugin).
FIELDS: dict[str, dict[str, Getter]] = {
    "pods": {
        **_meta(),
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy", default="Always"),
        "spec.schedulerName": _path("spec", "schedulerName", default="default-scheduler"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName", default="default"),
        "spec.hostNetwork": _path("spec", "hostNetwork", default="false"),
        "status.phase": _path("status", "phase"),
        "status.podIP": _path("status", "podIP"),
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    "nodes": {
        **_meta(namespaced=False),
        "spec.unschedulable": _path("spec", "unschedulable", default="false"),
    },
    "namespaces": {**_meta(namespaced=False), "status.phase": _path("status", "phase")},
    "services": {
        **_meta(),
        "spec.clusterIP": _path("spec", "clusterIP"),
        "spec.type": _path("spec", "type"),
    },
    # pkg/apis/core/v1/conversion.go: a Secret's own conversion function adds `type`.
    "secrets": {**_meta(), "type": _path("type")},
    "events": {
        **_meta(),
        **{
            f"involvedObject.{f}": _involved(f)
            for f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion")
        },
        "involvedObject.fieldPath": _involved("fieldPath"),
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _path("source", "component"),
        "type": _path("type"),
    },
    # pkg/apis/apps/v1/conversion.go: the field labels apps/v1 converts for these kinds.
    "replicasets": {**_meta(), "status.replicas": _path("status", "replicas")},
    "statefulsets": {**_meta(), "status.successful": _path("status", "successful")},
}
# events.k8s.io/v1 lists the same Events; its field labels are the core ones, read from the
# stored core/v1 object, plus the new API's names for them (pkg/apis/events/v1).
FIELDS["events.k8s.io/events"] = {
    **FIELDS["events"],
    **{f"regarding.{f}": _involved(f) for f in ("kind", "namespace", "name", "uid")},
    "reportingController": _path("reportingComponent"),
}
# Kinds whose conversion function is their own (the text "field label not supported: …").
_OWN_CONVERSION = frozenset(FIELDS)
KIND_RESOURCES = {
    "Pod": "pods",
    "Node": "nodes",
    "Namespace": "namespaces",
    "Service": "services",
    "Event": "events",
    "ReplicaSet": "replicasets",
    "StatefulSet": "statefulsets",
    "Secret": "secrets",
}


def _fields(resource: str) -> dict[str, Getter]:
    return FIELDS.get(resource, _meta())


def parse(selector: str | None) -> list[tuple[str, bool, str]]:
    """fields.ParseSelector: `key=value`, `key==value`, `key!=value`, comma-separated."""
    terms: list[tuple[str, bool, str]] = []
    for term in selector.split(",") if selector else ():
        for op in ("!=", "==", "="):
            if op in term:
                key, value = term.split(op, 1)
                terms.append((key.strip(), op != "!=", value.strip()))
                break
        else:
            raise SelectorError(f"invalid selector: '{selector}'; can't understand '{term}'")
    return terms


def check(resource: str, selector: str | None) -> None:
    """Refuse a label the resource's conversion function does not know (400)."""
    known = _fields(resource)
    for key, _, _ in parse(selector):
        if key in known:
            continue
        if resource in _OWN_CONVERSION:
            raise SelectorError(f"field label not supported: {key}")
        raise SelectorError(
            f'"{key}" is not a known field selector: only "metadata.name", "metadata.namespace"'
        )


def matches(resource: str, obj: dict[str, Any], selector: str | None) -> bool:
    """Whether obj has every field the selector asks for (unknown labels never match)."""
    known = _fields(resource)
    for key, equal, value in parse(selector):
        getter = known.get(key)
        if getter is None or (getter(obj) == value) != equal:
            return False
    return True
