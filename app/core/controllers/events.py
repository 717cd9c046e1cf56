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

from collections import deque
from typing import Any

from app.core.model.workspace import CLUSTER_SCOPED, Manifest, Workspace

MAX_EVENTS = 1000
"""Events kept per cluster (the newest); see the module docstring."""
# Names are `<object>.<hex nanoseconds>`: the time of the write, one nanosecond apart in the
# order recorded, so the oldest Event is the one with the smallest number.
SPAM_BURST = 25
"""client-go tools/record/events_cache.go defaultSpamBurst: a recorder sends at most 25
events per source and object before its token bucket (one more every 5 minutes) runs dry. A
write happens at one instant, so within one write the burst is the limit: a ReplicaSet that
creates 10,000 pods records 25 SuccessfulCreate events, as upstream's does. svcscope starts
each write with full buckets (it keeps no recorder between requests)."""
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
) -> None:
    """Record one Event about `obj` (an object of `kind`), unless the spam filter drops it.

    Events wait in the write's buffer, which keeps only the newest MAX_EVENTS, until flush()
    stores them: a write that makes 10,000 pods builds 1,000 Events, not 10,000 to delete."""
    meta = obj.get("metadata", {})
    namespace = "default" if kind in CLUSTER_SCOPED else meta.get("namespace", "default")
    spam: dict[tuple[str, ...], int] = ws.memo.setdefault("event-spam", {})
    key = (component, host, kind, namespace, meta["name"])  # getSpamKey: source and object
    if spam.get(key, 0) >= SPAM_BURST:
        return
    spam[key] = spam.get(key, 0) + 1
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
    pending: deque[Manifest] = ws.memo.setdefault("events", deque(maxlen=MAX_EVENTS))
    pending.append(
        {
            "metadata": {"name": meta["name"], "namespace": namespace},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": {"component": component, **({"host": host} if host else {})},
            "type": "Warning" if warning else "Normal",
            "reportingComponent": component,
            "reportingInstance": host,
        }
    )


def discard(ws: Workspace) -> None:
    """Forget what a failed write recorded (its changes are dropped too)."""
    ws.memo.pop("events", None)


def discard_namespace(ws: Workspace, namespace: str) -> None:
    """Forget what this write recorded in a namespace it deleted (the Killing of its pods):
    the namespace's Events are part of the content the namespace controller removes."""
    pending: deque[Manifest] | None = ws.memo.get("events")
    if pending:
        kept = [e for e in pending if e["metadata"]["namespace"] != namespace]
        pending.clear()
        pending.extend(kept)


def flush(ws: Workspace) -> None:
    """Store the buffered Events, in the order recorded, and keep the cluster under the cap."""
    pending: deque[Manifest] | None = ws.memo.pop("events", None)
    if not pending:
        return
    own: deque[tuple[str, str]] = ws.memo.setdefault("own-events", deque())
    stamp = ws.timestamp()
    nanos = int(ws.now.timestamp()) * 1_000_000_000 + ws.now.microsecond * 1000
    nanos = max(nanos, ws.memo.get("event-clock", 0))
    for partial in pending:
        meta = partial["metadata"]
        while True:
            name = f"{meta['name']}.{nanos:x}"
            nanos += 1
            if not ws.exists("Event", meta["namespace"], name):
                break
        event: Manifest = {
            "apiVersion": "v1",
            "kind": "Event",
            **partial,
            "metadata": {"name": name, "namespace": meta["namespace"]},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "eventTime": None,
        }
        ws.stamp_new(event)
        ws.put("Event", event)
        own.append((meta["namespace"], name))
    ws.memo["event-clock"] = nanos
    for _ in range(ws.indexed_count("Event", ("all",)) - MAX_EVENTS):
        _evict_oldest(ws, own)


def _evict_oldest(ws: Workspace, own: deque[tuple[str, str]]) -> None:
    """Delete the oldest Event: the stored ones first (sorted once per write by the time in
    their names), then this write's own, oldest first (they were stored in order)."""
    stored: deque[tuple[str, str]] | None = ws.memo.get("stored-events")
    if stored is None:
        mine = set(own)
        keys = [k for k in ws.indexed("Event", ("all",)) if k not in mine]
        stored = ws.memo["stored-events"] = deque(sorted(keys, key=_age))
    while stored:
        if ws.delete("Event", *stored.popleft()) is not None:
            return
    if own:
        ws.delete("Event", *own.popleft())


def _age(key: tuple[str, str]) -> int:
    try:
        return int(key[1].rsplit(".", 1)[-1], 16)
    except ValueError:
        return 0


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
