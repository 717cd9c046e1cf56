"""The DaemonSet controller, settled: one pod on every node that should run it.

Upstream: pkg/controller/daemon (daemon_controller.go podsShouldBeOnNode and
NodeShouldRunDaemonPod: the template's nodeSelector must match the node's labels and the node's
NoSchedule/NoExecute taints must be tolerated; a pod already there keeps running while the
NoExecute ones are; util/daemonset_util.go: the tolerations every daemon pod gets and the
node affinity that pins it to its node). A node that is not Ready carries
node.kubernetes.io/not-ready:NoSchedule, so no new daemon pod lands there, while the pod
already running stays (it tolerates not-ready:NoExecute). A cordoned node (unschedulable)
still gets one: daemon pods tolerate node.kubernetes.io/unschedulable. A node that joins gets
its pod in the same write; a node that goes takes its pod with it (the pod GC).
"""

from __future__ import annotations

from typing import Any

from app.core.controllers import events, replicaset, scheduler
from app.core.controllers.deployment import template_hash
from app.core.controllers.kubelet import node_ready, pod_ready, start_pod
from app.core.model.workspace import Manifest, Workspace

COMPONENT = "daemonset-controller"
REVISION_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
"""daemonset_util.go AddOrUpdateDaemonPodTolerations (network-unavailable only with
hostNetwork, left out)."""


def _tolerates(tolerations: list[Manifest], taint: Manifest) -> bool:
    """v1helper.TolerationsTolerateTaint: key (empty + Exists: any), effect (empty: any)."""
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("key") and t.get("key") != taint.get("key"):
            continue
        if t.get("operator", "Equal") == "Exists" or t.get("value", "") == taint.get("value", ""):
            return True
    return False


def _taints(node: Manifest) -> list[Manifest]:
    taints = list(node.get("spec", {}).get("taints", []))
    if not node_ready(node):
        taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
    return taints


def should_run(ds: Manifest, node: Manifest) -> tuple[bool, bool]:
    """(should schedule a new pod here, should an existing pod keep running here)."""
    spec = ds["spec"].get("template", {}).get("spec", {})
    labels = node["metadata"].get("labels", {})
    if any(labels.get(k) != v for k, v in spec.get("nodeSelector", {}).items()):
        return False, False
    tolerations = [*spec.get("tolerations", []), *DEFAULT_TOLERATIONS]
    untolerated = [t for t in _taints(node) if not _tolerates(tolerations, t)]
    schedule = not any(t.get("effect") in ("NoSchedule", "NoExecute") for t in untolerated)
    keep = not any(t.get("effect") == "NoExecute" for t in untolerated)
    return schedule, keep


def _new_pod(ws: Workspace, ds: Manifest, node: str, revision: str) -> Manifest:
    prefix = f"{ds['metadata']['name']}-"
    namespace = ds["metadata"].get("namespace", "default")
    pod = replicaset.new_pod(ws, "DaemonSet", ds, replicaset.generated_name(ws, namespace, prefix))
    pod["metadata"]["generateName"] = prefix
    labels = pod["metadata"]["labels"]
    labels[REVISION_LABEL] = revision
    labels[GENERATION_LABEL] = str(ds["metadata"].get("generation", 1))
    spec = pod["spec"]
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    spec.setdefault("affinity", {})["nodeAffinity"] = {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
    }
    known = {(t.get("key"), t.get("effect")) for t in spec.get("tolerations", [])}
    spec["tolerations"] = [
        *spec.get("tolerations", []),
        *(t for t in DEFAULT_TOLERATIONS if (t["key"], t["effect"]) not in known),
    ]
    spec["nodeName"] = node
    return pod


def _node_of(pod: Manifest) -> str:
    return str(pod.get("spec", {}).get("nodeName", ""))


def reconcile_daemonset(ws: Workspace, ds: Manifest, only: str | None = None) -> None:
    """manage(): create the missing pods, delete those on nodes that should not run them, and
    replace the pods of an older template (RollingUpdate's end state). `only`: look at one node
    (the one that joined or changed), as the controller's node event handlers do."""
    revision = template_hash(ds["spec"].get("template", {}))
    by_node: dict[str, list[Manifest]] = {}
    for pod in replicaset.pods_of(ws, "DaemonSet", ds):
        if only is None or _node_of(pod) == only:
            by_node.setdefault(_node_of(pod), []).append(pod)
    if only is None:
        nodes = {key[1]: node for key, node in sorted(ws.keyed("Node"))}
    else:
        node = ws.peek("Node", ("", only))
        nodes = {only: node} if node is not None else {}
    for name in sorted(set(by_node) - set(nodes)):
        for pod in by_node.pop(name):
            _delete(ws, ds, pod)
    for name, node in nodes.items():
        _manage_node(ws, ds, name, node, by_node.get(name, []), revision)


def _manage_node(
    ws: Workspace, ds: Manifest, name: str, node: Manifest, pods: list[Manifest], revision: str
) -> None:
    schedule, keep = should_run(ds, node)
    current = [p for p in pods if p["metadata"]["labels"].get(REVISION_LABEL) == revision]
    doomed = pods if not keep else [p for p in pods if p not in current[:1]]
    for pod in doomed:
        _delete(ws, ds, pod)
    if schedule and not (keep and current):
        pod = _new_pod(ws, ds, name, revision)
        message = f"Created pod: {pod['metadata']['name']}"
        events.record(ws, "DaemonSet", ds, "SuccessfulCreate", message, COMPONENT)
        scheduler.scheduled(ws, pod)
        ws.put("Pod", start_pod(ws, pod, ws.timestamp()))


def _delete(ws: Workspace, ds: Manifest, pod: Manifest) -> None:
    replicaset.delete_pod(ws, pod)
    message = f"Deleted pod: {pod['metadata']['name']}"
    events.record(ws, "DaemonSet", ds, "SuccessfulDelete", message, COMPONENT)


def daemonset_status(ws: Workspace, ds: Manifest, pods: list[Manifest]) -> dict[str, Any]:
    """updateDaemonSetStatus: desired = nodes that should run it; the rest counted from pods."""
    revision = template_hash(ds.get("spec", {}).get("template", {}))
    on_node = {_node_of(p): p for p in pods}
    desired = current = misscheduled = ready = updated = 0
    for key, node in ws.keyed("Node"):
        schedule, _ = should_run(ds, node)
        pod = on_node.get(key[1])
        desired += schedule
        if pod is None:
            continue
        if not schedule:
            misscheduled += 1
            continue
        current += 1
        ready += pod_ready(pod)
        updated += pod["metadata"].get("labels", {}).get(REVISION_LABEL) == revision
    status: dict[str, Any] = {
        "currentNumberScheduled": current,
        "numberMisscheduled": misscheduled,
        "desiredNumberScheduled": desired,
        "numberReady": ready,
        "observedGeneration": ds["metadata"].get("generation", 1),
        "updatedNumberScheduled": updated,
        "numberAvailable": ready,
        "numberUnavailable": desired - ready,
    }
    keep = ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady")
    return {k: v for k, v in status.items() if v != 0 or k in keep}
