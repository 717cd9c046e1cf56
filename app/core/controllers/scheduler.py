"""kube-scheduler: which node a pod written without nodeName runs on.

A Ready node with the fewest pods, ties broken by name - the even spread that the default
profile's PodTopologySpread and NodeResourcesBalancedAllocation tend to - or Pending and
Unschedulable when no node is Ready. Once bound, kubelet (kubelet.py) starts the pod.
"""

from __future__ import annotations

from collections import Counter

from app.core.controllers.kubelet import condition, node_ready, start_pod
from app.core.model.workspace import Manifest, Workspace


def pick_node(ws: Workspace, extra: Counter[str] | None = None) -> Manifest | None:
    """A Ready node with the fewest pods (ties broken by name): an even spread."""
    ready = [n for n in ws.items("Node") if node_ready(n)]
    if not ready:
        return None
    load: Counter[str] = Counter(p.get("spec", {}).get("nodeName", "") for p in ws.items("Pod"))
    if extra:
        load.update(extra)
    return min(ready, key=lambda n: (load[n["metadata"]["name"]], n["metadata"]["name"]))


def complete_pod(ws: Workspace, pod: Manifest) -> Manifest:
    """Schedule a pod without nodeName; give a pod written without status a running one."""
    spec = pod.setdefault("spec", {})
    now = ws.timestamp()
    if not spec.get("nodeName") and "status" not in pod:
        node = pick_node(ws)
        if node is None:
            pod["status"] = {
                "phase": "Pending",
                "conditions": [
                    {
                        **condition("PodScheduled", False, now),
                        "reason": "Unschedulable",
                        "message": "0/0 nodes are available: no Ready node to schedule on.",
                    }
                ],
                "qosClass": "BestEffort",
            }
            return pod
        spec["nodeName"] = node["metadata"]["name"]
    if "status" in pod:
        return pod
    return start_pod(ws, pod, now)
