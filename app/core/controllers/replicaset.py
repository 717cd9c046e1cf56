"""The ReplicaSet controller, settled: `spec.replicas` pods of the template, owned by the RS.

Upstream: pkg/controller/replicaset/replica_set.go (manageReplicas, the SuccessfulCreate and
SuccessfulDelete events), pkg/controller/controller_utils.go (pods named by generateName
`<rs>-` plus five random characters, ActivePods deletion order) and
replica_set_utils.go (calculateStatus). Everything happens inside the write that asks for it,
so the RS stands at the state the real controller converges to.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from app.core.controllers import events
from app.core.controllers.kubelet import pod_ready
from app.core.controllers.scheduler import complete_pod
from app.core.model.rand import random_suffix
from app.core.model.workspace import Manifest, Workspace, clone

COMPONENT = "replicaset-controller"


def pods_of(ws: Workspace, kind: str, owner: Manifest) -> list[Manifest]:
    """The pods `owner` (a ReplicaSet, StatefulSet or DaemonSet) controls, by name, to read."""
    meta = owner["metadata"]
    namespace = meta.get("namespace", "default")
    keys = sorted(ws.indexed("Pod", ("controller", namespace, kind, meta["name"])))
    return [pod for key in keys if (pod := ws.peek("Pod", key)) is not None]


def owner_reference(kind: str, owner: Manifest) -> dict[str, Any]:
    """metav1.NewControllerRef."""
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"].get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def new_pod(ws: Workspace, kind: str, owner: Manifest, name: str) -> Manifest:
    """controller_utils.go GetPodFromTemplate: the template's labels, annotations and spec,
    the owner's controller reference; uid and creationTimestamp as the registry stamps them."""
    template = owner["spec"].get("template", {})
    namespace = owner["metadata"].get("namespace", "default")
    pod_meta = clone(template.get("metadata", {}))
    pod_meta.pop("creationTimestamp", None)
    pod_meta.setdefault("labels", {})
    pod_meta.update(
        {"name": name, "namespace": namespace, "ownerReferences": [owner_reference(kind, owner)]}
    )
    pod: Manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": clone(template.get("spec", {})),
    }
    ws.stamp_new(pod)
    return pod


def generated_name(ws: Workspace, namespace: str, prefix: str) -> str:
    """names.SimpleNameGenerator: the prefix and five random characters, unused."""
    while True:
        name = f"{prefix}{random_suffix(ws)}"
        if not ws.exists("Pod", namespace, name):
            return name


def deletion_rank(pod: Manifest, colocated: Counter[str]) -> tuple[int, int, int, str]:
    """controller.ActivePods ordering: unscheduled, not ready, crowded node, newest first."""
    node = pod.get("spec", {}).get("nodeName", "")
    return (
        1 if node else 0,
        1 if pod_ready(pod) else 0,
        -colocated[node],
        "~" + pod["metadata"].get("creationTimestamp", ""),
    )


def delete_pod(ws: Workspace, pod: Manifest) -> None:
    """A controller deletes a pod: kubelet stops its containers (Killing)."""
    meta = pod["metadata"]
    events.killing(ws, pod)
    ws.delete("Pod", meta.get("namespace", "default"), meta["name"])


def reconcile_replicaset(ws: Workspace, rs: Manifest) -> None:
    """manageReplicas: create or delete pods until `spec.replicas` exist."""
    meta = rs["metadata"]
    namespace = meta.get("namespace", "default")
    pods = pods_of(ws, "ReplicaSet", rs)
    replicas = rs["spec"].get("replicas", 1)
    if len(pods) > replicas:
        colocated: Counter[str] = Counter(p.get("spec", {}).get("nodeName", "") for p in pods)
        victims = sorted(pods, key=lambda p: deletion_rank(p, colocated))
        for pod in victims[: len(pods) - replicas]:
            delete_pod(ws, pod)
            message = f"Deleted pod: {pod['metadata']['name']}"
            events.record(ws, "ReplicaSet", rs, "SuccessfulDelete", message, COMPONENT)
    for _ in range(replicas - len(pods)):
        pod = new_pod(ws, "ReplicaSet", rs, generated_name(ws, namespace, f"{meta['name']}-"))
        pod["metadata"]["generateName"] = f"{meta['name']}-"
        message = f"Created pod: {pod['metadata']['name']}"
        events.record(ws, "ReplicaSet", rs, "SuccessfulCreate", message, COMPONENT)
        complete_pod(ws, pod)
        ws.put("Pod", pod)


def replicaset_status(rs: Manifest, pods: list[Manifest]) -> dict[str, Any]:
    """calculateStatus: replicas, fullyLabeledReplicas, ready and available (minReadySeconds
    passes at once: svcscope has no clock between requests), observedGeneration."""
    labels = rs.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    ready = sum(1 for p in pods if pod_ready(p))
    labeled = sum(
        1
        for p in pods
        if all(p["metadata"].get("labels", {}).get(k) == v for k, v in labels.items())
    )
    status: dict[str, Any] = {
        "replicas": len(pods),
        "fullyLabeledReplicas": labeled,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": rs["metadata"].get("generation", 1),
    }
    return {k: v for k, v in status.items() if v != 0 or k == "replicas"}
