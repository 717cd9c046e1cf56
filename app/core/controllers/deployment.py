"""The Deployment and ReplicaSet controllers, settled: `replicas` pods of the current template.

pod-template-hash names the ReplicaSet of each template (pkg/controller/deployment); pods are
owned through it; scaling down deletes pods in controller.ActivePods order; the status is what
the Deployment controller reports for the pods it owns.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

from app.core.controllers.kubelet import pod_ready
from app.core.controllers.scheduler import complete_pod
from app.core.model.rand import random_suffix, safe_encode
from app.core.model.workspace import Manifest, Workspace, clone


def template_hash(template: Manifest) -> str:
    """pod-template-hash: FNV-32a of the template, encoded as upstream's ComputeHash does.

    Upstream hashes the Go struct dump; we hash canonical JSON, so the value differs from a
    real cluster's but has the same shape and the same property: same template, same hash.
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    value = 0x811C9DC5
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(value))


def owned_pods(ws: Workspace, deployment: Manifest) -> list[Manifest]:
    """Pods whose ReplicaSet is one of this Deployment's (named `<deployment>-<hash>`), by
    name, to read only (the workspace's owner index: indexes.owning_deployment)."""
    name = deployment["metadata"]["name"]
    namespace = deployment["metadata"].get("namespace", "default")
    keys = sorted(ws.indexed("Pod", ("owner", namespace, name)))
    return [pod for key in keys if (pod := ws.peek("Pod", key)) is not None]


def _hash_of(pod: Manifest) -> str:
    return str(pod["metadata"].get("labels", {}).get("pod-template-hash", ""))


def _deletion_rank(pod: Manifest, colocated: Counter[str]) -> tuple[int, int, int, str]:
    """controller.ActivePods ordering: unscheduled, not ready, crowded node, newest first."""
    node = pod.get("spec", {}).get("nodeName", "")
    return (
        1 if node else 0,
        1 if pod_ready(pod) else 0,
        -colocated[node],
        "~" + pod["metadata"].get("creationTimestamp", ""),
    )


def reconcile_deployment(ws: Workspace, deployment: Manifest) -> None:
    """The Deployment and ReplicaSet controllers settled: `replicas` pods of the current template.

    A template change rolls every pod at once (the end state of a RollingUpdate).
    """
    meta = deployment["metadata"]
    namespace = meta.get("namespace", "default")
    template = deployment["spec"].get("template", {})
    pod_hash = template_hash(template)
    rs_name = f"{meta['name']}-{pod_hash}"
    replicas = deployment["spec"].get("replicas", 1)
    pods = owned_pods(ws, deployment)
    for pod in pods:
        if _hash_of(pod) != pod_hash:
            ws.delete("Pod", namespace, pod["metadata"]["name"])
    current = [
        p for p in pods if p["metadata"].get("labels", {}).get("pod-template-hash") == pod_hash
    ]
    if len(current) > replicas:
        colocated: Counter[str] = Counter(p.get("spec", {}).get("nodeName", "") for p in current)
        victims = sorted(current, key=lambda p: _deletion_rank(p, colocated))
        for pod in victims[: len(current) - replicas]:
            ws.delete("Pod", namespace, pod["metadata"]["name"])
    for _ in range(replicas - len(current)):
        pod = _pod_from_template(ws, deployment, template, rs_name, pod_hash)
        complete_pod(ws, pod)
        ws.put("Pod", pod)


def _pod_from_template(
    ws: Workspace, deployment: Manifest, template: Manifest, rs_name: str, pod_hash: str
) -> Manifest:
    meta = deployment["metadata"]
    namespace = meta.get("namespace", "default")
    while True:
        name = f"{rs_name}-{random_suffix(ws)}"
        if not ws.exists("Pod", namespace, name):
            break
    pod_meta = clone(template.get("metadata", {}))
    pod_meta.pop("creationTimestamp", None)
    labels = pod_meta.setdefault("labels", {})
    labels["pod-template-hash"] = pod_hash
    pod_meta.update(
        {
            "name": name,
            "generateName": f"{rs_name}-",
            "namespace": namespace,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": rs_name,
                    "uid": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{meta['uid']}/{pod_hash}")),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        }
    )
    pod: Manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": clone(template.get("spec", {})),
    }
    ws.stamp_new(pod)
    return pod


def deployment_status(deployment: Manifest, pods: list[Manifest]) -> dict[str, Any]:
    """What the Deployment controller would report for the pods it owns."""
    pod_hash = template_hash(deployment.get("spec", {}).get("template", {}))
    updated = [
        p for p in pods if p["metadata"].get("labels", {}).get("pod-template-hash") == pod_hash
    ]
    ready = sum(1 for p in pods if pod_ready(p))
    replicas = deployment.get("spec", {}).get("replicas", 1)
    status: dict[str, Any] = {
        "observedGeneration": deployment["metadata"].get("generation", 1),
        "replicas": len(pods),
        "updatedReplicas": len(updated),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": [
            {
                "type": "Available",
                "status": "True" if ready >= replicas else "False",
                "reason": "MinimumReplicasAvailable"
                if ready >= replicas
                else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability."
                if ready >= replicas
                else "Deployment does not have minimum availability.",
            }
        ],
    }
    if len(pods) - ready:
        status["unavailableReplicas"] = len(pods) - ready
    return {k: v for k, v in status.items() if v != 0 or k == "replicas"}
