"""The StatefulSet controller, settled: pods `<name>-0` … `<name>-(N-1)`, each its own identity.

Upstream: pkg/controller/statefulset (stateful_set_utils.go newStatefulSetPod: the ordinal
name, hostname = the pod's name, subdomain = spec.serviceName, the pod-name, pod-index and
controller-revision-hash labels; stateful_set_control.go: with podManagementPolicy
OrderedReady, pod N+1 waits until pod N is Running and Ready, scale-down removes the highest
ordinal first; stateful_pod_control.go recordPodEvent: "create Pod db-0 in StatefulSet db
successful"). A template change replaces the pods (RollingUpdate, highest ordinal first
upstream; here at once, as svcscope has no time between requests).

The pod's DNS name `<hostname>.<serviceName>.<namespace>.svc.<domain>` comes from the
EndpointSlice of its headless Service (endpointslices.py sets `hostname`; routing resolves it).
"""

from __future__ import annotations

from typing import Any

from app.core.controllers import events, replicaset
from app.core.controllers.deployment import template_hash
from app.core.controllers.kubelet import pod_ready
from app.core.controllers.scheduler import complete_pod
from app.core.model.workspace import Manifest, Workspace

COMPONENT = "statefulset-controller"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"


def revision_name(sts: Manifest) -> str:
    """The ControllerRevision name of the current template: `<name>-<hash>`."""
    return f"{sts['metadata']['name']}-{template_hash(sts['spec'].get('template', {}))}"


def ordinal(sts: Manifest, pod: Manifest) -> int:
    """getOrdinal: the number after the last dash, -1 when the name is not `<set>-<n>`."""
    prefix, _, number = pod["metadata"]["name"].rpartition("-")
    if prefix != sts["metadata"]["name"] or not number.isdigit():
        return -1
    return int(number)


def _record(ws: Workspace, sts: Manifest, verb: str, pod: Manifest) -> None:
    message = f"{verb.lower()} Pod {pod['metadata']['name']} in StatefulSet "
    message += f"{sts['metadata']['name']} successful"
    events.record(ws, "StatefulSet", sts, f"Successful{verb}", message, COMPONENT)


def _new_pod(ws: Workspace, sts: Manifest, number: int, revision: str) -> Manifest:
    name = f"{sts['metadata']['name']}-{number}"
    pod = replicaset.new_pod(ws, "StatefulSet", sts, name)
    labels = pod["metadata"]["labels"]
    labels[POD_NAME_LABEL] = name
    labels[POD_INDEX_LABEL] = str(number)
    labels[REVISION_LABEL] = revision
    pod["spec"]["hostname"] = name
    if sts["spec"].get("serviceName"):
        pod["spec"]["subdomain"] = sts["spec"]["serviceName"]
    return pod


def reconcile_statefulset(ws: Workspace, sts: Manifest) -> None:
    """Ordinals [start, start+replicas) exist at the current revision; others are deleted."""
    spec = sts["spec"]
    start = spec.get("ordinals", {}).get("start", 0)
    wanted = range(start, start + spec.get("replicas", 1))
    ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
    revision = revision_name(sts)
    pods = {ordinal(sts, p): p for p in replicaset.pods_of(ws, "StatefulSet", sts)}
    for number in sorted(pods, reverse=True):
        if number not in wanted:
            replicaset.delete_pod(ws, pods[number])
            _record(ws, sts, "Delete", pods[number])
    for number in wanted:
        pod = pods.get(number)
        if pod is not None and pod["metadata"].get("labels", {}).get(REVISION_LABEL) == revision:
            if ordered and not pod_ready(pod):
                return
            continue
        if pod is not None:
            replicaset.delete_pod(ws, pod)
            _record(ws, sts, "Delete", pod)
        pod = _new_pod(ws, sts, number, revision)
        _record(ws, sts, "Create", pod)
        ws.put("Pod", complete_pod(ws, pod))
        if ordered and not pod_ready(pod):
            return


def statefulset_status(sts: Manifest, pods: list[Manifest]) -> dict[str, Any]:
    """updateStatefulSetStatus: counts by readiness and revision."""
    revision = revision_name(sts)
    ready = sum(1 for p in pods if pod_ready(p))
    updated = sum(
        1 for p in pods if p["metadata"].get("labels", {}).get(REVISION_LABEL) == revision
    )
    status: dict[str, Any] = {
        "observedGeneration": sts["metadata"].get("generation", 1),
        "replicas": len(pods),
        "readyReplicas": ready,
        "currentReplicas": updated,
        "updatedReplicas": updated,
        "currentRevision": revision,
        "updateRevision": revision,
        "collisionCount": 0,
        "availableReplicas": ready,
    }
    return {k: v for k, v in status.items() if v != 0 or k in ("replicas", "collisionCount")}
