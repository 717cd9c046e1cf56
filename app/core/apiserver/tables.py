"""Server-side Tables: the rows `kubectl get` prints, as kube-apiserver's printers build them.

Upstream: pkg/printers/internalversion/printers.go (column definitions, priorities, cells) and
k8s.io/apimachinery/pkg/util/duration (AGE). kubectl has no printer of its own for these
kinds: without a Table it shows only NAME and AGE, so every cell here is what users read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from app.core.apiserver import appstables, printers
from app.core.apiserver.keptprinters import KEPT_COLUMNS
from app.core.apiserver.tablecells import AGE, NAME, Column, Manifest, age, human_duration
from app.core.apiserver.tablecells import col as _col
from app.core.apiserver.tablecells import name_of as _name
from app.core.model.objects import Service

__all__ = ["AGE", "COLUMNS", "NAME", "age", "human_duration", "table"]


def _service_row(o: Manifest, now: datetime) -> list[Any]:
    svc = Service.from_manifest(o)
    return [
        svc.name,
        svc.type,
        printers.cluster_ip(svc),
        printers.external_ip(svc),
        printers.port_string(svc),
        age(o, now),
        printers.selector_string(svc),
    ]


def _conditions(o: Manifest) -> dict[str, str]:
    return {
        c.get("type", ""): c.get("status", "") for c in o.get("status", {}).get("conditions", [])
    }


def _pod_row(o: Manifest, now: datetime) -> list[Any]:
    spec, status = o.get("spec", {}), o.get("status", {})
    containers = spec.get("containers", [])
    statuses = status.get("containerStatuses", [])
    ready = sum(1 for c in statuses if c.get("ready"))
    reason = status.get("reason") or status.get("phase", "Pending")
    for c in statuses:
        waiting = c.get("state", {}).get("waiting", {})
        if waiting.get("reason"):
            reason = waiting["reason"]
    if o.get("metadata", {}).get("deletionTimestamp"):
        reason = "Terminating"
    restarts = sum(int(c.get("restartCount", 0)) for c in statuses)
    return [
        _name(o),
        f"{ready}/{len(containers)}",
        reason,
        restarts,
        age(o, now),
        status.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        "<none>",
    ]


def _node_row(o: Manifest, now: datetime) -> list[Any]:
    status = o.get("status", {})
    ready = _conditions(o).get("Ready")
    state = "Ready" if ready == "True" else "NotReady" if ready else "Unknown"
    if o.get("spec", {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    labels = o.get("metadata", {}).get("labels", {})
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix) :] for k in labels if k.startswith(prefix))
    info = status.get("nodeInfo", {})
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses", [])}
    return [
        _name(o),
        state,
        ",".join(roles) or "<none>",
        age(o, now),
        info.get("kubeletVersion", ""),
        addresses.get("InternalIP") or "<none>",
        addresses.get("ExternalIP") or "<none>",
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def _endpoints_cell(pairs: list[str]) -> str:
    """formatEndpoints: the first three, then ` + N more...`."""
    if not pairs:
        return "<none>"
    shown = ",".join(pairs[:3])
    return shown if len(pairs) <= 3 else f"{shown} + {len(pairs) - 3} more..."


def _endpoints_row(o: Manifest, now: datetime) -> list[Any]:
    pairs = [
        f"{a.get('ip')}:{p.get('port')}"
        for subset in o.get("subsets", [])
        for a in subset.get("addresses", [])
        for p in subset.get("ports", [])
    ]
    return [_name(o), _endpoints_cell(pairs), age(o, now)]


def _slice_row(o: Manifest, now: datetime) -> list[Any]:
    ports = [str(p.get("port")) for p in o.get("ports") or [] if p.get("port")]
    addresses = [a for e in o.get("endpoints") or [] for a in e.get("addresses", [])[:1]]
    ports_cell = ",".join(ports[:3]) + (f" + {len(ports) - 3} more..." if len(ports) > 3 else "")
    return [
        _name(o),
        o.get("addressType", ""),
        ports_cell or "<unset>",
        _endpoints_cell(addresses),
        age(o, now),
    ]


def _deployment_row(o: Manifest, now: datetime) -> list[Any]:
    spec, status = o.get("spec", {}), o.get("status", {})
    containers = spec.get("template", {}).get("spec", {}).get("containers", [])
    selector = spec.get("selector", {}).get("matchLabels", {})
    return [
        _name(o),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        age(o, now),
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
        ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>",
    ]


def _namespace_row(o: Manifest, now: datetime) -> list[Any]:
    return [_name(o), o.get("status", {}).get("phase", "Active"), age(o, now)]


COLUMNS: dict[str, tuple[list[Column], Callable[[Manifest, datetime], list[Any]]]] = {
    "services": (
        [
            NAME,
            _col("Type", "The type of the service."),
            _col("Cluster-IP", "The IP address of the service."),
            _col("External-IP", "The external IP address of the service."),
            _col("Port(s)", "The ports of the service."),
            AGE,
            _col("Selector", "The selector of the service.", 1),
        ],
        _service_row,
    ),
    "pods": (
        [
            NAME,
            _col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
            _col("Status", "The aggregate status of the containers in this pod."),
            _col(
                "Restarts",
                "The number of times the containers in this pod have been restarted and when "
                "the last container in this pod has restarted.",
                kind="string",
            ),
            AGE,
            _col("IP", "The IP address assigned to the pod.", 1),
            _col("Node", "The node the pod is scheduled on.", 1),
            _col("Nominated Node", "The node that the pod is nominated to run on.", 1),
            _col("Readiness Gates", "The readiness gates of the pod.", 1),
        ],
        _pod_row,
    ),
    "nodes": (
        [
            NAME,
            _col("Status", "The status of the node."),
            _col("Roles", "The roles of the node."),
            AGE,
            _col("Version", "Kubelet Version reported by the node."),
            _col("Internal-IP", "List of internal IPs assigned to the node.", 1),
            _col("External-IP", "List of external IPs assigned to the node.", 1),
            _col("OS-Image", "OS Image reported by the node from /etc/os-release.", 1),
            _col("Kernel-Version", "Kernel Version reported by the node.", 1),
            _col("Container-Runtime", "Container Runtime Version reported by the node.", 1),
        ],
        _node_row,
    ),
    "endpoints": (
        [NAME, _col("Endpoints", "Endpoints of the service."), AGE],
        _endpoints_row,
    ),
    "endpointslices": (
        [
            NAME,
            _col("AddressType", "The address type of the endpoint slice."),
            _col("Ports", "The ports of the endpoint slice."),
            _col("Endpoints", "The endpoints of the endpoint slice."),
            AGE,
        ],
        _slice_row,
    ),
    "deployments": (
        [
            NAME,
            _col("Ready", "Number of the pod with ready state."),
            _col(
                "Up-to-date",
                "Total number of non-terminated pods targeted by this "
                "deployment that have the desired template spec.",
                kind="integer",
            ),
            _col(
                "Available",
                "Total number of available pods (ready for at least "
                "minReadySeconds) targeted by this deployment.",
                kind="integer",
            ),
            AGE,
            _col("Containers", "Names of each container in the template.", 1),
            _col("Images", "Images referenced by each container in the template.", 1),
            _col(
                "Selector",
                "Label selector for pods. Existing ReplicaSets whose pods are "
                "selected by this will be the ones affected by this deployment.",
                1,
            ),
        ],
        _deployment_row,
    ),
    "namespaces": (
        [NAME, _col("Status", "The status of the namespace"), AGE],
        _namespace_row,
    ),
}


COLUMNS.update(appstables.COLUMNS)


def table(
    resource: str, items: Sequence[Manifest], resource_version: str, now: datetime | None = None
) -> dict[str, Any]:
    """A meta.k8s.io/v1 Table; rows carry PartialObjectMetadata for -A and --show-labels."""
    columns, row = COLUMNS[resource]
    moment = now or datetime.now(UTC)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {
                "name": n,
                "type": t,
                "format": "name" if n == "Name" else "",
                "description": d,
                "priority": p,
            }
            for n, t, p, d in columns
        ],
        "rows": [
            {
                "cells": row(item, moment),
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": dict(item.get("metadata", {})),
                },
            }
            for item in items
        ],
    }


COLUMNS.update(KEPT_COLUMNS)  # the kinds svcscope keeps without simulating them
