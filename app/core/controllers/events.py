"""The event recorder: core/v1 Events as the components write them (client-go tools/record).

Each controller records what it did, with upstream's reason and message: the scheduler's
Scheduled and FailedScheduling (pkg/scheduler/schedule_one.go), the ReplicaSet controller's
SuccessfulCreate / SuccessfulDelete (pkg/controller/replicaset/replica_set.go), the Deployment
controller's ScalingReplicaSet (pkg/controller/deployment/sync.go), kubelet's Killing.

An Event is named `<object>.<hex nanoseconds>` as record.makeEvent names it. Upstream keeps
Events for an hour (kube-apiserver --event-ttl=1h) and etcd expires them; svcscope has no
clock that moves between requests, so it keeps the newest MAX_EVENTS per cluster instead: a
bounded number, like a TTL bounds them, without which an import of 150,000 pods would store
300,000 Events that nobody reads. Older objects then show `Events: <none>` in describe, as
they do on a real cluster an hour later.
"""

from __future__ import annotations

from typing import Any

from app.core.model.workspace import CLUSTER_SCOPED, Manifest, Workspace

MAX_EVENTS = 1000
"""Events kept per cluster (the newest); see the module docstring."""
_TRIM_TO = MAX_EVENTS - MAX_EVENTS // 10
"""Trimming to 90% at once makes the sort it needs rare (amortised per event)."""
API_VERSIONS = {
    "Pod": "v1",
    "Node": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
    "ReplicaSet": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
}


def record(
    ws: Workspace,
    kind: str,
    obj: Manifest,
    reason: str,
    message: str,
    component: str,
    *,
    warning: bool = False,
    host: str = "",
    field_path: str = "",
) -> Manifest:
    """Store one Event about `obj` (an object of `kind`) and keep the cluster under the cap."""
    meta = obj.get("metadata", {})
    namespace = "default" if kind in CLUSTER_SCOPED else meta.get("namespace", "default")
    stamp = ws.timestamp()
    nanos = int(ws.now.timestamp()) * 1_000_000_000 + ws.now.microsecond * 1000
    nanos += len(ws.changes)
    while ws.exists("Event", namespace, f"{meta['name']}.{nanos:x}"):
        nanos += 1
    involved: dict[str, Any] = {
        "kind": kind,
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "apiVersion": API_VERSIONS.get(kind, "v1"),
    }
    if kind not in CLUSTER_SCOPED:
        involved["namespace"] = namespace
    if meta.get("resourceVersion"):
        involved["resourceVersion"] = meta["resourceVersion"]
    if field_path:
        involved["fieldPath"] = field_path
    event: Manifest = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta['name']}.{nanos:x}", "namespace": namespace},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "source": {"component": component, **({"host": host} if host else {})},
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
        "type": "Warning" if warning else "Normal",
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host,
    }
    ws.stamp_new(event)
    ws.put("Event", event)
    if ws.indexed_count("Event", ("all",)) > MAX_EVENTS:
        _trim(ws)
    return event


def _age(key: tuple[str, str]) -> int:
    try:
        return int(key[1].rsplit(".", 1)[-1], 16)
    except ValueError:
        return 0


def _trim(ws: Workspace) -> None:
    """Delete the oldest Events (by the time in their names) down to _TRIM_TO."""
    keys = sorted(ws.indexed("Event", ("all",)), key=_age)
    for namespace, name in keys[: len(keys) - _TRIM_TO]:
        ws.delete("Event", namespace, name)


def killing(ws: Workspace, pod: Manifest) -> None:
    """kubelet stops a deleted pod's containers (pkg/kubelet/kuberuntime: "Stopping container")."""
    node = pod.get("spec", {}).get("nodeName", "")
    if not node:
        return
    for container in pod.get("spec", {}).get("containers", []):
        name = container.get("name", "")
        message = f"Stopping container {name}"
        at = f"spec.containers{{{name}}}"
        record(ws, "Pod", pod, "Killing", message, "kubelet", host=node, field_path=at)
