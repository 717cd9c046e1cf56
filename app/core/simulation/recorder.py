"""What a simulation records per request, in numpy arrays a chunk long, and the ids it gives
pods and nodes for the whole run (the tally counts by id)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.core.model.objects import ClusterState
from app.core.network.routing import Path
from app.core.simulation.plan import OUTCOME_CODES, SegmentPlan

# How kubeproxy/endpointchoice.py names a rule that matched on remembered affinity, per mode.
AFFINITY_MARKS = ("--rcheck", "ip saddr @affinity-", " persistent → ")


class Recorder:
    """One chunk's per-request results, and the pod and node ids of the whole run."""

    def __init__(self) -> None:
        self.node_ids: dict[str, int] = {}
        self.pod_ids: dict[str, int] = {}
        self.pod_node: dict[int, str] = {}
        self.reasons: dict[tuple[str, str, str], int] = {}
        """(outcome, reason, instead) → id, for every failure met."""
        self.begin(0)

    def begin(self, size: int) -> None:
        """Fresh arrays for the next chunk of `size` requests (indexes are chunk-local)."""
        self.outcome = np.zeros(size, dtype=np.int8)
        self.entry = np.full(size, -1, dtype=np.int64)
        self.pod = np.full(size, -1, dtype=np.int64)
        self.hit = np.zeros(size, dtype=np.bool_)
        self.lb = np.zeros(size, dtype=np.bool_)
        self.j = np.zeros(size, dtype=np.int64)
        self.k = np.zeros(size, dtype=np.int64)
        self.why = np.full(size, -1, dtype=np.int64)

    def reason_id(self, outcome: str, reason: str, instead: str) -> int:
        if outcome in ("", "delivered"):
            return -1
        return self.reasons.setdefault((outcome, reason, instead), len(self.reasons))

    def node_id(self, name: str) -> int:
        return self.node_ids.setdefault(name, len(self.node_ids)) if name else -1

    def register(self, state: ClusterState, plan: SegmentPlan | None) -> None:
        """Ids for every node and for the pods this segment's plan can reach."""
        for node in state.nodes:
            self.node_id(node.name)
        if plan is not None:
            pods = {e.pod for e in plan.entries if e.pod}
            if pods:
                for pod in state.pods:
                    if pod.key in pods:
                        pid = self.pod_ids.setdefault(pod.key, len(self.pod_ids))
                        self.pod_node[pid] = pod.node_name
            for key, node_name in plan.pods_by_address.values():
                pid = self.pod_ids.setdefault(key, len(self.pod_ids))
                self.pod_node.setdefault(pid, node_name)
            for endpoints in {e.endpoints for e in plan.entries}:
                for address in endpoints:
                    if address not in plan.pods_by_address:  # an endpoint that is not a pod
                        self.pod_ids.setdefault(address, len(self.pod_ids))

    def pod_nodes(self) -> NDArray[np.int64]:
        """Per pod id, its node's id (-1: not a pod, or a pod on no node)."""
        nodes = [self.node_ids.get(self.pod_node.get(i, ""), -1) for i in range(len(self.pod_ids))]
        return np.array(nodes, dtype=np.int64)

    def names(self) -> tuple[list[str], list[str]]:
        pods = sorted(self.pod_ids, key=self.pod_ids.__getitem__)
        nodes = sorted(self.node_ids, key=self.node_ids.__getitem__)
        return pods, nodes


def record(rec: Recorder, i: int, path: Path) -> None:
    rec.outcome[i] = OUTCOME_CODES[path.outcome]
    rec.why[i] = rec.reason_id(path.outcome, path.reason, path.instead)
    rec.entry[i] = rec.node_id(next((h.name for h in path.hops if h.kind == "node"), ""))
    rec.lb[i] = any(h.kind == "load-balancer" for h in path.hops)
    if path.pod is not None:
        key = f"{path.pod.namespace}/{path.pod.name}"
        pid = rec.pod_ids.setdefault(key, len(rec.pod_ids))
        rec.pod_node.setdefault(pid, path.pod.node)
        rec.pod[i] = pid
    elif path.outcome == "delivered":
        address = path.hops[-1].dst if path.hops else ""
        rec.pod[i] = rec.pod_ids.setdefault(address, len(rec.pod_ids))
    service_hop = next((h for h in path.hops if h.kind == "service"), None)
    if service_hop is not None and path.outcome == "delivered":
        rec.hit[i] = any(mark in service_hop.rule for mark in AFFINITY_MARKS)
