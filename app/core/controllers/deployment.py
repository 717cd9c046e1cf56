"""The Deployment controller, settled: a ReplicaSet per template, `replicas` pods of the newest.

Upstream: pkg/controller/deployment (sync.go getNewReplicaSet, scaleReplicaSet and its
ScalingReplicaSet event, cleanupDeployment; util/deployment_util.go for the revision
annotations `kubectl rollout history` reads). pod-template-hash names the ReplicaSet of each
template; the ReplicaSet controller (replicaset.py) makes and deletes the pods; the status is
what the Deployment controller reports for the pods its ReplicaSets own.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from app.core.controllers import events, replicaset
from app.core.controllers.kubelet import pod_ready
from app.core.model.rand import safe_encode
from app.core.model.workspace import Manifest, Workspace, clone

COMPONENT = "deployment-controller"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
_NOT_COPIED = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        REVISION_HISTORY,
        DESIRED,
        MAX_REPLICAS,
    }
)


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


def replica_sets(ws: Workspace, deployment: Manifest) -> list[Manifest]:
    """The ReplicaSets this Deployment controls (their controller ownerReference), to read."""
    meta = deployment["metadata"]
    namespace = meta.get("namespace", "default")
    keys = sorted(ws.indexed("ReplicaSet", ("controller", namespace, "Deployment", meta["name"])))
    return [rs for key in keys if (rs := ws.peek("ReplicaSet", key)) is not None]


def revision(obj: Manifest) -> int:
    """deploymentutil.Revision: the revision annotation as a number (0 when absent)."""
    value = obj.get("metadata", {}).get("annotations", {}).get(REVISION, "0")
    try:
        return int(value)
    except ValueError:
        return 0


def reconcile_deployment(ws: Workspace, deployment: Manifest) -> None:
    """The Deployment controller settled: a ReplicaSet per template, the newest at `replicas`.

    A template change makes a new ReplicaSet (`<deployment>-<pod-template-hash>`, the next
    revision) and scales the old ones to 0. Upstream's RollingUpdate gets there in steps of
    maxSurge/maxUnavailable (25% by default) as pods become available; svcscope has no time
    between requests, so it writes the end state of those steps at once, with the two
    ScalingReplicaSet events that bracket them.
    """
    meta = deployment["metadata"]
    namespace = meta.get("namespace", "default")
    pod_hash = template_hash(deployment["spec"].get("template", {}))
    rs_name = f"{meta['name']}-{pod_hash}"
    existing = replica_sets(ws, deployment)
    newest = max((revision(rs) for rs in existing), default=0)
    new = ws.get("ReplicaSet", namespace, rs_name)
    before = clone(new) if new is not None else None
    if new is None:
        new = _new_replica_set(ws, deployment, rs_name, pod_hash)
    if REVISION not in new["metadata"].get("annotations", {}) or revision(new) < newest:
        _set_revision(new, newest + 1)
    if meta.get("annotations", {}).get(REVISION) != str(revision(new)):
        stored = ws.get("Deployment", namespace, meta["name"])
        if stored is not None:
            stored["metadata"].setdefault("annotations", {})[REVISION] = str(revision(new))
            if stored is not deployment:  # else this write already puts it, as changed here
                ws.put("Deployment", stored)
                deployment = stored
    _scale(ws, deployment, new, before, deployment["spec"].get("replicas", 1))
    old = [rs for rs in existing if rs["metadata"]["name"] != rs_name]
    for rs in old:
        stored_rs = ws.get("ReplicaSet", namespace, rs["metadata"]["name"])
        if stored_rs is not None:
            _scale(ws, deployment, stored_rs, clone(stored_rs), 0)
    _clean_up(ws, deployment, old)


def _new_replica_set(ws: Workspace, deployment: Manifest, rs_name: str, pod_hash: str) -> Manifest:
    """getNewReplicaSet: the template with the hash label, the selector with it too."""
    meta, spec = deployment["metadata"], deployment["spec"]
    template = clone(spec.get("template", {}))
    template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
    selector = clone(spec.get("selector", {}))
    selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
    rs: Manifest = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": rs_name,
            "namespace": meta.get("namespace", "default"),
            "labels": dict(template["metadata"]["labels"]),
            "ownerReferences": [replicaset.owner_reference("Deployment", deployment)],
        },
        "spec": {
            "replicas": 0,
            "minReadySeconds": spec.get("minReadySeconds", 0),
            "selector": selector,
            "template": template,
        },
    }
    ws.stamp_new(rs)
    # The uid the pods of earlier svcscope versions already name in their ownerReferences.
    rs["metadata"]["uid"] = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{meta['uid']}/{pod_hash}"))
    rs["metadata"]["generation"] = 1
    return rs


def _set_revision(rs: Manifest, value: int) -> None:
    """A template that comes back (a rollback) moves its old revision into revision-history."""
    annotations = rs["metadata"].setdefault("annotations", {})
    old = annotations.get(REVISION)
    if old is not None:
        history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
        annotations[REVISION_HISTORY] = ",".join([*history, old])
    annotations[REVISION] = str(value)


def _sync_annotations(deployment: Manifest, rs: Manifest) -> None:
    """copyDeploymentAnnotationsToReplicaSet (kubernetes.io/change-cause reaches
    `rollout history` this way) and the desired/max replica annotations."""
    annotations = rs["metadata"].setdefault("annotations", {})
    for key, value in deployment["metadata"].get("annotations", {}).items():
        if key not in _NOT_COPIED:
            annotations[key] = value
    replicas = deployment["spec"].get("replicas", 1)
    annotations[DESIRED] = str(replicas)
    annotations[MAX_REPLICAS] = str(replicas + _max_surge(deployment, replicas))


def _max_surge(deployment: Manifest, replicas: int) -> int:
    """ResolveFenceposts: maxSurge rounded up (25% of 3 is 1)."""
    strategy = deployment["spec"].get("strategy", {})
    if strategy.get("type") != "RollingUpdate":
        return 0
    value = strategy.get("rollingUpdate", {}).get("maxSurge", "25%")
    if isinstance(value, str) and value.endswith("%"):
        return -(-replicas * int(value[:-1] or 0) // 100)
    return int(value) if not isinstance(value, str) else 0


def _scale(
    ws: Workspace, deployment: Manifest, rs: Manifest, before: Manifest | None, replicas: int
) -> None:
    """scaleReplicaSet: the ScalingReplicaSet event, then the ReplicaSet controller's work.
    `rs` is this write's copy; `before` what was stored (None: a new ReplicaSet)."""
    meta = rs["metadata"]
    current = rs["spec"].get("replicas", 1)
    if current != replicas:
        direction = "up" if replicas > current else "down"
        message = f"Scaled {direction} replica set {meta['name']} from {current} to {replicas}"
        events.record(ws, "Deployment", deployment, "ScalingReplicaSet", message, COMPONENT)
        rs["spec"]["replicas"] = replicas
        if before is not None:
            meta["generation"] = meta.get("generation", 1) + 1
    _sync_annotations(deployment, rs)
    if rs != before:
        ws.put("ReplicaSet", rs)
    replicaset.reconcile_replicaset(ws, rs)


def _clean_up(ws: Workspace, deployment: Manifest, old: list[Manifest]) -> None:
    """cleanupDeployment: old ReplicaSets beyond revisionHistoryLimit go, oldest first."""
    limit = deployment["spec"].get("revisionHistoryLimit", 10)
    idle = sorted((rs for rs in old if not replicaset.pods_of(ws, "ReplicaSet", rs)), key=revision)
    for rs in idle[: max(0, len(idle) - limit)]:
        ws.delete("ReplicaSet", rs["metadata"].get("namespace", "default"), rs["metadata"]["name"])


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
            },
            {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetAvailable",
                "message": f'ReplicaSet "{deployment["metadata"]["name"]}-{pod_hash}" has '
                "successfully progressed.",
            },
        ],
    }
    if len(pods) - ready:
        status["unavailableReplicas"] = len(pods) - ready
    return {k: v for k, v in status.items() if v != 0 or k == "replicas"}
