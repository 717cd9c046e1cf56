"""The workload controllers as one table: who reconciles a kind, what status it reports, and
which owners a pod's change moves.

kube-controller-manager runs one controller per kind, each watching its own objects and the
pods it owns (the owner references). The write path calls in here by kind, so that adding a
workload kind is one row in each table, not a branch in every caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from app.core.controllers import daemonset, deployment, replicaset, statefulset
from app.core.model.indexes import controller_of, owning_deployment
from app.core.model.workspace import Manifest, Workspace

RECONCILERS: dict[str, Callable[[Workspace, Manifest], None]] = {
    "Deployment": deployment.reconcile_deployment,
    "ReplicaSet": replicaset.reconcile_replicaset,
    "StatefulSet": statefulset.reconcile_statefulset,
    "DaemonSet": daemonset.reconcile_daemonset,
}
KINDS = tuple(RECONCILERS)
"""The kinds whose status the controllers compute from the pods they own."""
SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet")
"""Kinds with a scale subresource (spec.replicas)."""


def pods_of(ws: Workspace, kind: str, obj: Manifest) -> list[Manifest]:
    if kind == "Deployment":
        return deployment.owned_pods(ws, obj)
    return replicaset.pods_of(ws, kind, obj)


def status(ws: Workspace, kind: str, obj: Manifest) -> dict[str, Any]:
    """The status the kind's controller reports for the pods it owns."""
    pods = pods_of(ws, kind, obj)
    if kind == "Deployment":
        return deployment.deployment_status(obj, pods)
    if kind == "ReplicaSet":
        return replicaset.replicaset_status(obj, pods)
    if kind == "StatefulSet":
        return statefulset.statefulset_status(obj, pods)
    return daemonset.daemonset_status(ws, obj, pods)


def served(ws: Workspace, kind: str, obj: Manifest) -> Manifest:
    """The object as a read serves it: a workload with the status its pods give it."""
    if kind not in RECONCILERS:
        return obj
    return {**obj, "status": status(ws, kind, obj)}


def owners(pod: Manifest) -> list[tuple[str, str, str]]:
    """(kind, namespace, name) of the workloads whose status this pod counts in."""
    namespace = pod.get("metadata", {}).get("namespace", "default")
    out: list[tuple[str, str, str]] = []
    controller = controller_of(pod)
    if controller and controller[0] in RECONCILERS:
        out.append((controller[0], namespace, controller[1]))
    name = owning_deployment(pod)
    if name:
        out.append(("Deployment", namespace, name))
    return out


def reconcile(ws: Workspace, kind: str, obj: Manifest) -> None:
    RECONCILERS[kind](ws, obj)


def reconcile_owners(ws: Workspace, pods: Iterable[Manifest]) -> None:
    """The controllers of pods that went (deleted, or gone with their node) replace them."""
    seen: set[tuple[str, str, str]] = set()
    for pod in pods:
        controller = controller_of(pod)
        if controller is None or controller[0] not in RECONCILERS:
            continue
        key = (controller[0], pod["metadata"].get("namespace", "default"), controller[1])
        seen.add(key)
    for kind, namespace, name in sorted(seen):
        owner = ws.peek(kind, (namespace, name))
        if owner is not None:
            RECONCILERS[kind](ws, owner)


def node_changed(ws: Workspace, name: str) -> None:
    """A node joined or changed: every DaemonSet looks at that node (its informer's node
    handlers, daemon_controller.go addNode/updateNode). A node that goes takes its pods with
    it (the pod GC), so deleteNode has nothing to create."""
    for key, ds in sorted(ws.keyed("DaemonSet")):
        daemonset.reconcile_daemonset(ws, ws.peek("DaemonSet", key) or ds, only=name)


def delete_owned(ws: Workspace, kind: str, obj: Manifest) -> None:
    """The garbage collector's cascade (background propagation): a Deployment's ReplicaSets
    and their pods, every other workload's pods, go with it."""
    if kind == "Deployment":
        for rs in deployment.replica_sets(ws, obj):
            for pod in replicaset.pods_of(ws, "ReplicaSet", rs):
                replicaset.delete_pod(ws, pod)
            meta = rs["metadata"]
            ws.delete("ReplicaSet", meta.get("namespace", "default"), meta["name"])
    for pod in pods_of(ws, kind, obj):
        replicaset.delete_pod(ws, pod)
