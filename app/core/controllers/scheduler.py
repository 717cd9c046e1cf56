"""kube-scheduler: which node a pod written without nodeName runs on.

A Ready node with room for one more pod and the fewest pods, ties broken by name - the even
spread that the default profile's PodTopologySpread and NodeResourcesBalancedAllocation tend
to. A node has room for as many pods as its status.allocatable.pods (kubelet's maxPods, 110 by
default); when no node fits, the pod stays Pending with PodScheduled=False, reason
Unschedulable, and the scheduler's FitError text. Pending pods are scheduled again when a node
joins or becomes Ready (the scheduling queue moves them back to activeQ on a Node add/update).
Once bound, kubelet (kubelet.py) starts the pod.
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Any

from app.core.controllers import events
from app.core.controllers.kubelet import condition, node_ready, start_pod
from app.core.model.workspace import Manifest, Workspace

DEFAULT_MAX_PODS = 110
"""kubelet's maxPods default (pkg/kubelet/apis/config/v1beta1/defaults.go)."""
DEFAULT_SCHEDULER = "default-scheduler"
NO_NODES = "no nodes available to schedule pods"
"""pkg/scheduler/schedule_one.go ErrNoNodesAvailable."""
NOT_HELPFUL = "Preemption is not helpful for scheduling"
"""DefaultPreemption's answer for a node no eviction would fix (an untolerated taint)."""
NO_VICTIMS = "No preemption victims found for incoming pod"
"""DefaultPreemption's answer when no pod of lower priority could make room."""


def pod_capacity(node: Manifest) -> int:
    """status.allocatable.pods, as the NodeResourcesFit plugin reads it."""
    value = node.get("status", {}).get("allocatable", {}).get("pods", DEFAULT_MAX_PODS)
    try:
        return int(value)
    except (TypeError, ValueError):
        return DEFAULT_MAX_PODS


def _load(ws: Workspace, name: str) -> int:
    return ws.indexed_count("Pod", ("node", name))


def pick_node(ws: Workspace) -> Manifest | None:
    """A Ready node with room, the fewest pods first (ties broken by name): an even spread.

    A heap of (pods, name) built once per write; an entry may be stale only by counting too
    few pods (the workspace drops the heap when a pod leaves a node or a node changes), so the
    first entry that is still exact is the least loaded node.
    """
    heap: list[tuple[int, str]] | None = ws.scratch.get("scheduler")
    if heap is None:
        heap = [(_load(ws, key[1]), str(key[1])) for key in ws.indexed("Node", ("ready",))]
        heapq.heapify(heap)
        ws.scratch["scheduler"] = heap
    while heap:
        load, name = heap[0]
        actual = _load(ws, name)
        if actual != load:
            heapq.heapreplace(heap, (actual, name))
            continue
        node = ws.peek("Node", ("", name))
        if node is None or not node_ready(node) or actual >= pod_capacity(node):
            heapq.heappop(heap)
            continue
        return node
    return None


def unschedulable_message(ws: Workspace) -> str:
    """FitError.Error() (pkg/scheduler/framework/types.go): "0/N nodes are available: ...",
    followed by what the DefaultPreemption PostFilter found.

    A node that is not Ready carries the node lifecycle controller's NoSchedule taint
    (node.kubernetes.io/unreachable when its status is Unknown, not-ready when False); a full
    node fails NodeResourcesFit with "Too many pods". Reasons are sorted as upstream sorts them.
    """
    cached = ws.scratch.get("unschedulable")
    if isinstance(cached, str):
        return cached
    reasons: Counter[str] = Counter()
    preemption: Counter[str] = Counter()
    total = 0
    for node in ws.items("Node"):
        total += 1
        ready = _ready_status(node)
        if ready != "True":
            taint = "unreachable" if ready == "Unknown" else "not-ready"
            reasons[f"node(s) had untolerated taint {{node.kubernetes.io/{taint}: }}"] += 1
            preemption[NOT_HELPFUL] += 1
        elif _load(ws, node["metadata"]["name"]) >= pod_capacity(node):
            reasons["Too many pods"] += 1
            preemption[NO_VICTIMS] += 1  # every pod here has the same priority
    if total == 0:
        message = NO_NODES
    else:
        message = (
            f"0/{total} nodes are available: {_histogram(reasons)}. "
            f"preemption: 0/{total} nodes are available: {_histogram(preemption)}."
        )
    ws.scratch["unschedulable"] = message
    return message


def _histogram(reasons: Counter[str]) -> str:
    return ", ".join(sorted(f"{count} {reason}" for reason, count in reasons.items()))


def _ready_status(node: Manifest) -> str:
    for cond in node.get("status", {}).get("conditions", []):
        if cond.get("type") == "Ready":
            return str(cond.get("status", "Unknown"))
    return "Unknown"


def pending_status(ws: Workspace, now: str) -> dict[str, Any]:
    return {
        "phase": "Pending",
        "conditions": [
            {
                **condition("PodScheduled", False, now),
                "reason": "Unschedulable",
                "message": unschedulable_message(ws),
            }
        ],
        "qosClass": "BestEffort",
    }


def complete_pod(ws: Workspace, pod: Manifest) -> Manifest:
    """Schedule a pod without nodeName; give a pod written without status a running one."""
    spec = pod.setdefault("spec", {})
    now = ws.timestamp()
    if not spec.get("nodeName") and "status" not in pod:
        node = pick_node(ws)
        if node is None:
            pod["status"] = pending_status(ws, now)
            failed_scheduling(ws, pod)
            return pod
        spec["nodeName"] = node["metadata"]["name"]
        scheduled(ws, pod)
    if "status" not in pod:
        return start_pod(ws, pod, now)
    return pod


def _unschedulable(pod: Manifest) -> bool:
    return any(
        c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable"
        for c in pod.get("status", {}).get("conditions", [])
    )


def schedule_pending(ws: Workspace) -> None:
    """Bind the pods left Unschedulable, oldest first, while some node has room."""
    waiting = []
    for key in ws.indexed("Pod", ("node", "")):
        pod = ws.peek("Pod", key)
        if pod is not None and _unschedulable(pod):
            waiting.append((pod["metadata"].get("creationTimestamp", ""), key))
    for _, key in sorted(waiting):
        node = pick_node(ws)
        if node is None:
            return
        pod = ws.get("Pod", *key)
        assert pod is not None
        pod["spec"]["nodeName"] = node["metadata"]["name"]
        pod.pop("status", None)
        scheduled(ws, pod)
        ws.put("Pod", start_pod(ws, pod, ws.timestamp()))


def scheduled(ws: Workspace, pod: Manifest) -> None:
    """The binding's event (schedule_one.go: "Successfully assigned %v/%v to %v")."""
    meta = pod["metadata"]
    node = pod["spec"]["nodeName"]
    message = f"Successfully assigned {meta.get('namespace', 'default')}/{meta['name']} to {node}"
    events.record(ws, "Pod", pod, "Scheduled", message, DEFAULT_SCHEDULER)


def failed_scheduling(ws: Workspace, pod: Manifest) -> None:
    """schedule_one.go handleSchedulingFailure: a Warning with the FitError text."""
    message = unschedulable_message(ws)
    events.record(ws, "Pod", pod, "FailedScheduling", message, DEFAULT_SCHEDULER, warning=True)
